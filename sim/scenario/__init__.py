"""Scenario files: the YAML format (schema), strict loading with located errors, and building a run's setup."""

from sim.scenario.build import build_setup
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import load_document, load_scenario, validate_document
from sim.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "build_setup",
    "load_document",
    "load_scenario",
    "validate_document",
]
