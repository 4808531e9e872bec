"""The round's snapshot and the pricing of every candidate move for R runs at once.

The rules live in the core and take a leading runs axis (:mod:`sim.core.pricing`, ``sim.core.scoring``,
``sim.core.dynamics``); the Mesa model calls the same functions for its one run. This module holds the
vector engine's calibration state (:class:`BaselineBatch`) and calls them with R runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import pricing
from sim.core.dynamics import sanctions_received, trade_agreement_count
from sim.core.pricing import ContextBatch, PricedBatch, features, partner_weights, trade_value
from sim.core.scoring import policy_affinity, sanction_pressure
from sim.core.setup import ModelSetup
from sim.vector.state import WorldBatch

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


def context(w: WorldBatch, base: BaselineBatch, setup: ModelSetup, affinity: np.ndarray) -> ContextBatch:
    """The round's snapshot of every run (:func:`sim.core.pricing.context`)."""
    return pricing.context(w, base, setup, affinity)


def price_candidates(
    ctx: ContextBatch,
    setup: ModelSetup,
    pre: np.ndarray,
    interests: np.ndarray,
    tau: np.ndarray,
    detail: bool = True,
    scratch: pricing.Scratch | None = None,
) -> PricedBatch:
    """Every candidate of every actor in R runs priced by :func:`sim.core.pricing.price`; ``pre`` is the
    precondition table (sim.vector.state.preconditions), ``interests`` (R, N, 5) and ``tau`` (R, N) in force;
    ``detail=False``: without what only explanations read (see :func:`sim.core.pricing.price`), reusing the
    buffers of ``scratch`` (a :class:`sim.core.pricing.Scratch`) for what no caller keeps."""
    feasible, sector_feasible = pricing.feasibility(pre, ctx.world.agreements, setup)
    return pricing.price(ctx, setup, feasible, sector_feasible, interests, tau, detail, scratch)


__all__ = [
    "BaselineBatch",
    "ContextBatch",
    "TableBatch",
    "context",
    "features",
    "partner_weights",
    "policy_affinity",
    "price_candidates",
    "sanction_pressure",
    "sanctions_received",
    "trade_agreement_count",
    "trade_value",
]
