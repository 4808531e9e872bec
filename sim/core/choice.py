"""The choice and answer rules, stated once for one run or many: choice keys, picks with blocking, acceptance.

Both engines call these functions: the Mesa model (:class:`sim.core.model.AlignmentModel`) on its round's
candidate list, one segment per actor (one run), and the vector engine (:mod:`sim.vector.engine`) on the
candidates of every (run, actor) segment at once.

- The choice rule: each candidate's key is ``gain / (tau x |best gain of its segment|) + Gumbel noise``
  (:func:`choice_keys`; greedy, the gain alone, where that temperature is not > 0). An actor's moves are
  its top keys, each pick ruling out for the rest of the round what :func:`blocks` says (:func:`pick`): the
  Gumbel top-k trick, so the picks are a Plackett-Luce sample of the softmax over gains, without replacement.
- The answer rule: a target accepts iff ``gain / T + logistic noise > 0`` (greedy: ``gain > 0``)
  (:func:`accepts`), where the gain is what the proposal is worth to the target, read from the priced table
  (:func:`accept_gain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from sim.core.actions import ACTION_INDEX, CATALOGUE, OFFER_ASKS, OFFER_GIVES, OPPOSITES, PASS
from sim.core.pricing import _OFFER_ASK_INDEX, _OFFER_GIVE_INDEX, _SECTOR_ACTION, PricedTable, offer_accept_gain_at

if TYPE_CHECKING:
    from sim.core.setup import ModelSetup

_PASS = ACTION_INDEX[PASS]
#: Catalogue index -> the index of its opposite move (-1: none).
_OPPOSITE = np.full(len(CATALOGUE), -1)
for _a, _b in OPPOSITES.items():
    _OPPOSITE[ACTION_INDEX[_a]] = ACTION_INDEX[_b]


def choice_keys(
    gain: np.ndarray, seg: np.ndarray, starts: np.ndarray, tau: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """(M,) the sort keys of a flat candidate list: ``gain / (tau x |best gain|) + noise`` (greedy: ``gain``).

    Candidates are grouped in segments (one actor of one run), segment k starting at row ``starts[k]`` and
    never empty; ``seg`` is each row's segment, ``tau`` (K,) each segment's relative temperature and
    ``noise`` (M,) the rows' Gumbel draws. A segment's temperature in utility units is tau x |its best gain|
    (x its largest |gain| when the best is 0): at tau = 0.15 a move worth 90 % of the best is drawn about
    half as often as the best. Where it is not > 0 (or not a number) the key is the gain alone.
    """
    best = np.maximum.reduceat(gain, starts)
    scale = np.abs(best)
    flat = best == 0.0  # rare: every move worth nothing or less (the pass, worth 0, is in every segment)
    if flat.any():
        scale = np.where(flat, np.maximum.reduceat(np.abs(gain), starts), scale)
    temperature = tau * scale
    warm = temperature > 0
    safe = np.where(warm, temperature, 1.0)
    keys = np.divide(gain, safe[seg])
    keys += noise  # gain / T + noise, in place
    if not warm.all():  # greedy (or not a number): the gain alone
        keys = np.where(warm[seg], keys, gain)
    return keys


def blocks(
    kind: np.ndarray,
    target: np.ndarray,
    sector: np.ndarray,
    c_kind: np.ndarray,
    c_target: np.ndarray,
    c_sector: np.ndarray,
) -> np.ndarray:
    """(K, C) what moves (kind, target, sector) rule out among candidates for the rest of the round: the
    same move, every move of the same kind on the same target unless the move names a sector, and the
    opposite move on the same target (whatever a conditional offer asks; never the pass)."""
    same = (c_kind[None, :] == kind[:, None]) & (c_target[None, :] == target[:, None])
    same &= (sector[:, None] < 0) | (c_sector[None, :] == sector[:, None])
    opposite = (c_kind[None, :] == _OPPOSITE[kind][:, None]) & (c_target[None, :] == target[:, None])
    return (same | opposite) & (c_kind != _PASS)[None, :]


@dataclass(frozen=True, slots=True)
class Universe:
    """Every candidate an actor may ever have, in the order the core's ``flatten`` lists an actor's rows:
    plain moves (action, target), agreements (target, sector), conditional offers (give, ask, target), pass;
    and the blocking table over them (:func:`blocks`: what picking each one rules out)."""

    kind: np.ndarray  # (C,) catalogue index
    target: np.ndarray  # (C,)
    sector: np.ndarray  # (C,) -1 where none
    ask: np.ndarray  # (C,) catalogue index, -1 where none
    blocks: np.ndarray  # (C, C) bool: picking candidate c rules out candidate c' for the rest of the round
    blocked_from: np.ndarray  # (C + 1,) blocks row by row as lists: row c's candidates ruled out are
    blocked: np.ndarray  # blocked[blocked_from[c]:blocked_from[c + 1]], ascending
    ruled_out: tuple[frozenset[int], ...]  # the same rows as sets (the one-run loop's lookups)
    position: dict[tuple[int, int, int, int], int]  # (kind, target, sector, ask) -> index (-1: none)

    @classmethod
    def of(cls, n: int, n_sectors: int) -> Universe:
        n_actions, x, y = len(CATALOGUE), len(OFFER_GIVES), len(OFFER_ASKS)
        a, j = np.meshgrid(np.arange(n_actions), np.arange(n), indexing="ij")
        sj, ss = np.meshgrid(np.arange(n), np.arange(n_sectors), indexing="ij")
        ox, oy, oj = np.meshgrid(np.arange(x), np.arange(y), np.arange(n), indexing="ij")
        kind = np.concatenate([a.ravel(), np.full(sj.size, _SECTOR_ACTION), _OFFER_GIVE_INDEX[ox.ravel()], [_PASS]])
        target = np.concatenate([j.ravel(), sj.ravel(), oj.ravel(), [-1]])
        sector = np.concatenate([np.full(a.size, -1), ss.ravel(), np.full(ox.size, -1), [-1]])
        ask = np.concatenate([np.full(a.size + sj.size, -1), _OFFER_ASK_INDEX[oy.ravel()], [-1]])
        ruled_out = blocks(kind, target, sector, kind, target, sector)
        rows, cols = np.nonzero(ruled_out)
        starts = np.searchsorted(rows, np.arange(kind.size + 1))
        sets = tuple(frozenset(cols[lo:hi].tolist()) for lo, hi in pairwise(starts.tolist()))
        position = {
            key: c for c, key in enumerate(zip(*(x.tolist() for x in (kind, target, sector, ask)), strict=True))
        }
        return cls(kind, target, sector, ask, ruled_out, starts, cols, sets, position)


def universe(setup: ModelSetup) -> Universe:
    """The setup's :class:`Universe` (made once per setup, for every run and engine)."""
    return setup.derived("choice universe", lambda s: Universe.of(s.n_actors, len(s.sectors)))


def exclude(
    keys: np.ndarray,
    rows: np.ndarray,
    kind: int,
    target: int,
    sector: int,
    c_kind: np.ndarray,
    c_target: np.ndarray,
    c_sector: np.ndarray,
) -> None:
    """Rule out, among candidate ``rows`` (flat indices into ``keys``; their kinds, targets and sectors given),
    what a move made before the picks rules out (:func:`blocks`): their keys become -inf."""
    ruled_out = blocks(np.array([kind]), np.array([target]), np.array([sector]), c_kind, c_target, c_sector)
    keys[rows[ruled_out[0]]] = -np.inf


def pick(
    keys: np.ndarray,
    seg: np.ndarray,
    starts: np.ndarray,
    c: np.ndarray,
    universe: Universe,
    budget: np.ndarray,
    listed: np.ndarray | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each segment's picks by Gumbel top-k with blocking: for each pick p, the segments that make one and
    the row each picks (flat indices into the candidate list).

    A segment picks its highest key (the first of equal ones: a stable sort of ``-keys``) up to ``budget``
    (K,) times, stopping at its pass; each pick rules out for the later ones what its row of the universe's
    blocking table says. ``c`` is each row's index in ``universe``, ascending within a segment; ``listed``,
    if the caller has it, is ``seg x universe size + c``. ``keys`` is changed in place: rows ruled out by a
    pick that a later pick could follow become -inf. Raises FloatingPointError on a key that is not a number.
    """
    n_candidates = universe.kind.size
    choosing = np.ones(starts.size, dtype=bool)
    counts = np.diff(starts, append=keys.size)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    rounds = int(budget.max(initial=0))
    for p in range(rounds):
        top = np.maximum.reduceat(keys, starts)
        # The first maximum of each segment: the stable argsort of -keys.
        at_top = np.flatnonzero(keys == np.repeat(top, counts))  # ascending; every segment has its maximum
        first = at_top[np.r_[True, seg[at_top[1:]] != seg[at_top[:-1]]]]
        if first.size != starts.size:  # a segment without its maximum: a NaN key
            raise FloatingPointError("a candidate move's choice key is not a number")
        picked = c[first]
        choosing &= (p < budget) & (universe.kind[picked] != _PASS)
        if not choosing.any():
            break
        who = np.flatnonzero(choosing)
        out.append((who, first[who]))
        if p == rounds - 1:  # no later pick: nothing to rule out
            break
        pc = picked[who]
        # What each pick rules out in its own segment: its row of the blocking table, looked up among the
        # segment's candidates (the same cells as testing every candidate against the table).
        if listed is None:
            listed = seg * n_candidates + c  # each row's (segment, candidate) as one ascending key
        first_blocked, count = universe.blocked_from[pc], universe.blocked_from[pc + 1] - universe.blocked_from[pc]
        ends = np.cumsum(count)
        # The blocked candidates' places in universe.blocked: first_blocked, first_blocked + 1, ... per pick.
        place = np.arange(int(ends[-1])) + np.repeat(first_blocked - (ends - count), count)
        wanted = np.repeat(who, count) * n_candidates + universe.blocked[place]
        at = np.minimum(np.searchsorted(listed, wanted), listed.size - 1)
        keys[at[listed[at] == wanted]] = -np.inf
    return out


def accepts(gain: np.ndarray, temperature: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """(K,) bool: whether each target accepts, ``gain / T + noise > 0`` with logistic ``noise`` (the softmax
    choice between accepting and refusing at the target's temperature T); greedy (T not > 0): ``gain > 0``."""
    warm = temperature > 0
    if warm.all():
        return gain / temperature + noise > 0
    safe = np.where(warm, temperature, 1.0)
    return np.where(warm, gain / safe + noise > 0, gain > 0)


def accept_gain(
    table: PricedTable,
    r: np.ndarray | None,
    i: np.ndarray,
    j: np.ndarray,
    a: np.ndarray,
    s: np.ndarray,
    ask: np.ndarray,
) -> np.ndarray:
    """(K,) what proposal (i -> j, action a, sector s or -1, asking ``ask`` or -1) in run r is worth to its
    target j (``r`` None: a one-run table without the runs axis, a CandidateTable): ``accept_gain``,
    ``sector_accept_gain`` or, for a conditional offer, what j receives plus its own net gain from what is
    asked (priced wherever the offer stands, not only where it is feasible)."""
    # Every branch read at every proposal (an index of -1 reads a last cell, left unused): fewer operations
    # than picking each branch's proposals out first.
    agreement = (a == _SECTOR_ACTION) & (s >= 0)
    run = ... if r is None else r
    gain = np.where(agreement, table.sector_accept_gain[run, i, j, s], table.accept_gain[run, a, i, j])
    return np.where(ask >= 0, offer_accept_gain_at(table, r, a, ask, i, j), gain)
