"""The debrief: outcome, objectives met or missed, score and grade, the whole game's chart, the AI-runs comparison,
the moves that mattered most (with counterfactuals) and what actually happened 2016–2020 beside the game."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import pygame

from sim.ui import theme as th
from sim.ui import viewmodel as vm
from sim.ui.charts import alignment_chart, histogram
from sim.ui.glossary import explain
from sim.ui.layout import debrief_layout
from sim.ui.scenes.base import Scene, key_name
from sim.ui.widgets import (
    Button,
    draw_text,
    draw_tooltip,
    draw_wrapped,
    line_height,
    panel,
    scrollbar,
    wrapped_height,
)

if TYPE_CHECKING:
    from sim.ui.app import App


class DebriefScene(Scene):
    name = "debrief"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        assert app.game is not None
        session = app.game.session
        self.view = vm.debrief_view(session)
        self.round_view = app.game.view
        self._rects: dict[str, pygame.Rect] = {}
        self.scroll = {"objectives": 0, "lessons": 0}
        self.terms: dict[str, pygame.Rect] = {}  # glossary terms on screen (hover explains them)
        self._content = {"objectives": 0, "lessons": 0}
        who = session.log.player or session.setup.actor_ids[session.setup.scoring.focal]
        self.history = vm.history_beside(session.model, session.setup.index(who))
        self.lessons: tuple[str, ...] | None = None  # the moves that mattered, computed off the draw path
        self._lessons_done = threading.Event()

        game = app.game

        def work() -> None:
            try:
                self.lessons = game.counterfactuals(who) if session.log.player else ()
            except Exception as exc:  # a failed replay must not take the debrief down
                self.lessons = (f"The moves that mattered could not be worked out: {exc}",)
            self._lessons_done.set()

        threading.Thread(target=work, name="pivot-lessons", daemon=True).start()

    def wait_for_lessons(self, timeout: float | None = None) -> None:
        """Block until the counterfactual replays are done (tests and the screenshot tool only)."""
        self._lessons_done.wait(timeout)

    def to_menu(self) -> None:
        self.app.to_menu()

    def back(self) -> None:
        self.app.pop()

    def rewind(self) -> None:
        self.app.navigate("rewind")

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        if key == "return":
            self.to_menu()
        elif key in ("b", "escape"):
            self.back()
        elif key == "r":
            self.rewind()
        elif key == "ctrl+s":
            self.app.save_game()
        elif event.type == pygame.MOUSEWHEEL:
            pos = self.pointer()
            for name in self.scroll:
                if self._rects.get(name, pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
                    self.scroll[name] -= event.y * self.m.px(40)
        elif key in ("page down", "page up", "down", "up"):
            step = self.m.px(160 if key.startswith("page") else 40) * (1 if key in ("page down", "down") else -1)
            self.scroll["lessons"] += step
        else:
            super().handle(event)
        for name in self.scroll:
            page = self._rects[name].height - 2 * self.m.pad if name in self._rects else 0
            self.scroll[name] = max(0, min(self.scroll[name], max(0, self._content[name] - page)))

    def comparison(self) -> tuple[list[float], float, str, str]:
        """(sample, the player's value, unit, what is compared) from the background AI-only runs so far."""
        g = self.app.game
        results = g.baseline.poll() if g is not None and g.baseline is not None else []
        if self.view.has_objectives:
            return [r.score for r in results], self.view.score, "", "objective score"
        return [r.utility for r in results], self.view.utility, "", "utility gain"

    def update(self, dt: float) -> None:
        m = self.m
        w, h = self.app.size
        self._rects = {k: pygame.Rect(b) for k, b in debrief_layout(w, h, m.scale, self._objectives_height()).items()}
        footer = self._rects["footer"]
        bh, gap = m.px(42), m.px(8)
        bw = min(m.px(240), (w - 2 * m.px(16) - 3 * gap) // 4)
        specs: list[tuple[str, str, str, Callable[[], object], bool]] = [
            ("back", "Back to the map", "B", self.back, False),
            ("rewind", "Rewind and try again", "R", self.rewind, False),
            ("save", "Save", "Ctrl+S", self.app.save_game, False),
            ("menu", "Title menu", "Enter", self.to_menu, True),
        ]
        x = w - m.px(16) - len(specs) * bw - (len(specs) - 1) * gap
        self.buttons = [
            Button(
                bid,
                label,
                pygame.Rect(x + k * (bw + gap), footer.centery - bh // 2, bw, bh),
                act,
                key=key,
                primary=primary,
            )
            for k, (bid, label, key, act, primary) in enumerate(specs)
        ]

    def panels(self) -> dict[str, pygame.Rect]:
        return {k: self._rects[k] for k in ("outcome", "objectives", "distribution", "chart", "lessons", "footer")}

    def cache_key(self) -> tuple | None:
        """What the picture shows: the lessons (once replayed), the scrolling, the AI games done so far, the hovered
        button and glossary term (the app shows the previous frame while it is unchanged)."""
        g = self.app.game
        base = g.baseline if g is not None else None
        pos = self.pointer()
        term = next((t for t, r in self.terms.items() if r.collidepoint(pos)), "")
        runs = (len(base.poll()), base.error) if base is not None else None
        rects = tuple((k, tuple(r)) for k, r in self._rects.items())
        return (self.lessons, tuple(self.scroll.values()), runs, self.hovered(), term, rects)

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        if not self._rects:
            self.update(0.0)
        v = self.view
        # Outcome banner.
        r = self._rects["outcome"]
        pygame.draw.rect(surface, th.PANEL, r, border_radius=m.px(10))
        pygame.draw.rect(
            surface,
            v.actor.colour,
            (r.left, r.top, m.px(8), r.height),
            border_top_left_radius=m.px(10),
            border_bottom_left_radius=m.px(10),
        )
        self.terms = {}
        x = r.left + m.px(28)
        ended = f" — ended early: {v.ended_by_event}" if v.ended_by_event else ""
        draw_text(
            surface,
            f"DEBRIEF · {v.actor.name.upper()} · {v.title}{ended}",
            (x, r.top + m.px(14)),
            m.small,
            th.MUTED,
            bold=True,
            max_width=r.width - m.px(300),
        )
        self.terms["Outcome"] = draw_text(
            surface,
            v.outcome[:1].upper() + v.outcome[1:],
            (x, r.top + m.px(34)),
            m.huge,
            th.TEXT,
            bold=True,
            max_width=r.width - m.px(320),
        )
        forks = f" · {len(v.forks)} rewind(s)" if v.forks else ""
        flag = f" · ⚑ you also played {', '.join(v.also_played)}" if v.also_played else ""
        draw_text(
            surface,
            f"after {v.rounds_played} round{'' if v.rounds_played == 1 else 's'}{forks}{flag}",
            (x, r.bottom - m.px(12)),
            m.body,
            th.BAD if flag else th.MUTED,
            anchor="bottomleft",
            max_width=r.width - m.px(300),
        )
        grade_box = pygame.Rect(r.right - m.px(260), r.top + m.px(12), m.px(244), r.height - m.px(24))
        pygame.draw.rect(surface, th.PANEL_HI, grade_box, border_radius=m.px(8))
        if v.has_objectives:
            draw_text(
                surface,
                v.grade,
                (grade_box.left + m.px(20), grade_box.centery),
                m.px(52),
                th.ACCENT,
                bold=True,
                anchor="midleft",
            )
            draw_text(
                surface,
                f"{v.score:.0f} / 100",
                (grade_box.right - m.px(16), grade_box.centery - m.px(2)),
                m.title,
                th.TEXT,
                bold=True,
                anchor="bottomright",
            )
            draw_text(
                surface,
                "score",
                (grade_box.right - m.px(16), grade_box.centery + m.px(4)),
                m.small,
                th.MUTED,
                anchor="topright",
            )
        else:
            draw_text(
                surface,
                f"{v.utility:+.1f}".replace("-", "−"),
                (grade_box.centerx, grade_box.centery - m.px(2)),
                m.px(30),
                th.ACCENT,
                bold=True,
                anchor="midbottom",
            )
            draw_text(
                surface,
                "utility gained, points",
                (grade_box.centerx, grade_box.centery + m.px(4)),
                m.small,
                th.MUTED,
                anchor="midtop",
                max_width=grade_box.width - m.px(12),
            )
        self._draw_objectives(surface)
        self._draw_distribution(surface)
        inner = panel(
            surface,
            self._rects["chart"],
            m,
            f"{v.actor.name}'s alignment with the powers, whole game",
            "dashed: rewinds" if v.forks else "",
        )
        alignment_chart(surface, inner, v.series, self.round_view.actors, max(1, len(v.series.labels) - 1), m)
        self._draw_lessons(surface)
        self.draw_buttons(surface)
        pos = self.pointer()
        term = next((t for t, r in self.terms.items() if r.collidepoint(pos)), "")
        if term:  # the glossary's explanation of the term under the mouse
            draw_tooltip(surface, self.terms[term], term.split(" (")[0], explain(term), m)

    def _draw_lessons(self, surface: pygame.Surface) -> None:
        """The three moves that mattered most (counterfactual replays) and the real 2016–2020 beside this game."""
        m = self.m
        inner = panel(surface, self._rects["lessons"], m, "What mattered, and what really happened", "wheel scrolls")
        clip = surface.get_clip()
        surface.set_clip(inner)
        top = inner.top - self.scroll["lessons"]
        width = inner.width - m.px(10)
        y = top
        draw_text(surface, "THE MOVES THAT MATTERED MOST", (inner.left, y), m.small, th.ACCENT, bold=True)
        y += line_height(m.small) + m.px(4)
        if self.lessons is None:
            texts: tuple[str, ...] = ("Replaying the game without each of your moves…",)
        elif not self.lessons:
            texts = ("You watched the AI: there are no moves of yours to weigh.",)
        else:
            texts = self.lessons
        for text in texts:
            y = draw_wrapped(surface, text, pygame.Rect(inner.left, y, width, 10**6), m.body, th.TEXT) + m.px(6)
        if self.history:
            y += m.px(6)
            draw_text(surface, "2016–2020: THE REAL TREND BESIDE YOUR GAME", (inner.left, y), m.small, th.ACCENT,
                      bold=True)  # fmt: skip
            y += line_height(m.small) + m.px(4)
            for text, shown in self.history:
                mark, colour = ("✓ your game too", th.GOOD) if shown else ("✗ not in your game", th.BAD)
                area = pygame.Rect(inner.left, y, width, 10**6)
                y = draw_wrapped(surface, f"In reality {text}.", area, m.body, th.TEXT)
                draw_text(surface, mark, (inner.left + m.px(14), y), m.small, colour)
                y += line_height(m.small) + m.px(6)
            for fact, source in vm.HISTORY_2016_2020:
                area = pygame.Rect(inner.left, y, width, 10**6)
                y = draw_wrapped(surface, f"{fact} ({source})", area, m.small, th.MUTED) + m.px(4)
        self._content["lessons"] = y - top
        surface.set_clip(clip)
        scrollbar(surface, inner, self.scroll["lessons"], self._content["lessons"], m)

    def _objectives_height(self) -> int:
        """Height the objectives panel needs (title, objectives, start/end table), laid out as _draw_objectives does."""
        m = self.m
        w, _ = self.app.size
        width = debrief_layout(w, 720, m.scale)["objectives"][2] - 2 * m.pad
        height = 2 * m.pad + line_height(m.small) + m.px(6)
        for o in self.view.objectives:
            height += m.px(2) + wrapped_height(o.description, m.body, width - m.px(28))
            height += line_height(m.small) + m.px(10)
        height += line_height(m.small) + m.px(2) + len(self.view.position) * (line_height(m.body) + m.px(4))
        return height

    def _draw_objectives(self, surface: pygame.Surface) -> None:
        m = self.m
        v = self.view
        inner = panel(surface, self._rects["objectives"], m, "Objectives and your position")
        y = inner.top - self.scroll["objectives"]
        top = y
        clip = surface.get_clip()
        surface.set_clip(inner)
        if not v.objectives:
            y = draw_wrapped(
                surface,
                "This scenario set no objectives for you, so your result is the utility you "
                "gained: the interests in your briefing, weighed as the AI weighs them.",
                inner,
                m.body,
                th.MUTED,
            ) + m.px(10)
        for o in v.objectives:
            mark, colour, word = ("✓", th.GOOD, "met") if o.met else ("✗", th.BAD, "missed")
            draw_text(surface, mark, (inner.left, y), m.title, colour, bold=True)
            area = pygame.Rect(inner.left + m.px(28), y, inner.width - m.px(28), inner.bottom - y)
            y = draw_wrapped(surface, o.description, area, m.body, th.TEXT, top=y + m.px(2))
            draw_text(
                surface,
                f"{word} · held in {o.rounds_held} rounds · weight {o.weight:g}",
                (area.left, y),
                m.small,
                colour,
            )
            y += line_height(m.small) + m.px(10)
        # The player's indices, start -> end.
        col = [inner.left, inner.left + round(inner.width * 0.55), inner.left + round(inner.width * 0.78)]
        for k, head in enumerate(("", "START", "END")):
            draw_text(surface, head, (col[k], y), m.small, th.MUTED, bold=True)
        y += line_height(m.small) + m.px(2)
        for label, start, end in v.position:
            r = draw_text(surface, label, (col[0], y), m.body, th.MUTED, max_width=col[1] - col[0] - m.px(8))
            if explain(label) and r.colliderect(inner):
                self.terms[label] = r.clip(inner)
            draw_text(surface, start, (col[1], y), m.body, th.TEXT, max_width=col[2] - col[1] - m.px(8))
            draw_text(surface, end, (col[2], y), m.body, th.TEXT, bold=True, max_width=inner.right - col[2])
            y += line_height(m.body) + m.px(4)
        self._content["objectives"] = y - top
        surface.set_clip(clip)
        scrollbar(surface, inner, self.scroll["objectives"], self._content["objectives"], m)

    def _draw_distribution(self, surface: pygame.Surface) -> None:
        m = self.m
        g = self.app.game
        inner = panel(surface, self._rects["distribution"], m, "You against the AI")
        if g is None or g.baseline is None:
            draw_wrapped(surface, "The AI comparison is switched off in Settings.", inner, m.body, th.MUTED)
            return
        sample, mine, unit, what = self.comparison()
        total = g.baseline.total
        if g.baseline.error:
            draw_wrapped(surface, g.baseline.error, inner, m.body, th.BAD)
            return
        if not sample:
            draw_wrapped(
                surface, f"Playing {total} AI-only games of this scenario in the background…", inner, m.body, th.MUTED
            )
            return
        done = "" if len(sample) >= total else f" ({len(sample)} of {total} done…)"
        text = vm.standing(mine, sample, what, self.view.actor.name) + done
        if self.view.also_played:
            text = (
                f"Not like for like: you also controlled {', '.join(self.view.also_played)} in this game, "
                f"while the AI played them in the games compared. {text}"
            )
        y = draw_wrapped(surface, text, inner, m.body, th.TEXT)
        if self.view.has_objectives:
            lo, hi = 0.0, 100.0
        else:
            lo, hi = min([*sample, mine]), max([*sample, mine])
            pad = max(1.0, (hi - lo) * 0.1)
            lo, hi = lo - pad, hi + pad
        chart = pygame.Rect(inner.left, y + m.px(4), inner.width, inner.bottom - y - m.px(4))
        histogram(surface, chart, sample, mine, lo, hi, m, unit)
