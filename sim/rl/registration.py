"""Scenarios for the environments: resolve a name, path, Scenario or ModelSetup; register the library with Gymnasium.

Every ``scenarios/*.yaml`` file found when :func:`register_scenarios` runs (on ``import sim.rl``) becomes
``Pivot/<file stem>-v0``, a :class:`sim.rl.PivotEnv`. Registration only lists files; a scenario is read
and validated when an environment is made, so one malformed file never stops the others from registering.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import gymnasium

from sim import library as _library
from sim.core.setup import ModelSetup
from sim.library import SCENARIO_DIR, resolve
from sim.scenario import Scenario, build_setup
from sim.scenario.calibration import load_setup

DEFAULT_SCENARIO = _library.DEFAULT_SCENARIO
NAMESPACE = "Pivot"
VERSION = 0
#: What Gymnasium accepts as an environment name (without namespace and version).
_NAME = re.compile(r"^[\w.-]+$")

ScenarioLike = str | os.PathLike[str] | Scenario | ModelSetup


def scenario_path(name: str | os.PathLike[str]) -> Path:
    """The file of a library scenario name (``medvedev_visit_2015``) or a path (ScenarioError if neither)."""
    return resolve(name)


def scenario_setup(scenario: ScenarioLike) -> ModelSetup:
    """The ModelSetup of a library name, a file path, a validated Scenario or a ModelSetup."""
    if isinstance(scenario, ModelSetup):
        return scenario
    if isinstance(scenario, Scenario):
        return build_setup(scenario)
    return load_setup(scenario_path(scenario))


def env_id(scenario_name: str) -> str:
    """``Pivot/<name>-v0``."""
    return f"{NAMESPACE}/{scenario_name}-v{VERSION}"


def library(folder: Path = SCENARIO_DIR) -> list[Path]:
    """The scenario files of the library, by name."""
    return sorted(p for p in folder.glob("*.yaml") if _NAME.match(p.stem))


def register_scenarios(folder: Path = SCENARIO_DIR) -> list[str]:
    """Register ``Pivot/<stem>-v0`` for every scenario file in ``folder`` not yet registered; return all their ids."""
    ids = []
    for path in library(folder):
        eid = env_id(path.stem)
        if eid not in gymnasium.registry:
            gymnasium.register(id=eid, entry_point="sim.rl.single:PivotEnv", kwargs={"scenario": str(path)})
        ids.append(eid)
    return ids


def registered_scenario(eid: str) -> str:
    """The scenario a registered ``Pivot/...-v0`` id plays (ValueError naming the known ids otherwise)."""
    spec = gymnasium.registry.get(eid)
    if spec is None or spec.namespace != NAMESPACE:
        known = ", ".join(sorted(k for k in gymnasium.registry if k.startswith(f"{NAMESPACE}/")))
        raise ValueError(f"{eid!r} is not a registered Pivot environment; known: {known}")
    return str(spec.kwargs["scenario"])
