"""The student's window side: a remote session the game's Game drives like a local one, replaying the host's game."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sim.core import MoveError
from sim.net.classroom import Classroom
from sim.net.client import run_bot
from sim.net.host import Host
from sim.net.remote import RemoteSession
from sim.ui.game import Game
from sim.ui.library import load_setup


class Running:
    """A host (and bots for the other seats) on an event loop in a background thread, as on another machine."""

    def __init__(self, room: Classroom, bots: dict[str, str]) -> None:
        self.room = room
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.host = self.call(self._make_host())
        self.port = self.call(self.host.serve(0, "127.0.0.1"))
        self.address = f"127.0.0.1:{self.port}"
        self.bots = [
            asyncio.run_coroutine_threadsafe(run_bot(self.address, a, room.codes[a], rule), self.loop)
            for a, rule in bots.items()
        ]

    async def _make_host(self) -> Host:
        return Host(self.room, log=lambda text: None)

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def stop(self) -> None:
        for bot in self.bots:
            bot.cancel()
        self.call(self.host.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def running() -> Iterator[Running]:
    room = Classroom.new(load_setup("tutorial"), "tutorial", 21, turn_seconds=None)
    others = {a: "random" for a in room.setup.actor_ids if a != "cambodia"}
    server = Running(room, others)
    yield server
    server.stop()


def test_the_game_drives_a_remote_session_and_its_replica_is_the_host_s_game(running: Running) -> None:
    room = running.room
    remote = RemoteSession.connect(running.address, "cambodia", room.codes["cambodia"], load_setup)
    try:
        assert remote.humans() == ["cambodia"] and remote.log.player == "cambodia"
        assert remote.status_line().startswith("cambodia -- round 1 of 4: ")
        running.call(running.host.tell("cambodia", "well played"))
        remote.tell("china", "shall we talk trade?")
        with pytest.raises(MoveError, match="another team"):
            remote.tell("cambodia", "a note to myself")
        assert [(m.sender, m.to) for m in room.messages] == [("instructor", "cambodia"), ("cambodia", "china")]
        game = Game(remote, baseline_runs=0)
        assert game.current_human() == "cambodia"
        while not game.finished:
            options = [m for m in running.call(_legal(room, "cambodia")) if m[0] == "state_visit"]
            order = (options[0][0], options[0][1], options[0][2])
            assert game.confirm_orders([order])
            game.wait(30)
            assert game.error == "", game.error
            assert remote.digest() == room.session.digest(), "the replica is the host's game"
            if remote.round == 2:  # the laptop's Wi-Fi drops: the window joins again by itself
                ws = remote.link.conn.ws
                assert ws is not None
                remote.link.loop.call_soon_threadsafe(ws.transport.abort)
        assert remote.round == 4 and remote.finished and remote.status_line() == "cambodia: the game is over"
        assert "Message from instructor: well played" in remote.news(0)
        assert any(
            m.source == "human" and m.action == "state_visit"
            for r in remote.model.history
            for m in r.moves
            if m.actor == 0
        )
        with pytest.raises(MoveError, match="instructor"):
            remote.rewind(1)
    finally:
        remote.close()


async def _legal(room: Classroom, actor: str) -> list[list[str | None]]:
    return room.view(actor).legal


def test_the_student_window_opens_on_the_round_screen(running: Running, tmp_path: Any) -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from sim.ui.remote import open_remote

    app, session = open_remote(running.address, "cambodia", running.room.codes["cambodia"])
    try:
        for _ in range(3):
            app.frame()
        assert app.stack[-1].__class__.__name__.lower().startswith("round")
        assert app.game is not None and app.game.current_human() == "cambodia"
        app.screenshot(tmp_path / "student.png")
        assert (tmp_path / "student.png").stat().st_size > 10_000
    finally:
        app.quit()
        session.close()


def test_the_instructor_console_window_shows_the_class_and_takes_commands(tmp_path: Any) -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from sim.ui.console import ConsoleWindow

    room = Classroom.new(load_setup("tutorial"), "tutorial", 5, turn_seconds=90)

    async def main() -> None:
        host = Host(room, log=lambda text: None)
        await host.serve(0, "127.0.0.1")
        window = ConsoleWindow(host, (1280, 720))
        try:
            for ch in "pause":
                pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
            await window.frame()
            assert room.paused and window.output == ["The instructor paused the game"]
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F6, mod=0, unicode=""))
            await window.frame()
            assert not room.paused
            for ch in "rewind 9":
                pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
            await window.frame()
            assert window.output == ["rewind ROUND: a round from 0 to 0"], "a bad command is explained, nothing done"
            window.screenshot(str(tmp_path / "console.png"))
            assert (tmp_path / "console.png").stat().st_size > 10_000
        finally:
            pygame.quit()
            await host.close()

    asyncio.run(main())


def test_leaving_while_waiting_for_the_other_teams_does_not_hang() -> None:
    room = Classroom.new(load_setup("tutorial"), "tutorial", 4, turn_seconds=None)
    server = Running(room, {})  # the other five teams never send orders
    try:
        remote = RemoteSession.connect(server.address, "cambodia", room.codes["cambodia"], load_setup)
        waiter = threading.Thread(target=lambda: _play_and_catch(remote), daemon=True)
        waiter.start()
        threading.Event().wait(0.5)
        assert waiter.is_alive(), "still waiting for the other teams"
        remote.close()
        waiter.join(5)
        assert not waiter.is_alive() and _caught and "left the class" in _caught[0]
    finally:
        server.stop()


_caught: list[str] = []


def _play_and_catch(remote: RemoteSession) -> None:
    try:
        remote.play_round({"cambodia": []})
    except MoveError as exc:
        _caught.append(str(exc))


def _window(running: Running) -> tuple[Any, Any, Any]:
    """Cambodia's window joined to the running host, with the per-frame follower the join command runs."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from sim.ui.remote import Follow, open_remote

    app, session = open_remote(running.address, "cambodia", running.room.codes["cambodia"])
    return app, session, Follow(app, session)


def _frames_until(app: Any, follow: Any, done: Any, limit: float = 30.0) -> None:
    import time

    end = time.monotonic() + limit
    while not done() and time.monotonic() < end:
        follow.frame()
        app.frame(dt=1 / 60)
        if app.game is not None and app.game.busy:
            app.game.wait(1)
    assert done(), "the window did not get there in time"


def test_when_the_instructor_ends_the_game_early_the_window_switches_to_the_debrief(running: Running) -> None:
    app, session, follow = _window(running)
    try:
        _frames_until(app, follow, lambda: app.top.name == "round")
        app.navigate("help")  # a panel open when the class ends closes: the debrief is what matters now
        running.call(running.host.instructor(lambda r: r.end()))
        _frames_until(app, follow, lambda: app.top.name == "debrief")
        assert session.finished and session.round < running.room.setup.rounds, "ended before the last round"
        assert app.game is not None and app.game.view.status.finished
        assert app.game.view.status.ended_by_event == "the instructor ended the game"
        assert app.top.view.ended_by_event == "the instructor ended the game"  # the debrief says why it ended
        assert app.top.view.also_played == (), "the other seats were other teams, not this one at hot seat"
        assert app.game.view.options == (), "no moves to choose once the game is over"
        for _ in range(3):  # back to the map (B) stays there: the window does not push the debrief again
            follow.frame()
            app.frame(dt=1 / 60)
        app.pop()
        follow.frame()
        app.frame(dt=1 / 60)
        assert app.top.name == "round"
    finally:
        app.quit()
        session.close()


def test_the_messages_panel_reads_and_writes_private_messages(running: Running, tmp_path: Any) -> None:
    import pygame

    app, session, follow = _window(running)
    room = running.room
    try:
        _frames_until(app, follow, lambda: app.top.name == "round")
        running.call(running.host.tell("cambodia", "Each team has four minutes this round."))
        _frames_until(app, follow, lambda: follow.seen > 0)
        assert "(M: messages)" in app.toast_text, "an incoming message says where to answer it"
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_m, unicode="m", mod=0, scancode=0))
        follow.frame()
        app.frame(dt=1 / 60)
        panel = app.top
        assert panel.name == "messages"
        assert [t[0] for t in panel.teams] == [a for a in room.setup.actor_ids if a != "cambodia"]
        while panel.teams[panel.to][0] != "china":  # Tab chooses to whom
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_TAB, unicode="\t", mod=0, scancode=0))
            app.frame(dt=1 / 60)
        for ch in "trade talks?":  # "?" is a character here, not the help key
            key = pygame.K_SPACE if ch == " " else pygame.K_SLASH if ch == "?" else ord(ch)
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=ch, mod=0, scancode=0))
        app.frame(dt=1 / 60)
        assert app.top is panel and panel.typed == "trade talks?"
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, unicode="\r", mod=0, scancode=0))
        app.frame(dt=1 / 60)
        panel.wait_sent()
        _frames_until(app, follow, lambda: len(panel._lines) == 2)
        assert panel.status == "Sent to China" and panel.typed == ""
        assert [(m.sender, m.to, m.text) for m in room.messages][-1] == ("cambodia", "china", "trade talks?")
        assert [line[:3] for line in panel._lines] == [
            ("instructor", "cambodia", "Each team has four minutes this round."),
            ("cambodia", "china", "trade talks?"),
        ]
        for ch in "x" * 3:  # a message to a seat the host refuses is not sent, and the panel says why
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=ord(ch), unicode=ch, mod=0, scancode=0))
        panel.teams.append(("nobody", "Nobody", (0, 0, 0)))
        panel.to = len(panel.teams) - 1
        app.frame(dt=1 / 60)
        panel.send()
        panel.wait_sent()
        assert panel.status.startswith("Not sent:") and panel.status_bad and panel.typed == "xxx"
        panel.teams.pop()
        panel.to = 0
        app.frame(dt=1 / 60)
        app.screenshot(tmp_path / "messages.png")
        assert (tmp_path / "messages.png").stat().st_size > 10_000
    finally:
        app.quit()
        session.close()


def test_the_messages_key_explains_itself_in_a_game_on_one_machine(tmp_path: Any) -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from sim.ui.app import App, Settings

    app = App((1280, 720), Settings(baseline_runs=0, view_process=False), save_dir=tmp_path)
    try:
        app.start_game("tutorial", "cambodia", seed=3)
        app.pop()  # past the briefing
        assert app.navigate("messages") is None and app.top.name == "round"
        assert "networked class" in app.toast_text
    finally:
        app.quit()
