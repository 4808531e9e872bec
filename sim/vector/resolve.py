"""Resolution of a round's moves for R runs: the core's apply_move, change_regard and _resolve over a runs axis.

The moves are resolved level by level (:func:`_levels`): level 0 holds every run's first move in its keyed
order, and a later move sits one level above the latest earlier move of its run that shares an actor with it.
A level holds moves of many runs, and of one run only moves that touch different actors, so every write
touches its own cells and every move sees the state the Mesa model's move-by-move order shows it.

What does not depend on the state is worked out once a round, for every move in level order (a level is a
slice): the cells each check reads and the rules its level needs (:class:`_Checks`), and for each of a move's
two application phases the cells it writes and its coefficients (:class:`_Halves`). A level then costs three
steps whatever kinds it holds: one check of its moves (with what an offer asks and what a request asks to be
granted), phase 1, phase 2 (with the refusals); each step gathers the state once, by flat index.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.core.actions import ACTION_INDEX, CATALOGUE, MEMORY_STEP, REFUSAL_GOLDSTEIN, Action, action
from sim.core.preconditions import CellIndex, Precondition
from sim.core.setup import ModelSetup, RunFloat
from sim.core.world import GDP_FLOOR, clip
from sim.vector.pricing import BaselineBatch
from sim.vector.state import WorldBatch

_GOLDSTEIN = np.array([a.goldstein for a in CATALOGUE])
_TARIFF = np.array([a.tariff_change for a in CATALOGUE])
_SANCTION = np.array([a.sanction_change for a in CATALOGUE])
_RELIEF = np.array([a.debt_relief for a in CATALOGUE])
_AID = np.array([a.aid_amount for a in CATALOGUE])
_PRESSURE = np.array([a.pressure_change for a in CATALOGUE])
_TARGETED = np.array([a.targeted for a in CATALOGUE])
_DOMESTIC = np.array([a.domestic for a in CATALOGUE])
_THREAT = np.array([a.threat_change for a in CATALOGUE])
_STANCE = np.array([a.stance_change for a in CATALOGUE])
_SECTOR_BASED = np.array([a.sector_based for a in CATALOGUE])
_GRANTS = np.array([-1 if a.grants is None else ACTION_INDEX[a.grants] for a in CATALOGUE])
_PASS = ACTION_INDEX["pass"]
#: The catalogue's distinct precondition rules (actions may share one) and each action's rule among them.
_RULES: tuple[Precondition, ...] = tuple(dict.fromkeys(a.precondition for a in CATALOGUE))
_RULE = np.array([_RULES.index(a.precondition) for a in CATALOGUE])


@dataclass(slots=True)
class MoveBatch:
    """A round's moves in (R, M) slots: slot ``start[i] + p`` holds actor i's p-th pick (the Mesa model's
    order of ``chosen``). ``target``, ``sector`` and ``ask`` are -1 where they do not apply."""

    valid: np.ndarray
    actor: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    sector: np.ndarray
    ask: np.ndarray
    forced: np.ndarray  # forced by an event: agreed in advance, needs no answer
    answered: np.ndarray  # a proposal the target answered
    accepted: np.ndarray
    applied: np.ndarray

    @classmethod
    def empty(cls, runs: int, slots: int) -> MoveBatch:
        def ints() -> np.ndarray:
            return np.full((runs, slots), -1, dtype=np.int64)

        def flags() -> np.ndarray:
            return np.zeros((runs, slots), dtype=bool)

        return cls(flags(), ints(), ints(), ints(), ints(), ints(), flags(), flags(), flags(), flags())


_SIGNS_FIXED = np.array([a.fixed_sector is not None for a in CATALOGUE])
_SIGNS = _SECTOR_BASED | _SIGNS_FIXED


@lru_cache(maxsize=64)
def _fixed_sectors(sectors: tuple[str, ...]) -> np.ndarray:
    """(A,) the sector a catalogue entry always signs in (-1: none, or the scenario has no such sector)."""
    out = np.full(len(CATALOGUE), -1)
    for k, a in enumerate(CATALOGUE):
        if a.fixed_sector is not None and a.fixed_sector in sectors:
            out[k] = sectors.index(a.fixed_sector)
    return out


def _agreement_sector(setup: ModelSetup, k: np.ndarray, s: np.ndarray) -> np.ndarray:
    """(K,) the sector a move signs in, -1 where it signs nothing (the core's ``agreement_sector``)."""
    fixed = _fixed_sectors(setup.sectors)[k]
    given = np.where(_SECTOR_BASED[k] & (s >= 0) & (s < len(setup.sectors)), s, -1)
    return np.where(_SIGNS_FIXED[k], fixed, given)


#: The world array each cell a precondition may read comes from (sim.core.preconditions.Cells).
_CELL_ARRAY: dict[str, str | None] = {
    "not_self": None, "is_self": None, "rel_ij": "relations", "rel_ji": "relations", "tariff_ij": "tariff",
    "sanctions_ij": "sanctions", "sanctions_ji": "sanctions", "debt_ij": "debt", "debt_ji": "debt",
    "gdp_i": "gdp", "gdp_j": "gdp", "stance_i": "positions",
}  # fmt: skip


class _CellReads:
    """Stands in for a rule's cells and records which ones the rule reads (each read gives 0.0, a flag True)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getattr__(self, name: str) -> np.bool_ | np.float64:
        self.names.add(name)
        return np.True_ if name in ("not_self", "is_self") else np.float64(0.0)


def _cells_read(rule: Precondition) -> set[str]:
    """The cells a precondition reads."""
    probe = _CellReads()
    rule(probe)  # type: ignore[arg-type]
    return probe.names


def _reads(act: Action) -> set[str]:
    """The world arrays the core's ``move_allowed`` reads for this action (its rule's cells, the agreements)."""
    arrays = {_CELL_ARRAY[name] for name in _cells_read(act.precondition)}  # a KeyError: a new cell, to be listed
    return {a for a in arrays if a is not None} | ({"agreements"} if act.signs_agreement else set())


#: Whether each distinct rule reads no state (only whether the target is the mover): decided once a round.
_STATIC = np.array([_cells_read(rule) <= {"not_self", "is_self"} for rule in _RULES])


class _SelfCells:
    """The cells of a rule that reads no state: whether each target is its mover."""

    __slots__ = ("is_self", "not_self")

    def __init__(self, not_self: np.ndarray, is_self: np.ndarray) -> None:
        self.not_self, self.is_self = not_self, is_self


def _writes(act: Action) -> set[str]:
    """The world arrays the core's ``apply_move`` writes for this action."""
    if act.domestic:
        return {"threat", "positions", "relations", "memory"}
    if not act.targeted:
        return set()
    effects = {
        "tariff": act.tariff_change, "sanctions": act.sanction_change, "debt": act.debt_relief,
        "gdp": act.aid_amount, "pressure": act.pressure_change, "agreements": act.signs_agreement,
    }  # fmt: skip
    return {"relations", "memory"} | {name for name, x in effects.items() if x}


#: Whether a request's own move writes nothing that the check of the move it asks to be granted reads (true of
#: the catalogue: a request changes regard and memory; a grant's rule reads debt, GDP or sanctions). Then
#: the grant is checked with the moves themselves, on the state before the level applies anything: it sees
#: what it would see after the request's own move, and the other moves of its run in the level touch other
#: actors. Otherwise it is checked after phase 1, as the core's ``_resolve`` does.
_GRANT_EARLY = all(
    _writes(a).isdisjoint(_reads(action(a.grants))) for a in CATALOGUE if a.grants is not None
)  # fmt: skip


@dataclass(slots=True)
class _Flat:
    """The world arrays resolution reads and writes, each flat: a view, or for an array not in C order a copy
    that :meth:`close` writes back."""

    relations: np.ndarray
    tariff: np.ndarray
    sanctions: np.ndarray
    pressure: np.ndarray
    debt: np.ndarray
    gdp: np.ndarray
    positions: np.ndarray
    agreements: np.ndarray
    memory: np.ndarray
    threat: np.ndarray
    base: np.ndarray  # the baseline regard, base.relations
    copies: list[tuple[np.ndarray, np.ndarray]]
    n: int  # actors
    dims: int  # policy dimensions

    @classmethod
    def of(cls, w: WorldBatch, base: BaselineBatch) -> _Flat:
        copies: list[tuple[np.ndarray, np.ndarray]] = []

        def flat(a: np.ndarray) -> np.ndarray:
            if a.flags.c_contiguous:
                return a.reshape(-1)  # a view
            x = a.ravel()  # a copy
            copies.append((a, x))
            return x

        return cls(
            flat(w.relations), flat(w.tariff), flat(w.sanctions), flat(w.pressure), flat(w.debt), flat(w.gdp),
            flat(w.positions), flat(w.agreements), flat(w.memory), flat(w.threat), flat(base.relations), copies,
            w.n_actors, w.positions.shape[-1],
        )  # fmt: skip

    def close(self) -> None:
        """Write the copies back into the arrays they stand for."""
        for a, x in self.copies:
            a[...] = x.reshape(a.shape)


class _Gathered:
    """A rule's cells for a slice of checks, each gathered from the current state the first time a rule reads
    it (the cells :meth:`sim.core.preconditions.CellIndex.read` gathers, only those the level's rules read)."""

    __slots__ = ("_at", "_flat", "_part", "_read")

    def __init__(self, flat: _Flat, at: CellIndex, part: slice) -> None:
        self._flat, self._at, self._part = flat, at, part
        self._read: dict[str, np.ndarray] = {}

    def _get(self, name: str, array: np.ndarray, index: np.ndarray) -> np.ndarray:
        x = self._read.get(name)
        if x is None:
            x = self._read[name] = array[index[self._part]]
        return x

    @property
    def not_self(self) -> np.ndarray:
        return self._at.not_self[self._part]

    @property
    def is_self(self) -> np.ndarray:
        return self._at.is_self[self._part]

    @property
    def rel_ij(self) -> np.ndarray:
        return self._get("rel_ij", self._flat.relations, self._at.ij)

    @property
    def rel_ji(self) -> np.ndarray:
        return self._get("rel_ji", self._flat.relations, self._at.ji)

    @property
    def tariff_ij(self) -> np.ndarray:
        return self._get("tariff_ij", self._flat.tariff, self._at.ij)

    @property
    def sanctions_ij(self) -> np.ndarray:
        return self._get("sanctions_ij", self._flat.sanctions, self._at.ij)

    @property
    def sanctions_ji(self) -> np.ndarray:
        return self._get("sanctions_ji", self._flat.sanctions, self._at.ji)

    @property
    def debt_ij(self) -> np.ndarray:
        return self._get("debt_ij", self._flat.debt, self._at.ij)

    @property
    def debt_ji(self) -> np.ndarray:
        return self._get("debt_ji", self._flat.debt, self._at.ji)

    @property
    def gdp_i(self) -> np.ndarray:
        return self._get("gdp_i", self._flat.gdp, self._at.ri)

    @property
    def gdp_j(self) -> np.ndarray:
        return self._get("gdp_j", self._flat.gdp, self._at.rj)

    @property
    def stance_i(self) -> np.ndarray:
        return self._get("stance_i", self._flat.positions, self._at.stance)


@dataclass(frozen=True, slots=True)
class _Checks:
    """The core's ``move_allowed`` for a round's checks (run r, mover i, action k, target j, sector s) in level
    order, what does not depend on the state worked out once: read on the current state level by level
    (:meth:`hold`). Within a level the checks are kept grouped by rule, so that each rule reads only the cells
    of its own checks: a check costs the cells its rule reads, not every rule on every cell."""

    cells: CellIndex  # the checks' cells, grouped by rule within each level
    always: np.ndarray  # neither targeted nor domestic: allowed
    no_free: np.ndarray  # not (targeted and signs an agreement): the sector need not be free
    sector_ok: np.ndarray
    agreement: np.ndarray  # (r, i, j, sector) in the flat agreements
    groups: list[tuple[tuple[tuple[Precondition, int, int], ...], int, int]]  # per level: (rule, lo, hi), fixed
    free: list[bool]  # whether a level has a check that needs a free sector
    back: np.ndarray  # where each check (in the order given) sits among its level's grouped checks
    fixed: np.ndarray  # the verdict of a check no rule reading the state decides

    @classmethod
    def of(
        cls,
        w: WorldBatch,
        setup: ModelSetup,
        r: np.ndarray,
        i: np.ndarray,
        k: np.ndarray,
        j: np.ndarray,
        s: np.ndarray,
        level: np.ndarray,
        levels: int,
    ) -> _Checks:
        n, n_sectors = w.n_actors, w.agreements.shape[-1]
        domestic, targeted = _DOMESTIC[k], _TARGETED[k]
        j_ok = (j >= 0) & (j < n) & (j != i)
        need_pre = domestic | (targeted & j_ok)
        # Within each level (``level`` is sorted): the checks a rule reading the state decides, rule by rule in
        # catalogue order, then the others, whose verdict does not change within the round (``fixed``).
        width = len(_RULES) + 1
        key = level * width + np.where(need_pre & ~_STATIC[_RULE[k]], _RULE[k], len(_RULES))
        grouped = _stable_order(key, levels * width)
        back = np.empty_like(grouped)
        back[grouped] = np.arange(k.size)
        back -= np.searchsorted(level, np.arange(levels))[level]  # within the level
        r, i, k, j, s = (x[grouped] for x in (r, i, k, j, s))
        domestic, targeted, j_ok, need_pre = (x[grouped] for x in (domestic, targeted, j_ok, need_pre))
        jj = np.where(domestic | ~j_ok, i, j)
        sector = _agreement_sector(setup, k, s)
        need_free = targeted & ~domestic & _SIGNS[k]
        groups = []
        at = 0
        for counts in np.bincount(key, minlength=levels * width).reshape(levels, width).tolist():
            ranges = []
            for rule, count in zip(_RULES, counts, strict=False):
                if count:
                    ranges.append((rule, at, at + count))
                    at += count
            groups.append((tuple(ranges), at, at + counts[-1]))
            at += counts[-1]
        free = np.bincount(level[need_pre & need_free], minlength=levels) > 0  # (grouping keeps each level's place)
        cells = CellIndex.of(w, setup.scoring.values_dimension, r, i, jj)
        fixed = np.zeros(k.size, dtype=bool)
        static = need_pre & _STATIC[_RULE[k]]
        for q in np.flatnonzero(np.bincount(_RULE[k[static]], minlength=len(_RULES))).tolist():
            these = np.flatnonzero(static & (_RULE[k] == q))
            fixed[these] = _RULES[q](_SelfCells(cells.not_self[these], cells.is_self[these]))  # type: ignore[arg-type]
        return cls(
            cells, ~domestic & ~targeted, ~need_free, sector >= 0,
            ((r * n + i) * n + jj) * n_sectors + np.maximum(sector, 0), groups, free.tolist(), back, fixed,
        )  # fmt: skip

    def hold(self, f: _Flat, level: int, lo: int, hi: int) -> np.ndarray:
        """(hi - lo,) whether the checks [lo, hi) of ``level`` hold on the current state (in the order given)."""
        part = slice(lo, hi)
        groups, fixed_lo, fixed_hi = self.groups[level]
        parts = []
        for rule, a, b in groups:
            verdict = rule(_Gathered(f, self.cells, slice(a, b)))
            parts.append(verdict if getattr(verdict, "shape", None) == (b - a,) else np.broadcast_to(verdict, (b - a,)))
        if fixed_hi > fixed_lo:
            parts.append(self.fixed[fixed_lo:fixed_hi])
        ok = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if self.free[level]:
            ok = ok & (self.no_free[part] | (self.sector_ok[part] & ~f.agreements[self.agreement[part]]))
        return (ok | self.always[part])[self.back[part]]


# Rows of _Halves.ints, .floats and .effects, and columns of its per-level presence table.
_A, _B, _AB, _BA, _RB, _SAB, _SBA, _COLUMN_A, _BB = range(9)
_F_TARIFF, _F_SANCTION, _F_PRESSURE, _F_RELIEF, _F_AID, _F_DELTA, _F_SPILL, _F_RECIPROCAL = range(8)
_F_LASTING, _F_RECIPROCAL_LASTING, _F_MEMORY = range(8, 11)
_E_TARIFF, _E_SANCTION, _E_PRESSURE, _E_RELIEF, _E_AID, _E_AGREEMENT, _E_REFUSAL = range(7)
_P_DOMESTIC, _P_TARGETED, _P_ZERO_DELTA = range(7, 10)


def _apply_domestic(f: _Flat, setup: ModelSetup, r: np.ndarray, i: np.ndarray, k: np.ndarray) -> None:
    """The core's ``apply_domestic`` (crackdown) for one move per run in r."""
    params, vd = setup.dynamics, setup.scoring.values_dimension
    n, dims = f.n, f.dims
    m = setup.action_magnitude[k, i]
    rows = np.arange(r.size)
    everyone = np.arange(n)
    x = f.positions[((r * n)[:, None] + everyone) * dims + vd]  # (K, N) every stance
    gap = np.maximum(x - x[rows, i][:, None], 0.0) / 2.0
    gap[rows, i] = 0.0
    ri = r * n + i
    f.threat[ri] = clip(f.threat[ri] + m * _THREAT[k], 0.0, 1.0)
    own = ri * dims + vd
    f.positions[own] = clip(f.positions[own] + m * _STANCE[k], -1.0, 1.0)
    g = _GOLDSTEIN[k]
    scale, lasting = _of_runs(params.goldstein_scale, r), _of_runs(params.lasting_share, r)
    delta = (scale * g)[:, None] * gap
    columns = ((r * n)[:, None] + everyone) * n + i[:, None]  # relations[r, :, i]
    column = clip(f.relations[columns] + delta, -1.0, 1.0)
    column[rows, i] = 0.0
    f.relations[columns] = column
    lasting_delta = lasting * delta if np.ndim(lasting) == 0 else np.asarray(lasting)[:, None] * delta
    f.base[columns] = clip(f.base[columns] + lasting_delta, -1.0, 1.0)
    memory = clip(f.memory[columns] + (MEMORY_STEP * g / 10.0)[:, None] * gap * 2.0, -1.0, 1.0)
    memory[rows, i] = 0.0
    f.memory[columns] = memory


#: Each action's effects (and, last, a refusal's: none but the refusal), columns _E_* (the agreement's column
#: is the move's: whether it signs in a sector).
_EFFECTS = np.stack([
    np.append(_TARIFF != 0, False), np.append(_SANCTION != 0, False), np.append(_PRESSURE != 0, False),
    np.append(_RELIEF != 0, False), np.append(_AID != 0, False), np.zeros(len(CATALOGUE) + 1, dtype=bool),
    np.append(np.zeros(len(CATALOGUE), dtype=bool), True),
], axis=1)  # fmt: skip
_REFUSAL = len(CATALOGUE)  # a refusal's row in the action tables


def _of_runs(value: RunFloat, r: np.ndarray) -> RunFloat:
    """A parameter (sim.core.setup.RunFloat) for moves of runs ``r``: a float as it is, else each move's run's."""
    return value[r] if isinstance(value, np.ndarray) else value


def _coefficients(setup: ModelSetup) -> np.ndarray:
    """((A + 1) N, 11): what applying action x by mover a adds, at row x N + a (x = A: a refusal), columns
    _F_*, as the core's ``apply_move`` and ``change_regard`` compute them; made once per setup (kept with it).
    When the runs' dynamics parameters differ (sim.core.setup.stack_params), one such table per run, stacked:
    run r's row x N + a at r (A + 1) N + x N + a."""
    return setup.derived("resolution coefficients", _make_coefficients)


def _make_coefficients(setup: ModelSetup) -> np.ndarray:
    params = setup.dynamics
    read = (params.goldstein_scale, params.spillover, params.lasting_share, params.reciprocity)
    runs = [len(v) for v in read if isinstance(v, np.ndarray)]
    if runs:
        table = np.concatenate([
            _one_table(setup.action_magnitude, *(v[r] if isinstance(v, np.ndarray) else v for v in read))
            for r in range(runs[0])
        ])  # fmt: skip
    else:
        table = _one_table(setup.action_magnitude, *read)
    table.flags.writeable = False
    return table


def _one_table(magnitude: np.ndarray, scale: RunFloat, spillover: RunFloat, lasting_share: RunFloat,
               reciprocity: RunFloat) -> np.ndarray:  # fmt: skip
    """One run's coefficient table (:func:`_coefficients`)."""
    m = np.concatenate([magnitude, np.zeros((1, magnitude.shape[1]))])  # a refusal has no effect
    goldstein = np.append(_GOLDSTEIN, REFUSAL_GOLDSTEIN)[:, None]
    delta = scale * goldstein
    spill = spillover * delta
    lasting = lasting_share * delta
    columns = [
        m * np.append(_TARIFF, 0.0)[:, None], m * np.append(_SANCTION, 0.0)[:, None],
        m * np.append(_PRESSURE, 0.0)[:, None], np.minimum(m * np.append(_RELIEF, 0.0)[:, None], 1.0),
        m * np.append(_AID, 0.0)[:, None], delta, spill, reciprocity * delta, lasting,
        reciprocity * lasting, MEMORY_STEP * goldstein / 10.0,
    ]  # fmt: skip
    return np.stack(np.broadcast_arrays(*columns), axis=2).reshape(-1, len(columns))


@dataclass(frozen=True, slots=True)
class _Halves:
    """What one phase applies of a round's moves, in level order: a half-move (run r, mover a, action x, target
    b), or a refusal (a rejects b), or nothing. What applying them reads that does not depend on the state is
    worked out once (the core's ``apply_move`` and ``change_regard``), for the moves whose half applies
    something: the cells they write as flat indices, each effect's coefficient, the regard change's terms;
    :meth:`apply` applies a level's."""

    local: np.ndarray  # each member's place in its level
    bounds: list[int]  # each level's members: [bounds[L], bounds[L + 1])
    whole: list[bool]  # whether every move of a level is a member
    r: np.ndarray
    a: np.ndarray
    x: np.ndarray
    domestic: np.ndarray  # a domestic move
    targeted: np.ndarray  # a targeted move at another actor, or a refusal
    ints: np.ndarray  # (K, 9): a, b and flat cells (columns _A.._BB)
    floats: np.ndarray  # (K, 11): coefficients (columns _F_*)
    effects: np.ndarray  # (K, 7) bool: which effects a half has (columns _E_*)
    alignment: np.ndarray  # the round's (R, N, N) alignment, flat
    columns: np.ndarray  # (R N, N): alignment[r, :, b] at row r N + b
    steps: np.ndarray  # 0, N, 2 N, ...: a column's cells from its first
    present: list[list[bool]]  # for each level, whether any of its halves has each effect (_E_*, _P_*)
    zero_gratitude: bool  # the gratitude of a half without a transfer is exactly 0.0
    places: np.ndarray  # 0, 1, 2, ...

    @classmethod
    def of(
        cls,
        w: WorldBatch,
        setup: ModelSetup,
        alignment: np.ndarray,
        r: np.ndarray,
        a: np.ndarray,
        x: np.ndarray,
        b: np.ndarray,
        sector: np.ndarray,
        refusal: np.ndarray,
        level: np.ndarray,
        bounds: np.ndarray,
        coefficients: np.ndarray,
    ) -> _Halves:
        n, n_sectors = w.n_actors, w.agreements.shape[-1]
        domestic = _DOMESTIC[x] & ~refusal
        targeted = (_TARGETED[x] & ~_DOMESTIC[x] & (b >= 0)) | refusal
        members = np.flatnonzero(domestic | targeted)
        if members.size < r.size:
            r, a, x, b, sector, refusal, domestic, targeted = (
                y[members] for y in (r, a, x, b, sector, refusal, domestic, targeted)
            )  # fmt: skip
        if refusal.any():  # the core indexes the refuser and the proposer as numpy does: negative from the end
            for who in (a, b):
                bad = refusal & ((who < -n) | (who >= n))
                if bad.any():
                    raise IndexError(f"actor {int(who[bad][0])} out of bounds for {n} actors")
            a, b = (np.where(refusal & (who < 0), who + n, who) for who in (a, b))
        # A half that can apply has its actors in range (its check says so); any other (never applied) is given
        # cells in range too, and a domestic move its mover's.
        a = np.where((a >= 0) & (a < n), a, 0)
        b = np.where(targeted & (b >= 0) & (b < n), b, a)
        action = np.where(refusal, _REFUSAL, x)
        rows = action * n + a
        per_run_rows = (len(CATALOGUE) + 1) * n
        if coefficients.shape[0] > per_run_rows:  # one table per run
            rows += r * per_run_rows
        floats = np.take(coefficients, rows, axis=0)
        first, rb = r * n * n, r * n + b  # cells (r, 0, 0) and (r, b)
        ab, ba = (r * n + a) * n + b, rb * n + a
        signs = _agreement_sector(setup, x, sector)
        s0 = np.maximum(signs, 0)
        ints = np.stack([a, b, ab, ba, rb, ab * n_sectors + s0, ba * n_sectors + s0, first + a, rb * n + b], axis=1)
        effects = np.take(_EFFECTS, action, axis=0) & targeted[:, None]
        effects[:, _E_AGREEMENT] = targeted & (signs >= 0)
        flags = np.concatenate(
            [effects, np.stack([domestic, targeted, targeted & (floats[:, _F_DELTA] == 0)], axis=1)], axis=1
        )
        at = np.searchsorted(members, bounds)
        present = np.zeros((bounds.size - 1, flags.shape[1]), dtype=bool)
        full = at[:-1] < at[1:]
        if members.size:  # each level with members: its segment ends where the next such level's starts
            present[full] = np.logical_or.reduceat(flags, at[:-1][full], axis=0)
        zero = np.asarray(setup.dynamics.gratitude) * 0.0
        side = alignment.shape[-1]
        return cls(
            members - bounds[level[members]], at.tolist(), (np.diff(at) == np.diff(bounds)).tolist(), r, a, x,
            domestic, targeted, ints, floats, effects,
            alignment.reshape(-1), np.ascontiguousarray(alignment.mT).reshape(-1, side), np.arange(n) * n,
            present.tolist(),
            bool(np.all(zero == 0.0) and not np.any(np.signbit(zero))), np.arange(r.size),
        )  # fmt: skip

    def apply(self, f: _Flat, setup: ModelSetup, go: np.ndarray, level: int) -> None:
        """Apply the halves of ``level`` where ``go`` (over the level's moves): they touch different cells (the
        level rule), so each array is gathered once, changed where an effect applies and written back whole."""
        lo, hi = self.bounds[level], self.bounds[level + 1]
        if lo == hi:
            return
        has = self.present[level]
        if not self.whole[level]:
            go = go[self.local[lo:hi]]
        if has[_P_DOMESTIC]:
            d = lo + (go & self.domestic[lo:hi]).nonzero()[0]
            if d.size:
                _apply_domestic(f, setup, self.r[d], self.a[d], self.x[d])
        if not has[_P_TARGETED]:
            return
        t = lo + (go & self.targeted[lo:hi]).nonzero()[0]  # (methods: numpy's function wrappers cost more here)
        if t.size == 0:
            return
        # Rows of the tables (a copy each); each column a view.
        iv, fv, ev = self.ints.take(t, axis=0).T, self.floats.take(t, axis=0).T, self.effects.take(t, axis=0).T
        ab, ba, rb = iv[_AB], iv[_BA], iv[_RB]
        # The core's apply_move: each effect where a half has it (elsewhere the cell keeps its value).
        for e, array, coefficient in (
            (_E_TARIFF, f.tariff, _F_TARIFF), (_E_SANCTION, f.sanctions, _F_SANCTION),
            (_E_PRESSURE, f.pressure, _F_PRESSURE),
        ):  # fmt: skip
            if has[e]:
                cell, on = array[ab], ev[e]
                np.add(cell, fv[coefficient], out=cell, where=on)
                clip(cell, 0.0, 1.0, out=cell, where=on)
                array[ab] = cell
        transfer = None
        if has[_E_RELIEF]:
            on = ev[_E_RELIEF]
            debt = f.debt[ba]
            relief = debt * fv[_F_RELIEF]
            np.subtract(debt, relief, out=debt, where=on)
            f.debt[ba] = debt
            transfer = np.zeros(t.size)
            np.add(transfer, relief, out=transfer, where=on)
        if has[_E_AID]:
            on = ev[_E_AID]
            gdp = f.gdp[rb]
            # A cut never leaves a GDP below the floor.
            np.copyto(gdp, np.maximum(gdp + fv[_F_AID], GDP_FLOOR), where=on)
            f.gdp[rb] = gdp
            if transfer is None:
                transfer = np.zeros(t.size)
            np.add(transfer, fv[_F_AID], out=transfer, where=on)
        if has[_E_AGREEMENT]:
            on = ev[_E_AGREEMENT]
            for cell in (iv[_SAB], iv[_SBA]):
                f.agreements[cell] = f.agreements[cell] | on
        params = setup.dynamics
        gratitude: float | np.ndarray = 0.0
        if transfer is not None or not self.zero_gratitude:
            gdp_j = f.gdp[rb]
            positive = gdp_j > 0
            grateful = _of_runs(params.gratitude, self.r[t]) * (np.zeros(t.size) if transfer is None else transfer)
            gratitude = np.where(positive, grateful / np.where(positive, gdp_j, 1.0), 0.0)
            if not self.zero_gratitude and has[_E_REFUSAL]:
                gratitude = np.where(ev[_E_REFUSAL], 0.0, gratitude)  # a refusal transfers nothing
        # The core's change_regard, for the halves that change regard (a zero Goldstein weight and no gratitude
        # change only the memory).
        iv_on, fv_on, g = iv, fv, gratitude
        if has[_P_ZERO_DELTA]:
            on = (fv[_F_DELTA] != 0) | (np.asarray(gratitude) != 0)
            if not on.all():
                iv_on, fv_on = iv[:, on], fv[:, on]
                g = gratitude[on] if isinstance(gratitude, np.ndarray) else gratitude
        if iv_on.shape[1]:
            a, b, ab_on, ba_on = iv_on[_A], iv_on[_B], iv_on[_AB], iv_on[_BA]
            spill = fv_on[_F_SPILL]
            columns = iv_on[_COLUMN_A][:, None] + self.steps  # relations[r, :, a]
            column = f.relations[columns]
            column += spill[:, None] * self.columns.take(iv_on[_RB], axis=0)  # alignment[r, :, b]
            rows = self.places[: a.size]
            column[rows, a] = 0.0
            column[rows, b] += fv_on[_F_DELTA] + g - spill * self.alignment[iv_on[_BB]]
            clip(column, -1.0, 1.0, out=column)
            f.relations[columns] = column
            f.relations[ab_on] = clip(f.relations[ab_on] + fv_on[_F_RECIPROCAL], -1.0, 1.0)
            f.base[ba_on] = clip(f.base[ba_on] + fv_on[_F_LASTING] + g, -1.0, 1.0)
            f.base[ab_on] = clip(f.base[ab_on] + fv_on[_F_RECIPROCAL_LASTING], -1.0, 1.0)
        f.memory[ba] = clip(f.memory[ba] + fv[_F_MEMORY], -1.0, 1.0)


def _stable_order(key: np.ndarray, top: int) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` of non-negative keys below ``top``: the same order, sorted as 16-bit
    integers when they fit (numpy radix-sorts those, several times faster than a merge sort of 64-bit ones)."""
    return np.argsort(key.astype(np.int16) if top <= np.iinfo(np.int16).max else key, kind="stable")


def _levels(runs: int, n: int, r: np.ndarray, p: np.ndarray, a: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(K,) the level of each move (run r, place p in its run's order; actors a and b; d: reads every actor's
    stance): 0 for a run's first move, else one above the latest earlier move of its run that shares an actor
    with it, or that also reads or writes the stances (domestic moves).

    Two moves of a run that share no actor read and write disjoint cells (the cells of a move i -> j lie in
    the rows and columns of i and j: regard columns, pair cells, each actor's GDP, threat and stance), so the
    moves of one level can be resolved at once and still see what the Mesa model's move-by-move resolution
    shows them: every earlier move they depend on sits in a lower level.
    """
    width, stride = int(p.max()) + 1, n + 2
    # The latest level touching each actor of each run, flat (runs, n + 2): column n stands for the stances,
    # column n + 1 for the actors of an empty slot. Each slot's two actors as cells of it, slot by slot.
    latest = np.full(runs * stride, -1)
    starts = np.arange(runs) * stride
    cells = np.full((2, width, runs), n + 1)
    cells[0, p, r], cells[1, p, r] = a, b
    cells += starts
    stances = starts + n
    domestic = np.zeros((width, runs), dtype=bool)
    domestic[p, r] = d
    level = np.empty((width, runs), dtype=np.int64)
    for q, any_domestic in enumerate(domestic.any(axis=1).tolist()):
        x, y = cells[0, q], cells[1, q]
        lq = np.maximum(latest[x], latest[y])
        if any_domestic:
            lq = np.where(domestic[q], np.maximum(lq, latest[stances]), lq)
        lq += 1
        latest[x] = lq
        latest[y] = lq
        if any_domestic:
            latest[stances] = np.where(domestic[q], lq, latest[stances])
        level[q] = lq
    return level[p, r]


def resolve_moves(
    w: WorldBatch, base: BaselineBatch, setup: ModelSetup, alignment: np.ndarray, moves: MoveBatch, order: np.ndarray
) -> bool:
    """Resolve every run's moves in its keyed order (the core's ``_resolve``); True if a domestic move applied.

    The moves are resolved level by level (:func:`_levels`): a level holds moves of many runs, and of one run
    only moves that touch different actors, so each write touches its own cells and every move sees the
    state the Mesa model's order shows it. With few actors a level is about a place in the order; with many,
    a level holds several of a run's moves and the round takes fewer, larger steps.
    """
    runs, _ = moves.valid.shape
    n = w.n_actors
    r_all, p_all = np.nonzero(np.take_along_axis(moves.valid, order, axis=1))  # by run, then place in order
    if r_all.size == 0:
        return False
    c_all = order[r_all, p_all]
    i_all, k_all, j_all = moves.actor[r_all, c_all], moves.kind[r_all, c_all], moves.target[r_all, c_all]
    ask_all = moves.ask[r_all, c_all]
    grants_all = _GRANTS[k_all]
    other = np.where((j_all >= 0) & (j_all < n), j_all, i_all)
    stances = (
        _DOMESTIC[k_all] | ((ask_all >= 0) & _DOMESTIC[np.maximum(ask_all, 0)])
        | ((grants_all >= 0) & _DOMESTIC[np.maximum(grants_all, 0)])
    )  # fmt: skip
    level = _levels(runs, n, r_all, p_all, i_all, other, stances)
    by_level = _stable_order(level, int(level.max()) + 1)
    level = level[by_level]
    levels = int(level[-1]) + 1
    bounds = np.searchsorted(level, np.arange(levels + 1))
    # Every move's parts that do not depend on the state, in level order: each level is a slice [lo, hi).
    r, c, i, k, j, ask, grants = (x[by_level] for x in (r_all, c_all, i_all, k_all, j_all, ask_all, grants_all))
    s = moves.sector[r, c]
    none = np.full(r.size, -1)
    asked = np.maximum(ask, 0)
    refused = moves.answered[r, c] & ~moves.accepted[r, c]
    appeal = refused & (grants >= 0)  # a refused request: its appeal still applies
    request = ~refused & (grants >= 0)
    offer = ~refused & (grants < 0) & (ask >= 0)
    plain = ~refused & (grants < 0) & (ask < 0)
    acts = appeal | request | plain  # applied in phase 1 when allowed (an offer: its asked half, when both are)
    # Whether each move is allowed, with what an offer asks (j gives i) or what a request asks to be granted (j
    # grants it to i; see _GRANT_EARLY), as one check per level: level L's moves at [lo + at[L], hi + at[L]),
    # then the second checks of its moves that have one (the ``twice``, at [hi + at[L], hi + at[L + 1])).
    twice = np.flatnonzero(offer | request) if _GRANT_EARLY else np.flatnonzero(offer)
    at = np.searchsorted(twice, bounds)
    own = np.arange(r.size) + at[level]
    half = bounds[level[twice] + 1] + np.arange(twice.size)
    second = np.where(offer, asked, grants)[twice]
    both = [np.empty(r.size + twice.size, dtype=np.int64) for _ in range(6)]
    for x, mine, theirs in zip(both, (r, i, k, j, s, level), (r, j, second, i, none, level), strict=True):
        x[own] = mine
        x[half] = theirs if theirs is second else theirs[twice]
    checks = _Checks.of(w, setup, both[0], both[1], both[2], both[3], both[4], both[5], levels)
    twice_at = twice - bounds[level[twice]]  # their places within their levels
    grant_checks = None if _GRANT_EARLY else _Checks.of(w, setup, r, j, np.maximum(grants, 0), i, none, level, levels)
    # Phase 1 applies the move itself, or for an offer its asked half (j gives i what i asks); phase 2 a
    # granted request (j grants it to i), an offer's own half (i gives to j), or a refusal (j rejects i).
    nothing = np.zeros(r.size, dtype=bool)
    coefficients = _coefficients(setup)
    first = _Halves.of(
        w, setup, alignment, r, np.where(offer, j, i), np.where(offer, asked, k), np.where(offer, i, j),
        np.where(offer, -1, s), nothing, level, bounds, coefficients,
    )  # fmt: skip
    answer = request | refused
    then = _Halves.of(
        w, setup, alignment, r, np.where(answer, j, i), np.where(request, grants, np.where(offer, k, _PASS)),
        np.where(answer, i, j), np.where(offer, s, -1), refused, level, bounds, coefficients,
    )  # fmt: skip
    f = _Flat.of(w, base)
    applied = np.zeros(r.size, dtype=bool)
    starts = at.tolist()
    for lv, (lo, hi) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
        checked = checks.hold(f, lv, lo + starts[lv], hi + starts[lv + 1])
        ok = checked[: hi - lo]
        if starts[lv] < starts[lv + 1]:
            second_ok = np.zeros(hi - lo, dtype=bool)
            second_ok[twice_at[starts[lv] : starts[lv + 1]]] = checked[hi - lo :]
            both_ok = ok & second_ok
            ask_ok = offer[lo:hi] & both_ok
            first.apply(f, setup, (acts[lo:hi] & ok) | ask_ok, lv)
        else:  # no offer (nor, checked early, request) in the level
            both_ok = ask_ok = nothing[: hi - lo]
            first.apply(f, setup, acts[lo:hi] & ok, lv)
        if grant_checks is None:
            granted = request[lo:hi] & both_ok
        else:
            asking = request[lo:hi] & ok
            granted = asking & grant_checks.hold(f, lv, lo, hi) if asking.any() else asking
        # A refusal, a granted request and an offer's own half are never the same move, and two moves of a
        # run in one level touch different actors: one step applies them all.
        then.apply(f, setup, granted | ask_ok | refused[lo:hi], lv)
        applied[lo:hi] = granted | ask_ok | (plain[lo:hi] & ok)
    f.close()
    moves.applied[r, c] = applied
    return bool((applied & _DOMESTIC[k]).any())
