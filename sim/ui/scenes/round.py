"""The round screen: map, alignment chart, log with reasons, move picker with previews, status, watch controls."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from sim.ui import theme as th
from sim.ui.charts import alignment_chart
from sim.ui.layout import round_layout
from sim.ui.mapview import MapView
from sim.ui.scenes.base import Scene, key_name
from sim.ui.viewmodel import MoveOption, RoundView
from sim.ui.widgets import (
    Button,
    delta_text,
    draw_text,
    draw_wrapped,
    line_height,
    panel,
    panel_inner,
    scrollbar,
    text_surface,
    text_width,
    wrap,
)

if TYPE_CHECKING:
    from sim.ui.app import App

CATEGORIES = (
    ("all", "All"),
    ("answers", "Answers"),
    ("diplomatic", "Diplomatic"),
    ("economic", "Economic"),
    ("security", "Security"),
)
CATEGORY_COLOURS = {
    "diplomatic": (86, 180, 233),
    "economic": (230, 159, 0),
    "security": (204, 121, 167),
    "answers": (0, 158, 115),
}
SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0)


class RoundScene(Scene):
    name = "round"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.mapview = MapView()
        self.category = 0
        self.selected = 0
        self.list_scroll = 0
        self.log_scroll = 0
        self.orders: list[MoveOption] = []
        self.answers: dict[int, MoveOption] = {}  # proposal position -> the accept or refuse option chosen
        self.playing = False
        self.speed = app.settings.watch_speed
        self._timer = 0.0
        self._seen_version = -1
        self._debrief_shown = False
        self._rects: dict[str, pygame.Rect] = {}
        self._rows: list[tuple[pygame.Rect, int]] = []
        self._tabs: list[tuple[pygame.Rect, int]] = []
        self._log_content = 0

    # -- reading the game ---------------------------------------------------------------------------------

    @property
    def view(self) -> RoundView:
        assert self.app.game is not None
        return self.app.game.view

    def options(self) -> list[MoveOption]:
        cat = CATEGORIES[self.category][0]
        chosen = {o.order for o in self.orders}
        # Answers live in their own tab (the orders line counts those waiting), so "All" lists moves only.
        shown = [o for o in self.view.options if o.category == cat or (cat == "all" and o.answer is None)]
        return [o for o in shown if self._open(o, chosen)]

    def _open(self, o: MoveOption, chosen: set[tuple[str, str | None, str | None, str | None]]) -> bool:
        """Not yet ordered (a move) or not yet answered (an answer to a proposal)."""
        return o.order not in chosen if o.answer is None else o.answer not in self.answers

    @property
    def can_order(self) -> bool:
        g = self.app.game
        return g is not None and not g.busy and not self.view.watching and not self.view.status.finished

    # -- actions ------------------------------------------------------------------------------------------

    def add_selected(self) -> None:
        opts = self.options()
        if not self.can_order or not opts:
            return
        chosen = opts[min(self.selected, len(opts) - 1)]
        if chosen.answer is not None:  # an answer to a proposal costs no move
            self.answers[chosen.answer] = chosen
            self.app.toast(chosen.label)
            self.selected = min(self.selected, max(0, len(self.options()) - 1))
            return
        if len(self.orders) >= self.view.moves_per_round:
            self.app.toast(f"At most {self.view.moves_per_round} moves a round: remove one first (Backspace)")
            return
        self.orders.append(opts[min(self.selected, len(opts) - 1)])
        self.selected = min(self.selected, max(0, len(self.options()) - 1))

    def remove_last(self) -> None:
        if self.orders:
            self.orders.pop()
        elif self.answers:
            self.answers.pop(max(self.answers))

    def end_turn(self) -> None:
        g = self.app.game
        if g is None:
            return
        if self.view.watching:
            self.toggle_play()
            return
        if self.can_order:
            g.confirm_orders([o.order for o in self.orders], {k: o.accept for k, o in self.answers.items()})

    def toggle_play(self) -> None:
        self.playing = not self.playing
        self._timer = 1e9 if self.playing else 0.0  # start at once

    def step_once(self) -> None:
        g = self.app.game
        if g is not None and g.watching and not g.busy:
            self.playing = False
            g.step_ai()

    def change_speed(self, direction: int) -> None:
        k = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, k + direction))]

    def open(self, overlay: str) -> None:
        from sim.ui.scenes import overlays  # noqa: PLC0415

        scene = {
            "instructor": overlays.InstructorOverlay,
            "players": overlays.PlayersOverlay,
            "rewind": overlays.RewindOverlay,
            "load": overlays.LoadOverlay,
            "leave": overlays.LeaveOverlay,
        }[overlay](self.app)
        self.app.push(scene)

    def open_debrief(self) -> None:
        from sim.ui.scenes.debrief import DebriefScene  # noqa: PLC0415

        self._debrief_shown = True
        self.app.push(DebriefScene(self.app))

    # -- input --------------------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        opts = self.options()
        if key in ("up", "down") and opts:
            self.selected = (self.selected + (1 if key == "down" else -1)) % len(opts)
            self._keep_selected_visible()
        elif key in ("tab", "1", "2", "3", "4", "5"):
            self.category = (self.category + 1) % len(CATEGORIES) if key == "tab" else int(key) - 1
            self.selected = self.list_scroll = 0
        elif key == "return":
            if self.view.status.finished:
                self.open_debrief()
            else:
                self.add_selected()
        elif key in ("backspace", "delete"):
            self.remove_last()
        elif key == "space" or (key == "p" and self.view.watching):
            self.end_turn()
        elif key in ("n", "right") and self.view.watching:
            self.step_once()
        elif key in ("+", "-"):
            self.change_speed(1 if key == "+" else -1)
        elif key in ("page down", "page up"):
            self.log_scroll += (1 if key == "page down" else -1) * self.m.px(200)
            self._clamp_log()
        elif key == "i":
            from sim.ui.scenes.overlays import open_instructor  # noqa: PLC0415

            open_instructor(self.app)
        elif key == "h":
            self.open("players")
        elif key == "r":
            self.open("rewind")
        elif key == "ctrl+s":
            self.app.save_game()
        elif key in ("ctrl+o", "l"):
            self.open("load")
        elif key == "d" and self.view.status.finished:
            self.open_debrief()
        elif key == "escape":
            self.open("leave")
        elif event.type == pygame.MOUSEWHEEL:
            pos = self.pointer()
            if self._rects.get("log_inner", pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
                self.log_scroll -= event.y * self.m.px(48)
                self._clamp_log()
            elif opts:
                self.list_scroll = max(0, self.list_scroll - event.y)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for rect, k in self._tabs:
                if rect.collidepoint(event.pos):
                    self.category, self.selected, self.list_scroll = k, 0, 0
                    return
            for rect, k in self._rows:
                if rect.collidepoint(event.pos):
                    if k == self.selected:
                        self.add_selected()
                    self.selected = min(k, max(0, len(self.options()) - 1))
                    return
            super().handle(event)

    def _keep_selected_visible(self) -> None:
        visible = max(1, len(self._rows))
        if self.selected < self.list_scroll:
            self.list_scroll = self.selected
        elif self.selected >= self.list_scroll + visible:
            self.list_scroll = self.selected - visible + 1

    def _clamp_log(self) -> None:
        inner = self._rects.get("log_inner")
        page = inner.height if inner else 300
        self.log_scroll = max(0, min(self.log_scroll, max(0, self._log_content - page)))

    # -- per frame ----------------------------------------------------------------------------------------

    def update(self, dt: float) -> None:
        g = self.app.game
        if g is None:
            return
        if g.version != self._seen_version:
            self._seen_version = g.version
            self.orders, self.selected, self.list_scroll, self.log_scroll = [], 0, 0, 0
            self.answers = {}
            if g.message:
                self.app.toast(g.message)
            if g.error:
                self.app.toast(g.error, error=True)
            if not g.finished:
                self._debrief_shown = False
        if g.watching and self.playing and not g.busy and not g.finished:
            self._timer += dt
            if self._timer >= 1.0 / self.speed:
                self._timer = 0.0
                g.step_ai()
        if g.finished and not g.busy and not self._debrief_shown and self.app.top is self:
            self.playing = False
            self.open_debrief()
        self._layout()

    def _layout(self) -> None:
        m = self.m
        w, h = self.app.size
        self._rects = {k: pygame.Rect(b) for k, b in round_layout(w, h, m.scale).items()}
        # The log's content rectangle is known now, not only after a redraw: the wheel over it scrolls it
        # even when the frame was served from the cache.
        self._rects["log_inner"] = panel_inner(self._rects["log"], m)
        box = self._rects["orders"]
        inner = box.inflate(-2 * m.pad, -2 * m.pad)
        bh = m.px(34)
        gap = m.px(6)
        y = inner.bottom - bh
        self.buttons = []
        if self.view.watching:
            labels = [
                ("play", "Pause" if self.playing else "Play", "Space", self.toggle_play, True),
                ("step", "Step", "N", self.step_once, False),
                ("slower", "Slower", "−", lambda: self.change_speed(-1), False),
                ("faster", "Faster", "+", lambda: self.change_speed(1), False),
            ]
        else:
            labels = [
                ("add", "Add move", "Enter", self.add_selected, False),
                ("remove", "Remove", "⌫", self.remove_last, False),
                ("end", "End turn", "Space", self.end_turn, True),
            ]
        bw = (inner.width - gap * (len(labels) - 1)) // len(labels)
        busy = self.app.game is not None and self.app.game.busy
        for k, (bid, label, key, act, primary) in enumerate(labels):
            r = pygame.Rect(inner.left + k * (bw + gap), y, bw, bh)
            enabled = not (busy or self.view.status.finished) or bid in ("slower", "faster")
            if bid == "add":
                enabled = enabled and bool(self.options()) and len(self.orders) < self.view.moves_per_round
            self.buttons.append(Button(bid, label, r, act, key=key, primary=primary, enabled=enabled))
        if self.view.status.finished:
            r = pygame.Rect(inner.left, y, inner.width, bh)
            self.buttons = [
                Button("debrief", "Game over — open the debrief", r, self.open_debrief, key="Enter", primary=True)
            ]

    def panels(self) -> dict[str, pygame.Rect]:
        return {k: self._rects[k] for k in ("status", "map", "chart", "orders", "log", "keys") if k in self._rects}

    def cache_key(self) -> tuple | None:
        g = self.app.game
        if g is None:
            return None
        dots = int(pygame.time.get_ticks() / 333) if g.busy else -1  # the "resolving" animation
        return (
            id(g.view),
            g.busy,
            dots,
            self.category,
            self.selected,
            self.list_scroll,
            self.log_scroll,
            tuple(o.order for o in self.orders),
            tuple(sorted((k, o.accept) for k, o in self.answers.items())),
            self.playing,
            self.speed,
            self.hovered(),
            len(self.buttons),
        )

    # -- drawing (reads self.view only) ---------------------------------------------------------------------

    def draw(self, surface: pygame.Surface) -> None:
        if not self._rects:
            self._layout()
        v = self.view
        m = self.m
        self._draw_status(surface, v)
        map_inner = panel(surface, self._rects["map"], m, "The powers and their ties", f"{v.status.quarter}")
        self.mapview.draw(surface, map_inner, v, m)
        me = v.actors[v.player]
        chart_inner = panel(
            surface, self._rects["chart"], m, f"{me.name}'s alignment with the powers", "−1 hostile · +1 close"
        )
        alignment_chart(surface, chart_inner, v.series, v.actors, v.status.rounds, m)
        if v.watching:
            self._draw_watch(surface, v)
        else:
            self._draw_picker(surface, v)
        self._draw_log(surface, v)
        self._draw_keys(surface, v)
        self.draw_buttons(surface)
        g = self.app.game
        if g is not None and g.busy:
            self._draw_busy(surface)

    def _draw_status(self, surface: pygame.Surface, v: RoundView) -> None:
        me = v.actors[v.player]
        if v.watching:
            mode, colour = "Watching the AI", th.MUTED
        elif len(v.humans) > 1:
            mode, colour = f"Hot seat: {me.name} to move", th.ACCENT
        else:
            mode, colour = f"You play {me.name}", th.ACCENT
        draw_status(surface, self._rects["status"], v, self.m, mode, colour)

    def _draw_picker(self, surface: pygame.Surface, v: RoundView) -> None:
        m = self.m
        box = self._rects["orders"]
        me = v.actors[v.player]
        title = f"{me.name}'s moves this quarter" if len(v.humans) > 1 else "Your moves this quarter"
        inner = panel(surface, box, m, title, f"choose up to {v.moves_per_round}")
        # Category tabs.
        self._tabs = []
        tab_h = m.px(26)
        x = inner.left
        for k, (_, label) in enumerate(CATEGORIES):
            text = f"{k + 1} {label}"
            tw = text_width(text, m.small) + m.px(16)
            rect = pygame.Rect(x, inner.top, tw, tab_h)
            on = k == self.category
            pygame.draw.rect(surface, th.PANEL_HI if on else th.PANEL, rect, border_radius=m.px(5))
            pygame.draw.rect(surface, th.ACCENT if on else th.BORDER, rect, width=1, border_radius=m.px(5))
            draw_text(surface, text, rect.center, m.small, th.TEXT if on else th.MUTED, anchor="center")
            self._tabs.append((rect, k))
            x = rect.right + m.px(6)
        # Orders chosen, the preview, then the list in what is left.
        buttons_top = inner.bottom - m.px(34) - m.px(8)
        orders_h = line_height(m.body) * max(1, v.moves_per_round) + m.px(8)
        orders_top = buttons_top - orders_h
        preview_h = 4 * line_height(m.small) + m.px(26)  # description (2 lines), summary, bars
        preview_top = orders_top - preview_h - m.px(6)
        list_rect = pygame.Rect(
            inner.left, inner.top + tab_h + m.px(6), inner.width, preview_top - inner.top - tab_h - m.px(12)
        )
        opts = self.options()
        row_h = line_height(m.body) + m.px(6)
        visible = max(1, list_rect.height // row_h)
        self.list_scroll = max(0, min(self.list_scroll, max(0, len(opts) - visible)))
        self._rows = []
        clip = surface.get_clip()
        surface.set_clip(list_rect)
        hedging_w = text_width("hedging −0.000", m.small)
        for row, k in enumerate(range(self.list_scroll, min(len(opts), self.list_scroll + visible))):
            o = opts[k]
            rect = pygame.Rect(list_rect.left, list_rect.top + row * row_h, list_rect.width - m.px(8), row_h - 2)
            self._rows.append((rect, k))
            sel = k == self.selected
            if sel:
                pygame.draw.rect(surface, th.PANEL_HI, rect, border_radius=m.px(4))
                pygame.draw.rect(surface, th.ACCENT, rect, width=1, border_radius=m.px(4))
            bar = pygame.Rect(rect.left + m.px(4), rect.top + m.px(5), m.px(4), rect.height - m.px(10))
            pygame.draw.rect(surface, CATEGORY_COLOURS.get(o.category, th.MUTED), bar)
            text = f"{o.label}  →  {o.target_name}" if o.target_name else o.label
            draw_text(
                surface,
                text,
                (rect.left + m.px(14), rect.centery),
                m.body,
                th.TEXT,
                anchor="midleft",
                max_width=rect.width - hedging_w - m.px(24),
            )
            draw_text(
                surface,
                f"hedging {delta_text(o.effect.hedging)}",
                (rect.right - m.px(6), rect.centery),
                m.small,
                th.MUTED,
                anchor="midright",
            )
        if not opts:
            msg = "No moves left in this category." if self.view.options else "No moves possible now."
            draw_text(surface, msg, (list_rect.left, list_rect.top), m.body, th.MUTED)
        surface.set_clip(clip)
        scrollbar(surface, list_rect, self.list_scroll * row_h, len(opts) * row_h, m)
        # Preview of the selected move.
        prev = pygame.Rect(inner.left, preview_top, inner.width, preview_h)
        pygame.draw.rect(surface, th.mix(th.PANEL, th.BG, 0.5), prev, border_radius=m.px(6))
        if opts:
            self._draw_preview(surface, prev.inflate(-m.px(12), -m.px(10)), opts[min(self.selected, len(opts) - 1)], v)
        # Orders.
        waiting = len({o.answer for o in v.options if o.answer is not None})
        answered = f"  ·  ANSWERED {len(self.answers)}/{waiting}" if waiting else ""
        draw_text(
            surface,
            f"ORDERS {len(self.orders)}/{v.moves_per_round}{answered}",
            (inner.left, orders_top + m.px(2)),
            m.small,
            th.MUTED,
            bold=True,
        )
        ox = inner.left + text_width(f"ORDERS {v.moves_per_round}/{v.moves_per_round}", m.small, True) + m.px(12)
        for k in range(v.moves_per_round):
            y = orders_top + k * line_height(m.body)
            if k < len(self.orders):
                o = self.orders[k]
                text = f"{k + 1}. {o.label} → {o.target_name}" if o.target_name else f"{k + 1}. {o.label}"
                draw_text(surface, text, (ox, y), m.body, th.ACCENT, bold=True, max_width=inner.right - ox)
            else:
                draw_text(surface, f"{k + 1}. —", (ox, y), m.body, th.FAINT)

    def _draw_preview(self, surface: pygame.Surface, r: pygame.Rect, o: MoveOption, v: RoundView) -> None:
        m = self.m
        y = draw_wrapped(
            surface, o.description, pygame.Rect(r.left, r.top, r.width, line_height(m.small) * 2), m.small, th.MUTED
        )
        e = o.effect
        partner = v.actors[e.primary_partner].name
        when = "Expected now" if o.chance is None else f"If accepted (chance {o.chance:.0%})"
        summary = f"{when}: hedging {delta_text(e.hedging)}, tilt {delta_text(e.bloc_tilt)}; closest partner {partner}"
        draw_text(surface, summary, (r.left, y + m.px(2)), m.small, th.TEXT, max_width=r.width)
        y += line_height(m.small) + m.px(6)
        # Change of alignment to each power, as small signed bars.
        n = max(1, len(e.alignment))
        cw = r.width // n
        for k, (p, d) in enumerate(e.alignment):
            cx = r.left + k * cw
            a = v.actors[p]
            name = a.name if text_width(a.name, m.small) < cw - m.px(60) else a.id.upper()
            draw_text(surface, name, (cx, y), m.small, a.colour, max_width=cw - m.px(56))
            draw_text(
                surface,
                delta_text(d, 3),
                (cx + cw - m.px(6), y),
                m.small,
                th.GOOD if d > 0.0005 else th.BAD if d < -0.0005 else th.MUTED,
                anchor="topright",
            )
            mid = cx + cw // 2
            by = y + line_height(m.small) + m.px(2)
            pygame.draw.line(surface, th.BORDER, (cx, by + m.px(3)), (cx + cw - m.px(8), by + m.px(3)), 1)
            length = round(min(1.0, abs(d) / 0.05) * (cw // 2 - m.px(6)))
            if length:
                bar = pygame.Rect(mid if d > 0 else mid - length, by, length, m.px(6))
                pygame.draw.rect(surface, th.alignment_colour(0.6 if d > 0 else -0.6), bar)

    def _draw_watch(self, surface: pygame.Surface, v: RoundView) -> None:
        m = self.m
        inner = panel(surface, self._rects["orders"], m, "Watching the AI", f"{self.speed:g} rounds a second")
        y = inner.top
        state = "Playing" if self.playing else "Paused"
        if v.status.finished:
            state = "Finished"
        draw_text(surface, state, (inner.left, y), m.title, th.ACCENT, bold=True)
        y += line_height(m.title) + m.px(6)
        y = draw_wrapped(
            surface,
            "Every actor is in the AI's hands. Space plays or pauses, N steps one round, "
            "+ and − change the speed. H hands an actor to a player.",
            inner,
            m.body,
            th.MUTED,
            top=y,
        )
        y += m.px(10)
        draw_text(surface, "WHO PLAYS WHOM", (inner.left, y), m.small, th.MUTED, bold=True)
        y += line_height(m.small) + m.px(4)
        col = inner.width // 2
        for k, a in enumerate(v.actors):
            cx = inner.left + (k % 2) * col
            cy = y + (k // 2) * (line_height(m.body) + m.px(4))
            if cy + line_height(m.body) > inner.bottom - m.px(44):
                break
            pygame.draw.rect(surface, a.colour, (cx, cy + m.px(3), m.px(12), m.px(12)), border_radius=m.px(3))
            draw_text(
                surface,
                f"{a.name}: {'AI' if a.controller == 'ai' else a.controller}",
                (cx + m.px(18), cy),
                m.body,
                th.TEXT,
                max_width=col - m.px(24),
            )

    def _draw_log(self, surface: pygame.Surface, v: RoundView) -> None:
        inner, self._log_content = draw_log(
            surface, self._rects["log"], v, self.m, self.log_scroll, "PgUp/PgDn or wheel to scroll"
        )
        self._rects["log_inner"] = inner

    def _draw_keys(self, surface: pygame.Surface, v: RoundView) -> None:
        keys = "F1 help · R rewind · H players · I instructor · Ctrl+S save · Esc menu"
        draw_footer(surface, self._rects["keys"], v, self.m, keys)

    def _draw_busy(self, surface: pygame.Surface) -> None:
        m = self.m
        r = self._rects["map"]
        t = pygame.time.get_ticks() / 1000.0
        text = "Resolving the round" + "." * (1 + int(t * 3) % 3)
        surf = text_surface(text, m.body, th.TEXT, True)
        box = surf.get_rect(midtop=(r.centerx, r.top + m.px(36))).inflate(m.px(24), m.px(12))
        pygame.draw.rect(surface, th.PANEL_HI, box, border_radius=m.px(8))
        pygame.draw.rect(surface, th.ACCENT, box, width=1, border_radius=m.px(8))
        surface.blit(surf, surf.get_rect(center=box.center))


# -- panels shared with the off-screen round screen (sim.ui.offscreen): they read the view only ------------


def draw_status(
    surface: pygame.Surface, r: pygame.Rect, v: RoundView, m: th.Metrics, mode: str, mode_colour: th.RGB
) -> None:
    """The status bar: scenario, quarter and round on the left, indicator chips, score and ``mode`` on the right."""
    pygame.draw.rect(surface, th.mix(th.BG, th.PANEL, 0.7), r)
    pygame.draw.line(surface, th.BORDER, r.bottomleft, (r.right, r.bottom - 1))
    s = v.status
    x = r.left + m.px(16)
    draw_text(surface, s.scenario_title, (x, r.top + m.px(6)), m.small, th.MUTED, max_width=m.px(300))
    when = f"{s.quarter}  ·  Round {s.round} of {s.rounds}"
    title = draw_text(surface, when, (x, r.bottom - m.px(6)), m.title, th.TEXT, bold=True, anchor="bottomleft")
    if s.finished:
        mode = "Game over" + (f": {s.ended_by_event}" if s.ended_by_event else "")
    # Right: score and mode.
    right = r.right - m.px(16)
    grade = f"Score {s.score:.0f} · grade {s.grade}" if s.has_objectives else "No objectives set"
    g_rect = draw_text(surface, grade, (right, r.top + m.px(6)), m.body, th.TEXT, bold=True, anchor="topright")
    draw_text(surface, mode, (right, r.bottom - m.px(6)), m.body, mode_colour, bold=True, anchor="bottomright")
    # Middle: indicator chips.
    chips = [
        ("Outcome", s.outcome),
        ("Hedging", f"{s.hedging:.2f}"),
        (f"Tilt {s.bloc_names[0]}–{s.bloc_names[1]}", delta_text(s.bloc_tilt, 2)),
        ("Closest", s.primary_partner),
    ]
    cx = max(title.right, x + m.px(300)) + m.px(24)
    limit = min(g_rect.left, right - text_width(mode, m.body, True)) - m.px(16)
    for label, value in chips:
        lw = max(text_width(label.upper(), m.small), text_width(value, m.body, True)) + m.px(22)
        if cx + lw > limit:
            break
        draw_text(surface, label.upper(), (cx, r.top + m.px(8)), m.small, th.MUTED)
        draw_text(surface, value, (cx, r.bottom - m.px(6)), m.body, th.TEXT, bold=True, anchor="bottomleft")
        cx += lw


def draw_log(
    surface: pygame.Surface, rect: pygame.Rect, v: RoundView, m: th.Metrics, scroll: int = 0, hint: str = ""
) -> tuple[pygame.Rect, int]:
    """The event log panel, newest round first, each move with its reason; returns (content rect, content height)."""
    inner = panel(surface, rect, m, "What happened and why", hint)
    clip = surface.get_clip()
    surface.set_clip(inner)
    y = inner.top - scroll
    chip = m.px(10)
    text_x = inner.left + chip + m.px(8)
    width = inner.width - chip - m.px(16)
    names = {a.index: a for a in v.actors}
    for line in v.log:
        if line.kind == "header":
            if y > inner.top - scroll:
                y += m.px(4)
            if inner.top - line_height(m.small) < y < inner.bottom:
                draw_text(surface, line.text.upper(), (inner.left, y), m.small, th.ACCENT, bold=True)
            y += line_height(m.small) + m.px(2)
            continue
        colour = names[line.actor].colour if line.actor is not None else th.MUTED
        bold = line.kind in ("move", "event")
        text_colour = th.TEXT if line.applied else th.FAINT
        if line.kind in ("fork", "control"):
            text_colour = th.ACCENT
        lines = wrap(line.text, m.body, width, bold)
        reason = wrap(line.reason, m.small, width) if line.reason else []
        h = len(lines) * line_height(m.body) + len(reason) * line_height(m.small) + m.px(4)
        if y + h > inner.top and y < inner.bottom:
            if line.kind == "event":
                pygame.draw.polygon(
                    surface,
                    th.ACCENT,
                    [
                        (inner.left, y + m.px(3)),
                        (inner.left + chip, y + m.px(3)),
                        (inner.left + chip // 2, y + chip + m.px(3)),
                    ],
                )
            else:
                pygame.draw.rect(surface, colour, (inner.left, y + m.px(4), chip, chip), border_radius=m.px(2))
            yy = y
            for t in lines:
                surface.blit(text_surface(t, m.body, text_colour, bold), (text_x, yy))
                yy += line_height(m.body)
            for t in reason:
                surface.blit(text_surface(t, m.small, th.MUTED), (text_x, yy))
                yy += line_height(m.small)
        y += h
    content = y + scroll - inner.top
    surface.set_clip(clip)
    scrollbar(surface, inner, scroll, content, m)
    return inner, content


def draw_footer(
    surface: pygame.Surface,
    r: pygame.Rect,
    v: RoundView,
    m: th.Metrics,
    hint: str,
    no_objectives: str = "No objectives in this scenario: play to your interests (see the briefing)",
) -> None:
    """The bar under the screen: the objectives met or missed on the left, ``hint`` (keys, who plays) on the right."""
    pygame.draw.rect(surface, th.mix(th.BG, th.PANEL, 0.7), r)
    kr = draw_text(surface, hint, (r.right - m.px(12), r.centery), m.small, th.MUTED, anchor="midright")
    x = r.left + m.px(12)
    limit = kr.left - m.px(16)
    if not v.objectives:
        draw_text(
            surface,
            no_objectives,
            (x, r.centery),
            m.small,
            th.FAINT,
            anchor="midleft",
            max_width=limit - x,
        )
        return
    met = sum(o.met for o in v.objectives)
    head = draw_text(
        surface,
        f"OBJECTIVES {met}/{len(v.objectives)}",
        (x, r.centery),
        m.small,
        th.TEXT,
        bold=True,
        anchor="midleft",
    )
    x = head.right + m.px(12)
    for o in v.objectives:
        mark, colour = ("✓", th.GOOD) if o.met else ("✗", th.BAD)
        text = f"{mark} {o.description}"
        w = min(text_width(text, m.small), m.px(260))
        if x + w > limit:
            draw_text(surface, "…", (x, r.centery), m.small, th.MUTED, anchor="midleft")
            break
        draw_text(surface, text, (x, r.centery), m.small, colour, anchor="midleft", max_width=w)
        x += w + m.px(14)
