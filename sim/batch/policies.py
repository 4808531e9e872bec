"""Policies that play one actor from outside the AI (pass, random, a parametric softmax) and one game under each.

Every policy orders through the public face of the model (`legal_moves`, `submit`, `proposals_to`), the
way a student's window or a learner does, so what it may do is exactly what a player may do. A game's
randomness comes from two streams: the model's own (the run's seed, shared by every policy) and the
policy's (its dice for random moves and answers), so a policy never shifts the model's draws by drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core import CATALOGUE, AlignmentModel, ModelSetup, MoveError
from sim.core.actions import ACTION_INDEX, OFFER_ASKS, OFFER_GIVES, PASS
from sim.core.legal import LegalMove, legal_moves
from sim.core.record import Move

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
    i = m.actor
    if m.ask is not None:
        gain = table.offer_accept_gain[OFFER_GIVES.index(m.action), OFFER_ASKS.index(m.ask), i, actor]
    elif CATALOGUE[ACTION_INDEX[m.action]].sector_based and m.sector is not None:
        gain = table.sector_accept_gain[i, actor, m.sector]
    else:
        gain = table.accept_gain[ACTION_INDEX[m.action], i, actor]
    temperature = float(table.temperature[actor])
    scaled = float(gain) / temperature if temperature > 0 else float(np.sign(gain)) * 1e9
    return scaled + bias > 0
