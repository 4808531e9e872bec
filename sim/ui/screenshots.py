"""Screenshots of every scene and panel at 1280x720, 1920x1080 and 1024x600, each at normal and huge text
(``python run.py play --screenshot DIR`` and the UI tests).

Drives a real App through a game the way a player would (menu, the tutorial's guide, briefing, a few
rounds with chosen moves, the turn summary, the picker with numbers and a filter, the diplomacy view,
every overlay, an event card, the hot-seat hand-over, the debrief, watch mode, a glossary term's explanation
under the mouse) and saves one PNG per
scene, size and text size (``{scene}_{w}x{h}_{text}.png``), returning the rectangles each scene laid out
so tests can check what is drawn where and that nothing overlaps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pygame

from sim.atomic import make_folder
from sim.core.events import Event
from sim.ui import library
from sim.ui.app import App, Settings
from sim.ui.scenes.base import Scene
from sim.ui.scenes.debrief import DebriefScene


@dataclass(frozen=True, slots=True)
class Shot:
    scene: str
    size: tuple[int, int]
    text: str  # text size: normal | huge
    path: Path
    panels: dict[str, tuple[int, int, int, int]]
    parts: dict[str, tuple[int, int, int, int]]  # laid-out pieces inside the panels, buttons included


#: Window sizes the screenshots cover (a class projector, a full-HD screen, a small netbook).
SHOT_SIZES: tuple[tuple[int, int], ...] = ((1280, 720), (1920, 1080), (1024, 600))
TEXT_SIZES: tuple[str, ...] = ("normal", "huge")


def settle(app: App, frames: int = 3) -> None:
    """Run frames until the game's worker is idle, then a few more so everything is laid out and drawn."""
    for _ in range(2000):
        if app.game is None or not app.game.busy:
            break
        app.game.wait(timeout=5.0)
        app.frame(dt=1 / 60)
    for _ in range(frames):
        app.frame(dt=1 / 60)


def _rects(scene: Scene, method: str) -> dict[str, tuple[int, int, int, int]]:
    found = getattr(scene, method, None)
    rects = found() if callable(found) else {}
    return {k: (r.x, r.y, r.width, r.height) for k, r in rects.items()}


def _shot(app: App, out: Path, name: str, shots: list[Shot], texts: tuple[str, ...] = TEXT_SIZES) -> None:
    """One PNG per text size of what the window shows now: ``{name}_{w}x{h}_{text}.png``."""
    keep = app.settings.text_size
    for text in texts:
        app.settings.text_size = text
        settle(app)
        w, h = app.size
        path = app.screenshot(out / f"{name}_{w}x{h}_{text}.png")
        parts = _rects(app.top, "parts")
        parts.update({f"button:{b.id}": (b.rect.x, b.rect.y, b.rect.width, b.rect.height) for b in app.top.buttons})
        shots.append(Shot(name, (w, h), text, path, _rects(app.top, "panels"), parts))
    app.settings.text_size = keep
    settle(app)


def _hover_shot(app: App, out: Path, name: str, shots: list[Shot], texts: tuple[str, ...], where: str) -> None:
    """Like :func:`_shot`, with the mouse over a glossary term the top scene shows, in its ``where`` panel when
    that shows one (the explanation box open): found anew at each text size, since the text moves with it."""
    keep = app.settings.text_size
    for text in texts:
        app.settings.text_size = text
        settle(app)
        top = app.top
        area = top.panels().get(where, pygame.Rect((0, 0), app.size))
        spots = [r for r, _ in top.term_spots if top.term_at(r.center)]
        spot = next((r for r in spots if area.contains(r)), spots[0] if spots else None)
        if spot is None:
            continue
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=spot.center, rel=(0, 0), buttons=(0, 0, 0)))
        settle(app)
        w, h = app.size
        path = app.screenshot(out / f"{name}_{w}x{h}_{text}.png")
        shots.append(Shot(name, (w, h), text, path, _rects(top, "panels"), _rects(top, "parts")))
    pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=(0, 0), rel=(0, 0), buttons=(0, 0, 0)))
    app.settings.text_size = keep
    settle(app)


def _press(app: App, key: int, unicode: str = "", mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=mod, scancode=0))
    app.frame(dt=1 / 60)


def _type(app: App, text: str) -> None:
    for ch in text:
        _press(app, pygame.key.key_code(ch) if ch.isalnum() else pygame.K_SPACE, ch)


def _close_panels(app: App) -> None:
    """Close the turn summary and event cards that open after a round (Enter, as a student does)."""
    for _ in range(6):
        if app.top.name in ("summary", "event", "handover"):
            _press(app, pygame.K_RETURN)
        else:
            break


def _choose_moves(app: App, scene: Scene) -> None:
    """Pick the first two moves in the list (as a student pressing Enter twice) and end the turn."""
    _close_panels(app)
    _press(app, pygame.K_RETURN)
    _press(app, pygame.K_DOWN)
    _press(app, pygame.K_RETURN)
    _press(app, pygame.K_SPACE, " ")
    settle(app)


def capture(
    out: Path,
    scenario: str = "medvedev_visit_2015",
    actor: str | None = None,
    sizes: tuple[tuple[int, int], ...] = SHOT_SIZES,
    seed: int = 2015,
    baseline_runs: int = 40,
    on_shot: Callable[[Shot], None] | None = None,
    texts: tuple[str, ...] = TEXT_SIZES,
) -> list[Shot]:
    """Save a PNG of every scene and panel at every size and text size into ``out``; returns what was saved."""
    make_folder(out)
    shots: list[Shot] = []
    setup = library.load_setup(scenario)
    player = actor or setup.actor_ids[setup.scoring.focal]
    for size in sizes:
        app = App(size, Settings(baseline_runs=baseline_runs, instructor_pin="0000"), save_dir=out / "saves")
        app.instructor_unlocked = True  # the screenshots show the panel behind the PIN
        first = len(shots)

        def shot(name: str) -> None:
            _shot(app, out, name, shots, texts)  # noqa: B023 (called within this size's loop)

        try:
            app.navigate("menu", selected=scenario)
            shot("menu")
            _press(app, pygame.K_s, "s")
            shot("settings")
            _press(app, pygame.K_ESCAPE)
            if "tutorial" in {e.ref for e in library.scan(app.scenario_dir)}:
                app.start_game("tutorial", "cambodia", seed)
                _press(app, pygame.K_RETURN)
                settle(app)
                shot("tutorial_guide")
            # An event card: the first event of a library scenario that has one, fired from the instructor panel.
            with_events = next((e.ref for e in library.scan(app.scenario_dir) if e.ref != "tutorial" and any(
                isinstance(ev, Event) for ev in library.load_setup(e.ref).events)), None) if not any(
                isinstance(ev, Event) for ev in setup.events) else scenario  # fmt: skip
            if with_events is not None:
                app.start_game(with_events, None, seed)
                settle(app)
                assert app.game is not None
                first_event = next(ev for ev in app.game.session.setup.events if isinstance(ev, Event))
                app.game.fire(first_event.id)
                settle(app)
                if app.top.name == "event":
                    shot("event_card")
            app.start_game(scenario, player, seed)
            shot("briefing")
            _press(app, pygame.K_RETURN)
            round_scene = app.top
            for _ in range(3):
                _choose_moves(app, round_scene)
            shot("turn_summary")
            _close_panels(app)
            _press(app, pygame.K_DOWN)
            _press(app, pygame.K_DOWN)
            _press(app, pygame.K_RETURN)
            shot("round")
            _hover_shot(app, out, "glossary_hover", shots, texts, "log")
            _press(app, pygame.K_x, "x")
            shot("round_numbers")
            _press(app, pygame.K_x, "x")
            _press(app, pygame.K_BACKSPACE)
            _press(app, pygame.K_SLASH, "/")
            _type(app, "agree")
            shot("round_filter")
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_a, "a")
            shot("diplomacy")
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_F1)
            shot("help")
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_b, "b")
            shot("sources")
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_i, "i")
            shot("instructor")
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_h, "h")
            shot("players")
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_r, "r")
            shot("rewind")
            _press(app, pygame.K_ESCAPE)
            app.save_game(out / "saves" / "screenshot-game.json")
            _press(app, pygame.K_l, "l")
            shot("load")
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_ESCAPE)
            shot("leave")
            _press(app, pygame.K_ESCAPE)
            if app.game is not None:  # hot seat: a second player, and the hand-over screen between them
                app.game.switch("russia" if player != "russia" else "china", "human")
                settle(app)
                _choose_moves(app, round_scene)
                if app.top.name == "handover":
                    shot("handover")
                _close_panels(app)
                app.game.switch("russia" if player != "russia" else "china", "ai")
                settle(app)
            while app.game is not None and not app.game.finished:
                _choose_moves(app, round_scene)
            settle(app)
            _close_panels(app)
            if app.game is not None and app.game.baseline is not None:
                app.game.baseline.wait(timeout=120)
            app.toast("", seconds=0.0)  # the save above is not part of the debrief's picture
            if isinstance(app.top, DebriefScene):
                app.top.wait_for_lessons(timeout=60)
            shot("debrief")
            app.start_game(scenario, None, seed)
            for _ in range(4):
                _press(app, pygame.K_n, "n")
                settle(app)
            _close_panels(app)
            shot("watch")
        finally:
            app.quit()
        for s in shots[first:]:
            if on_shot is not None:
                on_shot(s)
    return shots
