"""The world outline map: the Equal Earth projection and the compact country outlines in assets/ (no pygame).

``assets/world_map.json`` is made by ``tools/make_map.py`` from Natural Earth's public-domain
1:110m outlines. Coordinates there are already projected (Equal Earth, in the projection's own
units); actors' map positions (lon/lat from the scenario) go through :func:`project` here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sim.library import ASSETS_DIR

ASSETS = ASSETS_DIR  # sim.library: the wheel's copy, or the checkout's assets/
MAP_FILE = ASSETS / "world_map.json"

# Equal Earth coefficients (Šavrič, Patterson & Jenny 2018, IJGIS 33(3)).
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3.0) / 2.0

#: Countries tinted with an actor's colour, by the actor ids of the base scenario (ISO 3166 alpha-3).
#: The EU as it stood in 2015 (28 members); ASEAN without Cambodia, which is its own actor.
MEMBERS: dict[str, tuple[str, ...]] = {
    "cambodia": ("KHM",),
    "russia": ("RUS",),
    "china": ("CHN", "TWN"),
    "us": ("USA",),
    "eu": (
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
        "GBR",
    ),
    "asean": ("BRN", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"),
}


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection of a point in degrees: (x, y) with y growing northwards."""
    lam = math.radians(max(-180.0, min(180.0, lon)))
    phi = math.radians(max(-90.0, min(90.0, lat)))
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    denominator = 3.0 * (9.0 * _A4 * t6 * t2 + 7.0 * _A3 * t6 + 3.0 * _A2 * t2 + _A1)
    x = 2.0 * math.sqrt(3.0) * lam * math.cos(theta) / denominator
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


@dataclass(frozen=True, slots=True)
class Country:
    iso: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # outer rings, projected


@dataclass(frozen=True, slots=True)
class WorldMap:
    bounds: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (projected)
    countries: tuple[Country, ...]
    source: str


@cache
def load_map(path: Path = MAP_FILE) -> WorldMap:
    """Read the outline map (cached; a missing or damaged file gives an empty map, the game still runs)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        countries = tuple(
            Country(
                c["iso"],
                c["name"],
                tuple(tuple((ring[k], ring[k + 1]) for k in range(0, len(ring) - 1, 2)) for ring in c["rings"]),
            )
            for c in data["countries"]
        )
        return WorldMap(tuple(data["bounds"]), countries, data.get("source", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return WorldMap((-2.71, -1.0, 2.71, 1.32), (), "")


def member_of(iso: str) -> str | None:
    """The base scenario's actor a country belongs to, if any."""
    for actor, codes in MEMBERS.items():
        if iso in codes:
            return actor
    return None
