"""AI-only runs of the scenario, computed in a background process while the student plays (for the debrief).

The debrief places the student's result among runs in which the AI plays the student's actor too.
They run in a separate process (one worker, in chunks), so the window's frames never wait on them;
results stream in and the debrief shows how many are done.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from sim.core import ModelSetup
from sim.runs import play

#: Runs per task: small enough that results stream in, large enough to amortise the hand-over.
CHUNK = 10


@dataclass(frozen=True, slots=True)
class BaselineResult:
    """One AI-only run, read from the student's actor's side."""

    score: float  # objective score 0..100 (0 when the actor has no objectives)
    utility: float  # utility gained over the game (final minus start), points
    outcome: str


def ai_only(setup: ModelSetup) -> ModelSetup:
    """The same scenario with every person-controlled actor handed to the AI (scripted actors stay scripted)."""
    actors = tuple(replace(a, controller="ai") if a.controller == "human" else a for a in setup.actors)
    return replace(setup, actors=actors)


def run_chunk(setup: ModelSetup, seeds: list[np.random.SeedSequence], actor: int) -> list[BaselineResult]:
    """Play one AI-only run per seed and read the actor's score, utility and the run's outcome."""
    out = []
    for seed in seeds:
        model = play(setup, seed)
        report = model.objective_report(actor)
        last = model.history[-1]
        gain = float(last.utility[actor] - model.history[0].utility[actor]) * 1000.0
        out.append(BaselineResult(report.score, gain, last.outcome))
    return out


@contextlib.contextmanager
def _no_interrupts() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C in the terminal is for the game process (it saves and quits), not this worker;
    and the worker runs at a lower priority, so the window's frames come first on a busy machine."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # os.nice is POSIX only; refusing it changes nothing else
        os.nice(BACKGROUND_NICENESS)


def _lower_priority(pool: cf.Executor) -> None:
    """Lower the worker's priority at once, from the window's process: its initializer does it too, but only after
    the second or two of imports a spawned process starts with, which would otherwise run at the window's
    priority during the first turns of the game."""
    processes = getattr(pool, "_processes", None) or {}
    for pid in list(processes):
        with contextlib.suppress(OSError, AttributeError):  # POSIX only; refusing it changes nothing else
            now = os.getpriority(os.PRIO_PROCESS, pid)
            os.setpriority(os.PRIO_PROCESS, pid, max(now, min(19, os.nice(0) + BACKGROUND_NICENESS)))


#: How much lower the AI-only games run than the game window (os.nice increment).
BACKGROUND_NICENESS = 19  # the lowest priority: it runs on what the window leaves


class BaselineRuns:
    """A background batch of AI-only runs; ``poll()`` returns what has finished so far without waiting."""

    def __init__(self, setup: ModelSetup, seed: int, actor: int, runs: int = 100) -> None:
        self.total = runs
        self.results: list[BaselineResult] = []
        self.error: str | None = None
        children = np.random.SeedSequence([seed, 7919]).spawn(runs)  # distinct from the game's own stream
        chunks = [children[k : k + CHUNK] for k in range(0, runs, CHUNK)]
        self._pool: cf.Executor
        try:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=ignore_interrupts
            )
        except (OSError, NotImplementedError):  # no process support here: a thread still keeps frames free of it
            self._pool = cf.ThreadPoolExecutor(max_workers=1)
        base = ai_only(setup)
        with _no_interrupts():  # the worker starts now and inherits an ignored SIGINT from its first instant
            self._pending = [self._pool.submit(run_chunk, base, chunk, actor) for chunk in chunks]
        _lower_priority(self._pool)

    @property
    def done(self) -> bool:
        return not self._pending

    def poll(self) -> list[BaselineResult]:
        """Collect finished chunks (never blocks) and return every result so far."""
        still = []
        for future in self._pending:
            if not future.done():
                still.append(future)
                continue
            try:
                self.results.extend(future.result())
            except Exception as exc:  # a broken worker must not take the game down; the debrief says so
                self.error = f"background runs failed: {exc}"
        self._pending = still
        return self.results

    def wait(self, timeout: float | None = None) -> list[BaselineResult]:
        """Block until every run is done (tests and the benchmark only)."""
        cf.wait(self._pending, timeout=timeout)
        return self.poll()

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
