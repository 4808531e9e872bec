"""The game log behind the front end: replay, rewind, save and load are exact; bad save files are refused cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from sim.core import MoveError
from sim.core.events import ChangeState, Event
from sim.play.session import GameSession, SaveError, list_saves, load_session, read_save
from sim.ui import library
from sim.ui import viewmodel as vm

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "medvedev_visit_2015"


def first_moves(session: GameSession, actor: str, k: int = 2) -> list[tuple[str, str | None, str | None]]:
    """The first k moves the picker offers (what a student pressing Enter k times orders)."""
    return [o.order for o in vm.round_view(session, actor).options[:k]]


def play(session: GameSession, rounds: int) -> list[list[tuple[str, str | None, str | None]]]:
    played = []
    for _ in range(rounds):
        orders = first_moves(session, "cambodia")
        session.play_round({"cambodia": orders})
        played.append(orders)
    return played


@pytest.fixture
def session(base_setup) -> GameSession:
    return GameSession.start(base_setup, SCENARIO, seed=11, player="cambodia")


def test_the_player_actor_is_human_and_the_others_ai(session: GameSession) -> None:
    assert session.humans() == ["cambodia"]
    assert all(session.controller(a) == "ai" for a in session.setup.actor_ids if a != "cambodia")


def test_player_orders_are_played_and_logged(session: GameSession) -> None:
    orders = first_moves(session, "cambodia")
    session.play_round({"cambodia": orders})
    human = [m for m in session.model.history[1].moves if m.actor == 0]
    played = sorted((m.action, session.setup.actor_ids[m.target]) for m in human)  # resolution order is random
    assert played == sorted((o[0], o[1]) for o in orders)
    assert all(m.source == "human" for m in human)
    assert [c.op for c in session.log.commands] == ["orders", "step"]


def test_a_forbidden_order_changes_nothing(session: GameSession) -> None:
    with pytest.raises(MoveError):
        session.play_round({"cambodia": [("impose_sanctions", "china", None)]})  # disabled for Cambodia
    assert session.round == 0 and session.log.commands == []


def test_replaying_the_log_reaches_the_same_state(session: GameSession) -> None:
    play(session, 5)
    again = GameSession(session.setup, session.log)
    assert again.round == 5 and again.digest() == session.digest()


def test_rewind_three_rounds_and_replay_the_same_moves_reaches_the_same_state(session: GameSession) -> None:
    played = play(session, 6)
    at_six = session.digest()
    branch = session.rewind(3)
    assert branch.round == 3 and branch.log.forks[-1].to_round == 3 and branch.log.forks[-1].from_round == 6
    for orders in played[3:]:
        branch.play_round({"cambodia": orders})
    assert branch.digest() == at_six


def test_a_rewound_branch_can_diverge(session: GameSession) -> None:
    play(session, 4)
    at_four = session.digest()
    branch = session.rewind(2)
    for _ in range(2):
        branch.play_round({"cambodia": [("state_visit", "us", None), ("open_trade", "eu", None)]})
    assert branch.digest() != at_four


def test_save_mid_game_load_and_finish_gives_the_same_result(session: GameSession, tmp_path: Path) -> None:
    play(session, 6)
    path = session.save(tmp_path / "game.json")
    straight = session
    play(straight, 6)
    loaded = load_session(path, library.load_setup)
    assert loaded.round == 6
    play(loaded, 6)
    assert loaded.finished and straight.finished
    assert loaded.digest() == straight.digest()
    assert loaded.model.history[-1].outcome == straight.model.history[-1].outcome


def test_controller_switches_and_instructor_events_are_logged_and_replayed(base_setup, tmp_path: Path) -> None:
    event = Event("flood", "Mekong floods", "A flood cuts Cambodia's GDP.", (ChangeState("gdp", (0,), -1.0, "add"),))
    setup = replace(base_setup, events=(event,))
    s = GameSession.start(setup, SCENARIO, seed=5, player="cambodia")
    s.fire("flood")
    s.switch("russia", "human")
    assert s.humans() == ["cambodia", "russia"]
    s.play_round({"cambodia": first_moves(s, "cambodia", 1), "russia": first_moves(s, "russia", 1)})
    assert [c.op for c in s.log.commands] == ["fire", "control", "orders", "orders", "step"]
    assert any(e.id == "flood" for e in s.model.history[0].events)
    again = GameSession(setup, s.log)
    assert again.digest() == s.digest() and again.humans() == ["cambodia", "russia"]
    texts = [line.text for line in vm.log_lines(s)]
    assert "Instructor fired the event “Mekong floods”" in texts and "Russia is now played by a player" in texts


def test_unknown_event_is_refused(session: GameSession) -> None:
    with pytest.raises(MoveError, match="unknown event"):
        session.fire("nope")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "pivot-save", "version": 1, "scenario": ', "damaged JSON"),
        ('{"hello": "world"}', "not a Pivot save file"),
        ('{"format": "pivot-save", "version": 99, "scenario": "x", "seed": 1, "commands": []}', "version 99"),
        (
            '{"format": "pivot-save", "version": 1, "scenario": "x", "seed": "one", "commands": []}',
            "seed: must be a whole number .*got 'one'",
        ),
        (
            '{"format": "pivot-save", "version": 1, "scenario": "nowhere", "seed": 1, "commands": []}',
            "cannot be loaded",
        ),
        (
            '{"format": "pivot-save", "version": 1, "scenario": "medvedev_visit_2015", "seed": 1, '
            '"commands": [{"op": "jump"}]}',
            "unreadable command",
        ),
    ],
)
def test_a_corrupt_or_foreign_save_is_refused_with_a_clear_message_and_left_intact(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SaveError, match=message) as info:
        load_session(path, library.load_setup)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
    assert path.read_text() == content


def test_a_save_that_no_longer_replays_to_its_state_is_refused(session: GameSession, tmp_path: Path) -> None:
    play(session, 2)
    path = session.save(tmp_path / "game.json")
    data = json.loads(path.read_text())
    data["seed"] = 12  # another seed: the replay reaches another state
    path.write_text(json.dumps(data))
    with pytest.raises(SaveError, match="different state"):
        load_session(path, library.load_setup)


def test_saving_is_atomic_an_earlier_file_survives_a_failed_write(
    session: GameSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = session.save(tmp_path / "game.json")
    before = path.read_text()
    play(session, 1)

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(SaveError, match=r"game\.json: could not be written: no space left on device; the earlier"):
        session.save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["game.json"]  # no temporary file left behind


def test_save_files_are_versioned_json(session: GameSession, tmp_path: Path) -> None:
    play(session, 1)
    data = read_save(session.save(tmp_path / "a.json"))
    assert data["format"] == "pivot-save" and data["version"] == 1 and data["player"] == "cambodia"
    assert data["round"] == 1 and data["scenario"] == SCENARIO
    assert list_saves(tmp_path) == [tmp_path / "a.json"]


def test_pure_ui_modules_never_load_pygame() -> None:
    modules = "sim.play.session, sim.ui.viewmodel, sim.ui.game, sim.ui.library, sim.ui.layout, sim.ui.markup"
    code = f"import sys, {modules}, sim.ui.mapdata, sim.ui.baseline; sys.exit(1 if 'pygame' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def test_answers_to_proposals_and_conditional_offers_are_played_saved_and_replayed(base_setup, tmp_path: Path) -> None:
    """A proposal to the player waits in the Answers tab; the answer and an offer's ask survive save and load."""
    found = None
    for seed in range(40):
        s = GameSession.start(base_setup, SCENARIO, seed=seed, player="cambodia")
        for _ in range(4):
            s.play_round({"cambodia": []})
            if s.model.proposals_to("cambodia"):
                found = s
                break
        if found is not None:
            break
    assert found is not None, "no AI actor proposed anything to Cambodia in 4 rounds of 40 games"
    s = found
    view = vm.round_view(s)
    answers = [o for o in view.options if o.answer is not None]
    waiting = s.model.proposals_to("cambodia")
    assert len(answers) == 2 * len(waiting) and {o.accept for o in answers} == {True, False}
    assert all(o.category == "answers" and "Answering costs no move" in o.description for o in answers)
    offer = next(o for o in view.options if o.ask is not None)
    assert offer.chance is not None and 0.0 <= offer.chance <= 1.0 and offer.label.startswith("Offer ")
    s.play_round({"cambodia": [offer.order]}, {"cambodia": {0: True}})
    answered = [m for m in s.model.history[-1].moves if m.target == 0 and m.answer in ("accepted", "refused")]
    assert any("Cambodia decided" in m.answer_reason for m in answered)
    path = s.save(tmp_path / "answers.json")
    saved = json.loads(path.read_text())
    orders = [c for c in saved["commands"] if c["op"] == "orders" and c.get("answers")]
    assert orders and orders[-1]["answers"] == [[0, True]] and len(orders[-1]["moves"][0]) == 4
    loaded = load_session(path, library.load_setup)
    assert loaded.digest() == s.digest()
