"""Scenario events in the Paradox style: a trigger (round or condition, chance, once/repeat) and effects as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.core.conditions import Condition, MetricView, holds
from sim.core.world import INTERESTS, RANGES, WorldState

if TYPE_CHECKING:
    from sim.core.pricing import WorldArrays

#: State entries an event may set or add to, with how many indices each takes.
EVENT_TARGETS: dict[str, int] = {
    "relations": 2,
    "trade": 2,
    "tariff": 2,
    "sanctions": 2,
    "debt": 2,
    "pressure": 2,
    "gdp": 1,
    "capability": 1,
}


@dataclass(frozen=True, slots=True)
class ChangeState:
    """Set or add to one entry of the world (``positions`` takes an actor and a dimension index)."""

    array: str
    index: tuple[int, ...]
    value: float
    mode: Literal["set", "add"] = "set"
    symmetric: bool = False  # also apply to the mirrored pair


@dataclass(frozen=True, slots=True)
class SetAgreement:
    pair: tuple[int, int]
    sector: int
    signed: bool = True


@dataclass(frozen=True, slots=True)
class SetPosition:
    actor: int
    dimension: int
    value: float
    mode: Literal["set", "add"] = "set"


@dataclass(frozen=True, slots=True)
class ForceMove:
    actor: int
    action: str
    target: int | None = None
    sector: int | None = None


@dataclass(frozen=True, slots=True)
class SetInterest:
    actor: int
    interest: str
    value: float


@dataclass(frozen=True, slots=True)
class SetPolicy:
    actor: int
    tau: float | None = None
    actions_per_round: int | None = None


@dataclass(frozen=True, slots=True)
class EndScenario:
    reason: str


Effect = ChangeState | SetAgreement | SetPosition | ForceMove | SetInterest | SetPolicy | EndScenario


@dataclass(frozen=True, slots=True)
class Event:
    """One scripted or conditional event.

    Fires at ``at_round``, or in any round where ``when`` holds; ``chance`` is the probability per
    eligible round (drawn from the run's generator); ``repeat`` lets it fire again in later rounds.
    """

    id: str
    title: str
    text: str
    effects: tuple[Effect, ...]
    at_round: int | None = None
    when: Condition | None = None
    chance: float = 1.0
    repeat: bool = False


@dataclass(slots=True)
class PolicyState:
    """The parts of actors' make-up that events may change during a run (the vector engine's: with a
    leading runs axis)."""

    interests: np.ndarray  # (N, 5)
    tau: np.ndarray  # (N,)
    actions_per_round: np.ndarray  # (N,)
    forced: list[ForceMove] = field(default_factory=list)
    ended: str | None = None
    positions_changed: bool = False


def is_due(event: Event, round_number: int, view: MetricView, fired_before: bool | np.ndarray) -> bool | np.ndarray:
    """Whether the event's trigger holds this round (before the chance draw): in one run (``fired_before`` a
    bool, the answer a bool) or in each of R runs (``fired_before`` and the answer ``(R,)`` bools, or a
    bool that holds in every run)."""
    if event.at_round is not None and event.at_round != round_number:
        return False
    fresh = True if event.repeat else (not fired_before if isinstance(fired_before, bool) else ~fired_before)
    if event.when is None or fresh is False:
        return fresh
    return fresh & holds(event.when, view)


def apply_effects(
    event: Event, world: WorldState | WorldArrays, policy: PolicyState, runs: np.ndarray | None = None
) -> None:
    """Apply an event's effects in order, keeping every array in its range.

    One rule for both engines: to one run's world and policy (``runs`` None), or to the runs ``runs`` of a
    batch whose world and policy arrays carry a leading runs axis (the vector engine). Forced moves join
    ``policy.forced``; a change of positions sets ``policy.positions_changed``.
    """
    lead: tuple[Any, ...] = () if runs is None else (runs,)
    for effect in event.effects:
        match effect:
            case ChangeState(array=name, index=idx, value=value, mode=mode, symmetric=symmetric):
                target = getattr(world, name)
                indices = [idx, idx[::-1]] if symmetric and len(idx) == 2 else [idx]
                low, high = RANGES[name]
                for ix in indices:
                    cell = (*lead, *ix)
                    target[cell] = np.clip(value if mode == "set" else target[cell] + value, low, high)
            case SetAgreement(pair=(a, b), sector=s, signed=signed):
                world.agreements[(*lead, a, b, s)] = signed
                world.agreements[(*lead, b, a, s)] = signed
            case SetPosition(actor=a, dimension=dim, value=value, mode=mode):
                cell = (*lead, a, dim)
                world.positions[cell] = np.clip(value if mode == "set" else world.positions[cell] + value, -1.0, 1.0)
                policy.positions_changed = True
            case ForceMove():
                policy.forced.append(effect)
            case SetInterest(actor=a, interest=name, value=value):
                policy.interests[(*lead, a, INTERESTS.index(name))] = value
            case SetPolicy(actor=a, tau=tau, actions_per_round=k):
                if tau is not None:
                    policy.tau[(*lead, a)] = tau
                if k is not None:
                    policy.actions_per_round[(*lead, a)] = k
            case EndScenario(reason=reason):
                policy.ended = reason
