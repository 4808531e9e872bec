"""Shared CLI pieces: the one-line argument parser, errors, scenario lookup, and atomic file output."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
from pathlib import Path
from typing import NoReturn

from sim.atomic import atomic_file as atomic_write
from sim.errors import CliError, CliUsageError, InterruptError
from sim.scenario.errors import ScenarioError
from sim.seeds import seed_problem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = "medvedev_visit_2015"


class PivotArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line naming the command and the fix, never a traceback."""

    def error(self, message: str) -> NoReturn:
        raise CliUsageError(f"{self.prog}: {message} (see: {self.prog} --help)")


def resolve_scenario(name: str) -> Path:
    """A scenario path from a file path or a library name (``medvedev_visit_2015``)."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists() or os.sep in name:
        return path
    candidate = SCENARIO_DIR / f"{name}.yaml"
    if candidate.exists():
        return candidate
    known = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    raise ScenarioError.single(name, f"no such scenario file or library scenario; library: {', '.join(known)}")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 (got {value})")
    return value


def seed_int(text: str) -> int:
    """A seed or seed index: the same range (0..2**63-1) for every command."""
    if len(text.strip()) > 40:  # int() of thousands of digits is slow; no seed has more than 19
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 2**63-1 (got {text[:20]}...)")
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 2**63-1 (got {text!r})") from None
    problem = seed_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def shield_from_interrupts() -> None:
    """Ignore further Ctrl-C while a command cleans up after the first one (saving, stopping workers)."""
    with contextlib.suppress(ValueError):  # not the main thread: nothing to change
        signal.signal(signal.SIGINT, signal.SIG_IGN)


__all__ = ["CliError", "CliUsageError", "InterruptError", "PivotArgumentParser", "atomic_write", "resolve_scenario"]
