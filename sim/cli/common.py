"""Shared CLI pieces: the one-line argument parser, errors, scenario lookup, and atomic file output."""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NoReturn

from sim.scenario.errors import ScenarioError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = "medvedev_visit_2015"


class CliError(Exception):
    """A user-facing failure with a one-line message."""

    exit_code = 1


class CliUsageError(CliError):
    """A bad command line (exit code 2, like argparse)."""

    exit_code = 2


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
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0 (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 (got {value})")
    return value


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place only if everything succeeded.

    A failure (full disk, read-only folder, Ctrl-C) leaves any earlier file at ``path`` untouched and no
    partial file behind; it is reported as a one-line CliError.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise CliError(f"{target}: folder {folder} does not exist") from None
    except OSError as exc:
        raise CliError(f"{target}: cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise CliError(f"{target}: could not be written ({exc.strerror}); any earlier file is unchanged") from None
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
