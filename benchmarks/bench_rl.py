"""Learning-API speed: env steps per second of the vector env at 256 envs first, then the one-run envs and their costs.

Prints figures only (never run as a test): `python benchmarks/bench_rl.py [--envs 256] [--vector-only]`. It leads
with env steps per CPU-second (per core) of :class:`sim.rl.vector.PivotVectorEnv` (one learner, masked random moves,
the policy's choosing excluded) and of the one-run Gymnasium env doing the same, interleaved, with their
ratio. Then the parallel env with 6 learners: the step of a parallel env is one round of the model, so the
model's own round (measured here too, with the same six actors played from outside) bounds it, and the
ratio says what the environment layer adds on top. ``--vector-only`` stops after the vector env's figures.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.core import AlignmentModel
from sim.core.setup import ModelSetup
from sim.rl import Episode, MoveList, PivotEnv, PivotParallelEnv, RoundScreen, matrix_frame, scenario_setup
from sim.rl.vector import PivotVectorEnv

EPISODES = 8  # per timed block; blocks of every configuration are interleaved and the median block is reported
BLOCKS = 7


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def parallel_block(env: PivotParallelEnv, choose: str, first_seed: int) -> float:
    """Env steps per second over EPISODES episodes, excluding the time the policy takes to choose."""
    rng = np.random.default_rng(first_seed)
    steps, choosing = 0, 0.0
    start = time.perf_counter()
    for episode in range(first_seed, first_seed + EPISODES):
        _, infos = env.reset(seed=episode)
        while env.agents:
            t = time.perf_counter()
            if choose == "pass":
                actions = dict.fromkeys(env.agents, 0)
            else:
                actions = {a: int(rng.choice(np.flatnonzero(infos[a]["action_mask"]))) for a in env.agents}
            choosing += time.perf_counter() - t
            _, _, _, _, infos = env.step(actions)
            steps += 1
    return steps / (time.perf_counter() - start - choosing)


def vector_block(env: PivotVectorEnv, first_seed: int) -> float:
    """Env steps (one per env per call) per CPU-second over one episode of every env, excluding the choosing."""
    rng = np.random.default_rng(first_seed)
    steps, choosing = 0, 0.0
    start = time.process_time()
    _, info = env.reset(seed=first_seed)
    for _ in range(env.setup.rounds):
        t = time.process_time()
        mask = info["action_mask"].astype(bool)
        actions = np.argmax(np.where(mask, rng.random(mask.shape), -1.0), axis=1)  # a random legal move per env
        choosing += time.process_time() - t
        _, _, _, _, info = env.step(actions)
        steps += env.num_envs
    return steps / (time.process_time() - start - choosing)


def single_cpu_block(env: PivotEnv, first_seed: int, episodes: int) -> float:
    """single_block in CPU time, for the ratio with the vector env."""
    rng = np.random.default_rng(first_seed)
    steps, choosing = 0, 0.0
    start = time.process_time()
    for episode in range(first_seed, first_seed + episodes):
        _, info = env.reset(seed=episode)
        done = False
        while not done:
            t = time.process_time()
            move = int(rng.choice(np.flatnonzero(info["action_mask"])))
            choosing += time.process_time() - t
            _, _, terminated, truncated, info = env.step(move)
            done = terminated or truncated
            steps += 1
    return steps / (time.process_time() - start - choosing)


def model_block(env: PivotParallelEnv, first_seed: int) -> float:
    """The bare model: the same six actors played from outside (controller "human"), passing every round."""
    rounds = 0
    start = time.perf_counter()
    for seed in range(first_seed, first_seed + EPISODES):
        model = AlignmentModel(env.setup, rng=seed, collect=False)
        for country in model.countries:
            country.controller = "human"
        while not model.finished:
            model.step()
            rounds += 1
    return rounds / (time.perf_counter() - start)


def single_block(env: PivotEnv, first_seed: int) -> float:
    rng = np.random.default_rng(first_seed)
    steps, choosing = 0, 0.0
    start = time.perf_counter()
    for episode in range(first_seed, first_seed + EPISODES):
        _, info = env.reset(seed=episode)
        done = False
        while not done:
            t = time.perf_counter()
            move = int(rng.choice(np.flatnonzero(info["action_mask"])))
            choosing += time.perf_counter() - t
            _, _, terminated, truncated, info = env.step(move)
            done = terminated or truncated
            steps += 1
    return steps / (time.perf_counter() - start - choosing)


def breakdown(env: PivotParallelEnv) -> tuple[float, list[tuple[str, float]]]:
    """Mean time of an env step with masked random moves, and the parts of it, timed inside the same steps."""
    spent = {"model": 0.0, "masks": 0.0, "observations": 0.0, "answers": 0.0}
    originals = (AlignmentModel.step, MoveList.masks, Episode.observations, AlignmentModel.recommended_answers)

    def timed(name: str, fn: Callable) -> Callable:
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return wrapper

    AlignmentModel.step = timed("model", originals[0])  # type: ignore[method-assign]
    MoveList.masks = timed("masks", originals[1])  # type: ignore[method-assign]
    Episode.observations = timed("observations", originals[2])  # type: ignore[method-assign]
    AlignmentModel.recommended_answers = timed("answers", originals[3])  # type: ignore[method-assign]
    rng = np.random.default_rng(2)
    steps, stepping = 0, 0.0
    inside = dict.fromkeys(spent, 0.0)  # only what happens inside env.step, not in reset
    try:
        for episode in range(2 * EPISODES):
            _, infos = env.reset(seed=episode)
            while env.agents:
                actions = {a: int(rng.choice(np.flatnonzero(infos[a]["action_mask"]))) for a in env.agents}
                before = dict(spent)
                start = time.perf_counter()
                _, _, _, _, infos = env.step(actions)
                stepping += time.perf_counter() - start
                steps += 1
                for key, total in spent.items():
                    inside[key] += total - before[key]
    finally:
        AlignmentModel.step = originals[0]  # type: ignore[method-assign]
        MoveList.masks = originals[1]  # type: ignore[method-assign]
        Episode.observations = originals[2]  # type: ignore[method-assign]
        AlignmentModel.recommended_answers = originals[3]  # type: ignore[method-assign]
    per_step = stepping / steps
    parts = [
        ("the model's round (AlignmentModel.step)", inside["model"] / steps),
        ("action masks (catalogue preconditions for every actor)", inside["masks"] / steps),
        ("observations (every actor's vector at once)", inside["observations"] / steps),
        ("the AI's answers for the learners (one pricing a round)", inside["answers"] / steps),
    ]
    parts.append(("the rest: submit, rewards, PettingZoo dicts, checks", per_step - sum(t for _, t in parts)))
    return per_step, parts


def render_times(setup: ModelSetup) -> tuple[float, float, float]:
    """Seconds per rgb_array frame after each step of two episodes: (round screen median, its first frame, numpy
    matrix frame median). The first round-screen frame loads pygame and draws the map's outline layer."""
    screen = RoundScreen()
    env = PivotEnv(setup, render_mode="rgb_array", frame_renderer=screen)
    rng = np.random.default_rng(5)
    screens, matrices = [], []
    for seed in (0, 1):
        _, info = env.reset(seed=seed)
        done = False
        while not done:
            _, _, terminated, truncated, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
            done = terminated or truncated
            model = env.episode._model()
            start = time.perf_counter()
            env.render()
            screens.append(time.perf_counter() - start)
            start = time.perf_counter()
            matrix_frame(model, 0)
            matrices.append(time.perf_counter() - start)
    if screen.fallback:
        print(f"  (pygame unavailable, the round screen fell back to the numpy frame: {screen.fallback})")
    return statistics.median(screens[1:]), screens[0], statistics.median(matrices)


def main() -> None:
    envs = int(sys.argv[sys.argv.index("--envs") + 1]) if "--envs" in sys.argv else 256
    setup = scenario_setup("medvedev_visit_2015")
    vector = PivotVectorEnv(setup, num_envs=envs, actor="cambodia")
    lone = PivotEnv(setup, actor="cambodia")
    vector_rates, lone_rates = [], []
    for block in range(BLOCKS):  # interleaved
        vector_rates.append(vector_block(vector, 1000 * block))
        lone_rates.append(single_cpu_block(lone, 1000 * block, 2))
    v, one = statistics.median(vector_rates), statistics.median(lone_rates)
    print(f"Vector env (PivotVectorEnv), base scenario, Cambodia learning, {envs} envs, masked random moves:")
    print(f"  env steps/s/core (CPU time):        {v:8.0f}")
    print(f"  one-run PivotEnv, the same:         {one:8.0f}")
    print(f"  ratio vector / one-run:             {v / one:8.1f}x   (medians of {BLOCKS} interleaved blocks)")
    if "--vector-only" in sys.argv:
        return
    env = PivotParallelEnv(setup)
    single = PivotEnv(setup, actor="cambodia")
    rates: dict[str, list[float]] = {"random": [], "pass": [], "model": [], "single": []}
    for block in range(BLOCKS):  # interleaved, so a busy moment of the machine hits every configuration alike
        seed = block * EPISODES
        rates["random"].append(parallel_block(env, "random", seed))
        rates["pass"].append(parallel_block(env, "pass", seed))
        rates["model"].append(model_block(env, seed))
        rates["single"].append(single_block(single, seed))
    moving, passing, model_rate, single_rate = (
        statistics.median(rates[k]) for k in ("random", "pass", "model", "single")
    )
    print("Parallel env, base scenario, 6 learners, one core (median of interleaved blocks):")
    print(f"  env steps/s, masked random moves:   {moving:7.0f}   ({moving * 6:5.0f} agent-steps/s)")
    print(f"  env steps/s, every learner passes:  {passing:7.0f}")
    print(f"  the model alone, rounds/s (passing): {model_rate:6.0f}   the ceiling: one env step is one model round")
    print(f"  an env step (passing) takes:         {model_rate / passing:6.2f}x a bare model round")
    print(f"Gymnasium env, Cambodia alone vs the AI, masked random moves: {single_rate:6.0f} steps/s")
    screen, first, matrix = render_times(setup)
    print(
        f"rgb_array render, round screen 1280x720 off-screen: median {screen * 1e3:.1f} ms a frame "
        f"(first {first * 1e3:.0f} ms; numpy matrix frame {matrix * 1e3:.1f} ms; a masked random env step "
        f"{1e3 / moving:.2f} ms, parallel env above)"
    )
    per_step, parts = breakdown(env)
    print(f"Where an env step with masked random moves goes (mean {per_step * 1e6:.0f} us, timed inside the steps):")
    for name, seconds in parts:
        print(f"  {seconds * 1e6:8.1f} us  {seconds / per_step:4.0%}  {name}")


if __name__ == "__main__":
    main()
