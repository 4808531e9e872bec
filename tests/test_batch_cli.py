"""`batch`, `report` and `sensitivity` as a user drives them: output, files, resume after SIGKILL, dying workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.batch import load_results
from sim.batch.runner import KILL_HOOK
from tests.conftest import ROOT, run_cli, run_process

QUICK = ("medvedev_visit_2015", "--seed", "21", "--rounds", "2", "--progress", "lines")


def test_batch_writes_plan_manifest_and_parts_and_prints_the_outcome_table(tmp_path: Path) -> None:
    out = tmp_path / "base"
    result = run_cli("batch", *QUICK, "--runs", "6", "--workers", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "point 0: base scenario  (6 runs)" in result.stdout
    assert "outcome" in result.stdout and "95 % CI" in result.stdout
    assert "mean final alignment to: China " in result.stdout
    assert "batch: 6/6 runs (100 %)" in result.stderr and "runs/s" in result.stderr, "plain progress lines off a TTY"
    plan = json.loads((out / "plan.json").read_text())
    assert plan["seed"] == 21 and plan["runs"] == [6] and plan["fixed"] == {"rounds": 2}
    assert len(plan["scenario"]["hash"]) == 64
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"].startswith("pivot ") and manifest["scenario"]["hash"] == plan["scenario"]["hash"]
    assert manifest["seed"] == 21 and manifest["status"] == "complete"
    assert (
        manifest["started"] and manifest["ended"] and "batch medvedev_visit_2015" in manifest["sessions"][0]["command"]
    )
    rows = load_results(out)
    assert len(rows) == 6 and rows["seed_index"].tolist() == list(range(6))


def test_several_sweeps_form_a_grid_and_each_point_gets_its_block(tmp_path: Path) -> None:
    result = run_cli(
        "batch", *QUICK, "--runs", "2", "--workers", "1", "--out", str(tmp_path / "grid"),
        "--sweep", "actors.russia.policy.tau=0.05,0.5", "--sweep", "sanctions.eu.cambodia=0:0.5:2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "point 3: actors.russia.policy.tau=0.5, sanctions.eu.cambodia=0.5  (2 runs)" in result.stdout
    assert "4 points x 2 seeds = 8 runs" in result.stderr


def test_until_ci_says_how_many_runs_it_took(tmp_path: Path) -> None:
    result = run_cli(
        "batch", *QUICK, "--runs", "6", "--workers", "1", "--until-ci", "0.3", "--out", str(tmp_path / "u")
    )
    assert result.returncode == 0, result.stderr
    verdict = result.stdout.strip().splitlines()[-1]
    assert verdict.startswith("--until-ci 0.3: every outcome share's 95 % interval is narrower than 0.3 after ")
    runs = len(load_results(tmp_path / "u"))
    assert runs > 6 and f"after {runs} runs" in verdict
    assert json.loads((tmp_path / "u" / "plan.json").read_text())["runs"] == [runs]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--sweep", "actors.russia.policy.taux=1"), 1, "unknown field 'taux' (did you mean 'tau'?)"),
        (("--sweep", "actors.rusia.policy.tau=1"), 1, "unknown actor 'rusia'"),
        (("--sweep", "sanctions.us.russia=0:3:4"), 1, "must be a sanction intensity from 0 to 1"),
        (("--sweep", "sanctions.us.russia"), 1, "expected PATH=VALUE"),
        (("--until-ci", "2"), 2, "--until-ci: must be between 0 and 1"),
        (("--workers", "2", "--dask-local", "2"), 2, "not allowed with argument"),
    ],
)
def test_bad_batch_arguments_are_one_line(tmp_path: Path, args: tuple[str, ...], code: int, message: str) -> None:
    result = run_cli("batch", *QUICK, "--runs", "2", "--out", str(tmp_path / "x"), *args)
    assert result.returncode == code
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x" / "summaries").exists() or not any((tmp_path / "x" / "summaries").iterdir())


def test_a_folder_of_another_plan_is_refused_and_resume_needs_only_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert run_cli("batch", *QUICK, "--runs", "3", "--workers", "1", "--out", str(out)).returncode == 0
    other = run_cli("batch", *QUICK[:2], "22", *QUICK[3:], "--runs", "3", "--out", str(out), "--resume")
    assert other.returncode == 1
    assert "holds runs of a different plan (seed 21 there vs 22 now)" in other.stderr
    more = run_cli("batch", "--resume", "--out", str(out), "--runs", "5", "--workers", "1", "--progress", "none")
    assert more.returncode == 0, more.stderr
    assert "(5 runs)" in more.stdout and len(load_results(out)) == 5
    empty = run_cli("batch", "--resume", "--out", str(tmp_path / "nothing"))
    assert empty.returncode == 2 and "give a SCENARIO" in empty.stderr
    mixed = run_cli("batch", "--resume", "--out", str(out), "--seed", "0")
    assert mixed.returncode == 2 and "--seed cannot change a plan" in mixed.stderr


def test_a_plan_json_replays_the_same_batch(tmp_path: Path) -> None:
    first = run_cli("batch", *QUICK, "--runs", "4", "--workers", "1", "--out", str(tmp_path / "a"))
    again = run_cli(
        "batch", "--plan", str(tmp_path / "a" / "plan.json"), "--out", str(tmp_path / "b"), "--workers", "1"
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    pd.testing.assert_frame_equal(load_results(tmp_path / "a"), load_results(tmp_path / "b"))


def _parts(folder: Path) -> list[Path]:
    return sorted((folder / "summaries").glob("part-*.parquet")) if (folder / "summaries").exists() else []


@pytest.mark.slow
def test_a_batch_killed_with_sigkill_resumes_to_the_same_table(tmp_path: Path) -> None:
    args = ["batch", *QUICK[:3], "--rounds", "4", "--runs", "600", "--workers", "2", "--chunk-size", "5"]
    killed = tmp_path / "killed"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), *args, "--out", str(killed), "--progress", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import psutil

    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(_parts(killed)) < 4 and time.monotonic() < deadline and proc.poll() is None:
        workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)] or workers
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # the driver only: its workers must notice and exit by themselves
    proc.wait()
    finished = _parts(killed)
    assert 4 <= len(finished) < 100, "killed part-way (of 120 parts)"
    for part in finished:
        pq.read_table(part)  # every visible part is whole
    try:
        _gone, alive = psutil.wait_procs([psutil.Process(p) for p in workers if psutil.pid_exists(p)], timeout=10)
        assert not alive, "worker processes outlived their killed driver"
    finally:
        for pid in workers:
            if psutil.pid_exists(pid):
                os.kill(pid, signal.SIGKILL)
    # what a writer killed mid-write leaves behind: a hidden temp file, never read
    (killed / "summaries" / ".part-p00000-s000000595-n00005-0badf00d.parquet.4242.tmp").write_bytes(b"PAR1\x00half")
    resumed = run_cli(*args, "--out", str(killed), "--resume", "--progress", "none", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    whole = run_cli(*args, "--out", str(tmp_path / "whole"), "--progress", "none", timeout=300)
    assert whole.returncode == 0, whole.stderr
    assert resumed.stdout == whole.stdout
    pd.testing.assert_frame_equal(load_results(killed), load_results(tmp_path / "whole"))
    assert not list(killed.rglob("*.tmp"))
    assert json.loads((killed / "manifest.json").read_text())["status"] == "complete"
    assert len(json.loads((killed / "manifest.json").read_text())["sessions"]) == 2


def test_a_worker_that_dies_mid_chunk_gets_its_chunk_retried(tmp_path: Path) -> None:
    marker = tmp_path / "died"
    args = ["batch", *QUICK, "--runs", "24", "--workers", "2", "--chunk-size", "6"]
    dying = run_process(*args, "--out", str(tmp_path / "dying"), env={KILL_HOOK: f"0:9:{marker}"})
    assert dying.returncode == 0, dying.stderr
    assert marker.exists(), "the injected death happened"
    assert "sent again after a worker died" in dying.stderr
    calm = run_cli(*args, "--out", str(tmp_path / "calm"))
    assert dying.stdout == calm.stdout
    pd.testing.assert_frame_equal(load_results(tmp_path / "dying"), load_results(tmp_path / "calm"))


def test_a_run_that_kills_its_worker_every_time_is_isolated_as_a_failure(tmp_path: Path) -> None:
    args = ["batch", *QUICK, "--runs", "12", "--workers", "2", "--chunk-size", "6", "--out", str(tmp_path / "b")]
    result = run_process(*args, env={KILL_HOOK: "0:3:"})
    assert result.returncode == 0, result.stderr
    rows = load_results(tmp_path / "b")
    assert len(rows) == 12
    failed = rows[rows["status"] == "failed"]
    assert failed["seed_index"].tolist() == [3], "only the culprit fails; its chunk-mates were replayed alone"
    assert failed["error"].iloc[0].startswith("WorkerDied: ")
    assert "--seed-index 3" in failed["reproduce"].iloc[0]
    assert "1 run(s) failed" in result.stdout


@pytest.mark.slow
@pytest.mark.dask
def test_dask_local_cluster_survives_a_dying_worker_and_matches_serial(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    marker = tmp_path / "died"
    args = ["batch", *QUICK, "--runs", "12", "--chunk-size", "4"]
    on_dask = run_process(*args, "--dask-local", "2", "--out", str(tmp_path / "d"), env={KILL_HOOK: f"0:5:{marker}"})
    assert on_dask.returncode == 0, on_dask.stderr
    assert marker.exists()
    serial = run_cli(*args, "--workers", "1", "--out", str(tmp_path / "s"))
    assert on_dask.stdout == serial.stdout
    pd.testing.assert_frame_equal(load_results(tmp_path / "d"), load_results(tmp_path / "s"))


def test_report_writes_a_self_contained_page_and_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    batch = run_cli(
        "batch", *QUICK, "--runs", "8", "--workers", "1", "--out", str(out), "--trajectories",
        "--sweep", "actors.russia.policy.tau=0.05,0.5",
    )  # fmt: skip
    assert batch.returncode == 0, batch.stderr
    result = run_cli("report", str(out))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert names == [  # the two points' fans overlaid in one figure, one alignment matrix per point
        "fan_alignment.png",
        "heatmap_alignment_p0.png",
        "heatmap_alignment_p1.png",
        "outcomes.png",
        "response_actors_russia_policy_tau.png",
    ]
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(names)
    assert 'src="http' not in page and "<link" not in page, "nothing is fetched from elsewhere"
    assert "Cambodia" in page and "95 % Wilson" in page and "plan.json" in page
    for png in (out / "figures").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    shares = pd.read_csv(out / "outcome_shares.csv")
    assert set(shares["point"]) == {0, 1} and (shares["runs"] == 8).all()
    assert shares.groupby("point")["share"].sum().round(9).tolist() == [1.0, 1.0]
    assert ((shares["ci_low"] <= shares["share"]) & (shares["share"] <= shares["ci_high"])).all()
    wanted = {"param__actors__russia__policy__tau", "mean_alignment__china", "mean_alignment__russia"}
    assert wanted <= set(shares.columns)


def test_report_without_trajectories_says_how_to_get_fan_charts(tmp_path: Path) -> None:
    out = tmp_path / "flat"
    assert run_cli("batch", *QUICK, "--runs", "3", "--workers", "1", "--out", str(out)).returncode == 0
    result = run_cli("report", str(out))
    assert result.returncode == 0
    assert "run the batch with --trajectories" in result.stderr
    assert not list((out / "figures").glob("fan_*.png")) and (out / "figures" / "outcomes.png").exists()
    missing = run_cli("report", str(tmp_path))
    assert missing.returncode == 1 and "not a batch results folder" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("method", "header"), [("sobol", "S1"), ("morris", "mu*")])
def test_sensitivity_prints_indices_and_draws_a_bar_plot(tmp_path: Path, method: str, header: str) -> None:
    out = tmp_path / method
    result = run_cli(
        "sensitivity", "medvedev_visit_2015", "--params", "actors.russia.policy.tau=0.05:1", "sanctions.us.russia=0:1",
        "--method", method, "--samples", "4", "--reps", "1", "--rounds", "2", "--workers", "1", "--out", str(out),
        "--progress", "none",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert header in result.stdout and "Cambodia hedging index" in result.stdout
    assert "Cambodia–Russia alignment" in result.stdout and "sanctions.us.russia" in result.stdout
    table = pd.read_csv(out / f"sensitivity_{method}.csv")
    assert set(table["parameter"]) == {"actors.russia.policy.tau", "sanctions.us.russia", "dummy"}
    assert len(table) == 3 * 7  # two parameters and the dummy x (Kuik hedging, hedging, bloc tilt, four powers)
    assert (out / f"sensitivity_{method}.png").read_bytes()[:4] == b"\x89PNG"


def test_sensitivity_rejects_a_malformed_range_in_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "sensitivity", "medvedev_visit_2015", "--params", "sanctions.us.russia=1:0", "--samples", "4",
        "--out", str(tmp_path / "s"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "low must be below high" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_run_set_and_seed_index_are_checked(tmp_path: Path) -> None:
    no_seed = run_cli("run", "medvedev_visit_2015", "--seed-index", "3")
    assert no_seed.returncode == 2 and "--seed-index needs --seed" in no_seed.stderr
    bad = run_cli("run", "medvedev_visit_2015", "--seed", "1", "--set", "actors.russia.policy.tau=50")
    assert bad.returncode == 1 and "must be <= 10 (got 50)" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    changed = run_cli("run", "medvedev_visit_2015", "--seed", "1", "--rounds", "2", "--format", "json",
                      "--set", "sanctions.us.russia=0")  # fmt: skip
    plain = run_cli("run", "medvedev_visit_2015", "--seed", "1", "--rounds", "2", "--format", "json")
    assert changed.returncode == 0 and changed.stdout != plain.stdout


def test_the_research_guide_uses_only_options_that_exist() -> None:
    import argparse
    import re

    from sim.cli import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    text = (ROOT / "docs" / "research.md").read_text(encoding="utf-8") + (ROOT / "README.md").read_text()
    checked = 0
    for command in ("batch", "run", "report", "sensitivity"):
        known = {o for action in commands[command]._actions for o in action.option_strings}
        pattern = rf"run\.py {command} ((?:[^\n]|\\\n)*)"
        for match in re.finditer(pattern, text):
            for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", match.group(1)):
                assert option in known, f"docs use `{command} {option}`, which does not exist"
                checked += 1
    assert checked > 20
