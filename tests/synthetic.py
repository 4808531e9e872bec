"""Synthetic scenarios of any size, drawn from a seed: for property tests and scaling benchmarks."""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import DEFAULT_DIMENSIONS, DEFAULT_SECTORS, Scenario


def synthetic_scenario(n_actors: int, seed: int = 0, rounds: int = 12) -> Scenario:
    """A valid scenario with ``n_actors`` random actors (positions, GDPs, relations, trade, sanctions, debt)."""
    if n_actors < 2:
        raise ValueError("a scenario needs at least two actors")
    rng = np.random.default_rng(seed)
    ids = [f"a{k:02d}" for k in range(n_actors)]
    dims = [d.id for d in DEFAULT_DIMENSIONS]
    sectors = [s.id for s in DEFAULT_SECTORS]
    gdp = np.exp(rng.uniform(np.log(5.0), np.log(20000.0), n_actors))
    capability = gdp / gdp.sum()
    actors = {}
    for k, a in enumerate(ids):
        salience = rng.dirichlet(np.ones(len(dims)))
        salience = np.round(salience, 3)
        salience[-1] = round(1.0 - salience[:-1].sum(), 3)
        interests = rng.dirichlet(np.ones(5))
        actors[a] = {
            "name": f"Actor {k}",
            "gdp": float(round(gdp[k], 3)),
            "growth": float(round(rng.uniform(-0.05, 0.1), 3)),
            "capability": float(round(capability[k], 4)),
            "interests": dict(
                zip(
                    ("economy", "security", "autonomy", "influence", "values"),
                    (float(round(x, 3)) for x in interests),
                    strict=True,
                )
            ),
            "positions": {d: float(round(rng.uniform(-1, 1), 2)) for d in dims},
            "salience": {d: float(max(s, 0.0)) for d, s in zip(dims, salience, strict=True)},
            "policy": {"tau": float(round(rng.uniform(0.05, 0.5), 2)), "actions_per_round": int(rng.integers(1, 4))},
            "map": {"lon": float(round(rng.uniform(-180, 180), 1)), "lat": float(round(rng.uniform(-60, 70), 1))},
        }
    relations: dict[str, dict[str, float]] = {}
    trade: dict[str, dict[str, float]] = {}
    sanctions: dict[str, dict[str, float]] = {}
    debt: dict[str, dict[str, float]] = {}
    agreements: dict[str, dict[str, list[str]]] = {}
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i == j:
                continue
            relations.setdefault(a, {})[b] = float(round(rng.uniform(-0.8, 0.8), 2))
            trade.setdefault(a, {})[b] = float(round(0.002 * np.sqrt(gdp[i] * gdp[j]) * rng.uniform(0.1, 2), 3))
            if rng.random() < 0.1:
                sanctions.setdefault(a, {})[b] = float(round(rng.uniform(0, 1), 2))
            if rng.random() < 0.1:
                debt.setdefault(a, {})[b] = float(round(rng.uniform(0, 0.1) * gdp[i], 2))
            if i < j and rng.random() < 0.3:
                agreements.setdefault(a, {})[b] = [
                    str(s) for s in rng.choice(sectors, rng.integers(1, 4), replace=False)
                ]
    data = {
        "meta": {"id": f"synthetic_{n_actors}", "title": f"Synthetic world of {n_actors} actors"},
        "rounds": rounds,
        "actors": actors,
        "relations": relations,
        "trade": trade,
        "sanctions": sanctions,
        "debt": debt,
        "agreements": agreements,
        "scoring": {
            "focal": ids[0],
            "powers": ids[1 : min(n_actors, 5)] if n_actors > 2 else ids[1:],
            "blocs": {
                "first": ids[1 : 1 + max(1, (n_actors - 1) // 2)],
                "second": ids[1 + max(1, (n_actors - 1) // 2) :] or ids[:1],
            },
        },
    }
    return Scenario.model_validate(data)
