"""Reachability: what a valid scenario can never fire or meet, and swept values that an event overrides.

Each finding is a located warning (``validate --strict`` makes them errors). The analysis is sound but
not complete: a warning means the thing can *never* happen whatever the seed (a threshold beyond the
metric's range, round conditions that exclude every round the trigger is checked in, a primary partner
that is not a power), never a guess about likelihood. How often it does happen is `check`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from sim.core.conditions import CATEGORICAL
from sim.scenario.errors import Problem
from sim.scenario.fields import Condition
from sim.scenario.references import dotted
from sim.scenario.schema import Scenario
from sim.scenario.schema_expect import Expectation
from sim.scenario.strict_yaml import Document, Path

#: The values each metric can take (None: no bound). ``agreements`` is bounded by the number of sectors
#: and ``round`` by the rounds, both filled in per scenario.
METRIC_RANGES: dict[str, tuple[float | None, float | None]] = {
    "alignment": (-1.0, 1.0),
    "relations": (-1.0, 1.0),
    "trade": (0.0, None),
    "trade_change": (-1.0, None),
    "debt": (0.0, None),
    "sanctions": (0.0, 1.0),
    "tariff": (0.0, 1.0),
    "gdp": (0.0, None),
    "gdp_change": (-1.0, None),
    "capability": (0.0, 1.0),
    "hedging": (0.0, 1.0),
    "kuik_hedging": (0.0, 1.0),
    "bloc_tilt": (-2.0, 2.0),
    "utility": (None, None),
    "threat": (0.0, 1.0),
}

Rounds = tuple[int, int]  # an interval of rounds, ends included


def reachability_warnings(scenario: Scenario, document: Document) -> list[Problem]:
    """Every event, objective and expectation of ``scenario`` that can never fire or be met, and every swept
    path an event overrides, as located warnings."""
    return list(_Reach(scenario, document).all())


@dataclass(frozen=True, slots=True)
class SweptOverride:
    """A swept path whose value an event's later effect replaces (so the sweep changes less, or nothing)."""

    parameter: int  # index in sweep.parameters
    path: str  # the swept dotted path
    event: int  # index of the overriding event
    effect: int  # index of the overriding effect in that event
    changes_nothing: bool  # the override comes before any round is played with the swept value
    reason: str  # one sentence for the user


def swept_paths_overridden_by_events(scenario: Scenario, paths: list[str] | None = None) -> list[SweptOverride]:
    """Swept paths (the scenario's ``sweep:``, or ``paths``) that an event's effect sets again.

    Shared by `validate` (sweeps written in a file) and the batch runner (``--sweep`` flags). Covered: a starting
    value (``sanctions.us.russia``, ``actors.russia.gdp``, ``actors.russia.policy.tau``,
    ``actors.cambodia.interests.economy``) that an event ``set`` / ``set_policy`` / ``set_interest`` replaces;
    and an event's own swept value (``events.0.effects.0.set.value``) that a later effect of the same event
    replaces (a ``set`` of the same entry, or a forced ``cancel_debt`` that writes the debt off).
    """
    swept = [[path] for path in paths] if paths is not None else [p.paths for p in scenario.sweep.parameters]
    out: list[SweptOverride] = []
    for k, linked in enumerate(swept):
        for path in linked:
            out.extend(_overrides_of(scenario, k, path))
    return out


_PAIR_SECTIONS = {
    "relations": "relations",
    "trade": "trade",
    "tariffs": "tariff",
    "sanctions": "sanctions",
    "debt": "debt",
}


def _entry_of_start(parts: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """The event-writable entry a starting-value path names: ('sanctions', ('us', 'russia')), ('tau', ('russia',))."""
    if len(parts) == 3 and parts[0] in _PAIR_SECTIONS:
        return _PAIR_SECTIONS[parts[0]], (parts[1], parts[2])
    if len(parts) == 3 and parts[0] == "actors" and parts[2] in ("gdp", "capability"):
        return parts[2], (parts[1],)
    if len(parts) == 4 and parts[0] == "actors" and parts[2] == "policy" and parts[3] in ("tau", "actions_per_round"):
        return "policy." + parts[3], (parts[1],)
    if len(parts) == 4 and parts[0] == "actors" and parts[2] == "interests":
        return "interest." + parts[3], (parts[1],)
    return None


def _written(effect: object) -> list[tuple[str, tuple[str, ...], bool]]:
    """What an effect writes: (entry, actors, replaces) — replaces is False for an addition."""
    kind = effect.kind()  # type: ignore[attr-defined]
    if kind in ("set", "add"):
        change = getattr(effect, kind)
        entry, names = change.entry()
        pairs = [(entry, names, kind == "set")]
        if change.symmetric and len(names) == 2:
            pairs.append((entry, (names[1], names[0]), kind == "set"))
        return pairs
    if kind == "set_policy":
        policy = effect.set_policy  # type: ignore[attr-defined]
        return [
            (f"policy.{name}", (policy.actor,), True)
            for name in ("tau", "actions_per_round")
            if getattr(policy, name) is not None
        ]
    if kind == "set_interest":
        change = effect.set_interest  # type: ignore[attr-defined]
        return [(f"interest.{change.interest}", (change.actor,), True)]
    if kind == "force_move":
        move = effect.force_move  # type: ignore[attr-defined]
        if move.action == "cancel_debt" and move.target is not None:
            return [("debt", (move.target, move.actor), True)]  # the target's debt to the mover, written off
    return []


def _overrides_of(scenario: Scenario, k: int, path: str) -> Iterator[SweptOverride]:
    parts = path.split(".")
    start = _entry_of_start(parts)
    if start is not None:
        for e, event in enumerate(scenario.events):
            for m, effect in enumerate(event.effects):
                if any(replaces and (entry, names) == start for entry, names, replaces in _written(effect)):
                    first = event.at_round is not None and event.at_round == 1 and event.when is None
                    certain = first and event.chance >= 1.0
                    when = (
                        "in round 1, before any move"
                        if first
                        else (
                            f"in round {event.at_round}" if event.at_round is not None else "when its condition holds"
                        )
                    )
                    effect_text = "writes it off" if effect.kind() == "force_move" else "sets it again"
                    tail = (
                        "so the sweep changes nothing" if certain else "from then on the swept value no longer counts"
                    )
                    yield SweptOverride(k, path, e, m, certain, f"event {event.id!r} {effect_text} {when}: {tail}")
        return
    if len(parts) == 6 and parts[0] == "events" and parts[1].isdigit() and parts[3].isdigit():
        e, m = int(parts[1]), int(parts[3])
        if e >= len(scenario.events) or m >= len(scenario.events[e].effects):
            return
        event = scenario.events[e]
        mine = [(entry, names) for entry, names, _ in _written(event.effects[m])]
        if not mine or parts[5] != "value":
            return
        for later in range(m + 1, len(event.effects)):
            effect = event.effects[later]
            if any(replaces and (entry, names) in mine for entry, names, replaces in _written(effect)):
                what = (
                    f"forces {effect.force_move.action}"
                    if effect.force_move is not None
                    else f"has a later {effect.kind()}"
                )
                yield SweptOverride(
                    k,
                    path,
                    e,
                    later,
                    True,
                    f"the same event {what} (effects.{later}) on the same entry, so the swept value is replaced "
                    "at once and the sweep changes nothing",
                )


# -- conditions ---------------------------------------------------------------------------------------------


class _Reach:
    def __init__(self, s: Scenario, doc: Document) -> None:
        self.s, self.doc = s, doc
        self.ranges = dict(METRIC_RANGES, agreements=(0.0, float(len(s.sectors))))
        self.powers = set(s.scoring.powers)
        self.can_end_early = any(f.end_scenario is not None for e in s.events for f in e.effects)

    def warn(self, path: Path, message: str) -> Problem:
        file, line, col = self.doc.locate(path)
        return Problem(file, line, col, dotted(path), f"warning: {message}")

    def all(self) -> Iterator[Problem]:
        last = self.s.rounds
        final: Rounds = (1, last) if self.can_end_early else (last, last)
        for k, event in enumerate(self.s.events):
            path: Path = ("events", k)
            if event.chance <= 0:
                yield self.warn((*path, "chance"), f"event {event.id!r} has chance 0: it never fires")
            if event.when is None:
                continue
            rounds: Rounds = (event.at_round, event.at_round) if event.at_round is not None else (1, last)
            yield from self.never(event.when, (*path, "when"), rounds, f"event {event.id!r} can never fire")
        for actor, listed in self.s.objectives.items():
            for k, objective in enumerate(listed):
                path = ("objectives", actor, k, "condition")
                what = f"objective {objective.id!r} of {actor} can never be met"
                if objective.timing == "always":
                    yield from self.never_always(objective.condition, path, (1, last), what)
                else:
                    yield from self.never(
                        objective.condition, path, final if objective.timing == "final" else (1, last), what
                    )
        for k, e in enumerate(self.s.expect):
            yield from self.expectation(e, ("expect", k), final, last)
        for item in swept_paths_overridden_by_events(self.s):
            where: Path = ("sweep", "parameters", item.parameter, "path")
            event = self.s.events[item.event]
            yield self.warn(where, f"{item.path} is swept, but {item.reason} (events.{item.event}: {event.id})")

    def expectation(self, e: Expectation, path: Path, final: Rounds, last: int) -> Iterator[Problem]:
        what = f"expectation {e.id!r} can never be met"
        if e.holds is not None:
            rounds = final if e.timing == "final" else (1, last)
            if e.timing == "always":
                never = self.hull(e.holds, (1, last)) != (1, last)
            else:
                never = self.hull(e.holds, rounds) is None
            if never and e.comparator == "at_least" and e.threshold > 0:
                yield self.warn((*path, "holds"), f"{what}: its condition never holds ({self.why(e.holds, rounds)})")
        if e.mean is not None and not e.against_base:
            name, _ = e.mean.metric()
            low, high = self.ranges.get(name, (None, None))
            t = e.threshold
            if e.comparator == "above" and high is not None and t >= high:
                yield self.warn((*path, "above"), f"{what}: {name} is at most {high:g}, never above {t:g}")
            if e.comparator == "below" and low is not None and t <= low:
                yield self.warn((*path, "below"), f"{what}: {name} is at least {low:g}, never below {t:g}")
        if e.mean is not None and e.against_base:
            name, _ = e.mean.metric()
            low, high = self.ranges.get(name, (None, None))
            if low is not None and high is not None and e.threshold >= high - low:
                yield self.warn(
                    (*path, e.comparator),
                    f"{what}: {name} spans {low:g}..{high:g}, so no difference from the base exceeds {e.threshold:g}",
                )
        if e.fires is not None and e.comparator == "at_least" and e.threshold > 0:
            event = next(x for x in self.s.events if x.id == e.fires)
            if event.chance <= 0 or (
                event.when is not None and self.hull(event.when, self._event_rounds(event)) is None
            ):
                yield self.warn((*path, "fires"), f"{what}: event {e.fires!r} can never fire")

    def _event_rounds(self, event: object) -> Rounds:
        at = event.at_round  # type: ignore[attr-defined]
        return (at, at) if at is not None else (1, self.s.rounds)

    def never(self, cond: Condition, path: Path, rounds: Rounds, what: str) -> Iterator[Problem]:
        if self.hull(cond, rounds) is None:
            yield self.warn(path, f"{what}: {self.why(cond, rounds)}")

    def never_always(self, cond: Condition, path: Path, rounds: Rounds, what: str) -> Iterator[Problem]:
        hull = self.hull(cond, rounds)
        if hull is None:
            yield self.warn(path, f"{what}: {self.why(cond, rounds)}")
        elif hull != rounds:
            yield self.warn(
                path,
                f"{what} (timing: always): the condition can hold only in rounds {hull[0]}..{hull[1]}, "
                f"not in every round 1..{rounds[1]}",
            )

    def hull(self, cond: Condition, rounds: Rounds) -> Rounds | None:
        """The smallest interval of rounds in which ``cond`` may hold, or None when it can never hold."""
        lo, hi = rounds
        if lo > hi:
            return None
        if cond.all is not None:
            out: Rounds | None = rounds
            for item in cond.all:
                out = self.hull(item, out) if out is not None else None
            return out
        if cond.any is not None:
            parts = [h for h in (self.hull(item, rounds) for item in cond.any) if h is not None]
            return (min(p[0] for p in parts), max(p[1] for p in parts)) if parts else None
        if cond.not_ is not None:
            return rounds
        metric, _, op, value = cond.metric()
        if metric in CATEGORICAL:
            if op == "is" and value not in self.powers:
                return None
            return rounds
        assert isinstance(value, (int, float))
        if metric == "round":
            a, b = _round_bounds(op, float(value))
            lo, hi = max(lo, a), min(hi, b)
            return (lo, hi) if lo <= hi else None
        low, high = self.ranges.get(metric, (None, None))
        return rounds if _may_hold(op, float(value), low, high) else None

    def why(self, cond: Condition, rounds: Rounds) -> str:
        """Which part of a condition can never hold, in words."""
        reasons = list(self._reasons(cond, rounds))
        return "; ".join(reasons) if reasons else f"its conditions exclude every round {rounds[0]}..{rounds[1]}"

    def _reasons(self, cond: Condition, rounds: Rounds) -> Iterator[str]:
        if cond.all is not None or cond.any is not None:
            for item in cond.all or cond.any or []:
                yield from self._reasons(item, rounds)
            if cond.all is not None and all(self.hull(item, rounds) is not None for item in cond.all):
                span = f"round {rounds[0]}" if rounds[0] == rounds[1] else f"rounds {rounds[0]}..{rounds[1]}"
                yield f"its round conditions together exclude every round it is checked in ({span})"
            return
        if cond.not_ is not None:
            return
        metric, _, op, value = cond.metric()
        if metric in CATEGORICAL:
            if op == "is" and value not in self.powers:
                yield (
                    f"the primary partner is always one of the powers ({', '.join(self.s.scoring.powers)}), "
                    f"never {value!r} (add it to scoring.powers)"
                )
            return
        assert isinstance(value, (int, float))
        if metric == "round":
            a, b = _round_bounds(op, float(value))
            if max(a, rounds[0]) > min(b, rounds[1]):
                span = f"round {rounds[0]}" if rounds[0] == rounds[1] else f"rounds {rounds[0]}..{rounds[1]}"
                yield f"round {_symbol(op)} {value:g} never holds in {span} (rounds: {self.s.rounds})"
            return
        low, high = self.ranges.get(metric, (None, None))
        if not _may_hold(op, float(value), low, high):
            lo = "-inf" if low is None else f"{low:g}"
            hi = "inf" if high is None else f"{high:g}"
            yield f"{metric} {_symbol(op)} {value:g} never holds ({metric} runs from {lo} to {hi})"


def _round_bounds(op: str, v: float) -> tuple[int, int]:
    big = 10**9
    match op:
        case "above":
            return math.floor(v) + 1, big
        case "at_least":
            return math.ceil(v), big
        case "below":
            return -big, math.ceil(v) - 1
        case "at_most":
            return -big, math.floor(v)
        case "equals":
            return (int(v), int(v)) if float(v).is_integer() else (1, 0)
    return -big, big


def _may_hold(op: str, v: float, low: float | None, high: float | None) -> bool:
    match op:
        case "above":
            return high is None or v < high
        case "at_least":
            return high is None or v <= high
        case "below":
            return low is None or v > low
        case "at_most":
            return low is None or v >= low
        case "equals":
            return (low is None or v >= low) and (high is None or v <= high)
    return True


def _symbol(op: str) -> str:
    return {"above": ">", "below": "<", "at_least": ">=", "at_most": "<=", "equals": "=="}.get(op, op)
