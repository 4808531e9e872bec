"""Learning agents: PettingZoo and Gymnasium environments over the model (optional extra ``[rl]``).

``PivotParallelEnv`` (PettingZoo, several learners) and ``PivotEnv`` (Gymnasium, one learner) share one
move list, action masks, observations and rewards; ``docs/rl.md`` documents them. Importing this package
registers every library scenario with Gymnasium as ``Pivot/<scenario>-v0``. It never imports pygame.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pettingzoo.utils.conversions import parallel_to_aec

from sim.rl.episode import Episode, InvalidMoveError
from sim.rl.moves import MoveList, MoveSpec
from sim.rl.observations import FIELDS, observation_names
from sim.rl.parallel import PivotParallelEnv
from sim.rl.registration import (
    DEFAULT_SCENARIO,
    ScenarioLike,
    env_id,
    register_scenarios,
    registered_scenario,
    scenario_setup,
)
from sim.rl.render import RoundScreen, ansi_text, matrix_frame
from sim.rl.single import PivotEnv


def parallel_env(scenario: ScenarioLike = DEFAULT_SCENARIO, **kwargs: Any) -> PivotParallelEnv:
    """The PettingZoo-style factory: ``parallel_env("medvedev_visit_2015", learners=["cambodia"])``."""
    return PivotParallelEnv(scenario, **kwargs)


def make_parallel(eid: str, learners: Iterable[str] | None = None, **kwargs: Any) -> PivotParallelEnv:
    """The parallel environment of a registered id: ``make_parallel("Pivot/medvedev_visit_2015-v0")``."""
    return PivotParallelEnv(registered_scenario(eid), learners, **kwargs)


def aec_env(scenario: ScenarioLike = DEFAULT_SCENARIO, **kwargs: Any) -> Any:
    """The same game as a PettingZoo AEC environment (agents move in turn, one round per cycle)."""
    return parallel_to_aec(PivotParallelEnv(scenario, **kwargs))


ENV_IDS: list[str] = register_scenarios()

__all__ = [
    "DEFAULT_SCENARIO",
    "ENV_IDS",
    "FIELDS",
    "Episode",
    "InvalidMoveError",
    "MoveList",
    "MoveSpec",
    "PivotEnv",
    "PivotParallelEnv",
    "RoundScreen",
    "aec_env",
    "ansi_text",
    "env_id",
    "make_parallel",
    "matrix_frame",
    "observation_names",
    "parallel_env",
    "register_scenarios",
    "scenario_setup",
]
