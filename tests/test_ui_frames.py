"""The frame work of issue 13: a new round's picture prepared over frames, views built in a process of their own."""

from __future__ import annotations

import gc
from pathlib import Path

import pygame
import pytest
from ui_driver import SCENARIO, frame, make_app, press, settle, start

from sim.play.session import GameSession
from sim.ui import app as app_module
from sim.ui import viewmodel as vm
from sim.ui import viewproc
from sim.ui.library import load_setup
from sim.ui.scenes.round import RoundScene


def _end_turn_and_wait_for_the_worker(app: app_module.App) -> None:
    """Space ends the turn; the worker finishes the round, and no frame has adopted its view yet."""
    g = app.game
    assert g is not None
    press(app, pygame.K_SPACE, " ")
    assert g._future is not None
    g._future.result(60)
    assert g.busy and g.coming is not None


def test_a_finished_round_is_prepared_over_frames_then_shown_with_the_picture_a_direct_draw_gives(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, turn_summary=True)
    try:
        scene = start(app)
        g = app.game
        assert g is not None
        old_view, old_version = g.view, g.version
        _end_turn_and_wait_for_the_worker(app)
        coming = g.coming
        frames = 0
        staged = None
        while g.version == old_version:
            assert g.view is old_view, "the old view stays on screen while the new one is prepared"
            assert scene._backdrop is not None and scene._backdrop.key[0] == id(old_view)
            staged = scene._staged
            frame(app)
            frames += 1
            assert frames <= app_module.PREPARE_FRAMES + 1
        assert frames >= 2, "the preparation takes frames of its own, and the view is adopted on a later one"
        assert g.view is coming
        assert staged is not None and scene._backdrop is staged, "the new backdrop was prepared, not redrawn"
        assert staged.key[0] == id(coming)
        assert app.top is scene, "the frame that shows the new round draws its picture alone"
        frame(app)
        assert app.top.name == "summary", "the turn summary opens over the new round on the next frame"
        app.pop()
        frame(app, 2)
        prepared = app.screen.copy()
        scene._backdrop = None  # the same frame drawn from scratch
        app._cache = None
        frame(app)
        assert pygame.image.tobytes(prepared, "RGB") == pygame.image.tobytes(app.screen, "RGB")
    finally:
        app.quit()


def test_preparing_changes_nothing_the_old_picture_shows(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    try:
        scene = start(app)
        g = app.game
        assert g is not None
        before = scene._backdrop
        assert before is not None
        _end_turn_and_wait_for_the_worker(app)
        for _ in range(app_module.PREPARE_FRAMES):  # every step of the preparation, not the adoption
            app._adopt()
            if app._preparing is not None and app._preparing[1] is None:
                break
        assert g.view.status.round == 0 and scene._staged is not None
        scene.selected = 1  # the student moved in the picker meanwhile: the old view is drawn again, unharmed
        app.draw()
        assert scene._backdrop is before and scene._log_content == before.log_content
        assert scene._staged is not None and scene._staged.layer is not before.layer
        settle(app)
        assert g.view.status.round == 1 and g.error == ""
    finally:
        app.quit()


def test_views_built_by_the_view_process_are_the_views_built_here() -> None:
    setup = load_setup("tutorial")
    session = GameSession.start(setup, "tutorial", 11, "cambodia")
    views = viewproc.ViewProcess(setup)
    assert views.wait_started()
    try:
        for _ in range(2):
            session.play_round({})
            assert views.view(session, None) == vm.round_view(session, None)
        session.switch("china", "human")  # hot seat: China's view of the same state
        assert views.view(session, "china") == vm.round_view(session, "china")
        branch = session.rewind(1)  # another branch: the process replays it
        assert views.view(branch, None) == vm.round_view(branch, None)
        assert views.served == 4, "the process built every one of them"
    finally:
        views.close()


def test_the_view_process_refuses_a_replica_that_is_not_the_game_and_the_game_builds_the_view_itself() -> None:
    setup = load_setup("tutorial")
    session = GameSession.start(setup, "tutorial", 12, "cambodia")
    session.play_round({})
    viewproc._STATE["setup"] = setup  # the process's function, run here
    try:
        with pytest.raises(RuntimeError, match="replica"):
            viewproc.build(session.log, "not the digest", None)
        assert viewproc.build(session.log, session.digest(), None) == vm.round_view(session, None)
    finally:
        viewproc._STATE.clear()
    starting = viewproc.ViewProcess(setup)  # a process still starting: the first view does not wait for it
    assert starting.view(session, None) == vm.round_view(session, None) and starting.served == 0
    assert starting.wait_started()
    starting.close()  # a process that is gone: the view is still built, here
    assert starting.view(session, None) == vm.round_view(session, None) and starting.served == 0


def test_a_game_in_the_window_uses_the_view_process_and_plays_as_before(tmp_path: Path) -> None:
    app = make_app(tmp_path, view_process=True)
    try:
        start(app, SCENARIO)
        g = app.game
        assert g is not None and g._views is not None and g._views.wait_started()
        press(app, pygame.K_RETURN)  # add the highlighted move
        press(app, pygame.K_SPACE, " ")
        settle(app)
        assert g.view.status.round == 1 and g.error == ""
        assert g.view == vm.round_view(g.session, None) and g._views.served == 1
    finally:
        app.quit()


def test_starting_a_game_freezes_what_exists_out_of_the_collector(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    try:
        start(app)
        assert gc.get_freeze_count() > 10_000, "the scenario, fonts and first view are out of the collector's sight"
        assert isinstance(app.find(RoundScene), RoundScene)
    finally:
        app.quit()


def test_the_debrief_replays_its_counterfactuals_in_the_view_process_and_caches_its_picture(tmp_path: Path) -> None:
    setup = load_setup("tutorial")
    session = GameSession.start(setup, "tutorial", 13, "cambodia")
    while not session.finished:
        options = vm.move_options(session.model, setup.index("cambodia"))
        session.play_round({"cambodia": [options[0].order]})
    views = viewproc.ViewProcess(setup)
    assert views.wait_started()
    try:
        assert views.counterfactuals(session, "cambodia") == vm.counterfactuals(session, "cambodia")
        assert views.served == 1
    finally:
        views.close()
    app = make_app(tmp_path)
    try:
        start(app, "tutorial")
        g = app.game
        assert g is not None
        while not g.finished:
            press(app, pygame.K_RETURN)
            press(app, pygame.K_SPACE, " ")
            settle(app)
        debrief = app.top
        assert debrief.name == "debrief"
        debrief.wait_for_lessons(60)
        frame(app, 2)
        key = debrief.cache_key()
        assert key is not None and key == debrief.cache_key(), "nothing changed: the app shows the last frame"
        debrief.scroll["lessons"] += 10
        assert debrief.cache_key() != key, "a scroll redraws it"
    finally:
        app.quit()


def test_a_frame_whose_picture_is_on_screen_is_not_drawn_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(tmp_path)
    try:
        scene = start(app)
        flips: list[int] = []
        real_flip = pygame.display.flip
        monkeypatch.setattr(pygame.display, "flip", lambda: (flips.append(1), real_flip())[1])
        frame(app, 3)
        assert flips == [], "nothing changed: no drawing, no flip"
        before = pygame.image.tobytes(app.screen, "RGB")
        press(app, pygame.K_DOWN)  # the picker's highlight moves: drawn and flipped once
        assert len(flips) == 1 and pygame.image.tobytes(app.screen, "RGB") != before
        app.toast("Saved")
        frame(app)
        assert len(flips) == 2, "a note over the picture is a change"
        g = app.game
        assert g is not None
        press(app, pygame.K_SPACE, " ")
        assert g.busy and scene.transient_key() is not None  # the "resolving" sign animates while the round resolves
        settle(app)
        assert len(flips) >= 4
    finally:
        app.quit()
