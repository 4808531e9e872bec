"""The `run` command as a user drives it: outputs, determinism across processes, files, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import BASE_FILE, run_cli, run_process


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("play", "run"):
        assert command in result.stdout


def test_same_seed_gives_byte_identical_json_in_two_processes() -> None:
    first = run_process("run", "medvedev_visit_2015", "--seed", "42", "--format", "json")
    second = run_process("run", str(BASE_FILE), "--seed", "42", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert run_cli("run", "medvedev_visit_2015", "--seed", "43", "--format", "json").stdout != first.stdout


def test_json_document_has_the_promised_shape() -> None:
    doc = json.loads(run_cli("run", "medvedev_visit_2015", "--seed", "7", "--format", "json").stdout)
    assert doc["scenario"] == "medvedev_visit_2015" and doc["seed"] == 7
    assert len(doc["rounds"]) == 12
    first = doc["rounds"][0]
    assert first["round"] == 1 and first["label"] == "2015-Q4"
    assert doc["rounds"][-1]["label"] == "2018-Q3"
    assert first["moves"], "every actor may move in round 1"
    for move in first["moves"]:
        assert set(move) >= {"actor", "action", "target", "reason"}
        assert move["reason"]
    actors = doc["actors"]
    assert set(first["alignment"]) == set(actors)
    assert set(first["alignment"]["cambodia"]) == set(actors) - {"cambodia"}
    final = doc["final"]
    assert final["alignment"]["cambodia"]["china"] == final["alignment"]["china"]["cambodia"]
    for actor in actors:
        assert {"hedging", "bloc_tilt"} <= set(final["indices"][actor])
    assert isinstance(final["outcome"], str) and final["outcome"]
    for part in (doc["start"], *doc["rounds"], final):  # the partition into blocs covers every actor once
        assert sorted(a for bloc in part["blocs"] for a in bloc) == sorted(actors)
        assert part["blocs"][0][0] == actors[0]


def test_table_shows_rounds_reasons_and_summary() -> None:
    result = run_cli("run", "medvedev_visit_2015", "--seed", "5")
    assert result.returncode == 0
    out = result.stdout
    assert "Round  1  2015-Q4" in out and "Round 12  2018-Q3" in out
    assert "why: for " in out
    assert "Cambodia's alignment to" in out
    assert "hedging" in out and "bloc tilt" in out
    assert "Outcome for Cambodia:" in out
    assert "blocs (" in out


def test_without_seed_a_seed_is_drawn_and_printed_so_the_run_repeats() -> None:
    result = run_cli("run", "medvedev_visit_2015", "--format", "json")
    assert result.returncode == 0
    seed = json.loads(result.stdout)["seed"]
    assert f"--seed {seed}" in result.stderr
    again = run_cli("run", "medvedev_visit_2015", "--format", "json", "--seed", str(seed))
    assert again.stdout == result.stdout


def test_rounds_option_shortens_the_run() -> None:
    doc = json.loads(run_cli("run", "medvedev_visit_2015", "--seed", "1", "--rounds", "3", "--format", "json").stdout)
    assert [r["label"] for r in doc["rounds"]] == ["2015-Q4", "2016-Q1", "2016-Q2"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_out_writes_tidy_rows(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"run{suffix}"
    result = run_cli("run", "medvedev_visit_2015", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert len(frame) == 13 * 6 * 5  # rounds 0..12 x ordered pairs
    assert {"round", "actor", "partner", "alignment", "hedging", "bloc_tilt"} <= set(frame.columns)
    assert list(tmp_path.iterdir()) == [out], "no temporary file is left behind"


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    line = _one_line_error(run_cli("run", str(tmp_path / "nope.yaml")))
    assert "nope.yaml" in line and "no such file" in line


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta:\n  id: x\n  title: [unclosed\nactors: {}\n")
    line = _one_line_error(run_cli("run", str(bad)))
    assert line.startswith(f"{bad}:") and "YAML syntax error" in line
    assert line.split(":")[1].isdigit() and line.split(":")[2].isdigit()


def _mutated(tmp_path: Path, old: str, new: str) -> Path:
    text = BASE_FILE.read_text()
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(k for k, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def test_unknown_field_names_file_line_column_and_suggestion(tmp_path: Path) -> None:
    path = _mutated(tmp_path, "    gdp: 18.05 ", "    gpd: 18.05 ")
    result = run_cli("run", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    unknown = next(line for line in lines if "unknown field 'gpd'" in line)
    assert unknown.startswith(f"{path}:{_line_of(path, 'gpd:')}:5: actors.cambodia.gpd:")
    assert "did you mean 'gdp'" in unknown


def test_out_of_range_value_names_field_and_range(tmp_path: Path) -> None:
    path = _mutated(tmp_path, "    gdp: 1363.5 ", "    gdp: -3 ")
    line = _one_line_error(run_cli("run", str(path)))
    assert line == f"{path}:{_line_of(path, 'gdp: -3')}:10: actors.russia.gdp: must be >= 1e-06 (got -3)"


def test_unknown_actor_in_a_pair(tmp_path: Path) -> None:
    path = _mutated(tmp_path, "  us: {russia: 0.5}", "  us: {russja: 0.5}")
    line = _one_line_error(run_cli("run", str(path)))
    assert f"{path}:{_line_of(path, 'russja')}:" in line
    assert "sanctions.us.russja: unknown actor 'russja' (did you mean 'russia'?)" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["run", "medvedev_visit_2015", "--seed", "abc"],
            "--seed: must be a whole number from 0 to 2**63-1 (got 'abc')",
        ),
        (["run", "medvedev_visit_2015", "--rounds", "0"], "--rounds: must be > 0 (got 0)"),
        (["run", "medvedev_visit_2015", "--format", "xml"], "invalid choice: 'xml'"),
        (["run", "medvedev_visit_2015", "--out", "x.txt"], "--out must end in .csv or .parquet"),
        (["run"], "the following arguments are required: scenario"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_cli_arguments_are_one_line(args: list[str], expected: str) -> None:
    result = run_cli(*args)
    line = _one_line_error(result)
    assert result.returncode == 2
    assert expected in line


def test_unknown_library_scenario_lists_the_library() -> None:
    line = _one_line_error(run_cli("run", "no_such_scenario"))
    assert "medvedev_visit_2015" in line
