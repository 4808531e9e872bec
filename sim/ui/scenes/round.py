"""The round screen: map, alignment chart, log with reasons, move picker with previews, status, watch controls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from sim.ui import theme as th
from sim.ui import viewmodel as vm
from sim.ui.charts import alignment_chart
from sim.ui.glossary import explain
from sim.ui.layout import round_layout
from sim.ui.mapview import MapView
from sim.ui.panels import draw_footer, draw_log, draw_status, prepare_log
from sim.ui.scenes.base import Scene, key_name
from sim.ui.scenes.messages import talking
from sim.ui.scenes.teaching import prepare_summary
from sim.ui.views import MoveOption, RoundView
from sim.ui.widgets import (
    Button,
    TermSpot,
    collect_terms,
    delta_text,
    draw_text,
    draw_tooltip,
    draw_wrapped,
    line_height,
    note_terms,
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
GROUPINGS = ("partner", "kind")


@dataclass(frozen=True, slots=True)
class Backdrop:
    """The round screen's panels that the picker does not change, painted once per view on a layer of their own."""

    key: tuple  # (id of the view, window size, text size, log scroll)
    layer: pygame.Surface
    terms: dict[str, pygame.Rect]  # the status bar's chips the scene explains itself
    spots: list[TermSpot]  # every other glossary term the layer shows
    log_content: int  # the log's height, for scrolling


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the move list: a group heading, or the option at position ``option`` of ``options()``."""

    heading: str = ""
    option: int = -1


class RoundScene(Scene):
    name = "round"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.mapview = MapView()
        self.category = 0
        self.selected = 0
        self.list_scroll = 0  # items (headings and moves) scrolled past
        self.log_scroll = 0
        self.orders: list[MoveOption] = []
        self.answers: dict[int, MoveOption] = {}  # proposal position -> the accept or refuse option chosen
        self.playing = False
        self.speed = app.settings.watch_speed
        self.grouping = 0  # index into GROUPINGS
        self.filter = ""  # filter-as-you-type ("/" starts typing)
        self.typing = False
        self.numbers = False  # X shows the preview's exact numbers
        self.guide_open = True  # the tutorial's guide card for the coming decision (G hides and shows it)
        self._timer = 0.0
        self._seen_version = -1
        self._seen_round = -1
        self._seen_player = -1
        self._seen_cards: set[tuple[int, str]] = set()
        self._debrief_shown = False
        self._rects: dict[str, pygame.Rect] = {}
        self._laid_for: tuple = ()  # (window size, text size) of the last layout
        self._rows: list[tuple[pygame.Rect, int]] = []
        self._tabs: list[tuple[pygame.Rect, int]] = []
        self._log_content = 0
        self._visible = 1
        self._describe = True
        self._options_key: tuple = ()
        self._options: list[MoveOption] = []
        self.terms: dict[str, pygame.Rect] = {}  # glossary term -> where the screen names it (status chips)
        self.hover_term = ""  # the term under the mouse: its explanation shows beside it
        self._together: tuple[tuple, vm.Effect | None] = ((), None)
        # The panels that do not change while the player picks (status, map, chart, log, footer), drawn once per
        # view, size, text size and log position: a key press in the picker repaints the picker alone.
        self._backdrop: Backdrop | None = None
        self._spare: pygame.Surface | None = None  # the layer a coming view's backdrop is prepared on
        self._staged: Backdrop | None = None  # that backdrop, ready, until the view is adopted
        self._announcing: list[tuple[str, dict[str, object]]] = []  # panels to open on the next frame

    # -- reading the game ---------------------------------------------------------------------------------

    @property
    def view(self) -> RoundView:
        assert self.app.game is not None
        return self.app.game.view

    def options(self) -> list[MoveOption]:
        """The moves listed now: the tab's category, open (not yet chosen), matching the filter, in group order."""
        key = (
            id(self.view.options),
            self.category,
            self.filter,
            self.grouping,
            tuple(o.order for o in self.orders),
            tuple(sorted(self.answers)),
        )
        if key != self._options_key:
            self._options_key, self._options = key, self._list_options()
        return list(self._options)

    def _list_options(self) -> list[MoveOption]:
        cat = CATEGORIES[self.category][0]
        chosen = {o.order for o in self.orders}
        # Answers live in their own tab (the orders line counts those waiting), so "All" lists moves only.
        shown = [o for o in self.view.options if o.category == cat or (cat == "all" and o.answer is None)]
        shown = [o for o in shown if self._open(o, chosen) and self._matches(o)]
        return sorted(shown, key=self._group_order)

    def _matches(self, o: MoveOption) -> bool:
        words = self.filter.lower().split()
        text = f"{o.label} {o.target_name} {o.kind} {o.category}".lower()
        return all(w in text for w in words)

    def _group(self, o: MoveOption) -> str:
        if GROUPINGS[self.grouping] == "kind":
            return o.kind or o.label
        return f"With {o.target_name}" if o.target_name else "At home"

    def _group_order(self, o: MoveOption) -> tuple:
        if GROUPINGS[self.grouping] == "kind":
            return (o.kind or o.label,)
        order = {a.name: a.index for a in self.view.actors}
        return (order.get(o.target_name, -1),)

    def items(self, opts: list[MoveOption] | None = None) -> list[Item]:
        opts = self.options() if opts is None else opts
        out: list[Item] = []
        last = None
        for k, o in enumerate(opts):
            g = self._group(o)
            if g != last:
                out.append(Item(heading=g))
                last = g
            out.append(Item(option=k))
        return out

    def _open(self, o: MoveOption, chosen: set[tuple[str, str | None, str | None, str | None]]) -> bool:
        """Not yet ordered (a move) or not yet answered (an answer to a proposal)."""
        return o.order not in chosen if o.answer is None else o.answer not in self.answers

    def highlighted(self) -> MoveOption | None:
        opts = self.options()
        return opts[min(self.selected, len(opts) - 1)] if opts else None

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
        self.orders.append(chosen)
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
        self.app.navigate(overlay)

    def open_debrief(self) -> None:
        self._debrief_shown = True
        self.app.navigate("debrief")

    def set_category(self, k: int) -> None:
        self.category, self.selected, self.list_scroll = k, 0, 0

    # -- input --------------------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        if self.typing and event.type == pygame.KEYDOWN and self._type(event, key):
            return
        opts = self.options()
        if key in ("up", "down") and opts:
            self.selected = (self.selected + (1 if key == "down" else -1)) % len(opts)
            self._keep_selected_visible()
        elif key in ("tab", "1", "2", "3", "4", "5"):
            self.set_category((self.category + 1) % len(CATEGORIES) if key == "tab" else int(key) - 1)
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
        elif key in ("/", "f") and not self.view.watching:
            self.typing = True
        elif key == "g":
            if self.view.guide and not self.guide_open:
                self.guide_open = True
            elif self.view.guide:
                self.guide_open = False
            else:
                self.grouping = (self.grouping + 1) % len(GROUPINGS)
                self.selected = self.list_scroll = 0
        elif key == "x":
            self.numbers = not self.numbers
        elif key == "i":
            self.app.navigate("instructor")
        elif key == "h":
            self.open("players")
        elif key == "r":
            self.open("rewind")
        elif key == "t":
            self.app.navigate("summary")
        elif key == "b":
            self.app.navigate("sources")
        elif key == "m":
            self.app.navigate("messages")
        elif key == "a":
            others = [a.index for a in self.view.actors if a.index != self.view.player]
            if others:
                self.app.navigate("diplomacy", actor=others[0])
        elif key == "ctrl+s":
            self.app.save_game()
        elif key in ("ctrl+o", "l"):
            self.open("load")
        elif key == "d" and self.view.status.finished:
            self.open_debrief()
        elif key == "escape":
            self.open("leave")
        elif event.type == pygame.MOUSEWHEEL:
            self._wheel(event.y)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._click(event.pos)

    def _type(self, event: pygame.event.Event, key: str) -> bool:
        """A key while the filter has the keyboard; True when it was used."""
        if key == "escape":
            self.filter, self.typing = "", False
        elif key == "backspace":
            if not self.filter:
                self.typing = False
            self.filter = self.filter[:-1]
        elif key in ("return", "up", "down", "tab", "page up", "page down"):
            return False
        elif event.unicode and event.unicode.isprintable() and not event.mod & pygame.KMOD_CTRL:
            if event.unicode == " " and not self.filter:
                return False  # Space still ends the turn while nothing is typed
            self.filter += event.unicode
        else:
            return False
        self.selected = self.list_scroll = 0
        return True

    def _wheel(self, y: int) -> None:
        pos = self.pointer()
        if self._rects.get("log_inner", pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
            self.log_scroll -= y * self.m.px(48)
            self._clamp_log()
            return
        if not self._rects.get("list", pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
            return
        items = self.items()
        self.list_scroll = max(0, min(self.list_scroll - y, max(0, len(items) - self._visible)))
        # The highlighted move stays in view, so the preview always describes a move the student can see.
        shown = [it.option for it in items[self.list_scroll : self.list_scroll + self._visible] if it.option >= 0]
        if shown and self.selected not in shown:
            self.selected = shown[0] if self.selected < shown[0] else shown[-1]

    def _click(self, pos: tuple[int, int]) -> None:
        for rect, k in self._tabs:
            if rect.collidepoint(pos):
                self.set_category(k)
                return
        if self._rects.get("filter", pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
            self.typing = True
            return
        if self._rects.get("guide", pygame.Rect(0, 0, 0, 0)).collidepoint(pos) and self.guide_open:
            self.guide_open = False
            return
        for rect, k in self._rows:
            if rect.collidepoint(pos):
                if k == self.selected:
                    self.add_selected()
                self.selected = min(k, max(0, len(self.options()) - 1))
                return
        for a, (x, y) in [*self.mapview.spots.items(), *self.mapview.inset_spots.items()]:
            r = self.m.px(14)
            if (pos[0] - x) ** 2 + (pos[1] - y) ** 2 <= r * r and a != self.view.player:
                self.app.navigate("diplomacy", actor=a)
                return
        super().handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))

    def _keep_selected_visible(self) -> None:
        items = self.items()
        pos = next((k for k, it in enumerate(items) if it.option == self.selected), 0)
        if pos - 1 < self.list_scroll:  # show the group's heading too when it is just above
            self.list_scroll = max(0, pos - (1 if pos > 0 and items[pos - 1].heading else 0))
        elif pos >= self.list_scroll + self._visible:
            self.list_scroll = pos - self._visible + 1

    def _clamp_log(self) -> None:
        inner = self._rects.get("log_inner")
        page = inner.height if inner else 300
        self.log_scroll = max(0, min(self.log_scroll, max(0, self._log_content - page)))

    # -- per frame ----------------------------------------------------------------------------------------

    def update(self, dt: float) -> None:
        g = self.app.game
        if g is None:
            return
        panels, self._announcing = self._announcing, []
        for name, kwargs in panels:  # what the last new round opens over itself (see _announce)
            self.app.navigate(name, **kwargs)
        if g.version != self._seen_version:
            self._seen_version = g.version
            self.orders, self.selected, self.list_scroll, self.log_scroll = [], 0, 0, 0
            self.answers, self.filter, self.typing = {}, "", False
            self.guide_open = True
            if g.message:
                self.app.toast(g.message)
            if g.error:
                self.app.toast(g.error, error=True)
            if not g.finished:
                self._debrief_shown = False
            self._announce(g.view)
        if g.watching and self.playing and not g.busy and not g.finished:
            self._timer += dt
            if self._timer >= 1.0 / self.speed:
                self._timer = 0.0
                g.step_ai()
        if g.finished and not g.busy and not self._debrief_shown and self.app.top is self:
            self.playing = False
            self.open_debrief()
        self._layout()
        self._update_together()
        pos = self.pointer()
        self.hover_term = next((t for t, r in self.terms.items() if r.collidepoint(pos)), "")

    def _announce(self, v: RoundView) -> None:
        """After a round: the turn summary, a card for each event over it (read first), and in hot seat the
        hand-over screen over both (the next person sees them only once at the keyboard)."""
        new_round = v.status.round != self._seen_round
        handover = len(v.humans) > 1 and not v.watching and (new_round or v.player != self._seen_player)
        first = self._seen_round < 0
        self._seen_round, self._seen_player = v.status.round, v.player
        if first:
            self._seen_cards.update((v.status.round, c.id) for c in v.fired)
            return
        panels: list[tuple[str, dict[str, object]]] = []
        if new_round and v.status.round > 0 and not v.watching and self.app.settings.turn_summary:
            panels.append(("summary", {}))
        fresh = [c for c in v.fired if (v.status.round, c.id) not in self._seen_cards]
        self._seen_cards.update((v.status.round, c.id) for c in v.fired)
        if fresh and not (v.watching and self.playing):
            self.app.toast("", seconds=0.0)  # the card says it; no toast over it
            panels += [("event", {"card": card}) for card in reversed(fresh)]
        if handover and not v.status.finished:  # on top: the next player reads the summary and cards after it
            panels.append(("handover", {}))
        # They open on the next frame: the frame that shows the new round draws its picture alone.
        self._announcing = panels

    def _update_together(self) -> None:
        """The preview of the chosen orders together with the highlighted move (computed by the core)."""
        g = self.app.game
        if g is None or g.busy or self.view.watching or self.view.status.finished:
            return
        h = self.highlighted()
        moves = [o for o in self.orders if o.answer is None]
        if h is not None and h.answer is None and len(moves) < self.view.moves_per_round:
            moves = [*moves, h]
        key = (g.version, tuple(o.order for o in moves))
        if key != self._together[0]:
            effect = vm.orders_effect(g.session.model, self.view.player, moves) if len(moves) > 1 else None
            self._together = (key, effect)

    def _layout(self) -> None:
        m = self.m
        w, h = self.app.size
        self._laid_for = (self.app.size, self.app.settings.text_size)
        self._rects = {k: pygame.Rect(b) for k, b in round_layout(w, h, m.scale).items()}
        # The log's content rectangle is known now, not only after a redraw: the wheel over it scrolls it
        # even when the frame was served from the cache.
        self._rects["log_inner"] = panel_inner(self._rects["log"], m)
        inner = panel_inner(self._rects["orders"], m)
        bh = m.px(34)
        gap = m.px(6)
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
        # One row when every label fits with its key hint, else one row without the hints (the help lists the
        # keys), else two rows (large text on a small window).
        n = len(labels)
        need = max(text_width(lab, m.body, True) + text_width(key, m.small) + m.px(44) for _, lab, key, _, _ in labels)
        bare = max(text_width(lab, m.body, True) + m.px(24) for _, lab, _, _, _ in labels)
        per_row = n
        if need * n + gap * (n - 1) > inner.width:
            if bare * n + gap * (n - 1) <= inner.width:
                labels = [(bid, lab, "", act, primary) for bid, lab, _, act, primary in labels]
            else:
                per_row = 2
        rows = (len(labels) + per_row - 1) // per_row
        bw = (inner.width - gap * (per_row - 1)) // per_row
        top = inner.bottom - rows * bh - (rows - 1) * gap
        self._rects["buttons"] = pygame.Rect(inner.left, top, inner.width, inner.bottom - top)
        busy = self.app.game is not None and self.app.game.busy
        for k, (bid, label, key, act, primary) in enumerate(labels):
            r = pygame.Rect(inner.left + (k % per_row) * (bw + gap), top + (k // per_row) * (bh + gap), bw, bh)
            enabled = not (busy or self.view.status.finished) or bid in ("slower", "faster")
            if bid == "add":
                enabled = enabled and bool(self.options()) and len(self.orders) < self.view.moves_per_round
            self.buttons.append(Button(bid, label, r, act, key=key, primary=primary, enabled=enabled))
        if self.view.status.finished:
            r = pygame.Rect(inner.left, inner.bottom - bh, inner.width, bh)
            self.buttons = [
                Button("debrief", "Game over — open the debrief", r, self.open_debrief, key="Enter", primary=True)
            ]
        if not self.view.watching:
            self._layout_picker(inner)

    def _layout_picker(self, inner: pygame.Rect) -> None:
        """Tabs and filter on top, then the list, the preview, the orders, and the buttons at the bottom."""
        m = self.m
        v = self.view
        tab_h = line_height(m.small) + m.px(8)
        self._tabs = []
        x, y = inner.left, inner.top
        for k, (_, label) in enumerate(CATEGORIES):
            tw = text_width(f"{k + 1} {label}", m.small) + m.px(16)
            if x + tw > inner.right:
                x, y = inner.left, y + tab_h + m.px(4)
            self._tabs.append((pygame.Rect(x, y, tw, tab_h), k))
            x += tw + m.px(6)
        fw = max(m.px(140), text_width("/ filter: wwwwwwww", m.small) + m.px(16))
        if x + fw > inner.right:
            x, y = inner.left, y + tab_h + m.px(4)
            fw = inner.width
        else:
            fw = inner.right - x
        self._rects["filter"] = pygame.Rect(x, y, fw, tab_h)
        list_top = y + tab_h + m.px(6)
        buttons_top = self._rects["buttons"].top - m.px(8)
        orders_lines = max(1, v.moves_per_round) + (1 if len(self.orders) + 1 >= 2 else 0)
        orders_h = line_height(m.small) + orders_lines * line_height(m.small) + m.px(6)
        orders_top = buttons_top - orders_h
        # The preview gives up the move's description (it is also in the help) when the list would be short.
        room = orders_top - list_top
        self._describe = room - 6 * line_height(m.small) > 8 * (line_height(m.body) + m.px(4))
        preview_lines = (3 if self.numbers else 2) + (2 if self._describe else 0)
        preview_h = preview_lines * line_height(m.small) + m.px(16) + (m.px(10) if self.numbers else 0)
        preview_top = orders_top - preview_h - m.px(6)
        self._rects["orders_list"] = pygame.Rect(inner.left, orders_top, inner.width, orders_h)
        self._rects["preview"] = pygame.Rect(inner.left, preview_top, inner.width, preview_h)
        lst = pygame.Rect(inner.left, list_top, inner.width, max(0, preview_top - list_top - m.px(6)))
        self._rects["list"] = lst
        row_h = line_height(m.body) + m.px(4)
        self._visible = max(1, lst.height // row_h)
        items = self.items()
        self.list_scroll = max(0, min(self.list_scroll, max(0, len(items) - self._visible)))
        self._rows = []
        for row, it in enumerate(items[self.list_scroll : self.list_scroll + self._visible]):
            if it.option >= 0:
                rect = pygame.Rect(lst.left, lst.top + row * row_h, lst.width - m.px(8), row_h - 2)
                self._rows.append((rect, it.option))

    def visible_moves(self) -> int:
        """How many moves (not headings) the list shows at once."""
        return len(self._rows)

    def panels(self) -> dict[str, pygame.Rect]:
        return {k: self._rects[k] for k in ("status", "map", "chart", "orders", "log", "keys") if k in self._rects}

    def parts(self) -> dict[str, pygame.Rect]:
        """Every laid-out rectangle inside the panels (tests check that none overlap another or leave its panel)."""
        names: tuple[str, ...] = ("list", "preview", "orders_list", "buttons", "filter")
        out = {k: self._rects[k] for k in names if k in self._rects}
        out.update({f"tab{k}": r for r, k in self._tabs} if not self.view.watching else {})
        return out

    def cache_key(self) -> tuple | None:
        g = self.app.game
        if g is None:
            return None
        return (
            id(g.view),
            g.busy,
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
            self.filter,
            self.typing,
            self.grouping,
            self.numbers,
            self.guide_open,
            self._together[0],
            self.hover_term,
        )

    # -- drawing (reads self.view only) ---------------------------------------------------------------------

    def draw(self, surface: pygame.Surface) -> None:
        if self._laid_for != (self.app.size, self.app.settings.text_size):
            self._layout()  # the text size changed while an overlay was on top (only the top scene updates)
        v = self.view
        surface.blit(self._backdrop_for(surface, v), (0, 0))
        if v.watching:
            self._draw_watch(surface, v)
        else:
            self._draw_picker(surface, v)
        self.draw_buttons(surface)
        if v.guide and self.guide_open and not v.watching:
            self._draw_guide(surface, v)
        if self.hover_term:
            self._draw_tooltip(surface, self.hover_term)

    def _backdrop_key(self, v: RoundView, size: tuple[int, int], log_scroll: int) -> tuple:
        return (id(v), size, self.app.settings.text_size, log_scroll)

    def _backdrop_for(self, surface: pygame.Surface, v: RoundView) -> pygame.Surface:
        """The picture of the panels the picker does not change, redrawn only when what they show changed."""
        key = self._backdrop_key(v, surface.get_size(), self.log_scroll)
        staged = self._staged
        if staged is not None and staged.key == key:  # prepared before the view was adopted (see prepare)
            self._spare = self._backdrop.layer if self._backdrop is not None else None
            self._backdrop, self._staged = staged, None
            self.terms.clear()
        elif self._backdrop is None or self._backdrop.key != key:
            layer = self._backdrop.layer if self._backdrop is not None else None
            if layer is None or layer.get_size() != surface.get_size():  # else the same pixels are drawn over
                layer = surface.copy()
            for _ in self._paint_backdrop(layer, v, key):
                pass
            self.terms.clear()
        backdrop = self._backdrop
        assert backdrop is not None
        self.terms.update(backdrop.terms)
        note_terms(backdrop.spots)  # the glossary terms the layer shows, for hovering
        self._log_content = backdrop.log_content
        return backdrop.layer

    def _paint_backdrop(self, layer: pygame.Surface, v: RoundView, key: tuple, staged: bool = False) -> Iterator[None]:
        """Paint the backdrop of ``v`` on ``layer`` a panel a step, then make it the scene's backdrop (``staged``:
        keep it for when ``v`` is adopted)."""
        m = self.m
        terms: dict[str, pygame.Rect] = {}
        spots: list[TermSpot] = []
        layer.fill(th.BG)
        with collect_terms(layer) as found:
            self._draw_status(layer, v, terms)
        spots += found
        yield
        self.mapview.prepare(panel_inner(self._rects["map"], m), v, m)  # the links' layer
        yield
        with collect_terms(layer) as found:
            map_inner = panel(layer, self._rects["map"], m, "The powers and their ties", "click an actor: diplomacy")
            self.mapview.draw(layer, map_inner, v, m)
        spots += found
        yield
        me = v.actors[v.player]
        chart_title = f"{me.name}'s alignment"
        if text_width(chart_title.upper(), m.small, True) + text_width("−1 … +1", m.small) + 3 * m.pad > (
            self._rects["chart"].width
        ):
            chart_title = "Alignment"
        with collect_terms(layer) as found:
            chart_inner = panel(layer, self._rects["chart"], m, chart_title, "−1 … +1")
            alignment_chart(layer, chart_inner, v.series, v.actors, v.status.rounds, m)
        spots += found
        yield
        with collect_terms(layer) as found:
            inner, content = draw_log(layer, self._rects["log"], v, m, key[3], "PgUp/PgDn")
            if not staged:
                self._rects["log_inner"] = inner
        spots += found
        yield
        with collect_terms(layer) as found:
            keys = "F1 help · T summary · R rewind · H players · Ctrl+S save · Esc menu"
            if talking(self.app) is not None:  # a networked class: the teams write to each other
                keys = "F1 help · M messages · T summary · Ctrl+S save · Esc menu"
            draw_footer(layer, self._rects["keys"], v, m, keys)
        spots += found
        done = Backdrop(key, layer, terms, spots, content)
        if staged:
            self._staged = done
        else:
            self._backdrop = done

    def prepare(self, view: RoundView) -> Iterator[None]:
        """Before a new view shows: its log lines and turn summary wrapped and rendered, then its backdrop painted
        on a second layer (the one on screen stays untouched), so adopting it costs about a picker redraw."""
        size = self.app.size
        if self._laid_for != (size, self.app.settings.text_size):
            return  # not laid out for this window yet: the view is drawn at once when it shows
        yield from prepare_log(self._rects["log"], view, self.m)
        if self.app.settings.turn_summary and view.status.round > 0 and view.status.round != self._seen_round:
            yield from prepare_summary(self.app, view)
        key = self._backdrop_key(view, size, 0)  # a new view opens with the log at its top
        spare, self._spare, self._staged = self._spare, None, None
        if spare is None or spare.get_size() != size:
            spare = self.app.screen.copy()  # the window's pixel format, so the layer blits fast
        yield from self._paint_backdrop(spare, view, key, staged=True)

    def _draw_tooltip(self, surface: pygame.Surface, term: str) -> None:
        """The glossary's explanation of the term under the mouse, in a box below it."""
        text = explain(term)
        if text:
            draw_tooltip(surface, self.terms[term], term, text, self.m)

    def _draw_status(self, surface: pygame.Surface, v: RoundView, terms: dict[str, pygame.Rect]) -> None:
        me = v.actors[v.player]
        if v.watching:
            mode, colour = "Watching the AI", th.MUTED
        elif len(v.humans) > 1:
            mode, colour = f"Hot seat: {me.name} to move", th.ACCENT
        else:
            mode, colour = f"You play {me.name}", th.ACCENT
        draw_status(surface, self._rects["status"], v, self.m, mode, colour, terms)

    def _draw_picker(self, surface: pygame.Surface, v: RoundView) -> None:
        m = self.m
        me = v.actors[v.player]
        title = f"{me.name}'s moves this quarter" if len(v.humans) > 1 else "Your moves this quarter"
        panel(surface, self._rects["orders"], m, title, f"choose up to {v.moves_per_round}")
        for rect, k in self._tabs:
            text = f"{k + 1} {CATEGORIES[k][1]}"
            on = k == self.category
            pygame.draw.rect(surface, th.PANEL_HI if on else th.PANEL, rect, border_radius=m.px(5))
            pygame.draw.rect(surface, th.ACCENT if on else th.BORDER, rect, width=1, border_radius=m.px(5))
            draw_text(surface, text, rect.center, m.small, th.TEXT if on else th.MUTED, anchor="center")
        f = self._rects["filter"]
        pygame.draw.rect(surface, th.mix(th.PANEL, th.BG, 0.5), f, border_radius=m.px(5))
        pygame.draw.rect(surface, th.ACCENT if self.typing else th.BORDER, f, width=1, border_radius=m.px(5))
        if self.filter or self.typing:
            text, colour = f"filter: {self.filter}" + ("▏" if self.typing else ""), th.TEXT
        else:
            text, colour = "/ to filter · G groups", th.FAINT
        draw_text(surface, text, (f.left + m.px(6), f.centery), m.small, colour, anchor="midleft", max_width=f.width)
        self._draw_list(surface, v)
        prev = self._rects["preview"]
        pygame.draw.rect(surface, th.mix(th.PANEL, th.BG, 0.5), prev, border_radius=m.px(6))
        h = self.highlighted()
        if h is not None:
            self._draw_preview(surface, prev.inflate(-m.px(12), -m.px(10)), h, v)
        self._draw_orders(surface, v)

    def _draw_list(self, surface: pygame.Surface, v: RoundView) -> None:
        m = self.m
        lst = self._rects["list"]
        opts = self.options()
        items = self.items(opts)
        row_h = line_height(m.body) + m.px(4)
        clip = surface.get_clip()
        surface.set_clip(lst)
        right_w = text_width("hedging −0.000", m.small)
        for row, it in enumerate(items[self.list_scroll : self.list_scroll + self._visible]):
            y = lst.top + row * row_h
            if it.option < 0:
                draw_text(surface, it.heading.upper(), (lst.left + m.px(2), y + row_h - m.px(3)), m.small, th.ACCENT,
                          bold=True, anchor="bottomleft", max_width=lst.width - m.px(12))  # fmt: skip
                continue
            o = opts[it.option]
            rect = pygame.Rect(lst.left, y, lst.width - m.px(8), row_h - 2)
            if it.option == self.selected:
                pygame.draw.rect(surface, th.PANEL_HI, rect, border_radius=m.px(4))
                pygame.draw.rect(surface, th.ACCENT, rect, width=1, border_radius=m.px(4))
            bar = pygame.Rect(rect.left + m.px(4), rect.top + m.px(4), m.px(4), rect.height - m.px(8))
            pygame.draw.rect(surface, CATEGORY_COLOURS.get(o.category, th.MUTED), bar)
            partner_shown = GROUPINGS[self.grouping] == "partner"
            text = o.label if partner_shown or not o.target_name else f"{o.label} → {o.target_name}"
            if self.numbers:
                right = f"hedging {delta_text(o.effect.hedging)}"
            elif o.chance is not None:
                right = f"{o.chance:.0%} yes"
            else:
                right = _strongest(o.effect, v)
            draw_text(surface, text, (rect.left + m.px(14), rect.centery), m.body, th.TEXT, anchor="midleft",
                      max_width=rect.width - right_w - m.px(24))  # fmt: skip
            draw_text(surface, right, (rect.right - m.px(6), rect.centery), m.small, th.MUTED, anchor="midright",
                      max_width=right_w)  # fmt: skip
        if not opts:
            if self.filter:
                msg = f"No move matches “{self.filter}” (Esc clears the filter)."
            else:
                msg = "No moves left in this category." if v.options else "No moves possible now."
            draw_wrapped(surface, msg, lst, m.body, th.MUTED)
        surface.set_clip(clip)
        scrollbar(surface, lst, self.list_scroll * row_h, len(items) * row_h, m)

    def _draw_preview(self, surface: pygame.Surface, r: pygame.Rect, o: MoveOption, v: RoundView) -> None:
        m = self.m
        lh = line_height(m.small)
        y = r.top
        if self._describe or o.answer is not None:
            draw_wrapped(surface, o.description, pygame.Rect(r.left, r.top, r.width, lh * 2 - 1), m.small, th.MUTED)
            y = r.top + 2 * lh
        e = o.effect
        if o.answer is not None:
            return
        when = "Now" if o.chance is None else f"{o.target_name} is {vm.chance_words(o.chance)} · if it does"
        hint_w = text_width("X: numbers", m.small) + m.px(8) if not self.numbers else 0
        draw_text(surface, f"{when}:", (r.left, y), m.small, th.TEXT, bold=True, max_width=r.width - hint_w)
        if not self.numbers:
            draw_text(surface, "X: numbers", (r.right, y), m.small, th.FAINT, anchor="topright")
        y += lh
        words = vm.effect_words(e, v.actors)
        hedge = vm.hedging_words(e)
        if not self.numbers:
            draw_text(surface, words, (r.left, y), m.small, th.TEXT, max_width=r.width)
            y += lh
            draw_text(surface, (hedge[:1].upper() + hedge[1:]) if hedge else "Your hedging hardly changes.",
                      (r.left, y), m.small, th.MUTED, max_width=r.width)  # fmt: skip
            return
        partner = v.actors[e.primary_partner].name
        summary = f"hedging {delta_text(e.hedging)} · tilt {delta_text(e.bloc_tilt)} · closest {partner}"
        draw_text(surface, summary, (r.left, y), m.small, th.TEXT, max_width=r.width)
        y += lh + m.px(2)
        self._draw_bars(surface, pygame.Rect(r.left, y, r.width, r.bottom - y), e, v)

    def _draw_bars(self, surface: pygame.Surface, r: pygame.Rect, e: vm.Effect, v: RoundView) -> None:
        """Change of alignment to each power, as small signed bars with the numbers."""
        m = self.m
        n = max(1, len(e.alignment))
        cw = r.width // n
        for k, (p, d) in enumerate(e.alignment):
            cx = r.left + k * cw
            a = v.actors[p]
            name = a.name if text_width(a.name, m.small) < cw - m.px(60) else a.id.upper()
            draw_text(surface, name, (cx, r.top), m.small, a.colour, max_width=cw - m.px(56))
            colour = th.GOOD if d > 0.0005 else th.BAD if d < -0.0005 else th.MUTED
            draw_text(surface, delta_text(d, 3), (cx + cw - m.px(6), r.top), m.small, colour, anchor="topright")
            mid = cx + cw // 2
            by = r.top + line_height(m.small) + m.px(2)
            pygame.draw.line(surface, th.BORDER, (cx, by + m.px(3)), (cx + cw - m.px(8), by + m.px(3)), 1)
            length = round(min(1.0, abs(d) / 0.05) * (cw // 2 - m.px(6)))
            if length:
                bar = pygame.Rect(mid if d > 0 else mid - length, by, length, m.px(6))
                pygame.draw.rect(surface, th.alignment_colour(0.6 if d > 0 else -0.6), bar)

    def _draw_orders(self, surface: pygame.Surface, v: RoundView) -> None:
        m = self.m
        r = self._rects["orders_list"]
        lh = line_height(m.small)
        waiting = len({o.answer for o in v.options if o.answer is not None})
        answered = f"  ·  ANSWERED {len(self.answers)}/{waiting}" if waiting else ""
        head = f"ORDERS {len(self.orders)}/{v.moves_per_round}{answered}"
        draw_text(surface, head, (r.left, r.top), m.small, th.MUTED, bold=True, max_width=r.width)
        y = r.top + lh
        for k in range(v.moves_per_round):
            if k < len(self.orders):
                o = self.orders[k]
                text = f"{k + 1}. {o.label} → {o.target_name}" if o.target_name else f"{k + 1}. {o.label}"
                draw_text(surface, text, (r.left, y), m.small, th.ACCENT, bold=True, max_width=r.width)
            else:
                draw_text(surface, f"{k + 1}. —", (r.left, y), m.small, th.FAINT)
            y += lh
        effect = self._together[1]
        if effect is not None and y + lh <= r.bottom + 1:
            words = vm.effect_words(effect, v.actors)
            if self.numbers:
                words = f"hedging {delta_text(effect.hedging)} · " + " · ".join(
                    f"{v.actors[p].name} {delta_text(d)}" for p, d in effect.alignment
                )
            label = "Together: " if len(self.orders) >= v.moves_per_round else "With the highlighted move: "
            draw_text(surface, label + words, (r.left, y), m.small, th.TEXT, max_width=r.width)

    def _draw_guide(self, surface: pygame.Surface, v: RoundView) -> None:
        """The tutorial's guide for the coming decision: a card with a pointer to the part of the screen it means."""
        m = self.m
        card = v.guide[0]
        text = card.text
        target = "orders"
        lowered = text.lower()
        if "log" in lowered:
            target = "log"
        elif "regard" in lowered or "alignment" in lowered:
            target = "chart"
        aim = self._rects[target]
        mp = self._rects["map"]
        w = min(mp.width - m.px(40), m.px(520))
        lines = wrap(text, m.body, w - 2 * m.pad)
        h = line_height(m.title) + len(lines) * line_height(m.body) + line_height(m.small) + 3 * m.pad
        box = pygame.Rect(mp.left + m.px(20), mp.top + m.px(36), w, min(h, mp.height - m.px(40)))
        self._rects["guide"] = box
        tip = (aim.centerx, aim.top + m.px(4)) if target != "orders" else (aim.left + m.px(2), box.centery)
        base = (box.centerx, box.bottom) if target != "orders" else (box.right, box.centery)
        pygame.draw.line(surface, th.ACCENT, base, tip, max(2, m.px(3)))
        pygame.draw.circle(surface, th.ACCENT, tip, m.px(6))
        pygame.draw.rect(surface, th.PANEL_HI, box, border_radius=m.px(8))
        pygame.draw.rect(surface, th.ACCENT, box, width=2, border_radius=m.px(8))
        y = box.top + m.pad
        draw_text(surface, card.title, (box.left + m.pad, y), m.title, th.ACCENT, bold=True, max_width=w - 2 * m.pad)
        y += line_height(m.title)
        clip = surface.get_clip()
        surface.set_clip(box)
        for line in lines:
            draw_text(surface, line, (box.left + m.pad, y), m.body, th.TEXT)
            y += line_height(m.body)
        draw_text(surface, "G or a click hides the guide", (box.right - m.pad, box.bottom - m.px(6)), m.small,
                  th.MUTED, anchor="bottomright")  # fmt: skip
        surface.set_clip(clip)

    def _draw_watch(self, surface: pygame.Surface, v: RoundView) -> None:
        m = self.m
        inner = panel(surface, self._rects["orders"], m, "Watching the AI", f"{self.speed:g} rounds a second")
        bottom = self._rects["buttons"].top - m.px(8)
        area = pygame.Rect(inner.left, inner.top, inner.width, bottom - inner.top)
        clip = surface.get_clip()
        surface.set_clip(area)
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
            area,
            m.body,
            th.MUTED,
            top=y,
        )
        y += m.px(10)
        draw_text(surface, "WHO PLAYS WHOM", (inner.left, y), m.small, th.MUTED, bold=True)
        y += line_height(m.small) + m.px(4)
        cols = 2 if inner.width > m.px(360) else 1
        col = inner.width // cols
        rows = (len(v.actors) + cols - 1) // cols
        step = line_height(m.body) + m.px(4)
        for k, a in enumerate(v.actors):
            cx = inner.left + (k // rows) * col
            cy = y + (k % rows) * step
            pygame.draw.rect(surface, a.colour, (cx, cy + m.px(3), m.px(12), m.px(12)), border_radius=m.px(3))
            draw_text(
                surface,
                f"{a.name}: {'AI' if a.controller == 'ai' else a.controller}",
                (cx + m.px(18), cy),
                m.body,
                th.TEXT,
                max_width=col - m.px(24),
            )
        y += rows * step + m.px(10)
        if v.summary and y + line_height(m.small) < area.bottom:
            draw_text(surface, "LAST ROUND", (inner.left, y), m.small, th.MUTED, bold=True)
            y += line_height(m.small) + m.px(4)
            for sentence in v.summary:
                if y + len(wrap(sentence, m.small, area.width)) * line_height(m.small) > area.bottom:
                    break  # whole sentences only (T opens them all)
                y = draw_wrapped(surface, sentence, area, m.small, th.TEXT, top=y) + m.px(4)
        surface.set_clip(clip)

    def draw_transient(self, surface: pygame.Surface) -> None:
        g = self.app.game
        if g is not None and g.busy:
            self._draw_busy(surface)

    def transient_key(self) -> tuple | None:
        g = self.app.game
        return None if g is None or not g.busy else ("busy", int(pygame.time.get_ticks() / 1000.0 * 3) % 3)

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


def _strongest(e: vm.Effect, v: RoundView) -> str:
    """The largest change of a move in a word or two: 'China ↑', 'US ↓' ('' when it hardly changes anything)."""
    if not e.alignment:
        return ""
    p, d = max(e.alignment, key=lambda x: abs(x[1]))
    if abs(d) < 0.002:
        return "—"
    a = v.actors[p]
    name = a.name if len(a.name) <= 10 else a.id.upper()  # "European Union" -> "EU": the column is narrow
    return f"{name} {'↑' if d > 0 else '↓'}"
