"""Research answers as a user gets them: compare, intervals, --until-ci on a metric, linked sweeps, overwritten
sweeps, policy state, provenance and reproduce, trustworthy sensitivity, figures and scenario discovery."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import __version__
from sim.batch import load_results, plots, run_batch
from sim.batch.compare import compare, text_table
from sim.batch.discovery import choose, peel, simplify
from sim.batch.engine import plan_batch, plan_warnings
from sim.batch.overwrites import OverwrittenSweepWarning
from sim.batch.store import BatchError, read_plan
from sim.scenario.errors import ScenarioError
from tests.conftest import ROOT, run_cli

LINKED = "sanctions.us.russia,sanctions.eu.russia=0,1"


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small batch over a linked sweep of Western sanctions on Russia, with trajectories."""
    out = tmp_path_factory.mktemp("research") / "linked"
    result = run_cli(
        "batch", "medvedev_visit_2015", "--seed", "7", "--runs", "8", "--rounds", "3", "--workers", "1",
        "--sweep-together", LINKED, "--trajectories", "--progress", "none", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


# -- 1. compare, intervals, --until-ci on a metric ---------------------------------------------------------


def test_batch_table_gives_an_interval_for_every_mean(linked: Path) -> None:
    table = pd.read_csv(linked / "outcome_shares.csv") if (linked / "outcome_shares.csv").exists() else None
    result = run_cli("batch", "--resume", "--out", str(linked), "--progress", "none")
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if "mean final alignment to:" in x)
    assert re.search(r"China [+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\]", line), line
    rows = load_results(linked)
    point = rows[rows["point"] == 0]["alignment__cambodia__china"]
    half = 1.959963984540054 * point.std(ddof=1) / math.sqrt(len(point))
    shown = re.search(r"China ([+-]\d\.\d{3}) \[([+-]\d\.\d{3}), ([+-]\d\.\d{3})\]", line)
    assert shown is not None
    assert float(shown[2]) == pytest.approx(point.mean() - half, abs=6e-4)
    assert float(shown[3]) == pytest.approx(point.mean() + half, abs=6e-4)
    del table


def test_compare_a_known_difference_exactly(tmp_path: Path) -> None:
    out = tmp_path / "rounds"
    run_batch("medvedev_visit_2015", runs=5, seed=3, sweep={"rounds": [2, 3]}, workers=1, out=out)
    (c,) = compare(out, "rounds=2", "rounds=3", metrics=["rounds_played"])
    assert c.paired and c.n_pairs == 5
    assert c.difference == 1 and c.ci_low == pytest.approx(1) and c.ci_high == pytest.approx(1) and c.detected
    assert c.sentence.startswith("Going from rounds=2 to rounds=3 changes rounds_played by +1")


def test_compare_pairs_runs_by_seed_and_matches_a_paired_t_interval(linked: Path) -> None:
    from scipy import stats

    results = compare(
        linked, "sanctions.us.russia=0", "sanctions.us.russia=1", metrics=["gdp.russia", "alignment.russia.cambodia"]
    )
    gdp, align = results
    assert align.metric == "alignment__cambodia__russia", "a pair named the other way round finds its column"
    assert gdp.paired and gdp.n_pairs == 8 and gdp.difference < 0 and gdp.detected, "sanctions cost Russia GDP"
    rows = load_results(linked)
    a = rows[rows["point"] == 0].set_index("seed_index")["alignment__cambodia__russia"]
    b = rows[rows["point"] == 1].set_index("seed_index")["alignment__cambodia__russia"]
    d = (b - a).to_numpy()
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    assert align.difference == pytest.approx(d.mean())
    assert (align.ci_low, align.ci_high) == pytest.approx((d.mean() - half, d.mean() + half))
    pooled = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert align.effect_size == pytest.approx(d.mean() / pooled)
    assert "Cambodia–Russia alignment" in align.sentence and "paired runs" in align.sentence
    assert align.detected == (align.ci_low > 0 or align.ci_high < 0)
    assert "no detectable effect" in align.sentence or "a detectable effect" in align.sentence


def test_compare_two_folders_with_different_seeds_is_unpaired(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch("medvedev_visit_2015", runs=4, seed=1, rounds=2, workers=1, out=one)
    run_batch("medvedev_visit_2015", runs=4, seed=2, rounds=2, workers=1, out=two, overrides={"sanctions.us.russia": 1})
    (c,) = compare(one, other=two, metrics=["sanctions__us__russia"])
    assert not c.paired and c.n_a == 4 and c.n_b == 4 and c.difference > 0.3
    assert "4 and 4 runs" in c.sentence and math.isnan(c.correlation)


def test_compare_cli_prints_a_table_and_sentences_and_writes_csv_and_plot(linked: Path, tmp_path: Path) -> None:
    csv, png = tmp_path / "c.csv", tmp_path / "effects.png"
    result = run_cli(
        "compare", str(linked), "--from", "point=0", "--to", "point=1", "--metric", "alignment.cambodia.russia",
        "--metric", "outcome=China-leaning hedger", "--csv", str(csv), "--plot", str(png),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "paired by seed (8 pairs)" in result.stdout
    assert "Going from sanctions.us.russia=0, sanctions.eu.russia=0 to" in result.stdout
    table = pd.read_csv(csv)
    assert list(table["metric"]) == ["alignment__cambodia__russia", "outcome=China-leaning hedger"]
    assert png.read_bytes()[:4] == b"\x89PNG"
    bad = run_cli("compare", str(linked), "--from", "point=0", "--metric", "alignment.cambodia.mars")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "no such column" in bad.stderr and "alignment__A__B" in bad.stderr
    same = run_cli("compare", str(linked), "--from", "point=0", "--to", "sanctions.us.russia=0")
    assert same.returncode == 1 and "same points" in same.stderr


def test_until_ci_can_target_a_metric(tmp_path: Path) -> None:
    out = tmp_path / "ci"
    result = run_cli(
        "batch", "medvedev_visit_2015", "--seed", "4", "--runs", "8", "--rounds", "2", "--workers", "1",
        "--until-ci", "0.05", "--ci-metric", "alignment.cambodia.china", "--progress", "none", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "the mean alignment__cambodia__china's 95 % interval is narrower than 0.05" in result.stdout
    x = load_results(out)["alignment__cambodia__china"]
    assert 2 * 1.959963984540054 * x.std(ddof=1) / math.sqrt(len(x)) < 0.05
    lonely = run_cli("batch", "medvedev_visit_2015", "--ci-metric", "gdp.russia", "--out", str(tmp_path / "x"))
    assert lonely.returncode == 2 and "--until-ci" in lonely.stderr


# -- 3. linked sweeps, overwritten sweeps, policy state ----------------------------------------------------


def test_linked_sweep_moves_its_paths_together(linked: Path) -> None:
    plan = read_plan(linked)
    assert plan.points == [
        {"sanctions.us.russia": 0, "sanctions.eu.russia": 0},
        {"sanctions.us.russia": 1, "sanctions.eu.russia": 1},
    ]
    rows = load_results(linked)
    assert (rows["param__sanctions__us__russia"] == rows["param__sanctions__eu__russia"]).all()
    with pytest.raises(ScenarioError, match="links two or more paths"):
        plan_batch("medvedev_visit_2015", seed=1, sweep_together=["sanctions.us.russia=0,1"])
    with pytest.raises(ScenarioError, match="already swept"):
        plan_batch("medvedev_visit_2015", seed=1, sweep=["sanctions.us.russia=0,1"], sweep_together=[LINKED])


def test_a_sweep_overwritten_by_a_round_one_event_is_warned_about(tmp_path: Path) -> None:
    plan = plan_batch("sanctions_escalation", seed=1, runs=2, sweep=["sanctions.us.russia=0,1"], rounds=2)
    (message,) = [w for w in plan_warnings(plan) if w.startswith("sanctions.us.russia")]
    assert "event 'tighter_sanctions' sets it to 0.75 in round 1" in message and "changes nothing" in message
    result = run_cli(
        "batch", "sanctions_escalation", "--seed", "1", "--runs", "2", "--rounds", "2", "--workers", "1",
        "--sweep", "sanctions.us.russia=0,1", "--progress", "none", "--out", str(tmp_path / "esc"),
    )  # fmt: skip
    assert result.returncode == 0 and "warning: sanctions.us.russia" in result.stderr
    rows = load_results(tmp_path / "esc")
    assert (
        set(rows["sanctions__us__russia"]) == {0.75}
        or rows.groupby("seed_index")["sanctions__us__russia"].nunique().max() == 1
    )
    with pytest.warns(OverwrittenSweepWarning, match="tighter_sanctions"):
        run_batch("sanctions_escalation", runs=1, seed=1, rounds=1, workers=1, sweep={"sanctions.us.russia": [0, 1]})
    assert plan_warnings(plan_batch("medvedev_visit_2015", seed=1, sweep=["sanctions.us.russia=0,1"])) == []


def test_policy_state_is_recorded_per_run_and_per_round(linked: Path) -> None:
    rows = load_results(linked)
    rounds = load_results(linked, "trajectories")
    start = rounds[rounds["round"] == 0]
    assert (start["sanctions__us__russia"].to_numpy() == np.repeat([0.0, 1.0], 8)).all(), (
        "round 0 holds the swept value"
    )
    for prefix in ("sanctions", "tariffs", "debt", "trade"):
        assert f"{prefix}__us__russia" in rows and f"{prefix}__russia__us" in rounds
    assert rows["agreements__cambodia__russia"].dtype.kind == "i" and (rows["agreements__cambodia__russia"] >= 0).all()
    last = rounds[rounds["round"] == rounds["round"].max()].reset_index(drop=True)
    assert np.allclose(last["tariffs__us__cambodia"], rows["tariffs__us__cambodia"])
    assert np.allclose(last["debt__cambodia__china"], rows["debt__cambodia__china"])


# -- 7. provenance -----------------------------------------------------------------------------------------


def test_manifest_records_git_and_package_versions(linked: Path) -> None:
    manifest = json.loads((linked / "manifest.json").read_text())
    prov = manifest["provenance"]
    assert prov["engine"] == f"pivot {__version__}"
    for name in ("numpy", "mesa", "pandas", "pyarrow", "SALib", "matplotlib", "pydantic", "pyyaml"):
        assert prov["packages"][name], name
    git = prov["git"]
    assert git is not None, "the tests run from a git checkout"
    assert re.fullmatch(r"[0-9a-f]{40}", git["commit"]) and isinstance(git["dirty"], bool)


def test_every_row_reproduce_command_replays_its_row_exactly(linked: Path) -> None:
    rows = load_results(linked)
    assert rows["reproduce"].notna().all() and (rows["status"] == "ok").all()
    row = rows[(rows["point"] == 1) & (rows["seed_index"] == 5)].iloc[0]
    words = row["reproduce"].split()
    assert words[:3] == ["python", "run.py", "run"]
    result = run_cli(*words[2:], "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    plan = read_plan(linked)
    assert doc["scenario_hash"] == plan.scenario.hash
    assert doc["overrides"] == plan.overrides(1)
    final = doc["final"]
    assert final["outcome"] == row["outcome"] and final["round"] == row["rounds_played"]
    for a, b in (("cambodia", "russia"), ("cambodia", "china"), ("us", "eu")):
        assert final["alignment"][a][b] == round(row[f"alignment__{a}__{b}"], 6)
    for actor in ("cambodia", "russia"):
        assert final["indices"][actor]["hedging"] == round(row[f"hedging__{actor}"], 6)
        assert final["indices"][actor]["gdp"] == round(row[f"gdp__{actor}"], 6)


def test_citation_file_names_the_software() -> None:
    doc = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert doc["cff-version"].startswith("1.2") and doc["title"] and doc["authors"]
    assert doc["version"] == __version__


# -- 4. sensitivity you can trust --------------------------------------------------------------------------


def test_sobol_dummy_sits_near_zero_and_a_real_driver_clears_it(tmp_path: Path) -> None:
    pytest.importorskip("SALib")
    from sim.batch.executors import SerialExecutor
    from sim.batch.sensitivity import DUMMY, parse_bound, run_sensitivity

    bounds = [parse_bound("sanctions.us.cambodia=0:1"), parse_bound("actors.russia.policy.tau=0.05:1")]
    result = run_sensitivity(
        "medvedev_visit_2015", bounds, method="sobol", samples=16, seed=2, reps=2, out=tmp_path / "s",
        executor=SerialExecutor(), rounds=1,
    )  # fmt: skip
    us = result.indices[result.indices["metric"] == "Cambodia–United States alignment"].set_index("parameter")
    assert abs(us.loc[DUMMY, "ST"]) < 0.05 and us.loc[DUMMY, "ST_high"] < 0.1, "the dummy changes nothing"
    assert us.loc["sanctions.us.cambodia", "ST"] > 0.5 and us.loc["sanctions.us.cambodia", "above_noise"]
    assert (us["S1_low"] <= us["S1"] + 1e-9).all() and (us["S1"] <= us["S1_high"] + 1e-9).all()
    assert 0 <= result.noise["Cambodia–United States alignment"] <= 1
    assert any("sample is small" in w for w in result.warnings), "16 base samples is below the advice"
    fig = plots.sobol_figure(result.indices, "test")
    for ax in fig.axes[:1]:
        assert ax.get_xlim() == (0, 1.08)
        widths = [p.get_width() for p in ax.patches]
        assert widths and all(0 <= w <= 1 for w in widths), "bars are clipped to [0, 1]"


def test_sensitivity_cli_warns_when_estimates_leave_the_unit_interval(tmp_path: Path) -> None:
    pytest.importorskip("SALib")
    result = run_cli(
        "sensitivity", "medvedev_visit_2015", "--params", "actors.russia.policy.tau=0.05:1", "sanctions.us.russia=0:1",
        "--samples", "4", "--reps", "2", "--rounds", "2", "--workers", "1", "--out", str(tmp_path / "w"),
        "--progress", "none", timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warnings:" in result.stdout and "sample is small" in result.stdout
    assert "dummy" in result.stdout and "seed noise:" in result.stdout
    assert (tmp_path / "w" / "sensitivity_sobol.pdf").read_bytes()[:4] == b"%PDF"


# -- 6. figures ----------------------------------------------------------------------------------------------


def test_report_draws_overlaid_fans_per_point_heat_maps_in_three_formats_with_captions(linked: Path) -> None:
    result = run_cli("report", str(linked), "--points", "0,1")
    assert result.returncode == 0, result.stderr
    figures = linked / "figures"
    for stem in ("fan_alignment", "outcomes", "heatmap_alignment_p0", "heatmap_alignment_p1"):
        assert (figures / f"{stem}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml"), stem
        assert (figures / f"{stem}.pdf").read_bytes()[:4] == b"%PDF"
    from PIL import Image

    with Image.open(figures / "fan_alignment.png") as image:
        assert round(image.info["dpi"][0]) >= 200
    page = (linked / "report.html").read_text(encoding="utf-8")
    assert page.count("<figcaption><b>Figure") == 5
    assert "8 runs" in page and "95 % Wilson intervals" in page
    bad = run_cli("report", str(linked), "--points", "9")
    assert bad.returncode == 1 and "points 0 to 1" in bad.stderr


def test_plots_api_returns_figures_with_overlaid_points_and_honest_axes(linked: Path) -> None:
    fig = plots.fan(linked, points=[0, 1])
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3 and ax.get_ylim() == (-1.02, 1.02), "two medians and the zero line, shared axes"
    assert len({a.get_ylim() for a in fig.axes if a.get_visible()}) == 1
    fig = plots.response(linked, "sanctions.eu.russia")
    hedging, tilt, _ = fig.axes
    assert hedging.get_ylim()[1] - hedging.get_ylim()[0] >= plots.MIN_SPAN["hedging"] - 1e-9
    assert tilt.get_ylim()[1] - tilt.get_ylim()[0] >= plots.MIN_SPAN["bloc_tilt"] - 1e-9
    assert any("means move by at most" in t.get_text() for t in hedging.texts)
    fig = plots.heatmap(linked, point=1)
    image = fig.axes[0].images[0]
    neg, pos = image.cmap(0.0), image.cmap(1.0)
    assert neg[0] > neg[2] and pos[2] > pos[0], "the game's colours: orange negative, purple positive"
    fig = plots.outcomes(linked)
    assert all(ax.get_ylim() == (-0.02, 1.02) for ax in fig.axes if ax.get_visible())


# -- 5. scenario discovery ----------------------------------------------------------------------------------


def test_prim_finds_a_planted_box() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(2000, 3))
    y = (X[:, 0] > 0.7) & (X[:, 2] < 0.5)
    full = {p: (float(X[:, j].min()), float(X[:, j].max())) for j, p in enumerate("abc")}
    step, reached = choose(peel(X, y, ["a", "b", "c"]), 0.9)
    step = simplify(step, X, y, ["a", "b", "c"], full, 0.9)
    assert reached and step.density >= 0.89 and step.coverage > 0.6
    restricted = step.restricted(full)
    assert set(restricted) == {"a", "c"}
    assert 0.6 < restricted["a"][0] < 0.8 and 0.4 < restricted["c"][1] < 0.6


def test_discover_cli_writes_boxes_and_a_figure(tmp_path: Path) -> None:
    out = tmp_path / "grid"
    run_batch(
        "medvedev_visit_2015", runs=4, seed=5, rounds=2, workers=1, out=out,
        sweep={"sanctions.us.cambodia": "0:1:5", "actors.russia.policy.tau": [0.05, 0.5]},
    )  # fmt: skip
    result = run_cli("discover", str(out), "--where", "sanctions.us.cambodia>=0.5")
    assert result.returncode == 0, result.stderr
    assert "box 1:" in result.stdout and "sanctions.us.cambodia" in result.stdout
    boxes = pd.read_csv(out / "discovery_boxes.csv")
    row = boxes[boxes["parameter"] == "sanctions.us.cambodia"].iloc[0]
    assert row["low"] >= 0.25 and row["density"] >= 0.8
    assert (out / "discovery.png").read_bytes()[:4] == b"\x89PNG" and (out / "discovery.pdf").exists()
    bad = run_cli("discover", str(out), "--where", "sanctions.us.cambodia~1")
    assert bad.returncode == 1 and "METRIC>VALUE" in bad.stderr


def test_compare_refuses_unknown_points_and_paths(linked: Path) -> None:
    with pytest.raises(BatchError, match="points 0 to 1"):
        compare(linked, "point=5", "point=0")
    with pytest.raises(BatchError, match="not swept"):
        compare(linked, "actors.russia.policy.tau=0.1", "point=0")
    assert "B = " in text_table(compare(linked, "point=0", "point=1", metrics=["hedging__cambodia"]))


def test_the_notebook_style_example_runs_end_to_end(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "western"
    script = ROOT / "docs" / "examples" / "research_sanctions.py"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(script), "3", str(out)], capture_output=True, text=True, timeout=600, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Going from" in done.stdout
    for name in ("effects", "fan_none_vs_full", "outcomes", "response", "heatmap_full"):
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG" and (out / f"{name}.pdf").exists()
    assert len(pd.read_csv(out / "effects.csv")) == 4 * 3


def test_a_linked_sweep_written_in_the_scenario_file_moves_its_paths_together(tmp_path: Path) -> None:
    """`sweep.parameters[k].together` is the file's --sweep-together: one axis, every path at the same value."""
    lesson = tmp_path / "western.yaml"
    lesson.write_text(
        "extends: medvedev_visit_2015\n"
        "meta: {id: western, title: Western sanctions together}\n"
        "sweep:\n"
        "  runs: 2\n"
        "  parameters:\n"
        "    - path: sanctions.us.russia\n"
        "      together: [sanctions.eu.russia]\n"
        "      values: [0.0, 1.0]\n",
        encoding="utf-8",
    )
    plan = plan_batch(str(lesson), seed=3, rounds=1)
    (parameter,) = plan.parameters
    assert parameter.paths == ("sanctions.us.russia", "sanctions.eu.russia")
    assert plan.points == [
        {"sanctions.us.russia": 0.0, "sanctions.eu.russia": 0.0},
        {"sanctions.us.russia": 1.0, "sanctions.eu.russia": 1.0},
    ]
    # a linked path that leaves the format is an error located at it
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("sanctions.eu.russia", "sanctions.eu.rusia"))
    result = run_cli("validate", str(lesson))
    assert result.returncode != 0
    assert "western.yaml:7:" in result.stderr + result.stdout and "sweep.parameters.0.together.0" in (
        result.stderr + result.stdout
    )
    # and an event that overwrites a linked path is warned about at its parameter
    escalate = tmp_path / "escalate.yaml"
    escalate.write_text(
        "extends: sanctions_escalation\n"
        "meta: {id: escalate, title: Escalation}\n"
        "sweep:\n"
        "  parameters:\n"
        "    - path: actors.russia.policy.tau\n"
        "      together: [sanctions.eu.russia]\n"
        "      values: [0.5, 1.0]\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(escalate))
    out = result.stderr + result.stdout
    assert "sweep.parameters.0.path: warning: sanctions.eu.russia is swept" in out, out
