"""The window's first frame before anything heavy is imported: a splash the command line can show at once.

Importing this module loads only pygame and the theme (no model, no scenario code), so ``show()`` puts a
window with the title on screen within a fraction of a second; the :class:`~sim.ui.app.App` created later
reuses that window (pygame keeps one display) and paints over it.
"""

from __future__ import annotations

import time

import pygame

from sim.ui import theme as th


def show(size: tuple[int, int] = (1280, 720), text_size: str = "normal", note: str = "Loading…") -> float:
    """Open the window and paint the splash; returns the perf_counter() time it was shown."""
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_caption("Pivot")
    screen = pygame.display.set_mode(size, pygame.RESIZABLE)
    paint(screen, th.Metrics.for_size(*size, text_size), note)
    pygame.display.flip()
    return time.perf_counter()


def paint(screen: pygame.Surface, m: th.Metrics, note: str) -> None:
    """The splash picture: the title and what is being loaded, centred on the background."""
    w, h = screen.get_size()
    screen.fill(th.BG)
    title = th.font(m.px(64), True).render("PIVOT", True, th.TEXT)
    screen.blit(title, title.get_rect(midbottom=(w // 2, h // 2 - m.px(10))))
    line = th.font(m.body).render(note, True, th.MUTED)
    screen.blit(line, line.get_rect(midtop=(w // 2, h // 2 + m.px(10))))
