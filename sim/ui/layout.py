"""Where each panel goes for a window size: plain rectangles, computed without pygame (tests sample them)."""

from __future__ import annotations

from typing import NamedTuple


class Box(NamedTuple):
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def inset(self, d: int) -> Box:
        return Box(self.x + d, self.y + d, max(0, self.w - 2 * d), max(0, self.h - 2 * d))


def round_layout(width: int, height: int, scale: float) -> dict[str, Box]:
    """The round screen: status bar on top; the map over the chart and the log on the left; the move picker takes
    the whole right column (so it lists ten moves or more at 1280x720); the key bar below."""
    gap = max(6, round(8 * scale))
    top = round(52 * scale)
    bottom = round(30 * scale)
    body_y = top + gap
    body_h = height - body_y - bottom - gap
    left_w = round((width - 3 * gap) * 0.6)
    right_x = gap + left_w + gap
    right_w = width - right_x - gap
    map_h = round(body_h * 0.56)
    low_y = body_y + map_h + gap
    low_h = body_h - map_h - gap
    chart_w = round((left_w - gap) * 0.48)
    return {
        "status": Box(0, 0, width, top),
        "map": Box(gap, body_y, left_w, map_h),
        "chart": Box(gap, low_y, chart_w, low_h),
        "log": Box(gap + chart_w + gap, low_y, left_w - chart_w - gap, low_h),
        "orders": Box(right_x, body_y, right_w, body_h),
        "keys": Box(0, height - bottom, width, bottom),
    }


#: The off-screen round screen (``sim.ui.offscreen``, the learning environments' "rgb_array" frames).
FRAME_SIZE: tuple[int, int] = (1280, 720)
FRAME_MIN: tuple[int, int] = (640, 360)


def check_frame_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` as (width, height) ints; ValueError, saying what is allowed, when it is not at least FRAME_MIN."""
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height) in pixels, got {size!r}") from None
    if w < FRAME_MIN[0] or h < FRAME_MIN[1]:
        raise ValueError(f"size must be at least {FRAME_MIN[0]}x{FRAME_MIN[1]} pixels, got {w}x{h}")
    return w, h


def frame_layout(width: int, height: int, scale: float) -> dict[str, Box]:
    """The off-screen round screen: no move picker, so the event log takes the whole right column and the chart
    the whole width under the map."""
    gap = max(6, round(8 * scale))
    top = round(52 * scale)
    bottom = round(30 * scale)
    body_y = top + gap
    body_h = height - body_y - bottom - gap
    left_w = round((width - 3 * gap) * 0.58)
    right_x = gap + left_w + gap
    map_h = round(body_h * 0.6)
    return {
        "status": Box(0, 0, width, top),
        "map": Box(gap, body_y, left_w, map_h),
        "chart": Box(gap, body_y + map_h + gap, left_w, body_h - map_h - gap),
        "log": Box(right_x, body_y, width - right_x - gap, body_h),
        "footer": Box(0, height - bottom, width, bottom),  # objectives and who plays whom; no keys in a picture
    }


def centred(width: int, height: int, w_frac: float, h_frac: float, max_w: int, max_h: int) -> Box:
    w = min(round(width * w_frac), max_w)
    h = min(round(height * h_frac), max_h)
    return Box((width - w) // 2, (height - h) // 2, w, h)


def menu_layout(width: int, height: int, scale: float) -> dict[str, Box]:
    gap = round(16 * scale)
    header = round(min(110 * scale, height * 0.15))
    footer = round(min(56 * scale, height * 0.1))
    body_h = height - header - footer - gap
    list_w = round((width - 3 * gap) * 0.42)
    return {
        "header": Box(0, 0, width, header),
        "scenarios": Box(gap, header, list_w, body_h),
        "details": Box(2 * gap + list_w, header, width - 3 * gap - list_w, body_h),
        "footer": Box(0, height - footer, width, footer),
    }


def briefing_layout(width: int, height: int, scale: float) -> dict[str, Box]:
    gap = round(16 * scale)
    footer = round(64 * scale)
    content_w = min(width - 2 * gap, round(1500 * scale))
    x = (width - content_w) // 2
    text_w = round((content_w - gap) * 0.6)
    body_h = height - 2 * gap - footer
    return {
        "briefing": Box(x, gap, text_w, body_h),
        "objectives": Box(x + text_w + gap, gap, content_w - text_w - gap, body_h),
        "footer": Box(0, height - footer, width, footer),
    }


def debrief_layout(width: int, height: int, scale: float, objectives_height: int = 0) -> dict[str, Box]:
    """Outcome banner; objectives over the AI comparison on the left; the chart over the lessons on the right.

    ``objectives_height`` is what the objectives panel needs for its content; it grows up to the point where
    the comparison below keeps a readable histogram (beyond that the panel scrolls).
    """
    gap = round(12 * scale)
    header = round(120 * scale)
    footer = round(56 * scale)
    body_h = height - header - footer - gap
    left_w = round((width - 3 * gap) * 0.5)
    top_h = min(max(round(body_h * 0.52), objectives_height), body_h - gap - round(170 * scale))
    top_h = max(round(body_h * 0.3), top_h)
    chart_h = round((body_h - gap) * 0.45)
    right_x = 2 * gap + left_w
    right_w = width - 3 * gap - left_w
    y0 = header + gap // 2
    return {
        "outcome": Box(gap, gap, width - 2 * gap, header - gap),
        "objectives": Box(gap, y0, left_w, top_h),
        "distribution": Box(gap, y0 + top_h + gap, left_w, body_h - top_h - gap),
        "chart": Box(right_x, y0, right_w, chart_h),
        "lessons": Box(right_x, y0 + chart_h + gap, right_w, body_h - chart_h - gap),
        "footer": Box(0, height - footer, width, footer),
    }
