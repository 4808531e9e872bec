"""Strict scenario loading: YAML in, a validated Scenario out, every error as file:line:column: path: message."""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.core.actions import ACTION_IDS
from sim.core.conditions import METRICS
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.schema import Condition, Scenario
from sim.scenario.strict_yaml import Document, Path, parse, read_text

#: Ranges of the pairwise sections (checked here so the message can name the pair).
PAIR_RANGES: dict[str, tuple[float, float, str]] = {
    "relations": (-1.0, 1.0, "regard from -1 (hostile) to 1 (close)"),
    "trade": (0.0, 1e5, "exports in USD bn per year, 0 or more"),
    "tariffs": (0.0, 1.0, "a tariff share from 0 to 1"),
    "sanctions": (0.0, 1.0, "a sanction intensity from 0 to 1"),
    "debt": (0.0, 1e5, "debt in USD bn, 0 or more"),
}


def load_scenario(path: str | FilePath) -> Scenario:
    """Read, parse and validate a scenario file; raises ScenarioError listing every problem."""
    document = load_document(path)
    return validate_document(document)


def load_document(path: str | FilePath) -> Document:
    name = str(path)
    return parse(read_text(name), name)


def validate_document(document: Document) -> Scenario:
    """Validate parsed data against the schema and the cross-references between sections."""
    data = document.data
    if not isinstance(data, dict):
        line, col = document.where(())
        raise ScenarioError(
            [
                Problem(
                    document.file,
                    line,
                    col,
                    "",
                    f"a scenario must be a mapping of sections (meta, actors, scoring, ...), got {_kind(data)}",
                )
            ]
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_translate(exc, document)) from None
    problems = list(_cross_references(scenario, document))
    if problems:
        raise ScenarioError(problems)
    return scenario


# -- pydantic errors -> located problems -------------------------------------------------------------


def _translate(exc: ValidationError, document: Document) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Path, str]] = set()
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"])
        message = _message(error, loc)
        if (loc, message) in seen:
            continue
        seen.add((loc, message))
        is_key = error["type"] == "extra_forbidden"
        line, col = document.where(loc, key=is_key)
        problems.append(Problem(document.file, line, col, _dotted(loc), message))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


def _clean_loc(loc: tuple[Any, ...]) -> Path:
    """Drop pydantic's union-branch and validator entries from a location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part.startswith("function-") or part in ("Condition", "list[Condition]")):
            continue
        out.append({"not_": "not", "is_": "is"}.get(part, part) if isinstance(part, str) else part)
    return tuple(out)


def _message(error: dict[str, Any], loc: Path) -> str:
    kind, ctx, got = error["type"], error.get("ctx") or {}, error.get("input")
    shown = _show(got)
    match kind:
        case "missing":
            return "required field is missing"
        case "extra_forbidden":
            allowed = _allowed_fields(loc[:-1])
            hint = _did_you_mean(str(loc[-1]), allowed)
            return (
                f"unknown field {loc[-1]!r}{hint}; allowed: {', '.join(allowed)}"
                if allowed
                else f"unknown field {loc[-1]!r}"
            )
        case "greater_than":
            return f"must be > {_num(ctx['gt'])} (got {shown})"
        case "greater_than_equal":
            return f"must be >= {_num(ctx['ge'])} (got {shown})"
        case "less_than":
            return f"must be < {_num(ctx['lt'])} (got {shown})"
        case "less_than_equal":
            return f"must be <= {_num(ctx['le'])} (got {shown})"
        case "float_type" | "float_parsing":
            return f"must be a number (got {shown})"
        case "int_type" | "int_parsing" | "int_from_float":
            return f"must be a whole number (got {shown})"
        case "bool_type" | "bool_parsing":
            extra = " (YAML 1.2: write true or false; yes/no/on/off are text)" if isinstance(got, str) else ""
            return f"must be true or false (got {shown}){extra}"
        case "string_type":
            return f"must be text (got {shown})"
        case "dict_type" | "model_type" | "model_attributes_type":
            return f"must be a mapping of names to values (got {_kind(got)})"
        case "list_type":
            return f"must be a list (got {_kind(got)})"
        case "finite_number":
            return f"must be a finite number (got {shown})"
        case "literal_error":
            return f"must be one of {ctx.get('expected', '')} (got {shown})"
        case "string_pattern_mismatch":
            return f"must match {ctx.get('pattern')} (got {shown})"
        case "too_short":
            return f"needs at least {ctx.get('min_length')} item(s) (got {ctx.get('actual_length')})"
        case "too_long":
            return f"takes at most {ctx.get('max_length')} item(s) (got {ctx.get('actual_length')})"
        case "string_too_short":
            return "must not be empty"
        case "value_error":
            return str(ctx.get("error", error["msg"]))
    return f"{error['msg'].lower()} (got {shown})"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _allowed_fields(loc: Path) -> list[str]:
    """Field names of the model that sits at ``loc`` inside a Scenario."""
    model: Any = Scenario
    for part in loc:
        model = _step_into(model, part)
        if model is None:
            return []
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


# -- cross-references ---------------------------------------------------------------------------------


def _cross_references(s: Scenario, doc: Document) -> Iterator[Problem]:
    actors = list(s.actors)
    dims = [d.id for d in s.dimensions]
    sectors = [x.id for x in s.sectors]

    def problem(path: Path, message: str, key: bool = False) -> Problem:
        line, col = doc.where(path, key=key)
        return Problem(doc.file, line, col, _dotted(path), message)

    def unknown(kind: str, name: str, options: list[str]) -> str:
        return f"unknown {kind} {name!r}{_did_you_mean(name, options)}; known: {', '.join(options)}"

    def check_actor(path: Path, name: str, key: bool = False) -> Iterator[Problem]:
        if name not in actors:
            yield problem(path, unknown("actor", name, actors), key)

    for section, items in (("dimensions", dims), ("sectors", sectors)):
        for k, item in enumerate(items):
            if item in items[:k]:
                yield problem((section, k, "id"), f"duplicate {section[:-1]} id {item!r}")
    for actor_id, actor in s.actors.items():
        if actor_id not in actors:  # pragma: no cover - keys are the actors
            continue
        for field in ("positions", "salience"):
            for dim in getattr(actor, field):
                if dim not in dims:
                    yield problem(("actors", actor_id, field, dim), unknown("dimension", dim, dims), key=True)
    for section, (low, high, meaning) in PAIR_RANGES.items():
        for a, row in getattr(s, section).items():
            yield from check_actor((section, a), a, key=True)
            for b, value in row.items():
                path = (section, a, b)
                yield from check_actor(path, b, key=True)
                if a == b:
                    yield problem(path, f"an actor cannot be paired with itself ({a!r})", key=True)
                if not (math.isfinite(value) and low <= value <= high):
                    yield problem(path, f"must be {meaning} (got {value})")
    for a, row in s.agreements.items():
        yield from check_actor(("agreements", a), a, key=True)
        for b, listed in row.items():
            yield from check_actor(("agreements", a, b), b, key=True)
            if a == b:
                yield problem(("agreements", a, b), f"an actor cannot be paired with itself ({a!r})", key=True)
            for k, sector in enumerate(listed):
                if sector not in sectors:
                    yield problem(("agreements", a, b, k), unknown("sector", sector, sectors))
    for action_id, settings in s.actions.items():
        if action_id not in ACTION_IDS:
            yield problem(("actions", action_id), unknown("action", action_id, list(ACTION_IDS)), key=True)
        for field in ("enabled_for", "disabled_for"):
            for k, name in enumerate(getattr(settings, field) or []):
                yield from check_actor(("actions", action_id, field, k), name)
        for name in settings.per_actor:
            yield from check_actor(("actions", action_id, "per_actor", name), name, key=True)
    sc = s.scoring
    yield from check_actor(("scoring", "focal"), sc.focal)
    for k, name in enumerate(sc.powers):
        yield from check_actor(("scoring", "powers", k), name)
    for bloc, members in sc.blocs.items():
        for k, name in enumerate(members):
            yield from check_actor(("scoring", "blocs", bloc, k), name)
    if sc.values_dimension is not None and sc.values_dimension not in dims:
        yield problem(("scoring", "values_dimension"), unknown("dimension", sc.values_dimension, dims))
    for k, rule in enumerate(sc.outcomes):
        yield from condition_references(rule.when, ("scoring", "outcomes", k, "when"), actors, problem)


def condition_references(cond: Condition, path: Path, actors: list[str], problem: Any) -> Iterator[Problem]:
    """Problems with the actors a condition names (shared by outcomes, events and objectives)."""
    for key in ("all", "any"):
        for k, item in enumerate(getattr(cond, key) or []):
            yield from condition_references(item, (*path, key, k), actors, problem)
    if cond.not_ is not None:
        yield from condition_references(cond.not_, (*path, "not"), actors, problem)
        return
    if cond.all is not None or cond.any is not None:
        return
    metric, names, op, value = cond.metric()
    for k, name in enumerate(names):
        if name not in actors:
            sub = path + (metric,) + ((k,) if METRICS[metric] == 2 else ())
            yield problem(sub, f"unknown actor {name!r}{_did_you_mean(name, actors)}; known: {', '.join(actors)}")
    if op in ("is", "is_not") and value not in actors:
        yield problem(
            (*path, op), f"unknown actor {value!r}{_did_you_mean(str(value), actors)}; known: {', '.join(actors)}"
        )


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)
