"""Batch plans as plain data: overrides by dotted path, values, seeds, grids, chunks and the sweep: section."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.batch.plan import Chunk, Plan, build_plan, chunk_size_for, parse_sweep, pending_chunks, run_seed
from sim.batch.summary import runs_for_width, wilson
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_document, validate_overrides, validate_point
from sim.scenario.overrides import (
    OverrideError,
    format_value,
    grid,
    parse_scalar,
    parse_values,
    set_path,
)
from sim.scenario.strict_yaml import parse
from tests.conftest import BASE_FILE


@pytest.fixture(scope="module")
def base_document():  # type: ignore[no-untyped-def]
    return load_document(BASE_FILE)


def test_values_are_lists_or_even_grids() -> None:
    assert parse_values("0.05,0.15,0.5") == [0.05, 0.15, 0.5]
    assert parse_values("0:1:5") == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parse_values("0:1:11")[3] == 0.3  # no binary noise such as 0.30000000000000004
    assert parse_values("4:12:3") == [4, 8, 12]  # whole-number ends and steps stay whole numbers
    assert parse_values("true,false") == [True, False]
    assert parse_values("ai,scripted") == ["ai", "scripted"]
    assert parse_values("7") == [7]


@pytest.mark.parametrize("bad", ["", "0.1,,0.2", "0:1:0", "0:1:2.5"])
def test_malformed_values_are_refused(bad: str) -> None:
    with pytest.raises(OverrideError):
        parse_values(bad)


@given(st.one_of(st.integers(-(10**9), 10**9), st.floats(allow_nan=False, allow_infinity=False), st.booleans()))
def test_formatted_values_read_back_identically(value: float) -> None:
    back = parse_scalar(format_value(value))
    assert back == value and type(back) is type(value)


@given(st.floats(-100, 100), st.floats(-100, 100), st.integers(1, 50))
@settings(max_examples=50)
def test_grid_has_the_steps_and_ends_asked_for(low: float, high: float, steps: int) -> None:
    values = grid(low, high, steps)
    assert len(values) == steps
    assert values[0] == pytest.approx(low, abs=1e-9)
    if steps > 1:
        assert values[-1] == pytest.approx(high, abs=1e-9)


def test_set_path_creates_missing_keys_but_not_actors() -> None:
    data: dict = {"actors": {"russia": {"gdp": 1.0}}, "sanctions": {"us": {"russia": 0.5}}}
    set_path(data, "sanctions.eu.cambodia", 0.2)
    set_path(data, "actors.russia.policy.tau", 0.3)
    assert data["sanctions"] == {"us": {"russia": 0.5}, "eu": {"cambodia": 0.2}}
    assert data["actors"]["russia"]["policy"] == {"tau": 0.3}
    with pytest.raises(OverrideError, match="unknown actor 'rusia' \\(did you mean 'russia'\\?\\)"):
        set_path(data, "actors.rusia.policy.tau", 0.3)
    with pytest.raises(OverrideError, match="is a single value"):
        set_path(data, "actors.russia.gdp.x", 1)
    with pytest.raises(OverrideError, match="dot-separated"):
        set_path(data, "actors..gdp", 1)


def test_an_override_on_a_pair_the_file_leaves_out_is_valid(base_document) -> None:  # type: ignore[no-untyped-def]
    assert "eu" not in base_document.data["sanctions"] or "cambodia" not in base_document.data["sanctions"]["eu"]
    scenario = validate_overrides(base_document, {"sanctions.eu.cambodia": 0.4}, "--set")
    assert scenario.sanctions["eu"]["cambodia"] == 0.4
    assert "cambodia" not in base_document.data["sanctions"].get("eu", {}), "the original data is untouched"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"actors.russia.policy.taux": 0.3}, "actors.russia.policy.taux: unknown field 'taux' (did you mean 'tau'?)"),
        ({"actors.russia.policy.tau": 50}, "actors.russia.policy.tau: must be <= 10 (got 50)"),
        ({"sanctions.us.russia": 2.0}, "sanctions.us.russia: must be a sanction intensity from 0 to 1 (got 2.0)"),
        ({"rounds": 2.5}, "rounds: must be a whole number (got 2.5)"),
    ],
)
def test_a_path_or_value_the_schema_rejects_is_one_located_line(base_document, overrides, expected) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError) as info:
        validate_overrides(base_document, overrides, "--sweep X")
    problems = info.value.problems
    assert len(problems) == 1
    line = str(problems[0])
    assert line.startswith("--sweep X: ") and expected in line and "\n" not in line
    assert "medvedev_visit_2015.yaml:" in line, "the message points into the file"


def test_run_seed_is_the_kth_child_of_the_root_sequence() -> None:
    children = np.random.SeedSequence(2015).spawn(8)
    for k, child in enumerate(children):
        assert (run_seed(2015, k).generate_state(4) == child.generate_state(4)).all()


def test_plan_is_a_grid_of_points_each_validated(base_document) -> None:  # type: ignore[no-untyped-def]
    plan = build_plan(
        base_document,
        "medvedev_visit_2015",
        seed=3,
        runs=10,
        sweeps=[parse_sweep("actors.russia.policy.tau=0.05,0.5"), parse_sweep("sanctions.us.russia=0:1:3")],
        fixed={"rounds": 4},
    )
    assert plan.n_points == 6 and plan.runs == [10] * 6 and plan.total_runs == 60
    assert plan.points[0] == {"actors.russia.policy.tau": 0.05, "sanctions.us.russia": 0.0}
    assert plan.points[5] == {"actors.russia.policy.tau": 0.5, "sanctions.us.russia": 1.0}
    assert plan.overrides(4) == {"rounds": 4, "actors.russia.policy.tau": 0.5, "sanctions.us.russia": 0.5}
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())), plan.scenario.data)
    assert again.fingerprint == plan.fingerprint and again.points == plan.points
    with pytest.raises(ScenarioError, match=r"--sweep sanctions.us.russia=0:2:3 \(sanctions.us.russia=2\)"):
        build_plan(base_document, "x", seed=1, sweeps=[parse_sweep("sanctions.us.russia=0:2:3")])


def test_fingerprint_ignores_the_number_of_seeds_but_not_the_rest(base_document) -> None:  # type: ignore[no-untyped-def]
    a = build_plan(base_document, "s", seed=1, runs=10)
    assert a.fingerprint == build_plan(base_document, "s", seed=1, runs=500).fingerprint
    assert a.fingerprint != build_plan(base_document, "s", seed=2, runs=10).fingerprint
    b = build_plan(base_document, "s", seed=1, runs=10, fixed={"rounds": 3})
    assert a.fingerprint != b.fingerprint
    assert any(d.startswith("fixed") for d in b.differences(a))


def test_reproduce_command_names_seed_index_and_overrides(base_document) -> None:  # type: ignore[no-untyped-def]
    plan = build_plan(
        base_document, "medvedev_visit_2015", seed=9, sweeps=[parse_sweep("actors.russia.policy.tau=0.05,0.5")]
    )
    assert plan.reproduce_command(1, 17) == (
        "python run.py run medvedev_visit_2015 --seed 9 --seed-index 17 --set actors.russia.policy.tau=0.5"
    )


def _scenario_with_sweep(tmp_path: Path, sweep: str) -> Path:
    text = BASE_FILE.read_text(encoding="utf-8").split("\nsweep:\n")[0] + "\n" + sweep  # replaces the base's own
    path = tmp_path / "swept.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_scenario_sweep_section_is_used_without_sweep_flags(tmp_path: Path) -> None:
    path = _scenario_with_sweep(
        tmp_path,
        "sweep:\n  runs: 7\n  parameters:\n    - path: actors.russia.policy.tau\n      values: [0.05, 0.5]\n"
        "    - path: sanctions.us.russia\n      range: {low: 0.0, high: 1.0, steps: 3}\n",
    )
    document = load_document(path)
    validate_point(document)
    plan = build_plan(document, str(path), seed=1)
    assert [p.path for p in plan.parameters] == ["actors.russia.policy.tau", "sanctions.us.russia"]
    assert plan.n_points == 6 and plan.runs == [7] * 6
    flagged = build_plan(document, str(path), seed=1, runs=3, sweeps=[parse_sweep("scoring.weights.trade=0.1,0.2")])
    assert flagged.n_points == 2 and flagged.runs == [3, 3], "flags replace the section"


def test_a_bad_sweep_section_is_a_located_error(tmp_path: Path) -> None:
    path = _scenario_with_sweep(
        tmp_path, "sweep:\n  parameters:\n    - path: actors.russia.policy.tau\n      range: {low: 0, high: 1}\n"
    )
    with pytest.raises(ScenarioError) as info:
        build_plan(load_document(path), str(path), seed=1)
    line = str(info.value.problems[0])
    assert "swept.yaml:" in line and "sweep.parameters.0.range.steps: required field is missing" in line


def test_pending_chunks_cover_exactly_the_unfinished_runs() -> None:
    runs = [10, 3, 25]
    done = [np.zeros(n, dtype=bool) for n in runs]
    done[0][[0, 1, 5]] = True
    done[2][10:20] = True
    chunks = list(pending_chunks(runs, done, size=4))
    covered = [run for chunk in chunks for run in chunk.runs()]
    expected = [(p, k) for p, n in enumerate(runs) for k in range(n) if not done[p][k]]
    assert covered == expected
    assert all(chunk.size <= 4 for chunk in chunks)
    assert len({c.name for c in chunks}) == len(chunks)
    assert any(len(c.segments) > 1 for c in chunks), "small points share a chunk"


def test_chunk_names_depend_only_on_their_runs() -> None:
    a = Chunk(((0, 0, 8),))
    assert a.name == Chunk(((0, 0, 8),)).name != Chunk(((0, 0, 9),)).name
    assert [c.segments for c in a.split()] == [((0, k, k + 1),) for k in range(8)]
    assert 8 <= chunk_size_for(1000, 2) <= 250 and chunk_size_for(5, 64) == 8


def test_wilson_interval_matches_the_textbook_and_behaves_at_the_edges() -> None:
    low, high = wilson(15, 50)  # Newcombe (1998) example: 0.1910 .. 0.4375 for 15/50 at 95 %
    assert low == pytest.approx(0.1910, abs=5e-4) and high == pytest.approx(0.4375, abs=5e-4)
    assert wilson(0, 20)[0] == 0.0 and 0 < wilson(0, 20)[1] < 0.2
    assert wilson(0, 0) == (0.0, 1.0)
    n = runs_for_width(50, 100, 0.1)
    assert (
        wilson(n // 2, n)[1] - wilson(n // 2, n)[0]
        < 0.1
        <= wilson((n - 2) // 2, n - 2)[1] - wilson((n - 2) // 2, n - 2)[0]
    )


def test_plan_json_of_a_parsed_document_round_trips(tmp_path: Path) -> None:
    document = parse(BASE_FILE.read_text(encoding="utf-8"), "base.yaml")
    plan = build_plan(document, "base.yaml", seed=5, runs=2)
    text = json.dumps(plan.to_json())
    assert json.loads(text)["scenario"]["hash"] == plan.scenario.hash


def test_sensitivity_designs_sample_ranges_and_keep_integer_fields_whole() -> None:
    pytest.importorskip("SALib")
    from sim.batch.sensitivity import parse_bound, plan_sensitivity

    bounds = [parse_bound("rounds=2:6"), parse_bound("sanctions.us.russia=0:1")]
    plan, X = plan_sensitivity("medvedev_visit_2015", bounds, "sobol", 8, seed=3, reps=2)
    # the dummy (last column) adds one row per base sample, played as its A row's point with the next seeds
    assert X.shape == (8 * (3 + 2), 3) and plan.n_points == 8 * (2 + 2)
    assert sorted(set(plan.runs)) == [2, 4] and plan.runs.count(4) == 8, "each A point plays a second seed block"
    rounds = [p["rounds"] for p in plan.points]
    sanctions = [p["sanctions.us.russia"] for p in plan.points]
    assert all(isinstance(r, int) and 2 <= r <= 6 for r in rounds)
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in sanctions)
    assert any(0 < v < 1 for v in sanctions), "a float field keeps its continuous samples"
    again, _ = plan_sensitivity("medvedev_visit_2015", bounds, "sobol", 8, seed=3, reps=2)
    assert again.fingerprint == plan.fingerprint, "the design is seeded"
    with pytest.raises(ScenarioError, match="low must be below high"):
        parse_bound("rounds=6:2")
