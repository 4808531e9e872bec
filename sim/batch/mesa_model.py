"""A scenario as a Mesa model class that `mesa.batch_run` can drive (keyword arguments = scenario overrides).

``mesa.batch_run(ScenarioModel, parameters={"scenario": "medvedev_visit_2015",
"actors.russia.policy.tau": [0.05, 0.5]}, rng=[...])`` plays the same model as `batch`; it is the baseline
that benchmarks/bench_batch.py compares the batch engine with, and it lets Mesa users keep their tools.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from sim.batch.engine import scenario_path
from sim.core import AlignmentModel, ModelSetup
from sim.scenario.calibration import setup_with_overrides
from sim.scenario.loader import load_document


@functools.lru_cache(maxsize=64)
def _setup(scenario: str, overrides: tuple[tuple[str, Any], ...]) -> ModelSetup:
    """The scenario with the overrides, calibrated to its observed state (as `batch` plays a sweep point)."""
    return setup_with_overrides(load_document(scenario_path(scenario)), dict(overrides), origin="ScenarioModel")


class ScenarioModel(AlignmentModel):
    """AlignmentModel built from a scenario name or file plus dotted-path overrides given as keywords."""

    def __init__(
        self,
        scenario: str = "medvedev_visit_2015",
        rng: int | np.random.Generator | np.random.SeedSequence | None = None,
        **overrides: Any,
    ) -> None:
        # batch_run needs the DataCollector, so this adapter always collects.
        super().__init__(_setup(str(scenario), tuple(sorted(overrides.items()))), rng=rng, collect=True)
