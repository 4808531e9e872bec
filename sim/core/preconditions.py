"""The language action preconditions are written in: the cells a rule reads, and the three readers of a rule.

A precondition says whether mover ``i`` may make a move to target ``j`` on a state. Each action states it once
(:class:`sim.core.actions.Action`'s ``precondition``), as a function of a :class:`Cells`: what the rule may look
at for the pair, named from the mover's side (``rel_ij`` is i's regard of j, ``debt_ji`` what j owes i). It is
written with comparisons and ``&`` / ``|`` only, which hold alike for numpy arrays and for Python floats and
bools, so the same function is read three ways:

- :meth:`CellArrays.matrices`: every pair of one world at once, ``(N, N)`` (the Mesa model's pricing), or of R
  worlds, ``(R, N, N)`` (the vector engine's);
- :meth:`CellIndex.read`: the pairs of a list of moves (run r, mover i, target j) of R worlds, gathered into
  ``(K,)`` arrays (the vector engine's resolution);
- :class:`CellAt`: one pair of one world as Python numbers, each read only when the rule asks for it
  (``sim.core.actions.move_allowed``: resolution and a player's orders, without building a mask to read one
  cell).

Python's ``and``, ``or``, ``not`` and ``~`` do not work elementwise on arrays (and ``~True`` is ``-2``): a rule
uses ``is_self`` where it means "not ``not_self``". tests/test_actions.py checks the three readers give every
catalogue rule the same verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Protocol

import numpy as np

#: A value a rule reads: an array of cells, or one cell as a Python float.
Value = np.ndarray | float
#: What a rule returns: an array of verdicts, or one verdict.
Flag = np.ndarray | bool


class Cells(Protocol):
    """What a precondition may read for mover i and target j (arrays of cells, or one cell's numbers)."""

    @property
    def not_self(self) -> Flag: ...  # i != j

    @property
    def is_self(self) -> Flag: ...  # i == j (a domestic move's cell)

    @property
    def rel_ij(self) -> Value: ...  # i's regard of j

    @property
    def rel_ji(self) -> Value: ...  # j's regard of i

    @property
    def tariff_ij(self) -> Value: ...  # i's tariff on j's goods

    @property
    def sanctions_ij(self) -> Value: ...  # i's sanctions on j

    @property
    def sanctions_ji(self) -> Value: ...  # j's sanctions on i

    @property
    def debt_ij(self) -> Value: ...  # what i owes j

    @property
    def debt_ji(self) -> Value: ...  # what j owes i

    @property
    def gdp_i(self) -> Value: ...

    @property
    def gdp_j(self) -> Value: ...

    @property
    def stance_i(self) -> Value: ...  # i's stance on the scenario's values dimension


#: An action's precondition: its verdict for every pair the cells hold.
Precondition = Callable[[Cells], Flag]


class WorldArrays(Protocol):
    """The world arrays a precondition's cells come from: a :class:`sim.core.world.WorldState` (one run) or
    the same arrays with a leading runs axis (the vector engine's ``WorldBatch``)."""

    gdp: np.ndarray
    positions: np.ndarray
    relations: np.ndarray
    tariff: np.ndarray
    sanctions: np.ndarray
    debt: np.ndarray


@lru_cache(maxsize=64)
def _self_masks(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, N) bool masks (i != j, i == j), made once per size and read-only."""
    is_self = np.eye(n, dtype=bool)
    not_self = ~is_self
    is_self.flags.writeable = not_self.flags.writeable = False
    return not_self, is_self


@dataclass(slots=True)
class CellArrays:
    """A rule's cells as arrays: every pair of one or R worlds (:meth:`matrices`), or gathered pairs
    (:meth:`CellIndex.read`). Not frozen (read only by convention): one is made every round, and a frozen
    dataclass's generated __init__ costs several times a plain one's."""

    not_self: np.ndarray
    is_self: np.ndarray
    rel_ij: np.ndarray
    rel_ji: np.ndarray
    tariff_ij: np.ndarray
    sanctions_ij: np.ndarray
    sanctions_ji: np.ndarray
    debt_ij: np.ndarray
    debt_ji: np.ndarray
    gdp_i: np.ndarray
    gdp_j: np.ndarray
    stance_i: np.ndarray

    @classmethod
    def matrices(cls, w: WorldArrays, values_dimension: int) -> CellArrays:
        """Every pair (i, j) of ``w``: (N, N) for one world, (R, N, N) for R worlds (views, no copies)."""
        relations, gdp = w.relations, w.gdp
        shape = relations.shape
        not_self, is_self = _self_masks(shape[-1])
        if len(shape) > 2:
            not_self, is_self = np.broadcast_to(not_self, shape), np.broadcast_to(is_self, shape)
        # .mT swaps the last two axes (each run's transpose), a view
        return cls(
            not_self, is_self, relations, relations.mT, w.tariff, w.sanctions, w.sanctions.mT, w.debt, w.debt.mT,
            gdp[..., None], gdp[..., None, :], w.positions[..., values_dimension, None],
        )  # fmt: skip

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of a verdict: one per pair."""
        return self.not_self.shape


@dataclass(frozen=True, slots=True)
class CellIndex:
    """Where the cells of moves (run r, mover i, target j) sit in the flat arrays of R worlds: worked out once,
    read on the current state as often as it changes (:meth:`read`); sliced by ``[a:b]``."""

    not_self: np.ndarray
    is_self: np.ndarray
    ij: np.ndarray  # (r, i, j) in an (R, N, N) array
    ji: np.ndarray
    ri: np.ndarray  # (r, i) in an (R, N) array
    rj: np.ndarray
    stance: np.ndarray  # (r, i, values dimension) in the (R, N, D) positions

    @classmethod
    def of(cls, w: WorldArrays, values_dimension: int, r: np.ndarray, i: np.ndarray, j: np.ndarray) -> CellIndex:
        # Cells read by flat index (one index array per cell, not three): the same values, fewer steps.
        n, dims = w.relations.shape[-1], w.positions.shape[-1]
        ri, rj = r * n + i, r * n + j
        return cls(i != j, i == j, ri * n + j, rj * n + i, ri, rj, ri * dims + values_dimension)

    def __getitem__(self, part: slice) -> CellIndex:
        return CellIndex(*(getattr(self, f.name)[part] for f in fields(self)))

    def read(self, w: WorldArrays) -> CellArrays:
        """The cells' values on the current state, (K,) each."""
        relations, sanctions, debt = w.relations.reshape(-1), w.sanctions.reshape(-1), w.debt.reshape(-1)
        gdp = w.gdp.reshape(-1)
        return CellArrays(
            self.not_self, self.is_self, relations[self.ij], relations[self.ji], w.tariff.reshape(-1)[self.ij],
            sanctions[self.ij], sanctions[self.ji], debt[self.ij], debt[self.ji], gdp[self.ri], gdp[self.rj],
            w.positions.reshape(-1)[self.stance],
        )  # fmt: skip


class CellAt:
    """One pair (i, j) of one world as Python numbers, each read (``.item``) only when a rule asks for it: the
    same doubles the arrays hold, compared the same way, at the cost of a hand-written cell test."""

    __slots__ = ("_i", "_j", "_values_dimension", "_world", "is_self", "not_self")

    def __init__(self, world: WorldArrays, i: int, j: int, values_dimension: int = 0) -> None:
        self._world, self._i, self._j, self._values_dimension = world, i, j, values_dimension
        self.not_self = i != j
        self.is_self = i == j

    @property
    def rel_ij(self) -> float:
        return self._world.relations.item(self._i, self._j)

    @property
    def rel_ji(self) -> float:
        return self._world.relations.item(self._j, self._i)

    @property
    def tariff_ij(self) -> float:
        return self._world.tariff.item(self._i, self._j)

    @property
    def sanctions_ij(self) -> float:
        return self._world.sanctions.item(self._i, self._j)

    @property
    def sanctions_ji(self) -> float:
        return self._world.sanctions.item(self._j, self._i)

    @property
    def debt_ij(self) -> float:
        return self._world.debt.item(self._i, self._j)

    @property
    def debt_ji(self) -> float:
        return self._world.debt.item(self._j, self._i)

    @property
    def gdp_i(self) -> float:
        return self._world.gdp.item(self._i)

    @property
    def gdp_j(self) -> float:
        return self._world.gdp.item(self._j)

    @property
    def stance_i(self) -> float:
        return self._world.positions.item(self._i, self._values_dimension)


def verdicts(rules: tuple[Precondition, ...], cells: CellArrays) -> np.ndarray:
    """(len(rules), *cells.shape) bool: each rule's verdicts on the cells; a rule several entries share (the
    same function) is read once."""
    shape = cells.shape
    seen: dict[Precondition, Flag] = {}
    out: list[Flag] = []
    for rule in rules:
        mask = seen.get(rule)
        if mask is None:
            mask = seen[rule] = rule(cells)
        out.append(mask)
    try:
        stacked = np.array(out)  # one copy of the list, as np.stack makes, at a third of its cost
    except ValueError:  # verdicts of different shapes (a rule that does not read the pair)
        stacked = None
    if stacked is None or stacked.shape[1:] != shape:
        stacked = np.array([np.broadcast_to(m, shape) for m in out])
    return stacked
