"""The classroom's authority without sockets: codes, checked orders, AI stand-ins, diplomacy, record and resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.errors import SaveError
from sim.net.classroom import CODE_ALPHABET, Classroom, RefusedError, new_code
from sim.net.console import parse_command, status_lines
from sim.net.messages import MAX_MESSAGE_BYTES, Hello, Orders, ProtocolError, parse_client
from sim.play.session import load_session
from sim.ui.library import load_setup

SCENARIO = "tutorial"


@pytest.fixture
def room() -> Classroom:
    return Classroom.new(load_setup(SCENARIO), SCENARIO, 11, turn_seconds=5)


def first_legal(room: Classroom, actor: str, action: str, target: str | None = None) -> list[str | None]:
    view = room.view(actor)
    return next(m for m in view.legal if m[0] == action and (target is None or m[1] == target))


def test_codes_are_unguessable_distinct_and_not_drawn_from_the_game_seed() -> None:
    a = Classroom.new(load_setup(SCENARIO), SCENARIO, 11)
    b = Classroom.new(load_setup(SCENARIO), SCENARIO, 11)
    codes = [*a.codes.values(), a.viewer_code]
    assert len(set(codes)) == len(codes) == 7
    assert a.codes != b.codes, "the same seed must not give the same codes (they come from secrets)"
    assert all(len(c.replace("-", "")) == 12 and set(c.replace("-", "")) <= set(CODE_ALPHABET) for c in codes)
    assert len({new_code() for _ in range(200)}) == 200


def test_a_wrong_code_or_another_seat_is_refused(room: Classroom) -> None:
    room.join("cambodia", room.codes["cambodia"])
    room.join("cambodia", room.codes["cambodia"].lower().replace("-", " "))  # as typed from a projector
    room.join(None, room.viewer_code)
    with pytest.raises(RefusedError) as wrong:
        room.join("cambodia", room.codes["china"])
    assert wrong.value.code == "wrong-code"
    with pytest.raises(RefusedError) as unknown:
        room.join("atlantis", "X")
    assert unknown.value.code == "unknown-actor"
    with pytest.raises(RefusedError) as other:
        room.submit("cambodia", Orders(actor="china"))
    assert other.value.code == "not-your-seat" and room.orders == {}


def test_illegal_orders_are_refused_and_leave_the_game_as_it_was(room: Classroom) -> None:
    before = (room.session.digest(), len(room.session.log.commands), dict(room.session.model._orders))
    for orders in (
        Orders(moves=[["teleport", "china", None]]),
        Orders(moves=[["state_visit", "cambodia", None]]),  # a visit to oneself
        Orders(moves=[first_legal(room, "cambodia", "state_visit", t) for t in ("china", "us", "eu")]),  # budget 2
        Orders(answers=[(3, True)]),  # no proposal waiting
        Orders(ai=True, moves=[["pass", None, None]]),
    ):
        with pytest.raises(RefusedError):
            room.submit("cambodia", orders)
    after = (room.session.digest(), len(room.session.log.commands), dict(room.session.model._orders))
    assert after == before and room.orders == {}


def test_every_team_in_plays_the_round_and_missing_teams_are_played_by_the_ai(room: Classroom) -> None:
    visit = first_legal(room, "cambodia", "state_visit", "china")
    room.submit("cambodia", Orders(moves=[visit]))
    assert not room.ready() and "cambodia" not in room.waiting_for()
    room.submit("china", Orders(ai=True))
    for actor in ("russia", "us", "eu"):
        room.submit(actor, Orders())
    assert room.waiting_for() == ["asean"]
    done = room.play()  # the timer ran out: asean is missing
    assert done.round == 1 and done.stand_ins == ["china", "asean"]
    assert "asean" in room.announcements[-1].text and "china" in room.announcements[-1].text
    moves = {(m.actor, m.action, m.target) for m in done.moves}
    assert ("cambodia", "state_visit", "china") in moves
    handed = [(c.actor, c.controller) for c in room.session.log.commands[6:] if c.op == "control"]  # after seating
    assert handed == [("china", "ai"), ("asean", "ai"), ("china", "human"), ("asean", "human")], "logged for replay"
    assert all(m.source == "ai" for m in done.moves if m.actor in ("china", "asean") and m.source != "event")
    assert room.humans() == ["cambodia", "russia", "china", "us", "eu", "asean"], "stand-ins are for one round only"
    assert room.orders == {}


def test_the_record_is_a_save_that_replays_to_the_same_trajectory(room: Classroom, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    while not room.finished:
        for actor in room.humans():
            view = room.view(actor)
            if rng.random() < 0.3:
                continue  # missing: the AI plays it
            moves = [m for m in view.legal if m[0] != "pass"]
            pick = [moves[int(rng.integers(len(moves)))]]
            answers = [(p.position, bool(rng.integers(2))) for p in view.proposals]
            try:
                room.submit(actor, Orders(moves=pick, answers=answers))
            except RefusedError:
                room.submit(actor, Orders(answers=answers))
        room.play()
    path = room.save(tmp_path / "class.json")
    replayed = load_session(path, load_setup)
    assert replayed.digest() == room.session.digest() and replayed.round == room.round == 4
    for mine, theirs in zip(room.session.model.history, replayed.model.history, strict=True):
        np.testing.assert_array_equal(mine.alignment, theirs.alignment)
        for name, array in mine.world.arrays().items():
            np.testing.assert_array_equal(array, theirs.world.arrays()[name], err_msg=name)
        assert [(m.actor, m.action, m.target, m.answer) for m in mine.moves] == [
            (m.actor, m.action, m.target, m.answer) for m in theirs.moves
        ]


def test_proposals_between_teams_are_answered_by_the_target_team(room: Classroom) -> None:
    request = first_legal(room, "cambodia", "request_aid", "us")
    room.submit("cambodia", Orders(moves=[request]))
    for actor in room.waiting_for():
        room.submit(actor, Orders())
    room.play()
    proposals = room.view("us").proposals
    assert [(p.sender, p.action) for p in proposals] == [("cambodia", "request_aid")]
    assert room.view("china").proposals == [], "another team's proposal is not shown to a third team"
    hidden = [m for m in room.view("china").last_moves if m.answer == "pending"]
    assert hidden == [], "a pending proposal is private to its two teams"
    room.submit("us", Orders(answers=[(0, True)]))
    for actor in room.waiting_for():
        room.submit(actor, Orders())
    done = room.play()
    answered = [m for m in done.moves if m.actor == "cambodia" and m.action == "request_aid"]
    assert answered and answered[0].answer == "accepted" and answered[0].target == "us"


def test_private_messages_reach_only_their_two_teams_and_stay_in_the_record(room: Classroom, tmp_path: Path) -> None:
    room.note("cambodia", "china", "shall we talk trade?")
    room.note("instructor", "us", "remember your objectives")
    assert [m.text for m in room.view("china").messages] == ["shall we talk trade?"]
    assert [m.text for m in room.view("us").messages] == ["remember your objectives"]
    assert room.view("eu").messages == [] and room.view(None).messages == []
    with pytest.raises(RefusedError):
        room.note("cambodia", "cambodia", "me")
    with pytest.raises(RefusedError):
        room.note("cambodia", "china", "x" * 501)
    saved = json.loads(room.save(tmp_path / "c.json").read_text())
    assert [(m["sender"], m["to"]) for m in saved["classroom"]["messages"]] == [
        ("cambodia", "china"),
        ("instructor", "us"),
    ]


def test_resume_carries_on_with_the_same_codes_orders_and_messages(room: Classroom, tmp_path: Path) -> None:
    for actor in room.humans():
        room.submit(actor, Orders())
    room.play()
    visit = first_legal(room, "eu", "state_visit", "china")
    room.submit("eu", Orders(moves=[visit]))
    room.note("eu", "china", "hello")
    room.pause()
    path = room.save(tmp_path / "class.json")
    back = Classroom.from_record(path, load_setup)
    assert back.codes == room.codes and back.viewer_code == room.viewer_code
    assert back.round == 1 and back.session.digest() == room.session.digest()
    assert back.view("eu").my_orders == room.view("eu").my_orders and back.view("eu").my_orders is not None
    assert back.paused and [m.text for m in back.messages] == ["hello"]


def test_a_damaged_record_is_refused_in_one_line(room: Classroom, tmp_path: Path) -> None:
    path = room.save(tmp_path / "class.json")
    data = json.loads(path.read_text())
    data["classroom"]["codes"] = {"cambodia": "X"}
    path.write_text(json.dumps(data))
    with pytest.raises(SaveError, match="damaged classroom section"):
        Classroom.from_record(path, load_setup)
    plain = tmp_path / "plain.json"
    room.session.save(plain)
    with pytest.raises(SaveError, match="not a networked class"):
        Classroom.from_record(plain, load_setup)


def test_instructor_fires_pauses_rewinds_and_hands_seats(room: Classroom) -> None:
    for actor in room.humans():
        room.submit(actor, Orders())
    room.play()
    room.pause()
    assert not room.ready() and "paused" in status_lines(room, None, [])[1]
    room.resume()
    room.hand("asean", "ai")
    assert "asean" not in room.humans() and room.view("asean").legal == []
    with pytest.raises(RefusedError, match="played by the AI"):
        room.submit("asean", Orders())
    event = next(e.id for e in room.setup.events if hasattr(e, "title"))
    room.fire(event)
    assert room.session.log.commands[-1].op == "fire"
    room.rewind(0)
    assert room.round == 0 and "asean" not in room.humans()
    with pytest.raises(RefusedError):
        parse_command("rewind 3", room)
    with pytest.raises(RefusedError):
        parse_command("ai atlantis", room)
    assert parse_command("tell us well done", room).text == "well done"
    over = room.end()
    assert room.finished and set(over.scores) == set(room.setup.actor_ids)


def test_protocol_refuses_bad_messages_with_a_code() -> None:
    cases = {
        "not-json": ["{", "[1, 2]", b"\xff\xfe"],
        "unknown-type": ['{"type": "launch", "version": 1}', "{}"],
        "version": ['{"type": "ping", "version": 99}', '{"type": "ping"}'],
        "malformed": [
            '{"type": "hello", "version": 1, "actor": "cambodia"}',
            '{"type": "orders", "version": 1, "moves": [["state_visit"]]}',
            '{"type": "orders", "version": 1, "moves": [], "extra": 1}',
            '{"type": "message", "version": 1, "to": "us", "text": ""}',
        ],
        "too-big": ['{"type": "ping", "version": 1, "pad": "' + "x" * MAX_MESSAGE_BYTES + '"}'],
    }
    for code, raws in cases.items():
        for raw in raws:
            with pytest.raises(ProtocolError) as exc:
                parse_client(raw)
            assert exc.value.code == code, raw[:60]
    assert parse_client(Hello(actor="us", code="AB").dump()) == Hello(actor="us", code="AB")


def test_the_network_layer_and_its_commands_never_import_pygame() -> None:
    code = (
        "import sys\n"
        "import sim.net.host, sim.net.client, sim.net.remote, sim.net.console, sim.net.classroom, sim.play.session\n"
        "import sim.cli.host_cmd, sim.cli.join_cmd\n"
        "assert 'pygame' not in sys.modules, sorted(m for m in sys.modules if m.startswith('pygame'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
