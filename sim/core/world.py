"""WorldState: the numpy arrays of one run (docs/architecture.md section 3) and cheap copies of them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

FloatArray = np.ndarray

#: Interests every actor weighs (docs/architecture.md section 4); order fixes the columns of `interests` arrays.
INTERESTS: tuple[str, ...] = ("economy", "security", "autonomy", "influence", "values")

#: Inclusive ranges promised for each array; the property tests check them after any sequence of moves.
#: Bounds that keep long and extreme runs finite (USD bn): an economy of at least USD 1,000 a year and at most
#: 10,000 times today's world GDP; trade and debt at most as large. Sane runs never come near them (a
#: scenario's values are bounded far inside: GDP 1e-6..1e6, trade and debt up to 1e5), but a valid
#: scenario with growth 0.5 and no taper overflows a float within 10,000 quarters, and -0.5 underflows.
GDP_FLOOR = 1e-6
AMOUNT_CEILING = 1e9

RANGES: dict[str, tuple[float, float]] = {
    "gdp": (GDP_FLOOR, AMOUNT_CEILING),
    "capability": (0.0, 1.0),
    "positions": (-1.0, 1.0),
    "salience": (0.0, 1.0),
    "relations": (-1.0, 1.0),
    "trade": (0.0, AMOUNT_CEILING),
    "tariff": (0.0, 1.0),
    "sanctions": (0.0, 1.0),
    "debt": (0.0, AMOUNT_CEILING),
    "pressure": (0.0, 1.0),
    "threat": (0.0, 1.0),
    "memory": (-1.0, 1.0),
}


def _clip_ufunc() -> Callable[..., Any]:
    umath = getattr(getattr(np, "_core", None), "umath", None)
    return getattr(umath, "clip", np.clip)


#: ``clip(x, low, high[, out=])``: numpy's clip ufunc called directly (the same values as ``np.clip``, whose
#: Python wrappers cost more than clipping a small array; the rules clip some 30 arrays a round).
clip = _clip_ufunc()


@functools.lru_cache(maxsize=64)
def diagonal_index(n: int) -> np.ndarray:
    """``np.arange(n)``, made once per size and read-only: ``x[..., d, d]`` is the diagonal of (N, N) matrices."""
    index = np.arange(n)
    index.flags.writeable = False
    return index


@functools.lru_cache(maxsize=64)
def upper_triangle(n: int) -> np.ndarray:
    """(N, N) bool, True above the diagonal (``np.triu(ones, k=1)``), made once per size and read-only."""
    mask = np.triu(np.ones((n, n), dtype=bool), k=1)
    mask.flags.writeable = False
    return mask


@functools.lru_cache(maxsize=64)
def off_diagonal(n: int) -> np.ndarray:
    """(N, N) bool, False on the diagonal (``~np.eye(n, dtype=bool)``), made once per size and read-only."""
    mask = ~np.eye(n, dtype=bool)
    mask.flags.writeable = False
    return mask


def tr(x: np.ndarray) -> np.ndarray:
    """Swap the last two axes: ``.T`` of an (N, N) matrix, and of each run's matrix in an (R, N, N) batch."""
    return x.swapaxes(-1, -2)


@dataclass(slots=True)
class WorldState:
    """The state of one run: N actors, D policy dimensions, S agreement sectors.

    Matrices are indexed ``[i, j]`` = "i towards j": ``relations[i, j]`` is how i regards j,
    ``trade[i, j]`` exports from i to j (USD bn/yr), ``tariff[i, j]`` the barrier i puts on j's
    goods, ``sanctions[i, j]`` i's sanctions on j, ``debt[i, j]`` what i owes j (USD bn),
    ``pressure[i, j]`` recent public pressure (criticism) i put on j. ``agreements[i, j, s]`` is
    symmetric: a signed agreement between i and j in sector s. ``threat[i]`` is the domestic challenge
    to i's ruling group (0 = secure, 1 = about to fall); ``memory[i, j]`` is i's decaying record of what
    j did to it (Goldstein weight / 10 per move, see sim.core.memory), which reciprocity answers.
    """

    gdp: FloatArray  # (N,) USD bn per year
    capability: FloatArray  # (N,) 0..1 composite power
    positions: FloatArray  # (N, D) -1..1
    salience: FloatArray  # (N, D) rows sum to 1
    relations: FloatArray  # (N, N) -1..1, directed, diagonal 0
    trade: FloatArray  # (N, N) >= 0, diagonal 0
    tariff: FloatArray  # (N, N) 0..1
    sanctions: FloatArray  # (N, N) 0..1
    debt: FloatArray  # (N, N) >= 0
    agreements: np.ndarray  # (N, N, S) bool, symmetric
    pressure: FloatArray  # (N, N) 0..1, decays each round
    threat: FloatArray  # (N,) 0..1 domestic threat to the ruling group
    memory: FloatArray  # (N, N) -1..1, what j did to i lately (decays each round)

    @property
    def n_actors(self) -> int:
        return int(self.gdp.shape[0])

    def copy(self) -> WorldState:
        """A deep copy of every array (cheap: a few small ndarray copies)."""
        return WorldState(
            self.gdp.copy(),
            self.capability.copy(),
            self.positions.copy(),
            self.salience.copy(),
            self.relations.copy(),
            self.trade.copy(),
            self.tariff.copy(),
            self.sanctions.copy(),
            self.debt.copy(),
            self.agreements.copy(),
            self.pressure.copy(),
            self.threat.copy(),
            self.memory.copy(),
        )  # every field, in declaration order (tests/test_world.py checks copy covers them all)

    def arrays(self) -> dict[str, np.ndarray]:
        """Name -> array, for recording, checking and serialising."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def check(self) -> list[str]:
        """Describe every broken invariant (empty list when the state is sound)."""
        problems: list[str] = []
        for name, array in self.arrays().items():
            if array.dtype == bool:
                continue
            if not np.all(np.isfinite(array)):
                problems.append(f"{name}: non-finite values")
                continue
            low, high = RANGES[name]
            if array.size and (array.min() < low - 1e-12 or array.max() > high + 1e-12):
                problems.append(f"{name}: outside [{low}, {high}] (min {array.min()}, max {array.max()})")
        if not np.array_equal(self.agreements, self.agreements.transpose(1, 0, 2)):
            problems.append("agreements: not symmetric")
        if not np.allclose(self.salience.sum(axis=1), 1.0):
            problems.append("salience: rows do not sum to 1")
        for name in ("relations", "trade", "tariff", "sanctions", "debt", "pressure", "memory"):
            if np.any(np.diagonal(getattr(self, name)) != 0):
                problems.append(f"{name}: non-zero diagonal")
        return problems
