"""The round's snapshot and the pricing of every candidate move for R runs at once.

The pricing rules themselves live in :mod:`sim.core.pricing`, over a leading runs axis, and the Mesa model
calls the same functions with R = 1: this module builds the batched snapshot (:func:`context`) and
calls them. The snapshot's helpers (``raw_alignment``, ``equilibrium_trade``) still mirror
``sim.core.dynamics`` operation for operation (docs/vector.md says which rules are still stated twice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import pricing
from sim.core.pricing import (
    ContextBatch,
    PricedBatch,
    features,
    partner_weights,
    sanctions_received,
    trade_value,
)
from sim.core.setup import ModelSetup
from sim.vector.state import WorldBatch, tr

#: What the AI's choices and answers read: the shared pricing's batch.
TableBatch = PricedBatch


@dataclass(slots=True)
class BaselineBatch:
    """The core's Baseline for R runs of one setup: calibration arrays shared, updated arrays per run."""

    trade: np.ndarray  # (N, N)
    gdp: np.ndarray  # (N,)
    capability: np.ndarray  # (N,)
    tariff: np.ndarray  # (N, N)
    sanction_pair: np.ndarray  # (N, N)
    trade_agreements: np.ndarray  # (N, N)
    sanctions_received: np.ndarray  # (N,)
    last_sanctions_received: np.ndarray  # (R, N)
    last_access: np.ndarray  # (R, N)
    relations: np.ndarray  # (R, N, N)
    original_relations: np.ndarray  # (N, N)


def trade_agreement_count(agreements: np.ndarray, trade_sectors: tuple[int, ...]) -> np.ndarray:
    if not trade_sectors:
        return np.zeros(agreements.shape[:-1])
    return agreements[..., list(trade_sectors)].sum(axis=-1).astype(float)


def sanction_pressure(s: np.ndarray) -> np.ndarray:
    return np.maximum(s, tr(s))


def policy_affinity(positions: np.ndarray, salience: np.ndarray) -> np.ndarray:
    distance = np.abs(positions[:, :, None, :] - positions[:, None, :, :]) / 2.0
    pair_salience = (salience[:, :, None, :] + salience[:, None, :, :]) / 2.0
    return 1.0 - np.einsum("rijd,rijd->rij", distance, pair_salience)


def raw_alignment(w: WorldBatch, setup: ModelSetup, affinity: np.ndarray) -> np.ndarray:
    weights = setup.scoring.weights
    r_sym = (w.relations + tr(w.relations)) / 2.0
    two_way = w.trade + tr(w.trade)
    smaller = np.minimum(w.gdp[:, :, None], w.gdp[:, None, :])
    share = np.divide(two_way, smaller, out=np.zeros_like(two_way), where=smaller > 0)
    interdependence = 1.0 - np.exp(-weights.trade_squash * share)
    density = w.agreements.mean(axis=-1) if w.agreements.shape[-1] else np.zeros(w.relations.shape)
    raw = (
        weights.relations * r_sym
        + weights.policy * (2.0 * affinity - 1.0)
        + weights.trade * interdependence
        + weights.agreements * density
        - weights.sanctions * sanction_pressure(w.sanctions)
    )
    n = w.n_actors
    raw[:, np.arange(n), np.arange(n)] = 0.0
    return raw


def gdp_ratio(gdp: np.ndarray, base: BaselineBatch) -> np.ndarray:
    return np.divide(gdp, base.gdp, out=np.ones_like(gdp), where=base.gdp > 0)


def trade_policy_factor(w: WorldBatch, base: BaselineBatch, setup: ModelSetup) -> np.ndarray:
    params = setup.dynamics
    tariff_factor = np.exp(-params.tariff_elasticity * (tr(w.tariff) - base.tariff.T))
    sanction_factor = np.exp(-params.sanction_trade_elasticity * (sanction_pressure(w.sanctions) - base.sanction_pair))
    agreements = trade_agreement_count(w.agreements, setup.trade_sectors)
    agreement_factor = (1.0 + params.agreement_trade_bonus * agreements) / (
        1.0 + params.agreement_trade_bonus * base.trade_agreements
    )
    return tariff_factor * sanction_factor * agreement_factor


def equilibrium_trade(w: WorldBatch, base: BaselineBatch, setup: ModelSetup) -> np.ndarray:
    ratio = gdp_ratio(w.gdp, base)
    size = ratio[:, :, None] * ratio[:, None, :]
    return base.trade * size * trade_policy_factor(w, base, setup)


def context(w: WorldBatch, base: BaselineBatch, setup: ModelSetup, affinity: np.ndarray) -> ContextBatch:
    raw = raw_alignment(w, setup, affinity)
    A = np.clip(raw, -1.0, 1.0)
    trade_eq = equilibrium_trade(w, base, setup)
    x = w.positions[:, :, setup.scoring.values_dimension]
    return ContextBatch(
        world=w,
        alignment=A,
        clip_free=(np.abs(raw) < 1.0).astype(float),
        partner=partner_weights(w.capability),
        distance=np.abs(x[:, :, None] - x[:, None, :]) / 2.0,
        trade_eq=trade_eq,
        trade_eq_total=trade_value(trade_eq, setup.dynamics.import_value),
        base=base,
        compatibility=np.maximum(2.0 * affinity - 1.0, 0.0),
        rivalry=np.maximum(1.0 - 2.0 * affinity, 0.0),
    )


def price_candidates(
    ctx: ContextBatch, setup: ModelSetup, pre: np.ndarray, interests: np.ndarray, tau: np.ndarray
) -> PricedBatch:
    """Every candidate of every actor in R runs priced by :func:`sim.core.pricing.price`; ``pre`` is the
    precondition table (sim.vector.state.preconditions), ``interests`` (R, N, 5) and ``tau`` (R, N) in force."""
    feasible, sector_feasible = pricing.feasibility(pre, ctx.world.agreements, setup)
    return pricing.price(ctx, setup, feasible, sector_feasible, interests, tau)


__all__ = [
    "BaselineBatch",
    "ContextBatch",
    "TableBatch",
    "context",
    "features",
    "partner_weights",
    "price_candidates",
    "sanctions_received",
    "trade_value",
]
