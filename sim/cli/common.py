"""Shared CLI pieces: the one-line argument parser, errors, scenario lookup, and atomic file output."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sim.atomic import atomic_file as atomic_write
from sim.errors import CliError, CliUsageError, InterruptError
from sim.scenario.errors import ScenarioError
from sim.seeds import seed_problem

if TYPE_CHECKING:
    from sim.core import ModelSetup

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


#: What a headless command does with actors whose scenario says ``controller: human`` (nobody is at the keyboard).
HUMANS_MODES = ("ai", "pass", "error")


def add_humans_option(parser: argparse.ArgumentParser) -> None:
    """``--humans ai|pass|error`` for the commands that play a scenario without a player (run, check, batch ...)."""
    parser.add_argument(
        "--humans",
        choices=HUMANS_MODES,
        default="ai",
        help="actors with controller: human (seats for players): ai = the AI plays them (default), "
        "pass = they make no moves, error = refuse to play a scenario that has any",
    )


def human_seats(actors: object) -> list[str]:
    """Ids of the actors a setup or scenario hands to a human (``controller: human``), in order."""
    items = actors.items() if isinstance(actors, dict) else ((a.id, a) for a in actors)  # type: ignore[attr-defined]
    return [name for name, a in items if a.controller == "human"]


def humans_note(command: str, seats: list[str], mode: str) -> str | None:
    """The line a headless command prints about human seats, or None; raises CliError for ``--humans error``."""
    if not seats:
        return None
    who = ", ".join(seats)
    if mode == "error":
        raise CliError(
            f"{command}: {who} {'has' if len(seats) == 1 else 'have'} controller: human and nobody plays here; "
            "use --humans ai (the AI plays them) or --humans pass (they make no moves)"
        )
    if mode == "ai":
        return f"note: {who}: controller: human; the AI plays {'it' if len(seats) == 1 else 'them'} here (--humans ai)"
    return f"note: {who}: controller: human; {'it makes' if len(seats) == 1 else 'they make'} no moves (--humans pass)"


def seat_humans(setup: ModelSetup, command: str, mode: str, *, quiet: bool = False) -> ModelSetup:
    """``setup`` as a headless command plays it: human seats handed to the AI (``ai``), left idle (``pass``) or refused.

    Prints the note on stderr (unless ``quiet``), so a result never hides that nobody was at the keyboard.
    """
    import sys
    from dataclasses import replace

    seats = human_seats(setup.actors)
    note = humans_note(command, seats, mode)
    if note and not quiet:
        print(note, file=sys.stderr)
    if mode != "ai" or not seats:
        return setup
    actors = tuple(replace(a, controller="ai") if a.controller == "human" else a for a in setup.actors)
    return replace(setup, actors=actors)


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
