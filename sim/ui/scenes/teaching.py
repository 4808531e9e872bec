"""Panels that teach: the turn summary, event cards, the diplomacy view, the bibliography and the hot-seat hand-over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pygame

from sim.ui import library
from sim.ui import theme as th
from sim.ui import viewmodel as vm
from sim.ui.glossary import GLOSSARY
from sim.ui.layout import centred
from sim.ui.pictures import draw_picture
from sim.ui.scenes.base import key_name
from sim.ui.scenes.overlays import KEYS, ListOverlay, Overlay, Row
from sim.ui.widgets import draw_text, draw_wrapped, line_height, panel_inner, scrollbar, text_surface, wrap

if TYPE_CHECKING:
    from sim.ui.app import App
    from sim.ui.views import RoundView


class DocumentOverlay(Overlay):
    """A panel of headed paragraphs that scrolls (wheel, ↑↓, PgUp/PgDn) when it is longer than the window."""

    max_size = (900, 640)
    hint = "Esc or Enter closes · wheel or PgDn scrolls"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.scroll = 0
        self.content = 0
        self._area = pygame.Rect(0, 0, 0, 0)

    def blocks(self) -> list[tuple[str, str]]:
        """(kind, text) with kind 'h' (heading), 'p' (paragraph), 'm' (muted), 'b' (bullet)."""
        return []

    def update(self, dt: float) -> None:
        """As tall as the text (once drawn, its height is known), up to the overlay's maximum; centred."""
        super().update(dt)
        m = self.m
        if self.content > 0:
            wanted = self.content + 2 * m.pad + line_height(m.small) + m.px(6) + m.px(4)
            if wanted < self._box.height:
                self._box = pygame.Rect(self._box.left, 0, self._box.width, wanted)
                self._box.centery = self.app.size[1] // 2

    def state(self) -> tuple:
        return (tuple(self.blocks()), self.title)

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        page = max(40, self._area.height - self.m.px(40))
        if key == "return":
            self.close()
        elif key in ("down", "up"):
            self.scroll += self.m.px(40) * (1 if key == "down" else -1)
        elif key in ("page down", "page up", "space"):
            self.scroll += page * (-1 if key == "page up" else 1)
        elif event.type == pygame.MOUSEWHEEL:
            self.scroll -= event.y * self.m.px(40)
        else:
            super().handle(event)
        self.scroll = max(0, min(self.scroll, max(0, self.content - self._area.height)))

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        inner = self.frame(surface, self.hint)
        self._area = inner
        clip = surface.get_clip()
        surface.set_clip(inner)
        y = inner.top - self.scroll
        width = inner.width - m.px(12)
        for kind, text in self.blocks():
            if kind == "h":
                y += m.px(6)
                for line in wrap(text.upper(), m.small, width, True):
                    draw_text(surface, line, (inner.left, y), m.small, th.ACCENT, bold=True)
                    y += line_height(m.small)
                y += m.px(2)
            elif kind == "b":
                pygame.draw.circle(surface, th.ACCENT, (inner.left + m.px(5), y + line_height(m.body) // 2), m.px(3))
                area = pygame.Rect(inner.left + m.px(16), y, width - m.px(16), 10**6)
                y = draw_wrapped(surface, text, area, m.body, th.TEXT) + m.px(4)
            else:
                colour = th.MUTED if kind == "m" else th.TEXT
                y = draw_wrapped(surface, text, pygame.Rect(inner.left, y, width, 10**6), m.body, colour) + m.px(6)
        self.content = y + self.scroll - inner.top
        surface.set_clip(clip)
        scrollbar(surface, inner, self.scroll, self.content, m)


class HelpOverlay(DocumentOverlay):
    """F1: every key, by where it works, then the glossary of the ideas the game names; it scrolls."""

    name = "help"
    title = "Help: keys and glossary"
    max_size = (1000, 700)
    hint = "F1, ? or Esc closes · wheel or PgDn scrolls"

    def handle(self, event: pygame.event.Event) -> None:
        if key_name(event) in ("f1", "?"):
            self.close()
        else:
            super().handle(event)

    def blocks(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for group, rows in KEYS:
            out.append(("h", group))
            out += [("b", f"{key}: {text}") for key, text in rows]
        out.append(("h", "Glossary"))
        out += [("b", f"{term}: {text}") for term, text in GLOSSARY.items()]
        return out


class SummaryOverlay(DocumentOverlay):
    """What the round just played changed most for you, and why, in sentences (T opens it again)."""

    name = "summary"
    max_size = (820, 460)

    def __init__(self, app: App, view: RoundView | None = None) -> None:
        super().__init__(app)
        self._shown = view  # the view summarised (the game's current one when None)

    @property
    def shown(self) -> RoundView | None:
        g = self.app.game
        return self._shown if self._shown is not None else g.view if g is not None else None

    @property
    def title(self) -> str:  # type: ignore[override]
        v = self.shown
        if v is None or v.status.round == 0:
            return "Turn summary"
        return f"Turn summary · round {v.status.round} · {v.status.quarter}"

    def blocks(self) -> list[tuple[str, str]]:
        v = self.shown
        if v is None or not v.summary:
            return [("p", "No round has been played yet. After each round, this says what changed most and why.")]
        out: list[tuple[str, str]] = [("h", "What changed most in your alignment")]
        out += [("b", s) for s in v.summary]
        out.append(("m", "The log (bottom left) has every move with its reason; T opens this summary again."))
        return out


def prepare_summary(app: App, view: RoundView) -> Iterator[None]:
    """Wrap and render the turn summary of ``view`` as its panel will draw it, a paragraph a step (text caches only)."""
    overlay = SummaryOverlay(app, view)
    overlay.update(0.0)
    m = app.metrics
    width = panel_inner(overlay._box, m).width - m.px(12)  # as DocumentOverlay.draw lays the text out
    for kind, text in overlay.blocks():
        if kind == "h":
            for line in wrap(text.upper(), m.small, width, True):
                text_surface(line, m.small, th.ACCENT, True)
        else:
            colour = th.MUTED if kind == "m" else th.TEXT
            for line in wrap(text, m.body, width - m.px(16) if kind == "b" else width):
                text_surface(line, m.body, colour)
        yield


class SourcesOverlay(DocumentOverlay):
    """The bibliography: the scenario's sources as full citations (B)."""

    name = "sources"
    title = "Sources"

    def blocks(self) -> list[tuple[str, str]]:
        g = self.app.game
        if g is None:
            return [("p", "No game is open.")]
        sources = library.sources(g.session.log.scenario)
        if not sources:
            return [("p", "This scenario cites no sources.")]
        out: list[tuple[str, str]] = [("h", g.view.status.scenario_title)]
        for k, (sid, citation, url) in enumerate(sources, start=1):
            out.append(("b", f"[{k}] {citation}" + (f" — {url}" if url else "") + f"  (key: {sid})"))
        out.append(("m", "Numbers in the briefing such as [1] refer to this list. Facts and figures: docs/model.md."))
        return out


class EventCardOverlay(Overlay):
    """An event that just fired: its illustration, title, text and who it affects (Enter closes)."""

    name = "event"
    max_size = (760, 520)

    def __init__(self, app: App, card: vm.EventCard) -> None:
        super().__init__(app)
        self.card = card
        self.title = "Event"

    def handle(self, event: pygame.event.Event) -> None:
        if key_name(event) in ("return", "space"):
            self.close()
        else:
            super().handle(event)

    def update(self, dt: float) -> None:
        """As tall as the picture and the text need (up to the overlay's maximum), centred."""
        super().update(dt)
        m = self.m
        width = self._box.width - 2 * m.pad
        c = self.card
        text_h = (
            len(wrap(c.title, m.title, width, True)) * line_height(m.title)
            + len(wrap(c.text, m.body, width)) * line_height(m.body)
            + (len(wrap("Affects: " + ", ".join(c.affects), m.body, width)) * line_height(m.body) if c.affects else 0)
        )
        wanted = 2 * m.pad + line_height(m.small) + m.px(6) + self._picture_height() + m.px(22) + text_h
        if wanted < self._box.height:
            self._box = pygame.Rect(self._box.left, 0, self._box.width, wanted)
            self._box.centery = self.app.size[1] // 2

    def _picture_height(self) -> int:
        return min(round(self.app.size[1] * 0.25), self.m.px(180))

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        inner = self.frame(surface, "Enter closes")
        c = self.card
        pic_h = min(self._picture_height(), inner.height // 2)
        pic = pygame.Rect(inner.left, inner.top, inner.width, pic_h)
        draw_picture(surface, c.picture, pic)
        y = pic.bottom + m.px(10)
        area = pygame.Rect(inner.left, y, inner.width, inner.bottom - y)
        clip = surface.get_clip()
        surface.set_clip(area)
        y = draw_wrapped(surface, c.title, area, m.title, th.TEXT, bold=True, top=y) + m.px(4)
        y = draw_wrapped(surface, c.text, area, m.body, th.TEXT, top=y) + m.px(8)
        if c.affects:
            draw_wrapped(surface, "Affects: " + ", ".join(c.affects), area, m.body, th.ACCENT, top=y)
        surface.set_clip(clip)


class HandoverOverlay(Overlay):
    """Hot seat: an opaque screen between two players, so the next one does not see the previous orders."""

    name = "handover"
    title = "Hand over"

    def handle(self, event: pygame.event.Event) -> None:
        if key_name(event) in ("return", "space") or (event.type == pygame.MOUSEBUTTONDOWN and event.button == 1):
            self.close()

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        surface.fill(th.BG)  # hides the screen below: the previous player's orders and point of view
        g = self.app.game
        if g is None:
            return
        a = g.view.actors[g.view.player]
        w, h = self.app.size
        box = pygame.Rect(centred(w, h, 0.8, 0.6, m.px(760), m.px(260)))
        self._box = box
        pygame.draw.rect(surface, th.PANEL, box, border_radius=m.px(10))
        pygame.draw.rect(surface, a.colour, box, width=m.px(3), border_radius=m.px(10))
        y = box.top + m.px(24)
        draw_text(surface, "HOT SEAT", (box.centerx, y), m.small, th.MUTED, bold=True, anchor="midtop")
        y += line_height(m.small) + m.px(8)
        draw_text(surface, f"Pass the keyboard to {a.name}", (box.centerx, y), m.huge, th.TEXT, bold=True,
                  anchor="midtop", max_width=box.width - 2 * m.pad)  # fmt: skip
        y += line_height(m.huge) + m.px(16)
        text = (
            f"The previous player's orders are hidden. {a.name}'s player: press Enter when you are at the "
            "keyboard, choose your moves, and end your turn; the round is played once everyone has chosen."
        )
        draw_wrapped(surface, text, pygame.Rect(box.left + m.px(24), y, box.width - m.px(48), box.bottom - y),
                     m.body, th.MUTED)  # fmt: skip


class DiplomacyOverlay(ListOverlay):
    """One actor seen from the player's side: regard, interests, recent moves, and what it would accept (Enter
    proposes the chosen deal: it joins your orders)."""

    name = "diplomacy"
    max_size = (980, 680)
    empty = "No proposal or request to this actor is possible now."

    def __init__(self, app: App, actor: int) -> None:
        super().__init__(app)
        g = app.game
        assert g is not None
        self.actor = actor
        v = g.view
        self.view = vm.diplomacy_view(g.session.model, v.player, actor, v.options)
        self.title = f"Diplomacy: {self.view.actor.name}"

    @property
    def footer(self) -> str:  # type: ignore[override]
        return "↑↓ choose · Enter proposes it (it joins your orders) · ← → another actor · Esc closes"

    def header(self) -> list[tuple[str, th.RGB, bool]]:
        d = self.view
        return [
            (
                f"{d.actor.name} regards you {vm.regard_words(d.regard_of_you)} ({vm._signed(d.regard_of_you)}); "
                f"you regard it {vm.regard_words(d.your_regard)} ({vm._signed(d.your_regard)}); "
                f"alignment {vm._signed(d.alignment)}.",
                th.TEXT,
                True,
            ),
            ("What it wants: " + "; ".join(d.interests[:3]) + ".", th.MUTED, False),
            ("Recently towards you: " + "; ".join(d.recent[:3]).rstrip(".") + ".", th.MUTED, False),
            ("What it would accept now:", th.ACCENT, True),
        ]

    def rows(self) -> list[Row]:
        return [Row(f.option.label, f.why, right=vm.chance_words(f.chance)) for f in self.view.offers]

    def activate(self, k: int) -> None:
        scene = self.app.find_named("round")
        if scene is None or not self.view.offers:
            return
        option = self.view.offers[k].option
        if not scene.can_order:
            self.app.toast("You cannot give orders now.")
        elif len(scene.orders) >= scene.view.moves_per_round:
            self.app.toast(f"At most {scene.view.moves_per_round} moves a round: remove one first (Backspace)")
        elif option.order in {o.order for o in scene.orders}:
            self.app.toast("Already in your orders.")
        else:
            scene.orders.append(option)
            self.app.toast(f"Proposed: {option.label} → {option.target_name}")
            self.close()

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        g = self.app.game
        if key in ("left", "right") and g is not None:
            others = [a.index for a in g.view.actors if a.index != g.view.player]
            k = others.index(self.actor) if self.actor in others else 0
            nxt = others[(k + (1 if key == "right" else -1)) % len(others)]
            self.close()
            self.app.navigate("diplomacy", actor=nxt)
        else:
            super().handle(event)
