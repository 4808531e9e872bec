"""Train a small linear policy for Cambodia in the Gymnasium environment and compare it with a masked random policy.

Run it from the project folder (numpy only, a few seconds per thousand steps):

    .venv/bin/python docs/examples/rl_learner.py                # 3000 training steps, 3 training seeds
    .venv/bin/python docs/examples/rl_learner.py --steps 6000 --seeds 5

The learner is a linear softmax policy over the move list, restricted to the action mask, whose logits are
``theta[move] . phi(observation)`` with ``phi`` = [1, round, hedging, bloc_tilt, utility] (four fields of the
observation vector). It is trained by REINFORCE (Williams 1992): after each episode, every chosen move's
log-probability is pushed up in proportion to how much the return that followed it beat a running baseline.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout without installing

import gymnasium

import sim.rl  # registers Pivot/<scenario>-v0 for every scenario in scenarios/
from sim.core import AlignmentModel

ENV_ID = "Pivot/medvedev_visit_2015-v0"
FEATURES = ("round", "hedging", "bloc_tilt", "utility")
EVALUATION_SEEDS = range(1_000_000, 1_000_000 + 1000)  # model seeds never used in training

Policy = Callable[[np.ndarray, np.ndarray], int]  # (observation, action mask) -> move index


def masked_random_policy(rng: np.random.Generator) -> Policy:
    """Pick uniformly among the moves the mask allows."""
    return lambda observation, mask: int(rng.choice(np.flatnonzero(mask)))


@dataclass
class Transition:
    observation: np.ndarray
    mask: np.ndarray
    move: int
    reward: float


class LinearSoftmaxPolicy:
    """pi(move | obs) proportional to mask[move] * exp(theta[move] . phi(obs)), trained by REINFORCE."""

    def __init__(self, env: gymnasium.Env, rng: np.random.Generator, learning_rate: float = 2.0) -> None:
        names = sim.rl.observation_names(env.unwrapped.setup)
        self.columns = [names.index(f) for f in FEATURES]
        self.theta = np.zeros((env.action_space.n, 1 + len(FEATURES)))
        self.rng = rng
        self.learning_rate = learning_rate
        self.baseline: np.ndarray | None = None  # running mean of the return from each step on

    def features(self, observation: np.ndarray) -> np.ndarray:
        return np.concatenate([[1.0], observation[self.columns]])

    def probabilities(self, observation: np.ndarray, mask: np.ndarray) -> np.ndarray:
        logits = np.where(mask.astype(bool), self.theta @ self.features(observation), -np.inf)
        weights = np.exp(logits - logits.max())
        return weights / weights.sum()

    def __call__(self, observation: np.ndarray, mask: np.ndarray) -> int:
        return int(self.rng.choice(len(mask), p=self.probabilities(observation, mask)))

    def update(self, episode: list[Transition]) -> None:
        rewards = np.array([t.reward for t in episode])
        returns = np.cumsum(rewards[::-1])[::-1]  # reward-to-go from each step
        if self.baseline is None or self.baseline.shape != returns.shape:
            self.baseline = returns.copy()
        advantage = returns - self.baseline
        advantage /= np.abs(advantage).mean() + 1e-12  # scale-free steps: utility changes are small numbers
        self.baseline = 0.9 * self.baseline + 0.1 * returns
        for t, a in zip(episode, advantage, strict=True):
            p = self.probabilities(t.observation, t.mask)
            phi = self.features(t.observation)
            gradient = -np.outer(p, phi)  # d log pi(move) / d theta = (onehot(move) - p) phi
            gradient[t.move] += phi
            self.theta += self.learning_rate * a * gradient / len(episode)


def play(env: gymnasium.Env, policy: Policy, seed: int) -> tuple[float, list[Transition]]:
    """One episode with a policy: its return (sum of utility changes) and its transitions."""
    observation, info = env.reset(seed=seed)
    transitions: list[Transition] = []
    while True:
        mask = info["action_mask"]
        move = policy(observation, mask)
        next_observation, reward, terminated, truncated, info = env.step(move)
        transitions.append(Transition(observation, mask, move, float(reward)))
        observation = next_observation
        if terminated or truncated:
            return sum(t.reward for t in transitions), transitions


def train(
    env: gymnasium.Env, steps: int, seed: int, learning_rate: float = 2.0, block: int = 500
) -> tuple[LinearSoftmaxPolicy, list[tuple[int, float]]]:
    """Train for at least ``steps`` environment steps; the curve is the mean return per ``block`` steps."""
    policy = LinearSoftmaxPolicy(env, np.random.default_rng(seed), learning_rate)
    done, episode, curve, returns = 0, 0, [], []
    while done < steps:
        total, transitions = play(env, policy, seed=seed * 100_000 + episode)
        policy.update(transitions)
        episode += 1
        done += len(transitions)
        returns.append(total)
        if done // block > len(curve):
            curve.append((done, float(np.mean(returns))))
            returns = []
    return policy, curve


def evaluate(env: gymnasium.Env, policy: Policy, episodes: int) -> float:
    """Mean return over the same evaluation runs (model seeds) for every policy."""
    return float(np.mean([play(env, policy, seed)[0] for seed in EVALUATION_SEEDS[:episodes]]))


def ai_reference(env: gymnasium.Env, episodes: int) -> float:
    """Cambodia's utility change when the model's own AI plays it (two moves a round, softmax over gains)."""
    setup, actor = env.unwrapped.setup, env.unwrapped.setup.index(env.unwrapped.actor)
    gains = []
    for seed in EVALUATION_SEEDS[:episodes]:
        history = AlignmentModel(setup, rng=seed, collect=False).run()
        gains.append(history[-1].utility[actor] - history[0].utility[actor])
    return float(np.mean(gains))


@dataclass
class Comparison:
    random: list[float]  # per training seed
    learned: list[float]
    curves: list[list[tuple[int, float]]]
    policies: list[LinearSoftmaxPolicy]


def compare(steps: int, seeds: Sequence[int], episodes: int, env: gymnasium.Env | None = None) -> Comparison:
    """Train one learner per seed; evaluate it and a masked random policy on the same runs."""
    env = env or gymnasium.make(ENV_ID, actor="cambodia")
    result = Comparison([], [], [], [])
    for seed in seeds:
        policy, curve = train(env, steps, seed)
        result.learned.append(evaluate(env, policy, episodes))
        result.random.append(evaluate(env, masked_random_policy(np.random.default_rng(seed)), episodes))
        result.curves.append(curve)
        result.policies.append(policy)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="training steps per learner (default 3000)")
    parser.add_argument("--seeds", type=int, default=3, help="learners trained from different seeds (default 3)")
    parser.add_argument("--episodes", type=int, default=30, help="evaluation episodes per policy (default 30)")
    args = parser.parse_args(argv)
    env = gymnasium.make(ENV_ID, actor="cambodia")
    result = compare(args.steps, range(args.seeds), args.episodes, env)
    print("Cambodia's return = its utility change over the 12 rounds; learner trained by REINFORCE\n")
    print("training steps   mean return while training (one column per seed)")
    for row in zip(*result.curves, strict=False):
        print(f"{row[0][0]:14d}   " + "   ".join(f"{value:6.3f}" for _, value in row))
    print(f"\nevaluation: {args.episodes} runs with the same model seeds for every policy")
    print(f"  masked random policy    {np.mean(result.random):6.3f}   per seed: {np.round(result.random, 3)}")
    print(f"  linear learner          {np.mean(result.learned):6.3f}   per seed: {np.round(result.learned, 3)}")
    print(f"  always pass             {evaluate(env, lambda o, m: 0, args.episodes):6.3f}")
    print(f"  the model's AI (2 moves a round, for reference)  {ai_reference(env, args.episodes):6.3f}")
    observation, info = env.reset(seed=EVALUATION_SEEDS[0])
    p = result.policies[0].probabilities(observation, info["action_mask"])
    labels = env.unwrapped.moves.labels
    favourites = ", ".join(f"{labels[k]} ({p[k]:.0%})" for k in np.argsort(-p)[:3])
    print(f"\nfirst learner's favourite moves in round 1: {favourites}")


if __name__ == "__main__":
    main()
