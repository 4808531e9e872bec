"""Doc-tests: the command outputs quoted in README.md and docs/ are re-run and compared, or refreshed.

A quoted output is marked by an HTML comment on the line just before its fenced block:

    <!-- doctest: python run.py validate scenarios/x.yaml -->
    <!-- doctest[excerpt]: python run.py batch ... -->
    <!-- doctest[slow, excerpt]: python docs/examples/rl_learner.py -->

The command runs from the repository root (``python`` is this interpreter; ``$TMP`` is a fresh empty
folder, written as ``$TMP`` in the output too; paths inside the repository are shown relative to it),
and its stdout and stderr, merged, are compared with the block. A block is the whole output, or with
``excerpt`` the lines from the one that starts with the same two words as the block's first line through the
indented lines that follow it. ``slow`` marks commands that take more than a few seconds: ``make test`` skips
them, ``make test-slow`` runs them.

Usage:
    python tools/doctest_docs.py            check every quoted output (exit 1 and a diff if one differs)
    python tools/doctest_docs.py --update   rewrite every quoted output from the commands' real output
    python tools/doctest_docs.py --fast     only the fast ones (add --update to refresh only those)
"""

from __future__ import annotations

import argparse
import difflib
import functools
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.atomic import write_text  # noqa: E402  (files are replaced whole, as everywhere in Pivot)

DOCS = ("README.md", "docs/research.md", "docs/rl.md", "docs/scenario-authoring.md")
MARKER = re.compile(r"^<!-- doctest(?:\[(?P<flags>[a-z, ]+)\])?: (?P<command>.+?) -->$")
FLAGS = {"slow", "excerpt"}


@dataclass(frozen=True, slots=True)
class Quote:
    """One quoted output: where it is, the command that prints it, and the lines the page shows."""

    doc: str
    line: int  # 1-based line of the marker
    command: str
    flags: frozenset[str]
    start: int  # 0-based index of the first line inside the fence
    end: int  # 0-based index of the closing fence
    indent: str  # the fence's indentation (a block inside a list item), kept when the block is rewritten
    quoted: tuple[str, ...]

    @property
    def slow(self) -> bool:
        return "slow" in self.flags

    @property
    def name(self) -> str:
        return f"{self.doc}:{self.line}"


class DoctestError(Exception):
    """A marker that is not followed by a fenced block, or carries an unknown flag."""


def quotes(doc: str) -> list[Quote]:
    """Every marked quote in ``doc`` (a path relative to the repository root), in page order."""
    lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
    found = []
    for k, text in enumerate(lines):
        match = MARKER.match(text.strip())
        if not match:
            continue
        flags = frozenset(f.strip() for f in (match["flags"] or "").split(",") if f.strip())
        if flags - FLAGS:
            raise DoctestError(f"{doc}:{k + 1}: unknown doctest flag(s) {sorted(flags - FLAGS)}; allowed: {FLAGS}")
        if k + 1 >= len(lines) or not lines[k + 1].lstrip().startswith("```"):
            raise DoctestError(f"{doc}:{k + 1}: a doctest marker must be followed at once by a ``` block")
        indent = lines[k + 1][: len(lines[k + 1]) - len(lines[k + 1].lstrip())]
        end = next((j for j in range(k + 2, len(lines)) if lines[j].strip().startswith("```")), None)
        if end is None:
            raise DoctestError(f"{doc}:{k + 1}: the block after the marker is never closed")
        quoted = tuple(line.removeprefix(indent) for line in lines[k + 2 : end])
        found.append(Quote(doc, k + 1, match["command"], flags, k + 2, end, indent, quoted))
    return found


def all_quotes(docs: tuple[str, ...] = DOCS) -> list[Quote]:
    return [q for doc in docs for q in quotes(doc)]


@functools.cache
def printed(command: str) -> tuple[str, ...]:
    """:func:`run`, once per command in this process (a page may quote one command's output twice)."""
    return tuple(run(command))


def run(command: str, timeout: float = 1800) -> list[str]:
    """The command's merged stdout and stderr lines, trailing spaces removed, its temp folder as ``$TMP``."""
    with tempfile.TemporaryDirectory(prefix="pivot-doctest-") as tmp:
        argv = [sys.executable if word == "python" else word.replace("$TMP", tmp) for word in shlex.split(command)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        env.pop("COLUMNS", None)
        done = subprocess.run(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        text = done.stdout.replace(tmp, "$TMP").replace(f"{ROOT}{os.sep}", "")
    return [line.rstrip() for line in text.rstrip("\n").splitlines()]


def _head(line: str) -> list[str]:
    return [word.rstrip(":") for word in line.split()[:2]]


def expected(quote: Quote, output: list[str]) -> list[str]:
    """The lines of ``output`` that the quote should show."""
    if "excerpt" not in quote.flags:
        return output
    head = _head(quote.quoted[0]) if quote.quoted else []
    for k, line in enumerate(output):
        if head and _head(line) == head:
            end = k + 1
            while end < len(output) and output[end][:1].isspace():
                end += 1
            return output[k:end]
    return [f"(no output line starts with {' '.join(head)!r}; the command printed {len(output)} lines)"]


def check(quote: Quote) -> list[str]:
    """A unified diff between the page and the command's real output (empty when they agree)."""
    want = expected(quote, list(printed(quote.command)))
    return list(
        difflib.unified_diff(
            list(quote.quoted), want, f"{quote.name} (quoted)", f"{quote.command} (printed)", lineterm=""
        )
    )


def update(doc: str, slow: bool = True) -> int:
    """Rewrite every quote in ``doc`` from its command's output; returns how many changed."""
    path = ROOT / doc
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = 0
    for quote in reversed(quotes(doc)):  # from the end, so earlier line numbers stay valid
        if quote.slow and not slow:
            continue
        fresh = expected(quote, list(printed(quote.command)))
        if tuple(fresh) != quote.quoted:
            lines[quote.start : quote.end] = [f"{quote.indent}{line}" if line else line for line in fresh]
            changed += 1
            print(f"updated {quote.name}: {quote.command}")
    if changed:
        write_text(path, "\n".join(lines) + "\n")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the quoted outputs from the real ones")
    parser.add_argument("--fast", action="store_true", help="skip the quotes marked slow")
    args = parser.parse_args(argv)
    if args.update:
        changed = sum(update(doc, slow=not args.fast) for doc in DOCS)
        print(f"{changed} quoted output(s) updated")
        return 0
    failures = 0
    for quote in all_quotes():
        if quote.slow and args.fast:
            continue
        diff = check(quote)
        print(f"{'ok  ' if not diff else 'DIFF'} {quote.name}: {quote.command}")
        if diff:
            failures += 1
            print("\n".join(diff))
    if failures:
        print(f"{failures} quoted output(s) differ from what the commands print: python tools/doctest_docs.py --update")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
