"""Pydantic's validation errors as located problems in plain words (one per mistake, nearest names suggested).

The schema (sim.scenario.schema) is pydantic; its errors name union branches and validators and speak in
pydantic's terms. :func:`translate` turns each into ``file:line:column: path: message`` with what is
allowed, for the loader (sim.scenario.loader).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.core.conditions import COMPARATORS, METRICS
from sim.scenario.errors import Problem
from sim.scenario.fields import NUMERIC_METRICS, Condition, MetricRef
from sim.scenario.references import did_you_mean, dotted
from sim.scenario.schema import Scenario
from sim.scenario.schema_events import EFFECT_KINDS, STATE_ENTRIES, Effect, StateChange
from sim.scenario.strict_yaml import Document, Path

__all__ = ["kind_of", "translate"]

#: Parts of pydantic's error locations that name a union branch or a validator, not a place in the file.
_BRANCH_TAGS = frozenset({"Condition", "list[Condition]", "float", "int", "bool", "str"})


def translate(exc: ValidationError, document: Document, data: Any) -> list[Problem]:
    """Every error of a failed validation as a located problem, in file order, without repeats."""
    problems: list[Problem] = []
    seen: set[tuple[Path, str]] = set()
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"], data)
        message = _message(error, loc)
        if (loc, message) in seen:
            continue
        seen.add((loc, message))
        is_key = error["type"] == "extra_forbidden"
        file, line, col = document.locate(loc, key=is_key)
        problems.append(Problem(file, line, col, dotted(loc), message))
    problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0))
    return problems


def _clean_loc(loc: tuple[Any, ...], data: Any) -> Path:
    """Drop pydantic's union-branch and validator entries from a location.

    Walks ``data`` alongside, so a key the file really has ("bool", "str", ...) is kept, not mistaken for
    a branch name.
    """
    out: list[str | int] = []
    node = data
    for part in loc:
        name = {"not_": "not", "is_": "is"}.get(part, part) if isinstance(part, str) else part
        real = (isinstance(node, dict) and name in node) or (
            isinstance(node, list) and isinstance(name, int) and 0 <= name < len(node)
        )
        if real:
            node = node[name]
        elif isinstance(part, str) and (part.startswith("function-") or part in _BRANCH_TAGS):
            continue
        else:
            node = None
        out.append(name)
    return tuple(out)


def _message(error: Mapping[str, Any], loc: Path) -> str:
    kind, ctx, got = error["type"], error.get("ctx") or {}, error.get("input")
    shown = _show(got)
    match kind:
        case "missing":
            return "required field is missing" + _field_hint(loc)
        case "extra_forbidden":
            return _unknown_field(loc)
        case "greater_than":
            return f"must be > {_num(ctx['gt'])} (got {shown})"
        case "greater_than_equal":
            return f"must be >= {_num(ctx['ge'])} (got {shown})"
        case "less_than":
            return f"must be < {_num(ctx['lt'])} (got {shown})"
        case "less_than_equal":
            return f"must be <= {_num(ctx['le'])} (got {shown})"
        case "float_type" | "float_parsing":
            quoted = " (numbers are written without quotes)" if isinstance(got, str) and _numeric(got) else ""
            return f"must be a number (got {shown}){quoted}"
        case "int_type" | "int_parsing" | "int_from_float":
            return f"must be a whole number (got {shown})"
        case "bool_type" | "bool_parsing":
            extra = " (YAML 1.2: write true or false; yes/no/on/off are text)" if isinstance(got, str) else ""
            return f"must be true or false (got {shown}){extra}"
        case "string_type":
            hint = f' (to mean the text, write it in quotes: "{got}")' if isinstance(got, (int, float, bool)) else ""
            return f"must be text (got {shown}){hint}"
        case "dict_type" | "model_type" | "model_attributes_type":
            return f"must be a mapping of names to values (got {kind_of(got)})"
        case "list_type":
            return f"must be a list (got {kind_of(got)})"
        case "finite_number":
            return f"must be a finite number (got {shown})"
        case "literal_error":
            return f"must be one of {ctx.get('expected', '')} (got {shown})"
        case "string_pattern_mismatch":
            return f"must match {ctx.get('pattern')} (got {shown})" + _pattern_hint(str(ctx.get("pattern")))
        case "too_short":
            return f"needs at least {ctx.get('min_length')} item(s) (got {ctx.get('actual_length')})"
        case "too_long":
            return f"takes at most {ctx.get('max_length')} item(s) (got {ctx.get('actual_length')})"
        case "string_too_short":
            return "must not be empty"
        case "string_too_long":
            return f"must be at most {ctx.get('max_length')} characters long"
        case "value_error":
            return str(ctx.get("error", error["msg"]))
    return f"{error['msg'].lower()} (got {shown})"


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _pattern_hint(pattern: str) -> str:
    if pattern == "^[a-z][a-z0-9_]*$":
        return ": lower-case letters, digits and _, starting with a letter"
    return ""


def _unknown_field(loc: Path) -> str:
    """'unknown field' with the nearest allowed name, phrased for the kind of mapping it sits in."""
    name = str(loc[-1])
    model = _model_at(loc[:-1])
    if model is Condition:
        options = _allowed_fields(Condition)
        return (
            f"unknown metric or comparator {name!r}{did_you_mean(name, options)}; metrics: {', '.join(METRICS)}; "
            f"comparators: {', '.join(COMPARATORS)}; or all / any / not"
        )
    if model is MetricRef:
        return f"unknown metric {name!r}{did_you_mean(name, NUMERIC_METRICS)}; metrics: {', '.join(NUMERIC_METRICS)}"
    if model is Effect:
        return f"unknown effect {name!r}{did_you_mean(name, EFFECT_KINDS)}; effects: {', '.join(EFFECT_KINDS)}"
    if model is StateChange:
        options = [*STATE_ENTRIES, "value", "symmetric"]
        return f"unknown state entry {name!r}{did_you_mean(name, options)}; entries: {', '.join(STATE_ENTRIES)}"
    allowed = _allowed_fields(model)
    if not allowed:
        return f"unknown field {name!r}"
    elsewhere = _fields_elsewhere().get(name, [])
    if elsewhere:
        places = " or ".join(elsewhere[:3])
        return (
            f"unknown field {name!r} here; {name} is a field of {places}: is it indented too little (or too "
            f"much)? allowed here: {', '.join(allowed)}"
        )
    return f"unknown field {name!r}{did_you_mean(name, allowed)}; allowed: {', '.join(allowed)}"


def _fields_elsewhere() -> dict[str, list[str]]:
    """Field name -> the places in the format that have it (``events[]``, ``actors.<actor>``...), for misplaced keys."""
    out: dict[str, list[str]] = {}
    seen: set[Any] = set()

    def walk(model: Any, where: str) -> None:
        if model in seen or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return
        seen.add(model)
        for field_name, field in model.model_fields.items():
            key = field.alias or field_name
            if where:
                out.setdefault(key, []).append(where)
            inner = _unwrap(field.annotation)
            here = f"{where}.{key}" if where else key
            origin, args = typing.get_origin(inner), typing.get_args(inner)
            if origin is list and args:
                walk(_unwrap(args[0]), here + "[]")
            elif origin is dict and len(args) == 2:
                walk(_unwrap(args[1]), f"{here}.<{_singular(key)}>")
            else:
                walk(inner, here)

    walk(Scenario, "")
    return out


def _singular(key: str) -> str:
    return {"actors": "actor", "actions": "action", "per_actor": "actor"}.get(key, "name")


def _field_hint(loc: Path) -> str:
    """' (what the field is, for example X)' for a missing field, from the schema's description."""
    model = _model_at(loc[:-1])
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return ""
    field = next((f for n, f in model.model_fields.items() if loc[-1] in (n, f.alias)), None)
    if field is None or not field.description:
        return ""
    example = f"; for example {field.examples[0]!r}" if field.examples else ""
    return f": {field.description.rstrip('.')}{example}"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def kind_of(value: Any) -> str:
    """What a value is, in words: a mapping, a list, text, nothing."""
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _model_at(loc: Path) -> Any:
    """The schema type that sits at ``loc`` inside a Scenario (None if the path leaves the schema)."""
    model: Any = Scenario
    for part in loc:
        model = _step_into(model, part)
        if model is None:
            return None
    return model


def _allowed_fields(model: Any) -> list[str]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _step_into(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if part in (name, field.alias):
                return _unwrap(field.annotation)
        return None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return _unwrap(args[1])
    if origin is list and args:
        return _unwrap(args[0])
    return None


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(options[0]) if len(options) == 1 else annotation
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation
