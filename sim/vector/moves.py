"""Legal-move masks over the runs axis: the core's MoveSpace.masks for R runs at once (one home for legality).

The core's :class:`sim.core.legal.MoveSpace` lists every move slot of a scenario and marks the legal ones for
one world. :func:`space_masks` marks the same slots for every run of a :class:`sim.vector.state.WorldBatch`
from the one batched feasibility (``sim.core.pricing.feasibility``, which the Mesa model calls with R = 1), so the
engine, its external policies and the Gymnasium vector env read one mask per run without a Python loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.core.actions import ACTION_INDEX, OFFER_ASKS, OFFER_GIVES
from sim.core.legal import DOMESTIC_ACTIONS, PLAIN_ACTIONS, MoveSpace
from sim.core.pricing import feasibility
from sim.core.setup import ModelSetup
from sim.vector.state import WorldBatch, preconditions

_GIVES = [ACTION_INDEX[x] for x in OFFER_GIVES]
_ASKS = [ACTION_INDEX[y] for y in OFFER_ASKS]
_DISTINCT = np.array([[x != y for y in OFFER_ASKS] for x in OFFER_GIVES])


def space_masks(space: MoveSpace, w: WorldBatch, setup: ModelSetup, actors: Sequence[int] | None = None) -> np.ndarray:
    """(R, K, M) bool: ``space.masks(w.run(r))[i]`` for every run r and each of ``actors`` i (default every
    actor, K = N; pass always legal; budgets not applied)."""
    feasible, sector_feasible = feasibility(preconditions(w, setup.scoring.values_dimension), w.agreements, setup)
    runs, n = w.runs, w.n_actors
    rows = np.arange(n) if actors is None else np.asarray(actors, dtype=np.intp)
    k = rows.size
    plain = feasible[:, list(PLAIN_ACTIONS)][:, :, rows].transpose(0, 2, 1, 3).reshape(runs, k, -1)
    sector = sector_feasible[:, rows].reshape(runs, k, -1)
    gives = feasible[:, _GIVES][:, :, rows]  # (R, X, K, N): i -> j
    asks = np.swapaxes(feasible[:, _ASKS][..., rows], -1, -2)  # (R, Y, K, N): j -> i, at [i, j]
    offers = (gives[:, :, None] & asks[:, None]).transpose(0, 3, 1, 2, 4)[:, :, _DISTINCT].reshape(runs, k, -1)
    domestic = feasible[:, list(DOMESTIC_ACTIONS)][:, :, rows, rows].transpose(0, 2, 1)
    masks = np.concatenate([np.ones((runs, k, 1), dtype=bool), plain, sector, offers, domestic], axis=2)
    if masks.shape[2] != space.size:  # the space and this function list the same blocks in the same order
        raise AssertionError(f"vector masks have {masks.shape[2]} slots, the move space {space.size}")
    return masks
