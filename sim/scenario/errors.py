"""ScenarioError: every problem in a scenario file, each located as file:line:column: path: message."""

from __future__ import annotations

from dataclasses import dataclass


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


def one_line(text: str) -> str:
    """``text`` with every unprintable character escaped (``\\n``, ``\\x00``), so a hostile key or value
    quoted in a message can never break it over lines or hide part of it."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class ScenarioError(Exception):
    """A scenario (or any project file) that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(
        cls, file: str, message: str, path: str = "", line: int | None = None, column: int | None = None
    ) -> ScenarioError:
        return cls([Problem(file, line, column, path, message)])
