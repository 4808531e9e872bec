"""Batched world state: the core's arrays with a leading runs axis, and the catalogue's preconditions read over it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from sim.core.actions import preconditions as catalogue_preconditions
from sim.core.preconditions import CellArrays, CellIndex
from sim.core.world import WorldState


@dataclass(slots=True)
class WorldBatch:
    """R runs' world arrays, each the core's :class:`WorldState` array with a leading runs axis."""

    gdp: np.ndarray  # (R, N)
    capability: np.ndarray  # (R, N)
    positions: np.ndarray  # (R, N, D)
    salience: np.ndarray  # (R, N, D)
    relations: np.ndarray  # (R, N, N)
    trade: np.ndarray
    tariff: np.ndarray
    sanctions: np.ndarray
    debt: np.ndarray
    agreements: np.ndarray  # (R, N, N, S) bool
    pressure: np.ndarray
    threat: np.ndarray  # (R, N)
    memory: np.ndarray

    @classmethod
    def repeat(cls, world: WorldState, runs: int) -> WorldBatch:
        """``runs`` copies of one starting state."""
        return cls(**{f.name: np.repeat(getattr(world, f.name)[None], runs, axis=0) for f in fields(cls)})

    @classmethod
    def of(cls, worlds: Sequence[WorldState]) -> WorldBatch:
        """One run per starting state, in order."""
        return cls(**{f.name: np.stack([getattr(w, f.name) for w in worlds]) for f in fields(cls)})

    @property
    def runs(self) -> int:
        return int(self.gdp.shape[0])

    @property
    def n_actors(self) -> int:
        return int(self.gdp.shape[1])

    def run(self, r: int) -> WorldState:
        """Run r's state as the core's WorldState (a copy)."""
        return WorldState(**{f.name: getattr(self, f.name)[r].copy() for f in fields(self)})

    def copy(self) -> WorldBatch:
        return WorldBatch(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


def preconditions(w: WorldBatch, values_dimension: int) -> np.ndarray:
    """(A, R, N, N) bool: each action's precondition for mover i on target j, the catalogue's rules read on
    the (R, N, N) matrices (sim.core.preconditions)."""
    return catalogue_preconditions(CellArrays.matrices(w, values_dimension))


def preconditions_read(w: WorldBatch, cells: CellIndex, k: np.ndarray) -> np.ndarray:
    """(K,) bool: action k's precondition on the cells ``cells`` locates, read on the current state."""
    return catalogue_preconditions(cells.read(w))[k, np.arange(k.size)]
