"""Overlays on a scene: help (every key), settings, load, and the classroom panels (instructor, players, rewind)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from sim.play.session import SaveError, list_saves, read_save
from sim.ui import theme as th
from sim.ui.layout import centred
from sim.ui.scenes.base import Scene, key_name
from sim.ui.widgets import (
    Button,
    backdrop,
    draw_text,
    draw_wrapped,
    line_height,
    panel,
    text_width,
    wrap,
)

if TYPE_CHECKING:
    from sim.ui.app import App

#: Every key of the game, by where it works (the help overlay shows exactly this).
KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        (("F1 or ?", "this help"), ("F2", "text size: normal, large, huge"), ("Esc", "close a panel / back")),
    ),
    (
        "Title menu",
        (
            ("↑ ↓", "choose a scenario"),
            ("← →", "choose your role (an actor, or watch the AI)"),
            ("W", "watch the AI"),
            ("Enter", "start"),
            ("L", "load a saved game"),
            ("S", "settings"),
            ("Q / Esc", "quit"),
        ),
    ),
    ("Briefing", (("↑ ↓ PgUp PgDn", "scroll"), ("Enter / Space", "begin"), ("Esc", "back to the menu"))),
    (
        "Round: your moves",
        (
            ("↑ ↓ / click", "choose a move (see its expected effect)"),
            ("Tab, 1-5", "all / answers / diplomatic / economic / security moves"),
            ("/ or F, then type", "filter the moves (Esc clears the filter)"),
            ("G", "group the moves by partner or by kind (hides the tutorial's guide when it shows)"),
            ("X", "the preview's exact numbers (or back to words)"),
            ("Enter / click again", "add the move to your orders"),
            ("Backspace", "remove the last order"),
            ("Space", "end your turn: the round is played"),
            ("PgUp PgDn / wheel", "scroll the log (the wheel over the list scrolls the moves)"),
            ("A / click an actor", "diplomacy: its regard, wants, recent moves, and what it would accept"),
            ("T", "the turn summary: what changed most last round, and why"),
            ("B", "sources: the scenario's full citations"),
        ),
    ),
    ("Watch mode", (("Space / P", "play or pause"), ("N / →", "step one round"), ("+ −", "faster / slower"))),
    (
        "Classroom",
        (
            ("R", "rewind to an earlier round (a new branch; O instead of Enter restores who played whom then)"),
            ("H", "players: hand any actor to a person or the AI (hot seat)"),
            ("I", "instructor (PIN set at start with PIVOT_INSTRUCTOR_PIN): fire one of the scenario's events now"),
            ("M", "messages: read and write private messages to another team (a networked class)"),
            ("Ctrl+S", "save the game"),
            ("L / Ctrl+O", "load a saved game"),
            ("D / Enter", "open the debrief when the game is over"),
            ("Esc", "leave to the title menu"),
        ),
    ),
    (
        "Debrief",
        (("Enter", "back to the title menu"), ("B / Esc", "back to the map"), ("R", "rewind"), ("Ctrl+S", "save")),
    ),
)


class Overlay(Scene):
    """A panel drawn over the scene below; Esc closes it."""

    overlay = True
    title = ""
    max_size = (760, 600)

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self._box = pygame.Rect(0, 0, 0, 0)

    def close(self) -> None:
        if self.app.top is self:
            self.app.pop()

    def handle(self, event: pygame.event.Event) -> None:
        if key_name(event) == "escape" or (
            event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and not self._box.collidepoint(event.pos)
        ):
            self.close()
        else:
            super().handle(event)

    def update(self, dt: float) -> None:
        w, h = self.app.size
        m = self.m
        self._box = pygame.Rect(centred(w, h, 0.8, 0.84, m.px(self.max_size[0]), m.px(self.max_size[1])))

    def panels(self) -> dict[str, pygame.Rect]:
        return {"overlay": self._box}

    def cache_key(self) -> tuple | None:
        """What the panel shows: a panel with buttons or rows redraws for the hover, others stay cached."""
        g = self.app.game
        view = id(g.view) if g is not None else None
        return (self._box.size, getattr(self, "selected", 0), getattr(self, "scroll", 0), self.hovered(), view,
                self.state())  # fmt: skip

    def state(self) -> tuple:
        """Everything else the panel's picture depends on (its rows, typed text...)."""
        return ()

    def frame(self, surface: pygame.Surface, hint: str = "Esc closes") -> pygame.Rect:
        if self._box.width == 0:
            self.update(0.0)
        backdrop(surface)
        return panel(surface, self._box, self.m, self.title, hint)


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    detail: str = ""
    colour: th.RGB | None = None
    right: str = ""
    enabled: bool = True


class ListOverlay(Overlay):
    """An overlay listing rows; ↑↓ or the mouse choose, Enter or a click on the chosen row acts."""

    empty = "Nothing here."
    footer = ""

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.selected = 0
        self.scroll = 0
        self._rows: list[tuple[pygame.Rect, int]] = []

    def rows(self) -> list[Row]:
        return []

    def state(self) -> tuple:
        return (tuple(self.rows()), tuple(self.header()), self.footer)

    def header(self) -> list[tuple[str, th.RGB, bool]]:
        """Lines (text, colour, bold) shown above the rows, wrapped; none by default."""
        return []

    def _header_height(self, width: int) -> int:
        m = self.m
        lines = self.header()
        if not lines:
            return 0
        return sum(len(wrap(t, m.body, width, b)) * line_height(m.body) for t, _, b in lines) + m.px(10)

    def activate(self, k: int) -> None:
        """Act on row k."""

    def update(self, dt: float) -> None:
        """Size the panel to its rows (up to the overlay's maximum), centred in the window."""
        super().update(dt)
        m = self.m
        width = self._box.width - 2 * m.pad
        rows = self.rows() or [Row(self.empty)]
        content = sum(
            line_height(m.body) + len(wrap(r.detail, m.small, width - m.px(40))[:3]) * line_height(m.small) + m.px(12)
            for r in rows
        )
        footer = len(wrap(self.footer, m.small, width)) * line_height(m.small) + m.px(8) if self.footer else 0
        footer += self._header_height(width)
        wanted = content + footer + line_height(m.small) + m.px(6) + 2 * m.pad + m.px(8)
        if wanted < self._box.height:
            self._box = pygame.Rect(self._box.left, 0, self._box.width, wanted)
            self._box.centery = self.app.size[1] // 2

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        n = len(self.rows())
        if key in ("up", "down") and n:
            self.selected = (self.selected + (1 if key == "down" else -1)) % n
        elif key in ("return", "space") and n:
            self.activate(self.selected)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for rect, k in self._rows:
                if rect.collidepoint(event.pos):
                    if k == self.selected:
                        self.activate(k)
                    self.selected = k
                    return
            super().handle(event)
        elif event.type == pygame.MOUSEWHEEL:
            self.scroll = max(0, self.scroll - event.y)
        else:
            super().handle(event)

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        inner = self.frame(surface)
        rows = self.rows()
        bottom = inner.bottom
        if self.footer:
            lines = wrap(self.footer, m.small, inner.width)
            fh = len(lines) * line_height(m.small) + m.px(8)
            bottom -= fh
            draw_wrapped(
                surface, self.footer, pygame.Rect(inner.left, bottom + m.px(8), inner.width, fh), m.small, th.MUTED
            )
        self._rows = []
        top = inner.top
        if self.header():
            limit = max(inner.top + line_height(m.body), bottom - 2 * line_height(m.body))
            head_area = pygame.Rect(inner.left, inner.top, inner.width, limit - inner.top)
            for text, colour, bold in self.header():
                top = draw_wrapped(surface, text, head_area, m.body, colour, bold=bold, top=top)
            top = min(top, limit) + m.px(10)
        if not rows:
            draw_wrapped(surface, self.empty, pygame.Rect(inner.left, top, inner.width, bottom - top), m.body, th.MUTED)
            return
        clip = surface.get_clip()
        area = pygame.Rect(inner.left, top, inner.width, bottom - top)
        surface.set_clip(area)
        heights = []
        for r in rows:
            detail = wrap(r.detail, m.small, inner.width - m.px(40))[:3] if r.detail else []
            heights.append(line_height(m.body) + len(detail) * line_height(m.small) + m.px(12))
        # Keep the selected row in view.
        self.selected = min(self.selected, len(rows) - 1)
        while self.scroll > self.selected:
            self.scroll -= 1
        while sum(heights[self.scroll : self.selected + 1]) > area.height and self.scroll < self.selected:
            self.scroll += 1
        y = area.top
        for k in range(self.scroll, len(rows)):
            r = rows[k]
            rect = pygame.Rect(area.left, y, area.width, heights[k] - m.px(4))
            self._rows.append((rect, k))
            sel = k == self.selected
            pygame.draw.rect(
                surface, th.PANEL_HI if sel else th.mix(th.PANEL, th.PANEL_HI, 0.3), rect, border_radius=m.px(6)
            )
            if sel:
                pygame.draw.rect(surface, th.ACCENT, rect, width=2, border_radius=m.px(6))
            x = rect.left + m.px(10)
            if r.colour is not None:
                pygame.draw.rect(surface, r.colour, (x, rect.top + m.px(8), m.px(14), m.px(14)), border_radius=m.px(3))
                x += m.px(22)
            rw = text_width(r.right, m.small, True) + m.px(16) if r.right else 0
            draw_text(
                surface,
                r.label,
                (x, rect.top + m.px(6)),
                m.body,
                th.TEXT if r.enabled else th.FAINT,
                bold=True,
                max_width=rect.right - x - rw - m.px(8),
            )
            if r.right:
                draw_text(
                    surface,
                    r.right,
                    (rect.right - m.px(10), rect.top + m.px(7)),
                    m.small,
                    th.ACCENT if r.enabled else th.FAINT,
                    bold=True,
                    anchor="topright",
                )
            yy = rect.top + m.px(6) + line_height(m.body)
            for line in wrap(r.detail, m.small, rect.right - x - m.px(10))[:3] if r.detail else []:
                draw_text(surface, line, (x, yy), m.small, th.MUTED)
                yy += line_height(m.small)
            y += heights[k]
            if y > area.bottom:
                break
        surface.set_clip(clip)


class InstructorOverlay(ListOverlay):
    name = "instructor"
    title = "Instructor: fire an event now"
    empty = "This scenario defines no events. Events are written in the scenario file's events: section."
    footer = "Enter fires the chosen event now. It changes the world at once and is recorded in the log and saves."

    def rows(self) -> list[Row]:
        g = self.app.game
        return [] if g is None else [Row(title, text, right=eid) for eid, title, text in g.view.events]

    def activate(self, k: int) -> None:
        g = self.app.game
        if g is not None and not g.busy and not g.finished:
            g.fire(g.view.events[k][0])
            self.close()


class PlayersOverlay(ListOverlay):
    name = "players"
    title = "Players: who controls each actor"
    footer = (
        "Enter hands the chosen actor to a person or back to the AI, from this round on. Several people can "
        "share one machine (hot seat): each chooses in turn. With nobody playing, the AI plays on (watch mode)."
    )

    def rows(self) -> list[Row]:
        g = self.app.game
        if g is None:
            return []
        return [
            Row(
                a.name,
                "",
                a.colour,
                "PLAYER" if a.controller == "human" else a.controller.upper(),
                a.controller != "scripted",
            )
            for a in g.view.actors
        ]

    def activate(self, k: int) -> None:
        g = self.app.game
        if g is None or g.busy:
            return
        a = g.view.actors[k]
        if a.controller == "scripted":
            self.app.toast(f"{a.name} follows the scenario's script and cannot be handed over")
            return
        g.switch(a.id, "ai" if a.controller == "human" else "human")


class RewindOverlay(ListOverlay):
    name = "rewind"
    title = "Rewind: play on from an earlier round"
    footer = (
        "Enter goes back to the chosen round and starts a new branch from there; the log marks the fork. "
        "Who plays which actor stays as it is now (O instead restores who played whom then). "
        "The same moves replay to the same state."
    )

    def __init__(self, app: App) -> None:
        super().__init__(app)
        g = app.game
        self.selected = g.session.round if g else 0  # "now": each ↑ goes one round further back

    def rows(self) -> list[Row]:
        g = self.app.game
        if g is None:
            return []
        labels = g.view.series.labels
        out = []
        for k, label in enumerate(labels):
            title = "The start" if k == 0 else f"After round {k} ({label})"
            out.append(Row(title, right="now" if k == len(labels) - 1 else f"−{len(labels) - 1 - k}"))
        return out

    def handle(self, event: pygame.event.Event) -> None:
        if key_name(event) == "o" and self.rows():
            self.activate(self.selected, keep_controllers=False)
        else:
            super().handle(event)

    def activate(self, k: int, keep_controllers: bool = True) -> None:
        g = self.app.game
        if g is not None and not g.busy:
            g.rewind(k, keep_controllers=keep_controllers)
            self.app.pop()
            while (self.app.top.overlay or self.app.top.name == "debrief") and len(self.app.stack) > 1:
                self.app.pop()


class LoadOverlay(ListOverlay):
    name = "load"
    title = "Load a saved game"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.saves: list[Path] = list_saves(app.save_dir)
        self.details: list[tuple[str, str, bool]] = [self._describe(p) for p in self.saves]

    @property
    def empty(self) -> str:  # type: ignore[override]
        return f"No saved games in {self.app.save_dir}. Ctrl+S saves a game in progress."

    @property
    def footer(self) -> str:  # type: ignore[override]
        return (
            f"Saves live in {self.app.save_dir}. A damaged or foreign file is listed with the reason and left as it is."
        )

    @staticmethod
    def _describe(path: Path) -> tuple[str, str, bool]:
        try:
            data = read_save(path)
        except SaveError as exc:
            return (path.name, str(exc).removeprefix(f"{path}: "), False)
        who = data.get("player") or "watching the AI"
        return (path.name, f"{data.get('scenario')} · playing {who} · round {data.get('round', '?')}", True)

    def rows(self) -> list[Row]:
        return [Row(name, detail, right="" if ok else "CANNOT LOAD", enabled=ok) for name, detail, ok in self.details]

    def activate(self, k: int) -> None:
        g = self.app.game
        if self.details[k][2] and g is not None and (g.session.log.commands or g.session.round):
            self.app.push(ConfirmLoadOverlay(self.app, self.saves[k]))  # a game in progress: ask first
        elif self.details[k][2]:
            self.app.load_game(self.saves[k])
        else:
            self.app.toast(f"{self.saves[k].name}: {self.details[k][1]}", error=True)


class SettingsOverlay(ListOverlay):
    name = "settings"
    title = "Settings"
    footer = "← → or Enter change the chosen setting."
    RUNS = (0, 50, 100, 200)
    SPEEDS = (0.5, 1.0, 2.0, 4.0)

    def rows(self) -> list[Row]:
        s = self.app.settings
        return [
            Row("Text size", "Larger text for a class projector (F2 changes it anywhere).", right=s.text_size),
            Row("Watch speed", "Rounds a second when watching the AI.", right=f"{s.watch_speed:g}/s"),
            Row(
                "Turn summary",
                "After each round, what changed most and why (T opens it any time).",
                right="on" if s.turn_summary else "off",
            ),
            Row(
                "AI comparison runs",
                "AI-only games played in the background for the debrief's comparison.",
                right=str(s.baseline_runs),
            ),
        ]

    def change(self, k: int, step: int) -> None:
        s = self.app.settings
        if k == 0:
            s.text_size = th.next_text_size(s.text_size, step)
        elif k == 1:
            s.watch_speed = _cycle(self.SPEEDS, s.watch_speed, step)
        elif k == 2:
            s.turn_summary = not s.turn_summary
        elif k == 3:
            s.baseline_runs = int(_cycle(self.RUNS, s.baseline_runs, step))

    def activate(self, k: int) -> None:
        self.change(k, 1)

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        if key in ("left", "right"):
            self.change(self.selected, 1 if key == "right" else -1)
        else:
            super().handle(event)


def _cycle(values: tuple, current: float, step: int) -> float:
    k = min(range(len(values)), key=lambda i: abs(values[i] - current))
    return values[(k + step) % len(values)]


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer of a dialog: its button (left to right) and the key that gives it."""

    id: str
    label: str
    keys: tuple[str, ...]  # the keys' names as :func:`key_name` gives them ("escape", "x", "return")
    shown_key: str  # how the button names its key ("Esc", "X", "Enter")
    primary: bool = False


class DialogOverlay(Overlay):
    """A question with a sentence and a row of answers (buttons, each with its key); Enter gives the safe one."""

    max_size = (660, 250)
    choices: tuple[Choice, ...] = ()

    def message(self) -> str:
        return ""

    def act(self, choice_id: str) -> None:
        """Carry out the answer ``choice_id``."""

    def update(self, dt: float) -> None:
        super().update(dt)
        m = self.m
        inner = self._box.inflate(-2 * m.pad, -2 * m.pad)
        bh, gap = m.px(40), m.px(8)
        n = max(1, len(self.choices))
        bw = (inner.width - gap * (n - 1)) // n
        y = inner.bottom - bh
        self.buttons = [
            Button(
                c.id,
                c.label,
                pygame.Rect(inner.left + k * (bw + gap), y, bw, bh),
                partial(self.act, c.id),
                key=c.shown_key,
                primary=c.primary,
            )
            for k, c in enumerate(self.choices)
        ]

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        chosen = next((c for c in self.choices if key in c.keys), None)
        if chosen is not None:
            self.act(chosen.id)
        else:
            super().handle(event)

    def draw(self, surface: pygame.Surface) -> None:
        inner = self.frame(surface, "")
        bottom = self.buttons[0].rect.top if self.buttons else inner.bottom
        draw_wrapped(
            surface, self.message(), pygame.Rect(inner.left, inner.top, inner.width, bottom - inner.top), self.m.body
        )
        self.draw_buttons(surface)


class LeaveOverlay(DialogOverlay):
    """Leaving a game: Enter saves and leaves (the safe default); leaving without saving takes its own key."""

    name = "leave"
    title = "Leave this game?"
    max_size = (640, 240)
    choices = (
        Choice("stay", "Stay", ("escape",), "Esc"),
        Choice("leave", "Leave unsaved", ("x",), "X"),
        Choice("save_leave", "Save and leave", ("return", "s"), "Enter", primary=True),
    )

    def message(self) -> str:
        return "Enter saves the game and leaves: you can load it later (L). X leaves without saving."

    def act(self, choice_id: str) -> None:
        if choice_id == "stay":
            self.close()
        elif choice_id == "leave" or self.app.save_game() is not None:
            self.app.to_menu()


class ConfirmLoadOverlay(DialogOverlay):
    """Loading over a game in progress asks first: Enter saves the current game and then loads."""

    name = "confirm_load"
    title = "Replace the game in progress?"
    max_size = (680, 250)
    choices = (
        Choice("keep", "Keep playing", ("escape",), "Esc"),
        Choice("discard", "Load, discard", ("x",), "X"),
        Choice("save_load", "Save, then load", ("return",), "Enter", primary=True),
    )

    def __init__(self, app: App, path: Path) -> None:
        super().__init__(app)
        self.path = path

    def message(self) -> str:
        return f"Loading {self.path.name} replaces the game you are playing. Enter saves it first; X loads it unsaved."

    def act(self, choice_id: str) -> None:
        if choice_id == "keep":
            self.close()
        elif choice_id == "discard" or self.app.save_game() is not None:
            self.load()

    def load(self) -> None:
        self.app.load_game(self.path)


class PinOverlay(Overlay):
    """The instructor's PIN (set at start with PIVOT_INSTRUCTOR_PIN) before the instructor panel opens."""

    name = "pin"
    title = "Instructor PIN"
    max_size = (520, 220)

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.typed = ""
        self.wrong = False

    def state(self) -> tuple:
        return (self.typed, self.wrong)

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        if key == "return":
            if self.typed == (self.app.settings.instructor_pin or ""):
                self.app.instructor_unlocked = True
                self.close()
                self.app.navigate("instructor_panel")
            else:
                self.wrong, self.typed = True, ""
        elif key == "backspace":
            self.typed = self.typed[:-1]
        elif event.type == pygame.KEYDOWN and event.unicode and event.unicode.isprintable() and key != "escape":
            self.typed += event.unicode
        else:
            super().handle(event)

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        inner = self.frame(surface)
        y = draw_wrapped(surface, "Type the instructor's PIN and press Enter.", inner, m.body, th.TEXT)
        box = pygame.Rect(inner.left, y + m.px(8), inner.width, line_height(m.title) + m.px(12))
        pygame.draw.rect(surface, th.PANEL_HI, box, border_radius=m.px(6))
        pygame.draw.rect(surface, th.ACCENT, box, width=1, border_radius=m.px(6))
        draw_text(surface, "•" * len(self.typed), (box.left + m.pad, box.centery), m.title, th.TEXT, anchor="midleft")
        if self.wrong:
            draw_text(surface, "Wrong PIN: try again.", (inner.left, box.bottom + m.px(8)), m.body, th.BAD)
