"""The scenario's sweep section: its points, overrides by dotted path, and located errors for bad paths or values."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import load_document, validate_document
from sim.scenario.overrides import OverrideError, apply_override
from sim.scenario.schema_sweep import SweepParameter
from tests.conftest import BASE_FILE


def parameter(**fields: object) -> SweepParameter:
    return SweepParameter.model_validate({"path": "rounds", **fields})


def test_points_of_values_and_ranges() -> None:
    assert parameter(values=[0.05, 0.15, 0.5]).points() == [0.05, 0.15, 0.5]
    assert parameter(range={"low": 0.0, "high": 1.0, "steps": 5}).points() == [0.0, 0.25, 0.5, 0.75, 1.0]
    whole = parameter(range={"low": 4.0, "high": 12.0, "steps": 3}).points()
    assert whole == [4, 8, 12] and all(isinstance(x, int) for x in whole), "whole steps give ints (rounds)"
    assert parameter(range={"low": 0.1, "high": 0.3, "steps": 3}).points() == [0.1, 0.2, 0.3]


def test_apply_override_copies_and_creates_missing_keys() -> None:
    data = {"dynamics": {}, "events": [{"id": "e", "chance": 1.0}], "actors": {"russia": {"policy": {"tau": 0.15}}}}
    out = apply_override(data, "actors.russia.policy.tau", 0.5)
    assert out["actors"]["russia"]["policy"]["tau"] == 0.5 and data["actors"]["russia"]["policy"]["tau"] == 0.15
    assert apply_override(data, "dynamics.relation_memory", 0.1)["dynamics"] == {"relation_memory": 0.1}
    assert apply_override(data, "sanctions.us.russia", 0.7)["sanctions"] == {"us": {"russia": 0.7}}
    assert apply_override(data, "events.0.chance", 0.5)["events"][0]["chance"] == 0.5
    assert data["events"][0]["chance"] == 1.0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("events.3.chance", "events.3: the list has 1 item(s), numbered from 0"),
        ("events.first.chance", "events.first: events is a list; address its items by number"),
        ("rounds.value", "rounds.value: rounds is a single value, not a section"),
    ],
)
def test_apply_override_refuses_paths_it_cannot_follow(path: str, message: str) -> None:
    with pytest.raises(OverrideError) as info:
        apply_override({"events": [{"id": "e"}], "rounds": 12}, path, 1)
    assert str(info.value) == message


def test_the_library_sweep_is_valid_and_every_point_gives_a_valid_scenario() -> None:
    swept = BASE_FILE.parent / "sanctions_escalation.yaml"
    assert not load_scenario(BASE_FILE).sweep.parameters, "the base stays a plain Monte Carlo for batch"
    scenario = load_scenario(swept)
    document = load_document(swept)
    assert scenario.sweep.runs == 200
    for p in scenario.sweep.parameters:
        for value in p.points():
            validate_document(type(document)(document.file, apply_override(document.data, p.path, value), {}, {}))


def test_a_rounds_sweep_that_strands_an_event_names_both(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {BASE_FILE.stem}\nmeta: {{id: s, title: S}}\nevents: [{{id: late, title: Late, at_round: 10}}]\n"
        "sweep:\n  parameters:\n    - {path: rounds, range: {low: 4, high: 12, steps: 3}}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f"{path}:6:29: sweep.parameters.0.range: rounds = 4 is not allowed: "
        "events.0.at_round: round 10 is after the last round (rounds: 4)"
    )
