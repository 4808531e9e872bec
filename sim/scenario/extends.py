"""`extends:` resolution: a scenario merged onto its base file key by key, each value keeping its own file and position.

Mappings merge recursively; lists and scalars replace the base's value; a key set to null (``~``)
removes the base's value, so the field's default applies (how an overlay drops an inherited objective
or briefing). The base is a path relative to the file that names it, and may itself extend another
file. A missing base or a cycle is a problem located at the ``extends:`` value that causes it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path as FilePath
from typing import Any

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.strict_yaml import Document, Path, parse, read_text

#: Longest chain of bases (a scenario extending a scenario extending ...); deeper is surely a mistake.
MAX_CHAIN = 16


def load_merged(path: str | FilePath) -> Document:
    """Parse ``path`` and, if it has ``extends:``, merge it onto its (recursively resolved) base."""
    name = str(path)
    return _load(name, (), ())


def _load(display: str, chain: tuple[str, ...], shown: tuple[str, ...]) -> Document:
    document = parse(read_text(display), display)
    data = document.data
    if not isinstance(data, dict) or data.get("extends") is None:
        return document
    reference = data["extends"]
    if not isinstance(reference, str) or not reference.strip():
        raise _problem(
            document,
            "extends must be the path of a base scenario file, relative to this file "
            f"(for example medvedev_visit_2015.yaml), got {_kind(reference)}",
        )
    here = os.path.realpath(display)
    base_display = os.path.normpath(os.path.join(os.path.dirname(display), reference))
    base_real = os.path.realpath(base_display)
    if base_real == here or base_real in chain:
        loop = [*shown, display, base_display]
        start = loop.index(next(s for s in loop if os.path.realpath(s) == base_real))
        itself = " (a scenario cannot extend itself)" if base_real == here else ""
        raise _problem(document, "extends cycle: " + " -> ".join(loop[start:]) + itself)
    if len(chain) >= MAX_CHAIN:
        raise _problem(document, f"more than {MAX_CHAIN} scenarios in a chain of extends: refused")
    if not os.path.exists(base_display):
        folder = os.path.dirname(base_display) or "."
        siblings = (
            sorted(f for f in os.listdir(folder) if f.endswith((".yaml", ".yml"))) if os.path.isdir(folder) else []
        )
        close = difflib.get_close_matches(os.path.basename(reference), siblings, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise _problem(document, f"base scenario {reference!r} not found (looked for {base_display}){hint}")
    if os.path.isdir(base_display):
        raise _problem(document, f"base scenario {reference!r} is a directory, not a scenario file")
    base = _load(base_display, (*chain, here), (*shown, display))
    if not isinstance(base.data, dict):
        raise _problem(document, f"base scenario {reference!r} is not a mapping of sections")
    return merge(base, document)


def merge(base: Document, overlay: Document) -> Document:
    """``overlay`` written over ``base``: mappings merge recursively, null removes, anything else replaces."""
    merged = _Merged(base, overlay)
    data = merged.value((), base.data, overlay.data)
    return Document(overlay.file, data, merged.value_marks, merged.key_marks, merged.files)


class _Merged:
    def __init__(self, base: Document, overlay: Document) -> None:
        self.base, self.overlay = base, overlay
        self.value_marks: dict[Path, tuple[int, int]] = {}
        self.key_marks: dict[Path, tuple[int, int]] = {}
        self.files: dict[Path, str] = {}
        self.children = {id(base): _children(base), id(overlay): _children(overlay)}

    def value(self, path: Path, below: Any, above: Any) -> Any:
        if isinstance(below, dict) and isinstance(above, dict):
            self.take(self.overlay, path, deep=False)
            out: dict[str, Any] = {}
            for key, item in below.items():
                if key not in above:
                    out[key] = item
                    self.take(self.base, (*path, key), deep=True)
                elif above[key] is not None:
                    out[key] = self.value((*path, key), item, above[key])
            for key, item in above.items():
                if key not in below and item is not None:
                    out[key] = item
                    self.take(self.overlay, (*path, key), deep=True)
            return out
        self.take(self.overlay, path, deep=True)
        return above

    def take(self, doc: Document, path: Path, *, deep: bool) -> None:
        """Copy the marks (and source file) of ``path``, and of everything below it when ``deep``."""
        stack = [path]
        while stack:
            p = stack.pop()
            for marks, into in ((doc.value_marks, self.value_marks), (doc.key_marks, self.key_marks)):
                if p in marks:
                    into[p] = marks[p]
            self.files[p] = doc.files.get(p, doc.file)
            if deep:
                stack.extend(self.children[id(doc)].get(p, ()))


def _children(doc: Document) -> dict[Path, list[Path]]:
    out: dict[Path, list[Path]] = {}
    for p in (*doc.value_marks, *doc.key_marks):
        if p:
            out.setdefault(p[:-1], []).append(p)
    return out


def _problem(document: Document, message: str) -> ScenarioError:
    file, line, column = document.locate(("extends",))
    return ScenarioError([Problem(file, line, column, "extends", message)])


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: "empty text"}
    return kinds.get(type(value), repr(value))
