"""Panels shared by the round screen and the off-screen frames (sim.ui.offscreen): status bar, log, footer.

They read a :class:`~sim.ui.viewmodel.RoundView` only and draw it; nothing here changes the game.
"""

from __future__ import annotations

from collections.abc import Iterator

import pygame

from sim.ui import theme as th
from sim.ui.views import RoundView
from sim.ui.widgets import (
    delta_text,
    draw_text,
    line_height,
    note_text,
    panel,
    panel_inner,
    scrollbar,
    text_surface,
    text_width,
    wrap,
)


def draw_status(
    surface: pygame.Surface,
    r: pygame.Rect,
    v: RoundView,
    m: th.Metrics,
    mode: str,
    mode_colour: th.RGB,
    terms: dict[str, pygame.Rect] | None = None,
) -> None:
    """The status bar: scenario, quarter and round on the left, indicator chips, score and ``mode`` on the right.

    ``terms`` (when given) receives each chip's rectangle by its glossary term, for hover explanations.
    """
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
    if terms is not None:
        terms["Score"] = g_rect
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
        if terms is not None:
            terms[label.split()[0]] = pygame.Rect(cx, r.top, lw - m.px(12), r.height)
        cx += lw


def draw_log(
    surface: pygame.Surface, rect: pygame.Rect, v: RoundView, m: th.Metrics, scroll: int = 0, hint: str = ""
) -> tuple[pygame.Rect, int]:
    """The event log panel, newest round first, each move with its reason; returns (content rect, content height)."""
    title = "What happened and why"
    if text_width(title.upper(), m.small, True) + text_width(hint, m.small) + 3 * m.pad > rect.width:
        title = "What happened"
    inner = panel(surface, rect, m, title, hint)
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
                note_text(surface, t, (text_x, yy), m.body, bold)
                yy += line_height(m.body)
            for t in reason:
                surface.blit(text_surface(t, m.small, th.MUTED), (text_x, yy))
                note_text(surface, t, (text_x, yy), m.small)
                yy += line_height(m.small)
        y += h
    content = y + scroll - inner.top
    surface.set_clip(clip)
    scrollbar(surface, inner, scroll, content, m)
    return inner, content


def prepare_log(rect: pygame.Rect, v: RoundView, m: th.Metrics) -> Iterator[None]:
    """Wrap the log's lines as :func:`draw_log` will, and render those shown at its top, a line a step.

    Only warms the text caches (the next ``draw_log`` of ``v`` then wraps and renders nothing new); lines already
    cached from an earlier round cost nothing, so a step is one new line.
    """
    inner = panel_inner(rect, m)
    width = inner.width - m.px(10) - m.px(16)  # as in draw_log: the chip and its gap
    y = inner.top
    for line in v.log:
        if line.kind == "header":
            y += line_height(m.small) + m.px(6)
            continue
        bold = line.kind in ("move", "event")
        colour = th.ACCENT if line.kind in ("fork", "control") else th.TEXT if line.applied else th.FAINT
        lines = wrap(line.text, m.body, width, bold)
        reason = wrap(line.reason, m.small, width) if line.reason else []
        if y < inner.bottom:
            for t in lines:
                text_surface(t, m.body, colour, bold)
            for t in reason:
                text_surface(t, m.small, th.MUTED)
        y += len(lines) * line_height(m.body) + len(reason) * line_height(m.small) + m.px(4)
        yield


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
