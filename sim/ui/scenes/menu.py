"""The title menu: the scenario library (title, summary), the actor to play or "watch the AI", settings, load, quit."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pygame

from sim.scenario import ScenarioError
from sim.ui import library
from sim.ui import theme as th
from sim.ui.layout import menu_layout
from sim.ui.scenes.base import Scene, key_name
from sim.ui.viewmodel import hex_to_rgb
from sim.ui.widgets import (
    Button,
    draw_text,
    draw_wrapped,
    line_height,
    panel,
    panel_inner,
    scrollbar,
    wrap,
    wrapped_height,
)

if TYPE_CHECKING:
    from sim.ui.app import App

WATCH = "__watch__"


class MenuScene(Scene):
    name = "menu"

    def __init__(self, app: App, selected: str | None = None) -> None:
        super().__init__(app)
        self.entries = library.scan(app.scenario_dir)
        self.index = 0
        if selected is not None:
            self.index = next((k for k, e in enumerate(self.entries) if selected in (e.ref, str(e.path))), 0)
        self.role = 0
        self.list_scroll = 0  # pixels the scenario list is scrolled up
        self.text_scroll = 0  # pixels the scenario's summary is scrolled up
        self._list_content = 0
        self._text_content = 0
        self._rects: dict[str, pygame.Rect] = {}
        self._cards: list[tuple[pygame.Rect, list[str], bool]] = []  # card (unscrolled), summary lines, more

    # -- choices ------------------------------------------------------------------------------------

    @property
    def entry(self) -> library.ScenarioEntry | None:
        return self.entries[self.index] if self.entries else None

    def roles(self) -> list[str]:
        e = self.entry
        return [] if e is None or e.error else [a for a, _, _ in e.playable] + [WATCH]

    def choose_scenario(self, k: int) -> None:
        if self.entries:
            self.index = k % len(self.entries)
            self.role = 0
            self.text_scroll = 0
            self._keep_visible = True

    def start(self) -> None:
        e, roles = self.entry, self.roles()
        if e is None or not roles:
            if e is not None:
                self.app.toast(f"This scenario cannot be played: {e.error}", error=True)
            return
        role = roles[self.role % len(roles)]
        try:
            self.app.start_game(e.ref, None if role == WATCH else role)
        except ScenarioError as exc:
            self.app.toast(str(exc.problems[0]) if exc.problems else str(exc), error=True)

    def open_settings(self) -> None:
        self.app.navigate("settings")

    def open_load(self) -> None:
        self.app.navigate("load")

    def quit(self) -> None:
        self.app.running = False

    # -- input ----------------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        roles = self.roles()
        if key in ("up", "down"):
            self.choose_scenario(self.index + (1 if key == "down" else -1))
        elif key in ("left", "right") and roles:
            self.role = (self.role + (1 if key == "right" else -1)) % len(roles)
        elif key == "w" and roles:
            self.role = len(roles) - 1
        elif key == "return":
            self.start()
        elif key == "s":
            self.open_settings()
        elif key in ("l", "ctrl+o"):
            self.open_load()
        elif key in ("escape", "q"):
            self.quit()
        elif key in ("page down", "page up"):
            self.text_scroll += (1 if key == "page down" else -1) * self.m.px(120)
        elif event.type == pygame.MOUSEWHEEL:
            pos = self.pointer()
            if self._rects.get("scenarios", pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
                self.list_scroll -= event.y * self.m.px(48)
                self._keep_visible = False
            else:
                self.text_scroll -= event.y * self.m.px(40)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self._rects.get("list_inner", pygame.Rect(0, 0, 0, 0)).collidepoint(event.pos):
                for k, (card, _, _) in enumerate(self._cards):
                    if card.move(0, -self.list_scroll).collidepoint(event.pos):
                        self.choose_scenario(k)
                        self._keep_visible = False
                        return
            super().handle(event)

    # -- layout and drawing -------------------------------------------------------------------------------

    _keep_visible = True

    def _layout_list(self) -> None:
        """The scenario cards (unscrolled), and the scroll that keeps the chosen one in view."""
        m = self.m
        inner = panel_inner(self._rects["scenarios"], m)
        self._rects["list_inner"] = inner
        self._cards = []
        y = inner.top
        title_h = line_height(m.body)
        for e in self.entries:
            all_lines = wrap(e.summary or e.error, m.small, inner.width - 2 * m.pad - m.px(8))
            lines = all_lines[:2]
            h = m.px(8) + title_h + m.px(2) + len(lines) * line_height(m.small) + m.px(8)
            self._cards.append((pygame.Rect(inner.left, y, inner.width - m.px(8), h), lines, len(all_lines) > 2))
            y += h + m.px(8)
        self._list_content = y - inner.top
        if self._keep_visible and self._cards:
            card = self._cards[self.index][0]
            if card.top - self.list_scroll < inner.top:
                self.list_scroll = card.top - inner.top
            elif card.bottom - self.list_scroll > inner.bottom:
                self.list_scroll = card.bottom - inner.bottom
        self.list_scroll = max(0, min(self.list_scroll, max(0, self._list_content - inner.height)))

    def update(self, dt: float) -> None:
        m = self.m
        w, h = self.app.size
        boxes = menu_layout(w, h, m.scale)
        self._rects = {k: pygame.Rect(b) for k, b in boxes.items()}
        self._layout_list()
        details = panel_inner(self._rects["details"], m)
        self._rects["details_inner"] = details
        self.buttons = []
        e = self.entry
        roles = self.roles()
        # Role buttons sit at the bottom of the details panel, two columns (three when the panel is short).
        bh, gap = m.px(40), m.px(8)
        cols = 2 if details.height > m.px(420) or len(roles) <= 2 else 3
        if cols == 3:  # a short panel: slimmer buttons, labelled by the actor's name alone
            bh = line_height(m.body) + m.px(14)
        col_w = (details.width - gap * (cols - 1)) // cols
        rows = (len(roles) + cols - 1) // cols
        y0 = details.bottom - rows * (bh + gap) - bh - gap
        self._roles_top = y0 - line_height(m.small) - m.px(6)
        if e is not None and not e.error:
            names = {a: (n, c) for a, n, c in e.playable}
            for k, role in enumerate(roles):
                r = pygame.Rect(details.left + (k % cols) * (col_w + gap), y0 + (k // cols) * (bh + gap), col_w, bh)
                if role == WATCH:
                    label, colour = ("Watch the AI play" if cols == 2 else "Watch the AI"), None
                else:
                    name = names[role][0]
                    label, colour = (f"Play as {name}" if cols == 2 else name), hex_to_rgb(names[role][1])
                self.buttons.append(
                    Button(
                        f"role:{role}",
                        label,
                        r,
                        functools.partial(setattr, self, "role", k),
                        colour=colour,
                        selected=k == self.role % max(1, len(roles)),
                        key="W" if role == WATCH else "",
                    )
                )
            start = pygame.Rect(details.left, details.bottom - bh, details.width, bh)
            self.buttons.append(Button("start", "Start", start, self.start, key="Enter", primary=True))
        footer = self._rects["footer"]
        labels = [
            ("load", "Load a saved game", "L", self.open_load),
            ("settings", "Settings", "S", self.open_settings),
            ("help", "Help", "F1", self._help),
            ("quit", "Quit", "Esc", self.quit),
        ]
        # The footer's buttons share the width left of the key hint; at large text the hint gives way.
        room = w - 2 * m.px(16) - 3 * gap
        fw = min(m.px(230), room // 4)
        x = w - m.px(16) - 4 * fw - 3 * gap
        self._footer_hint_w = max(0, x - m.px(40))
        for k, (bid, label, key, act) in enumerate(labels):
            r = pygame.Rect(x + k * (fw + gap), footer.top + (footer.height - bh) // 2, fw, bh)
            self.buttons.append(Button(bid, label, r, act, key=key))

    def _help(self) -> None:
        self.app.navigate("help")

    def panels(self) -> dict[str, pygame.Rect]:
        return {k: v for k, v in self._rects.items() if k in ("header", "scenarios", "details", "footer")}

    def cache_key(self) -> tuple | None:
        return None

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        if not self._rects:
            self.update(0.0)
        header = self._rects["header"]
        pygame.draw.rect(surface, th.mix(th.BG, th.PANEL, 0.6), header)
        pygame.draw.line(surface, th.ACCENT, (0, header.bottom - 2), (header.right, header.bottom - 2), 2)
        x = m.px(24)
        title = draw_text(
            surface, "PIVOT", (x, header.centery - m.px(4)), m.px(48), th.TEXT, bold=True, anchor="midleft"
        )
        draw_text(
            surface,
            "How a small state hedges between great powers — a strategy game for the classroom",
            (title.right + m.px(18), header.centery - m.px(4)),
            m.title,
            th.MUTED,
            anchor="midleft",
            max_width=header.width - title.right - m.px(40),
        )
        self._draw_list(surface)
        self._draw_details(surface)
        footer = self._rects["footer"]
        draw_text(
            surface,
            "↑↓ scenario   ←→ role   Enter start",
            (m.px(24), footer.centery),
            m.small,
            th.FAINT,
            anchor="midleft",
            max_width=self._footer_hint_w,
        )
        self.draw_buttons(surface)

    def _draw_list(self, surface: pygame.Surface) -> None:
        m = self.m
        box = self._rects["scenarios"]
        inner = panel(surface, box, m, "Scenarios", f"{len(self.entries)} in the library")
        clip = surface.get_clip()
        surface.set_clip(inner)
        for k, (card0, lines, more) in enumerate(self._cards):
            card = card0.move(0, -self.list_scroll)
            if card.bottom < inner.top or card.top > inner.bottom:
                continue
            e = self.entries[k]
            selected = k == self.index
            pygame.draw.rect(surface, th.PANEL_HI if selected else th.PANEL, card, border_radius=m.px(6))
            if selected:
                pygame.draw.rect(surface, th.ACCENT, card, width=2, border_radius=m.px(6))
            ty = card.top + m.px(8)
            colour = th.BAD if e.error else th.TEXT
            draw_text(
                surface, e.title, (card.left + m.pad, ty), m.body, colour, bold=True, max_width=card.width - 2 * m.pad
            )
            ty += line_height(m.body) + m.px(2)
            for k2, text in enumerate(lines):
                line = text.rstrip(" .,") + " …" if k2 == 1 and more else text
                draw_text(surface, line, (card.left + m.pad, ty), m.small, th.MUTED, max_width=card.width - 2 * m.pad)
                ty += line_height(m.small)
        surface.set_clip(clip)
        scrollbar(surface, inner, self.list_scroll, self._list_content, m)

    def _draw_details(self, surface: pygame.Surface) -> None:
        m = self.m
        box = self._rects["details"]
        inner = panel(surface, box, m, "Scenario")
        e = self.entry
        if e is None:
            draw_wrapped(surface, f"No scenarios found in {self.app.scenario_dir}.", inner, m.body, th.MUTED)
            return
        y = inner.top + m.px(4)
        draw_text(surface, e.title, (inner.left, y), m.px(26), th.TEXT, bold=True, max_width=inner.width)
        y += line_height(m.px(26)) + m.px(6)
        if e.error:
            draw_wrapped(surface, "This file does not load, so it cannot be played:", inner, m.body, th.BAD, top=y)
            draw_wrapped(surface, e.error, inner, m.small, th.MUTED, top=y + m.px(26))
            return
        draw_text(
            surface,
            f"{e.rounds} rounds (quarters)  ·  {e.ref}",
            (inner.left, y),
            m.small,
            th.MUTED,
            max_width=inner.width,
        )
        y += line_height(m.small) + m.px(8)
        # The summary scrolls (wheel, PgUp/PgDn) when it is longer than the room above the role buttons.
        text_area = pygame.Rect(inner.left, y, inner.width, max(0, self._roles_top - y - m.px(8)))
        self._rects["summary"] = text_area
        self._text_content = wrapped_height(e.summary, m.body, text_area.width - m.px(8))
        self.text_scroll = max(0, min(self.text_scroll, max(0, self._text_content - text_area.height)))
        if text_area.height > 0:
            clip = surface.get_clip()
            surface.set_clip(text_area)
            area = pygame.Rect(text_area.left, text_area.top - self.text_scroll, text_area.width - m.px(8), 10**6)
            draw_wrapped(surface, e.summary, area, m.body, th.TEXT)
            surface.set_clip(clip)
            scrollbar(surface, text_area, self.text_scroll, self._text_content, m)
        draw_text(surface, "CHOOSE YOUR ROLE", (inner.left, self._roles_top), m.small, th.MUTED, bold=True)
