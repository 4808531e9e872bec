"""Observed state: the rule for which data a scenario's dynamics are calibrated to, and the checks of ``calibration:``.

Pure rules on documents (no validation of their own, no setup building), so the loader and ``extends:``
can use them; sim.scenario.calibration builds calibrated setups on top of them and the loader. The rule
itself is described in sim.scenario.calibration and docs/model.md ("Calibration").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.strict_yaml import Document

#: The values of ``calibration:``; the default is "base" for a file with ``extends:``, else "self".
CHOICES = ("base", "self")


def observed_data(document: Document) -> Any:
    """The data of the scenario whose state ``document`` is calibrated to (its own data unless recorded)."""
    return document.data if document.observed is None else document.observed


def overlay_observed(base: Document, overlay_data: Any) -> Any:
    """What the loader records as the observed data of a file with ``extends:`` (None: its own merged data).

    ``overlay_data`` is the file's own data before merging: ``calibration:`` is a property of the file that
    writes it, never inherited from a base. A value other than base or self is left to validation to report.
    """
    own = overlay_data.get("calibration") if isinstance(overlay_data, dict) else None
    return None if own == "self" else observed_data(base)


def same_world(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios have the same actors and sectors, in the same order (one can calibrate the other)."""
    return list(a.actors) == list(b.actors) and [s.id for s in a.sectors] == [s.id for s in b.sectors]


def observed_document(document: Document) -> Document:
    """The recorded observed data as a document of its own (to be validated as a scenario)."""
    return Document(document.file, document.observed, {}, {})


def calibration_problems(
    scenario: Scenario, document: Document, validate: Callable[[Document], Scenario]
) -> Iterator[Problem]:
    """Problems of an explicit ``calibration: base`` (no base, or a base that cannot calibrate this file).

    ``validate`` validates the recorded observed data as a scenario of its own (the loader passes its own
    validator: the check is part of validation, so it cannot import it).
    """
    if scenario.calibration != "base":
        return
    file, line, column = document.locate(("calibration",))

    def problem(message: str) -> Problem:
        return Problem(file, line, column, "calibration", message)

    if scenario.extends is None:
        yield problem(
            "'base' needs extends: (a file without a base is its own observed state); remove it or write "
            "calibration: self"
        )
        return
    if document.observed is None:
        return  # data without its base at hand (a plan's saved data, a test's document): nothing to check
    try:
        observed = validate(observed_document(document))
    except ScenarioError as exc:
        first = exc.problems[0]
        yield problem(
            f"the base is not a complete scenario on its own ({first.path or 'file'}: {first.message}), so it "
            "cannot be the observed state; write calibration: self"
        )
        return
    if not same_world(observed, scenario):
        yield problem(
            f"this file's actors or sectors differ from its base's ({', '.join(observed.actors)}): a different "
            "world cannot be calibrated to the base; write calibration: self, or leave calibration out"
        )
