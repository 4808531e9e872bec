"""Between-move dynamics and domestic politics for R runs: sim.core.dynamics.advance and
sim.core.domestic.advance_domestic, which take a leading runs axis, called with the vector engine's state."""

from __future__ import annotations

import numpy as np

from sim.core import domestic, dynamics
from sim.core.setup import ModelSetup
from sim.vector.pricing import BaselineBatch
from sim.vector.state import WorldBatch


def advance(w: WorldBatch, base: BaselineBatch, setup: ModelSetup, key: np.ndarray, quarter: int) -> None:
    """The core's ``advance`` for every run; ``key`` is (R, 1)."""
    dynamics.advance(w, base, setup.dynamics, setup.base_growth, setup.trade_sectors, key, quarter)  # type: ignore[arg-type]


def advance_domestic(w: WorldBatch, setup: ModelSetup, partner: np.ndarray, key: np.ndarray, round_number: int) -> None:
    """The core's ``advance_domestic`` for every run; ``partner`` is the round's (R, N, N) V."""
    domestic.advance_domestic(w, setup.domestic_spec(), setup.dynamics, partner, key, round_number)  # type: ignore[arg-type]
