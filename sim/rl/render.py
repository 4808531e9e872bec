"""Pictures of a run for the environments' ``render()``: a text summary ("ansi") and RGB frames.

A frame is made by a :data:`FrameRenderer`, a function ``(model, focus) -> (H, W, 3) uint8``. The default,
:class:`RoundScreen`, is the front end's round screen drawn off-screen with pygame (:mod:`sim.ui.offscreen`,
imported at the first frame, so importing ``sim.rl`` never loads pygame). When pygame cannot be
initialised it falls back, with one warning, to :func:`matrix_frame`, drawn with numpy alone: a map of the
actors (placed by longitude and latitude, linked by lines coloured by alignment, thicker when closer)
beside the alignment matrix, over a bar of the rounds played.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from sim.core.model import AlignmentModel

FrameRenderer = Callable[[AlignmentModel, int | None], np.ndarray]

HEIGHT, WIDTH = 360, 720
BACKGROUND = np.array([24, 28, 36], dtype=np.uint8)
PANEL = np.array([34, 40, 52], dtype=np.uint8)
FOCUS_RING = np.array([250, 250, 250], dtype=np.uint8)
# Diverging colour scale for alignment: -1 red, 0 grey, +1 blue (readable by most colour-blind viewers).
NEGATIVE = np.array([214, 69, 65], dtype=float)
NEUTRAL = np.array([120, 124, 132], dtype=float)
POSITIVE = np.array([66, 135, 245], dtype=float)


def alignment_colour(value: float | np.ndarray) -> np.ndarray:
    """RGB (float, 0..255) for alignment values in [-1, 1]; works elementwise on arrays."""
    v = np.clip(np.asarray(value, dtype=float), -1.0, 1.0)[..., None]
    return np.where(v < 0, NEUTRAL + (NEUTRAL - NEGATIVE) * v, NEUTRAL + (POSITIVE - NEUTRAL) * v)


def hex_colour(text: str) -> np.ndarray:
    text = text.lstrip("#")
    try:
        return np.array([int(text[k : k + 2], 16) for k in (0, 2, 4)], dtype=np.uint8)
    except ValueError:
        return np.array([136, 136, 136], dtype=np.uint8)


def _disc(frame: np.ndarray, cx: float, cy: float, radius: float, colour: np.ndarray) -> None:
    y0, y1 = max(int(cy - radius), 0), min(int(cy + radius) + 1, frame.shape[0])
    x0, x1 = max(int(cx - radius), 0), min(int(cx + radius) + 1, frame.shape[1])
    yy, xx = np.ogrid[y0:y1, x0:x1]
    inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
    frame[y0:y1, x0:x1][inside] = colour


def _line(frame: np.ndarray, a: tuple[float, float], b: tuple[float, float], width: float, colour: np.ndarray) -> None:
    length = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1.0)
    t = np.linspace(0.0, 1.0, int(length) + 1)
    xs, ys = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
    half = max(width / 2.0, 0.5)
    for dx in np.arange(-half, half + 1e-9, 1.0):
        for dy in np.arange(-half, half + 1e-9, 1.0):
            x = np.clip(np.round(xs + dx).astype(int), 0, frame.shape[1] - 1)
            y = np.clip(np.round(ys + dy).astype(int), 0, frame.shape[0] - 1)
            frame[y, x] = colour


def matrix_frame(model: AlignmentModel, focus: int | None = None) -> np.ndarray:
    """A 360 x 720 RGB picture of the current round (no pygame): actor map, alignment matrix, progress bar."""
    setup, record = model.setup, model.history[-1]
    A, n = record.alignment, setup.n_actors
    frame = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    frame[:] = BACKGROUND
    margin, bar = 16, 14
    panel_h = HEIGHT - 3 * margin - bar
    left = (margin, margin, WIDTH // 2 - margin, margin + panel_h)  # x0, y0, x1, y1
    frame[left[1] : left[3], left[0] : left[2]] = PANEL

    # Map: equirectangular placement, stretched to the panel (actors are few; distances are not the point).
    lon = np.array([a.lon for a in setup.actors], dtype=float)
    lat = np.array([a.lat for a in setup.actors], dtype=float)
    pad = 28

    def spread(v: np.ndarray, lo: float, hi: float, flip: bool = False) -> np.ndarray:
        span = v.max() - v.min()
        unit = (v - v.min()) / span if span > 0 else np.full_like(v, 0.5)
        return hi - unit * (hi - lo) if flip else lo + unit * (hi - lo)

    xs = spread(lon, left[0] + pad, left[2] - pad)
    ys = spread(lat, left[1] + pad, left[3] - pad, flip=True)
    order = sorted(((i, j) for i in range(n) for j in range(i + 1, n)), key=lambda p: abs(A[p]))
    for i, j in order:  # strongest links drawn last, on top
        width = 1.0 + 5.0 * abs(float(A[i, j]))
        _line(frame, (xs[i], ys[i]), (xs[j], ys[j]), width, alignment_colour(A[i, j]).astype(np.uint8))
    for i, actor in enumerate(setup.actors):
        if focus == i:
            _disc(frame, xs[i], ys[i], 15, FOCUS_RING)
        _disc(frame, xs[i], ys[i], 12, hex_colour(actor.colour))

    # Alignment matrix, with each actor's colour as row and column header.
    side = min(WIDTH // 2 - 2 * margin, panel_h)
    cell = side // (n + 1)
    x0 = WIDTH // 2 + margin + (WIDTH // 2 - 2 * margin - cell * (n + 1)) // 2
    y0 = margin + (panel_h - cell * (n + 1)) // 2
    frame[left[1] : left[3], WIDTH // 2 + margin : WIDTH - margin] = PANEL
    colours = alignment_colour(A).astype(np.uint8)
    for i, actor in enumerate(setup.actors):
        swatch = hex_colour(actor.colour)
        frame[y0 + (i + 1) * cell + 2 : y0 + (i + 2) * cell - 2, x0 + 2 : x0 + cell - 2] = swatch
        frame[y0 + 2 : y0 + cell - 2, x0 + (i + 1) * cell + 2 : x0 + (i + 2) * cell - 2] = swatch
        for j in range(n):
            y, x = y0 + (i + 1) * cell, x0 + (j + 1) * cell
            frame[y + 1 : y + cell - 1, x + 1 : x + cell - 1] = BACKGROUND if i == j else colours[i, j]
    if focus is not None:
        y = y0 + (focus + 1) * cell
        frame[y : y + 1, x0 + cell : x0 + (n + 1) * cell] = FOCUS_RING
        frame[y + cell - 1 : y + cell, x0 + cell : x0 + (n + 1) * cell] = FOCUS_RING

    # Progress: rounds played out of the scenario's rounds (orange when an event ended the run).
    y = HEIGHT - margin - bar
    frame[y : y + bar, margin : WIDTH - margin] = PANEL
    done = int((WIDTH - 2 * margin) * model.round / max(setup.rounds, 1))
    frame[y : y + bar, margin : margin + done] = (240, 160, 60) if model.ended else (90, 190, 120)
    return frame


#: The round screen's frame size (width, height) by default: the front end's design size.
ROUND_SCREEN_SIZE: tuple[int, int] = (1280, 720)


class RoundScreen:
    """A :data:`FrameRenderer` drawing the front end's round screen off-screen, ``size`` = (width, height) pixels.

    The status bar, the map with alignment-coloured links as wide as the trade, the focus actor's alignment
    chart, the event log with the reason of every move and the objectives, as the game shows them
    (:func:`sim.ui.offscreen.render_round`). pygame is imported at the first frame; if it cannot be imported
    or initialised, this warns once and draws :func:`matrix_frame` from then on (``fallback`` says why).
    """

    def __init__(self, size: tuple[int, int] = ROUND_SCREEN_SIZE) -> None:
        from sim.ui.layout import check_frame_size  # noqa: PLC0415  (pure: no pygame)

        self.size = check_frame_size(size)
        self.fallback: str | None = None
        self._render: Callable[..., np.ndarray] | None = None

    def __call__(self, model: AlignmentModel, focus: int | None = None) -> np.ndarray:
        if self._render is None and self.fallback is None:
            try:
                from sim.ui.offscreen import render_round  # noqa: PLC0415  (loads pygame)

                frame = render_round(model, focus, self.size)
            except (ImportError, OSError, RuntimeError) as exc:  # pygame.error is a RuntimeError
                self.fallback = f"{type(exc).__name__}: {exc}"
                warnings.warn(
                    f"rgb_array: cannot draw the round screen with pygame ({self.fallback}); "
                    "drawing the numpy matrix frame instead",
                    RuntimeWarning,
                    stacklevel=2,
                )
            else:
                self._render = render_round
                return frame
        if self._render is None:
            return matrix_frame(model, focus)
        return self._render(model, focus, self.size)


def default_frame_renderer() -> FrameRenderer:
    """The renderer an environment uses when given none: the round screen at 1280 x 720 (numpy if no pygame)."""
    return RoundScreen()


def ansi_text(model: AlignmentModel, learners: tuple[int, ...] = ()) -> str:
    """A plain-text summary of the current round: indices per actor, alignment matrix, the last moves."""
    setup, record = model.setup, model.history[-1]
    ids = setup.actor_ids
    width = max(len(a) for a in ids)
    lines = [f"{setup.title} - round {record.round}/{setup.rounds} ({record.label}) - {record.outcome}"]
    if model.ended:
        lines.append(f"ended by an event: {model.ended}")
    lines.append(f"{'actor':<{width}}  utility  hedging  tilt   partner")
    for i, a in enumerate(ids):
        marker = "*" if i in learners else " "
        lines.append(
            f"{a:<{width}}{marker} {record.utility[i]:7.3f}  {record.hedging[i] + 0.0:7.2f}  "
            f"{record.bloc_tilt[i]:+5.2f}  {ids[int(record.primary_partner[i])]}"
        )
    lines.append("alignment " + " ".join(f"{a[:6]:>6}" for a in ids))
    for i, a in enumerate(ids):
        cells = " ".join("     -" if i == j else f"{record.alignment[i, j]:+6.2f}" for j in range(len(ids)))
        lines.append(f"{a[:9]:<9} {cells}")
    for m in record.moves:
        target = "" if m.target is None else f" {ids[m.target]}"
        sector = "" if m.sector is None else f" ({setup.sectors[m.sector]})"
        failed = "" if m.applied else " [no effect]"
        lines.append(f"  {ids[m.actor]}: {m.action}{target}{sector}{failed}")
    if learners:
        lines.append("* = learning agent")
    return "\n".join(lines) + "\n"
