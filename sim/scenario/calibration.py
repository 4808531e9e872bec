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

The loader records the observed data on the Document (``Document.observed``), overrides keep it; the rule's
pure parts (and the checks of ``calibration:``, which validation runs) are in sim.scenario.observed. Every
path that plays a scenario builds its setup here: ``load_setup`` (a file), ``setup_with_overrides`` (a
document and overrides) or ``calibrated_setup`` (a scenario already validated from a document).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any

from sim.core.setup import ModelSetup
from sim.core.world import WorldState
from sim.scenario.build import build_setup, build_world
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_document, validate_document, validate_point, validated_overrides
from sim.scenario.observed import observed_document, same_world
from sim.scenario.schema import Scenario
from sim.scenario.strict_yaml import Document

# The last few observed states validated, by the identity of their data (kept alive here, so an id is never
# reused while its entry stands): every sweep point of a document shares its observed data, which no one
# changes (with_overrides copies before it sets), and validating it again for each point cost as much as
# validating the point. A failure is not kept.
_OBSERVED: OrderedDict[int, tuple[object, Scenario]] = OrderedDict()
_OBSERVED_SIZE = 8
_OBSERVED_LOCK = threading.Lock()  # a batch's thread workers build setups at the same time


def _observed_scenario(document: Document) -> Scenario:
    """The recorded observed data, validated (raises ScenarioError when it is not a scenario on its own)."""
    data = document.observed
    with _OBSERVED_LOCK:
        found = _OBSERVED.get(id(data))
        if found is not None and found[0] is data:
            _OBSERVED.move_to_end(id(data))
            return found[1]
    scenario = validate_point(observed_document(document))
    with _OBSERVED_LOCK:
        _OBSERVED[id(data)] = (data, scenario)
        while len(_OBSERVED) > _OBSERVED_SIZE:
            _OBSERVED.popitem(last=False)
    return scenario


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
        scenario, document = validated_overrides(document, overrides, origin)
    else:
        scenario = validate_document(document, check_sweep=check_sweep)
    return calibrated_setup(scenario, document)


def load_setup(path: str | FilePath) -> ModelSetup:
    """Read, validate and build a scenario file (``extends:`` merged), calibrated by the rule above."""
    return setup_with_overrides(load_document(path), check_sweep=True)
