"""Between-move dynamics and domestic politics for R runs (sim.core.dynamics.advance, sim.core.domestic over runs)."""

from __future__ import annotations

import numpy as np

from sim.core.dynamics import STANDING_SANCTION
from sim.core.setup import ModelSetup
from sim.core.streams import Purpose, uniform
from sim.core.world import RANGES
from sim.vector.pricing import (
    BaselineBatch,
    gdp_ratio,
    sanctions_received,
    trade_policy_factor,
)
from sim.vector.state import WorldBatch, tr


def advance(w: WorldBatch, base: BaselineBatch, setup: ModelSetup, key: np.ndarray, quarter: int) -> None:
    """The core's ``advance`` for every run; ``key`` is (R, 1)."""
    params = setup.dynamics
    factor = trade_policy_factor(w, base, setup)
    ratio = gdp_ratio(w.gdp, base)
    target = base.trade * (ratio[:, :, None] * ratio[:, None, :]) * factor
    w.trade += params.trade_adjustment * (target - w.trade)
    np.clip(w.trade, *RANGES["trade"], out=w.trade)

    start = base.trade.sum(axis=1) + base.trade.sum(axis=0)
    now = (base.trade * factor).sum(axis=-1) + (base.trade * factor).sum(axis=-2)
    access = np.log(np.divide(now, start, out=np.ones_like(now), where=start > 0))
    start_total = base.trade.sum(axis=1) + base.trade.sum(axis=0)
    openness = np.minimum(np.divide(start_total, base.gdp, out=np.zeros_like(start_total), where=base.gdp > 0), 2.0)
    suffered = sanctions_received(w.sanctions, base.capability)
    growth = setup.base_growth * params.growth_taper ** max(quarter - 1, 0)
    growth = growth + params.gdp_trade_elasticity * openness * (access - base.last_access)
    growth -= params.sanction_gdp_drag * (suffered - base.last_sanctions_received)
    base.last_access[:] = access
    base.last_sanctions_received[:] = suffered
    w.gdp *= np.clip(1.0 + growth, 0.5, 1.5)
    np.clip(w.gdp, *RANGES["gdp"], out=w.gdp)

    w.capability[:] = np.clip(base.capability * np.sqrt(gdp_ratio(w.gdp, base)), 0.0, 1.0)

    base.relations[:] += params.baseline_memory * (base.original_relations - base.relations)
    w.relations += params.relation_memory * (base.relations - w.relations)
    np.clip(w.relations, -1.0, 1.0, out=w.relations)
    n = w.n_actors
    w.relations[:, np.arange(n), np.arange(n)] = 0.0
    w.pressure *= 1.0 - params.pressure_memory
    w.memory += params.memory_decay * (STANDING_SANCTION * tr(w.sanctions) - w.memory)
    if params.agreement_lapse > 0 and w.agreements.any():
        k = w.agreements.shape[-1]
        pairs = np.arange(n)
        draws = uniform(
            key[:, :, None, None], Purpose.LAPSE, quarter, pairs[:, None, None], pairs[None, :, None], np.arange(k)
        )
        lapse = draws < params.agreement_lapse
        lapse &= np.triu(np.ones((n, n), dtype=bool), k=1)[:, :, None]
        w.agreements &= ~(lapse | lapse.transpose(0, 2, 1, 3))


def advance_domestic(w: WorldBatch, setup: ModelSetup, partner: np.ndarray, key: np.ndarray, round_number: int) -> None:
    """The core's ``advance_domestic`` for every run; ``partner`` is the round's (R, N, N) V."""
    params, domestic = setup.dynamics, setup.domestic_spec()
    actors = np.arange(w.n_actors)
    hit = uniform(key, Purpose.SHOCK, round_number, actors) < params.shock_rate
    size = uniform(key, Purpose.SHOCK_SIZE, round_number, actors) * params.shock_size
    shocks = np.where(hit, size, 0.0)
    threat = w.threat
    threat += params.threat_memory * (domestic.threat_baseline - threat)
    threat += params.election_threat * domestic.election_due(round_number + 1)
    threat += params.pressure_threat * (partner * (tr(w.pressure) + tr(w.sanctions)) / 2.0).sum(axis=-1)
    threat += shocks
    np.clip(threat, 0.0, 1.0, out=threat)
