"""Markdown-light text (headings, bullets, **bold**) parsed and wrapped to a width; pure, measured by a callback.

Briefings are written in a small Markdown subset: ``# heading``, ``## subheading``, ``- bullet``,
``**bold**`` and blank lines between paragraphs. Wrapping never splits inside a word unless a single
word is wider than the whole line, so text always stays inside its panel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["h1", "h2", "p", "bullet", "gap"]
#: measure(text, bold, kind) -> width in pixels
Measure = Callable[[str, bool, BlockKind], int]


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    runs: tuple[Run, ...]


@dataclass(frozen=True, slots=True)
class Line:
    kind: BlockKind
    runs: tuple[Run, ...]
    first: bool  # first line of its block (bullets draw their dot there)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def runs_of(text: str) -> tuple[Run, ...]:
    out: list[Run] = []
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            out.append(Run(text[pos : m.start()], False))
        out.append(Run(m.group(1), True))
        pos = m.end()
    if pos < len(text):
        out.append(Run(text[pos:], False))
    return tuple(out)


def parse(text: str) -> list[Block]:
    """Blocks of a Markdown-light text; consecutive plain lines join into one paragraph."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("p", runs_of(" ".join(paragraph))))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            if blocks and blocks[-1].kind != "gap":
                blocks.append(Block("gap", ()))
        elif line.startswith("## "):
            flush()
            blocks.append(Block("h2", runs_of(line[3:])))
        elif line.startswith("# "):
            flush()
            blocks.append(Block("h1", runs_of(line[2:])))
        elif line[:2] in ("- ", "* "):
            flush()
            blocks.append(Block("bullet", runs_of(line[2:])))
        else:
            paragraph.append(line)
    flush()
    while blocks and blocks[-1].kind == "gap":
        blocks.pop()
    return blocks


def wrap_runs(runs: tuple[Run, ...], width: int, measure: Measure, kind: BlockKind) -> list[tuple[Run, ...]]:
    """Lines of runs no wider than ``width`` (a word wider than the line is split by characters)."""
    words: list[Run] = []
    for run in runs:
        for k, piece in enumerate(run.text.split(" ")):
            if k > 0 or (words and run.text.startswith(" ")):
                words.append(Run(" ", run.bold))
            if piece:
                words.append(Run(piece, run.bold))
    lines: list[list[Run]] = [[]]
    used = 0
    for word in words:
        w = measure(word.text, word.bold, kind)
        if word.text == " ":
            if lines[-1]:
                lines[-1].append(word)
                used += w
            continue
        if used + w > width and lines[-1]:
            while lines[-1] and lines[-1][-1].text == " ":
                used -= measure(" ", lines[-1][-1].bold, kind)
                lines[-1].pop()
            lines.append([])
            used = 0
        if w > width:  # a single overlong word: split it by characters
            chunk = ""
            for ch in word.text:
                if measure(chunk + ch, word.bold, kind) > width and chunk:
                    lines[-1].append(Run(chunk, word.bold))
                    lines.append([])
                    chunk = ""
                chunk += ch
            lines[-1].append(Run(chunk, word.bold))
            used = measure(chunk, word.bold, kind)
            continue
        lines[-1].append(word)
        used += w
    return [_merge(line) for line in lines if line] or [()]


def _merge(line: list[Run]) -> tuple[Run, ...]:
    out: list[Run] = []
    for run in line:
        if out and out[-1].bold == run.bold:
            out[-1] = Run(out[-1].text + run.text, run.bold)
        else:
            out.append(run)
    while out and out[-1].text.endswith(" "):
        out[-1] = Run(out[-1].text.rstrip(" "), out[-1].bold)
        if not out[-1].text:
            out.pop()
    return tuple(out)


def layout(text: str, width: int, measure: Measure, indent: int = 0) -> list[Line]:
    """Every line of a Markdown-light text wrapped to ``width`` (bullets wrap ``indent`` pixels narrower)."""
    out: list[Line] = []
    for block in parse(text):
        if block.kind == "gap":
            out.append(Line("gap", (), True))
            continue
        w = width - indent if block.kind == "bullet" else width
        for k, runs in enumerate(wrap_runs(block.runs, max(1, w), measure, block.kind)):
            out.append(Line(block.kind, runs, k == 0))
    return out


def wrap_plain(text: str, width: int, measure: Callable[[str], int]) -> list[str]:
    """Plain text wrapped to ``width`` pixels."""
    lines = wrap_runs((Run(text, False),), width, lambda t, _b, _k: measure(t), "p")
    return ["".join(r.text for r in line) for line in lines]
