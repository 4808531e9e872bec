"""Frame times of the game window at 1280x720 during play (SDL dummy driver): median and 99th percentile.

Plays a game as Cambodia through the real scene stack — choosing moves, ending turns while the model
resolves rounds on its worker thread and the AI-only comparison runs in a background process — and
times every frame (input, update, draw, flip). The target is 16 ms (60 FPS). Run:

    .venv/bin/python benchmarks/bench_ui.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame

from sim.ui.app import App, Settings
from sim.ui.scenes.menu import MenuScene
from sim.ui.scenes.round import RoundScene

FRAMES_PER_TURN = 40  # frames between the key presses of a turn (a quick student: about 1.5 s a turn)


def press(app: App, key: int, unicode: str = "") -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=0, scancode=0))


def main() -> None:
    app = App((1280, 720), Settings(baseline_runs=100), save_dir=Path("/tmp/pivot-bench-saves"))
    app.push(MenuScene(app))
    app.start_game("medvedev_visit_2015", "cambodia", seed=1)
    press(app, pygame.K_RETURN)  # leave the briefing
    for _ in range(5):
        app.frame(dt=1 / 60)
    app.frame_times.clear()
    busy_frames: list[float] = []
    turns = 0
    start = time.perf_counter()
    while app.game is not None and not app.game.finished and turns < 12:
        for k, (key, char) in enumerate(
            ((pygame.K_DOWN, ""), (pygame.K_RETURN, ""), (pygame.K_RETURN, ""), (pygame.K_SPACE, " "))
        ):
            press(app, key, char)
            for _ in range(FRAMES_PER_TURN // 4 if k < 3 else FRAMES_PER_TURN):
                busy = app.game.busy
                app.frame()  # paced by the clock at 60 FPS, as in play
                if busy:
                    busy_frames.append(app.frame_times[-1])
        turns += 1
    elapsed = time.perf_counter() - start
    times = sorted(app.frame_times)
    # A full redraw of the round screen (the work of a frame after any change), timed on its own.
    scene = app.find(RoundScene)
    redraws = []
    for _ in range(100):
        t0 = time.perf_counter()
        app.screen.fill((0, 0, 0))
        scene.draw(app.screen)
        redraws.append((time.perf_counter() - t0) * 1000)
    app.quit()
    ms = [t * 1000 for t in times]
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(f"frames: {len(ms)} over {turns} rounds of play at 1280x720 ({elapsed:.1f} s wall time)")
    print(f"frame time: median {statistics.median(ms):.2f} ms, 99th percentile {p99:.2f} ms, max {ms[-1]:.2f} ms")
    if busy_frames:
        busy_ms = sorted(t * 1000 for t in busy_frames)
        print(
            f"frames while a round resolved on the worker: {len(busy_ms)}, median {statistics.median(busy_ms):.2f} ms"
        )
    print(f"full redraw of the round screen: median {statistics.median(redraws):.2f} ms")
    print(
        f"target 16.7 ms (60 FPS): p99 / target = {p99 / 16.7:.2f}; load average now {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine inflates the tail)"
    )


if __name__ == "__main__":
    main()
