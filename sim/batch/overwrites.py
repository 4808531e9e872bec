"""Warn when a swept value is overwritten by a scenario event (or shifted by a forced move) before it can act.

A sweep over ``sanctions.us.russia`` means nothing if an event sets the US's sanctions on Russia to 0.75
at the start of round 1, before any move or any dynamics has used the swept value: every point then
plays the same game. ``sweep_warnings(plan, setup)`` reads the scenario's events and scripted moves
(no run is played) and returns one sentence per swept path that such an effect reaches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sim.core import ModelSetup
from sim.core.actions import CATALOGUE
from sim.core.events import ChangeState, Event, ForceMove, SetInterest, SetPolicy, SetPosition
from sim.scenario.overrides import format_value

#: Scenario pair tables -> the WorldState array they start.
PAIR_ARRAYS = {
    "sanctions": "sanctions",
    "tariffs": "tariff",
    "debt": "debt",
    "trade": "trade",
    "relations": "relations",
}
#: Actor fields -> the WorldState array they start.
ACTOR_ARRAYS = {"gdp": "gdp", "capability": "capability"}
#: Actions that shift a directed array entry [mover, target] (sanctions or tariffs).
SHIFTS = {a.id: "sanctions" for a in CATALOGUE if a.sanction_change} | {
    a.id: "tariff" for a in CATALOGUE if a.tariff_change
}


class OverwrittenSweepWarning(UserWarning):
    """A swept value is set by an event (or shifted by a forced move) before or while it acts."""


@dataclass(frozen=True, slots=True)
class Target:
    """What a scenario path starts in the model: a world array entry, a policy field, an interest, a position."""

    kind: str  # "array" | "policy" | "interest" | "position"
    name: str  # array name, policy field, interest name or dimension id
    index: tuple[int, ...]


def target_of(path: str, setup: ModelSetup) -> Target | None:
    """The model entry a dotted scenario path sets, or None when events cannot reach it."""
    parts = path.split(".")
    ids = setup.actor_ids
    if len(parts) == 3 and parts[0] in PAIR_ARRAYS and parts[1] in ids and parts[2] in ids:
        return Target("array", PAIR_ARRAYS[parts[0]], (ids.index(parts[1]), ids.index(parts[2])))
    if len(parts) >= 3 and parts[0] == "actors" and parts[1] in ids:
        actor = ids.index(parts[1])
        rest = parts[2:]
        if rest[0] in ACTOR_ARRAYS and len(rest) == 1:
            return Target("array", ACTOR_ARRAYS[rest[0]], (actor,))
        if rest[0] == "policy" and len(rest) == 2 and rest[1] in ("tau", "actions_per_round"):
            return Target("policy", rest[1], (actor,))
        if rest[0] == "interests" and len(rest) == 2:
            return Target("interest", rest[1], (actor,))
        if rest[0] == "positions" and len(rest) == 2 and rest[1] in setup.dimensions:
            return Target("position", rest[1], (actor, setup.dimensions.index(rest[1])))
    return None


def _sets(event: Event, target: Target, setup: ModelSetup) -> Iterator[str]:
    """What the event does to the target, as phrases ("sets it to 0.75"), one per effect that reaches it."""
    ids = setup.actor_ids
    for effect in event.effects:
        match effect:
            case ChangeState(array=name, index=idx, value=value, mode=mode, symmetric=symmetric):
                reached = target.kind == "array" and name == target.name
                hit = idx == target.index or (symmetric and len(idx) == 2 and idx[::-1] == target.index)
                if reached and hit:
                    yield f"sets it to {format_value(value)}" if mode == "set" else f"adds {value:+g} to it"
            case SetPolicy(actor=a, tau=tau, actions_per_round=k) if target.kind == "policy" and (a,) == target.index:
                policy_value = tau if target.name == "tau" else k
                if policy_value is not None:
                    yield f"sets it to {format_value(policy_value)}"
            case SetInterest(actor=a, interest=name, value=value):
                if target.kind == "interest" and (a,) == target.index and name == target.name:
                    yield f"sets it to {format_value(value)}"
            case SetPosition(actor=a, dimension=d, value=value, mode=mode):
                if target.kind == "position" and (a, d) == target.index:
                    yield f"sets it to {format_value(value)}" if mode == "set" else f"adds {value:+g} to it"
            case ForceMove(actor=a, action=action, target=t):
                if target.kind == "array" and SHIFTS.get(action) == target.name and (a, t) == target.index:
                    yield f"forces {ids[a]}'s move {action} on {ids[t] if t is not None else '-'}, which shifts it"


def sweep_warnings(swept: dict[str, str], setup: ModelSetup) -> list[str]:
    """One sentence per swept path that an event or a scripted move overwrites or shifts.

    ``swept`` maps each swept (or fixed) path to how the user asked for it (``--sweep ...``). A certain
    event (``at_round`` without ``when``, chance 1) that *sets* the value in round 1 makes the sweep
    change nothing; in a later round it cuts the sweep short; a conditional one may do either.
    """
    out: list[str] = []
    for path, origin in swept.items():
        target = target_of(path, setup)
        if target is None:
            continue
        for event in setup.events:
            for phrase in _sets(event, target, setup):
                certain = event.when is None and event.chance >= 1.0 and event.at_round is not None
                when = f"in round {event.at_round}" if event.at_round is not None else "whenever its condition holds"
                if certain and event.at_round is not None and event.at_round <= 1 and phrase.startswith("sets"):
                    verdict = (
                        "before any move or dynamics has used it: every point plays the same game after "
                        "round 0, so this sweep changes nothing"
                    )
                elif certain and event.at_round is not None and phrase.startswith("sets"):
                    verdict = f"so the swept value acts in rounds 1 to {event.at_round - 1} only"
                elif phrase.startswith("sets"):
                    chance = f" (chance {event.chance:g})" if event.chance < 1 else ""
                    verdict = f"in the runs where it fires{chance}, the swept value stops acting from then on"
                else:
                    verdict = "so the value that acts differs from the swept one"
                out.append(f"{path} ({origin}): event '{event.id}' {phrase} {when}, {verdict}")
        if target.kind == "array" and len(target.index) == 2:
            for move in setup.scripted_moves:
                if SHIFTS.get(move.action) == target.name and (move.actor, move.target) == target.index:
                    out.append(
                        f"{path} ({origin}): a scripted move ({setup.actor_ids[move.actor]} {move.action}) shifts it "
                        f"in round {move.round}, so the value that acts differs from the swept one"
                    )
    return out
