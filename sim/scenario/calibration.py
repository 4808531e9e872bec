"""Calibration: which observed state a played scenario's dynamics are calibrated to (the one home of the rule).

The dynamics (equilibrium trade, the GDP level effect of sanctions: sim.core.dynamics.Baseline) are calibrated
to an observed state, and a run's starting state may differ from it: that is what makes a run a
counterfactual. The rule (docs/model.md, "Calibration"):

- a file without ``extends:`` is its own observed state;
- a file with ``extends:`` keeps its base's observed state (``calibration: base``, the default), so a changed
  starting state is a counterfactual of the base; ``calibration: self`` makes its own state a new observed
  world; an overlay that adds or removes actors or sectors is a different world and calibrates to itself
  (writing ``calibration: base`` there is an error);
- overrides (``run --set``, ``batch --set`` and ``--sweep``, sensitivity samples, ScenarioModel keywords)
  never change the observed state: they are counterfactuals of the scenario as written.

The loader records the observed data on the Document (``Document.observed``), overrides keep it, and every
path that plays a scenario builds its setup here: ``load_setup`` (a file), ``setup_with_overrides`` (a
document and overrides) or ``calibrated_setup`` (a scenario already validated from a document).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path as FilePath
from typing import Any

from sim.core.setup import ModelSetup
from sim.core.world import WorldState
from sim.scenario.build import build_setup, build_world
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.overrides import validate, validate_overrides, with_overrides
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


def _observed_scenario(document: Document) -> Scenario:
    """The recorded observed data, validated (raises ScenarioError when it is not a scenario on its own)."""
    return validate(Document(document.file, document.observed, {}, {}))


def calibration_world(scenario: Scenario, document: Document) -> WorldState | None:
    """The observed world that ``scenario`` (``document`` validated, overrides applied) is calibrated to.

    None means the scenario's own starting state: the document is its own observed state, or the recorded
    one is not a compatible scenario on its own (a base that only works with its overlay, or one with other
    actors or sectors); an explicit ``calibration: base`` in such a case is refused by validation.
    """
    if document.observed is None:
        return None
    try:
        observed = _observed_scenario(document)
    except ScenarioError:
        return None
    if not same_world(observed, scenario):
        return None
    return build_world(observed)


def calibrated_setup(scenario: Scenario, document: Document) -> ModelSetup:
    """``scenario``'s setup, calibrated to the observed state recorded on ``document`` (the document as played:
    the loaded file, or it with overrides applied by with_overrides)."""
    return build_setup(scenario, calibration=calibration_world(scenario, document))


def setup_with_overrides(
    document: Document,
    overrides: Mapping[str, Any] | None = None,
    *,
    origin: str = "overrides",
    check_sweep: bool = False,
) -> ModelSetup:
    """The setup of ``document`` played with ``overrides``, calibrated to the document's observed state.

    Problems are one ScenarioError line starting with ``origin`` (as validate_overrides); without overrides
    the document is validated as a file (its sweep's values tried when ``check_sweep``).
    """
    if overrides:
        scenario = validate_overrides(document, overrides, origin)
        document = with_overrides(document, overrides)
    else:
        from sim.scenario.loader import validate_document  # noqa: PLC0415 - the loader imports this module

        scenario = validate_document(document, check_sweep=check_sweep)
    return calibrated_setup(scenario, document)


def load_setup(path: str | FilePath) -> ModelSetup:
    """Read, validate and build a scenario file (``extends:`` merged), calibrated by the rule above."""
    from sim.scenario.loader import load_document  # noqa: PLC0415 - the loader imports this module

    return setup_with_overrides(load_document(path), check_sweep=True)


def calibration_problems(scenario: Scenario, document: Document) -> Iterator[Problem]:
    """Problems of an explicit ``calibration: base`` (no base, or a base that cannot calibrate this file)."""
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
        observed = _observed_scenario(document)
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
