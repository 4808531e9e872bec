"""Property tests of the numeric core: bounds, finiteness and symmetry after any sequence of moves."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core import CATALOGUE, AlignmentModel
from sim.core.actions import apply_move, move_allowed
from sim.core.dynamics import Baseline, advance
from sim.core.scoring import alignment, bloc_tilt, hedging_index, policy_affinity
from sim.core.streams import Dice
from sim.scenario import build_setup
from tests.synthetic import synthetic_scenario

ACTION_IDS = [a.id for a in CATALOGUE]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_scores(world, setup) -> None:  # type: ignore[no-untyped-def]
    A = alignment(world, setup.scoring.weights)
    assert np.all(np.isfinite(A))
    assert A.min() >= -1.0 and A.max() <= 1.0
    assert np.allclose(A, A.T)
    h = hedging_index(A, setup.scoring.powers)
    assert np.all((h >= 0.0) & (h <= 1.0 + 1e-12))
    t = bloc_tilt(A, setup.scoring.bloc_a, setup.scoring.bloc_b)
    assert np.all(np.abs(t) <= 2.0 + 1e-12)


@SETTINGS
@given(
    n=st.integers(min_value=2, max_value=9),
    scenario_seed=st.integers(min_value=0, max_value=10_000),
    moves=st.lists(
        st.tuples(
            st.integers(0, 8),
            st.sampled_from(ACTION_IDS),
            st.integers(0, 8),
            st.integers(0, 9),
            st.floats(0.0, 10.0),
            st.booleans(),
        ),
        max_size=40,
    ),
)
def test_any_sequence_of_moves_keeps_every_array_in_range(n, scenario_seed, moves) -> None:  # type: ignore[no-untyped-def]
    setup = build_setup(synthetic_scenario(n, scenario_seed))
    world = setup.world.copy()
    base = Baseline.of(world, setup.trade_sectors, setup.baseline_relations)
    rng = np.random.default_rng(scenario_seed)
    for actor, action_id, target, sector, magnitude, then_advance in moves:
        i, j = actor % n, target % n
        if move_allowed(world, i, action_id, j, sector, setup.sectors):
            A = alignment(world, setup.scoring.weights)
            apply_move(world, i, action_id, j, sector, magnitude, A, setup.dynamics, setup.sectors, base.relations)
        if then_advance:
            advance(world, base, setup.dynamics, setup.base_growth, setup.trade_sectors, Dice.of(rng))
        assert world.check() == []
        assert np.all(np.abs(base.relations) <= 1.0)
    _check_scores(world, setup)


@SETTINGS
@given(n=st.integers(min_value=2, max_value=8), scenario_seed=st.integers(0, 10_000), seed=st.integers(0, 2**32 - 1))
def test_whole_runs_of_random_scenarios_stay_sound(n, scenario_seed, seed) -> None:  # type: ignore[no-untyped-def]
    setup = build_setup(synthetic_scenario(n, scenario_seed, rounds=6))
    model = AlignmentModel(setup, rng=seed, collect=False)
    model.run()
    assert len(model.history) == 7
    for record in model.history:
        assert record.world.check() == []
        assert np.all(np.isfinite(record.utility))
        assert np.allclose(record.alignment, record.alignment.T)
        assert np.all(np.abs(record.alignment) <= 1.0)


@settings(max_examples=100, deadline=None)
@given(
    positions=st.lists(st.floats(-1, 1), min_size=3, max_size=3),
    other=st.lists(st.floats(-1, 1), min_size=3, max_size=3),
    salience=st.lists(st.floats(0.01, 1), min_size=3, max_size=3),
)
def test_identical_positions_give_policy_affinity_one(positions, other, salience) -> None:  # type: ignore[no-untyped-def]
    x = np.array([positions, positions, other])
    s = np.array(salience) / np.sum(salience)
    P = policy_affinity(x, np.array([s, s[::-1], s]))
    assert P[0, 1] == 1.0 and P[1, 0] == 1.0
    assert np.allclose(P, P.T)
    assert np.all((P >= 0.0) & (P <= 1.0))


def test_affinity_is_zero_for_opposite_extremes() -> None:
    x = np.array([[1.0, 1.0], [-1.0, -1.0]])
    s = np.array([[0.5, 0.5], [0.5, 0.5]])
    assert policy_affinity(x, s)[0, 1] == 0.0


@SETTINGS
@given(
    n=st.integers(min_value=2, max_value=9),
    seed=st.integers(min_value=0, max_value=10_000),
    runs=st.sampled_from([None, 3]),
)
def test_the_indices_together_are_each_index_bit_for_bit(n, seed, runs) -> None:  # type: ignore[no-untyped-def]
    from sim.core.scoring import IndexPlan

    rng = np.random.default_rng(seed)
    powers = tuple(sorted(rng.choice(n, int(rng.integers(1, n + 1)), replace=False).tolist()))
    bloc_a = tuple(rng.choice(n, int(rng.integers(0, n)), replace=False).tolist())
    bloc_b = tuple(rng.choice(n, int(rng.integers(0, n)), replace=False).tolist())
    plan = IndexPlan.of(n, powers, bloc_a, bloc_b)
    A = rng.uniform(-1.0, 1.0, (runs or 1, n, n))
    A[rng.random(A.shape) < 0.3] = 0.0
    A = (A + A.transpose(0, 2, 1)) / 2.0
    A[:, np.arange(n), np.arange(n)] = 0.0
    A = A if runs else A[0]
    hedging, tilt, primary, kuik = plan.indices(A)
    assert np.array_equal(hedging, plan.hedging(A)) and np.array_equal(tilt, plan.tilt(A))
    assert np.array_equal(primary, plan.primary(A))
    alone = plan.kuik(A)
    for a, b in (
        (kuik.hedging, alone.hedging),
        (kuik.return_max, alone.return_max),
        (kuik.risk_contingency, alone.risk_contingency),
    ):
        assert np.array_equal(a, b)


def test_the_snapshot_the_model_keeps_is_a_snapshot_made_afresh(base_setup) -> None:  # type: ignore[no-untyped-def]
    # The model's snapshot reads the trade barrier factor advance returns and the stance terms it keeps
    # while positions stay (pricing.Stances): the same numbers as a snapshot of the world alone, and the
    # same prices.
    from dataclasses import fields

    from sim.core.utility import CandidateTable, price_candidates, round_context

    m = AlignmentModel(base_setup, rng=7, collect=False)
    remade = 0
    while not m.finished:
        before = m.affinity
        m.step()
        remade += m.affinity is not before
        kept, fresh = m._ctx, round_context(m.world, m.base, m.setup, m.affinity)
        assert kept is not None and kept.stances is not None and fresh.stances is None
        for name in ("alignment", "clip_free", "partner", "distance", "trade_eq", "trade_eq_total", "compatibility"):
            assert np.array_equal(getattr(kept, name), getattr(fresh, name)), name
        assert np.array_equal(kept.rivalry, fresh.rivalry)
        a = price_candidates(kept, m.setup, m.policy.interests, m.policy.tau)
        b = price_candidates(fresh, m.setup, m.policy.interests, m.policy.tau)
        for f in fields(CandidateTable):
            assert np.array_equal(getattr(a, f.name), getattr(b, f.name)), f.name
    assert remade > 0  # a domestic move changed positions: the kept terms were made again
