"""The briefing: the scenario's text for the chosen actor (or one written from its data) and its objectives."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pygame

from sim.ui import library
from sim.ui import theme as th
from sim.ui import viewmodel as vm
from sim.ui.layout import briefing_layout
from sim.ui.scenes.base import Scene, key_name
from sim.ui.widgets import (
    Button,
    draw_markup,
    draw_text,
    draw_wrapped,
    panel,
    panel_inner,
    scrollbar,
    text_surface,
    wrapped_height,
)

if TYPE_CHECKING:
    from sim.ui.app import App


class BriefingScene(Scene):
    name = "briefing"

    def __init__(self, app: App, actor: str) -> None:
        super().__init__(app)
        assert app.game is not None
        view = vm.briefing_view(app.game.session.setup, actor)
        # Source keys such as [kt-2015] become numbers, with the full citations under the briefing (B in the game).
        self.view = replace(view, text=vm.with_citations(view.text, library.sources(app.game.session.log.scenario)))
        self.scroll = 0
        self._content = 0
        self._rects: dict[str, pygame.Rect] = {}

    def begin(self) -> None:
        self.app.pop()

    def back(self) -> None:
        self.app.to_menu()

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        page = self._rects.get("text", pygame.Rect(0, 0, 0, 400)).height
        if key in ("return", "space"):
            self.begin()
        elif key == "escape":
            self.back()
        elif key in ("down", "page down", "up", "page up", "home", "end"):
            step = self.m.px(40) if key in ("down", "up") else page - self.m.px(40)
            if key in ("home", "end"):
                step = 10**7
            self.scroll += step if key in ("down", "page down", "end") else -step
        elif event.type == pygame.MOUSEWHEEL:
            self.scroll -= event.y * self.m.px(40)
        else:
            super().handle(event)
        self.scroll = max(0, min(self.scroll, max(0, self._content - page)))

    def update(self, dt: float) -> None:
        m = self.m
        w, h = self.app.size
        self._rects = {k: pygame.Rect(b) for k, b in briefing_layout(w, h, m.scale).items()}
        self._rects["text"] = panel_inner(self._rects["briefing"], m)  # the page size, before any drawing
        footer = self._rects["footer"]
        bh, bw = m.px(44), m.px(260)
        self.buttons = [
            Button(
                "back",
                "Back to the menu",
                pygame.Rect(m.px(16), footer.centery - bh // 2, bw, bh),
                self.back,
                key="Esc",
            ),
            Button(
                "begin",
                f"Begin — {self.view.first_quarter}",
                pygame.Rect(w - m.px(16) - bw, footer.centery - bh // 2, bw, bh),
                self.begin,
                key="Enter",
                primary=True,
            ),
        ]

    def panels(self) -> dict[str, pygame.Rect]:
        return {k: self._rects[k] for k in ("briefing", "objectives", "footer")}

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        if not self._rects:
            self.update(0.0)
        v = self.view
        inner = panel(
            surface,
            self._rects["briefing"],
            m,
            f"Briefing — {v.title}",
            "written from the scenario's data" if v.generated else "",
        )
        self._rects["text"] = inner
        text_area = pygame.Rect(inner.left, inner.top, inner.width - m.px(12), inner.height)  # the scrollbar's gutter
        self._content = draw_markup(surface, v.text, text_area, m.px(15), self.scroll)
        scrollbar(surface, inner, self.scroll, self._content, m)

        side = panel(surface, self._rects["objectives"], m, "You play")
        y = side.top + m.px(4)
        chip = pygame.Rect(side.left, y, m.px(28), m.px(28))
        pygame.draw.rect(surface, v.actor.colour, chip, border_radius=m.px(6))
        draw_text(
            surface,
            v.actor.name,
            (chip.right + m.px(10), chip.centery),
            m.px(22),
            th.TEXT,
            bold=True,
            anchor="midleft",
            max_width=side.right - chip.right - m.px(10),
        )
        y = chip.bottom + m.px(10)
        draw_wrapped(
            surface, f"{v.rounds} rounds, one quarter each, from {v.first_quarter}.", side, m.body, th.MUTED, top=y
        )
        y += m.px(34)
        draw_text(surface, "OBJECTIVES", (side.left, y), m.small, th.MUTED, bold=True)
        y += m.px(22)
        if not v.objectives:
            text = (
                "This scenario sets no objectives for you. Play to your interests above: the debrief "
                "compares how you did with the AI playing your side."
            )
            draw_wrapped(surface, text, side, m.body, th.TEXT, top=y)
        timing = {"final": "at the end", "always": "every round", "ever": "at least once"}
        for o in v.objectives:
            if y > side.bottom:
                break
            pygame.draw.circle(surface, th.ACCENT, (side.left + m.px(6), y + m.px(9)), m.px(4))
            area = pygame.Rect(side.left + m.px(18), y, side.width - m.px(18), side.bottom - y)
            y = draw_wrapped(surface, o.description, area, m.body, th.TEXT, top=y)
            draw_text(
                surface,
                f"{timing.get(o.timing, o.timing)} · weight {o.weight:g}",
                (area.left, y),
                m.small,
                th.MUTED,
                max_width=area.width,
            )
            y += text_surface("Ag", m.small).get_height() + m.px(10)
        _ = wrapped_height
        self.draw_buttons(surface)
