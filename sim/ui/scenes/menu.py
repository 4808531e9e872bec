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
from sim.ui.widgets import Button, draw_text, draw_wrapped, panel, text_surface, wrap

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
        self._rects: dict[str, pygame.Rect] = {}

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
        from sim.ui.scenes.overlays import SettingsOverlay  # noqa: PLC0415

        self.app.push(SettingsOverlay(self.app))

    def open_load(self) -> None:
        from sim.ui.scenes.overlays import LoadOverlay  # noqa: PLC0415

        self.app.push(LoadOverlay(self.app))

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
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for k, rect in self._rects.items():
                if k.startswith("scenario:") and rect.collidepoint(event.pos):
                    self.choose_scenario(int(k.split(":")[1]))
                    return
            super().handle(event)

    # -- layout and drawing -------------------------------------------------------------------------------

    def update(self, dt: float) -> None:
        m = self.m
        w, h = self.app.size
        boxes = menu_layout(w, h, m.scale)
        self._rects = {k: pygame.Rect(b) for k, b in boxes.items()}
        details = self._rects["details"].inflate(-2 * m.pad - m.px(8), -2 * m.pad - m.px(8))
        self.buttons = []
        e = self.entry
        roles = self.roles()
        # Role buttons sit at the bottom of the details panel, two columns.
        bh, gap = m.px(40), m.px(8)
        col_w = (details.width - gap) // 2
        rows = (len(roles) + 1) // 2
        y0 = details.bottom - rows * (bh + gap) - bh - gap
        self._roles_top = y0 - m.px(28)
        if e is not None and not e.error:
            names = {a: (n, c) for a, n, c in e.playable}
            for k, role in enumerate(roles):
                r = pygame.Rect(details.left + (k % 2) * (col_w + gap), y0 + (k // 2) * (bh + gap), col_w, bh)
                if role == WATCH:
                    label, colour = "Watch the AI play", None
                else:
                    label, colour = f"Play as {names[role][0]}", hex_to_rgb(names[role][1])
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
        fw = min(m.px(230), (w - 2 * m.px(16) - 3 * gap) // 4)
        x = w - m.px(16) - 4 * fw - 3 * gap
        for k, (bid, label, key, act) in enumerate(labels):
            r = pygame.Rect(x + k * (fw + gap), footer.top + (footer.height - bh) // 2, fw, bh)
            self.buttons.append(Button(bid, label, r, act, key=key))

    def _help(self) -> None:
        from sim.ui.scenes.overlays import HelpOverlay  # noqa: PLC0415

        self.app.push(HelpOverlay(self.app))

    def panels(self) -> dict[str, pygame.Rect]:
        return {k: v for k, v in self._rects.items() if k in ("header", "scenarios", "details", "footer")}

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
            max_width=footer.width // 3,
        )
        self.draw_buttons(surface)

    def _draw_list(self, surface: pygame.Surface) -> None:
        m = self.m
        box = self._rects["scenarios"]
        inner = panel(surface, box, m, "Scenarios", f"{len(self.entries)} in the library")
        clip = surface.get_clip()
        surface.set_clip(inner)
        y = inner.top
        for k, e in enumerate(self.entries):
            lines = wrap(e.summary or e.error, m.small, inner.width - 2 * m.pad)[:2]
            h = m.px(12) + text_surface("Ag", m.body, bold=True).get_height() + len(lines) * m.px(16) + m.px(10)
            card = pygame.Rect(inner.left, y, inner.width, h)
            self._rects[f"scenario:{k}"] = card
            selected = k == self.index
            pygame.draw.rect(surface, th.PANEL_HI if selected else th.PANEL, card, border_radius=m.px(6))
            if selected:
                pygame.draw.rect(surface, th.ACCENT, card, width=2, border_radius=m.px(6))
            ty = card.top + m.px(8)
            colour = th.BAD if e.error else th.TEXT
            draw_text(
                surface, e.title, (card.left + m.pad, ty), m.body, colour, bold=True, max_width=card.width - 2 * m.pad
            )
            ty += text_surface("Ag", m.body, bold=True).get_height() + m.px(2)
            more = len(wrap(e.summary or e.error, m.small, inner.width - 2 * m.pad)) > 2
            for k2, text in enumerate(lines):
                line = text.rstrip(" .,") + " …" if k2 == 1 and more else text
                draw_text(surface, line, (card.left + m.pad, ty), m.small, th.MUTED, max_width=card.width - 2 * m.pad)
                ty += m.px(16)
            y = card.bottom + m.px(8)
        surface.set_clip(clip)

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
        y += text_surface("Ag", m.px(26), bold=True).get_height() + m.px(6)
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
        y += m.px(24)
        text_area = pygame.Rect(inner.left, y, inner.width, self._roles_top - y - m.px(8))
        draw_wrapped(surface, e.summary, text_area, m.body, th.TEXT)
        draw_text(surface, "CHOOSE YOUR ROLE", (inner.left, self._roles_top), m.small, th.MUTED, bold=True)
