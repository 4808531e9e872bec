"""The event cards' illustrations: simple vector pictures from ``assets/event_pictures.json``, drawn to any size."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pygame

from sim.ui import theme as th
from sim.ui.mapdata import ASSETS

PICTURES_FILE = ASSETS / "event_pictures.json"


@cache
def pictures() -> dict[str, Any]:
    with PICTURES_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def draw_picture(surface: pygame.Surface, name: str, rect: pygame.Rect) -> None:
    """Draw picture ``name`` (or "news" when there is none of that name) fitted and centred in ``rect``."""
    data = pictures()
    shapes = data["pictures"].get(name) or data["pictures"]["news"]
    bw, bh = data["box"]
    s = min(rect.width / bw, rect.height / bh)
    ox, oy = rect.left + (rect.width - bw * s) / 2, rect.top + (rect.height - bh * s) / 2

    def pt(x: float, y: float) -> tuple[int, int]:
        return round(ox + x * s), round(oy + y * s)

    pygame.draw.rect(surface, th.mix(th.BG, th.PANEL, 0.5), rect, border_radius=max(2, round(6 * s)))
    for shape in shapes:
        colour = tuple(data["colours"].get(shape.get("colour", "ink"), th.TEXT))
        width = max(1, round(shape.get("width", 0) * s)) if shape.get("width") else 0
        if "rect" in shape:
            x, y, w, h = shape["rect"]
            r = pygame.Rect(*pt(x, y), max(1, round(w * s)), max(1, round(h * s)))
            pygame.draw.rect(surface, colour, r, width, border_radius=round(shape.get("radius", 0) * s))
        elif "circle" in shape:
            x, y, radius = shape["circle"]
            pygame.draw.circle(surface, colour, pt(x, y), max(1, round(radius * s)), width)
        elif "polygon" in shape:
            pygame.draw.polygon(surface, colour, [pt(x, y) for x, y in shape["polygon"]], width)
        elif "line" in shape:
            (x0, y0), (x1, y1) = shape["line"]
            pygame.draw.line(surface, colour, pt(x0, y0), pt(x1, y1), max(1, width))
