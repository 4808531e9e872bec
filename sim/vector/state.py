"""Batched world state: the core's arrays with a leading runs axis, and the action preconditions over it."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.core.actions import (
    AGREEMENT_MIN_REGARD,
    AID_MAX_RECIPIENT_SHARE,
    CATALOGUE,
    CLOSE_REGARD,
    CRACKDOWN_MAX_STANCE,
)
from sim.core.world import WorldState, tr


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


@dataclass(frozen=True, slots=True)
class Cells:
    """What a precondition reads for mover i and target j: full (R, N, N) matrices or gathered cells (K,)."""

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
    stance_i: np.ndarray  # the mover's stance on the values dimension

    @classmethod
    def matrices(cls, w: WorldBatch, values_dimension: int) -> Cells:
        eye = np.eye(w.n_actors, dtype=bool)
        shape = w.relations.shape
        return cls(
            np.broadcast_to(~eye, shape), np.broadcast_to(eye, shape), w.relations, tr(w.relations), w.tariff,
            w.sanctions, tr(w.sanctions), w.debt, tr(w.debt), w.gdp[:, :, None], w.gdp[:, None, :],
            w.positions[:, :, values_dimension][:, :, None],
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CellIndex:
    """Where the cells a precondition reads for moves (run r, mover i, target j) sit in the flat world arrays:
    worked out once, read on the current state as often as it changes (:meth:`read`); sliced by ``[a:b]``."""

    not_self: np.ndarray
    is_self: np.ndarray
    ij: np.ndarray  # (r, i, j) in an (R, N, N) array
    ji: np.ndarray
    ri: np.ndarray  # (r, i) in an (R, N) array
    rj: np.ndarray
    stance: np.ndarray  # (r, i, values dimension) in the positions

    @classmethod
    def of(cls, w: WorldBatch, values_dimension: int, r: np.ndarray, i: np.ndarray, j: np.ndarray) -> CellIndex:
        # Cells read by flat index (one index array per cell, not three): the same values, fewer steps.
        n, dims = w.n_actors, w.positions.shape[-1]
        ri, rj = r * n + i, r * n + j
        return cls(i != j, i == j, ri * n + j, rj * n + i, ri, rj, ri * dims + values_dimension)

    def __getitem__(self, part: slice) -> CellIndex:
        return CellIndex(*(getattr(self, f.name)[part] for f in fields(self)))

    def read(self, w: WorldBatch) -> Cells:
        """The cells' values on the current state."""

        def pair(x: np.ndarray, at: np.ndarray) -> np.ndarray:
            return x.reshape(-1)[at]

        return Cells(
            self.not_self, self.is_self, pair(w.relations, self.ij), pair(w.relations, self.ji),
            pair(w.tariff, self.ij), pair(w.sanctions, self.ij), pair(w.sanctions, self.ji), pair(w.debt, self.ij),
            pair(w.debt, self.ji), w.gdp.reshape(-1)[self.ri], w.gdp.reshape(-1)[self.rj],
            w.positions.reshape(-1)[self.stance],
        )  # fmt: skip


def _table(c: Cells) -> dict[str, np.ndarray]:
    """Each action's precondition, by id, on the cells (the core's CATALOGUE preconditions, elementwise)."""
    richer = c.not_self & (c.gdp_j <= AID_MAX_RECIPIENT_SHARE * c.gdp_i)  # j is a far smaller economy
    poorer = c.not_self & (c.gdp_i <= AID_MAX_RECIPIENT_SHARE * c.gdp_j)  # i is (richer transposed)
    sign = c.not_self & (c.rel_ij >= AGREEMENT_MIN_REGARD)
    owed = c.not_self & (c.debt_ji > 0.0)
    return {
        "pass": c.not_self,
        "state_visit": c.not_self,
        "sign_agreement": sign,
        "open_trade": c.not_self & (c.tariff_ij > 0.0),
        "raise_tariffs": c.not_self & (c.tariff_ij < 1.0),
        "impose_sanctions": c.not_self & (c.sanctions_ij < 1.0),
        "lift_sanctions": c.not_self & (c.sanctions_ij > 0.0),
        "cancel_debt": owed,
        "restructure_debt": owed,
        "provide_aid": richer,
        "criticise": c.not_self,
        "joint_statement": sign,
        "defence_cooperation": c.not_self & ((c.rel_ij + c.rel_ji) / 2 >= CLOSE_REGARD),
        "request_debt_relief": c.not_self & (c.debt_ij > 0.0),
        "request_aid": poorer,
        "request_sanctions_relief": c.not_self & (c.sanctions_ji > 0.0),
        "crackdown": c.is_self & (c.stance_i < CRACKDOWN_MAX_STANCE),
        "cut_aid": richer,
    }


def _stack(table: dict[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    missing = [a.id for a in CATALOGUE if a.id not in table]
    if missing:  # a new action in the catalogue the vector engine does not know yet
        raise LookupError(
            f"sim/vector/state.py lists no precondition for {', '.join(missing)}:"
            " add it beside the catalogue's (sim/core/actions.py)"
        )
    return np.stack([table[a.id] for a in CATALOGUE])


def preconditions(w: WorldBatch, values_dimension: int) -> np.ndarray:
    """(A, R, N, N) bool: each action's precondition for mover i on target j (the core's, over runs).

    The core declares preconditions as functions of one run's (N, N) arrays; :func:`_table` states the
    same rules elementwise (tests/test_vector.py checks the two agree on random worlds for every action).
    """
    return _stack(_table(Cells.matrices(w, values_dimension)), w.relations.shape)


def preconditions_read(w: WorldBatch, cells: CellIndex, k: np.ndarray) -> np.ndarray:
    """(K,) bool: action k's precondition on the cells ``cells`` locates, read on the current state."""
    table = _stack(_table(cells.read(w)), k.shape)
    return table[k, np.arange(k.size)]
