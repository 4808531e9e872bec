"""Scenario files: the YAML format (schema), strict loading with located errors, and building a run's setup.

The names below are imported on first use (PEP 562), so ``sim.scenario.errors`` alone (which the CLI's
``--help`` paths need) does not pull pydantic, YAML or the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.scenario.build import build_setup
    from sim.scenario.errors import Problem, ScenarioError
    from sim.scenario.loader import load_document, load_scenario, validate_document
    from sim.scenario.schema import Scenario

_HOMES = {
    "build_setup": "sim.scenario.build",
    "Problem": "sim.scenario.errors",
    "ScenarioError": "sim.scenario.errors",
    "load_document": "sim.scenario.loader",
    "load_scenario": "sim.scenario.loader",
    "validate_document": "sim.scenario.loader",
    "Scenario": "sim.scenario.schema",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sim.scenario' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "build_setup",
    "load_document",
    "load_scenario",
    "validate_document",
]
