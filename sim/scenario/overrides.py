"""Parameter overrides: set values at dotted paths in a scenario's raw data (pure editing; the loader validates).

A path names nested mapping keys (``actors.russia.policy.tau``, ``sanctions.us.russia``) or list positions
(``dimensions.0.label``). A key that the file leaves out but the schema knows (``sanctions.eu.cambodia``
when that pair is not listed) is created; a path the schema rejects gives one located line naming the
option it came from. This is how `batch --sweep`, `batch --set` and `run --set` change a scenario; the
changed data is then validated like any file by sim.scenario.loader (``validate_overrides``,
``validate_point``), so this module depends on no validation and the loader can use it to try sweeps.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.errors import PivotError
from sim.scenario.strict_yaml import Document

Value = int | float | bool | str | None

_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_PATH = re.compile(r"^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$")
MAX_STEPS = 10_000
MAX_DIGITS = 100  # as strict_yaml.MAX_DIGITS: a sensible value has a handful


class OverrideError(PivotError, ValueError):
    """A path or value that cannot be applied; the message is one line without the origin."""


def parse_scalar(text: str) -> Value:
    """A command-line value as the YAML reader would read it: true/false, null, whole number, number, or text.

    Raises OverrideError for a number no scenario field can hold (more than MAX_DIGITS digits, or beyond
    a float's range), as the YAML reader refuses it in a file.
    """
    word = text.strip()
    if word in ("true", "false"):
        return word == "true"
    if word in ("null", "~"):
        return None
    if _INT.match(word) or _FLOAT.match(word):
        if len(word) > MAX_DIGITS:  # int() of thousands of digits is slow, and refused past 4,300
            raise OverrideError(f"a number of more than {MAX_DIGITS} digits: refused (got {word[:20]}...)")
        if _INT.match(word):
            return int(word)
        number = float(word)
        if not math.isfinite(number):
            raise OverrideError(f"{word} is beyond the range of numbers (about 1.8e308)")
        return number
    return word


def tidy_float(x: float) -> float:
    """A grid value without binary noise (0.30000000000000004 -> 0.3), so labels and paths read cleanly."""
    return float(f"{x:.12g}")


def grid(low: float, high: float, steps: int) -> list[int | float]:
    """``steps`` evenly spaced values from ``low`` to ``high`` (whole numbers when both ends and every step are)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise OverrideError(f"steps must be a whole number >= 1 (got {steps!r})")
    if steps > MAX_STEPS:
        raise OverrideError(f"steps must be <= {MAX_STEPS} (got {steps})")
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
            raise OverrideError(f"{name} must be a finite number (got {bound!r})")
    if not math.isfinite(float(high) - float(low)):
        raise OverrideError(f"the range {low}..{high} is too wide to divide into steps")
    values = [tidy_float(v) for v in np.linspace(float(low), float(high), steps)]
    if isinstance(low, int) and isinstance(high, int) and all(v.is_integer() for v in values):
        return [int(v) for v in values]
    return values


def parse_values(text: str) -> list[Value]:
    """``a,b,c`` (a list) or ``low:high:steps`` (an even grid) as a list of values."""
    parts = text.split(":")
    if len(parts) == 3 and all(_INT.match(p.strip()) or _FLOAT.match(p.strip()) for p in parts):
        low, high, steps = (parse_scalar(p) for p in parts)
        if not isinstance(steps, int) or isinstance(steps, bool):
            raise OverrideError(f"steps in low:high:steps must be a whole number (got {parts[2].strip()!r})")
        return list(grid(low, high, steps))  # type: ignore[arg-type]
    items = text.split(",")
    if any(not item.strip() for item in items):
        raise OverrideError(f"values must be a,b,c or low:high:steps without empty items (got {text!r})")
    return [parse_scalar(item) for item in items]


def split_assignment(text: str) -> tuple[str, str]:
    """``PATH=VALUE`` -> (path, value text); the path is checked for shape."""
    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not value.strip():
        raise OverrideError(f"expected PATH=VALUE, e.g. actors.russia.policy.tau=0.3 (got {text!r})")
    check_path(path)
    return path, value


def check_path(path: str) -> None:
    if not _PATH.match(path):
        raise OverrideError(f"a path is dot-separated names such as actors.russia.policy.tau (got {path!r})")


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at dotted ``path`` inside ``data`` (in place), creating missing mapping keys.

    List items are addressed by number (``events.0.chance``); a missing actor is refused with the known ones,
    since a new actor cannot be made from one value.
    """
    check_path(path)
    keys = path.split(".")
    if keys[0] == "calibration":
        raise OverrideError(
            "calibration cannot be overridden: --set, sweeps and samples are counterfactuals of the file's "
            "observed state; to calibrate to a changed world, write an overlay with calibration: self"
        )
    node: Any = data
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        where = ".".join(keys[: depth + 1])
        here = ".".join(keys[:depth]) or "the scenario"
        if isinstance(node, list):
            if not key.isdigit():
                raise OverrideError(f"{where}: {here} is a list; address its items by number")
            if int(key) >= len(node):
                raise OverrideError(f"{where}: the list has {len(node)} item(s), numbered from 0")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if key not in node and keys[:depth] == ["actors"]:
                known = list(node)
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise OverrideError(f"unknown actor {key!r}{hint}; known: {', '.join(known)}")
            if last:
                node[key] = value
            else:
                if key not in node or node[key] is None:
                    node[key] = {}
                node = node[key]
        else:
            raise OverrideError(f"{where}: {here} is a single value, not a section")


def copy_data(data: Any) -> Any:
    """A deep copy of a scenario's raw data: new dicts and lists all the way down, the (immutable) scalars
    shared; anything else through ``copy.deepcopy``. The same result as ``copy.deepcopy`` on YAML's plain
    data, several times faster (a sweep builds one copy per point)."""
    kind = type(data)
    if kind is dict:
        return {key: copy_data(value) for key, value in data.items()}
    if kind is list:
        return [copy_data(value) for value in data]
    if kind in (str, float, int, bool) or data is None:
        return data
    return copy.deepcopy(data)


def apply_override(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with the value at ``path`` set (the original is not changed); see set_path."""
    changed = copy_data(data)
    set_path(changed, path, value)
    return changed


def with_overrides(document: Document, overrides: Mapping[str, Any]) -> Document:
    """A copy of the document with every override set (positions stay those of the original file).

    The copy keeps the original's observed state (sim.scenario.calibration): an override is a counterfactual
    of the scenario as written, never a new calibration.
    """
    data = copy_data(document.data)
    for path, value in overrides.items():
        set_path(data, path, value)
    observed = document.data if document.observed is None else document.observed
    return Document(document.file, data, document.value_marks, document.key_marks, observed=observed)


def format_value(value: Any) -> str:
    """The text that parse_scalar reads back as ``value`` (floats round-trip exactly)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value) if isinstance(value, float) else str(value)
