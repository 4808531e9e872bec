"""The vector engine and the Mesa model give the same runs and the same statistics on every shipped scenario.

tools/engine_equivalence.py runs this comparison at 2,000 seeds each way (figures in docs/vector.md); the slow
tests here run it at 300 per scenario (40 at each of a file sweep's points), and the fast ones check that its
intervals can fail.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
RUNS = {"sanctions_escalation": 40}  # its file sweeps 15 points: 40 seeds at each, compared point by point


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("engine_equivalence", ROOT / "tools" / "engine_equivalence.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


equivalence = _tool()


def _frame(outcomes: list[str], alignment: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"outcome": outcomes, "alignment__a__b": alignment})


def test_the_intervals_see_a_real_difference_and_not_a_resampled_one() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    mesa = _frame(list(rng.choice(["hedger", "aligned"], n, p=[0.6, 0.4])), rng.normal(0.5, 0.2, n))
    same = _frame(list(rng.choice(["hedger", "aligned"], n, p=[0.6, 0.4])), rng.normal(0.5, 0.2, n))
    shifted = _frame(list(rng.choice(["hedger", "aligned"], n, p=[0.5, 0.5])), rng.normal(0.53, 0.2, n))
    z = equivalence.normal_quantile(0.99)
    assert z == pytest.approx(2.5758293035489004, abs=1e-9)
    assert not any(d.excludes_zero for d in equivalence.differences("s", mesa, same, z))
    found = {d.statistic: d for d in equivalence.differences("s", mesa, shifted, z)}
    assert set(found) == {"share aligned", "share hedger", "mean alignment__a__b"}
    assert all(d.excludes_zero for d in found.values())
    assert found["share aligned"].low > 0 > found["share hedger"].high


def test_newcombe_interval_matches_the_published_example() -> None:
    """Newcombe (1998), table II, example (a): 56/70 against 48/80, method 10 gives 0.0524 to 0.3339."""
    low, high = equivalence.share_difference(48, 80, 56, 70, z=1.959963984540054)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_has_the_same_runs_and_statistics_on_both_engines(name: str) -> None:
    result = equivalence.compare_scenario(name, runs=RUNS.get(name, 300), workers=1)
    assert result.same_outcome == result.runs
    assert result.max_alignment_gap <= 1e-9
    assert result.same_statistics, [d for d in result.family if d.excludes_zero]
