"""Runs of several sweep points in one vector batch: the same runs as each point's own batch, what may differ,
and the batch runner grouping a chunk's points into one batch."""

from __future__ import annotations

import copy
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.batch.engine import run_batch
from sim.core import ModelSetup
from sim.scenario.calibration import load_document, setup_with_overrides
from sim.scenario.overrides import copy_data
from sim.vector import VectorEngine, keys_for, largest_batch
from sim.vector.engine import BATCH_CELLS
from sim.vector.resolve import MoveBatch

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

# Overrides that change only what the engine holds per run (sim.core.setup.RUN_FIELDS): the starting state
# (sanctions, trade, GDP, regard), interests, temperatures, actions per round, dynamics and scoring weights
# (action costs: COST_POINTS).
POINTS = {
    "eba_withdrawal": [
        {},
        {"trade.cambodia.eu": 9000.0, "actors.cambodia.gdp": 30.0},
        {"actors.eu.policy.tau": 0.9, "actors.cambodia.policy.actions_per_round": 3},
        {"actors.cambodia.interests.economy": 0.9, "relations.cambodia.china": -0.2},
        {"dynamics.sanction_trade_elasticity": 1.5, "scoring.weights.trade": 0.25, "dynamics.gratitude": 3.0},
    ],
    "sanctions_escalation": [
        {"sanctions.us.russia": 0.1},
        {},
        {"actors.russia.policy.actions_per_round": 1, "actors.china.policy.tau": 0.01},
        {"dynamics.growth_taper": 0.97, "dynamics.agreement_lapse": 0.0, "dynamics.goldstein_scale": 0.04},
        {"dynamics.shock_rate": 0.5, "dynamics.threat_economy": 2.0, "scoring.weights.trade_squash": 2.0},
    ],
}
# Points differing in action costs, scenario-wide (actions.ID.cost) and per actor (actions.ID.per_actor.ACTOR.cost),
# on rows the pricing reads in each of its ways: plain and cooperative moves (cost x sanction friction), the
# sector-based agreement (the sector cost), moves given in conditional offers (the offers' flat reads), and
# one point with a dynamics parameter changed too.
COST_POINTS = {
    "medvedev_visit_2015": [
        {},
        {"actions.lift_sanctions.per_actor.eu.cost": 0.01, "actions.lift_sanctions.per_actor.us.cost": 0.0},
        {"actions.state_visit.cost": 0.0, "actions.joint_statement.cost": 0.004},
        {"actions.sign_agreement.cost": 0.03, "actions.criticise.per_actor.russia.cost": 0.0},
        {"actions.provide_aid.cost": 0.002, "actions.cancel_debt.per_actor.russia.cost": 0.005},
        {"actions.impose_sanctions.cost": 0.02, "dynamics.gratitude": 3.0},
    ],
    "sanctions_escalation": [
        {"actions.impose_sanctions.per_actor.us.cost": 0.001},
        {},
        {"actions.impose_sanctions.cost": 0.03, "actions.raise_tariffs.per_actor.china.cost": 0.0},
        {"actions.open_trade.cost": 0.0, "actions.lift_sanctions.per_actor.russia.cost": 0.05},
        {"actions.sign_agreement.per_actor.cambodia.cost": 0.0, "actions.criticise.cost": 0.004},
    ],
}
SEEDS = [3, 4, 5]


def _moves(batch: MoveBatch, r: int) -> list[tuple[int, ...]]:
    """Run r's moves as a sorted list (slot positions depend on the batch's widths, not the moves)."""
    names = ("actor", "kind", "target", "sector", "ask", "forced", "answered", "accepted", "applied")
    columns = [getattr(batch, name)[r][batch.valid[r]] for name in names]
    return sorted(zip(*(c.tolist() for c in columns), strict=True))


@pytest.mark.parametrize("name", sorted(POINTS))
def test_runs_of_several_points_in_one_batch_are_the_runs_of_each_point_alone(name: str) -> None:
    _assert_each_point_plays_as_in_its_own_batch(name, POINTS[name])


@pytest.mark.parametrize("name", sorted(COST_POINTS))
def test_points_differing_in_action_costs_play_in_one_batch_as_in_their_own(name: str) -> None:
    """The engine holds the runs' action costs as (R, A, N) and each point's runs are its own batch's, array for
    array, and the Mesa model's of the same seed."""
    from sim.core import AlignmentModel

    points = COST_POINTS[name]
    together, setups = _assert_each_point_plays_as_in_its_own_batch(name, points)
    costs = together.setup.action_cost
    assert costs.shape == (len(points) * len(SEEDS), *setups[0].action_cost.shape)  # held per run
    for p, setup in enumerate(setups):
        assert np.array_equal(costs[p * len(SEEDS) : (p + 1) * len(SEEDS)], np.stack([setup.action_cost] * len(SEEDS)))
        assert setup.differences_beyond_runs(setups[0]) == [] and setup.batch_key() == setups[0].batch_key()
        model = AlignmentModel(setup, rng=SEEDS[0])
        while model.running:
            model.step()
        for f in ("sanctions", "trade", "relations", "debt"):
            assert np.array_equal(getattr(together.world, f)[p * len(SEEDS)], getattr(model.world, f)), (p, f)
    # Points whose costs are all the same keep the (A, N) costs: a batch of one point is unchanged.
    same = VectorEngine(setups[1], keys_for(SEEDS), run_setups=[setups[1]] * len(SEEDS))
    assert same.setup.action_cost is setups[1].action_cost


def _assert_each_point_plays_as_in_its_own_batch(
    name: str, points: list[dict[str, Any]]
) -> tuple[VectorEngine, list[ModelSetup]]:
    """Play ``points`` of scenario ``name`` (SEEDS each) in one batch and check each point's runs against its
    own batch, record for record; return the batch and the points' setups."""
    document = load_document(SCENARIOS / f"{name}.yaml")
    setups = [setup_with_overrides(document, point) for point in points]
    alone = [VectorEngine(s, keys_for(SEEDS), trajectories=True).run() for s in setups]
    together = VectorEngine(
        setups[0],
        keys_for(SEEDS * len(setups)),
        trajectories=True,
        run_setups=[s for s in setups for _ in SEEDS],
    ).run()
    assert len(together.history) == len(alone[0].history)
    for p, engine in enumerate(alone):
        runs = slice(p * len(SEEDS), (p + 1) * len(SEEDS))
        for mixed, own in zip(together.history, engine.history, strict=True):
            for f in fields(own):
                value = getattr(own, f.name)
                if f.name == "moves" and value is not None:
                    for r in range(len(SEEDS)):
                        assert _moves(mixed.moves, runs.start + r) == _moves(value, r), (p, mixed.round)
                elif isinstance(value, np.ndarray):
                    assert np.array_equal(getattr(mixed, f.name)[runs], value), (p, mixed.round, f.name)
        for f in fields(engine.world):
            assert np.array_equal(getattr(together.world, f.name)[runs], getattr(engine.world, f.name)), f.name
        assert together.outcomes()[runs] == engine.outcomes()
        for actor in range(setups[0].n_actors):
            assert np.array_equal(together.objective_scores(actor)[0][runs], engine.objective_scores(actor)[0])
    # The points really differ: some run ends differently from the same seed at the first point.
    first = together.last.alignment[: len(SEEDS)]
    assert any(not np.array_equal(together.last.alignment[k * len(SEEDS) :][: len(SEEDS)], first)
               for k in range(1, len(setups)))  # fmt: skip
    return together, setups


def test_conditions_compare_each_run_with_its_own_starting_state() -> None:
    """trade_change and gdp_change read each run's own start: a point that starts with ten times the trade
    measures its change from there, as the Mesa model of that point does."""
    document = load_document(SCENARIOS / "medvedev_visit_2015.yaml")
    setups = [setup_with_overrides(document, p) for p in ({}, {"trade.cambodia.eu": 36.0, "actors.cambodia.gdp": 9.0})]
    together = VectorEngine(setups[0], keys_for([1, 1]), run_setups=setups)
    view = together.metric_view()
    assert view.value("trade_change", (0, 4)).tolist() == [0.0, 0.0]
    assert view.value("gdp_change", (0, 0)).tolist() == [0.0, 0.0]
    together.run()
    for r, setup in enumerate(setups):
        alone = VectorEngine(setup, keys_for([1])).run()
        assert (
            together.metric_view().value("trade_change", (0, 4))[r]
            == alone.metric_view().value("trade_change", (0, 4))[0]
        )
        assert (
            together.metric_view().value("gdp_change", (0, 0))[r] == alone.metric_view().value("gdp_change", (0, 0))[0]
        )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"scoring.focal": "russia"}, "scoring"),
        ({"actions.lift_sanctions.per_actor.eu.magnitude": 0.5}, "action_magnitude"),
        ({"rounds": 4}, "rounds"),
    ],
)
def test_setups_that_differ_in_more_than_the_runs_hold_are_refused_by_name(override: dict, field: str) -> None:
    document = load_document(SCENARIOS / "medvedev_visit_2015.yaml")
    base, other = setup_with_overrides(document), setup_with_overrides(document, override)
    assert field in base.differences_beyond_runs(other)
    assert base.batch_key() != other.batch_key()
    with pytest.raises(ValueError, match=rf"run 1's setup differs from the engine's in [a-z_, ]*{field}"):
        VectorEngine(base, keys_for([0, 0]), run_setups=[base, other])


def test_what_the_runs_hold_is_no_difference_and_a_rebuilt_setup_has_the_same_key() -> None:
    document = load_document(SCENARIOS / "medvedev_visit_2015.yaml")
    base = setup_with_overrides(document)
    for override in (
        {"sanctions.us.russia": 0.2},
        {"actors.russia.policy.tau": 0.5},
        {"actors.cambodia.interests.security": 0.9},
        {"relations.cambodia.china": 0.1},
        {"actors.asean.policy.actions_per_round": 1},
        {"dynamics.relation_memory": 0.1},
        {"scoring.weights.policy": 0.2},
        {"actions.lift_sanctions.per_actor.eu.cost": 0.01},
        {"actions.state_visit.cost": 0.0},
    ):
        other = setup_with_overrides(document, override)
        assert base.differences_beyond_runs(other) == [], override
        assert base.batch_key() == other.batch_key(), override
    assert setup_with_overrides(load_document(SCENARIOS / "medvedev_visit_2015.yaml")).batch_key() == base.batch_key()
    with pytest.raises(ValueError, match="run_setups lists 1 setups for 2 runs"):
        VectorEngine(base, keys_for([0, 1]), run_setups=[base])


def _count_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The runs of every batch the batch engine's vector chunks play from now on (``play_points``' engines)."""
    from sim.batch import vector_runs

    batches: list[int] = []
    original = vector_runs.VectorEngine

    def counting(setup: ModelSetup, keys: np.ndarray, **kwargs: Any) -> VectorEngine:
        batches.append(len(keys))
        return original(setup, keys, **kwargs)

    monkeypatch.setattr(vector_runs, "VectorEngine", counting)
    return batches


@pytest.mark.parametrize(
    "sweep",
    [
        {"sanctions.us.russia": [0.1, 0.5], "scoring.weights.trade": [0.1, 0.2]},
        # Action costs, per actor and scenario-wide: held per run as well.
        {"actions.lift_sanctions.per_actor.eu.cost": [0.01, 0.04], "actions.state_visit.cost": [0.0, 0.002]},
    ],
    ids=["sanctions-x-trade-weight", "action-costs"],
)
def test_a_chunk_plays_its_points_in_one_batch_and_stores_what_the_mesa_model_does(monkeypatch, sweep) -> None:  # type: ignore[no-untyped-def]
    batches = _count_batches(monkeypatch)
    common = dict(runs=3, seed=5, workers=1, chunk_size=100)
    vector = run_batch("medvedev_visit_2015", sweep=sweep, engine="vector", **common)  # type: ignore[arg-type]
    # Four points of three runs in one chunk, differing in what the engine holds per run: one batch.
    assert batches == [12]
    mesa = run_batch("medvedev_visit_2015", sweep=sweep, engine="mesa", **common)  # type: ignore[arg-type]
    vector, mesa = (df.sort_values("run_id").reset_index(drop=True) for df in (vector, mesa))
    assert list(vector.columns) == list(mesa.columns) and len(vector) == 12
    for name in mesa.columns:
        if mesa[name].dtype.kind == "f":
            assert (mesa[name] - vector[name]).abs().max() <= 1e-9, name
        else:
            assert mesa[name].equals(vector[name]), name


def test_copy_data_is_a_deep_copy_of_scenario_data() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        data = load_document(path).data
        copied = copy_data(data)
        assert copied == copy.deepcopy(data)
        copied["actors"][next(iter(copied["actors"]))]["name"] = "changed"
        assert copied != data


def test_every_dynamics_parameter_and_scoring_weight_may_differ_between_the_runs_of_a_batch() -> None:
    """One point per field of DynamicsParams and ScoringWeights (that field changed), all in one batch: each
    point's runs are the runs of its own batch, record for record."""
    from sim.core.setup import DynamicsParams, ScoringWeights

    document = load_document(SCENARIOS / "sanctions_escalation.yaml")
    base = setup_with_overrides(document)
    points: list[dict[str, float]] = [{}]
    for prefix, params in (("dynamics", base.dynamics), ("scoring.weights", base.scoring.weights)):
        for f in fields(params):
            value = float(getattr(params, f.name))
            points.append({f"{prefix}.{f.name}": round(value * 0.8, 6) if value else 0.1})
    assert len(points) == 1 + len(fields(DynamicsParams)) + len(fields(ScoringWeights))
    setups = [setup_with_overrides(document, point) for point in points]
    seeds = [11, 12]
    together = VectorEngine(base, keys_for(seeds * len(setups)), run_setups=[s for s in setups for _ in seeds]).run()
    assert isinstance(together.setup.dynamics.shock_rate, np.ndarray)  # held per run
    differ = 0
    for p, setup in enumerate(setups):
        alone = VectorEngine(setup, keys_for(seeds)).run()
        runs = slice(p * len(seeds), (p + 1) * len(seeds))
        for f in fields(alone.world):
            assert np.array_equal(getattr(together.world, f.name)[runs], getattr(alone.world, f.name)), (
                points[p],
                f.name,
            )
        assert np.array_equal(together.last.alignment[runs], alone.last.alignment), points[p]
        differ += not np.array_equal(alone.last.alignment, together.last.alignment[: len(seeds)])
    assert differ >= len(points) // 2  # most fields change where the runs end


def test_stacked_parameters_keep_floats_where_the_runs_agree_and_a_model_refuses_them() -> None:
    from dataclasses import replace

    from sim.core import AlignmentModel
    from sim.core.setup import DynamicsParams, held_per_run, per_run, stack_params

    stacked = stack_params([DynamicsParams(), DynamicsParams(gratitude=3.0), DynamicsParams(gratitude=-0.0)])
    assert stacked.trade_adjustment == 0.25 and type(stacked.trade_adjustment) is float
    assert isinstance(stacked.gratitude, np.ndarray) and stacked.gratitude.tolist() == [2.0, 3.0, 0.0]
    # Bit for bit: 0.0 and -0.0 are two values.
    zeros = stack_params([DynamicsParams(shock_rate=0.0), DynamicsParams(shock_rate=-0.0)]).shock_rate
    assert isinstance(zeros, np.ndarray) and np.signbit(zeros).tolist() == [False, True]
    assert per_run(0.5, 4) == 0.5
    assert np.shape(per_run(stacked.gratitude, 4)) == (3, 1, 1, 1)
    setup = setup_with_overrides(load_document(SCENARIOS / "medvedev_visit_2015.yaml"))
    assert held_per_run(setup) == []
    batch_setup = replace(setup, dynamics=stacked)
    assert held_per_run(batch_setup) == ["dynamics.gratitude"]
    with pytest.raises(ValueError, match=r"holds dynamics\.gratitude per run .* a model plays one run"):
        AlignmentModel(batch_setup, 1)


@given(st.integers(min_value=1, max_value=400))
def test_the_largest_batch_shrinks_with_the_actors_squared_between_16_and_256_runs(n: int) -> None:
    limit = largest_batch(n)
    assert 16 <= limit <= 256
    assert limit <= largest_batch(max(1, n - 1))  # never more runs for more actors
    assert limit in {16, 256} or limit * n * n <= BATCH_CELLS < (limit + 1) * n * n


def test_the_largest_batch_keeps_256_runs_up_to_16_actors_and_32_at_48() -> None:
    assert [largest_batch(n) for n in (6, 8, 12, 16, 17, 24, 48, 96)] == [256, 256, 256, 256, 255, 128, 32, 16]


def test_a_chunk_larger_than_the_largest_batch_plays_as_several_batches_with_the_same_rows(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sim.batch import vector_runs

    common = dict(runs=3, seed=5, workers=1, chunk_size=100)
    sweep = {"sanctions.us.russia": [0.1, 0.5], "scoring.weights.trade": [0.1, 0.2]}
    whole = run_batch("medvedev_visit_2015", sweep=sweep, engine="vector", **common)  # type: ignore[arg-type]
    batches = _count_batches(monkeypatch)
    monkeypatch.setattr(vector_runs, "largest_batch", lambda n_actors: 5)
    split = run_batch("medvedev_visit_2015", sweep=sweep, engine="vector", **common)  # type: ignore[arg-type]
    # Twelve runs of four points, at most five a batch: consecutive runs, across the points' borders.
    assert batches == [5, 5, 2]
    whole, split = (df.sort_values("run_id").reset_index(drop=True) for df in (whole, split))
    assert len(split) == 12 and list(split.columns) == list(whole.columns)
    for name in whole.columns:
        assert whole[name].equals(split[name]), name


def test_a_batch_setup_holding_action_costs_per_run_is_refused_by_a_model_naming_the_field() -> None:
    from sim.core import AlignmentModel
    from sim.core.setup import held_per_run, stack_action_costs

    document = load_document(SCENARIOS / "medvedev_visit_2015.yaml")
    base = setup_with_overrides(document)
    other = setup_with_overrides(document, {"actions.lift_sanctions.per_actor.eu.cost": 0.01})
    # Equal costs (bit for bit) keep the first run's array; any difference stacks them, -0.0 against 0.0 too.
    assert stack_action_costs([base.action_cost, base.action_cost.copy()]) is base.action_cost
    signed = base.action_cost.copy()
    signed[0] = -0.0
    assert stack_action_costs([base.action_cost, signed]).shape == (2, *base.action_cost.shape)
    engine = VectorEngine(base, keys_for([1, 1]), run_setups=[base, other])
    assert engine.setup.action_cost.shape == (2, *base.action_cost.shape)
    assert held_per_run(engine.setup) == ["action_cost"]
    with pytest.raises(ValueError, match=r"holds action_cost per run .* a model plays one run"):
        AlignmentModel(engine.setup, 1)
    both = VectorEngine(
        base, keys_for([1, 1]), run_setups=[base, setup_with_overrides(document, {"dynamics.gratitude": 3.0})]
    )
    assert held_per_run(both.setup) == ["dynamics.gratitude"]  # costs the same: (A, N), not held per run
