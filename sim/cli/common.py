"""Shared CLI pieces: the one-line argument parser, errors, scenario lookup, and atomic file output."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sim.atomic import atomic_file as atomic_write
from sim.errors import CliError, CliUsageError, InterruptError
from sim.library import DEFAULT_SCENARIO, SCENARIO_DIR
from sim.library import resolve as resolve_scenario
from sim.seeds import seed_problem


def program() -> str:
    """How the user started Pivot, for usage lines and hints: ``pivot`` (the installed command) or ``python run.py``."""
    return "pivot" if Path(sys.argv[0]).stem == "pivot" else "python run.py"


if TYPE_CHECKING:
    from sim.core import ModelSetup


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


#: What a headless command does with actors whose scenario says ``controller: human`` (nobody is at the keyboard).
HUMANS_MODES = ("ai", "pass", "error")


def add_engine_option(parser: argparse.ArgumentParser, what: str = "the runs") -> None:
    """``--engine auto|vector|mesa``, shared by every command that plays many runs (sim.batch.engines)."""
    parser.add_argument(
        "--engine",
        choices=("auto", "vector", "mesa"),
        default="auto",
        help=f"what plays {what}: vector (many runs at once as arrays, the same runs draw for draw, several times "
        "faster; docs/vector.md), mesa (one Mesa model per run), or auto (default: vector where the scenario "
        "allows it, else mesa with a note saying why)",
    )


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
