"""The game window driven as a student would, through posted key and mouse events, under SDL's dummy driver."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pygame
import pytest
from ui_driver import SCENARIO, click, frame, press, settle

from sim.core.events import ChangeState, Event
from sim.play.session import GameSession
from sim.ui.app import App
from sim.ui.game import Game
from sim.ui.scenes.briefing import BriefingScene
from sim.ui.scenes.debrief import DebriefScene
from sim.ui.scenes.menu import MenuScene
from sim.ui.scenes.overlays import LoadOverlay, PlayersOverlay, RewindOverlay
from sim.ui.scenes.round import RoundScene

pytestmark = pytest.mark.ui


def play_turn(app: App) -> None:
    """Choose the second and then the first move on offer, and end the turn."""
    press(app, pygame.K_DOWN)
    press(app, pygame.K_RETURN)
    press(app, pygame.K_UP)
    press(app, pygame.K_RETURN)
    press(app, pygame.K_SPACE, " ")
    settle(app)


def start_as_cambodia(app: App) -> None:
    click(app, "role:cambodia")
    click(app, "start")
    assert isinstance(app.top, BriefingScene)
    press(app, pygame.K_RETURN)
    assert isinstance(app.top, RoundScene)


def digest(app: App) -> str:
    assert app.game is not None
    return app.game.session.digest()


def test_menu_briefing_twelve_rounds_of_chosen_moves_then_the_debrief(app: App) -> None:
    app.settings.baseline_runs = 6
    start_as_cambodia(app)
    for _ in range(12):
        assert isinstance(app.top, RoundScene)
        play_turn(app)
    assert isinstance(app.top, DebriefScene)
    session = app.game.session
    assert session.round == 12 and session.finished
    orders = [c for c in session.log.commands if c.op == "orders"]
    assert len(orders) == 12 and all(c.actor == "cambodia" and len(c.moves) == 2 for c in orders)
    human = [m for r in session.model.history for m in r.moves if m.source == "human"]
    assert len(human) == 24 and all(m.actor == 0 for m in human)
    debrief = app.top
    assert debrief.view.outcome == session.model.history[-1].outcome
    # Drawing never changes the game.
    before = (len(session.log.commands), session.digest())
    for _ in range(3):
        app.draw()
    assert (len(session.log.commands), session.digest()) == before
    # The AI-only comparison arrives in the background.
    app.game.baseline.wait(timeout=120)
    frame(app)
    sample, mine, _, _ = debrief.comparison()
    assert debrief.view.has_objectives, "the base scenario gives Cambodia objectives"
    assert len(sample) == 6 and mine == debrief.view.score


def test_save_mid_game_load_and_finish_with_the_same_result(app: App, tmp_path: Path) -> None:
    start_as_cambodia(app)
    for _ in range(6):
        play_turn(app)
    press(app, pygame.K_s, "\x13", pygame.KMOD_CTRL)
    saves = list((tmp_path / "saves").glob("*.json"))
    assert len(saves) == 1
    for _ in range(6):
        play_turn(app)
    straight = digest(app)
    outcome = app.game.session.model.history[-1].outcome
    # Back to the menu, load the save, and play the same six rounds again.
    press(app, pygame.K_ESCAPE)  # leave the debrief for the map
    press(app, pygame.K_ESCAPE)  # asks whether to leave
    press(app, pygame.K_x, "x")  # leave without saving (Enter would save first)
    assert isinstance(app.top, MenuScene)
    press(app, pygame.K_l, "l")
    assert isinstance(app.top, LoadOverlay)
    press(app, pygame.K_RETURN)
    settle(app)
    assert isinstance(app.top, RoundScene) and app.game.session.round == 6
    for _ in range(6):
        play_turn(app)
    assert digest(app) == straight
    assert app.game.session.model.history[-1].outcome == outcome


def test_rewind_three_rounds_and_replay_the_same_moves_to_the_same_state(app: App) -> None:
    start_as_cambodia(app)
    for _ in range(6):
        play_turn(app)
    at_six = digest(app)
    press(app, pygame.K_r, "r")
    assert isinstance(app.top, RewindOverlay)
    press(app, pygame.K_UP)
    press(app, pygame.K_UP)
    press(app, pygame.K_UP)  # from "after round 6" to "after round 3"
    press(app, pygame.K_RETURN)
    settle(app)
    assert isinstance(app.top, RoundScene)
    session = app.game.session
    assert session.round == 3 and session.log.forks[-1].to_round == 3 and session.log.forks[-1].from_round == 6
    assert any(line.kind == "fork" for line in app.game.view.log)
    assert 3 in app.game.view.series.forks
    for _ in range(3):
        play_turn(app)
    assert digest(app) == at_six


def test_watch_mode_plays_to_the_end_with_play_and_speed_controls(app: App) -> None:
    press(app, pygame.K_w, "w")
    press(app, pygame.K_RETURN)
    scene = app.top
    assert isinstance(scene, RoundScene) and app.game.watching
    press(app, pygame.K_n, "n")  # one step
    settle(app)
    assert app.game.session.round == 1
    for _ in range(4):
        press(app, pygame.K_PLUS, "+")
    assert scene.speed == 8.0
    press(app, pygame.K_SPACE, " ")
    assert scene.playing
    for _ in range(3000):
        if isinstance(app.top, DebriefScene):
            break
        app.frame(dt=0.05)
        if app.game.busy:
            app.game.wait(timeout=5)
    assert isinstance(app.top, DebriefScene)
    session = app.game.session
    assert session.finished and not any(c.op == "orders" for c in session.log.commands)


def test_hot_seat_two_players_choose_in_turn(app: App) -> None:
    start_as_cambodia(app)
    press(app, pygame.K_h, "h")
    assert isinstance(app.top, PlayersOverlay)
    press(app, pygame.K_DOWN)  # Russia
    press(app, pygame.K_RETURN)
    settle(app)
    press(app, pygame.K_ESCAPE)
    assert app.game.session.humans() == ["cambodia", "russia"]
    press(app, pygame.K_RETURN)
    press(app, pygame.K_SPACE, " ")
    settle(app)
    assert app.game.session.round == 0 and app.game.view.actors[app.game.view.player].id == "russia"
    assert app.top.name == "handover"  # Cambodia's orders are hidden until Russia's player is ready
    press(app, pygame.K_RETURN)
    assert isinstance(app.top, RoundScene)
    press(app, pygame.K_RETURN)
    press(app, pygame.K_SPACE, " ")
    settle(app)
    session = app.game.session
    assert session.round == 1
    assert {c.actor for c in session.log.commands if c.op == "orders"} == {"cambodia", "russia"}
    assert {m.actor for m in session.model.history[1].moves if m.source == "human"} == {0, 1}


def test_instructor_fires_an_event_that_shows_in_the_log(app: App, base_setup) -> None:
    event = Event("coup", "Snap election", "Parliament is dissolved.", (ChangeState("relations", (3, 0), -0.3, "add"),))
    setup = replace(base_setup, events=(event,))
    app.set_game(Game(GameSession.start(setup, SCENARIO, 4, "cambodia"), baseline_runs=0))
    app.replace_all(RoundScene(app))
    app.settings.instructor_pin, app.instructor_unlocked = "1", True  # the PIN was given earlier
    frame(app)
    press(app, pygame.K_i, "i")
    press(app, pygame.K_RETURN)
    settle(app)
    session = app.game.session
    assert [c.op for c in session.log.commands] == ["fire"]
    assert session.model.history[-1].events[-1].id == "coup"
    assert any(line.kind == "event" and line.text == "Snap election" for line in app.game.view.log)


def test_a_corrupt_save_shows_a_message_and_the_game_goes_on_unchanged(app: App, tmp_path: Path) -> None:
    start_as_cambodia(app)
    play_turn(app)
    bad = tmp_path / "saves" / "broken.json"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text('{"format": "pivot-save", "version": 1, "scen')
    before = digest(app)
    press(app, pygame.K_l, "l")
    assert isinstance(app.top, LoadOverlay)
    press(app, pygame.K_RETURN)
    assert "not a Pivot save file" in app.toast_text
    press(app, pygame.K_ESCAPE)
    assert isinstance(app.top, RoundScene) and digest(app) == before
    assert bad.read_text() == '{"format": "pivot-save", "version": 1, "scen'


def test_the_window_resizes_and_the_panels_follow(app: App) -> None:
    start_as_cambodia(app)
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=1600, h=900, size=(1600, 900)))
    frame(app, 2)
    assert app.size == (1600, 900)
    window = pygame.Rect(0, 0, 1600, 900)
    panels = app.top.panels()
    assert set(panels) == {"status", "map", "chart", "orders", "log", "keys"}
    assert all(window.contains(r) for r in panels.values())


def test_closing_the_window_mid_game_saves_it_and_the_save_resumes_the_game(app: App, tmp_path: Path) -> None:
    start_as_cambodia(app)
    for _ in range(3):
        play_turn(app)
    played = digest(app)
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    frame(app)
    assert not app.running
    saved = app.closed_save
    assert saved is not None and saved.parent == tmp_path / "saves" and "-round03-interrupted-" in saved.name
    assert app.load_game(saved)
    settle(app)
    assert app.game.session.round == 3 and digest(app) == played


def test_closing_the_window_before_a_round_is_played_saves_nothing(app: App, tmp_path: Path) -> None:
    start_as_cambodia(app)
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    frame(app)
    assert not app.running and app.closed_save is None
    assert not (tmp_path / "saves").exists() or not list((tmp_path / "saves").iterdir())
