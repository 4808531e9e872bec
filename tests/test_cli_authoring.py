"""The authoring commands as an instructor uses them: validate, schema, new, scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.scenario import load_scenario
from tests.conftest import BASE_FILE, ROOT, SCENARIOS, run_cli


def test_help_lists_the_authoring_commands() -> None:
    out = run_cli("--help").stdout
    for command in ("validate", "schema", "new", "scenarios", "check"):
        assert command in out


# -- validate ----------------------------------------------------------------------------------------------


def test_validate_checks_every_file_and_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"extends: {BASE_FILE.stem}\nmeta: {{id: bad, title: Bad}}\nrounds: 0\nactors: {{cambodia: {{gdp: x}}}}\n"
    )
    missing = tmp_path / "missing.yaml"
    result = run_cli("validate", str(bad), "debt_cancellation", str(missing), str(BASE_FILE))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{bad}:3:9: rounds: must be >= 1 (got 0)",
        f"{bad}:4:26: actors.cambodia.gdp: must be a number (got 'x')",
        f"{missing}: no such file",
        "4 files: 2 valid, 2 with problems",
    ]
    valid = result.stdout.splitlines()
    assert len(valid) == 2
    assert valid[0].startswith(f"{SCENARIOS / 'debt_cancellation.yaml'}: valid: debt_cancellation 'Debt for friendship")
    assert "extends medvedev_visit_2015.yaml, 6 actors (6 playable), 12 rounds from 2015-Q4, 2 events" in valid[0]
    assert valid[1].startswith(f"{BASE_FILE}: valid: medvedev_visit_2015")


def test_validate_a_folder_checks_every_yaml_in_it() -> None:
    result = run_cli("validate", "scenarios")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(list(SCENARIOS.glob("*.yaml"))) + 1
    assert result.stdout.splitlines()[-1].endswith("valid, 0 with problems")


def test_validate_a_single_valid_file_prints_one_summary_line() -> None:
    result = run_cli("validate", "tutorial")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == (
        f"{SCENARIOS / 'tutorial.yaml'}: valid: tutorial 'Tutorial: your first year as Cambodia', extends "
        "medvedev_visit_2015.yaml, 6 actors (2 playable), 4 rounds from 2015-Q4, 4 events, 5 objectives, "
        "2 briefings, 3 expectations\n"
    )


def test_validate_an_empty_folder(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 1 and result.stderr.strip() == f"{tmp_path}: no .yaml scenario files in this folder"


# -- schema ------------------------------------------------------------------------------------------------


def test_schema_prints_the_committed_schema() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    committed = (SCENARIOS / "scenario.schema.json").read_text()
    assert result.stdout == committed, "scenarios/scenario.schema.json is stale: run python run.py schema --out it"
    assert json.loads(result.stdout)["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_schema_out_writes_the_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    result = run_cli("schema", "--out", str(out))
    assert result.returncode == 0 and json.loads(out.read_text())["title"] == "Pivot scenario"
    assert list(tmp_path.iterdir()) == [out]
    blocked = run_cli("schema", "--out", str(tmp_path / "no" / "s.json"))
    assert blocked.returncode == 1 and "does not exist" in blocked.stderr and "Traceback" not in blocked.stderr


# -- new ---------------------------------------------------------------------------------------------------


def test_new_writes_a_world_that_validates_runs_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "island_lesson.yaml"
    result = run_cli("new", str(path))
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert text.count("#") > 30, "the starter explains itself in comments"
    scenario = load_scenario(path)
    assert scenario.meta.id == "island_lesson" and len(scenario.actors) == 3
    assert scenario.events and scenario.objectives and scenario.briefing and scenario.expect
    assert run_cli("validate", str(path)).returncode == 0
    assert run_cli("run", str(path), "--seed", "1").returncode == 0
    checked = run_cli("check", str(path), "--runs", "30")
    assert checked.returncode == 0, checked.stdout


def test_new_from_a_base_writes_an_overlay_that_validates_runs_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "lesson.yaml"
    result = run_cli("new", str(path), "--from", "medvedev_visit_2015", "--title", "My lesson")
    assert result.returncode == 0, result.stderr
    scenario = load_scenario(path)
    assert scenario.extends is not None and scenario.meta.title == "My lesson"
    assert scenario.events[0].effects[0].force_move is not None
    assert run_cli("run", str(path), "--seed", "2", "--format", "json").returncode == 0
    checked = run_cli("check", str(path), "--runs", "30")
    assert checked.returncode == 0, checked.stdout


def test_new_by_bare_name_writes_into_the_library_and_a_path_anywhere() -> None:
    from sim.cli.new_cmd import target_path

    assert target_path("my_lesson") == SCENARIOS / "my_lesson.yaml"
    assert target_path("lessons/week1.yaml") == Path("lessons/week1.yaml")


def test_new_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "lesson.yaml"
    assert run_cli("new", str(path), "--from", "tutorial").returncode == 0
    assert load_scenario(path).extends == "tutorial", "outside the library: the library scenario by name"
    before = path.read_text()
    again = run_cli("new", str(path))
    assert again.returncode == 1 and "already exists; not overwritten" in again.stderr
    assert path.read_text() == before


def test_new_names_its_base_as_extends_allows(tmp_path: Path) -> None:
    from sim.cli.common import CliError
    from sim.cli.new_cmd import extends_reference

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_text("meta: {id: b, title: B}\n")
    assert extends_reference(tmp_path / "sub" / "base.yaml", tmp_path) == "sub/base.yaml"
    assert extends_reference(SCENARIOS / "tutorial.yaml", tmp_path) == "tutorial"
    assert extends_reference(SCENARIOS / "tutorial.yaml", SCENARIOS) == "tutorial.yaml"
    with pytest.raises(CliError, match="extends can only name a file in"):
        extends_reference(tmp_path / "sub" / "base.yaml", tmp_path / "other")
    (tmp_path / "tutorial.yaml").write_text("meta: {id: t, title: T}\n")
    with pytest.raises(CliError, match="would hide the library scenario of that name"):
        extends_reference(SCENARIOS / "tutorial.yaml", tmp_path)


def test_new_from_a_base_outside_the_folder_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "base.yaml").write_text((SCENARIOS / "medvedev_visit_2015.yaml").read_text())
    result = run_cli("new", str(tmp_path / "b" / "lesson.yaml"), "--from", str(tmp_path / "a" / "base.yaml"))
    assert result.returncode == 1 and "extends can only name a file in" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "b" / "lesson.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "My-Lesson"], "must be lower-case letters, digits and _"),
        (["new", "x", "--from", "no_such_base"], "no such scenario file or library scenario"),
        (["new", "/no/such/folder/x.yaml"], "folder /no/such/folder does not exist"),
    ],
)
def test_new_refuses_bad_names_in_one_line(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# -- scenarios ---------------------------------------------------------------------------------------------


def test_scenarios_lists_the_library_with_titles_and_summaries() -> None:
    result = run_cli("scenarios")
    assert result.returncode == 0
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        assert f"  {path.stem}  {scenario.meta.title}" in result.stdout
        assert " ".join(scenario.meta.summary.split()[:5]) in " ".join(result.stdout.split())
    assert "play as: Cambodia, Russia · 4 rounds from 2015-Q4" in result.stdout


def test_scenarios_lists_a_broken_file_without_stopping(tmp_path: Path) -> None:
    (tmp_path / "a_broken.yaml").write_text("meta: [\n")
    (tmp_path / "b_fine.yaml").write_text(f"extends: {BASE_FILE.stem}\nmeta: {{id: b_fine, title: Fine}}\n")
    result = run_cli("scenarios", str(tmp_path))
    assert result.returncode == 0
    assert f"Scenario library (2 in {tmp_path})" in result.stdout
    assert "  a_broken  (does not load: " in result.stdout and "YAML syntax error" in result.stdout
    assert "  b_fine  Fine" in result.stdout


def test_run_prints_objectives_and_json_carries_them() -> None:
    table = run_cli("run", "debt_cancellation", "--seed", "4").stdout
    assert "Objectives of Cambodia: score" in table and "Get the debt to Russia written off" in table
    doc = json.loads(run_cli("run", "debt_cancellation", "--seed", "4", "--format", "json").stdout)
    cambodia = doc["objectives"]["cambodia"]
    assert cambodia["grade"] in "ABCDE" and 0 <= cambodia["score"] <= 100
    assert [o["id"] for o in cambodia["objectives"]] == ["debt_cancelled", "stay_hedged", "west_still_friendly"]
    assert doc["rounds"][0]["events"][0]["id"] == "offer"
    assert ROOT.exists()
