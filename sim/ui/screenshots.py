"""Screenshots of every scene at 1280x720 and 1920x1080 (``python run.py play --screenshot DIR`` and the UI tests).

Drives a real App through a game the way a player would (menu, briefing, a few rounds with chosen
moves, every overlay, watch mode, the debrief) and saves one PNG per scene and size, returning the
panel rectangles each scene reported so tests can check what is drawn where.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pygame

from sim.atomic import make_folder
from sim.ui.app import SIZES, App, Settings
from sim.ui.scenes.base import Scene


@dataclass(frozen=True, slots=True)
class Shot:
    scene: str
    size: tuple[int, int]
    path: Path
    panels: dict[str, tuple[int, int, int, int]]


def settle(app: App, frames: int = 3) -> None:
    """Run frames until the game's worker is idle, then a few more so everything is laid out and drawn."""
    for _ in range(2000):
        if app.game is None or not app.game.busy:
            break
        app.game.wait(timeout=5.0)
        app.frame(dt=1 / 60)
    for _ in range(frames):
        app.frame(dt=1 / 60)


def _shot(app: App, out: Path, name: str, shots: list[Shot]) -> None:
    settle(app)
    w, h = app.size
    path = app.screenshot(out / f"{name}_{w}x{h}.png")
    panels = {k: (r.x, r.y, r.width, r.height) for k, r in app.top.panels().items()}
    shots.append(Shot(name, (w, h), path, panels))


def _press(app: App, key: int, unicode: str = "", mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=mod, scancode=0))
    app.frame(dt=1 / 60)


def _choose_moves(app: App, scene: Scene) -> None:
    """Pick the first two moves in the list (as a student pressing Enter twice) and end the turn."""
    _press(app, pygame.K_RETURN)
    _press(app, pygame.K_DOWN)
    _press(app, pygame.K_RETURN)
    _press(app, pygame.K_SPACE, " ")
    settle(app)


def capture(
    out: Path,
    scenario: str = "medvedev_visit_2015",
    actor: str | None = None,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    seed: int = 2015,
    baseline_runs: int = 40,
    on_shot: Callable[[Shot], None] | None = None,
) -> list[Shot]:
    """Save a PNG of every scene at every size into ``out``; returns what was saved."""
    from sim.ui import library  # noqa: PLC0415
    from sim.ui.scenes.menu import MenuScene  # noqa: PLC0415

    make_folder(out)
    shots: list[Shot] = []
    setup = library.load_setup(scenario)
    player = actor or setup.actor_ids[setup.scoring.focal]
    for size in sizes:
        app = App(size, Settings(baseline_runs=baseline_runs), save_dir=out / "saves")
        try:
            app.push(MenuScene(app, selected=scenario))
            _shot(app, out, "menu", shots)
            _press(app, pygame.K_s, "s")
            _shot(app, out, "settings", shots)
            _press(app, pygame.K_ESCAPE)
            app.start_game(scenario, player, seed)
            _shot(app, out, "briefing", shots)
            _press(app, pygame.K_RETURN)
            round_scene = app.top
            for _ in range(3):
                _choose_moves(app, round_scene)
            _press(app, pygame.K_DOWN)
            _press(app, pygame.K_DOWN)
            _press(app, pygame.K_RETURN)
            _shot(app, out, "round", shots)
            _press(app, pygame.K_BACKSPACE)
            _press(app, pygame.K_F1)
            _shot(app, out, "help", shots)
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_i, "i")
            _shot(app, out, "instructor", shots)
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_h, "h")
            _shot(app, out, "players", shots)
            _press(app, pygame.K_ESCAPE)
            _press(app, pygame.K_r, "r")
            _shot(app, out, "rewind", shots)
            _press(app, pygame.K_ESCAPE)
            app.save_game(out / "saves" / "screenshot-game.json")
            _press(app, pygame.K_l, "l")
            _shot(app, out, "load", shots)
            _press(app, pygame.K_ESCAPE)
            while app.game is not None and not app.game.finished:
                _choose_moves(app, round_scene)
            settle(app)
            if app.game is not None and app.game.baseline is not None:
                app.game.baseline.wait(timeout=120)
            app.toast("", seconds=0.0)  # the save above is not part of the debrief's picture
            _shot(app, out, "debrief", shots)
            app.start_game(scenario, None, seed)
            for _ in range(4):
                _press(app, pygame.K_n, "n")
                settle(app)
            _shot(app, out, "watch", shots)
        finally:
            app.quit()
        for shot in shots:
            if on_shot is not None and shot.size == size:
                on_shot(shot)
    return shots
