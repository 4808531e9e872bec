"""The map panel: world outlines, a Southeast Asia inset, actors at their places and alignment-coloured links."""

from __future__ import annotations

import math

import pygame

from sim.ui import theme as th
from sim.ui.mapdata import WorldMap, load_map, member_of, project
from sim.ui.views import ActorView, RoundView
from sim.ui.widgets import draw_text, text_surface, text_width

# The region inset: mainland and maritime Southeast Asia around Cambodia.
REGION = (90.0, -11.0, 128.0, 26.0)  # lon_min, lat_min, lon_max, lat_max
# The world view: the inhabited latitudes (Equal Earth units are ~1.32 at the poles).
WORLD_LAT = (-50.0, 78.0)


class Frame:
    """Maps projected coordinates into a pixel rectangle, preserving the aspect ratio."""

    def __init__(self, bounds: tuple[float, float, float, float], rect: pygame.Rect) -> None:
        x0, y0, x1, y1 = bounds
        self.scale = min(rect.width / (x1 - x0), rect.height / (y1 - y0))
        self.ox = rect.left + (rect.width - (x1 - x0) * self.scale) / 2 - x0 * self.scale
        self.oy = rect.top + (rect.height - (y1 - y0) * self.scale) / 2 + y1 * self.scale

    def px(self, x: float, y: float) -> tuple[int, int]:
        return round(self.ox + x * self.scale), round(self.oy - y * self.scale)

    def lonlat(self, lon: float, lat: float) -> tuple[int, int]:
        return self.px(*project(lon, lat))


def _bounds_for(lon0: float, lat0: float, lon1: float, lat1: float) -> tuple[float, float, float, float]:
    pts = [project(lon, lat) for lon in (lon0, (lon0 + lon1) / 2, lon1) for lat in (lat0, lat1)]
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


class MapView:
    """Caches the outline layers per size and colours; draws links and actors on top each frame."""

    def __init__(self) -> None:
        self.world: WorldMap = load_map()
        self.spots: dict[int, tuple[int, int]] = {}  # actor index -> screen position, as last drawn
        self.inset_spots: dict[int, tuple[int, int]] = {}  # the same in the Southeast Asia inset
        self._base_key: tuple | None = None
        self._base: pygame.Surface | None = None
        self._links_key: tuple | None = None
        self._links: pygame.Surface | None = None
        self.frame: Frame | None = None
        self.inset_rect: pygame.Rect | None = None
        self.inset_frame: Frame | None = None

    def _layers(self, size: tuple[int, int], tints: dict[str, th.RGB], m: th.Metrics) -> None:
        key = (size, tuple(sorted(tints.items())), m.scale)
        if key == self._base_key:
            return
        w, h = size
        surf = pygame.Surface(size)
        surf.fill(th.WATER)
        x0, _, x1, _ = self.world.bounds
        _, ya = project(0, WORLD_LAT[0])
        _, yb = project(0, WORLD_LAT[1])
        self.frame = Frame((x0, ya, x1, yb), pygame.Rect(0, 0, w, h))
        self._draw_outlines(surf, self.frame, tints, pygame.Rect(0, 0, w, h))
        # Inset: Southeast Asia, bottom-left over the South Pacific / Indian Ocean part of the world map.
        iw = round(min(w * 0.22, h * 0.42))
        inset = pygame.Rect(m.px(8), h - iw - m.px(8), iw, iw)
        self.inset_rect = inset
        self.inset_frame = Frame(_bounds_for(*REGION), inset.inflate(-4, -4))
        pygame.draw.rect(surf, th.WATER, inset)
        self._draw_outlines(surf, self.inset_frame, tints, inset)
        pygame.draw.rect(surf, th.BORDER, inset, width=1)
        draw_text(surf, "Southeast Asia", (inset.left + m.px(6), inset.top + m.px(4)), m.small, th.MUTED)
        # Where the inset sits on the world map.
        r0 = self.frame.lonlat(REGION[0], REGION[3])
        r1 = self.frame.lonlat(REGION[2], REGION[1])
        pygame.draw.rect(surf, th.FAINT, pygame.Rect(r0, (r1[0] - r0[0], r1[1] - r0[1])), width=1)
        self._base, self._base_key = surf, key

    def _draw_outlines(self, surf: pygame.Surface, frame: Frame, tints: dict[str, th.RGB], clip: pygame.Rect) -> None:
        surf.set_clip(clip)
        for country in self.world.countries:
            actor = member_of(country.iso)
            fill = th.mix(th.LAND, tints[actor], 0.45) if actor in tints else th.LAND
            for ring in country.rings:
                pts = [frame.px(x, y) for x, y in ring]
                if len(pts) >= 3:
                    pygame.draw.polygon(surf, fill, pts)
                    pygame.draw.lines(surf, th.LAND_EDGE, True, pts, 1)
        surf.set_clip(None)

    def positions(self, view: RoundView) -> dict[int, tuple[int, int]]:
        """Pixel position of each actor on the world map, relative to the map rectangle."""
        assert self.frame is not None
        return {a.index: self.frame.lonlat(a.lon, a.lat) for a in view.actors}

    def prepare(self, rect: pygame.Rect, view: RoundView, m: th.Metrics) -> None:
        """Lay out the map and draw the links of ``view`` on their layer, ahead of ``draw`` (a new round's costly
        part of the map: the round screen does it a frame before it draws the map)."""
        self._layers(rect.size, {a.id: a.colour for a in view.actors}, m)
        key = (rect.size, view.links, m.scale)  # what the layer shows (an id could be reused by a later view)
        if key != self._links_key:
            self._links = self._draw_links(rect.size, view, self.positions(view), m)
            self._links_key = key

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, view: RoundView, m: th.Metrics) -> None:
        self.prepare(rect, view, m)
        assert self._base is not None
        surface.blit(self._base, rect.topleft)
        pos = self.positions(view)
        # Where each actor is on screen (the inset's dots included), for clicks that open its diplomacy view.
        self.spots = {a: (rect.left + x, rect.top + y) for a, (x, y) in pos.items()}
        assert self._links is not None
        surface.blit(self._links, rect.topleft)
        markers = [
            pygame.Rect(rect.left + x - m.px(10), rect.top + y - m.px(10), m.px(20), m.px(20)) for x, y in pos.values()
        ]
        placed: list[pygame.Rect] = []
        for a in sorted(view.actors, key=lambda a: not a.is_player):  # the player's label gets the best spot
            x, y = pos[a.index]
            placed.append(self._draw_actor(surface, (rect.left + x, rect.top + y), a, m, markers + placed, rect))
        assert self.inset_frame is not None
        assert self.inset_rect is not None
        clip = surface.get_clip()
        surface.set_clip(self.inset_rect.move(rect.topleft).clip(clip) if clip else self.inset_rect.move(rect.topleft))
        for a in view.actors:  # the region's actors again, in the inset, as small labelled dots
            if _in_region(a):
                x, y = self.inset_frame.lonlat(a.lon, a.lat)
                p = (rect.left + x, rect.top + y)
                self.inset_spots[a.index] = p
                if a.is_player:
                    pygame.draw.circle(surface, th.ACCENT, p, m.px(8), width=m.px(2))
                pygame.draw.circle(surface, a.colour, p, m.px(5))
                pygame.draw.circle(surface, (245, 245, 245), p, m.px(5), width=1)
                self._inset_label(surface, a, p, m, self.inset_rect.move(rect.topleft))
        surface.set_clip(clip)
        self._legend(surface, rect, m)

    def _inset_label(
        self, surface: pygame.Surface, a: ActorView, p: tuple[int, int], m: th.Metrics, inset: pygame.Rect
    ) -> None:
        """An actor's name beside its dot in the inset: on the side with room, smaller or shortened if need be."""
        off = m.px(9)
        right, left = inset.right - p[0] - off - m.px(2), p[0] - inset.left - off - m.px(2)
        short = a.name.split(" (")[0]  # "ASEAN (other nine)" -> "ASEAN": the inset is small
        for text, size in ((short, m.small), (short, m.px(10)), (a.id.upper()[:5], m.px(10))):
            w = text_width(text, size)
            if w <= right or w <= left:
                break
        if w <= right or right >= left:
            draw_text(surface, text, (p[0] + off, p[1]), size, th.TEXT, anchor="midleft", max_width=right)
        else:
            draw_text(surface, text, (p[0] - off, p[1]), size, th.TEXT, anchor="midright", max_width=left)

    def _draw_links(
        self, size: tuple[int, int], view: RoundView, pos: dict[int, tuple[int, int]], m: th.Metrics
    ) -> pygame.Surface:
        layer = pygame.Surface(size, pygame.SRCALPHA)
        for link in sorted(view.links, key=lambda lk: lk.involves_player):
            a, b = pos[link.a], pos[link.b]
            colour = th.alignment_colour(link.alignment)
            alpha = 235 if link.involves_player else 80
            width = max(1, round(m.px(1) + link.width * m.px(7 if link.involves_player else 4)))
            pts = _arc(a, b)
            rgba = (*colour, alpha)
            if link.alignment < -0.05:  # hostile links are dashed as well as orange (colour-blind safe)
                for k in range(0, len(pts) - 1, 2):
                    pygame.draw.line(layer, rgba, pts[k], pts[k + 1], width)
            else:
                pygame.draw.lines(layer, rgba, False, pts, width)
        return layer

    def _draw_actor(
        self,
        surface: pygame.Surface,
        p: tuple[int, int],
        a: ActorView,
        m: th.Metrics,
        taken: list[pygame.Rect],
        area: pygame.Rect,
    ) -> pygame.Rect:
        """Draw one actor's marker and its name where the label overlaps no other marker or label."""
        r = m.px(9 if a.is_player else 7)
        if a.is_player:
            pygame.draw.circle(surface, th.ACCENT, p, r + m.px(5), width=m.px(3))
        pygame.draw.circle(surface, th.SHADOW, (p[0] + 1, p[1] + 2), r)
        pygame.draw.circle(surface, a.colour, p, r)
        pygame.draw.circle(surface, (245, 245, 245), p, r, width=max(1, m.px(2)))
        label = a.name if len(a.name) <= 16 else a.id.upper()
        surf = text_surface(label, m.small, th.TEXT, a.is_player)
        off = r + m.px(6)
        candidates = [
            surf.get_rect(midtop=(p[0], p[1] + off)),
            surf.get_rect(midbottom=(p[0], p[1] - off)),
            surf.get_rect(midleft=(p[0] + off, p[1])),
            surf.get_rect(midright=(p[0] - off, p[1])),
        ]
        own = pygame.Rect(p[0] - m.px(10), p[1] - m.px(10), m.px(20), m.px(20))
        others = [t for t in taken if t != own]

        def overlap(c: pygame.Rect) -> int:
            pill = c.inflate(m.px(8), m.px(2))
            return sum(pill.clip(t).width * pill.clip(t).height for t in others) + (0 if area.contains(c) else 10**6)

        box = min(candidates, key=overlap)  # a free spot when there is one, else the least covered
        box.clamp_ip(area)
        pill = box.inflate(m.px(8), m.px(2))
        pygame.draw.rect(surface, (10, 16, 24), pill, border_radius=m.px(4))
        if a.is_player:
            pygame.draw.rect(surface, th.ACCENT, pill, width=1, border_radius=m.px(4))
        surface.blit(surf, box)
        return pill

    def _legend(self, surface: pygame.Surface, rect: pygame.Rect, m: th.Metrics) -> None:
        size = m.small
        x = rect.right - m.px(8)
        y = rect.bottom - m.px(8)
        items = [
            ("close", th.alignment_colour(0.6), False),
            ("neutral", th.alignment_colour(0.0), False),
            ("hostile", th.alignment_colour(-0.6), True),
        ]
        widths = [text_surface(t, size, th.MUTED).get_width() + m.px(30) for t, _, _ in items]
        total = (
            sum(widths)
            + text_surface("links:", size, th.MUTED).get_width()
            + m.px(24)
            + text_surface("width = trade", size, th.FAINT).get_width()
        )
        box = pygame.Rect(x - total, y - m.px(22), total, m.px(22))
        pygame.draw.rect(surface, (10, 16, 24), box, border_radius=m.px(4))
        cx = box.left + m.px(8)
        draw_text(surface, "links:", (cx, box.centery), size, th.MUTED, anchor="midleft")
        cx += text_surface("links:", size, th.MUTED).get_width() + m.px(8)
        for (label, colour, dashed), w in zip(items, widths, strict=True):
            if dashed:
                for k in range(3):
                    pygame.draw.line(
                        surface,
                        colour,
                        (cx + k * m.px(7), box.centery),
                        (cx + k * m.px(7) + m.px(4), box.centery),
                        m.px(3),
                    )
            else:
                pygame.draw.line(surface, colour, (cx, box.centery), (cx + m.px(18), box.centery), m.px(3))
            draw_text(surface, label, (cx + m.px(22), box.centery), size, th.MUTED, anchor="midleft")
            cx += w
        draw_text(surface, "width = trade", (box.right - m.px(8), box.centery), size, th.FAINT, anchor="midright")


def _in_region(a: ActorView) -> bool:
    lon0, lat0, lon1, lat1 = REGION
    return lon0 <= a.lon <= lon1 and lat0 <= a.lat <= lat1


def _arc(a: tuple[int, int], b: tuple[int, int], segments: int = 18) -> list[tuple[int, int]]:
    """A gentle arc from a to b (bulging to one side), so links between far actors do not overlap."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    bend = 0.12 * length
    cx, cy = (x0 + x1) / 2 - dy / length * bend, (y0 + y1) / 2 + dx / length * bend
    pts = []
    for k in range(segments + 1):
        t = k / segments
        x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x1
        y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y1
        pts.append((round(x), round(y)))
    return pts
