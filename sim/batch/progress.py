"""Batch progress for people: a rich bar with runs/s and ETA on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import math
import sys
import time
from typing import IO, Any


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Silent progress (the base): the driver calls start, update and close."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.failed = 0
        self._start_done = 0
        self._t0 = time.monotonic()

    def start(self, total: int, done: int) -> None:
        self.total, self.done, self._start_done = total, done, done
        self._t0 = time.monotonic()

    def set_total(self, total: int) -> None:
        self.total = total

    def update(self, done: int, failed: int) -> None:
        self.done, self.failed = done, failed

    def close(self) -> None:
        pass

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self._t0
        return (self.done - self._start_done) / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else float("nan")


class LineProgress(Progress):
    """One plain line every ``interval`` seconds (and at the end): for logs, CI and pipes."""

    def __init__(self, stream: IO[str] | None = None, interval: float = 10.0, label: str = "batch") -> None:
        super().__init__()
        self.label = label
        self.stream = stream or sys.stderr
        self.interval = interval
        self._last = 0.0

    def start(self, total: int, done: int) -> None:
        super().start(total, done)
        self._last = time.monotonic()
        already = f" ({done} already finished)" if done else ""
        self._print(f"{self.label}: {total - done} runs to play{already}")

    def update(self, done: int, failed: int) -> None:
        super().update(done, failed)
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._print(self.line())

    def line(self) -> str:
        share = 100.0 * self.done / self.total if self.total else 100.0
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"{self.label}: {self.done}/{self.total} runs ({share:.0f} %), {self.rate:.1f} runs/s, "
            f"ETA {_clock(self.eta)}{failed}"
        )

    def close(self) -> None:
        self._print(self.line())

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class BarProgress(Progress):
    """A rich progress bar: runs done of total, runs/s, time left."""

    def __init__(self, label: str = "batch") -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[failed]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._task: Any = None

    def start(self, total: int, done: int) -> None:
        super().start(total, done)
        self._bar.start()
        self._task = self._bar.add_task("batch", total=total, completed=done, rate="", failed="")

    def set_total(self, total: int) -> None:
        super().set_total(total)
        self._bar.update(self._task, total=total)

    def update(self, done: int, failed: int) -> None:
        super().update(done, failed)
        self._bar.update(
            self._task,
            completed=done,
            rate=f"{self.rate:.1f} runs/s",
            failed=f"{failed} failed" if failed else "",
        )

    def close(self) -> None:
        self._bar.stop()


def make_progress(
    mode: str = "auto", stream: IO[str] | None = None, label: str = "batch", interval: float = 10.0
) -> Progress:
    """``auto``: a bar on a terminal, lines otherwise (every ``interval`` s); or ``bar``, ``lines``, ``none``."""
    stream = stream or sys.stderr
    if mode == "auto":
        mode = "bar" if stream.isatty() else "lines"
    if mode == "bar":
        return BarProgress(label)
    if mode == "lines":
        return LineProgress(stream, interval, label)
    return Progress()
