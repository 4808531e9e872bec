"""Events, objectives, scripts and briefings written in YAML do what they say when the model runs them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core import AlignmentModel
from sim.runs import play, run_document
from sim.scenario import build_setup, load_scenario
from tests.conftest import BASE_FILE


def overlay(tmp_path: Path, body: str, name: str = "lesson") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {BASE_FILE.stem}\nmeta: {{id: {name}, title: Lesson}}\n{body}")
    return path


def run(path: Path, seed: int = 1) -> AlignmentModel:
    model = AlignmentModel(build_setup(load_scenario(path)), rng=seed, collect=False)
    model.run()
    return model


def test_set_and_add_change_the_state_when_the_event_fires(tmp_path: Path) -> None:
    path = overlay(
        tmp_path,
        """\
events:
  - id: shock
    title: Shock
    at_round: 2
    effects:
      - set: {sanctions: [us, russia], value: 0.9}
      - add: {debt: [cambodia, china], value: 1.0}
      - set: {gdp: cambodia, value: 25.0}
      - add: {relations: [cambodia, us], value: -0.3, symmetric: true}
""",
    )
    model = AlignmentModel(build_setup(load_scenario(path)), rng=3, collect=False)
    ix = model.setup.index
    before = model.world.copy()
    (event,) = model.setup.events
    model.fire(event)
    w = model.world
    assert w.sanctions[ix("us"), ix("russia")] == 0.9
    assert w.debt[ix("cambodia"), ix("china")] == pytest.approx(before.debt[ix("cambodia"), ix("china")] + 1.0)
    assert w.gdp[ix("cambodia")] == 25.0
    for a, b in (("cambodia", "us"), ("us", "cambodia")):
        assert w.relations[ix(a), ix(b)] == pytest.approx(max(before.relations[ix(a), ix(b)] - 0.3, -1.0))
    assert w.check() == []
    model.run()
    assert [r.round for r in model.history if r.events] == [0], "fired by hand, a one-off event does not fire again"
    scheduled = run(path, seed=3)
    assert [r.round for r in scheduled.history if any(e.id == "shock" for e in r.events)] == [2]
    assert scheduled.history[1].world.sanctions[ix("us"), ix("russia")] == 0.5
    assert scheduled.history[2].world.sanctions[ix("us"), ix("russia")] == 0.9


def test_forced_moves_are_made_and_recorded_as_the_event_s(tmp_path: Path) -> None:
    path = overlay(
        tmp_path,
        """\
events:
  - id: write_off
    title: Write-off
    at_round: 1
    effects:
      - force_move: {actor: russia, action: cancel_debt, target: cambodia}
      - force_move: {actor: cambodia, action: sign_agreement, target: russia, sector: education}
""",
    )
    model = run(path)
    ix = model.setup.index
    first = model.history[1]
    forced = [m for m in first.moves if m.source == "event"]
    assert {(m.actor, m.action, m.target) for m in forced} == {
        (ix("russia"), "cancel_debt", ix("cambodia")),
        (ix("cambodia"), "sign_agreement", ix("russia")),
    }
    assert all(m.applied and m.reason == "forced by an event" for m in forced)
    assert first.world.debt[ix("cambodia"), ix("russia")] == 0.0


def test_a_conditional_event_fires_once_when_its_condition_first_holds(tmp_path: Path) -> None:
    path = overlay(
        tmp_path,
        """\
events:
  - id: warm
    title: Warm
    when: {round: true, at_least: 3}
  - id: every
    title: Every round from 10
    when: {round: true, at_least: 10}
    repeat: true
  - id: never
    title: Never
    when: {round: true, at_least: 1}
    chance: 0.0
""",
    )
    model = run(path)
    fired = {r.round: [e.id for e in r.events] for r in model.history[1:]}
    assert [k for k, ids in fired.items() if "warm" in ids] == [3]
    assert [k for k, ids in fired.items() if "every" in ids] == [10, 11, 12]
    assert not any("never" in ids for ids in fired.values())


def test_chance_is_drawn_from_the_run_s_generator(tmp_path: Path) -> None:
    path = overlay(
        tmp_path,
        "events:\n  - {id: coin, title: Coin, when: {round: true, at_least: 1}, chance: 0.3, repeat: true}\n",
    )
    setup = build_setup(load_scenario(path))

    def rounds_fired(seed: int) -> list[int]:
        return [r.round for r in play(setup, seed).history if r.events]

    assert rounds_fired(5) == rounds_fired(5), "same seed, same draws"
    counts = [len(rounds_fired(seed)) for seed in range(20)]
    assert 0.15 < np.mean(counts) / 12 < 0.45, counts


def test_policy_interest_position_and_agreement_effects(tmp_path: Path) -> None:
    path = overlay(
        tmp_path,
        """\
events:
  - id: turn
    title: Turn
    at_round: 1
    effects:
      - set_policy: {actor: russia, tau: 0.0, actions_per_round: 3}
      - set_interest: {actor: cambodia, interest: security, value: 0.9}
      - set_position: {actor: cambodia, dimension: democracy, value: 0.5}
      - add_position: {actor: us, dimension: democracy, value: -0.5}
      - end_agreement: {pair: [cambodia, eu], sector: trade}
      - sign_agreement: {pair: [cambodia, eu], sector: defence}
""",
    )
    model = AlignmentModel(build_setup(load_scenario(path)), rng=2, collect=False)
    ix = model.setup.index
    sectors = model.setup.sectors
    model.step()
    assert model.policy.tau[ix("russia")] == 0.0 and model.policy.actions_per_round[ix("russia")] == 3
    assert model.policy.interests[ix("cambodia"), 1] == 0.9
    assert model.world.positions[ix("cambodia"), 0] == 0.5
    assert model.world.positions[ix("us"), 0] == pytest.approx(0.4)
    assert model.world.agreements[ix("eu"), ix("cambodia"), sectors.index("defence")]
    assert len([m for m in model.history[1].moves if m.actor == ix("russia")]) <= 3


def test_end_scenario_stops_the_run_with_its_reason(tmp_path: Path) -> None:
    path = overlay(
        tmp_path,
        "events:\n  - {id: stop, title: Stop, at_round: 4, effects: [{end_scenario: Cambodia joins a bloc}]}\n",
    )
    model = run(path)
    assert model.ended == "Cambodia joins a bloc"
    assert model.history[-1].round == 4 and len(model.history) == 5
    assert run_document(model, 1)["final"]["ended_by_event"] == "Cambodia joins a bloc"


def test_a_scripted_actor_makes_only_its_script(tmp_path: Path) -> None:
    path = overlay(
        tmp_path,
        """\
actors:
  russia:
    controller: scripted
    script:
      - {round: 1, action: state_visit, target: cambodia}
      - {round: 3, action: sign_agreement, target: asean, sector: trade, reason: Sochi follow-up}
""",
    )
    model = run(path)
    ix = model.setup.index
    russian = {
        r.round: [(m.action, m.target, m.reason) for m in r.moves if m.actor == ix("russia")] for r in model.history[1:]
    }
    assert russian[1] == [("state_visit", ix("cambodia"), "scripted by the scenario")]
    assert russian[3][0][:2] == ("sign_agreement", ix("asean")) and russian[3][0][2].startswith("Sochi follow-up")
    assert all(not moves for k, moves in russian.items() if k not in (1, 3))


def test_objectives_become_the_run_s_scores_and_grades() -> None:
    setup = build_setup(load_scenario(BASE_FILE))
    assert {setup.actor_ids[o.actor] for o in setup.objectives} == set(setup.actor_ids)
    model = play(setup, 2015)
    report = model.objective_report("cambodia")
    assert [s.objective.id for s in report.statuses] == [
        "debt_cancelled",
        "us_engaged",
        "eu_exports_up",
        "regime_secure",
    ]
    met = {s.objective.id: s.met for s in report.statuses}
    weights = {"debt_cancelled": 2, "us_engaged": 1, "eu_exports_up": 1, "regime_secure": 1}
    assert report.score == pytest.approx(100 * sum(weights[k] for k, m in met.items() if m) / 5)
    document = run_document(model, 2015)["objectives"]["cambodia"]
    assert document["grade"] == report.grade and [o["met"] for o in document["objectives"]] == list(met.values())


def test_briefings_reach_the_setup() -> None:
    setup = build_setup(load_scenario(BASE_FILE))
    assert set(setup.briefings) == set(setup.actor_ids)
    assert "Medvedev" in setup.briefings["cambodia"]
