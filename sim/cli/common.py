"""Shared CLI pieces: the one-line argument parser, errors, scenario lookup, and atomic file output."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from typing import NoReturn

from sim.atomic import atomic_file as atomic_write
from sim.errors import CliError, CliUsageError, InterruptError
from sim.library import DEFAULT_SCENARIO, SCENARIO_DIR
from sim.library import resolve as resolve_scenario
from sim.seeds import seed_problem


def program() -> str:
    """How the user started Pivot, for usage lines and hints: ``pivot`` (the installed command) or ``python run.py``."""
    return "pivot" if Path(sys.argv[0]).stem == "pivot" else "python run.py"


class PivotArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line naming the command and the fix, never a traceback."""

    def error(self, message: str) -> NoReturn:
        raise CliUsageError(f"{self.prog}: {message} (see: {self.prog} --help)")


QUIET, NORMAL, VERBOSE = -1, 0, 1


def add_verbosity(parser: argparse.ArgumentParser, quiet: str, verbose: str) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` (exclusive) as ``args.verbosity``; the help says what each changes."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=QUIET, help=quiet)
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=VERBOSE, help=verbose)
    parser.set_defaults(verbosity=NORMAL)


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


__all__ = [
    "DEFAULT_SCENARIO",
    "SCENARIO_DIR",
    "CliError",
    "CliUsageError",
    "InterruptError",
    "PivotArgumentParser",
    "add_verbosity",
    "atomic_write",
    "program",
    "resolve_scenario",
]
