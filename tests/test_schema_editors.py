"""What editors see: check-jsonschema (as editor and pre-commit pipelines run it) over shipped and broken files.

The JSON Schema carries enums for action names (script steps, forced moves, the ``actions:`` keys),
controllers and interests, and offers the default sectors, so yaml-language-server completes them and a
typo such as ``impose_sanctionz`` is flagged where it is typed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.core.actions import ACTION_IDS
from sim.scenario.schema import DEFAULT_SECTORS
from tests.conftest import SCENARIOS, run_cli

SCHEMA = SCENARIOS / "scenario.schema.json"


def check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMA), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_schema_lists_action_sector_interest_and_controller_names() -> None:
    definitions = json.loads(SCHEMA.read_text())["definitions"]
    for name in ("ScriptStep", "ForcedMove"):
        assert definitions[name]["properties"]["action"]["enum"] == list(ACTION_IDS)
        sector_options = definitions[name]["properties"]["sector"]["anyOf"][0]["anyOf"]
        assert sector_options[0]["enum"] == [s.id for s in DEFAULT_SECTORS]
    assert definitions["Scenario"]["properties"]["actions"]["propertyNames"] == {"enum": list(ACTION_IDS)}
    assert definitions["Actor"]["properties"]["controller"]["enum"] == ["ai", "human", "scripted"]
    interests = list(definitions["Interests"]["properties"])
    assert definitions["InterestChange"]["properties"]["interest"]["enum"] == interests
    assert definitions["Interests"]["additionalProperties"] is False


def test_every_shipped_scenario_and_new_starter_passes(tmp_path: Path) -> None:
    for args in (["new", str(tmp_path / "world.yaml")], ["new", str(tmp_path / "overlay.yaml"), "--from", "tutorial"]):
        assert run_cli(*args).returncode == 0
    files = [*sorted(SCENARIOS.glob("*.yaml")), tmp_path / "world.yaml", tmp_path / "overlay.yaml"]
    result = check(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_a_misspelt_scripted_action_in_a_complete_file_is_flagged(tmp_path: Path) -> None:
    text = (SCENARIOS / "tutorial.yaml").read_text()
    assert "action: state_visit" in text
    path = tmp_path / "tutorial.yaml"
    path.write_text(text.replace("action: state_visit", "action: impose_sanctionz", 1))
    result = check(path)
    assert result.returncode == 1
    assert "force_move.action: 'impose_sanctionz' is not one of ['pass', 'state_visit'" in result.stdout


OVERLAYS = {
    "a misspelt controller": ("actors: {russia: {controller: robot}}", "'robot' is not one of ['ai', 'human'"),
    "a misspelt interest": ("actors: {cambodia: {interests: {economi: 0.3}}}", "'economi' was unexpected"),
    "a misspelt action key": ("actions: {impose_sanctionz: {cost: 0.01}}", "'impose_sanctionz' is not one of"),
}


@pytest.mark.parametrize("case", sorted(OVERLAYS))
def test_an_overlay_with_a_misspelt_name_is_flagged(case: str, tmp_path: Path) -> None:
    line, expected = OVERLAYS[case]
    path = tmp_path / "lesson.yaml"
    path.write_text(f"extends: {SCENARIOS / 'tutorial.yaml'}\nmeta: {{id: lesson}}\n{line}\n")
    result = check(path)
    assert result.returncode == 1
    assert expected in result.stdout, result.stdout


def test_an_overlay_with_an_unknown_action_key_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "lesson.yaml"
    path.write_text(
        f"extends: {SCENARIOS / 'tutorial.yaml'}\nmeta: {{id: lesson}}\n"
        "actions:\n  impose_sanctions: {cost: 0.02}\n  impose_sanctionz: {cost: 0.01}\n"
    )
    result = check(path)
    assert result.returncode == 1
    assert "impose_sanctionz" in result.stdout
    path.write_text(path.read_text().replace("  impose_sanctionz: {cost: 0.01}\n", ""))
    assert check(path).returncode == 0
