"""Objectives of playable actors: conditions over a run with weights, turned into a score and a grade."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sim.core.conditions import Condition, MetricView
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


def grade_for(score: float) -> str:
    return next(letter for threshold, letter in GRADES if score / 100.0 >= threshold - 1e-12)


def assess(
    history: list[RoundRecord], initial: WorldState, objectives: tuple[Objective, ...], actor: int
) -> ObjectiveReport:
    """Each of ``actor``'s objectives met or missed over ``history`` (round 0 first), with score and grade."""
    mine = [o for o in objectives if o.actor == actor]
    played = history[1:] or history
    views = [view_of(r, initial) for r in played]
    statuses = []
    for objective in mine:
        held = [objective.condition.holds(v) for v in views]
        met = {"final": held[-1], "always": all(held), "ever": any(held)}[objective.timing]
        statuses.append(ObjectiveStatus(objective, met, sum(held)))
    total = sum(o.weight for o in mine)
    score = 100.0 * sum(s.objective.weight for s in statuses if s.met) / total if total > 0 else 0.0
    return ObjectiveReport(actor, tuple(statuses), score, grade_for(score))
