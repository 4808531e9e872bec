"""Strict scenario loading: YAML in (with `extends:` merged), a validated Scenario out, every error located.

Every problem reads ``file:line:column: path: message``, where ``file`` is the file the value was
written in (a base scenario's own file for an inherited value).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import Problem, ScenarioError, one_line
from sim.scenario.extends import load_merged
from sim.scenario.lint import base_comparison_problems
from sim.scenario.names import ACTOR_ID
from sim.scenario.observed import calibration_problems
from sim.scenario.overrides import OverrideError, apply_override, with_overrides
from sim.scenario.pydantic_messages import kind_of, translate
from sim.scenario.references import PAIR_RANGES, condition_references, cross_references, dotted
from sim.scenario.schema import Scenario
from sim.scenario.strict_yaml import Document, Path

__all__ = [
    "PAIR_RANGES",
    "condition_references",
    "load_document",
    "load_scenario",
    "schema_problems",
    "validate_document",
    "validate_overrides",
    "validate_point",
]


def load_scenario(path: str | FilePath) -> Scenario:
    """Read, parse, merge onto its base (``extends:``) and validate a scenario file.

    Raises ScenarioError listing every problem.
    """
    return validate_document(load_document(path))


def load_document(path: str | FilePath) -> Document:
    """The file's data, merged onto its base when it has ``extends:``, with the file and position of every value."""
    return load_merged(path)


def validate_document(document: Document, *, check_sweep: bool = True) -> Scenario:
    """Validate parsed (and merged) data against the schema and the cross-references between sections.

    ``check_sweep=False`` skips trying the sweep's values (for a document a sweep point was applied to:
    its sweep was already checked when the file was loaded).
    """
    problems = schema_problems(document.data, document, check_sweep=check_sweep)
    if problems:
        raise ScenarioError(problems)
    return Scenario.model_validate(document.data)


def validate_point(document: Document) -> Scenario:
    """Validate a document a sweep point or ``--set`` was applied to (its own sweep's values are not re-tried)."""
    return validate_document(document, check_sweep=False)


def validate_overrides(document: Document, overrides: Mapping[str, Any], origin: str) -> Scenario:
    """Apply ``overrides`` and validate; any problem is one ScenarioError line that starts with ``origin``."""
    return validated_overrides(document, overrides, origin)[0]


def validated_overrides(document: Document, overrides: Mapping[str, Any], origin: str) -> tuple[Scenario, Document]:
    """:func:`validate_overrides`, and the document with the overrides applied (sim.scenario.overrides)."""
    try:
        changed = with_overrides(document, overrides)
    except OverrideError as exc:
        raise ScenarioError([Problem(origin, None, None, "", str(exc))]) from None
    try:
        return validate_point(changed), changed
    except ScenarioError as exc:
        first = exc.problems[0]
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise ScenarioError([Problem(origin, None, None, "", f"{first}{more}")]) from None


def schema_problems(data: Any, document: Document, *, check_sweep: bool = True) -> list[Problem]:
    """Every problem of ``data`` as a scenario (``document`` locates them); empty when it is valid.

    Structure is checked first; references between sections are checked once the structure is right.
    """
    if not isinstance(data, dict):
        file, line, col = document.locate(())
        kind = kind_of(data)
        return [
            Problem(
                file,
                line,
                col,
                "",
                f"a scenario must be a mapping of sections (meta, actors, scoring, ...), got {kind}",
            )
        ]
    bad_ids = list(_actor_id_problems(data, document))
    if bad_ids:  # every other check names actors by id: an id that is not one is reported alone
        return bad_ids
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return translate(exc, document, data)
    problems = [*cross_references(scenario, document), *calibration_problems(scenario, document, validate_point)]
    if not problems and check_sweep:
        problems = base_comparison_problems(scenario, document)
    if not problems and check_sweep:
        problems = list(_sweep_problems(scenario, document))
    return problems


def _actor_id_problems(data: dict[str, Any], document: Document) -> Iterator[Problem]:
    """Actor ids must be ``[a-z][a-z0-9_]*`` (so no two differ only by case, script or invisible characters)."""
    actors = data.get("actors")
    if not isinstance(actors, dict):
        return
    for key in actors:
        if isinstance(key, str) and ACTOR_ID.match(key):
            continue
        file, line, col = document.locate(("actors", key), key=True)
        yield Problem(
            file,
            line,
            col,
            "actors",
            f"actor id {one_line(repr(key))} is not an identifier: use lower-case letters a-z, digits and _, "
            f"starting with a letter, at most 40 (e.g. cambodia, east_timor)",
        )


def _sweep_problems(scenario: Scenario, document: Document) -> Iterator[Problem]:
    """Each sweep value applied to the file's data must give a valid scenario (else: located at the value).

    Listed values are tried one by one; a range by its two ends, since the format's limits are intervals.
    Paths swept ``together`` are tried one at a time with the same value: a problem only a linked path has
    is located at that path's entry in ``together``.
    """
    for k, parameter in enumerate(scenario.sweep.parameters):
        path: Path = ("sweep", "parameters", k)
        listed = parameter.values is not None
        points = parameter.points()
        for m, value in enumerate(points if listed else [points[0], points[-1]]):
            at: Path = (*path, "values", m) if listed else (*path, "range")
            problem = next(
                (
                    found
                    for j, swept in enumerate(parameter.paths)
                    if (
                        found := _swept_value_problem(
                            document,
                            swept,
                            value,
                            (*path, "path") if j == 0 else (*path, "together", j - 1),
                            at if j == 0 else (*path, "together", j - 1),
                        )
                    )
                    is not None
                ),
                None,
            )
            if problem is not None:
                yield problem
                break


def _swept_value_problem(document: Document, swept: str, value: Any, named: Path, at: Path) -> Problem | None:
    """What is wrong with the file's data once ``swept`` is set to ``value``: at ``named`` if the path leaves
    the format, at ``at`` if the value does (or breaks another part of the file), else None."""
    target = swept.split(".")
    try:
        data = apply_override(document.data, swept, value)
    except OverrideError as exc:
        file, line, col = document.locate(named)
        return Problem(file, line, col, dotted(named), str(exc))
    found = schema_problems(data, document, check_sweep=False)
    if not found:
        return None
    first = found[0]
    where = first.path.split(".")
    if len(where) < len(target) and target[: len(where)] == where:
        # The path itself leaves the format (a misspelt field on the way): say so at the path.
        file, line, col = document.locate(named)
        return Problem(file, line, col, dotted(named), f"{first.path}: {first.message}")
    # A value can be wrong in itself, or make another part of the file wrong (a rounds sweep below an
    # event's at_round): the second case names the part it breaks.
    detail = first.message if where == target else f"{first.path}: {first.message}"
    file, line, col = document.locate(at)
    return Problem(file, line, col, dotted(at), f"{swept} = {value!r} is not allowed: {detail}")
