"""Frame times of the game window at 1280x720 during play (SDL dummy driver): median and 99th percentile, with
and without the background AI games in the same run, and the time to the first frame.

Plays a game as Cambodia through the real scene stack — choosing moves, ending turns while the model
resolves rounds on its worker thread and the AI-only comparison runs in a background process — and
times every frame (input, update, draw, flip). The target is 16 ms (60 FPS). Run:

    .venv/bin/python benchmarks/bench_ui.py [--view-process]

``--view-process`` builds the round views in a process of their own (``Settings.view_process``, off by default).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame

from sim.ui.app import App, Settings, open_app
from sim.ui.scenes.round import RoundScene

ROOT = Path(__file__).resolve().parents[1]
TARGET = 16.7  # ms: 60 FPS
FRAMES_PER_TURN = 40  # frames between the key presses of a turn (a quick student: about 1.5 s a turn, or until
# the round has resolved when that takes longer: every turn plays a round)


def press(app: App, key: int, unicode: str = "") -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=0, scancode=0))


@dataclass
class Played:
    """What one benchmarked game measured."""

    ms: list[float]  # every frame's own work, sorted
    cpu_ms: list[float]  # the main thread's CPU time in each frame, sorted (no time descheduled by the OS in it)
    busy_ms: list[float]  # the frames while a round resolved (and its picture was prepared), sorted
    waits: list[float]  # seconds from Space (end of turn) to the new round on screen, sorted
    rounds: int
    elapsed: float
    app: App


def play(baseline_runs: int) -> Played:
    """One game of twelve quick turns, each waiting for its round to show."""
    settings = Settings(baseline_runs=baseline_runs, view_process="--view-process" in sys.argv)
    app = App((1280, 720), settings, save_dir=Path("/tmp/pivot-bench-saves"))
    app.navigate("menu")
    app.start_game("medvedev_visit_2015", "cambodia", seed=1)
    press(app, pygame.K_RETURN)  # leave the briefing
    for _ in range(5):
        app.frame(dt=1 / 60)
    app.frame_times.clear()
    busy_frames: list[float] = []
    cpu_frames: list[float] = []
    waits: list[float] = []
    turns = 0
    start = time.perf_counter()
    while app.game is not None and not app.game.finished and turns < 12:
        # Enter closes the turn summary (after the first round), Down + Enter adds a move, Space ends the turn.
        for k, (key, char) in enumerate(
            ((pygame.K_RETURN, ""), (pygame.K_DOWN, ""), (pygame.K_RETURN, ""), (pygame.K_SPACE, " "))
        ):
            press(app, key, char)
            n = 0
            version, pressed = app.game.version, time.perf_counter()
            # after Space the student waits (frames running) until the round has resolved and shows
            while n < (FRAMES_PER_TURN // 4 if k < 3 else FRAMES_PER_TURN) or (k == 3 and app.game.busy):
                busy = app.game.busy
                cpu = time.thread_time()
                app.frame()  # paced by the clock at 60 FPS, as in play (its wait sleeps: no CPU time)
                cpu_frames.append((time.thread_time() - cpu) * 1000)
                n += 1
                if busy:
                    busy_frames.append(app.frame_times[-1] * 1000)
                if k == 3 and app.game.version != version and len(waits) == turns:
                    waits.append(time.perf_counter() - pressed)
        turns += 1
    elapsed = time.perf_counter() - start
    rounds = 0
    if app.game is not None:
        app.game.wait()
        rounds = app.game.session.round
    ms = sorted(t * 1000 for t in app.frame_times)
    return Played(ms, sorted(cpu_frames), sorted(busy_frames), sorted(waits), rounds, elapsed, app)


#: Run in a child as ``python -c``: ``python run.py play`` whose first ``display.flip`` prints the wall time and exits.
FIRST_FRAME_PROBE = """
import os, runpy, sys, time
import pygame
_flip = pygame.display.flip
def flip():
    _flip()
    print(time.time(), flush=True)
    os._exit(0)
pygame.display.flip = flip
sys.argv = ["run.py", "play"]
runpy.run_path("run.py", run_name="__main__")
"""


def first_frame_from_cli(root: Path = ROOT) -> float:
    """Seconds from starting ``python run.py play`` (a new process) to its first frame on screen."""
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    start = time.time()
    child = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_PROBE], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return float(child.stdout.split()[-1]) - start


def percentile(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]


def p99(ms: list[float]) -> float:
    return percentile(ms, 0.99)


def main() -> None:
    cli_first = sorted(first_frame_from_cli() for _ in range(3))
    t0 = time.perf_counter()
    first = open_app()
    to_first_frame = (first.first_frame or time.perf_counter()) - t0
    to_menu = time.perf_counter() - t0
    first.quit()
    quiet_game = play(0)
    quiet_game.app.quit()
    game = play(100)
    ms, quiet, app = game.ms, quiet_game.ms, game.app
    # A redraw of the round screen after a key in the picker (its other panels come from the scene's cached layer),
    # and a full redraw after a new round (the layer too), each timed on its own.
    scene = app.find(RoundScene)
    redraws: dict[str, list[float]] = {"picker": [], "full": []}
    for k in range(200):
        kind = "full" if k % 2 else "picker"
        if kind == "full":
            scene._backdrop = None
        t1 = time.perf_counter()
        app.screen.fill((0, 0, 0))
        scene.draw(app.screen)
        redraws[kind].append((time.perf_counter() - t1) * 1000)
    app.quit()
    print(f"python run.py play: first frame after {cli_first[1]:.2f} s (median of 3 new processes; "
          f"{cli_first[0]:.2f}–{cli_first[-1]:.2f} s)")  # fmt: skip
    print(f"window opened: first frame (splash) after {to_first_frame * 1000:.0f} ms, menu ready after {to_menu:.2f} s")
    print(f"frames: {len(ms)} over {game.rounds} rounds of play at 1280x720 ({game.elapsed:.1f} s wall time)")
    print(f"with the 100 background AI games: median {statistics.median(ms):.2f} ms, "
          f"p95 {percentile(ms, 0.95):.2f} ms, p99 {p99(ms):.2f} ms, max {ms[-1]:.2f} ms, "
          f"{sum(t > TARGET for t in ms)} frames over {TARGET} ms")  # fmt: skip
    print(f"without background games:        median {statistics.median(quiet):.2f} ms, "
          f"p95 {percentile(quiet, 0.95):.2f} ms, p99 {p99(quiet):.2f} ms, "
          f"{sum(t > TARGET for t in quiet)} of {len(quiet)} frames over {TARGET} ms")  # fmt: skip
    print(f"p99 with / without background games = {p99(ms) / max(1e-9, p99(quiet)):.2f}")
    cpu = game.cpu_ms
    print(f"the main thread's CPU time in a frame, with the background games: median {statistics.median(cpu):.2f} ms, "
          f"p99 {p99(cpu):.2f} ms, max {cpu[-1]:.2f} ms, {sum(t > TARGET for t in cpu)} frames over {TARGET} ms "
          f"(wall time above it is time the frame was not running)")  # fmt: skip
    waits = [*game.waits, *quiet_game.waits]
    if waits:
        wait = statistics.median(waits) * 1000
        print(f"end of turn (Space) to the new round on screen: median {wait:.0f} ms, "
              f"max {max(waits) * 1000:.0f} ms ({len(waits)} rounds of both games)")  # fmt: skip
    busy_ms = game.busy_ms
    if busy_ms:
        median = statistics.median(busy_ms)
        print(f"frames while a round resolved on the worker: {len(busy_ms)}, median {median:.2f} ms")
    print(f"redraw of the round screen after a picker key: median {statistics.median(redraws['picker']):.2f} ms; "
          f"after a new round (every panel): median {statistics.median(redraws['full']):.2f} ms")  # fmt: skip
    load = os.getloadavg()[0]
    print(
        f"target {TARGET} ms (60 FPS): p99 / target = {p99(ms) / TARGET:.2f}; load average now {load:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine inflates the tail)"
    )


if __name__ == "__main__":
    main()
