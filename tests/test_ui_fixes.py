"""Each bug a student met in the game window, driven through posted key and mouse events (SDL dummy driver)."""

from __future__ import annotations

import os
from pathlib import Path

import pygame
import pytest
from ui_driver import SCENARIO, click, frame, make_app, press, settle, start, wheel
from ui_driver import end_turn as play_turn

from sim.ui import library
from sim.ui.app import App, Settings
from sim.ui.scenes.briefing import BriefingScene
from sim.ui.scenes.debrief import DebriefScene
from sim.ui.scenes.menu import MenuScene
from sim.ui.scenes.overlays import ConfirmLoadOverlay, InstructorOverlay, LeaveOverlay, LoadOverlay, PinOverlay
from sim.ui.scenes.round import RoundScene

pytestmark = pytest.mark.ui


def test_page_down_and_up_scroll_the_round_log(app: App) -> None:
    scene = start(app)
    for _ in range(3):
        play_turn(app)
    assert scene._log_content > scene._rects["log_inner"].height  # more log than fits
    press(app, pygame.K_PAGEDOWN)
    assert scene.log_scroll > 0
    down = scene.log_scroll
    press(app, pygame.K_PAGEUP)
    assert scene.log_scroll < down


def test_the_wheel_over_the_log_scrolls_the_log_even_from_a_cached_frame(app: App) -> None:
    scene = start(app)
    for _ in range(3):
        play_turn(app)
    frame(app, 3)  # the picture is now served from the cache: no redraw stores rectangles
    log = scene.panels()["log"]
    wheel(app, log.center, -2)
    assert scene.log_scroll > 0 and scene.list_scroll == 0


def test_page_down_scrolls_the_briefing(app: App) -> None:
    app.start_game(SCENARIO, "cambodia", seed=1)
    app.resize((800, 480))
    app.settings.text_size = "huge"
    frame(app, 2)
    scene = app.top
    assert isinstance(scene, BriefingScene) and scene._content > scene._rects["text"].height
    press(app, pygame.K_PAGEDOWN)
    assert scene.scroll > 0


def test_the_game_starts_no_audio(app: App) -> None:
    # pygame.init() started the mixer, whose ALSA probing fills a terminal on a machine without sound.
    assert pygame.mixer.get_init() is None
    assert pygame.display.get_init() and pygame.font.get_init()


def test_f2_changes_the_text_size_during_a_game(app: App) -> None:
    scene = start(app)
    before = scene.m.scale
    press(app, pygame.K_F2)
    assert app.settings.text_size == "large" and scene.m.scale > before
    press(app, pygame.K_F2)
    press(app, pygame.K_F2)
    assert app.settings.text_size == "normal"


def test_enter_in_the_leave_dialog_saves_before_leaving(app: App, tmp_path: Path) -> None:
    start(app)
    play_turn(app)
    press(app, pygame.K_ESCAPE)
    assert isinstance(app.top, LeaveOverlay)
    press(app, pygame.K_RETURN)
    assert isinstance(app.top, MenuScene)
    assert len(list((tmp_path / "saves").glob("*.json"))) == 1


@pytest.mark.parametrize(("button", "where"), [("stay", LeaveOverlay), ("leave", MenuScene)])
def test_the_leave_dialogs_buttons_do_what_their_keys_do(app: App, button: str, where: type) -> None:
    start(app)
    press(app, pygame.K_ESCAPE)
    dialog = app.top
    assert isinstance(dialog, LeaveOverlay)
    assert [(b.id, b.key) for b in dialog.buttons] == [("stay", "Esc"), ("leave", "X"), ("save_leave", "Enter")]
    click(app, button)
    assert isinstance(app.top, RoundScene if where is LeaveOverlay else where)


def test_loading_over_a_game_in_progress_asks_first(app: App, tmp_path: Path) -> None:
    start(app)
    play_turn(app)
    saved = app.save_game(tmp_path / "saves" / "one.json")
    play_turn(app)
    assert saved is not None and app.game.session.round == 2
    press(app, pygame.K_l, "l")
    assert isinstance(app.top, LoadOverlay)
    press(app, pygame.K_RETURN)
    assert isinstance(app.top, ConfirmLoadOverlay) and app.game.session.round == 2  # nothing replaced yet
    press(app, pygame.K_ESCAPE)
    assert app.game.session.round == 2
    press(app, pygame.K_RETURN)  # the load list again
    press(app, pygame.K_RETURN)
    press(app, pygame.K_x, "x")  # load without saving
    settle(app)
    assert app.game.session.round == 1


def test_rewind_keeps_who_plays_whom_unless_asked(app: App) -> None:
    start(app)
    play_turn(app)
    play_turn(app)
    app.game.switch("russia", "human")  # a second student joins after round 2
    settle(app)
    assert app.game.session.humans() == ["cambodia", "russia"]
    app.game.rewind(1)
    settle(app)
    assert app.game.session.round == 1 and app.game.session.humans() == ["cambodia", "russia"]
    app.game.rewind(0, keep_controllers=False)
    settle(app)
    assert app.game.session.humans() == ["cambodia"]


def test_the_instructor_panel_needs_the_pin_set_at_start(tmp_path: Path) -> None:
    locked = make_app(tmp_path)
    try:
        start(locked)
        press(locked, pygame.K_i, "i")
        assert isinstance(locked.top, RoundScene) and "locked" in locked.toast_text
    finally:
        locked.quit()
    a = make_app(tmp_path, instructor_pin="42")
    try:
        start(a)
        press(a, pygame.K_i, "i")
        assert isinstance(a.top, PinOverlay)
        press(a, pygame.K_1, "1")
        press(a, pygame.K_RETURN)
        assert isinstance(a.top, PinOverlay) and a.top.wrong
        press(a, pygame.K_4, "4")
        press(a, pygame.K_2, "2")
        press(a, pygame.K_RETURN)
        assert isinstance(a.top, InstructorOverlay)
    finally:
        a.quit()


def test_the_debrief_flags_a_game_in_which_the_student_played_another_actor(app: App) -> None:
    start(app, "tutorial")
    app.game.switch("russia", "human")
    settle(app)
    while not app.game.finished:
        press(app, pygame.K_SPACE, " ")
        settle(app)
    frame(app, 3)
    assert isinstance(app.top, DebriefScene)
    assert app.top.view.also_played == ("Russia",)


def test_the_tutorial_is_listed_first_and_the_menu_remembers_the_last_scenario(app: App) -> None:
    menu = app.top
    assert isinstance(menu, MenuScene) and menu.entries[0].ref == "tutorial"
    start(app, "trade_opening")
    press(app, pygame.K_ESCAPE)
    press(app, pygame.K_x, "x")
    assert isinstance(app.top, MenuScene) and app.top.entry.ref == "trade_opening"


@pytest.mark.parametrize("size", [(1024, 600), (1280, 720)])
def test_the_menu_list_scrolls_to_every_scenario_at_huge_text(tmp_path: Path, size: tuple[int, int]) -> None:
    a = make_app(tmp_path, size, text_size="huge")
    try:
        menu = a.top
        inner = menu._rects["list_inner"]
        assert menu._list_content > inner.height  # the library does not fit: it must scroll
        for _ in range(len(menu.entries) - 1):
            press(a, pygame.K_DOWN)
            card = menu._cards[menu.index][0].move(0, -menu.list_scroll)
            assert inner.contains(card), (menu.index, card, inner)
        wheel(a, inner.center, 5)
        assert menu.list_scroll < menu._list_content - inner.height
    finally:
        a.quit()


def test_a_resize_adopts_the_resized_window_instead_of_recreating_it(app: App, monkeypatch) -> None:
    start(app)
    calls = []
    resized = pygame.Surface((1500, 850))
    monkeypatch.setattr(pygame.display, "get_surface", lambda: resized)  # what SDL hands back after a resize
    monkeypatch.setattr(pygame.display, "set_mode", lambda *a, **k: calls.append(a) or resized)
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=1500, h=850, size=(1500, 850)))
    app.frame(dt=1 / 60)
    assert app.size == (1500, 850) and calls == []  # no new window
    assert all(pygame.Rect(0, 0, 1500, 850).contains(r) for r in app.top.panels().values())


def test_the_window_shows_a_splash_before_the_library_loads(tmp_path: Path) -> None:
    from sim.ui.app import open_app

    a = open_app(settings=Settings(baseline_runs=0))
    try:
        assert a.first_frame is not None and a.frames == 0  # the splash was on screen before any scene's frame
        assert isinstance(a.top, MenuScene)
    finally:
        a.quit()


def test_the_briefing_numbers_its_sources_and_lists_them_in_full(app: App) -> None:
    app.start_game("tutorial", "cambodia", seed=1)
    frame(app)
    text = app.top.view.text
    numbers = {s[0]: k for k, s in enumerate(library.sources("tutorial"), start=1)}
    assert "[kt-2015]" not in text and f"[{numbers['kt-2015']}]" in text  # numbered as the Sources panel (B)
    assert "## Sources" in text and "Khmer Times, 'The Big Picture of Dmitry Medvedev's Visit'" in text


def test_the_background_ai_games_run_at_a_lower_priority(monkeypatch) -> None:
    from sim.ui import baseline

    seen = []
    monkeypatch.setattr(baseline.os, "nice", lambda n: seen.append(n) or 0)
    monkeypatch.setattr(baseline.signal, "signal", lambda *a: None)
    baseline.ignore_interrupts()
    assert seen == [baseline.BACKGROUND_NICENESS] and baseline.BACKGROUND_NICENESS > 0


def test_the_splash_can_show_before_the_model_and_scenario_code_are_imported() -> None:
    import subprocess
    import sys

    code = (
        "import sys, time; t = time.perf_counter(); from sim.ui import splash; shown = splash.show((800, 480)); "
        "heavy = [m for m in ('numpy', 'mesa', 'pydantic', 'sim.core', 'sim.scenario') if m in sys.modules]; "
        "sys.exit(1 if heavy else 0)"
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_a_text_size_changed_under_an_overlay_lays_the_round_screen_out_for_it(app: App) -> None:
    scene = start(app)
    press(app, pygame.K_F1)
    assert app.top.name == "help"
    press(app, pygame.K_F2)  # normal -> large while help is on top: only the top scene updates
    frame(app)
    drawn_under_the_overlay = scene.parts()
    press(app, pygame.K_ESCAPE)
    assert app.top is scene
    frame(app)
    assert scene.parts() == drawn_under_the_overlay  # the picture under help already had the large layout


def test_the_briefing_text_keeps_clear_of_its_scrollbar(tmp_path: Path) -> None:
    a = make_app(tmp_path, (1024, 600), text_size="huge")
    try:
        a.start_game(SCENARIO, "cambodia", seed=5)
        frame(a, 3)
        assert isinstance(a.top, BriefingScene)
        inner = a.top._rects["text"]
        m = a.metrics
        gutter = {
            tuple(a.screen.get_at((x, y)))[:3]
            for x in range(inner.right - m.px(12) + 2, inner.right - m.px(6))
            for y in range(inner.top, inner.bottom)
        }
        assert len(gutter) == 1, "text runs into the scrollbar's gutter"
    finally:
        a.quit()
