"""The project's error classes: PivotError and one subclass per kind of failure the user can meet.

Every failure the user can cause -- a bad scenario, a batch folder in use, a damaged save, an impossible
move, a bad command line -- is a :class:`PivotError`, so the CLI reports all of them in one place: one
line each (``lines()``), and ``exit_code``. The classes keep the names their modules have always
exported (``sim.scenario.errors.ScenarioError``, ``sim.batch.store.BatchError``,
``sim.play.session.SaveError``, ``sim.cli.common.CliError``); those modules import them from here.

This module imports only the standard library's ``dataclasses``, so the engine and the workers can use
it without loading anything else. ``sim.core.model.MoveError`` keeps its own base (``ValueError``) since
the engine is not changed here; :class:`PivotMoveError` is the base for the move errors outside it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Characters that reorder or hide text on a terminal although Python calls some of them printable:
#: the bidirectional overrides and isolates (U+202A-E, U+2066-9) and the zero-width ones.
_HIDDEN = frozenset("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff")


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` that would act on a terminal or hide text (a control, format,
    bidirectional-override or zero-width character), or None when every character just prints."""
    for ch in text:
        if ch in _HIDDEN or not ch.isprintable() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            return ch
    return None


def one_line(text: str) -> str:
    """``text`` with every control, bidirectional or zero-width character escaped (``\\n``, ``\\x1b``,
    ``\\u202e``), so a hostile name or value quoted in a message can never break it over lines, move
    the cursor, clear the screen, reverse the text or hide part of it."""
    if unsafe_character(text) is None:
        return text
    return "".join(ch if unsafe_character(ch) is None else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return repr(ch)[1:-1] if ch in "\n\r\t" else f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class PivotError(Exception):
    """A failure the user can understand and fix: ``lines()`` are what to print, ``exit_code`` the status."""

    exit_code = 1

    def lines(self) -> list[str]:
        """What the CLI prints, one line each, with unprintable characters escaped."""
        return [f"error: {one_line(str(self))}"]


# -- scenarios ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file, where it is, and what is allowed instead."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return one_line(text)


class ScenarioError(PivotError):
    """A scenario (or any project file) that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(
        cls, file: str, message: str, path: str = "", line: int | None = None, column: int | None = None
    ) -> ScenarioError:
        return cls([Problem(file, line, column, path, message)])

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


# -- batches -----------------------------------------------------------------------------------------------


class BatchError(PivotError):
    """A batch that cannot start or go on (folder in use, another plan, damaged files...): one line."""


class FolderLockedError(BatchError):
    """A results folder that another live process is writing; the message names it (PID, host, start)."""


# -- saved games -------------------------------------------------------------------------------------------


class SaveError(PivotError):
    """A save that cannot be loaded (corrupt, foreign, newer, no longer replayable) or written (disk full...)."""


# -- moves -------------------------------------------------------------------------------------------------


class PivotMoveError(PivotError, ValueError):
    """A move that is not possible now (the base of the move errors outside the engine)."""


# -- the command line --------------------------------------------------------------------------------------


class CliError(PivotError):
    """A user-facing failure with a one-line message."""


class InterruptError(CliError):
    """Ctrl-C: the command stopped early; the message says what was kept (exit code 130, like a shell)."""

    exit_code = 130

    def lines(self) -> list[str]:
        return [f"interrupted: {one_line(str(self))}"]


class CliUsageError(CliError):
    """A bad command line (exit code 2, like argparse)."""

    exit_code = 2


__all__ = [
    "BatchError",
    "CliError",
    "CliUsageError",
    "FolderLockedError",
    "InterruptError",
    "PivotError",
    "PivotMoveError",
    "Problem",
    "SaveError",
    "ScenarioError",
    "one_line",
    "unsafe_character",
]
