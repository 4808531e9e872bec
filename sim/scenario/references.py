"""Cross-reference checks of a scenario: every actor, action, sector, dimension and pair it names must exist.

The schema checks each value on its own; these checks need the whole file (which actors exist, how
many rounds there are, who is playable). Every problem is located at the value or key that causes it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterator

from sim.core.actions import ACTION_IDS, action
from sim.core.conditions import METRICS
from sim.core.world import RANGES
from sim.scenario.errors import Problem
from sim.scenario.fields import Condition, MetricRef
from sim.scenario.schema import Scenario
from sim.scenario.schema_events import STATE_ENTRIES, Effect
from sim.scenario.strict_yaml import Document, Path

#: Ranges of the pairwise sections (checked here so the message can name the pair).
PAIR_RANGES: dict[str, tuple[float, float, str]] = {
    "relations": (-1.0, 1.0, "regard from -1 (hostile) to 1 (close)"),
    "trade": (0.0, 1e5, "exports in USD bn per year, 0 to 100000"),
    "tariffs": (0.0, 1.0, "a tariff share from 0 to 1"),
    "sanctions": (0.0, 1.0, "a sanction intensity from 0 to 1"),
    "debt": (0.0, 1e5, "debt in USD bn, 0 to 100000"),
}
#: What an event may ``set`` each state entry to.
SET_RANGES: dict[str, tuple[float, float, str]] = {
    "relations": (-1.0, 1.0, "from -1 to 1"),
    "trade": (0.0, 1e5, "from 0 to 100000"),
    "tariff": (0.0, 1.0, "from 0 to 1"),
    "sanctions": (0.0, 1.0, "from 0 to 1"),
    "debt": (0.0, 1e5, "from 0 to 100000"),
    "pressure": (0.0, 1.0, "from 0 to 1"),
    "gdp": (1e-6, 1e6, "from 0.000001 to 1000000"),
    "capability": (0.0, 1.0, "from 0 to 1"),
}
assert set(SET_RANGES) == set(STATE_ENTRIES) and set(STATE_ENTRIES) - {"tariff"} <= set(RANGES)

ProblemAt = Callable[..., Problem]


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


#: How a new actor is made, said with every unknown actor (the nearest known name may not be what was meant).
NEW_ACTOR_HINT = (
    "a new actor is defined under actors: with name, gdp and capability, plus its relations and trade "
    "(docs/scenario-authoring.md, section 7, 'Adding actors')"
)


def unknown(kind: str, name: str, options: list[str] | tuple[str, ...]) -> str:
    text = f"unknown {kind} {name!r}{did_you_mean(name, options)}; known: {', '.join(options)}"
    return f"{text}; {NEW_ACTOR_HINT}" if kind == "actor" else text


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def cross_references(s: Scenario, doc: Document) -> Iterator[Problem]:
    """Every reference problem of a schema-valid scenario, section by section."""
    yield from _References(s, doc).all()


class _References:
    def __init__(self, s: Scenario, doc: Document) -> None:
        self.s, self.doc = s, doc
        self.actors = list(s.actors)
        self.dims = [d.id for d in s.dimensions]
        self.sectors = [x.id for x in s.sectors]

    def problem(self, path: Path, message: str, key: bool = False) -> Problem:
        file, line, col = self.doc.locate(path, key=key)
        return Problem(file, line, col, dotted(path), message)

    def actor(self, path: Path, name: str, key: bool = False) -> Iterator[Problem]:
        if name not in self.actors:
            yield self.problem(path, unknown("actor", name, self.actors), key)

    def pair(self, path: Path, names: list[str] | tuple[str, ...], what: str) -> Iterator[Problem]:
        """A pair [a, b] of two different, known actors."""
        if len(names) != 2:
            yield self.problem(path, f"{what} takes a pair of actors [a, b] (got {list(names)})")
            return
        for k, name in enumerate(names):
            yield from self.actor((*path, k), name)
        if names[0] == names[1]:
            yield self.problem(path, f"a pair needs two different actors (got [{names[0]}, {names[1]}])")

    def all(self) -> Iterator[Problem]:
        yield from self.overlay()
        yield from self.world()
        yield from self.scoring()
        for a, actor in self.s.actors.items():
            for k, step in enumerate(actor.script):
                path = ("actors", a, "script", k)
                yield from self.round_in_range((*path, "round"), step.round)
                yield from self.move(path, a, step.action, step.target, step.sector)
        yield from self.events()
        yield from self.objectives()
        yield from self.expectations()

    # -- sections of the world -------------------------------------------------------------------

    def overlay(self) -> Iterator[Problem]:
        if self.s.extends is not None and self.doc.locate(("meta", "id"))[0] != self.doc.file:
            yield self.problem(
                ("extends",),
                f"a scenario that extends another must set its own meta.id (it would share {self.s.meta.id!r} "
                "with its base); add meta: {id: ..., title: ...}",
            )

    def world(self) -> Iterator[Problem]:
        s = self.s
        for section, items in (("dimensions", self.dims), ("sectors", self.sectors)):
            for k, item in enumerate(items):
                if item in items[:k]:
                    yield self.problem((section, k, "id"), f"duplicate {section[:-1]} id {item!r}")
        for actor_id, actor in s.actors.items():
            for field in ("positions", "salience"):
                for dim in getattr(actor, field):
                    if dim not in self.dims:
                        yield self.problem(
                            ("actors", actor_id, field, dim), unknown("dimension", dim, self.dims), key=True
                        )
        for section, (low, high, meaning) in PAIR_RANGES.items():
            for a, row in getattr(s, section).items():
                yield from self.actor((section, a), a, key=True)
                for b, value in row.items():
                    path: Path = (section, a, b)
                    yield from self.actor(path, b, key=True)
                    if a == b:
                        yield self.problem(path, f"an actor cannot be paired with itself ({a!r})", key=True)
                    if not (math.isfinite(value) and low <= value <= high):
                        yield self.problem(path, f"must be {meaning} (got {value})")
        for a, row in s.agreements.items():
            yield from self.actor(("agreements", a), a, key=True)
            for b, listed in row.items():
                yield from self.actor(("agreements", a, b), b, key=True)
                if a == b:
                    yield self.problem(("agreements", a, b), f"an actor cannot be paired with itself ({a!r})", key=True)
                for k, sector in enumerate(listed):
                    if sector not in self.sectors:
                        yield self.problem(("agreements", a, b, k), unknown("sector", sector, self.sectors))
        for action_id, settings in s.actions.items():
            if action_id not in ACTION_IDS:
                yield self.problem(("actions", action_id), unknown("action", action_id, ACTION_IDS), key=True)
            for field in ("enabled_for", "disabled_for"):
                for k, name in enumerate(getattr(settings, field) or []):
                    yield from self.actor(("actions", action_id, field, k), name)
            for name in settings.per_actor:
                yield from self.actor(("actions", action_id, "per_actor", name), name, key=True)

    def scoring(self) -> Iterator[Problem]:
        sc = self.s.scoring
        yield from self.actor(("scoring", "focal"), sc.focal)
        for k, name in enumerate(sc.powers):
            yield from self.actor(("scoring", "powers", k), name)
        for bloc, members in sc.blocs.items():
            for k, name in enumerate(members):
                yield from self.actor(("scoring", "blocs", bloc, k), name)
        if sc.values_dimension is not None and sc.values_dimension not in self.dims:
            yield self.problem(("scoring", "values_dimension"), unknown("dimension", sc.values_dimension, self.dims))
        for k, rule in enumerate(sc.outcomes):
            yield from self.condition(rule.when, ("scoring", "outcomes", k, "when"))

    def condition(self, cond: Condition, path: Path) -> Iterator[Problem]:
        yield from condition_references(cond, path, self.actors, self.problem)

    def round_in_range(self, path: Path, number: int) -> Iterator[Problem]:
        if number > self.s.rounds:
            yield self.problem(path, f"round {number} is after the last round (rounds: {self.s.rounds})")

    def move(self, path: Path, mover: str, action_id: str, target: str | None, sector: str | None) -> Iterator[Problem]:
        """A move named in a script or a force_move effect must be one the catalogue can play."""
        yield from self.actor((*path, "actor"), mover)
        if action_id not in ACTION_IDS:
            yield self.problem((*path, "action"), unknown("action", action_id, ACTION_IDS))
            return
        act = action(action_id)
        if act.targeted and target is None:
            yield self.problem(path, f"{action_id} needs a target (the actor it is aimed at)")
        elif not act.targeted and target is not None:
            yield self.problem((*path, "target"), f"{action_id} takes no target")
        elif target is not None:
            yield from self.actor((*path, "target"), target)
            if target == mover:
                yield self.problem((*path, "target"), f"a move cannot target its own actor ({mover!r})")
        if act.sector_based and sector is None:
            yield self.problem(path, f"{action_id} needs a sector (one of {', '.join(self.sectors)})")
        elif sector is not None and not act.sector_based:
            yield self.problem((*path, "sector"), f"{action_id} takes no sector")
        elif sector is not None and sector not in self.sectors:
            yield self.problem((*path, "sector"), unknown("sector", sector, self.sectors))

    # -- events, objectives, briefings, expectations ------------------------------------------------

    def events(self) -> Iterator[Problem]:
        seen: dict[str, int] = {}
        for k, event in enumerate(self.s.events):
            path: Path = ("events", k)
            if event.id in seen:
                yield self.problem((*path, "id"), f"duplicate event id {event.id!r} (also events.{seen[event.id]})")
            seen.setdefault(event.id, k)
            if event.at_round is not None:
                yield from self.round_in_range((*path, "at_round"), event.at_round)
            if event.when is not None:
                yield from self.condition(event.when, (*path, "when"))
            for m, effect in enumerate(event.effects):
                yield from self.effect(effect, (*path, "effects", m))

    def effect(self, effect: Effect, path: Path) -> Iterator[Problem]:
        kind = effect.kind()
        here: Path = (*path, kind)
        match kind:
            case "set" | "add":
                change = effect.set if kind == "set" else effect.add
                assert change is not None
                entry, names = change.entry()
                if STATE_ENTRIES[entry] == 2:
                    yield from self.pair((*here, entry), names, entry)
                else:
                    yield from self.actor((*here, entry), names[0])
                low, high, meaning = SET_RANGES[entry]
                if kind == "set" and not low <= change.value <= high:
                    yield self.problem((*here, "value"), f"{entry} must be set {meaning} (got {change.value:g})")
            case "sign_agreement" | "end_agreement":
                agreement = effect.sign_agreement or effect.end_agreement
                assert agreement is not None
                yield from self.pair((*here, "pair"), agreement.pair, "an agreement")
                if agreement.sector not in self.sectors:
                    yield self.problem((*here, "sector"), unknown("sector", agreement.sector, self.sectors))
            case "set_position" | "add_position":
                position = effect.set_position or effect.add_position
                assert position is not None
                yield from self.actor((*here, "actor"), position.actor)
                if position.dimension not in self.dims:
                    yield self.problem((*here, "dimension"), unknown("dimension", position.dimension, self.dims))
                if kind == "set_position" and not -1.0 <= position.value <= 1.0:
                    yield self.problem((*here, "value"), f"a stance must be set from -1 to 1 (got {position.value:g})")
            case "force_move":
                move = effect.force_move
                assert move is not None
                yield from self.move(here, move.actor, move.action, move.target, move.sector)
            case "set_interest":
                assert effect.set_interest is not None
                yield from self.actor((*here, "actor"), effect.set_interest.actor)
            case "set_policy":
                policy = effect.set_policy
                assert policy is not None
                yield from self.actor((*here, "actor"), policy.actor)
                if policy.tau is None and policy.actions_per_round is None:
                    yield self.problem(here, "set_policy needs tau, actions_per_round, or both")

    def playable(self, section: str, actor_id: str) -> Iterator[Problem]:
        if actor_id not in self.actors:
            yield self.problem((section, actor_id), unknown("actor", actor_id, self.actors), key=True)
        elif not self.s.actors[actor_id].playable:
            inherited = self.doc.locate((section, actor_id), key=True)[0] != self.doc.file
            fix = (
                f"or drop the inherited entry with {section}: {{{actor_id}: ~}} in {self.doc.file}"
                if inherited
                else "or remove this entry"
            )
            yield self.problem(
                (section, actor_id),
                f"{section} are for playable actors; {actor_id!r} is not playable "
                f"(set actors.{actor_id}.playable: true, {fix})",
                key=True,
            )

    def objectives(self) -> Iterator[Problem]:
        for actor_id, listed in self.s.objectives.items():
            yield from self.playable("objectives", actor_id)
            seen: set[str] = set()
            for k, objective in enumerate(listed):
                path: Path = ("objectives", actor_id, k)
                if objective.id in seen:
                    yield self.problem((*path, "id"), f"duplicate objective id {objective.id!r} for {actor_id}")
                seen.add(objective.id)
                yield from self.condition(objective.condition, (*path, "condition"))
        for actor_id in self.s.briefing:
            yield from self.playable("briefing", actor_id)

    def expectations(self) -> Iterator[Problem]:
        seen: set[str] = set()
        for k, expectation in enumerate(self.s.expect):
            path: Path = ("expect", k)
            if expectation.id in seen:
                yield self.problem((*path, "id"), f"duplicate expectation id {expectation.id!r}")
            seen.add(expectation.id)
            if expectation.holds is not None:
                yield from self.condition(expectation.holds, (*path, "holds"))
            if expectation.mean is not None:
                yield from self.metric(expectation.mean, (*path, "mean"))
            if expectation.fires is not None:
                events = [e.id for e in self.s.events]
                if expectation.fires not in events:
                    yield self.problem((*path, "fires"), unknown("event", expectation.fires, events))
            if expectation.met is not None:
                yield from self.objective_ref(expectation.met.actor, expectation.met.objective, (*path, "met"))
            if expectation.against_base and self.s.extends is None:
                yield self.problem(
                    (*path, expectation.comparator),
                    f"{expectation.comparator} compares with the base scenario, but this scenario has no extends:",
                    key=True,
                )

    def objective_ref(self, actor_id: str, objective_id: str, path: Path) -> Iterator[Problem]:
        """An objective named by its actor and id must be one the scenario gives that actor."""
        if actor_id not in self.actors:
            yield self.problem((*path, "actor"), unknown("actor", actor_id, self.actors))
            return
        ids = [o.id for o in self.s.objectives.get(actor_id, [])]
        if not ids:
            yield self.problem((*path, "actor"), f"{actor_id!r} has no objectives (see objectives: in the guide)")
        elif objective_id not in ids:
            yield self.problem((*path, "objective"), unknown(f"objective of {actor_id}", objective_id, ids))

    def metric(self, ref: MetricRef, path: Path) -> Iterator[Problem]:
        name, names = ref.metric()
        if METRICS[name] == 2:
            yield from self.pair((*path, name), names, name)
        else:
            yield from self.actor((*path, name), names[0])


def condition_references(cond: Condition, path: Path, actors: list[str], problem: ProblemAt) -> Iterator[Problem]:
    """Problems with the actors a condition names (shared by outcomes, events, objectives and expectations)."""
    for key in ("all", "any"):
        for k, item in enumerate(getattr(cond, key) or []):
            yield from condition_references(item, (*path, key, k), actors, problem)
    if cond.not_ is not None:
        yield from condition_references(cond.not_, (*path, "not"), actors, problem)
        return
    if cond.all is not None or cond.any is not None:
        return
    metric, names, op, value = cond.metric()
    for k, name in enumerate(names):
        if name not in actors:
            sub = (*path, metric, *((k,) if METRICS[metric] == 2 else ()))
            yield problem(sub, unknown("actor", name, actors))
    if METRICS[metric] == 2 and len(names) == 2 and names[0] == names[1]:
        yield problem((*path, metric), f"a pair needs two different actors (got [{names[0]}, {names[1]}])")
    if op in ("is", "is_not") and value not in actors:
        yield problem((*path, op), unknown("actor", str(value), actors))
