"""Turn a validated Scenario into the core's ModelSetup: numpy arrays, indices and frozen records."""

from __future__ import annotations

import numpy as np

from sim.core import conditions as cond
from sim.core import events as ev
from sim.core.actions import CATALOGUE
from sim.core.dynamics import standing_memory
from sim.core.objectives import Objective
from sim.core.setup import (
    ActorSpec,
    DomesticSpec,
    DynamicsParams,
    ModelSetup,
    OutcomeRule,
    ScoringSpec,
    ScoringWeights,
    ScriptedMove,
)
from sim.core.world import INTERESTS, WorldState
from sim.scenario.schema import Condition, Scenario, quarter_labels
from sim.scenario.schema_events import Effect, EventModel


def build_world(scenario: Scenario) -> WorldState:
    """The starting state of ``scenario`` as the core's arrays (its observed state when it calibrates to itself)."""
    ids = list(scenario.actors)
    index = {a: k for k, a in enumerate(ids)}
    dims = [d.id for d in scenario.dimensions]
    sectors = [s.id for s in scenario.sectors]
    n, d, s = len(ids), len(dims), len(sectors)
    actors = list(scenario.actors.values())

    positions = np.array([[a.positions.get(dim, 0.0) for dim in dims] for a in actors], dtype=float)
    salience = np.array(
        [[a.salience.get(dim, 0.0) for dim in dims] if a.salience else [1.0 / d] * d for a in actors], dtype=float
    )
    salience /= salience.sum(axis=1, keepdims=True)

    relations = np.zeros((n, n))
    given = np.zeros((n, n), dtype=bool)
    for a, row in scenario.relations.items():
        for b, value in row.items():
            relations[index[a], index[b]] = value
            given[index[a], index[b]] = True
    mirror = given.T & ~given  # a: {b: v} also sets b's regard of a unless b: {a: ...} is given
    relations[mirror] = relations.T[mirror]

    def pairs(section: dict[str, dict[str, float]]) -> np.ndarray:
        out = np.zeros((n, n))
        for a, row in section.items():
            for b, value in row.items():
                out[index[a], index[b]] = value
        return out

    agreements = np.zeros((n, n, s), dtype=bool)
    for a, agreed in scenario.agreements.items():
        for b, listed in agreed.items():
            for sector in listed:
                k = sectors.index(sector)
                agreements[index[a], index[b], k] = agreements[index[b], index[a], k] = True

    return WorldState(
        gdp=np.array([a.gdp for a in actors], dtype=float),
        capability=np.array([a.capability for a in actors], dtype=float),
        positions=positions,
        salience=salience,
        relations=relations,
        trade=pairs(scenario.trade),
        tariff=pairs(scenario.tariffs),
        sanctions=pairs(scenario.sanctions),
        debt=pairs(scenario.debt),
        agreements=agreements,
        pressure=np.zeros((n, n)),
        threat=np.array([a.domestic.threat for a in actors], dtype=float),
        memory=standing_memory(pairs(scenario.sanctions)),
    )


def build_setup(scenario: Scenario, calibration: WorldState | None = None) -> ModelSetup:
    """Everything the model needs to run ``scenario`` (pure: reads nothing from disk).

    ``calibration`` is the observed state the dynamics are calibrated to (None: the scenario's own starting
    state). Code that plays a scenario file passes it through sim.scenario.calibration, the one home of the
    rule deciding it; a Scenario built in code is its own observed state unless given one.
    """
    ids = list(scenario.actors)
    index = {a: k for k, a in enumerate(ids)}
    dims = [d.id for d in scenario.dimensions]
    sectors = [s.id for s in scenario.sectors]
    n = len(ids)
    actors = list(scenario.actors.values())
    domestic = DomesticSpec(
        regime_weight=np.array([a.domestic.regime_weight for a in actors], dtype=float),
        threat_baseline=np.array([a.domestic.threat for a in actors], dtype=float),
        reciprocity=np.array([a.policy.reciprocity for a in actors], dtype=float),
        elections=tuple(tuple(quarter_round(scenario.calendar.start, q) for q in a.domestic.elections) for a in actors),
        election_every=np.array([a.domestic.election_every for a in actors], dtype=int),
    )
    world = build_world(scenario)
    relations = world.relations
    interests = np.array([[getattr(a.interests, k) for k in INTERESTS] for a in actors], dtype=float)
    enabled = np.ones((len(CATALOGUE), n), dtype=bool)
    magnitude = np.ones((len(CATALOGUE), n))
    cost = np.array([[act.cost] * n for act in CATALOGUE], dtype=float)
    for k, act in enumerate(CATALOGUE):
        settings = scenario.actions.get(act.id)
        if settings is None:
            if act.opt_in:  # e.g. cut_aid: only where the scenario names it
                enabled[k] = False
            continue
        if settings.enabled_for is not None:
            enabled[k] = [a in settings.enabled_for for a in ids]
        for a in settings.disabled_for:
            enabled[k, index[a]] = False
        if settings.magnitude is not None:
            magnitude[k] = settings.magnitude
        if settings.cost is not None:
            cost[k] = settings.cost
        for a, override in settings.per_actor.items():
            if override.magnitude is not None:
                magnitude[k, index[a]] = override.magnitude
            if override.cost is not None:
                cost[k, index[a]] = override.cost
    enabled[[a.id for a in CATALOGUE].index("pass")] = True

    sc = scenario.scoring
    blocs = list(sc.blocs.items())
    scoring = ScoringSpec(
        weights=ScoringWeights(**sc.weights.model_dump()),
        focal=index[sc.focal],
        powers=tuple(index[p] for p in sc.powers),
        bloc_a=tuple(index[p] for p in blocs[0][1]),
        bloc_b=tuple(index[p] for p in blocs[1][1]),
        bloc_names=(blocs[0][0], blocs[1][0]),
        outcomes=tuple(OutcomeRule(r.label, to_condition(r.when, index)) for r in sc.outcomes),
        default_outcome=sc.default_outcome,
        values_dimension=dims.index(sc.values_dimension) if sc.values_dimension else 0,
    )
    return ModelSetup(
        scenario_id=scenario.meta.id,
        title=scenario.meta.title,
        summary=scenario.meta.summary,
        actors=tuple(
            ActorSpec(
                id=a,
                name=x.name,
                kind=x.kind,
                colour=x.colour,
                lon=x.map.lon,
                lat=x.map.lat,
                controller=x.controller,
                playable=x.playable,
            )
            for a, x in scenario.actors.items()
        ),
        dimensions=tuple(dims),
        sectors=tuple(sectors),
        security_sectors=tuple(k for k, x in enumerate(scenario.sectors) if x.security),
        trade_sectors=tuple(k for k, x in enumerate(scenario.sectors) if x.trade),
        world=world,
        calibration=calibration,
        baseline_relations=relations.copy(),
        base_growth=np.array([(1.0 + a.growth) ** 0.25 - 1.0 for a in actors]),
        interests=interests,
        tau=np.array([a.policy.tau for a in actors], dtype=float),
        actions_per_round=np.array([a.policy.actions_per_round for a in actors], dtype=int),
        action_enabled=enabled,
        action_magnitude=magnitude,
        action_cost=cost,
        dynamics=DynamicsParams(**scenario.dynamics.model_dump()),
        scoring=scoring,
        rounds=scenario.rounds,
        round_labels=quarter_labels(scenario.calendar.start, scenario.rounds),
        scripted_moves=tuple(
            ScriptedMove(
                round=step.round,
                actor=index[a],
                action=step.action,
                target=None if step.target is None else index[step.target],
                sector=None if step.sector is None else sectors.index(step.sector),
                reason=step.reason,
            )
            for a, x in scenario.actors.items()
            for step in x.script
        ),
        events=tuple(to_event(e, index, dims, sectors) for e in scenario.events),
        domestic=domestic,
        briefings=dict(scenario.briefing),
        objectives=tuple(
            Objective(
                id=o.id,
                actor=index[a],
                description=o.description,
                condition=to_condition(o.condition, index),
                weight=o.weight,
                timing=o.timing,
            )
            for a, listed in scenario.objectives.items()
            for o in listed
        ),
    )


def quarter_round(start: str, quarter: str) -> int:
    """The round in which ``quarter`` (e.g. '2017-Q2') is played when round 1 is ``start``."""
    y0, q0 = int(start[:4]), int(start[-1])
    y, q = int(quarter[:4]), int(quarter[-1])
    return (y - y0) * 4 + (q - q0) + 1


def to_condition(c: Condition, index: dict[str, int]) -> cond.Condition:
    """The core's condition for a validated schema condition (actor names -> indices)."""
    if c.all is not None:
        return cond.AllOf(tuple(to_condition(x, index) for x in c.all))
    if c.any is not None:
        return cond.AnyOf(tuple(to_condition(x, index) for x in c.any))
    if c.not_ is not None:
        return cond.Not(to_condition(c.not_, index))
    metric, names, op, value = c.metric()
    number = float(index[value]) if isinstance(value, str) else float(value)
    return cond.Compare(metric, tuple(index[a] for a in names), op, number)  # type: ignore[arg-type]


def to_event(e: EventModel, index: dict[str, int], dims: list[str], sectors: list[str]) -> ev.Event:
    """The core's event for a validated schema event (names -> indices)."""
    return ev.Event(
        id=e.id,
        title=e.title,
        text=e.text,
        effects=tuple(to_effect(x, index, dims, sectors) for x in e.effects),
        at_round=e.at_round,
        when=None if e.when is None else to_condition(e.when, index),
        chance=e.chance,
        repeat=e.repeat,
    )


def to_effect(x: Effect, index: dict[str, int], dims: list[str], sectors: list[str]) -> ev.Effect:
    """The core's effect for a validated schema effect."""
    if x.set is not None or x.add is not None:
        change = x.set if x.set is not None else x.add
        assert change is not None
        entry, names = change.entry()
        return ev.ChangeState(
            array=entry,
            index=tuple(index[a] for a in names),
            value=change.value,
            mode="set" if x.set is not None else "add",
            symmetric=change.symmetric,
        )
    if x.sign_agreement is not None or x.end_agreement is not None:
        agreement = x.sign_agreement or x.end_agreement
        assert agreement is not None
        a, b = (index[p] for p in agreement.pair)
        return ev.SetAgreement(pair=(a, b), sector=sectors.index(agreement.sector), signed=x.sign_agreement is not None)
    if x.set_position is not None or x.add_position is not None:
        position = x.set_position or x.add_position
        assert position is not None
        return ev.SetPosition(
            actor=index[position.actor],
            dimension=dims.index(position.dimension),
            value=position.value,
            mode="set" if x.set_position is not None else "add",
        )
    if x.force_move is not None:
        move = x.force_move
        return ev.ForceMove(
            actor=index[move.actor],
            action=move.action,
            target=None if move.target is None else index[move.target],
            sector=None if move.sector is None else sectors.index(move.sector),
        )
    if x.set_interest is not None:
        return ev.SetInterest(
            actor=index[x.set_interest.actor], interest=x.set_interest.interest, value=x.set_interest.value
        )
    if x.set_policy is not None:
        policy = x.set_policy
        return ev.SetPolicy(actor=index[policy.actor], tau=policy.tau, actions_per_round=policy.actions_per_round)
    assert x.end_scenario is not None
    return ev.EndScenario(reason=x.end_scenario)
