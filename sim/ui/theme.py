"""The look: a colour-blind-safe palette, the shipped DejaVu Sans fonts, and sizes that scale with the window."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pygame

from sim.ui.mapdata import ASSETS

FONT_DIR: Path = ASSETS / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

RGB = tuple[int, int, int]

# Dark slate UI; the accent is Okabe-Ito orange, the one Okabe-Ito hue the base scenario's actors do not use.
BG: RGB = (14, 20, 30)
PANEL: RGB = (23, 32, 45)
PANEL_HI: RGB = (31, 43, 60)
BORDER: RGB = (48, 64, 86)
TEXT: RGB = (232, 238, 245)
MUTED: RGB = (150, 165, 184)
FAINT: RGB = (95, 110, 130)
ACCENT: RGB = (230, 159, 0)
ACCENT_DIM: RGB = (120, 86, 12)
GOOD: RGB = (86, 180, 233)  # Okabe-Ito sky blue: met / positive
BAD: RGB = (230, 97, 1)  # PuOr orange: missed / negative
WATER: RGB = (12, 24, 38)
LAND: RGB = (38, 52, 70)
LAND_EDGE: RGB = (58, 76, 98)
SHADOW: RGB = (0, 0, 0)

# Alignment on links: PuOr-like diverging scale (colour-blind safe); negative links are also dashed.
ALIGN_NEG: RGB = (230, 97, 1)
ALIGN_MID: RGB = (120, 130, 145)
ALIGN_POS: RGB = (150, 130, 230)

#: User-chosen text size multipliers (Settings): a class projector needs large text.
TEXT_SIZES: dict[str, float] = {"normal": 1.0, "large": 1.2, "huge": 1.4}


def next_text_size(current: str, step: int = 1) -> str:
    """The text size after ``current`` (normal → large → huge → normal), or before it for a negative step."""
    sizes = list(TEXT_SIZES)
    k = sizes.index(current) if current in sizes else 0
    return sizes[(k + step) % len(sizes)]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    t = max(0.0, min(1.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def alignment_colour(value: float) -> RGB:
    """Diverging colour of an alignment in -1..1 (grey at 0)."""
    if value >= 0:
        return mix(ALIGN_MID, ALIGN_POS, min(1.0, value / 0.6))
    return mix(ALIGN_MID, ALIGN_NEG, min(1.0, -value / 0.6))


def readable_on(colour: RGB) -> RGB:
    """Black or white text, whichever reads better on ``colour``."""
    r, g, b = colour
    return (10, 14, 20) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else TEXT


@cache
def font(size: int, bold: bool = False) -> pygame.font.Font:
    """The shipped DejaVu Sans at ``size`` pixels (never a system font)."""
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(str(FONT_BOLD if bold else FONT_REGULAR), max(8, size))


@dataclass(frozen=True, slots=True)
class Metrics:
    """Sizes for one window size and text setting: everything scales from the 1280x720 design."""

    scale: float

    @classmethod
    def for_size(cls, width: int, height: int, text_size: str = "normal") -> Metrics:
        base = min(width / 1280.0, height / 720.0)
        return cls(max(0.7, min(2.2, base)) * TEXT_SIZES.get(text_size, 1.0))

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    @property
    def body(self) -> int:
        return self.px(14)

    @property
    def small(self) -> int:
        return self.px(12)

    @property
    def title(self) -> int:
        return self.px(20)

    @property
    def huge(self) -> int:
        return self.px(34)

    @property
    def pad(self) -> int:
        return self.px(10)
