"""Make assets/world_map.json: Natural Earth 1:110m country outlines, simplified and projected (Equal Earth).

Natural Earth's public-domain low-resolution outlines ship inside the geopandas 0.14.4 wheel on
PyPI (geopandas/datasets/naturalearth_lowres). This script downloads that wheel with pip into a
temporary folder, reads the shapefile with pyshp (the dev extra installs it), drops Antarctica,
simplifies each ring (Douglas-Peucker), projects it with sim.ui.mapdata.project, and writes a
compact JSON. The game reads only the JSON; it never needs geopandas.

    .venv/bin/python tools/make_map.py            # rewrites assets/world_map.json
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.atomic import make_folder, write_text  # noqa: E402
from sim.ui.mapdata import MAP_FILE, project  # noqa: E402

WHEEL = "geopandas==0.14.4"
INNER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
TOLERANCE = 0.25  # degrees: keeps coastlines recognisable at a 1920-pixel-wide map
DIGITS = 4  # projected units (~0.6 km at 1e-4 of ~2.7): far below a pixel


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker simplification of a polyline (iterative, so long rings do not recurse deeply)."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = -1.0, -1
        for k in range(first + 1, last):
            x, y = points[k]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm > 0 else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > best:
                best, index = d, k
        if best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def rings_of(shape) -> list[list[tuple[float, float]]]:
    parts = [*shape.parts, len(shape.points)]
    return [[tuple(p) for p in shape.points[parts[k] : parts[k + 1]]] for k in range(len(parts) - 1)]


def main() -> int:
    try:
        import shapefile  # noqa: PLC0415  (pyshp: a dev-time dependency, so say how to get it if missing)
    except ImportError:
        print("tools/make_map.py needs pyshp: .venv/bin/pip install pyshp (it is in the dev extra)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", tmp], check=True)
        wheel = next(Path(tmp).glob("geopandas-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            for ext in ("shp", "shx", "dbf", "cpg"):
                archive.extract(f"{INNER}.{ext}", tmp)
        codepage = (Path(tmp) / f"{INNER}.cpg").read_text().strip() or "latin-1"  # the .cpg names the dbf text encoding
        reader = shapefile.Reader(str(Path(tmp) / INNER), encoding=codepage)
        countries = []
        xs: list[float] = []
        ys: list[float] = []
        for shape_record in reader.iterShapeRecords():
            record = shape_record.record
            if record["continent"] == "Antarctica":
                continue
            rings = []
            for ring in rings_of(shape_record.shape):
                small = simplify(ring, TOLERANCE)
                if len(small) < 4:
                    continue
                flat: list[float] = []
                for lon, lat in small:
                    x, y = project(lon, lat)
                    xs.append(x)
                    ys.append(y)
                    flat += [round(x, DIGITS), round(y, DIGITS)]
                rings.append(flat)
            if rings:
                iso = record["iso_a3"] if record["iso_a3"] != "-99" else record["name"][:3].upper()
                countries.append({"iso": iso, "name": record["name"], "rings": rings})
    document = {
        "source": "Natural Earth 1:110m Admin 0 countries (public domain), via geopandas 0.14.4 naturalearth_lowres",
        "licence": "public domain (Natural Earth terms of use)",
        "projection": "Equal Earth, projected units; y grows northwards",
        "bounds": [round(min(xs), DIGITS), round(min(ys), DIGITS), round(max(xs), DIGITS), round(max(ys), DIGITS)],
        "countries": countries,
    }
    make_folder(MAP_FILE.parent)
    write_text(MAP_FILE, json.dumps(document, separators=(",", ":")))
    points = sum(len(r) // 2 for c in countries for r in c["rings"])
    print(
        f"wrote {MAP_FILE.relative_to(ROOT)}: {len(countries)} countries, {points} points, "
        f"{MAP_FILE.stat().st_size / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
