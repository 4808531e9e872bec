"""The scenario library: every file loads, runs, is sourced, briefs and sets objectives; the 8-actor example runs."""

from __future__ import annotations

import json
import re

import pytest

from sim.core import AlignmentModel
from sim.scenario import build_setup, load_scenario
from sim.scenario.loader import load_document
from tests.conftest import ROOT, SCENARIOS, run_cli

REQUIRED = [
    "medvedev_visit_2015",
    "sanctions_escalation",
    "debt_cancellation",
    "trade_opening",
    "asean_russia_summit_2016",
    "eba_withdrawal",
    "tutorial",
]
OTHER_WORLDS = {"europe_1936"}  # scenarios that do not build on the 2015 base
LIBRARY = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
EIGHT = ROOT / "tests" / "data" / "eight_actors.yaml"


def test_the_library_has_the_promised_scenarios() -> None:
    assert set(REQUIRED) <= set(LIBRARY)


@pytest.mark.parametrize("name", LIBRARY)
def test_scenario_is_complete_for_players(name: str) -> None:
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    assert s.meta.id == name, "meta.id is the file's stem"
    assert s.meta.title and s.meta.summary and s.meta.sources
    playable = [a for a, x in s.actors.items() if x.playable]
    focal = s.scoring.focal
    assert focal in playable
    briefed = [a for a in playable if s.briefing.get(a, "").strip()]
    assert focal in briefed and len(briefed) >= 2, "briefings for the focal actor and another playable actor"
    assert s.objectives.get(focal), "the focal actor has objectives"
    assert s.expect, "every shipped scenario states what it should show"
    if name in OTHER_WORLDS:  # complete worlds of their own (docs/scenario-authoring.md, "Another world")
        assert s.extends is None
    elif name != "medvedev_visit_2015":
        assert s.extends == "medvedev_visit_2015.yaml"
        assert any(e.against_base for e in s.expect), "the distinct effect against the base is stated"


@pytest.mark.parametrize("name", LIBRARY)
def test_scenario_runs_and_keeps_the_world_sound(name: str) -> None:
    setup = build_setup(load_scenario(SCENARIOS / f"{name}.yaml"))
    model = AlignmentModel(setup, rng=1, collect=False)
    model.run()
    assert model.finished and model.world.check() == []
    assert len(model.history) == setup.rounds + 1
    for event in setup.events:
        assert any(e.id == event.id for r in model.history for e in r.events) or event.when is not None


@pytest.mark.parametrize("name", LIBRARY)
def test_overlay_cites_only_sources_it_lists(name: str) -> None:
    """Keys in [brackets] in a file's comments, briefings and event texts are listed in its own meta.sources."""
    path = SCENARIOS / f"{name}.yaml"
    data = load_document(path).data
    own = {src["id"] for src in data["meta"]["sources"]}
    comments = [m.group(2) for m in re.finditer(r"(^|\s)#(.*)$", path.read_text(), flags=re.MULTILINE)]
    prose = [*comments, *(load_scenario(path).briefing.values()), *(e.text for e in load_scenario(path).events)]
    cited = set()
    for text in prose:
        for group in re.findall(r"\[([a-z][a-z0-9*-]*(?:, [a-z][a-z0-9*-]*)*)\]", text):
            cited |= set(group.split(", "))
    assert cited, f"{name} cites no source at all"
    assert cited <= own, f"{name} cites sources its meta.sources does not list: {sorted(cited - own)}"


#: One number of each kind in the base file, nudged by a few per cent: the golden run must notice each.
NUDGES = {
    "actors.cambodia.gdp": 18.5,
    "relations.cambodia.russia": 0.42,
    "trade.cambodia.eu": 3.7,
    "sanctions.us.russia": 0.45,
    "actors.cambodia.interests.autonomy": 0.33,
    "scoring.weights.trade": 0.16,
}


def _golden_document(overrides: dict[str, float]) -> dict:  # type: ignore[type-arg]
    from sim.runs import play, run_document
    from sim.scenario.loader import validate_overrides

    scenario = validate_overrides(load_document(SCENARIOS / "medvedev_visit_2015.yaml"), overrides, "--set")
    return json.loads(json.dumps(run_document(play(build_setup(scenario), 2015), 2015)))


def test_base_numbers_are_pinned_by_the_golden_run() -> None:
    """Replayed from the library file, seed 2015 gives the golden run; nudging any one base number does not."""
    golden = json.loads((ROOT / "tests" / "golden" / "medvedev_visit_2015_seed2015.json").read_text())
    golden.pop("engine")

    def differs(document: dict) -> bool:  # type: ignore[type-arg]
        document.pop("engine")
        return json.dumps(document, sort_keys=True) != json.dumps(golden, sort_keys=True)

    assert not differs(_golden_document({})), "the library's base scenario no longer replays the golden run"
    unnoticed = [path for path, value in NUDGES.items() if not differs(_golden_document({path: value}))]
    assert not unnoticed, f"the golden run does not pin {unnoticed}"


def test_a_scenario_with_eight_actors_validates_and_runs_in_the_model() -> None:
    scenario = load_scenario(EIGHT)
    setup = build_setup(scenario)
    assert setup.actor_ids == ("cambodia", "russia", "china", "us", "eu", "asean", "japan", "india")
    assert setup.world.trade.shape == (8, 8) and setup.world.agreements.shape == (8, 8, 10)
    model = AlignmentModel(setup, rng=8)
    model.run()
    assert model.world.check() == []
    movers = {setup.actor_ids[m.actor] for r in model.history for m in r.moves}
    assert {"japan", "india"} <= movers, "the new actors play"
    assert model.objective_report("japan").statuses
    frame = model.datacollector.get_agent_vars_dataframe()
    assert set(frame["actor"]) == set(setup.actor_ids)


def test_a_scenario_with_eight_actors_validates_and_runs_in_the_cli() -> None:
    assert run_cli("validate", str(EIGHT)).returncode == 0
    result = run_cli("run", str(EIGHT), "--seed", "8", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["actors"]) == 8 and set(doc["final"]["alignment"]["cambodia"]) >= {"japan", "india"}
    table = run_cli("run", str(EIGHT), "--seed", "8")
    assert "Japan" in table.stdout and "India" in table.stdout
