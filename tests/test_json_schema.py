"""The JSON Schema, checked by an independent validator (jsonschema): it matches the code, documents every
field, accepts every shipped scenario (an overlay as a partial file) and rejects broken ones."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sim.cli.starters import overlay_starter, world_starter
from sim.scenario import ScenarioError
from sim.scenario.json_schema import scenario_json_schema
from sim.scenario.loader import validate_document
from sim.scenario.strict_yaml import Document, parse, read_text
from tests.conftest import BASE_FILE, ROOT, SCENARIOS

SCHEMA_FILE = SCENARIOS / "scenario.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
SHIPPED = [*sorted(SCENARIOS.glob("*.yaml")), ROOT / "tests" / "data" / "eight_actors.yaml"]


def raw(path: Path) -> Any:
    """A file's own data, as an editor sees it (not merged with its base)."""
    return parse(read_text(str(path)), str(path)).data


def schema_errors(data: Any) -> list[str]:
    """Every message, including those inside anyOf branches (an overlay's keys may also be null)."""

    def flat(errors: Any) -> list[str]:
        return [m for e in errors for m in [e.message, *flat(e.context)]]

    return sorted(flat(VALIDATOR.iter_errors(data)))


def test_committed_schema_matches_the_code() -> None:
    assert scenario_json_schema() == SCHEMA, "run: python run.py schema --out scenarios/scenario.schema.json"


def test_schema_is_valid_draft_07() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_every_field_has_a_description_and_an_example() -> None:
    for name, definition in SCHEMA["definitions"].items():
        for field, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"
            assert prop.get("examples"), f"{name}.{field} has no example"


def test_examples_in_the_schema_are_valid_values_of_their_field() -> None:
    for name, definition in SCHEMA["definitions"].items():
        for field, prop in definition.get("properties", {}).items():
            sub = {**prop, "definitions": SCHEMA["definitions"]}
            for example in prop["examples"]:
                errors = list(jsonschema.Draft7Validator(sub).iter_errors(example))
                assert not errors, f"{name}.{field}: example {example!r}: {errors[0].message}"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_validates_against_the_schema(path: Path) -> None:
    assert schema_errors(raw(path)) == []
    assert not list(VALIDATOR.iter_errors(raw(path)))


def test_the_starters_validate_against_the_schema(base_scenario) -> None:  # type: ignore[no-untyped-def]
    world = parse(world_starter("w", "W", "w.yaml", "scenario.schema.json"), "w.yaml").data
    overlay = parse(
        overlay_starter("o", "O", "o.yaml", "scenario.schema.json", "medvedev_visit_2015.yaml", base_scenario), "o.yaml"
    ).data
    assert schema_errors(world) == [] and schema_errors(overlay) == []


def test_an_overlay_is_a_partial_file_but_a_full_scenario_is_not() -> None:
    overlay = {"extends": "base.yaml", "meta": {"id": "o"}, "actors": {"russia": {"policy": {"tau": 0.05}}}}
    assert schema_errors(overlay) == []
    assert schema_errors({**overlay, "briefing": {"us": None}}) == [], "null removes an inherited value"
    full = {k: v for k, v in overlay.items() if k != "extends"}
    assert "'scoring' is a required property" in schema_errors(full)
    assert "'id' is a required property" in schema_errors({"extends": "base.yaml", "meta": {"title": "T"}})
    assert "'meta' is a required property" in schema_errors({"extends": "base.yaml"})


def test_list_items_in_an_overlay_must_be_complete() -> None:
    overlay = {"extends": "b.yaml", "meta": {"id": "o"}, "events": [{"id": "e", "at_round": 1}]}
    assert "'title' is a required property" in schema_errors(overlay)


BROKEN: list[tuple[str, Any, str]] = [
    ("rounds", 0, "0 is less than the minimum of 1"),
    ("rounds", "twelve", "'twelve' is not of type 'integer'"),
    ("actors.cambodia.gdp", "18.05", "'18.05' is not of type 'number'"),
    ("actors.cambodia.gdp", -3, "-3 is less than the minimum of 1e-06"),
    ("actors.cambodia.playable", "yes", "'yes' is not of type 'boolean'"),
    ("actors.cambodia.gpd", 18.05, "Additional properties are not allowed ('gpd' was unexpected)"),
    ("actors.cambodia.colour", "green", "'green' does not match '^#[0-9a-fA-F]{6}$'"),
    ("actors.cambodia.controller", "robot", "'robot' is not one of ['ai', 'human', 'scripted']"),
    ("actors", ["cambodia", "russia"], "['cambodia', 'russia'] is not of type 'object'"),
    ("meta.id", "My Scenario", "'My Scenario' does not match '^[a-z][a-z0-9_]*$'"),
    ("calendar.start", "2015-Q5", "'2015-Q5' does not match '^\\\\d{4}-Q[1-4]$'"),
]


@pytest.mark.parametrize(("path", "value", "message"), BROKEN, ids=[f"{p}={v!r}" for p, v, _ in BROKEN])
def test_schema_and_validate_both_reject_broken_values(path: str, value: Any, message: str) -> None:
    data = copy.deepcopy(raw(BASE_FILE))
    node = data
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    assert message in schema_errors(data)
    with pytest.raises(ScenarioError):
        validate_document(Document(str(BASE_FILE), data, {}, {}))


def test_schema_rejects_a_malformed_event_effect_and_condition() -> None:
    data = copy.deepcopy(raw(SCENARIOS / "debt_cancellation.yaml"))
    effect = data["events"][1]["effects"][0]
    effect["set"] = {"debt": ["cambodia", "russia"], "value": 0}
    assert any("has too many properties" in m for m in schema_errors(data)), "an effect has exactly one key"
    data = copy.deepcopy(raw(SCENARIOS / "debt_cancellation.yaml"))
    data["events"][1]["when"]["below"] = 0.9
    assert any("has too many properties" in m for m in schema_errors(data)), "a comparison has one comparator"
    data["events"][1]["when"] = {"hedgeing": "cambodia", "at_least": 0.6}
    assert any("'hedgeing' was unexpected" in m for m in schema_errors(data))


MISTAKES = ROOT / "tests" / "data" / "mistakes"
#: Mistake cases the schema alone can see (the others need the merged file or the whole scenario).
SCHEMA_CATCHES = [
    "01_wrong_type", "02_out_of_range", "03_unknown_field", "04_number_in_quotes", "09_unknown_metric",
    "13_unknown_effect", "15_event_without_trigger", "23_yes_for_boolean", "25_list_for_mapping",
    "29_rounds_zero", "31_top_level_list", "33_overlay_without_id",
]  # fmt: skip


@pytest.mark.parametrize("name", SCHEMA_CATCHES)
def test_schema_rejects_the_structural_mistakes(name: str) -> None:
    path = MISTAKES / f"{name}.yaml"
    assert schema_errors(raw(path)), f"{name} passes the schema"


def test_mistakes_the_schema_cannot_see_are_documented_as_validate_only() -> None:
    guide = (ROOT / "docs" / "scenario-authoring.md").read_text()
    assert "only `python run.py validate` sees" in guide
    assert re.search(r"JSON Schema", guide)
