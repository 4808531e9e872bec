"""Drawing pieces shared by the scenes: cached text, wrapped and Markdown-light text, panels, buttons, lists."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pygame

from sim.ui import glossary, markup
from sim.ui import theme as th

RGB = th.RGB
_TEXT_CACHE: dict[tuple[str, int, bool, RGB], pygame.Surface] = {}
_WRAP_CACHE: dict[tuple[str, int, int, bool], list[str]] = {}
_CACHE_LIMIT = 4000  # rendered strings kept; a frame re-renders nothing it drew before


def clear_caches() -> None:
    """Forget rendered text (fonts and surfaces die with pygame.quit(); a new window starts afresh)."""
    _TEXT_CACHE.clear()
    _WRAP_CACHE.clear()
    _WIDTH_CACHE.clear()
    _ELLIPSIS_CACHE.clear()
    _SHADES.clear()
    th.font.cache_clear()


def text_surface(text: str, size: int, colour: RGB = th.TEXT, bold: bool = False) -> pygame.Surface:
    key = (text, size, bold, colour)
    surf = _TEXT_CACHE.get(key)
    if surf is None:
        if len(_TEXT_CACHE) > _CACHE_LIMIT:
            _TEXT_CACHE.clear()
        surf = th.font(size, bold).render(text, True, colour)
        _TEXT_CACHE[key] = surf
    return surf


_WIDTH_CACHE: dict[tuple[str, int, bool], int] = {}
_ELLIPSIS_CACHE: dict[tuple[str, int, int, bool], str] = {}


def text_width(text: str, size: int, bold: bool = False) -> int:
    key = (text, size, bold)
    w = _WIDTH_CACHE.get(key)
    if w is None:
        if len(_WIDTH_CACHE) > 4 * _CACHE_LIMIT:
            _WIDTH_CACHE.clear()
        w = _WIDTH_CACHE[key] = th.font(size, bold).size(text)[0]
    return w


def line_height(size: int) -> int:
    return th.font(size).get_linesize()


def ellipsize(text: str, size: int, width: int, bold: bool = False) -> str:
    if text_width(text, size, bold) <= width:
        return text
    key = (text, size, width, bold)
    cut = _ELLIPSIS_CACHE.get(key)
    if cut is None:
        if len(_ELLIPSIS_CACHE) > _CACHE_LIMIT:
            _ELLIPSIS_CACHE.clear()
        lo, hi = 0, len(text)  # the longest prefix that fits with the ellipsis (widths grow with length)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if th.font(size, bold).size(text[:mid] + "…")[0] <= width:
                lo = mid
            else:
                hi = mid - 1
        cut = _ELLIPSIS_CACHE[key] = text[:lo] + "…" if lo else ""
    return cut


#: A glossary term on screen: where it was drawn and the glossary entry that explains it.
TermSpot = tuple[pygame.Rect, str]
#: While a scene's picture is drawn (see :func:`collect_terms`): the surface drawn on and the terms found there.
_TERM_SINKS: list[tuple[pygame.Surface, list[TermSpot]]] = []


@contextlib.contextmanager
def collect_terms(surface: pygame.Surface) -> Iterator[list[TermSpot]]:
    """Record where every glossary term is drawn on ``surface`` inside the block (text, wrapped text, markup).

    The app draws each scene inside this, so hovering any term the scene shows explains it, in every scene.
    Text drawn elsewhere (a layer blitted later) is not recorded: its positions would be the layer's.
    """
    found: list[TermSpot] = []
    _TERM_SINKS.append((surface, found))
    try:
        yield found
    finally:
        _TERM_SINKS.pop()


def note_terms(spots: list[TermSpot]) -> None:
    """Record terms drawn earlier (a cached layer's) as if they were drawn now."""
    if _TERM_SINKS:
        _TERM_SINKS[-1][1].extend(spots)


def note_text(surface: pygame.Surface, text: str, topleft: tuple[int, int], size: int, bold: bool = False) -> None:
    """Record the glossary terms in one line of text drawn at ``topleft`` (nothing when no scene is collecting)."""
    if not _TERM_SINKS or _TERM_SINKS[-1][0] is not surface:
        return
    spans = glossary.find_terms(text)
    if not spans:
        return
    clip = surface.get_clip()
    height = line_height(size)
    for start, end, term in spans:
        x0 = topleft[0] + text_width(text[:start], size, bold)
        x1 = topleft[0] + text_width(text[:end], size, bold)
        spot = pygame.Rect(x0, topleft[1], x1 - x0, height).clip(clip)
        if spot.width > 0 and spot.height > 0:
            _TERM_SINKS[-1][1].append((spot, term))


def draw_text(
    surface: pygame.Surface,
    text: str,
    pos: tuple[int, int],
    size: int,
    colour: RGB = th.TEXT,
    *,
    bold: bool = False,
    anchor: str = "topleft",
    max_width: int | None = None,
) -> pygame.Rect:
    """Draw one line (cut with an ellipsis to ``max_width``); returns the rectangle drawn."""
    if max_width is not None:
        text = ellipsize(text, size, max(0, max_width), bold)
    surf = text_surface(text, size, colour, bold)
    rect = surf.get_rect(**{anchor: pos})
    surface.blit(surf, rect)
    if _TERM_SINKS:
        note_text(surface, text, rect.topleft, size, bold)
    return rect


def wrap(text: str, size: int, width: int, bold: bool = False) -> list[str]:
    key = (text, size, width, bold)
    lines = _WRAP_CACHE.get(key)
    if lines is None:
        if len(_WRAP_CACHE) > _CACHE_LIMIT:
            _WRAP_CACHE.clear()
        lines = markup.wrap_plain(text, max(1, width), lambda t: text_width(t, size, bold))
        _WRAP_CACHE[key] = lines
    return lines


def draw_wrapped(
    surface: pygame.Surface,
    text: str,
    rect: pygame.Rect,
    size: int,
    colour: RGB = th.TEXT,
    *,
    bold: bool = False,
    top: int | None = None,
) -> int:
    """Draw text wrapped inside ``rect`` starting at ``top``; returns the y below the last line (clipped)."""
    y = rect.top if top is None else top
    lh = line_height(size)
    clip = surface.get_clip()
    surface.set_clip(rect.clip(clip) if clip else rect)
    for line in wrap(text, size, rect.width, bold):
        if y > rect.bottom:
            break
        surface.blit(text_surface(line, size, colour, bold), (rect.left, y))
        note_text(surface, line, (rect.left, y), size, bold)
        y += lh
    surface.set_clip(clip)
    return y


def wrapped_height(text: str, size: int, width: int, bold: bool = False) -> int:
    return len(wrap(text, size, width, bold)) * line_height(size)


_MARKUP_SIZES = {"h1": 1.55, "h2": 1.18, "p": 1.0, "bullet": 1.0, "gap": 1.0}


def markup_lines(text: str, size: int, width: int) -> list[markup.Line]:
    def measure(t: str, bold: bool, kind: markup.BlockKind) -> int:
        return text_width(t, round(size * _MARKUP_SIZES[kind]), bold or kind in ("h1", "h2"))

    return markup.layout(text, width, measure, indent=round(size * 1.4))


def draw_markup(surface: pygame.Surface, text: str, rect: pygame.Rect, size: int, scroll: int = 0) -> int:
    """Draw Markdown-light text inside ``rect`` (clipped), scrolled up by ``scroll`` pixels; returns its height."""
    clip = surface.get_clip()
    surface.set_clip(rect.clip(clip) if clip else rect)
    y = rect.top - scroll
    indent = round(size * 1.4)
    for line in markup_lines(text, size, rect.width):
        s = round(size * _MARKUP_SIZES[line.kind])
        lh = th.font(s).get_linesize()
        if line.kind == "gap":
            y += lh // 2
            continue
        if line.kind in ("h1", "h2") and line.first and y > rect.top - scroll:
            y += lh // 3
        x = rect.left
        if line.kind == "bullet":
            if line.first:
                pygame.draw.circle(surface, th.ACCENT, (x + indent // 3, y + lh // 2), max(2, size // 5))
            x += indent
        colour = th.ACCENT if line.kind == "h2" else th.TEXT
        for run in line.runs:
            bold = run.bold or line.kind in ("h1", "h2")
            surf = text_surface(run.text, s, colour, bold)
            surface.blit(surf, (x, y))
            note_text(surface, run.text, (x, y), s, bold)
            x += surf.get_width()
        y += lh
    surface.set_clip(clip)
    return y + scroll - rect.top


def panel_inner(rect: pygame.Rect, m: th.Metrics, titled: bool = True) -> pygame.Rect:
    """The content rectangle :func:`panel` returns for ``rect``, known at layout time (before any drawing)."""
    inner = rect.inflate(-2 * m.pad, -2 * m.pad)
    if titled:
        head = line_height(m.small) + m.px(6)
        inner = pygame.Rect(inner.left, inner.top + head, inner.width, inner.height - head)
    return inner


def panel(surface: pygame.Surface, rect: pygame.Rect, m: th.Metrics, title: str = "", hint: str = "") -> pygame.Rect:
    """A rounded panel with an optional title row; returns the content rectangle inside it."""
    radius = m.px(8)
    pygame.draw.rect(surface, th.PANEL, rect, border_radius=radius)
    pygame.draw.rect(surface, th.BORDER, rect, width=1, border_radius=radius)
    inner = rect.inflate(-2 * m.pad, -2 * m.pad)
    if title:
        size = m.small
        draw_text(
            surface,
            title.upper(),
            (inner.left, inner.top),
            size,
            th.MUTED,
            bold=True,
            max_width=inner.width - (text_width(hint, size) + m.pad if hint else 0),
        )
        if hint:
            draw_text(surface, hint, (inner.right, inner.top), size, th.FAINT, anchor="topright")
        head = line_height(size) + m.px(6)
        inner = pygame.Rect(inner.left, inner.top + head, inner.width, inner.height - head)
    return inner


@dataclass(slots=True)
class Button:
    """A clickable, keyboard-reachable control. ``action`` runs on click (scenes call it in handle(), never in draw)."""

    id: str
    label: str
    rect: pygame.Rect
    action: Callable[[], object] | None = None  # its result, if any, is ignored
    key: str = ""  # the key hint shown on the button, e.g. "Enter"
    enabled: bool = True
    primary: bool = False
    colour: RGB | None = None  # a chip of this colour (actors)
    selected: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    def hit(self, pos: tuple[int, int]) -> bool:
        return self.enabled and self.rect.collidepoint(pos)


def draw_button(surface: pygame.Surface, b: Button, m: th.Metrics, hover: bool = False) -> None:
    radius = m.px(6)
    if not b.enabled:
        fill, fg, edge = th.PANEL, th.FAINT, th.BORDER
    elif b.primary:
        fill, fg, edge = (th.mix(th.ACCENT, (255, 255, 255), 0.12) if hover else th.ACCENT), (20, 16, 8), th.ACCENT
    elif b.selected:
        fill, fg, edge = th.PANEL_HI, th.TEXT, th.ACCENT
    else:
        fill, fg, edge = (th.PANEL_HI if hover else th.mix(th.PANEL, th.PANEL_HI, 0.5)), th.TEXT, th.BORDER
    pygame.draw.rect(surface, fill, b.rect, border_radius=radius)
    pygame.draw.rect(surface, edge, b.rect, width=2 if (b.selected or hover) and b.enabled else 1, border_radius=radius)
    size = m.body
    x = b.rect.left + m.pad
    if b.colour is not None:
        chip = pygame.Rect(x, b.rect.centery - m.px(6), m.px(12), m.px(12))
        pygame.draw.rect(surface, b.colour, chip, border_radius=m.px(3))
        x = chip.right + m.px(8)
    key_w = 0
    if b.key:
        ks = m.small
        key_surf = text_surface(b.key, ks, fg if b.primary else th.MUTED)
        key_w = key_surf.get_width() + m.px(10)
        box = pygame.Rect(0, 0, key_surf.get_width() + m.px(8), key_surf.get_height() + m.px(2))
        box.midright = (b.rect.right - m.pad + m.px(4), b.rect.centery)
        pygame.draw.rect(surface, th.mix(fill, (0, 0, 0), 0.25), box, border_radius=m.px(4))
        surface.blit(key_surf, key_surf.get_rect(center=box.center))
    draw_text(
        surface,
        b.label,
        (x, b.rect.centery),
        size,
        fg,
        bold=b.primary,
        anchor="midleft",
        max_width=b.rect.right - m.pad - key_w - x,
    )


_SHADES: dict[tuple[tuple[int, int], int], pygame.Surface] = {}


def backdrop(surface: pygame.Surface, alpha: int = 170) -> None:
    key = (surface.get_size(), alpha)
    shade = _SHADES.get(key)
    if shade is None:
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((5, 8, 12, alpha))
        _SHADES.clear()
        _SHADES[key] = shade
    surface.blit(shade, (0, 0))


def scrollbar(surface: pygame.Surface, rect: pygame.Rect, offset: int, content: int, m: th.Metrics) -> None:
    """A thin scroll indicator on the right edge of ``rect`` when the content is taller than it."""
    if content <= rect.height or content <= 0:
        return
    track = pygame.Rect(rect.right - m.px(4), rect.top, m.px(4), rect.height)
    pygame.draw.rect(surface, th.PANEL_HI, track, border_radius=m.px(2))
    h = max(m.px(20), round(rect.height * rect.height / content))
    y = rect.top + round((rect.height - h) * offset / max(1, content - rect.height))
    pygame.draw.rect(surface, th.MUTED, (track.left, y, track.width, h), border_radius=m.px(2))


def delta_text(value: float, digits: int = 3) -> str:
    if abs(value) < 0.5 * 10 ** (-digits):
        return "±0"
    return f"{value:+.{digits}f}".replace("-", "−")


def draw_tooltip(surface: pygame.Surface, anchor: pygame.Rect, title: str, text: str, m: th.Metrics) -> None:
    """A box below ``anchor`` (kept inside the window) with a bold title and wrapped text: hover explanations."""
    w = min(m.px(420), surface.get_width() - 2 * m.pad)
    lines = wrap(text, m.small, w - 2 * m.pad)
    h = line_height(m.small) * (len(lines) + 1) + 2 * m.pad
    box = pygame.Rect(anchor.left, anchor.bottom + m.px(4), w, h)
    if box.bottom > surface.get_height():
        box.bottom = anchor.top - m.px(4)
    box.clamp_ip(surface.get_rect())
    pygame.draw.rect(surface, th.PANEL_HI, box, border_radius=m.px(6))
    pygame.draw.rect(surface, th.ACCENT, box, width=1, border_radius=m.px(6))
    y = box.top + m.pad
    draw_text(surface, title, (box.left + m.pad, y), m.small, th.ACCENT, bold=True)
    for line in lines:
        y += line_height(m.small)
        draw_text(surface, line, (box.left + m.pad, y), m.small, th.TEXT)
