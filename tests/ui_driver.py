"""Drive the game window as a student would (posted key and mouse events, SDL dummy driver): shared by UI tests.

The ``app`` fixture (in ``conftest.py``) opens a window on the title menu with :func:`make_app`; tests then press
keys, move and click the mouse and let the model's worker finish with these helpers.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from sim.ui.app import App, Settings
from sim.ui.scenes.round import RoundScene

SCENARIO = "medvedev_visit_2015"
SIZES = ((1280, 720), (1920, 1080), (1024, 600))


def make_app(tmp_path: Path, size: tuple[int, int] = (1280, 720), **settings: object) -> App:
    """A window on the title menu with the base scenario selected; no background runs, no turn summary, views built
    in the window's process (tests/test_ui_frames.py covers the view process)."""
    options: dict[str, object] = {"baseline_runs": 0, "turn_summary": False, "view_process": False, **settings}
    a = App(size, Settings(**options), save_dir=tmp_path / "saves")  # type: ignore[arg-type]
    a.navigate("menu", selected=SCENARIO)
    frame(a)
    return a


def frame(app: App, n: int = 1) -> None:
    for _ in range(n):
        app.frame(dt=1 / 60)


def settle(app: App) -> None:
    """Let the model's worker finish, as the player waits for the round to resolve."""
    for _ in range(500):
        if app.game is None or not app.game.busy:
            break
        app.game.wait(timeout=5)
        frame(app)
    frame(app, 2)


def press(app: App, key: int, unicode: str = "", mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=mod, scancode=0))
    frame(app)


def move_to(app: App, pos: tuple[int, int]) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
    frame(app)


def wheel(app: App, pos: tuple[int, int], y: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=y, flipped=False))
    frame(app)


def click_at(app: App, pos: tuple[int, int]) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    frame(app)


def click(app: App, button_id: str) -> None:
    """Click the top scene's button with this id at its centre."""
    click_at(app, app.top.button(button_id).rect.center)


def start(app: App, scenario: str = SCENARIO, actor: str = "cambodia") -> RoundScene:
    """A new game as ``actor`` (seed 5), past the briefing, the first round ready."""
    app.start_game(scenario, actor, seed=5)
    frame(app)
    press(app, pygame.K_RETURN)
    settle(app)
    assert isinstance(app.top, RoundScene)
    return app.top


def end_turn(app: App) -> None:
    """Choose the highlighted move and end the turn."""
    press(app, pygame.K_RETURN)
    press(app, pygame.K_SPACE, " ")
    settle(app)
