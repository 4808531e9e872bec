"""The scene contract: input may change the game, update adopts results, and drawing never changes the game."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pygame

from sim.ui import theme as th
from sim.ui.widgets import Button, draw_button

if TYPE_CHECKING:
    from sim.ui.app import App
    from sim.ui.views import RoundView


class Scene(ABC):
    """One screen on the app's stack.

    ``handle`` reacts to input (the only place a scene changes the game, through ``app.game``);
    ``update`` runs once a frame before drawing (adopt finished work, lay out buttons);
    ``draw`` paints the current view model and promises to change nothing but pixels
    (tests check that drawing leaves the game log untouched). ``panels`` names the rectangles
    drawn, so tests can sample their pixels.
    """

    #: An overlay draws over the scene below it instead of replacing it.
    overlay = False
    #: The scene takes typed text: "?" is a character there, not the help key.
    takes_text = False
    name = "scene"

    def __init__(self, app: App) -> None:
        self.app = app
        self.buttons: list[Button] = []
        self.focus = 0  # keyboard focus among buttons (Tab / arrows)
        self.mouse: tuple[int, int] | None = None  # where the last mouse event was (the wheel has no position)
        #: Glossary terms the scene explains itself on hover (label -> rectangle); the app explains every other
        #: term drawn (see :func:`sim.ui.widgets.collect_terms`).
        self.terms: dict[str, pygame.Rect] = {}
        #: Every glossary term in the scene's last picture, recorded by the app while drawing it.
        self.term_spots: list[tuple[pygame.Rect, str]] = []

    @property
    def m(self) -> th.Metrics:
        return self.app.metrics

    def pointer(self) -> tuple[int, int]:
        """Where the mouse is: the last position an event reported, else pygame's idea of it."""
        if self.mouse is not None:
            return self.mouse
        return pygame.mouse.get_pos() if pygame.mouse.get_focused() else (-1, -1)

    def track(self, event: pygame.event.Event) -> None:
        """Remember the pointer from any event that carries a position (called by the app for every event)."""
        pos = getattr(event, "pos", None)
        if event.type in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP) and pos is not None:
            self.mouse = (int(pos[0]), int(pos[1]))

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for b in self.buttons:
                if b.hit(event.pos) and b.action is not None:
                    b.action()
                    return

    def update(self, dt: float) -> None:  # noqa: B027 (an optional hook: most scenes have nothing to update)
        """Called every frame before draw."""

    @abstractmethod
    def draw(self, surface: pygame.Surface) -> None:
        """Paint the scene; every scene has its own picture."""

    def prepare(self, view: RoundView) -> Iterator[None]:
        """Get ready to show ``view`` before the game adopts it: small steps of work, each ended by a ``yield``.

        The app runs a few milliseconds of steps a frame while the old picture stays on screen, and adopts the
        view when the steps are done (text wrapped and rendered, layers painted), so the frame that shows a new
        round has little left to do. Preparing changes no state a draw of the current view reads.
        """
        return iter(())

    def draw_transient(self, surface: pygame.Surface) -> None:  # noqa: B027 (optional: most scenes have none)
        """Paint what changes on its own every frame (an animation) over the scene's cached picture."""

    def transient_key(self) -> tuple | None:
        """What ``draw_transient`` paints now (with ``cache_key``, the app skips a frame whose picture is already
        on screen); None when it paints nothing."""
        return None

    def panels(self) -> dict[str, pygame.Rect]:
        return {}

    def cache_key(self) -> tuple | None:
        """Everything the scene's picture depends on, or None to redraw every frame.

        When the key is unchanged the app shows the previous frame's pixels instead of drawing again.
        """
        return None

    def term_at(self, pos: tuple[int, int]) -> tuple[pygame.Rect, str] | None:
        """The glossary term drawn under ``pos`` for the app to explain (None where the scene explains it itself)."""
        if any(r.collidepoint(pos) for r in self.terms.values()):
            return None
        return next(((r, t) for r, t in reversed(self.term_spots) if r.collidepoint(pos)), None)

    def hovered(self) -> str:
        mouse = pygame.mouse.get_pos() if pygame.mouse.get_focused() else (-1, -1)
        return next((b.id for b in self.buttons if b.enabled and b.rect.collidepoint(mouse)), "")

    def draw_buttons(self, surface: pygame.Surface) -> None:
        mouse = pygame.mouse.get_pos() if pygame.mouse.get_focused() else (-1, -1)
        for b in self.buttons:
            draw_button(surface, b, self.m, hover=b.enabled and b.rect.collidepoint(mouse))

    def button(self, button_id: str) -> Button:
        """The button with this id (tests click it by posting a mouse event at its centre)."""
        return next(b for b in self.buttons if b.id == button_id)


def key_name(event: pygame.event.Event) -> str:
    """A stable name for a key press: 'return', 'space', 'f1', '?', 'ctrl+s', ..."""
    if event.type != pygame.KEYDOWN:
        return ""
    if event.unicode == "?":
        return "?"
    name = pygame.key.name(event.key)
    if event.mod & pygame.KMOD_CTRL and len(name) == 1:
        return f"ctrl+{name}"
    if name in ("[+]", "=", "+") or event.unicode == "+":
        return "+"
    if name in ("[-]", "-") or event.unicode == "-":
        return "-"
    if name == "enter":  # the keypad's Enter
        return "return"
    return name
