"""Resolution of a round's moves for R runs: the core's apply_move, change_regard and _resolve over a runs axis.

The moves are resolved level by level (:func:`_levels`): level 0 holds every run's first move in its keyed
order, and a later move sits one level above the latest earlier move of its run that shares an actor with it.
A level holds moves of many runs, and of one run only moves that touch different actors, so every write
touches its own cells and every move sees the state the Mesa model's move-by-move order shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.core.actions import ACTION_INDEX, CATALOGUE, MEMORY_STEP, REFUSAL_GOLDSTEIN
from sim.core.preconditions import CellIndex
from sim.core.setup import ModelSetup
from sim.core.world import GDP_FLOOR, clip
from sim.vector.pricing import BaselineBatch
from sim.vector.state import WorldBatch, preconditions_read

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


@dataclass(frozen=True, slots=True)
class _Checks:
    """The core's ``move_allowed`` for a list of moves (run r, mover i, action k, target j, sector s), what does
    not depend on the state worked out once: read on the current state slice by slice (:meth:`hold`)."""

    cells: CellIndex
    kind: np.ndarray
    always: np.ndarray  # neither targeted nor domestic: allowed
    need_pre: np.ndarray  # domestic, or targeted at another actor: its precondition decides
    need_free: np.ndarray  # targeted and signs an agreement: the sector must be free too
    sector_ok: np.ndarray
    agreement: np.ndarray  # (r, i, j, sector) in the flat agreements

    @classmethod
    def of(
        cls, w: WorldBatch, setup: ModelSetup, r: np.ndarray, i: np.ndarray, k: np.ndarray, j: np.ndarray, s: np.ndarray
    ) -> _Checks:
        n, n_sectors = w.n_actors, w.agreements.shape[-1]
        domestic, targeted = _DOMESTIC[k], _TARGETED[k]
        j_ok = (j >= 0) & (j < n) & (j != i)
        jj = np.where(domestic | ~j_ok, i, j)
        sector = _agreement_sector(setup, k, s)
        return cls(
            CellIndex.of(w, setup.scoring.values_dimension, r, i, jj), k, ~domestic & ~targeted,
            domestic | (targeted & j_ok), targeted & ~domestic & _SIGNS[k], sector >= 0,
            ((r * n + i) * n + jj) * n_sectors + np.maximum(sector, 0),
        )  # fmt: skip

    def hold(self, w: WorldBatch, part: slice) -> np.ndarray:
        """(K,) whether the moves of ``part`` are allowed on the current state."""
        pre = preconditions_read(w, self.cells[part], self.kind[part])
        free = self.sector_ok[part] & ~w.agreements.reshape(-1)[self.agreement[part]]
        return self.always[part] | (self.need_pre[part] & pre & (~self.need_free[part] | free))


def change_regard(
    w: WorldBatch,
    base: BaselineBatch,
    setup: ModelSetup,
    alignment: np.ndarray,
    r: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    goldstein: np.ndarray,
    gratitude: np.ndarray,
) -> None:
    """The core's ``change_regard`` for events i -> j, one per run in r."""
    params = setup.dynamics
    delta = params.goldstein_scale * goldstein
    on = (delta != 0) | (gratitude != 0)
    every = bool(on.all())
    if every or on.any():
        rr, ii, jj, d, g = (r, i, j, delta, gratitude) if every else (r[on], i[on], j[on], delta[on], gratitude[on])
        rows = np.arange(rr.size)
        column = w.relations[rr, :, ii]  # (K, N) copies
        column += (params.spillover * d)[:, None] * alignment[rr, :, jj]
        column[rows, ii] = 0.0
        column[rows, jj] += d + g - params.spillover * d * alignment[rr, jj, jj]
        clip(column, -1.0, 1.0, out=column)
        w.relations[rr, :, ii] = column
        w.relations[rr, ii, jj] = clip(w.relations[rr, ii, jj] + params.reciprocity * d, -1.0, 1.0)
        lasting = params.lasting_share * d
        base.relations[rr, jj, ii] = clip(base.relations[rr, jj, ii] + lasting + g, -1.0, 1.0)
        base.relations[rr, ii, jj] = clip(base.relations[rr, ii, jj] + params.reciprocity * lasting, -1.0, 1.0)
    w.memory[r, j, i] = clip(w.memory[r, j, i] + MEMORY_STEP * goldstein / 10.0, -1.0, 1.0)


def _apply_domestic(
    w: WorldBatch, base: BaselineBatch, setup: ModelSetup, r: np.ndarray, i: np.ndarray, k: np.ndarray
) -> None:
    """The core's ``apply_domestic`` (crackdown) for one move per run in r."""
    params, vd = setup.dynamics, setup.scoring.values_dimension
    m = setup.action_magnitude[k, i]
    rows = np.arange(r.size)
    x = w.positions[r, :, vd]  # (K, N)
    gap = np.maximum(x - x[rows, i][:, None], 0.0) / 2.0
    gap[rows, i] = 0.0
    w.threat[r, i] = clip(w.threat[r, i] + m * _THREAT[k], 0.0, 1.0)
    w.positions[r, i, vd] = clip(w.positions[r, i, vd] + m * _STANCE[k], -1.0, 1.0)
    g = _GOLDSTEIN[k]
    delta = (params.goldstein_scale * g)[:, None] * gap
    column = clip(w.relations[r, :, i] + delta, -1.0, 1.0)
    column[rows, i] = 0.0
    w.relations[r, :, i] = column
    base.relations[r, :, i] = clip(base.relations[r, :, i] + params.lasting_share * delta, -1.0, 1.0)
    memory = clip(w.memory[r, :, i] + (MEMORY_STEP * g / 10.0)[:, None] * gap * 2.0, -1.0, 1.0)
    memory[rows, i] = 0.0
    w.memory[r, :, i] = memory


def apply_moves(
    w: WorldBatch,
    base: BaselineBatch,
    setup: ModelSetup,
    alignment: np.ndarray,
    r: np.ndarray,
    i: np.ndarray,
    k: np.ndarray,
    j: np.ndarray,
    s: np.ndarray,
) -> None:
    """The core's ``apply_move`` for one allowed, accepted move per run in r (mixed kinds)."""
    if r.size == 0:
        return
    domestic = _DOMESTIC[k]
    if domestic.any():
        _apply_domestic(w, base, setup, r[domestic], i[domestic], k[domestic])
    on = _TARGETED[k] & ~domestic & (j >= 0)
    if not on.any():
        return
    r, i, k, j, s = r[on], i[on], k[on], j[on], s[on]
    params = setup.dynamics
    m = setup.action_magnitude[k, i]
    transfer = np.zeros(r.size)
    for array, change in ((w.tariff, _TARIFF), (w.sanctions, _SANCTION), (w.pressure, _PRESSURE)):
        t = change[k] != 0
        if t.any():
            cell = (r[t], i[t], j[t])
            array[cell] = clip(array[cell] + m[t] * change[k[t]], 0.0, 1.0)
    t = _RELIEF[k] != 0
    if t.any():
        relief = w.debt[r[t], j[t], i[t]] * np.minimum(m[t] * _RELIEF[k[t]], 1.0)
        w.debt[r[t], j[t], i[t]] -= relief
        transfer[t] += relief
    t = _AID[k] != 0
    if t.any():
        # A cut never leaves a GDP below the floor.
        w.gdp[r[t], j[t]] = np.maximum(w.gdp[r[t], j[t]] + m[t] * _AID[k[t]], GDP_FLOOR)
        transfer[t] += m[t] * _AID[k[t]]
    sector = _agreement_sector(setup, k, s)
    t = sector >= 0
    if t.any():
        w.agreements[r[t], i[t], j[t], sector[t]] = True
        w.agreements[r[t], j[t], i[t], sector[t]] = True
    gdp_j = w.gdp[r, j]
    gratitude = np.where(gdp_j > 0, params.gratitude * transfer / np.where(gdp_j > 0, gdp_j, 1.0), 0.0)
    change_regard(w, base, setup, alignment, r, i, j, _GOLDSTEIN[k], gratitude)


def _levels(runs: int, n: int, r: np.ndarray, p: np.ndarray, a: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(K,) the level of each move (run r, place p in its run's order; actors a and b; d: reads every actor's
    stance): 0 for a run's first move, else one above the latest earlier move of its run that shares an actor
    with it, or that also reads or writes the stances (domestic moves).

    Two moves of a run that share no actor read and write disjoint cells (the cells of a move i -> j lie in
    the rows and columns of i and j: regard columns, pair cells, each actor's GDP, threat and stance), so the
    moves of one level can be resolved at once and still see what the Mesa model's move-by-move resolution
    shows them: every earlier move they depend on sits in a lower level.
    """
    width = int(p.max()) + 1
    first, second = np.full((runs, width), n + 1), np.full((runs, width), n + 1)  # n + 1: no move here
    domestic = np.zeros((runs, width), dtype=bool)
    first[r, p], second[r, p], domestic[r, p] = a, b, d
    last = np.full((runs, n + 2), -1)  # the latest level touching each actor; column n: the stances
    level = np.empty((runs, width), dtype=np.int64)
    rows = np.arange(runs)
    for q in range(width):
        x, y, dq = first[:, q], second[:, q], domestic[:, q]
        lq = np.maximum(last[rows, x], last[rows, y])
        lq = np.where(dq, np.maximum(lq, last[:, n]), lq) + 1
        last[rows, x] = lq
        last[rows, y] = lq
        last[:, n] = np.where(dq, lq, last[:, n])
        level[:, q] = lq
    return level[r, p]


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
    by_level = np.argsort(level, kind="stable")
    level = level[by_level]
    bounds = np.searchsorted(level, np.arange(int(level[-1]) + 2))
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
    # Whether each move is allowed and whether what an offer asks is, as one check per level: level L's moves
    # at [2 lo, lo + hi), their asked halves at [lo + hi, 2 hi).
    places = np.arange(r.size)
    own, half = places + bounds[level], places + bounds[level + 1]
    both = [np.empty(2 * r.size, dtype=np.int64) for _ in range(5)]
    for x, mine, theirs in zip(both, (r, i, k, j, s), (r, j, asked, i, none), strict=True):
        x[own], x[half] = mine, theirs
    checks = _Checks.of(w, setup, *both)
    grant_checks = _Checks.of(w, setup, r, j, np.maximum(grants, 0), i, none)
    # Phase 1 applies the move itself, or for an offer its asked half (j gives i what i asks); phase 2 a
    # granted request (j grants it to i) or an offer's own half (i gives to j).
    first = (np.where(offer, j, i), np.where(offer, asked, k), np.where(offer, i, j), np.where(offer, -1, s))
    second = (np.where(request, j, i), np.where(request, grants, k), np.where(request, i, j), np.where(request, -1, s))
    domestic = _DOMESTIC[k]
    domestic_applied = False
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        part = slice(lo, hi)
        checked = checks.hold(w, slice(2 * lo, 2 * hi))
        ok, asked_ok = checked[: hi - lo], checked[hi - lo :]
        ask_ok = offer[part] & ok & asked_ok
        p1 = lo + np.flatnonzero((acts[part] & ok) | ask_ok)
        apply_moves(w, base, setup, alignment, r[p1], *(x[p1] for x in first))
        # Phase 2: a refusal (the target rejects the proposer), a granted request, an offer's own half.
        no = lo + np.flatnonzero(refused[part])
        if no.size:
            change_regard(
                w, base, setup, alignment, r[no], j[no], i[no], np.full(no.size, REFUSAL_GOLDSTEIN), np.zeros(no.size)
            )
        asking = request[part] & ok
        granted = asking & grant_checks.hold(w, part) if asking.any() else asking
        # Never the same move, and two moves of a run in one level touch different actors: one call applies both.
        p2 = lo + np.flatnonzero(granted | ask_ok)
        apply_moves(w, base, setup, alignment, r[p2], *(x[p2] for x in second))
        applied = granted | ask_ok | (plain[part] & ok)
        moves.applied[r[part], c[part]] = applied
        domestic_applied |= bool((applied & domestic[part]).any())
    return domestic_applied
