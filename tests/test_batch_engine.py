"""The batch engine through its Python API: identical rows on every executor, resume, failures, --until-ci."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch import BatchError, ResultStore, SerialExecutor, execute, load_results, plan_batch, run_batch, run_seed
from sim.batch.executors import local_cluster
from sim.batch.store import SUMMARIES, TRAJECTORIES, iter_parts
from sim.batch.summary import wilson
from sim.core import AlignmentModel
from sim.scenario import build_setup
from sim.scenario.loader import load_document, validate_overrides
from tests.conftest import BASE_FILE, run_cli

SMALL = {"runs": 6, "seed": 11, "rounds": 3, "sweep": {"actors.russia.policy.tau": [0.05, 0.5]}, "chunk_size": 4}


def test_serial_and_two_processes_give_identical_tables() -> None:
    serial = run_batch("medvedev_visit_2015", workers=1, **SMALL)
    processes = run_batch("medvedev_visit_2015", workers=2, **SMALL)
    assert len(serial) == 12 and (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(serial, processes)


@pytest.mark.dask
def test_a_dask_cluster_gives_the_same_table_as_serial_runs() -> None:
    distributed = pytest.importorskip("distributed")
    serial = run_batch("medvedev_visit_2015", workers=1, **SMALL)
    with local_cluster(2, processes=False) as cluster, distributed.Client(cluster) as client:
        on_dask = run_batch("medvedev_visit_2015", dask=client, **SMALL)
    pd.testing.assert_frame_equal(serial, on_dask)


def test_rows_do_not_depend_on_how_runs_are_chunked() -> None:
    args = {**SMALL, "chunk_size": None}
    one_by_one = run_batch("medvedev_visit_2015", workers=1, **{**args, "chunk_size": 1})
    all_at_once = run_batch("medvedev_visit_2015", workers=1, **{**args, "chunk_size": 50})
    pd.testing.assert_frame_equal(one_by_one, all_at_once)


def test_a_row_is_the_run_its_seed_index_and_point_describe(base_setup) -> None:  # type: ignore[no-untyped-def]
    # The Mesa path of the runner (the vector path is compared with it row by row in test_vector_batch.py).
    rows = run_batch("medvedev_visit_2015", workers=1, engine="mesa", **SMALL)
    row = rows[(rows["point"] == 1) & (rows["seed_index"] == 4)].iloc[0]
    assert row["param__actors__russia__policy__tau"] == 0.5 and row["root_seed"] == 11
    overrides = {"rounds": 3, "actors.russia.policy.tau": 0.5}
    setup = build_setup(validate_overrides(load_document(BASE_FILE), overrides, "test"))
    model = AlignmentModel(setup, rng=run_seed(11, 4), collect=False)
    model.run()
    final = model.history[-1]
    assert row["outcome"] == final.outcome and row["rounds_played"] == 3
    assert row["alignment__cambodia__china"] == final.alignment[0, 2]
    assert row["hedging__cambodia"] == final.hedging[0]
    assert row["primary_partner__cambodia"] == setup.actor_ids[int(final.primary_partner[0])]
    assert rows["run_id"].is_unique


@pytest.mark.parametrize("engine", ["vector", "mesa"])
def test_the_reproduce_command_replays_a_batch_run_exactly(engine: str) -> None:
    rows = run_batch("medvedev_visit_2015", workers=1, engine=engine, **SMALL)
    plan = plan_batch("medvedev_visit_2015", seed=11, rounds=3, sweep=SMALL["sweep"])
    row = rows[(rows["point"] == 1) & (rows["seed_index"] == 2)].iloc[0]
    command = plan.reproduce_command(1, 2)
    assert command.startswith("python run.py run medvedev_visit_2015 --seed 11 --seed-index 2 ")
    result = run_cli(*command.split()[2:], "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["seed"] == 11 and doc["seed_index"] == 2
    assert doc["final"]["outcome"] == row["outcome"]
    assert doc["final"]["alignment"]["cambodia"]["russia"] == round(row["alignment__cambodia__russia"], 6)
    blocs = doc["final"]["blocs"]
    assert row["n_blocs"] == len(blocs)
    assert row["focal_bloc"] == "+".join(next(b for b in blocs if "cambodia" in b))
    assert all(row[f"bloc__{a}"] == k for k, members in enumerate(blocs) for a in members)


def test_mesa_batch_run_over_the_adapter_plays_the_same_model() -> None:
    from mesa.batchrunner import batch_run

    from sim.batch.mesa_model import ScenarioModel

    ours = run_batch("medvedev_visit_2015", workers=1, runs=3, seed=5, rounds=3)
    method = multiprocessing.get_start_method(allow_none=True)
    try:  # batch_run sets the global start method; put it back for the other tests in this process
        rows = batch_run(
            ScenarioModel,
            parameters={"scenario": "medvedev_visit_2015", "rounds": 3},
            rng=[run_seed(5, k) for k in range(3)],
            number_processes=1,
            display_progress=False,
        )
    finally:
        multiprocessing.set_start_method(method, force=True)
    theirs = pd.DataFrame(rows)
    cambodia = theirs[theirs["actor"] == "cambodia"].sort_values("iteration")
    assert cambodia["hedging"].tolist() == ours["hedging__cambodia"].tolist()
    assert cambodia["outcome"].tolist() == ours["outcome"].tolist()


def test_a_run_that_raises_becomes_a_failure_row_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.batch import runner

    class Fragile(AlignmentModel):
        def step(self) -> None:
            if self.setup.tau[1] == 0.5 and self.round == 1:
                raise ValueError("Russia overheated")
            super().step()

    monkeypatch.setattr(runner, "AlignmentModel", Fragile)
    rows = run_batch("medvedev_visit_2015", workers=1, out=tmp_path / "b", engine="mesa", **SMALL)
    failed = rows[rows["status"] == "failed"]
    assert set(failed["point"]) == {1} and len(failed) == 6
    assert (rows[rows["point"] == 0]["status"] == "ok").all()
    first = failed.iloc[0]
    assert first["error"] == "ValueError: Russia overheated"
    assert first["reproduce"] == (
        f"python run.py run medvedev_visit_2015 --seed 11 --seed-index {first['seed_index']} "
        "--set rounds=3 --set actors.russia.policy.tau=0.5"
    )
    assert pd.isna(first["outcome"]) and np.isnan(first["hedging__cambodia"])
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["runs"] == {"planned": 12, "finished": 12, "failed": 6} and manifest["status"] == "complete"


def test_failure_rows_between_finished_runs_keep_the_chunk_order_and_the_others_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summary rows are gathered in blocks between failures: a failing run in the middle of a chunk keeps
    its place, and every other row is the row of a batch without failures."""
    from sim.batch import runner

    made = [0]

    class Odd(AlignmentModel):  # every other run of point 1 fails (runs are made in chunk order)
        def step(self) -> None:
            if self.setup.tau[1] == 0.5 and self.round == 1:
                made[0] += 1
                if made[0] % 2 == 0:
                    raise ValueError("Russia overheated")
            super().step()

    clean = run_batch("medvedev_visit_2015", workers=1, out=tmp_path / "clean", engine="mesa", **SMALL)
    monkeypatch.setattr(runner, "AlignmentModel", Odd)
    rows = run_batch("medvedev_visit_2015", workers=1, out=tmp_path / "odd", engine="mesa", **SMALL)
    chunks = [part for part in sorted((tmp_path / "odd" / SUMMARIES).iterdir())]
    failed = rows["status"] == "failed"
    assert failed.sum() == 3 and set(rows[failed]["point"]) == {1}
    stored = pd.concat([pd.read_parquet(part) for part in chunks])
    assert stored["run_id"].tolist() == sorted(stored["run_id"], key=lambda r: tuple(map(int, r.split(":"))))
    ok = rows[~failed].set_index("run_id").sort_index()
    same = clean.set_index("run_id").loc[ok.index].sort_index()
    pd.testing.assert_frame_equal(ok, same, check_dtype=False)  # failure rows make int columns float


def test_resume_plays_only_the_missing_runs_and_matches_a_fresh_batch(tmp_path: Path) -> None:
    folder = tmp_path / "grow"
    run_batch("medvedev_visit_2015", workers=1, out=folder, **{**SMALL, "runs": 3})
    plan = plan_batch("medvedev_visit_2015", seed=11, runs=8, rounds=3, sweep=SMALL["sweep"])
    with ResultStore.open(folder, plan, resume=True) as store:  # the store holds the folder's lock until closed
        outcome = execute(store, SerialExecutor(), chunk_size=4)
    assert outcome.played == 2 * (8 - 3)
    fresh = run_batch("medvedev_visit_2015", workers=1, **{**SMALL, "runs": 8})
    pd.testing.assert_frame_equal(load_results(folder), fresh)
    with ResultStore.open(folder, plan, resume=True) as again:
        assert outcome.tally.text() == execute(again, SerialExecutor()).tally.text()


def test_a_folder_refuses_runs_of_another_plan(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    run_batch("medvedev_visit_2015", workers=1, out=folder, **SMALL)
    with pytest.raises(BatchError, match=r"holds runs of a different plan \(seed 11 there vs 12 now\)"):
        run_batch("medvedev_visit_2015", workers=1, out=folder, resume=True, **{**SMALL, "seed": 12})
    with pytest.raises(BatchError, match=r"already holds this batch: add --resume"):
        run_batch("medvedev_visit_2015", workers=1, out=folder, **SMALL)
    before = sorted(p.name for p in (folder / SUMMARIES).iterdir())
    assert before == sorted(p.name for p in (folder / SUMMARIES).iterdir()), "nothing was touched"


def test_until_ci_adds_seeds_until_every_share_is_precise_enough() -> None:
    rows = run_batch("medvedev_visit_2015", workers=1, runs=8, seed=4, rounds=3, until_ci=0.3)
    ok = rows[rows["status"] == "ok"]
    assert len(rows) > 8, "eight runs cannot give intervals narrower than 0.3"
    for label, count in ok["outcome"].value_counts().items():
        low, high = wilson(int(count), len(ok))
        assert high - low < 0.3, label
    assert sorted(rows["seed_index"]) == list(range(len(rows))), "seeds are added in order, none skipped"


def test_trajectories_hold_every_round_and_end_where_the_summary_ends(tmp_path: Path) -> None:
    folder = tmp_path / "traj"
    rows = run_batch("medvedev_visit_2015", workers=1, runs=4, seed=2, rounds=3, trajectories=True, out=folder)
    rounds = load_results(folder, "trajectories")
    assert len(rounds) == 4 * 4 and rounds.groupby("run_id")["round"].apply(list).tolist() == [[0, 1, 2, 3]] * 4
    assert rounds["label"].iloc[0] == "start"
    last = rounds[rounds["round"] == 3].reset_index(drop=True)
    assert last["alignment__cambodia__us"].tolist() == rows["alignment__cambodia__us"].tolist()
    assert last["outcome"].tolist() == rows["outcome"].tolist()


def test_readers_never_see_temp_files_and_resume_clears_leftovers(tmp_path: Path) -> None:
    folder = tmp_path / "left"
    rows = run_batch("medvedev_visit_2015", workers=1, runs=4, seed=2, rounds=2, trajectories=True, out=folder)
    (folder / SUMMARIES / ".part-p00000-s000000000-n00004-deadbeef.parquet.999.tmp").write_bytes(b"PAR1 half")
    orphan = next((folder / TRAJECTORIES).glob("part-*.parquet"))
    (folder / TRAJECTORIES / "part-p00000-s000000099-n00001-orphan00.parquet").write_bytes(orphan.read_bytes())
    pd.testing.assert_frame_equal(load_results(folder), rows)
    assert len(load_results(folder, "trajectories")) == 4 * 3, "a trajectory part without its summary is not read"
    plan = plan_batch("medvedev_visit_2015", seed=2, runs=4, rounds=2, trajectories=True)
    ResultStore.open(folder, plan, resume=True).close()
    assert not list(folder.rglob("*.tmp")) and not list((folder / TRAJECTORIES).glob("*orphan*"))
    assert sum(part.num_rows for part in iter_parts(folder)) == 4


def test_bad_api_arguments_are_clear_errors() -> None:
    with pytest.raises(BatchError, match="until_ci must be between 0 and 1"):
        run_batch("medvedev_visit_2015", runs=2, until_ci=2.0)
    from sim.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match="unknown field 'taux'"):
        run_batch("medvedev_visit_2015", runs=2, sweep={"actors.russia.policy.taux": [1.0]})


def test_actors_with_objectives_get_a_score_and_grade_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from sim.core.conditions import Compare
    from sim.core.objectives import Objective
    from sim.scenario import calibration

    def with_objectives(scenario, calibration=None):  # type: ignore[no-untyped-def]
        setup = build_setup(scenario, calibration)
        hedge = Objective("hedge", 0, "stay a hedger", Compare("hedging", (0,), "at_least", 0.9), 2.0, "final")
        never = Objective("never", 0, "impossible", Compare("hedging", (0,), "above", 1.5), 1.0, "ever")
        return replace(setup, objectives=(hedge, never))

    monkeypatch.setattr(calibration, "build_setup", with_objectives)  # every batch setup is built there
    rows = run_batch("medvedev_visit_2015", workers=1, runs=4, seed=3, rounds=2)
    assert {"objective_score__cambodia", "objective_grade__cambodia"} <= set(rows.columns)
    assert "objective_score__china" not in rows.columns, "only actors with objectives get the columns"
    hedged = rows["hedging__cambodia"] >= 0.9
    expected = np.where(hedged, 100.0 * 2 / 3, 0.0)
    assert rows["objective_score__cambodia"].tolist() == pytest.approx(expected.tolist())
    assert set(rows["objective_grade__cambodia"]) <= {"C", "E"}
