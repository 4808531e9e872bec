"""The round screen drawn off-screen from a bare model: an (H, W, 3) uint8 picture without a window (rl frames).

The learning environments own an :class:`~sim.core.AlignmentModel`, not a game session. This module builds
the round screen's :class:`~sim.ui.viewmodel.RoundView` from the model alone
(:func:`~sim.ui.viewmodel.model_round_view`, the log from the model's history) and paints the round
scene's own panels on a plain pygame Surface with the game's theme and fonts: the status bar, the map
with alignment-coloured links as wide as the trade, the alignment chart, the event log with the reason of
every move, and the objectives. There is no move picker: the log takes the right column.

Only pygame's font module is initialised: no display, no window and no event loop, so a game window open in
the same process is left alone. ``SDL_VIDEODRIVER=dummy`` is set (if unset) when no display is configured.
Frames are cached per size with the map's outline layer, so a repeated frame costs a few milliseconds.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no display: anything touching SDL video stays off-screen

import numpy as np
import pygame

from sim.core import AlignmentModel
from sim.core.record import RoundRecord
from sim.ui import theme as th
from sim.ui import viewmodel as vm
from sim.ui.charts import alignment_chart
from sim.ui.layout import FRAME_SIZE, check_frame_size, frame_layout
from sim.ui.mapview import MapView
from sim.ui.panels import draw_footer, draw_log, draw_status
from sim.ui.widgets import clear_caches, panel

#: Who plays from outside, as the screen names them: learners (the RL environments) or teams (a networked class).
OUTSIDE_NOUN = "learning agent"


def ensure_fonts() -> None:
    """Initialise pygame's font module (only it), forgetting fonts made before a ``pygame.quit()``."""
    if not pygame.font.get_init():
        pygame.font.init()
        clear_caches()  # fonts cached before a pygame.quit() are dead; rendered text surfaces are still good


def frame_view(
    model: AlignmentModel,
    focus: int | None = None,
    log: tuple[vm.LogLine, ...] | None = None,
    noun: str = OUTSIDE_NOUN,
) -> vm.RoundView:
    """The round screen's view of a model: ``focus``'s point of view (default: the only actor played from
    outside, else the scenario's focal actor); actors with controller "human" are shown as learners, and
    their moves' reason is "chosen by the ``noun``". ``log``: the model's log, if already built."""
    setup = model.setup
    learners = tuple(i for i, c in enumerate(model.countries) if c.controller == "human")
    if focus is None:
        focus = learners[0] if len(learners) == 1 else setup.scoring.focal
    if not 0 <= focus < setup.n_actors:
        raise ValueError(f"focus must be an actor index 0..{setup.n_actors - 1}, got {focus}")
    if log is None:
        log = vm.history_log(model, outside_note=f"chosen by the {noun}")
    return vm.model_round_view(model, focus, humans=learners, log=log)


def who_plays(view: vm.RoundView, noun: str = OUTSIDE_NOUN) -> tuple[str, str]:
    """(status-bar mode, footer line) saying who plays from outside (``noun``: learning agent, team) and whose
    view the screen shows."""
    me = view.actors[view.player].name
    names = [view.actors[i].name for i in view.humans]
    n = len(view.actors)
    title = noun[:1].upper() + noun[1:]
    if view.humans == (view.player,):
        mode = f"{title}: {me}"
    elif not names:
        mode = f"AI only · {me}'s view"
    elif len(names) == 1:
        mode = f"{title}: {names[0]} · {me}'s view"
    else:
        mode = f"{len(names)} {noun}s · {me}'s view"
    others = n - len(names)
    playing = "Learning" if noun == OUTSIDE_NOUN else f"{title}s"
    if not names:
        footer = f"AI: all {n} actors"
    elif not others:
        footer = f"{playing}: all {n} actors"
    else:
        learning = ", ".join(names) if len(names) <= 2 else f"{len(names)} actors"
        footer = f"{playing}: {learning} · AI: the other {others}"
    return mode, footer


class RoundFrame:
    """Draws round screens of one size off-screen; keeps the surface, the map's layers and the fonts between frames."""

    def __init__(self, size: tuple[int, int] = FRAME_SIZE, noun: str = OUTSIDE_NOUN) -> None:
        self.size = check_frame_size(size)
        self.noun = noun
        ensure_fonts()
        self.surface = pygame.Surface(self.size)
        self.metrics = th.Metrics.for_size(*self.size)
        self.rects = {k: pygame.Rect(b) for k, b in frame_layout(*self.size, self.metrics.scale).items()}
        self.mapview = MapView()
        # Each round's log lines, by record: a recorded round's moves never change (an event fired now joins the
        # last record's events, hence the check), and phrasing reasons takes time. The record is kept with its
        # lines so that its id cannot be taken by a later record meanwhile.
        self._logs: dict[int, tuple[RoundRecord, tuple[object, ...], tuple[vm.LogLine, ...]]] = {}

    def draw(self, view: vm.RoundView) -> pygame.Surface:
        """Paint ``view`` on the frame's surface (reads the view only) and return the surface."""
        ensure_fonts()
        s, m, r = self.surface, self.metrics, self.rects
        mode, footer = who_plays(view, self.noun)
        s.fill(th.BG)
        draw_status(s, r["status"], view, m, mode, th.ACCENT if view.humans else th.MUTED)
        map_inner = panel(s, r["map"], m, "The powers and their ties", view.status.quarter)
        self.mapview.draw(s, map_inner, view, m)
        me = view.actors[view.player]
        chart_inner = panel(s, r["chart"], m, f"{me.name}'s alignment with the powers", "−1 hostile · +1 close")
        alignment_chart(s, chart_inner, view.series, view.actors, view.status.rounds, m)
        draw_log(s, r["log"], view, m, 0, "newest first")
        draw_footer(
            s, r["footer"], view, m, footer, "No objectives in this scenario: each actor plays to its interests"
        )
        return s

    def render(self, model: AlignmentModel, focus: int | None = None) -> np.ndarray:
        """The round screen of ``model`` now, as an (H, W, 3) uint8 array (a fresh, writable copy)."""
        surface = self.draw(frame_view(model, focus, self._log(model), self.noun))
        w, h = self.size
        frame = np.empty((h, w, 3), dtype=np.uint8)
        # Channel by channel from the surface's own pixels: a quarter of the time of image.tobytes + a copy.
        for k, channel in enumerate(
            (pygame.surfarray.pixels_red, pygame.surfarray.pixels_green, pygame.surfarray.pixels_blue)
        ):
            frame[..., k] = channel(surface).T
        return frame

    def _log(self, model: AlignmentModel) -> tuple[vm.LogLine, ...]:
        if len(self._logs) > 4 * (model.setup.rounds + 1):
            self._logs.clear()
        out: list[vm.LogLine] = []
        for record in reversed(model.history):
            cached = self._logs.get(id(record))
            if cached is None or cached[0] is not record or cached[1] is not record.events:
                note = f"chosen by the {self.noun}"
                cached = (record, record.events, vm.round_log(model.setup, record, outside_note=note))
                self._logs[id(record)] = cached
            out.extend(cached[2])
        return tuple(out)


_FRAMES: dict[tuple[tuple[int, int], str], RoundFrame] = {}


def render_round(
    model: AlignmentModel, focus: int | None = None, size: tuple[int, int] = FRAME_SIZE, noun: str = OUTSIDE_NOUN
) -> np.ndarray:
    """The front end's round screen for ``model`` from ``focus``'s point of view, drawn off-screen.

    Returns an (H, W, 3) uint8 array, ``size`` = (W, H), 1280 x 720 by default (the screen's design size;
    at least 640 x 360). Actors played from outside are named ``noun``s ("learning agent"; the classroom's
    projector says "team"). One :class:`RoundFrame` per size and noun is kept for the process, so repeated
    calls only redraw what changed. Raises ``pygame.error`` when pygame's fonts cannot be initialised.
    """
    size = check_frame_size(size)
    frame = _FRAMES.get((size, noun))
    if frame is None:
        frame = _FRAMES[(size, noun)] = RoundFrame(size, noun)
    return frame.render(model, focus)
