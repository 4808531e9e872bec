"""Who ends up with whom: the partition of actors into blocs that best fits an alignment matrix.

Method: Axelrod & Bennett's landscape theory of aggregation (R. Axelrod and D. S. Bennett, "A landscape
theory of aggregation", British Journal of Political Science 23(2), 1993, 211-233). Each actor i has a
size s_i and each pair a propensity p_ij to be together; a configuration (a partition into blocs) has the
energy (frustration)

    E = sum over pairs i < j in *different* blocs of s_i * s_j * p_ij

and the configurations that are stable are those no single actor can lower by changing sides; the
predicted one is the minimum. Here the propensity is the alignment A_ij (-1..1) and the size the actor's
capability, as Axelrod & Bennett used national capability. Unlike their two-coalition application, the
number of blocs k is not fixed: every partition of the actors is allowed (k = 1..N), so k is found from
the data. Minimising E over all partitions is the same as maximising the size-weighted alignment inside
blocs, i.e. correlation clustering of the signed graph (Bansal, Blum & Chawla, "Correlation
clustering", Machine Learning 56, 2004) in the spirit of Doreian & Mrvar's structural-balance
partitioning ("A partitioning approach to structural balance", Social Networks 18, 1996): positively
aligned actors are pulled together, negatively aligned ones pushed apart, and an actor with zero
alignment to the rest adds nothing either way.

Search: exhaustive over every set partition up to EXACT_UP_TO actors (Bell(9) = 21,147 partitions,
~15 ms vectorised; 6 actors ~0.1 ms); above that, a deterministic local search (single-actor moves to another bloc or a
bloc of its own, then bloc merges, until neither lowers E) from several deterministic starts (all
apart, all together, greedy agglomeration, the sign split of the leading eigenvector, and each actor's
friends against the rest); the lowest energy found wins. Ties (energies within a relative 1e-9) go to
fewer blocs, then to the lexicographically smallest labels, so the result is deterministic. Measured:
17 actors ~30 ms; on 1,200 random matrices of 6-9 actors the local search reached the exact optimum in
all but 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXACT_UP_TO = 9  # Bell(9) = 21,147 partitions: ~15 ms exhaustive; Bell(10) = 115,975 would take ~5x that
MIN_SIZE = 1e-6  # floor on sizes, so an actor with capability 0 still has a side (its own gains decide it)
_TIE = 1e-9  # relative tolerance under which two energies count as equal


@dataclass(frozen=True, slots=True)
class Partition:
    """Blocs of actors: labels normalised by first appearance (bloc 0 holds actor 0), k blocs, energy."""

    labels: tuple[int, ...]
    k: int
    energy: float  # sum over pairs in different blocs of s_i s_j A_ij (lower = better fit)

    def members(self) -> list[list[int]]:
        """Actor indices of each bloc, blocs in label order, actors in index order."""
        return [[i for i, b in enumerate(self.labels) if b == c] for c in range(self.k)]

    def bloc_of(self, actor: int) -> list[int]:
        """The actors in the same bloc as ``actor`` (itself included), in index order."""
        return [i for i, b in enumerate(self.labels) if b == self.labels[actor]]


def normalise(labels: np.ndarray | list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """Relabel blocs in order of first appearance: bloc 0 holds actor 0, bloc 1 the first actor not in 0..."""
    seen: dict[int, int] = {}
    return tuple(seen.setdefault(int(x), len(seen)) for x in labels)


def pair_weights(alignment: np.ndarray, sizes: np.ndarray | None = None) -> np.ndarray:
    """W = s_i s_j A_ij, symmetrised, zero diagonal (validates the inputs)."""
    A = np.asarray(alignment, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"alignment must be a square matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("alignment must be finite")
    n = A.shape[0]
    s = np.ones(n) if sizes is None else np.asarray(sizes, dtype=np.float64)
    if s.shape != (n,) or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError("sizes must be N positive finite numbers")
    W = (A + A.T) / 2.0 * np.outer(s, s)
    np.fill_diagonal(W, 0.0)
    return W


def energy(W: np.ndarray, labels: np.ndarray | tuple[int, ...]) -> float:
    """Frustration of a partition: the weight of the pairs it puts in different blocs."""
    lab = np.asarray(labels)
    apart = lab[:, None] != lab[None, :]
    return float(np.triu(W * apart, 1).sum())


def partition(alignment: np.ndarray, sizes: np.ndarray | None = None, *, exact_up_to: int = EXACT_UP_TO) -> Partition:
    """The minimum-frustration partition of the actors (landscape theory, k found from the data).

    ``alignment`` is N x N in -1..1 (symmetrised here, diagonal ignored); ``sizes`` are positive
    (default all 1). Deterministic: the same matrix gives the same partition.
    """
    W = pair_weights(alignment, sizes)
    n = W.shape[0]
    if n == 0:
        return Partition((), 0, 0.0)
    if n <= exact_up_to:
        labels = _exhaustive(W)
    else:
        starts = {normalise(start): start for start in _starts(W)}  # many starts coincide: search each once
        labels = _best(W, [_local_search(W, np.asarray(lab)) for lab in starts])
    lab = normalise(labels)
    return Partition(lab, max(lab) + 1, energy(W, lab))


def partition_by_capability(alignment: np.ndarray, capability: np.ndarray) -> Partition:
    """The partition with sizes = capability (floored at MIN_SIZE), as Axelrod & Bennett weight nations."""
    return partition(alignment, np.maximum(np.asarray(capability, dtype=np.float64), MIN_SIZE))


def _tolerance(W: np.ndarray) -> float:
    return _TIE * max(float(np.abs(W).sum()), 1e-300)


_PARTITIONS: dict[int, np.ndarray] = {}  # n -> all_partitions(n), read-only: a constant table built once


def all_partitions(n: int) -> np.ndarray:
    """Every partition of n actors as restricted growth strings, shape (Bell(n), n), int8, sorted."""
    if n not in _PARTITIONS:
        _PARTITIONS[n] = _restricted_growth_strings(n)
    return _PARTITIONS[n]


def _restricted_growth_strings(n: int) -> np.ndarray:
    rows = np.zeros((1, min(n, 1)), dtype=np.int8)
    highest = np.zeros(1, dtype=np.int8)
    for _ in range(1, n):
        counts = highest.astype(np.int64) + 2  # a new actor joins bloc 0..highest or opens highest + 1
        parent = np.repeat(np.arange(len(rows)), counts)
        offsets = np.arange(len(parent)) - np.repeat(np.cumsum(counts) - counts, counts)
        new = offsets.astype(np.int8)
        rows = np.column_stack([rows[parent], new])
        highest = np.maximum(highest[parent], new)
    rows.setflags(write=False)
    return rows


def _exhaustive(W: np.ndarray) -> np.ndarray:
    n = W.shape[0]
    P = all_partitions(n)
    iu, ju = np.triu_indices(n, 1)
    energies = (P[:, iu] != P[:, ju]).astype(np.float64) @ W[iu, ju]
    near = np.flatnonzero(energies <= energies.min() + _tolerance(W))
    k = P[near].max(axis=1)
    # rows are in lexicographic order already, so the first of the fewest-bloc ties is the smallest
    return P[near[np.argmin(k)]].astype(np.int64)


def _best(W: np.ndarray, candidates: list[np.ndarray]) -> np.ndarray:
    """Lowest energy; ties to fewer blocs, then to the smallest normalised labels."""
    scored = [(energy(W, c), normalise(c)) for c in candidates]
    low = min(e for e, _ in scored) + _tolerance(W)
    return np.asarray(min((max(lab) + 1, lab) for e, lab in scored if e <= low)[1])


def _starts(W: np.ndarray) -> list[np.ndarray]:
    n = W.shape[0]
    starts = [np.arange(n), np.zeros(n, dtype=np.int64), _agglomerate(W)]
    _, vectors = np.linalg.eigh(W)
    starts.append((vectors[:, -1] < 0).astype(np.int64))
    for i in range(n):
        friends = W[i] > 0
        friends[i] = True
        starts.append((~friends).astype(np.int64))
    return starts


def _agglomerate(W: np.ndarray) -> np.ndarray:
    """Greedy merging from singletons: join the two blocs with the largest positive weight between them."""
    n = W.shape[0]
    labels = np.arange(n)
    between = W.copy()
    active = np.ones(n, dtype=bool)
    while True:
        masked = np.where(np.outer(active, active), between, -np.inf)
        np.fill_diagonal(masked, -np.inf)
        flat = int(np.argmax(masked))
        a, b = divmod(flat, n)
        if masked[a, b] <= 0:
            return labels
        a, b = min(a, b), max(a, b)
        labels[labels == b] = a
        between[a] += between[b]
        between[:, a] += between[:, b]
        between[a, a] = 0.0
        active[b] = False


def _local_search(W: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Single-actor moves, then merges of two blocs, while either lowers the energy (strictly)."""
    labels = np.asarray(normalise(start), dtype=np.int64)
    n = W.shape[0]
    tol = _tolerance(W)
    improved = True
    while improved:
        improved = False
        # Each bloc's members, counted as actors move (k is always labels.max() + 1, sizes[b] how many hold b).
        sizes = np.bincount(labels).tolist()
        k = len(sizes)
        for i in range(n):
            here = int(labels[i])
            # pull[b] = sum of W[i, j] over j in bloc b (W[i, i] = 0), in bins 0..k-1; bin k, a bloc of its own,
            # holds no actor, so it is 0.0, or -inf where i is alone already.
            gains = np.bincount(labels, weights=W[i], minlength=k + 1)
            if sizes[here] == 1:
                gains[k] = -np.inf
            target = int(gains.argmax())  # the method: np.argmax's Python wrapper would add a third
            if gains[target] > gains[here] + tol:
                labels[i] = target  # target == k opens a new bloc; an emptied bloc stays as an unused label
                improved = True
                sizes[here] -= 1
                if target == k:
                    sizes.append(0)
                sizes[target] += 1
                while sizes[-1] == 0:  # the highest label emptied: k follows labels.max()
                    sizes.pop()
                k = len(sizes)
        if not improved:
            labels, improved = _merge_pair(W, labels, tol)
    return labels


def _merge_pair(W: np.ndarray, labels: np.ndarray, tol: float) -> tuple[np.ndarray, bool]:
    """The labels normalised, with the two blocs of the largest positive weight between them merged if it
    passes ``tol``; and whether they were."""
    labels = np.asarray(normalise(labels), dtype=np.int64)
    k = int(labels.max()) + 1
    onehot = np.eye(k)[labels]
    between = onehot.T @ W @ onehot
    np.fill_diagonal(between, -np.inf)
    a, b = np.unravel_index(int(np.argmax(between)), between.shape)
    if k > 1 and between[a, b] > tol:
        labels[labels == max(a, b)] = min(a, b)
        return np.asarray(normalise(labels), dtype=np.int64), True
    return labels, False
