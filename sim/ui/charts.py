"""Charts drawn with pygame: the player's alignment to each power over the rounds, and the AI-runs histogram."""

from __future__ import annotations

import math

import pygame

from sim.ui import theme as th
from sim.ui.views import ActorView, Series
from sim.ui.widgets import draw_text, text_surface, text_width


def _nice_range(values: list[float]) -> tuple[float, float]:
    lo, hi = min([*values, 0.0]), max([*values, 0.0])
    lo, hi = math.floor(lo * 5) / 5, math.ceil(hi * 5) / 5
    if hi - lo < 0.4:
        hi = lo + 0.4
    return max(-1.0, lo), min(1.0, hi)


def alignment_chart(
    surface: pygame.Surface,
    rect: pygame.Rect,
    series: Series,
    actors: tuple[ActorView, ...],
    total_rounds: int,
    m: th.Metrics,
) -> None:
    """Lines of the player's alignment to each power, x = rounds 0..total, labelled at their ends."""
    size = m.small
    label_w = max((text_width(f"{actors[j].name[:14]} +0.00", size) for j, _ in series.lines), default=0) + m.px(10)
    axis_w = text_width("−0.8", size) + m.px(6)
    plot = pygame.Rect(rect.left + axis_w, rect.top + m.px(4), rect.width - axis_w - label_w, rect.height - m.px(26))
    if plot.width < 40 or plot.height < 30:
        return
    values = [v for _, line in series.lines for v in line]
    lo, hi = _nice_range(values)
    n = max(total_rounds, len(series.labels) - 1, 1)

    def pt(k: int, v: float) -> tuple[int, int]:
        return (round(plot.left + plot.width * k / n), round(plot.bottom - plot.height * (v - lo) / (hi - lo)))

    steps = round((hi - lo) / 0.2)
    for s in range(steps + 1):
        v = lo + s * 0.2
        y = pt(0, v)[1]
        colour = th.FAINT if abs(v) < 1e-9 else th.PANEL_HI
        pygame.draw.line(surface, colour, (plot.left, y), (plot.right, y), 1)
        draw_text(
            surface,
            f"{v:+.1f}".replace("-", "−") if abs(v) > 1e-9 else "0",
            (plot.left - m.px(4), y),
            size,
            th.MUTED,
            anchor="midright",
        )
    every = max(1, math.ceil(n / max(1, plot.width // m.px(64))))
    for k in range(0, n + 1, every):
        x = pt(k, lo)[0]
        pygame.draw.line(surface, th.PANEL_HI, (x, plot.bottom), (x, plot.bottom + m.px(3)), 1)
        text = "start" if k == 0 else str(k)
        draw_text(surface, text, (x, plot.bottom + m.px(4)), size, th.MUTED, anchor="midtop")
    for k in series.forks:
        if 0 <= k <= n:
            x = pt(k, lo)[0]
            for y in range(plot.top, plot.bottom, m.px(8)):
                pygame.draw.line(surface, th.ACCENT_DIM, (x, y), (x, min(plot.bottom, y + m.px(4))), 1)
    ends: list[tuple[int, str, th.RGB]] = []
    for j, line in series.lines:
        colour = actors[j].colour
        pts = [pt(k, v) for k, v in enumerate(line)]
        if len(pts) >= 2:
            pygame.draw.lines(surface, colour, False, pts, m.px(2))
        for p in pts[-1:]:
            pygame.draw.circle(surface, colour, p, m.px(4))
        if pts:
            ends.append((pts[-1][1], f"{actors[j].name[:14]} {line[-1]:+.2f}".replace("-", "−"), colour))
    # End labels, spread so they never overlap.
    lh = text_surface("Ag", size, th.TEXT).get_height()
    ends.sort()
    placed: list[int] = []
    for wanted, _, _ in ends:
        placed.append(max(wanted, placed[-1] + lh) if placed else wanted)
    overflow = (placed[-1] + lh // 2 - plot.bottom) if placed else 0
    if overflow > 0:
        placed = [y - overflow for y in placed]
    x_end = pt(len(series.labels) - 1, lo)[0] + m.px(8)
    for (_, text, colour), y in zip(ends, placed, strict=True):
        draw_text(surface, text, (x_end, y), size, colour, anchor="midleft", max_width=rect.right - x_end)


def histogram(
    surface: pygame.Surface,
    rect: pygame.Rect,
    sample: list[float],
    marker: float | None,
    lo: float,
    hi: float,
    m: th.Metrics,
    unit: str = "",
    bins: int = 20,
) -> None:
    """Bars of the sample between lo and hi, and the player's value as an orange marker."""
    size = m.small
    plot = pygame.Rect(rect.left, rect.top + m.px(18), rect.width, rect.height - m.px(40))
    if plot.width < 40 or plot.height < 20:
        return
    pygame.draw.line(surface, th.FAINT, plot.bottomleft, plot.bottomright, 1)
    if hi <= lo:
        hi = lo + 1.0
    counts = [0] * bins
    for v in sample:
        k = min(bins - 1, max(0, int((v - lo) / (hi - lo) * bins)))
        counts[k] += 1
    top = max(counts) or 1
    bw = plot.width / bins
    for k, c in enumerate(counts):
        if c:
            h = round(plot.height * c / top)
            bar = pygame.Rect(round(plot.left + k * bw) + 1, plot.bottom - h, max(1, round(bw) - 2), h)
            pygame.draw.rect(
                surface, th.mix(th.ALIGN_POS, th.PANEL, 0.25), bar, border_top_left_radius=2, border_top_right_radius=2
            )
    for v in (lo, (lo + hi) / 2, hi):
        x = round(plot.left + plot.width * (v - lo) / (hi - lo))
        draw_text(
            surface,
            f"{v:.0f}{unit}",
            (x, plot.bottom + m.px(4)),
            size,
            th.MUTED,
            anchor="midtop" if v not in (lo, hi) else ("topleft" if v == lo else "topright"),
        )
    if marker is not None:
        x = round(plot.left + plot.width * (min(max(marker, lo), hi) - lo) / (hi - lo))
        pygame.draw.line(surface, th.ACCENT, (x, plot.top - m.px(4)), (x, plot.bottom), m.px(3))
        label = text_surface("you", size, th.ACCENT, True)
        r = label.get_rect(midbottom=(x, plot.top - m.px(4)))
        r.clamp_ip(rect)
        surface.blit(label, r)
