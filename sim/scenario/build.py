"""Turn a validated Scenario into the core's ModelSetup: numpy arrays, indices and frozen records."""

from __future__ import annotations

import numpy as np

from sim.core import conditions as cond
from sim.core.actions import CATALOGUE
from sim.core.setup import ActorSpec, DynamicsParams, ModelSetup, OutcomeRule, ScoringSpec, ScoringWeights
from sim.core.world import INTERESTS, WorldState
from sim.scenario.schema import Condition, Scenario, quarter_labels


def build_setup(scenario: Scenario) -> ModelSetup:
    """Everything the model needs to run ``scenario`` (pure: reads nothing from disk)."""
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
    for a, row in scenario.agreements.items():
        for b, listed in row.items():
            for sector in listed:
                k = sectors.index(sector)
                agreements[index[a], index[b], k] = agreements[index[b], index[a], k] = True

    world = WorldState(
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
    )
    interests = np.array([[getattr(a.interests, k) for k in INTERESTS] for a in actors], dtype=float)
    enabled = np.ones((len(CATALOGUE), n), dtype=bool)
    magnitude = np.ones((len(CATALOGUE), n))
    cost = np.array([[act.cost] * n for act in CATALOGUE], dtype=float)
    for k, act in enumerate(CATALOGUE):
        settings = scenario.actions.get(act.id)
        if settings is None:
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
    )


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
