"""The bloc partition (landscape theory): valid labels, equivariance, planted blocs found, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.core.blocs import EXACT_UP_TO, Partition, all_partitions, energy, normalise, pair_weights, partition


@st.composite
def alignments(draw: st.DrawFn, min_n: int = 1, max_n: int = 7) -> np.ndarray:
    n = draw(st.integers(min_n, max_n))
    values = draw(st.lists(st.floats(-1, 1, allow_nan=False), min_size=n * n, max_size=n * n))
    A = np.asarray(values).reshape(n, n)
    A = (A + A.T) / 2
    np.fill_diagonal(A, 0.0)
    return A


@st.composite
def sizes_for(draw: st.DrawFn, n: int) -> np.ndarray:
    return np.asarray(draw(st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n)))


def cliques(members: list[int], inside: float = 0.8, across: float = -0.5) -> np.ndarray:
    """Alignment of planted blocs: ``members[i]`` is actor i's bloc."""
    m = np.asarray(members)
    A = np.where(m[:, None] == m[None, :], inside, across)
    np.fill_diagonal(A, 0.0)
    return A


def no_single_move_lowers_energy(W: np.ndarray, labels: tuple[int, ...]) -> bool:
    n, k = len(labels), max(labels) + 1
    base = energy(W, labels)
    for i in range(n):
        for target in range(k + 1):
            moved = list(labels)
            moved[i] = target
            if energy(W, moved) < base - 1e-9:
                return False
    return True


@given(alignments(max_n=12))
@settings(max_examples=80, deadline=None)
def test_labels_are_normalised_bloc_numbers_and_energy_matches(A: np.ndarray) -> None:
    p = partition(A)
    n = A.shape[0]
    assert isinstance(p, Partition)
    assert len(p.labels) == n
    assert p.labels == normalise(p.labels)
    assert set(p.labels) == set(range(p.k))
    assert p.energy == pytest.approx(energy(pair_weights(A), p.labels), abs=1e-12)
    assert sorted(i for members in p.members() for i in members) == list(range(n))


@given(alignments(max_n=EXACT_UP_TO))
@settings(max_examples=60, deadline=None)
def test_exact_search_finds_the_lowest_energy_of_every_partition(A: np.ndarray) -> None:
    W = pair_weights(A)
    n = A.shape[0]
    everything = [energy(W, row) for row in all_partitions(n)]
    # Energies within the search's tie tolerance (a relative 1e-9 of the total weight) count as equal.
    tolerance = 1e-9 * max(float(abs(W).sum()), 1e-300) + 1e-12
    assert partition(A).energy <= min(everything) + tolerance


@given(alignments(min_n=2, max_n=12))
@settings(max_examples=60, deadline=None)
def test_no_actor_can_lower_the_frustration_by_changing_sides(A: np.ndarray) -> None:
    """Axelrod & Bennett's stability: the predicted configuration is a local minimum of the landscape."""
    p = partition(A)
    assert no_single_move_lowers_energy(pair_weights(A), p.labels)


@given(alignments(min_n=2, max_n=7), st.randoms(use_true_random=False))
@settings(max_examples=80, deadline=None)
def test_relabelling_the_actors_permutes_the_blocs(A: np.ndarray, rnd) -> None:  # type: ignore[no-untyped-def]
    n = A.shape[0]
    W = pair_weights(A)
    energies = np.sort([energy(W, row) for row in all_partitions(n)])
    assume(energies[1] - energies[0] > 1e-6)  # a unique optimum (ties have no natural order to preserve)
    order = list(range(n))
    rnd.shuffle(order)
    perm = np.asarray(order)
    original = partition(A).labels
    permuted = partition(A[np.ix_(perm, perm)]).labels  # permuted actor i is original actor perm[i]
    assert permuted == normalise([original[j] for j in perm])


@given(st.integers(1, 10), st.integers(1, 10), st.randoms(use_true_random=False), st.booleans())
@settings(max_examples=60, deadline=None)
def test_two_opposed_cliques_give_two_blocs_with_the_right_members(a: int, b: int, rnd, weighted: bool) -> None:  # type: ignore[no-untyped-def]
    members = [0] * a + [1] * b
    rnd.shuffle(members)
    A = cliques(members)
    sizes = np.asarray([rnd.uniform(0.01, 1.0) for _ in members]) if weighted else None
    p = partition(A, sizes)
    assert p.k == 2
    assert p.labels == normalise(members)


@given(st.lists(st.integers(0, 3), min_size=4, max_size=18))
@settings(max_examples=40, deadline=None)
def test_planted_blocs_are_recovered_by_exact_and_local_search_alike(members: list[int]) -> None:
    A = cliques(members, inside=0.6, across=-0.4)
    expected = normalise(members)
    assert partition(A).labels == expected
    assert partition(A, exact_up_to=0).labels == expected


@given(st.integers(1, 20), st.data())
@settings(max_examples=40, deadline=None)
def test_all_positive_alignment_is_one_bloc(n: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.floats(0.01, 1.0), min_size=n * n, max_size=n * n))
    A = np.asarray(values).reshape(n, n)
    p = partition(A)
    assert p.k == 1 and p.labels == (0,) * n and p.energy == 0.0


def test_all_negative_alignment_puts_every_actor_alone() -> None:
    A = np.full((5, 5), -0.3)
    assert partition(A).labels == (0, 1, 2, 3, 4)


def test_an_actor_indifferent_to_everyone_joins_rather_than_opening_a_bloc() -> None:
    A = cliques([0, 0, 1, 1, 2])
    A[4, :] = A[:, 4] = 0.0
    assert partition(A).labels == (0, 0, 1, 1, 0)  # ties go to fewer blocs, then to the smallest labels


def test_size_decides_a_torn_actor_side() -> None:
    """Actor 2 likes 0 and dislikes 1 equally in alignment; it sides with whichever is bigger."""
    A = np.array([[0.0, -0.9, 0.5], [-0.9, 0.0, 0.5], [0.5, 0.5, 0.0]])
    assert partition(A, np.array([1.0, 0.2, 0.1])).labels == (0, 1, 0)
    assert partition(A, np.array([0.2, 1.0, 0.1])).labels == (0, 1, 1)


@given(alignments(min_n=1, max_n=16))
@settings(max_examples=30, deadline=None)
def test_same_matrix_same_partition(A: np.ndarray) -> None:
    assert partition(A) == partition(A.copy()) == partition(A.T)


def test_partition_of_nobody_is_empty() -> None:
    assert partition(np.zeros((0, 0))) == Partition((), 0, 0.0)


@pytest.mark.parametrize(
    ("A", "sizes"),
    [(np.zeros((2, 3)), None), (np.array([[0.0, np.nan], [np.nan, 0.0]]), None), (np.zeros((2, 2)), [1.0, 0.0])],
)
def test_bad_inputs_are_refused(A: np.ndarray, sizes: list[float] | None) -> None:
    with pytest.raises(ValueError):
        partition(A, None if sizes is None else np.asarray(sizes))


def test_bell_numbers() -> None:
    assert [len(all_partitions(n)) for n in range(1, 9)] == [1, 2, 5, 15, 52, 203, 877, 4140]


def _local_search_reference(W: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The local search as first written (labels.max() and the bloc sizes recomputed for every actor): what
    the faster form, which counts the blocs' members as actors move, must reproduce label for label."""
    from sim.core.blocs import _merge_pair, _tolerance

    labels = np.asarray(normalise(start), dtype=np.int64)
    tol = _tolerance(W)
    improved = True
    while improved:
        improved = False
        for i in range(W.shape[0]):
            k = int(labels.max()) + 1
            pull = np.bincount(labels, weights=W[i], minlength=k)
            here = labels[i]
            alone = bool(np.sum(labels == here) == 1)
            gains = np.append(pull, 0.0 if not alone else -np.inf)
            target = int(np.argmax(gains))
            if gains[target] > pull[here] + tol:
                labels[i] = target
                improved = True
        if not improved:
            labels, improved = _merge_pair(W, labels, tol)  # the merges, unchanged
    return labels


@settings(max_examples=60, deadline=None)
@given(n=st.integers(10, 18), data=st.data(), ties=st.booleans())
def test_the_local_search_gives_the_labels_of_its_first_form_from_every_start(
    n: int, data: st.DataObject, ties: bool
) -> None:
    from sim.core.blocs import _local_search, _starts

    # Coarse values (-1, -0.5, 0, 0.5, 1) make exact ties and zero pulls, where argmax's order decides.
    element = st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]) if ties else st.floats(-1, 1, allow_nan=False)
    A = np.asarray(data.draw(st.lists(element, min_size=n * n, max_size=n * n))).reshape(n, n)
    W = pair_weights((A + A.T) / 2, None if ties else np.linspace(0.2, 1.0, n))
    starts = [*_starts(W), np.asarray(data.draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n)))]
    for start in starts:
        assert np.array_equal(_local_search(W, start), _local_search_reference(W, start))
