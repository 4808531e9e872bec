"""`batch --engine vector` stores the same tables as the Mesa engine, and refuses what it cannot play by name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.batch.columns import column
from sim.batch.engine import run_batch
from sim.batch.store import BatchError
from tests.conftest import run_cli

ENDING = """\
extends: medvedev_visit_2015
meta: {id: ending, title: Ending}
events:
  - id: walkout
    title: "Talks end"
    text: "Phnom Penh walks out."
    at_round: 2
    effects:
      - end_scenario: "talks end"
"""


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("run_id", "round") if c in df.columns]
    return df.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize("table", ["summaries", "trajectories"])
def test_vector_and_mesa_batches_store_the_same_rows(table: str) -> None:
    common = dict(runs=5, seed=8, workers=1, trajectories=True, table=table)
    sweep = {"actors.russia.policy.tau": [0.05, 0.3]}
    mesa = _sorted(run_batch("debt_cancellation", sweep=sweep, engine="mesa", **common))  # type: ignore[arg-type]
    vector = _sorted(run_batch("debt_cancellation", sweep=sweep, engine="vector", **common))  # type: ignore[arg-type]
    assert len(mesa) == len(vector) > 0
    assert list(mesa.columns) == list(vector.columns)
    for name in mesa.columns:
        if mesa[name].dtype.kind == "f":
            assert (mesa[name] - vector[name]).abs().max() <= 1e-9, name
        else:
            assert mesa[name].equals(vector[name]), name
    if table == "summaries":
        assert set(vector["status"]) == {"ok"}
        assert vector[column("objective_score", "cambodia")].notna().all()


def test_the_cli_plays_a_batch_on_the_vector_engine(tmp_path: Path) -> None:
    out = tmp_path / "v"
    done = run_cli("batch", "medvedev_visit_2015", "--runs", "6", "--seed", "3", "--workers", "1",
                   "--engine", "vector", "--out", str(out), "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = pd.read_parquet(out / "summaries")
    assert len(rows) == 6 and set(rows["status"]) == {"ok"}
    bad = run_cli("batch", "medvedev_visit_2015", "--runs", "2", "--engine", "tensor", "--out", str(tmp_path / "x"))
    assert bad.returncode != 0 and "--engine" in bad.stderr and "vector" in bad.stderr


def test_a_scenario_the_vector_engine_cannot_play_is_refused_by_name(tmp_path: Path) -> None:
    scenario = tmp_path / "ending.yaml"
    scenario.write_text(ENDING)
    with pytest.raises(BatchError, match=r"vector engine cannot play ending: events that end the scenario \(walkout\)"):
        run_batch(str(scenario), runs=2, seed=1, workers=1, engine="vector")
    done = run_cli("batch", str(scenario), "--runs", "2", "--seed", "1", "--workers", "1", "--engine", "vector",
                   "--out", str(tmp_path / "o"), "--progress", "none")  # fmt: skip
    assert done.returncode != 0
    assert "vector engine cannot play ending" in done.stderr and "--engine mesa" in done.stderr
    assert "Traceback" not in done.stderr
    mesa = run_batch(str(scenario), runs=2, seed=1, workers=1, engine="mesa")
    assert set(mesa["ended_by_event"]) == {"talks end"}


def test_a_batch_begun_on_one_engine_resumes_on_the_other(tmp_path: Path) -> None:
    out = tmp_path / "mixed"
    run_batch("medvedev_visit_2015", runs=3, seed=4, workers=1, out=out, engine="mesa")
    mixed = _sorted(run_batch("medvedev_visit_2015", runs=6, seed=4, workers=1, out=out, resume=True, engine="vector"))
    fresh = _sorted(run_batch("medvedev_visit_2015", runs=6, seed=4, workers=1, engine="mesa"))
    assert len(mixed) == 6
    pd.testing.assert_frame_equal(mixed, fresh, check_exact=False, rtol=0, atol=1e-9)
