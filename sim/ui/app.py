"""The game window: display, clock, scene stack, settings, toasts, and starting, saving and loading games."""

from __future__ import annotations

import gc
import itertools
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygame

from sim.atomic import atomic_file, make_folder
from sim.play.session import GameSession, SaveError, default_save_dir, load_session
from sim.seeds import draw_seed
from sim.ui import library, navigation, splash
from sim.ui import theme as th
from sim.ui.game import Game
from sim.ui.glossary import explain
from sim.ui.scenes.base import Scene, key_name
from sim.ui.widgets import clear_caches, collect_terms, draw_text, draw_tooltip, text_surface

FPS = 60
SIZES = ((1280, 720), (1920, 1080))
#: Seconds of a frame given to preparing the picture of a view a finished job brought (see ``App.frame``).
PREPARE_BUDGET = 0.005
#: Frames at most spent preparing it: after them the view is adopted with whatever is left drawn at once.
PREPARE_FRAMES = 30


@dataclass(slots=True)
class Settings:
    """What the Settings screen changes (kept for the session of the program)."""

    text_size: str = "normal"  # normal | large | huge
    watch_speed: float = 1.0  # rounds per second in watch mode
    baseline_runs: int = 100  # AI-only runs for the debrief's comparison (0: none)
    turn_summary: bool = True  # the turn summary opens after each round (T opens it any time)
    instructor_pin: str | None = None  # set at start (PIVOT_INSTRUCTOR_PIN): the instructor panel asks for it
    # Build each new round's view in a process of its own (sim.ui.viewproc). Off: on the shared 2-core machine the
    # extra process competing for the CPU cost more frames than the GIL it frees (docs/ui.md, Responsiveness).
    view_process: bool = False


def cycle_text_size(settings: Settings, step: int = 1) -> str:
    """The next text size (normal → large → huge → normal); returns it."""
    settings.text_size = th.next_text_size(settings.text_size, step)
    return settings.text_size


class App:
    """Owns the window and the scene stack; ``frame()`` runs one frame (tests call it directly)."""

    def __init__(
        self,
        size: tuple[int, int] = SIZES[0],
        settings: Settings | None = None,
        save_dir: Path | None = None,
        scenario_dir: Path = library.SCENARIO_DIR,
    ) -> None:
        clear_caches()
        # Only what the game uses: no pygame.init(), whose audio start-up fills a terminal with ALSA errors on a
        # machine without sound (the game makes no sound, so there is nothing to fall back from).
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("Pivot")
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.clock = pygame.time.Clock()
        self.settings = settings or Settings()
        self.save_dir = save_dir or default_save_dir()
        self.scenario_dir = scenario_dir
        self.stack: list[Scene] = []
        self.game: Game | None = None
        self.running = True
        self.closed_save: Path | None = None  # where closing the window mid-game saved it
        self.close_problem = ""  # why that save could not be written
        self.frames = 0
        self.first_frame: float | None = None  # perf_counter() when the first picture was shown
        self.last_scenario: str | None = None  # the menu comes back to the scenario last played
        self.instructor_unlocked = False  # the PIN was given once this session
        self._toast: tuple[str, bool, float] | None = None
        self.explaining = ""  # the glossary term whose explanation the last frame showed under the mouse
        self.frame_times: list[float] = []
        self._metrics_key: tuple | None = None
        self._metrics = th.Metrics(1.0)
        self._cache: pygame.Surface | None = None
        self._overlay_cache: pygame.Surface | None = None
        self._overlay_key: tuple | None = None
        self._cache_key: tuple | None = None
        self._preparing: tuple[object, Iterator[None] | None, int] | None = None  # (view coming, steps left, frames)
        self._shown: tuple | None = None  # what the picture on screen was drawn from (see _picture)
        # The model's worker thread and this loop share the GIL: hand it over every millisecond (default 5 ms)
        # so a frame never waits long on a round being resolved.
        sys.setswitchinterval(0.001)

    # -- geometry -----------------------------------------------------------------------------------

    @property
    def size(self) -> tuple[int, int]:
        return self.screen.get_size()

    @property
    def metrics(self) -> th.Metrics:
        key = (self.size, self.settings.text_size)
        if key != self._metrics_key:
            self._metrics = th.Metrics.for_size(*key[0], key[1])
            self._metrics_key = key
        return self._metrics

    def resize(self, size: tuple[int, int]) -> None:
        """Follow a window resize: adopt the display surface SDL already resized (the window is never recreated);
        only a driver that did not resize it (the dummy driver, or a size under the minimum) gets a new mode."""
        surface = pygame.display.get_surface()
        if surface is not None and surface.get_size() == tuple(size):
            self.screen = surface
        else:
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self._cache = self._overlay_cache = None  # the cached frames have the old size
        self._shown = None

    def splash(self) -> None:
        """The first frame, at once: the title on the background while the library and menu load behind it."""
        splash.paint(self.screen, self.metrics, "Loading the scenario library…")
        pygame.display.flip()
        self.first_frame = time.perf_counter()

    # -- scene stack --------------------------------------------------------------------------------

    @property
    def top(self) -> Scene:
        return self.stack[-1]

    def push(self, scene: Scene) -> None:
        self.stack.append(scene)

    def pop(self) -> None:
        if len(self.stack) > 1:
            self.stack.pop()

    def replace_all(self, scene: Scene) -> None:
        self.stack = [scene]

    def navigate(self, name: str, **kwargs: object) -> Scene | None:
        """Open a scene by name (see :mod:`sim.ui.navigation`): a full screen replaces the stack, a panel is pushed."""
        return navigation.go(self, name, **kwargs)

    def find(self, kind: type) -> Scene | None:
        return next((s for s in reversed(self.stack) if isinstance(s, kind)), None)

    def find_named(self, name: str) -> Any:
        """The topmost scene called ``name`` on the stack, or None."""
        return next((s for s in reversed(self.stack) if s.name == name), None)

    # -- messages -------------------------------------------------------------------------------------

    def toast(self, message: str, error: bool = False, seconds: float = 4.0) -> None:
        self._toast = (message, error, time.monotonic() + seconds)

    @property
    def toast_text(self) -> str:
        return self._toast[0] if self._toast else ""

    # -- games --------------------------------------------------------------------------------------

    def start_game(self, scenario_ref: str, player: str | None, seed: int | None = None) -> None:
        """A new game of a library scenario: the briefing first when playing, straight to the map when watching."""
        setup = library.load_setup(scenario_ref)
        self.last_scenario = scenario_ref
        self._toast = None  # messages about the previous game do not carry over
        session = GameSession.start(setup, scenario_ref, draw_seed() if seed is None else seed, player)
        self.set_game(Game(session, baseline_runs=self.settings.baseline_runs, view_process=self.settings.view_process))
        self.navigate("round")
        if player is not None:
            self.navigate("briefing", actor=player)

    def set_game(self, game: Game) -> None:
        if self.game is not None:
            self.game.close()
        self.game = game
        self._preparing = None
        # What exists now (the scenario, the fonts, the map, the first view) lives until the window closes: moved
        # out of the collector's sight, a full collection during play has only the game's new objects to scan.
        # (Unfrozen first, so the previous game's objects can still be collected.)
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def save_game(self, path: Path | None = None) -> Path | None:
        if self.game is None:
            return None
        s = self.game.session
        target = path or self.save_dir / f"{s.log.scenario_id}-round{s.round:02d}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        try:
            self.game.save(target)
        except SaveError as exc:  # one line naming the file and the cause; an earlier save there is untouched
            self.toast(f"Could not save: {exc}. The game goes on unchanged.", error=True, seconds=8.0)
            return None
        self.toast(f"Saved: {target}")
        return target

    def save_recovery(self) -> Path | None:
        """Save the game in progress under a new name (Ctrl-C in the terminal); None when there is no game.

        The file sits with the other saves (the Load screen lists it) and never overwrites one.
        Raises SaveError when it cannot be written.
        """
        if self.game is None:
            return None
        s = self.game.session
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.save_dir / f"{s.log.scenario_id}-round{s.round:02d}-interrupted-{stamp}.json"
        self.game.save(target)
        return target

    def keep_game_on_close(self) -> None:
        """The window's close button mid-game keeps the game, saved under a new name as Ctrl-C does.

        Sets ``closed_save`` to the file (or ``close_problem`` to why it could not be written); a game not
        yet started or already finished has nothing to lose and is not saved.
        """
        if self.game is None or self.game.session.finished or self.game.session.round == 0:
            return
        try:
            self.closed_save = self.save_recovery()
        except SaveError as exc:
            self.close_problem = str(exc)

    def load_game(self, path: Path) -> bool:
        """Load a save; a bad file leaves the current game as it was and says why."""
        try:
            session = load_session(path, library.load_setup)
        except SaveError as exc:
            self.toast(str(exc), error=True, seconds=8.0)
            return False
        self.last_scenario = session.log.scenario
        self.set_game(Game(session, baseline_runs=self.settings.baseline_runs, view_process=self.settings.view_process))
        self.navigate("round")
        self.toast(f"Loaded {Path(path).name}: round {session.round} of {session.setup.rounds}")
        return True

    def to_menu(self) -> None:
        if self.game is not None:
            self.game.close()
            self.game = None
        self.navigate("menu", selected=self.last_scenario)

    # -- the loop -----------------------------------------------------------------------------------

    def frame(self, dt: float | None = None) -> bool:
        """One frame: input, update, draw, flip. Returns False once the player quit.

        ``dt`` (seconds) replaces the clock for tests; without it the clock paces the loop to 60 FPS
        (the wait is not counted in ``frame_times``, which holds each frame's own work).
        """
        step = self.clock.tick(FPS) / 1000.0 if dt is None else dt
        start = time.perf_counter()
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.keep_game_on_close()
                self.running = False
            elif event.type == pygame.VIDEORESIZE:
                self.resize((max(800, event.w), max(480, event.h)))
            elif event.type in (pygame.VIDEOEXPOSE, pygame.WINDOWEXPOSED):
                self._shown = None  # the window needs its picture again
            elif (
                event.type == pygame.KEYDOWN
                and (key_name(event) == "f1" or (key_name(event) == "?" and not self.top.takes_text))
                and self.top.name != "help"
            ):
                self.navigate("help")
            elif event.type == pygame.KEYDOWN and key_name(event) == "f2":
                self.toast(f"Text size: {cycle_text_size(self.settings)} (F2 changes it)", seconds=2.0)
            elif self.stack:
                for scene in self.stack:  # every scene knows where the pointer is, also under an overlay
                    scene.track(event)
                self.top.handle(event)
        if self.game is not None:
            self._adopt()
        if self.stack:
            self.top.update(step)
        shown = self._picture()
        if shown is None or shown != self._shown:  # else the window already shows this very picture
            self.draw()
            pygame.display.flip()
            self._shown = self._picture()
        if self.first_frame is None:
            self.first_frame = time.perf_counter()
        self.frames += 1
        self.frame_times.append(time.perf_counter() - start)
        if len(self.frame_times) > 10_000:
            del self.frame_times[:5000]
        return self.running

    def _adopt(self) -> None:
        """Adopt the view of the game's finished job, once the scenes have prepared its picture.

        Drawing a new round at once (its log wrapped and rendered, the map's links, the chart) takes longer than
        a frame; so the scenes' ``prepare`` steps run ``PREPARE_BUDGET`` seconds a frame while the old picture
        stays on screen with its "resolving" sign, and the view is adopted when they are done (or after
        ``PREPARE_FRAMES`` frames). Tests and tools that call ``game.wait()`` adopt at once, as before.
        """
        assert self.game is not None
        coming = self.game.coming
        if coming is None or not self.stack:
            self._preparing = None
            self.game.poll()  # nothing finished (a no-op), or a job that failed: poll says so
            return
        if self._preparing is None or self._preparing[0] is not coming:
            steps: Iterator[None] | None = itertools.chain.from_iterable(scene.prepare(coming) for scene in self.stack)
            self._preparing = (coming, steps, 0)
        _, steps, frames = self._preparing
        if steps is not None and frames < PREPARE_FRAMES:
            deadline = time.perf_counter() + PREPARE_BUDGET
            for _ in steps:
                if time.perf_counter() >= deadline:
                    break
            else:  # all prepared: adopted next frame, which has the whole of its time for the new picture
                steps = None
            self._preparing = (coming, steps, frames + 1)
            return
        self._preparing = None
        self.game.poll()

    def _picture(self) -> tuple | None:
        """Everything the next frame's picture depends on, or None when it cannot be told (a scene without a cache
        key): a frame whose picture is the one on screen is neither drawn nor flipped, so the idle frames of
        play cost next to nothing (less CPU, and a process the scheduler seldom has to preempt)."""
        if not self.stack:
            return None
        first = max((k for k, s in enumerate(self.stack) if not s.overlay), default=0)
        keys = tuple(s.cache_key() for s in self.stack[first:])
        if any(k is None for k in keys):
            return None
        base = self.stack[first]
        transient = base.transient_key() if first == len(self.stack) - 1 else None
        toast = self._toast[:2] if self._toast is not None and time.monotonic() <= self._toast[2] else None
        top = self.top
        term = top.term_at(top.pointer())
        spot = (tuple(term[0]), term[1]) if term is not None else None
        caches = (id(self._cache), id(self._overlay_cache), id(self.screen))
        ids = tuple(id(s) for s in self.stack[first:])
        return (keys, ids, self.screen.get_size(), self.settings.text_size, transient, toast, spot, caches)

    def draw(self) -> None:
        """Paint the stack from the last full-screen scene up (overlays over what is under them).

        Every scene with a ``cache_key`` is served from a cached picture while its key is unchanged: the
        full-screen scene, and then the overlays above it when each of them has a key too. What moves on its
        own (the "resolving" indicator) is painted after the cached picture by ``draw_transient``.
        """
        surface = self.screen
        first = max((k for k, s in enumerate(self.stack) if not s.overlay), default=0)
        base = self.stack[first] if self.stack else None
        common = (surface.get_size(), self.settings.text_size)
        key = base.cache_key() if base is not None else None
        if key is not None and self._cache is not None and (key, *common) == self._cache_key:
            surface.blit(self._cache, (0, 0))  # nothing the scene shows has changed since the last frame
        else:
            surface.fill(th.BG)
            if base is not None:
                with collect_terms(surface) as base.term_spots:
                    base.draw(surface)
            if key is not None:
                self._cache = _keep(surface, self._cache)
                self._cache_key = (key, *common)
        overlays = self.stack[first + 1 :]
        keys = tuple(s.cache_key() for s in overlays)
        if overlays and key is not None and all(k is not None for k in keys):
            full = (key, keys, *common, tuple(id(s) for s in overlays))
            if self._overlay_cache is not None and full == self._overlay_key:
                surface.blit(self._overlay_cache, (0, 0))
            else:
                self._draw_overlays(surface, overlays)
                self._overlay_cache, self._overlay_key = _keep(surface, self._overlay_cache), full
        else:
            self._draw_overlays(surface, overlays)
        if base is not None and not overlays:
            base.draw_transient(surface)
        self._draw_term_tooltip(surface)
        self._draw_toast(surface)

    def _draw_overlays(self, surface: pygame.Surface, overlays: list[Scene]) -> None:
        for scene in overlays:
            with collect_terms(surface) as scene.term_spots:
                scene.draw(surface)

    def _draw_term_tooltip(self, surface: pygame.Surface) -> None:
        """Hovering a glossary term anywhere on the top scene shows its plain explanation below it."""
        self.explaining = ""
        if not self.stack:
            return
        top = self.top
        found = top.term_at(top.pointer())
        if found is not None:
            spot, term = found
            draw_tooltip(surface, spot, term, explain(term), self.metrics)
            self.explaining = term

    def _draw_toast(self, surface: pygame.Surface) -> None:
        if self._toast is None:
            return
        message, error, until = self._toast
        if time.monotonic() > until:
            self._toast = None
            return
        m = self.metrics
        w = surface.get_width()
        from sim.ui.widgets import wrap  # noqa: PLC0415

        lines = wrap(message, m.body, min(w - 4 * m.pad, m.px(760)))
        lh = text_surface("Ag", m.body).get_height()
        box = pygame.Rect(0, 0, min(w - 2 * m.pad, m.px(780)), len(lines) * lh + 2 * m.pad)
        box.midtop = (w // 2, m.px(60))  # below the status bar, clear of every scene's buttons
        pygame.draw.rect(surface, (40, 22, 10) if error else th.PANEL_HI, box, border_radius=m.px(8))
        pygame.draw.rect(surface, th.BAD if error else th.ACCENT, box, width=2, border_radius=m.px(8))
        for k, line in enumerate(lines):
            draw_text(surface, line, (box.left + m.pad, box.top + m.pad + k * lh), m.body, th.TEXT)

    def run(self) -> None:
        while self.running:
            self.frame()
        self.quit()

    def quit(self) -> None:
        if self.game is not None:
            self.game.close()
        clear_caches()
        pygame.quit()

    def screenshot(self, path: Path) -> Path:
        """Save the window as a PNG, atomically."""
        make_folder(path.parent)
        with atomic_file(path, "wb") as handle:
            pygame.image.save(self.screen, handle, "screenshot.png")
        return path


def _keep(surface: pygame.Surface, into: pygame.Surface | None) -> pygame.Surface:
    """A copy of the window's pixels, into the previous copy when it has the same size (no new allocation)."""
    if into is None or into.get_size() != surface.get_size():
        return surface.copy()
    into.blit(surface, (0, 0))
    return into


def open_app(
    scenario: str | None = None,
    player: str | None = None,
    watch: bool = False,
    seed: int | None = None,
    size: tuple[int, int] = SIZES[0],
    settings: Settings | None = None,
    load: Path | None = None,
) -> App:
    """An app opened where the command line asked: the menu, a briefing, the map in watch mode, or a loaded save."""
    settings = settings or Settings()
    if settings.instructor_pin is None and os.environ.get("PIVOT_INSTRUCTOR_PIN"):
        settings.instructor_pin = os.environ["PIVOT_INSTRUCTOR_PIN"].strip()
    app = App(size, settings)
    app.splash()  # the window shows something at once; scanning the library takes a moment
    app.navigate("menu", selected=scenario)
    if load is not None:
        app.load_game(load)
    elif scenario is not None and (player is not None or watch):
        app.start_game(scenario, None if watch else player, seed)
    return app
