"""Objectives of playable actors: conditions over a run with weights, turned into a score and a grade.

The assessment is stated once for one run and for many: :func:`met` judges a condition's rounds by the
objective's timing, :func:`weighted_score` weighs what was met; both take one run's values or R runs' (a
trailing runs axis), so :func:`assess` (the Mesa model) and ``VectorEngine.objective_scores`` share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core.conditions import Condition, MetricView, holds
from sim.core.record import RoundRecord
from sim.core.world import WorldState

#: When an objective's condition must hold: at the end, in every round, or in at least one round.
Timing = Literal["final", "always", "ever"]
#: Grade thresholds on the weighted share of objectives met (0..1).
GRADES: tuple[tuple[float, str], ...] = ((0.9, "A"), (0.75, "B"), (0.6, "C"), (0.4, "D"), (0.0, "E"))


@dataclass(frozen=True, slots=True)
class Objective:
    id: str
    actor: int
    description: str
    condition: Condition
    weight: float = 1.0
    timing: Timing = "final"


@dataclass(frozen=True, slots=True)
class ObjectiveStatus:
    objective: Objective
    met: bool
    rounds_held: int  # rounds (after round 0) in which the condition held


@dataclass(frozen=True, slots=True)
class ObjectiveReport:
    actor: int
    statuses: tuple[ObjectiveStatus, ...]
    score: float  # weighted share met, 0..100
    grade: str


def view_of(record: RoundRecord, initial: WorldState) -> MetricView:
    return MetricView(
        round=record.round,
        world=record.world,
        initial=initial,
        alignment=record.alignment,
        hedging=record.hedging,
        bloc_tilt=record.bloc_tilt,
        primary_partner=record.primary_partner,
        utility=record.utility,
        kuik_hedging=record.kuik.hedging,
    )


def judged[T](rounds: Sequence[T]) -> Sequence[T]:
    """The rounds an objective (or an expectation) is judged on, from round 0 on: the rounds played, or
    round 0 (the start) alone when none is played."""
    return rounds[1:] or rounds


def met(held: np.ndarray, timing: str) -> np.ndarray:
    """Whether a condition that ``held`` in the rounds judged (first axis; then runs, if any) meets
    ``timing``: held in the last round (final), in every round (always) or in one at least (ever)."""
    match timing:
        case "final":
            return held[-1]
        case "always":
            return held.all(axis=0)
        case "ever":
            return held.any(axis=0)
    raise ValueError(f"unknown timing {timing!r}")


def weighted_score(
    objectives: Sequence[Objective], done: Sequence[np.ndarray], runs: tuple[int, ...] = ()
) -> np.ndarray:
    """The weighted share of ``objectives`` met, 0..100 (0 when their weights add up to 0), from whether each
    was met (:func:`met`): of one run (``runs`` ``()``) or of R runs (``runs`` ``(R,)``, each ``done`` ``(R,)``)."""
    total = sum(o.weight for o in objectives)
    got = np.zeros(runs)
    for objective, was_met in zip(objectives, done, strict=True):
        got = got + np.where(was_met, objective.weight, 0.0)
    return 100.0 * got / total if total > 0 else np.zeros(runs)


def grade_for(score: float) -> str:
    return next(letter for threshold, letter in GRADES if score / 100.0 >= threshold - 1e-12)


def assess(
    history: list[RoundRecord], initial: WorldState, objectives: tuple[Objective, ...], actor: int
) -> ObjectiveReport:
    """Each of ``actor``'s objectives met or missed over ``history`` (round 0 first), with score and grade."""
    mine = [o for o in objectives if o.actor == actor]
    views = [view_of(r, initial) for r in judged(history)]
    held = [np.array([holds(o.condition, v) for v in views], dtype=bool) for o in mine]
    done = [met(h, o.timing) for h, o in zip(held, mine, strict=True)]
    score = float(weighted_score(mine, done))
    statuses = tuple(ObjectiveStatus(o, bool(d), int(h.sum())) for o, h, d in zip(mine, held, done, strict=True))
    return ObjectiveReport(actor, statuses, score, grade_for(score))
