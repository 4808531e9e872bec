"""Policies that play one actor from outside the AI (pass, random, a parametric softmax) and one game under each.

Every policy orders through the public face of the model (`legal_moves`, `submit`, `proposals_to`), the
way a student's window or a learner does, so what it may do is exactly what a player may do. A game's
randomness comes from two streams: the model's own (the run's seed, shared by every policy) and the
policy's (its dice for random moves and answers), so a policy never shifts the model's draws by drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from sim.core import AlignmentModel, ModelSetup, MoveError
from sim.core.actions import ACTION_INDEX, PASS
from sim.core.choice import accept_gain
from sim.core.legal import LegalMove, MoveSpace, legal_moves
from sim.core.record import Move
from sim.vector import VectorEngine, keys_for

Baseline = Literal["pass", "random", "ai"]
FeatureKey = tuple[str, int | None, str | None]  # (action, target, ask): sectors of one agreement share a logit
OTHER: FeatureKey = ("other", None, None)


@dataclass(frozen=True, slots=True)
class FeatureSpace:
    """The (action, target, ask) features of one actor's moves, each with one logit per round phase.

    The features are those of the moves legal at the start (sectors of one agreement pooled), plus one
    shared feature, ``OTHER``, for every move that only becomes legal later: a search over a few dozen
    logits learns in a few hundred games what it could not over every conceivable (action, target) pair.
    """

    actor: int
    n_actors: int
    phases: int
    keys: tuple[FeatureKey, ...]

    @classmethod
    def of(cls, setup: ModelSetup, actor: int, phases: int = 2) -> FeatureSpace:
        keys = dict.fromkeys((m.action, m.target, m.ask) for m in legal_moves(setup.world, setup, actor))
        return cls(actor, setup.n_actors, phases, (*keys, OTHER))

    @property
    def size(self) -> int:
        """Length of a parameter vector: the move logits of every phase, one slope per feature on the actor's
        domestic threat, then one answer shift per actor."""
        return (self.phases + 1) * len(self.keys) + self.n_actors

    def feature(self, move: LegalMove, index: dict[FeatureKey, int]) -> int:
        return index.get((move.action, move.target, move.ask), len(self.keys) - 1)

    def index(self) -> dict[FeatureKey, int]:
        return {k: n for n, k in enumerate(self.keys)}


@dataclass(frozen=True, slots=True)
class SoftmaxPolicy:
    """Moves drawn by a softmax over the legal moves, one logit per (action, target, ask) and round phase;
    proposals answered by the actor's own acceptance rule shifted by a learned bias per proposer.

    ``theta`` is one flat vector (see :attr:`FeatureSpace.size`). With ``theta = 0`` the moves are uniformly
    random and the answers are the AI's: accept iff the gain, in units of the actor's temperature, is > 0.
    """

    space: FeatureSpace
    theta: tuple[float, ...]

    def logits(self) -> np.ndarray:
        f = len(self.space.keys)
        return np.asarray(self.theta[: self.space.phases * f], dtype=float).reshape(self.space.phases, f)

    def threat_slopes(self) -> np.ndarray:
        f, p = len(self.space.keys), self.space.phases
        return np.asarray(self.theta[p * f : (p + 1) * f], dtype=float)

    def weights(self, moves: tuple[LegalMove, ...], played: int, rounds: int, threat: float = 0.0) -> np.ndarray:
        """The logits of ``moves`` in the round after ``played`` rounds of ``rounds``, at domestic ``threat``.

        Each feature's logit moves by its slope per 0.1 of threat above 0.3 (so a policy can learn to
        crack down when its government is threatened, and not otherwise).
        """
        logits = self.logits()
        phase = min(len(logits) - 1, played * len(logits) // max(1, rounds))
        index = self.space.index()
        features = np.array([self.space.feature(m, index) for m in moves], dtype=np.intp)
        return logits[phase, features] + self.threat_slopes()[features] * (threat - 0.3) * 10.0

    def answer_bias(self) -> np.ndarray:
        return np.asarray(self.theta[(self.space.phases + 1) * len(self.space.keys) :], dtype=float)


Policy = Baseline | SoftmaxPolicy


def play_game(
    setup: ModelSetup,
    actor: int,
    policy: Policy,
    run_seed: np.random.SeedSequence,
    policy_seed: np.random.SeedSequence,
) -> float:
    """Play one game with ``actor`` under ``policy`` and return its objective score (0..100)."""
    model = AlignmentModel(setup, rng=run_seed, collect=False)
    if policy == "ai":
        model.set_controller(actor, "ai")
        model.run()
        return float(model.objective_report(actor).score)
    model.set_controller(actor, "human")
    dice = np.random.default_rng(policy_seed)
    while not model.finished:
        if policy == "pass":
            model.submit(actor, [])
        else:
            moves = legal_moves(model.world, model.setup, actor)
            weights = (
                policy.weights(moves, model.round, setup.rounds, float(model.world.threat[actor]))
                if isinstance(policy, SoftmaxPolicy)
                else None
            )
            answers = _answers(model, actor, policy, dice)
            budget = int(model.policy.actions_per_round[actor])  # events may change it
            picks = _pick(moves, np.zeros(len(moves)) if weights is None else weights, budget, dice)
            _submit_best_effort(model, actor, picks, answers)
        model.step()
    return float(model.objective_report(actor).score)


def play_games_vector(
    setup: ModelSetup,
    actor: int,
    policies: Sequence[Policy],
    seeds: Sequence[tuple[np.random.SeedSequence, np.random.SeedSequence]],
) -> list[float]:
    """The games of :func:`play_game`, one per (policy, (run seed, policy seed)), played at once on the vector
    engine: the same moves, answers and scores per game. ``ai`` games form one batch; the others another,
    with ``actor`` external and each game's policy choosing its moves from that run's legal moves."""
    if len(policies) != len(seeds):
        raise ValueError("one policy per game")
    scores = np.zeros(len(seeds))
    ai = [g for g, p in enumerate(policies) if isinstance(p, str) and p == "ai"]
    if ai:
        actors = tuple(replace(a, controller="ai") if k == actor else a for k, a in enumerate(setup.actors))
        engine = VectorEngine(replace(setup, actors=actors), keys_for([seeds[g][0] for g in ai])).run()
        scores[ai] = engine.objective_scores(actor)[0]
    others = [g for g in range(len(seeds)) if g not in set(ai)]
    if others:
        scores[others] = _external_games(setup, actor, [policies[g] for g in others], [seeds[g] for g in others])
    return [float(s) for s in scores]


def _external_games(
    setup: ModelSetup,
    actor: int,
    policies: Sequence[Policy],
    seeds: Sequence[tuple[np.random.SeedSequence, np.random.SeedSequence]],
) -> np.ndarray:
    engine = VectorEngine(setup, keys_for([run for run, _ in seeds]), external=(actor,))
    dice = [np.random.default_rng(d) for _, d in seeds]
    space: MoveSpace = engine.space  # type: ignore[assignment]
    runs = engine.runs
    bias = np.array([p.answer_bias() if isinstance(p, SoftmaxPolicy) else np.zeros(setup.n_actors) for p in policies])
    while not engine.finished:
        legal = engine.legal(actor)
        waiting = engine.proposals_to(actor)
        accept = _would_accept(engine, actor, waiting, bias)
        budget = engine.actions_per_round[:, actor]
        orders = np.zeros((runs, max(1, int(budget.max()))), dtype=np.int64)
        answers = np.full(waiting.valid.shape, -1, dtype=np.int8)
        for r, policy in enumerate(policies):
            if policy == "pass":
                continue
            n_waiting = int(waiting.valid[r].sum())
            if policy == "random":
                answers[r, :n_waiting] = [int(dice[r].integers(2)) for _ in range(n_waiting)]
            else:
                answers[r, :n_waiting] = accept[r, :n_waiting]
            slots = np.flatnonzero(legal[r])
            if isinstance(policy, SoftmaxPolicy):
                moves = tuple(space.entries[k] for k in slots)
                logits = policy.weights(moves, engine.round, setup.rounds, float(engine.world.threat[r, actor]))
            else:
                logits = np.zeros(slots.size)
            keys = logits + dice[r].gumbel(size=slots.size)
            chosen = slots[np.argsort(-keys, kind="stable")[: int(budget[r])]]
            picks = chosen[chosen != 0]  # a pass takes a slot and orders nothing
            orders[r, : picks.size] = picks
        engine.submit(actor, orders, answers)
        engine.step()
    return engine.objective_scores(actor)[0]


def _would_accept(engine: VectorEngine, actor: int, waiting: Any, bias: np.ndarray) -> np.ndarray:
    """(R, P) :func:`_ai_would_accept` for every proposal waiting for ``actor`` (on last round's pricing)."""
    out = np.zeros(waiting.valid.shape, dtype=bool)
    table = engine.table
    if table is None or not waiting.valid.any():
        return out
    r, q = np.nonzero(waiting.valid)
    proposer = waiting.proposer[r, q]
    gain = accept_gain(table, r, proposer, np.full(r.size, actor), waiting.kind[r, q], waiting.sector[r, q],
                       waiting.ask[r, q])  # fmt: skip
    temperature = table.temperature[r, actor]
    scaled = np.where(temperature > 0, gain / np.where(temperature > 0, temperature, 1.0), np.sign(gain) * 1e9)
    out[r, q] = scaled + bias[r, proposer] > 0
    return out


def _pick(moves: tuple[LegalMove, ...], logits: np.ndarray, budget: int, dice: np.random.Generator) -> list[LegalMove]:
    """``budget`` distinct moves drawn without replacement by the softmax of ``logits`` (Gumbel top-k);
    a pass takes a slot and orders nothing."""
    keys = logits + dice.gumbel(size=len(moves))
    chosen = np.argsort(-keys, kind="stable")[:budget]
    return [moves[k] for k in chosen if moves[k].action != PASS]


def _submit_best_effort(model: AlignmentModel, actor: int, picks: list[LegalMove], answers: dict[int, bool]) -> None:
    """Submit the picks in order, dropping any the model refuses next to those before it (a contradiction)."""
    orders: list[tuple[str, int | None, int | None, str | None]] = []
    model.submit(actor, [], answers=answers)
    for move in picks:
        try:
            model.submit(actor, [*orders, move.order()], answers=answers)
        except MoveError:
            continue
        orders.append(move.order())


def _answers(model: AlignmentModel, actor: int, policy: Policy, dice: np.random.Generator) -> dict[int, bool]:
    waiting = model.proposals_to(actor)
    if policy == "random":
        return {k: bool(dice.integers(2)) for k in range(len(waiting))}
    assert isinstance(policy, SoftmaxPolicy)
    bias = policy.answer_bias()
    return {k: _ai_would_accept(model, actor, m, float(bias[m.actor])) for k, m in enumerate(waiting)}


def _ai_would_accept(model: AlignmentModel, actor: int, m: Move, bias: float) -> bool:
    """The AI's acceptance rule without its noise, shifted by ``bias`` (in units of the actor's temperature).

    The proposal was priced in the round it was made, whose table the model still holds until it steps.
    """
    table = model.table
    if table is None:  # no actor chose by utility last round: nothing priced the proposal
        return bias > 0
    sector, ask = -1 if m.sector is None else m.sector, -1 if m.ask is None else ACTION_INDEX[m.ask]
    i, j, a, s, y = (np.array([x]) for x in (m.actor, actor, ACTION_INDEX[m.action], sector, ask))
    gain = accept_gain(table, None, i, j, a, s, y)[0]  # the rule both engines read (sim.core.choice)
    temperature = float(table.temperature[actor])
    scaled = float(gain) / temperature if temperature > 0 else float(np.sign(gain)) * 1e9
    return scaled + bias > 0
