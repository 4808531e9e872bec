"""The vector engine plays the Mesa model's runs: same seeds, same moves, same trajectories, same outcomes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.batch.plan import run_seed
from sim.core import ACTION_IDS, AlignmentModel, ModelSetup
from sim.core.actions import CATALOGUE
from sim.core.actions import preconditions as catalogue_preconditions
from sim.core.events import EndScenario, Event
from sim.core.preconditions import CellArrays, CellIndex
from sim.core.setup import ScriptedMove
from sim.core.world import WorldState
from sim.errors import PivotError
from sim.scenario import build_setup, load_scenario
from sim.scenario.calibration import load_setup
from sim.vector import UnsupportedScenarioError, VectorEngine, keys_for, unsupported_features
from sim.vector.state import WorldBatch, preconditions, preconditions_read
from tests.synthetic import synthetic_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def _mesa(setup: ModelSetup, seeds: list[np.random.SeedSequence]) -> list[AlignmentModel]:
    models = [AlignmentModel(setup, rng=np.random.default_rng(s), collect=False) for s in seeds]
    for m in models:
        m.run()
    return models


def _moves(engine_moves, r: int) -> set[tuple]:  # type: ignore[no-untyped-def]
    b = engine_moves
    return {
        (
            int(b.actor[r, q]),
            ACTION_IDS[b.kind[r, q]],
            None if b.target[r, q] < 0 else int(b.target[r, q]),
            None if b.sector[r, q] < 0 else int(b.sector[r, q]),
            None if b.ask[r, q] < 0 else ACTION_IDS[b.ask[r, q]],
            bool(b.applied[r, q]),
        )
        for q in range(b.valid.shape[1])
        if b.valid[r, q]
    }


def _same_moves_and_final_world(model: AlignmentModel, engine: VectorEngine, r: int) -> None:
    """Run r of the engine made the Mesa run's moves every round and ended in its world."""
    for record, batch in zip(model.history[1:], engine.history[1:], strict=True):
        mesa_moves = {(m.actor, m.action, m.target, m.sector, m.ask, m.applied) for m in record.moves}
        assert mesa_moves == _moves(batch.moves, r), f"run {r} round {record.round}"
    final = engine.world.run(r)
    for name, array in model.world.arrays().items():
        assert np.allclose(array, getattr(final, name), rtol=1e-12, atol=1e-12), name


def test_base_scenario_runs_match_the_mesa_model_round_by_round(base_setup: ModelSetup) -> None:
    seeds = [run_seed(2015, k) for k in range(6)]
    engine = VectorEngine(base_setup, keys_for(seeds), trajectories=True).run()
    assert len(engine.history) == base_setup.rounds + 1
    for r, model in enumerate(_mesa(base_setup, seeds)):
        assert len(model.history) == len(engine.history)
        for record, batch in zip(model.history, engine.history, strict=True):
            assert np.abs(record.alignment - batch.alignment[r]).max() <= 1e-9
            assert np.abs(record.utility - batch.utility[r]).max() <= 1e-9
            assert np.abs(record.hedging - batch.hedging[r]).max() <= 1e-9
            assert np.abs(record.kuik.hedging - batch.kuik_hedging[r]).max() <= 1e-9
            assert np.abs(record.bloc_tilt - batch.bloc_tilt[r]).max() <= 1e-9
            assert np.array_equal(record.primary_partner, batch.primary_partner[r])
            assert np.abs(record.world.gdp - batch.gdp[r]).max() <= 1e-9 * record.world.gdp.max()
            assert np.abs(record.world.threat - batch.threat[r]).max() <= 1e-9
            assert record.outcome == engine.outcome_labels[batch.outcome[r]]
        _same_moves_and_final_world(model, engine, r)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_plays_the_same_runs_on_both_engines(name: str) -> None:
    setup = load_setup(SCENARIOS / f"{name}.yaml")
    assert unsupported_features(setup) == []
    seeds = [run_seed(11, k) for k in range(3)]
    engine = VectorEngine(setup, keys_for(seeds)).run()
    for r, model in enumerate(_mesa(setup, seeds)):
        final = model.history[-1]
        assert np.abs(final.alignment - engine.last.alignment[r]).max() <= 1e-9
        assert final.outcome == engine.outcomes()[r]
        for objective_actor in {o.actor for o in setup.objectives}:
            report = model.objective_report(objective_actor)
            score, grades = engine.objective_scores(objective_actor)
            assert score[r] == pytest.approx(report.score)
            assert grades[r] == report.grade


def test_a_run_does_not_depend_on_the_other_runs_in_the_batch(base_setup: ModelSetup) -> None:
    keys = keys_for([run_seed(5, k) for k in range(5)])
    together = VectorEngine(base_setup, keys).run()
    alone = VectorEngine(base_setup, keys[3:4]).run()
    assert np.array_equal(together.last.alignment[3], alone.last.alignment[0])
    assert together.outcomes()[3] == alone.outcomes()[0]


def test_keys_are_the_mesa_models_stream_keys(base_setup: ModelSetup) -> None:
    seeds: list = [2015, run_seed(3, 7), np.random.SeedSequence(99)]
    for seed, key in zip(seeds, keys_for(seeds), strict=True):
        assert AlignmentModel(base_setup, rng=seed, collect=False).dice.key == key


def test_different_seeds_give_different_runs(base_setup: ModelSetup) -> None:
    engine = VectorEngine(base_setup, keys_for([run_seed(1, k) for k in range(8)])).run()
    finals = engine.last.alignment.reshape(8, -1)
    assert len({row.tobytes() for row in finals}) == 8


def test_features_it_cannot_play_are_refused_by_name(base_setup: ModelSetup) -> None:
    human = replace(base_setup, actors=(replace(base_setup.actors[0], controller="human"), *base_setup.actors[1:]))
    scripted = replace(base_setup, scripted_moves=(ScriptedMove(1, 0, "state_visit", 1),))
    ending = replace(base_setup, events=(Event("stop", "Stop", "", (EndScenario("over"),), at_round=2),))
    for setup, feature in (
        (human, "actors not played by the AI (cambodia)"),
        (scripted, "scripted moves"),
        (ending, "events that end the scenario (stop)"),
    ):
        with pytest.raises(UnsupportedScenarioError) as caught:
            VectorEngine(setup, keys_for([1]))
        assert "cannot play yet" in str(caught.value) and feature in str(caught.value)
        assert "--engine mesa" in str(caught.value)
        assert any(feature in p for p in unsupported_features(setup))
    assert issubclass(UnsupportedScenarioError, PivotError)


def _world(rng: np.random.Generator, n: int, sectors: int) -> WorldState:
    def matrix(low: float, high: float, zero_share: float = 0.3) -> np.ndarray:
        m = rng.uniform(low, high, (n, n)) * (rng.uniform(size=(n, n)) > zero_share)
        np.fill_diagonal(m, 0.0)
        return m

    agreements = rng.uniform(size=(n, n, sectors)) < 0.3
    agreements = agreements | agreements.transpose(1, 0, 2)
    salience = rng.uniform(0.1, 1.0, (n, 3))
    return WorldState(
        gdp=rng.choice([0.5, 20.0, 1000.0, 20000.0], n) * rng.uniform(0.5, 1.5, n),
        capability=rng.uniform(0, 1, n),
        positions=rng.choice([-1.0, 0.0, 0.3, 0.29, 1.0], (n, 3)),
        salience=salience / salience.sum(axis=1, keepdims=True),
        relations=matrix(-1, 1),
        trade=matrix(0, 50),
        tariff=np.where(rng.uniform(size=(n, n)) < 0.2, 1.0, matrix(0, 1)),
        sanctions=np.where(rng.uniform(size=(n, n)) < 0.2, 1.0, matrix(0, 1)),
        debt=matrix(0, 10, 0.7),
        agreements=agreements,
        pressure=matrix(0, 1),
        threat=rng.uniform(0, 1, n),
        memory=matrix(-1, 1),
    )


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 7), dim=st.integers(0, 2))
def test_vector_preconditions_are_the_catalogues(seed: int, n: int, dim: int) -> None:
    """The engine's precondition table over R runs and its reading of gathered moves are each run's catalogue
    rules, as the Mesa model reads them on one world."""
    rng = np.random.default_rng(seed)
    worlds = [_world(rng, n, 3) for _ in range(3)]
    batch = WorldBatch(**{name: np.stack([getattr(w, name) for w in worlds]) for name in worlds[0].arrays()})
    table = preconditions(batch, dim)
    for r, world in enumerate(worlds):
        assert np.array_equal(table[:, r], catalogue_preconditions(CellArrays.matrices(world, dim)))
    k = rng.integers(0, len(CATALOGUE), 200)
    r, i, j = rng.integers(0, 3, 200), rng.integers(0, n, 200), rng.integers(0, n, 200)
    cells = CellIndex.of(batch, dim, r, i, j)
    assert np.array_equal(preconditions_read(batch, cells, k), table[k, r, i, j])
    assert np.array_equal(preconditions_read(batch, cells[50:120], k[50:120]), table[k, r, i, j][50:120])


@pytest.mark.parametrize("source", ["eight_actors", "synthetic-3", "synthetic-12"])
def test_other_worlds_play_the_same_runs(source: str) -> None:
    if source == "eight_actors":
        setup = load_setup(Path(__file__).parent / "data" / "eight_actors.yaml")
    else:
        setup = build_setup(synthetic_scenario(int(source.split("-")[1]), rounds=6))
    seeds = [run_seed(9, k) for k in range(3)]
    engine = VectorEngine(setup, keys_for(seeds), trajectories=True).run()
    for r, model in enumerate(_mesa(setup, seeds)):
        for record, batch in zip(model.history, engine.history, strict=True):
            assert np.abs(record.alignment - batch.alignment[r]).max() <= 1e-9
            assert record.outcome == engine.outcome_labels[batch.outcome[r]]


@pytest.mark.parametrize(
    ("tau", "moves"),
    [([0.0] * 6, [2] * 6), ([0.0, 0.5, 0.15, 1.0, 0.0, 0.3], [3, 1, 2, 3, 0, 1])],
    ids=["greedy", "mixed-temperatures-and-budgets"],
)
def test_greedy_actors_and_other_budgets_play_the_same_runs(
    base_setup: ModelSetup, tau: list[float], moves: list[int]
) -> None:
    setup = replace(base_setup, tau=np.array(tau), actions_per_round=np.array(moves))
    seeds = [run_seed(5, k) for k in range(3)]
    engine = VectorEngine(setup, keys_for(seeds), trajectories=True).run()
    for r, model in enumerate(_mesa(setup, seeds)):
        for record, batch in zip(model.history, engine.history, strict=True):
            assert np.abs(record.alignment - batch.alignment[r]).max() <= 1e-9
            if record.round > 0:
                assert {(m.actor, m.action, m.target, m.sector, m.ask, m.applied) for m in record.moves} == _moves(
                    batch.moves, r
                )


def test_an_opt_in_action_plays_the_same_runs(base_setup: ModelSetup) -> None:
    enabled = base_setup.action_enabled.copy()
    enabled[ACTION_IDS.index("cut_aid")] = True  # opt-in: no shipped scenario enables it
    setup = replace(base_setup, action_enabled=enabled)
    seeds = [run_seed(1, k) for k in range(20)]  # root 1: runs 1 and 15 cut aid (a rare move in this scenario)
    engine = VectorEngine(setup, keys_for(seeds), trajectories=True).run()
    cuts = 0
    for r, model in enumerate(_mesa(setup, seeds)):
        for record, batch in zip(model.history, engine.history, strict=True):
            assert np.abs(record.alignment - batch.alignment[r]).max() <= 1e-9
            if record.round > 0:
                assert {(m.actor, m.action, m.target, m.sector, m.ask, m.applied) for m in record.moves} == _moves(
                    batch.moves, r
                )
                cuts += sum(m.action == "cut_aid" for m in record.moves)
    assert cuts > 0


def test_every_event_effect_plays_the_same_runs_on_both_engines(tmp_path: Path) -> None:
    """One rule for events (sim.core.events.apply_effects) over one run or a batch: an event of every effect the
    vector engine plays, firing by chance in some runs and not others, gives the Mesa model's runs."""
    from tests.test_scenario_events import overlay

    path = overlay(
        tmp_path,
        """\
events:
  - id: turn
    title: Turn
    at_round: 2
    chance: 0.5
    effects:
      - set_policy: {actor: russia, tau: 0.0, actions_per_round: 3}
      - set_interest: {actor: cambodia, interest: security, value: 0.9}
      - set_position: {actor: cambodia, dimension: democracy, value: 0.5}
      - add_position: {actor: us, dimension: democracy, value: -0.5}
      - end_agreement: {pair: [cambodia, eu], sector: trade}
      - sign_agreement: {pair: [cambodia, eu], sector: defence}
      - add: {relations: [cambodia, us], value: -0.3, symmetric: true}
      - set: {tariff: [us, cambodia], value: 0.4}
      - force_move: {actor: china, action: provide_aid, target: cambodia}
""",
    )
    setup = build_setup(load_scenario(path))
    seeds = [run_seed(8, k) for k in range(8)]
    engine = VectorEngine(setup, keys_for(seeds), trajectories=True).run()
    fired = engine.fired[:, 0]
    assert fired.any() and not fired.all()  # the chance draw splits the runs
    for r, model in enumerate(_mesa(setup, seeds)):
        assert ("turn" in model._fired) == bool(fired[r])
        for record, batch in zip(model.history, engine.history, strict=True):
            assert np.abs(record.alignment - batch.alignment[r]).max() <= 1e-9, f"run {r} round {record.round}"
        _same_moves_and_final_world(model, engine, r)
