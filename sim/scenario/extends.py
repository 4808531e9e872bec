"""`extends:` resolution: a scenario merged onto its base file key by key, each value keeping its own file and position.

Mappings merge recursively; lists and scalars replace the base's value; a key set to null (``~``) removes
the base's value, so the field's default applies (how an overlay drops an inherited objective or
briefing). The one list that merges is ``meta.sources``: the overlay's sources are added to the base's
(one with a base source's id replaces it), so inherited texts keep their citations without copying.
``calibration:`` is never inherited: it is a choice of the file that writes it, and the merged document
records the observed state it is calibrated to (``Document.observed``, by the rule in
sim.scenario.calibration). The base may itself extend another file. A missing, refused or cyclic base is
a problem located at the ``extends:`` value that causes it.

Where a base may come from (files travel by e-mail, so ``extends:`` is untrusted): a path relative to the
file that names it, in that file's folder or below it, or a scenario of the shipped library by name. The
``.yaml`` may be left out. A plain name (no folder part) is looked up beside the file first, then in the
library, so a file anywhere can build on ``medvedev_visit_2015``. Absolute paths, ``..`` that leaves the
folder, URLs (``scheme://``) and links whose real path lies outside both places are refused.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from pathlib import Path as FilePath
from typing import Any

from sim.errors import PivotError
from sim.library import SCENARIO_DIR
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.observed import overlay_observed
from sim.scenario.strict_yaml import Document, Path, parse, read_text

#: Longest chain of bases (a scenario extending a scenario extending ...); deeper is surely a mistake.
MAX_CHAIN = 16
#: The shipped scenario library, where a plain name (``medvedev_visit_2015``) is found from any folder.
LIBRARY = SCENARIO_DIR
#: What ``extends:`` may name, quoted in every refusal.
ALLOWED = (
    "allowed: a file in this file's folder or below it (base.yaml, sub/base.yaml), "
    "or a library scenario by name (medvedev_visit_2015)"
)
#: The one list that merges instead of replacing: an overlay's sources are added to its base's (by id).
SOURCES: Path = ("meta", "sources")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//|\\\\)|://")


class BaseRefusedError(PivotError):
    """An ``extends:`` value that names no allowed, existing base file (the message says why and what is allowed)."""


def resolve_base(file: str, reference: str) -> str:
    """The path of the base that ``file``'s ``extends: reference`` names, by the rules above.

    Raises BaseRefusedError with a one-line reason. The path is relative to the working folder when the base
    lies below it (as error messages show it), else absolute.
    """
    if _URL.search(reference):
        raise BaseRefusedError(f"{reference!r} is a URL: bases are read from files only, never fetched; {ALLOWED}")
    if os.path.isabs(reference) or reference.startswith("~"):
        raise BaseRefusedError(f"{reference!r} is an absolute or home-folder path: refused; {ALLOWED}")
    name = reference if reference.endswith((".yaml", ".yml")) else reference + ".yaml"
    name = os.path.normpath(name)
    if name == os.pardir or name.startswith(os.pardir + os.sep):
        raise BaseRefusedError(f"{reference!r} leaves this file's folder: refused; {ALLOWED}")
    folder = os.path.dirname(file) or "."
    beside = os.path.normpath(os.path.join(folder, name))
    if os.path.lexists(beside):
        return _inside(beside, reference, folder)
    library = LIBRARY / name
    if os.sep not in name and library.exists():
        return _inside(_shown(str(library)), reference, str(LIBRARY))
    places = f"{beside}" + (f" and the library's {_shown(str(library))}" if os.sep not in name else "")
    return _missing(reference, name, places, folder)


def _inside(candidate: str, reference: str, folder: str) -> str:
    """``candidate`` if its real path (links followed) lies in ``folder``'s tree or the library's."""
    real = os.path.realpath(candidate)
    roots = (os.path.realpath(folder), os.path.realpath(LIBRARY))
    if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
        outside = "outside this file's folder and the library"
        raise BaseRefusedError(f"{reference!r} is a link to {real}, {outside}; {ALLOWED}")
    if os.path.isdir(candidate):
        raise BaseRefusedError(f"base scenario {reference!r} is a directory, not a scenario file")
    if not os.path.isfile(candidate):
        raise BaseRefusedError(f"base scenario {reference!r} is not a regular file (a device or pipe?): refused")
    return candidate


def _missing(reference: str, name: str, places: str, folder: str) -> str:
    looked = os.path.dirname(os.path.join(folder, name))
    known = sorted(f for f in os.listdir(looked) if f.endswith((".yaml", ".yml"))) if os.path.isdir(looked) else []
    if os.sep not in name:
        known += sorted(p.name for p in LIBRARY.glob("*.yaml"))
    close = difflib.get_close_matches(os.path.basename(name), known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    library = ", ".join(sorted(p.stem for p in LIBRARY.glob("*.yaml")))
    raise BaseRefusedError(f"base scenario {reference!r} not found (looked for {places}){hint}; library: {library}")


def _shown(path: str) -> str:
    """A path as messages show it: relative to the working folder when below it."""
    relative = os.path.relpath(path)
    return path if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


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
    try:
        base_display = resolve_base(display, reference)
    except BaseRefusedError as refused:
        raise _problem(document, str(refused)) from None
    here = os.path.realpath(display)
    base_real = os.path.realpath(base_display)
    if base_real == here or base_real in chain:
        loop = [*shown, display, base_display]
        start = loop.index(next(s for s in loop if os.path.realpath(s) == base_real))
        itself = " (a scenario cannot extend itself)" if base_real == here else ""
        raise _problem(document, "extends cycle: " + " -> ".join(loop[start:]) + itself)
    if len(chain) >= MAX_CHAIN:
        raise _problem(document, f"more than {MAX_CHAIN} scenarios in a chain of extends: refused")
    base = _load(base_display, (*chain, here), (*shown, display))
    if not isinstance(base.data, dict):
        raise _problem(document, f"base scenario {reference!r} is not a mapping of sections")
    merged = merge(base, document)
    if "calibration" not in data:  # a file's own choice, never inherited (sim.scenario.calibration)
        merged.data.pop("calibration", None)
    return dataclasses.replace(merged, observed=overlay_observed(base, data))


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
        if path == SOURCES and isinstance(below, list) and isinstance(above, list):
            return self.sources(below, above)
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

    def sources(self, below: list[Any], above: list[Any]) -> list[Any]:
        """The base's sources, then the overlay's; an overlay source with a base source's id replaces it."""
        ids = {x.get("id") for x in above if isinstance(x, dict)}
        kept = [(k, x) for k, x in enumerate(below) if not (isinstance(x, dict) and x.get("id") in ids)]
        self.take(self.overlay, SOURCES, deep=False)
        for new, (old, _) in enumerate(kept):
            self.move(self.base, (*SOURCES, old), (*SOURCES, new))
        for k in range(len(above)):
            self.move(self.overlay, (*SOURCES, k), (*SOURCES, len(kept) + k))
        return [x for _, x in kept] + list(above)

    def move(self, doc: Document, old: Path, new: Path) -> None:
        """Copy the marks (and file) of ``old`` and everything below it to ``new`` (a list item renumbered)."""
        stack = [old]
        while stack:
            p = stack.pop()
            q = new + p[len(old) :]
            for marks, into in ((doc.value_marks, self.value_marks), (doc.key_marks, self.key_marks)):
                if p in marks:
                    into[q] = marks[p]
            self.files[q] = doc.files.get(p, doc.file)
            stack.extend(self.children[id(doc)].get(p, ()))

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
