"""Shared ideas have one home: drawing a seed and run k's seed (sim.seeds), the Wilson interval (batch.intervals)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import seeds
from sim.batch import engine, expectations, plan, plots, report, summary
from sim.batch.intervals import Z95, wilson
from sim.cli import run_cmd


def test_every_command_draws_and_derives_seeds_in_one_place() -> None:
    assert engine.draw_seed is run_cmd.draw_seed is seeds.draw_seed
    assert plan.run_seed is seeds.run_seed
    drawn = {seeds.draw_seed() for _ in range(50)}
    assert len(drawn) == 50 and all(seeds.seed_problem(s) is None for s in drawn)
    assert max(drawn) > 2**32  # the whole range, not 32 bits
    for k in (0, 1, 7):
        child = np.random.SeedSequence(11).spawn(k + 1)[k]
        assert (seeds.run_seed(11, k).generate_state(4) == child.generate_state(4)).all()


@pytest.mark.parametrize("n", [1, 2, 10, 37, 1000])
def test_the_wilson_interval_is_exact_at_the_edges_and_inside_zero_one(n: int) -> None:
    assert wilson(0, n)[0] == 0.0 and wilson(n, n)[1] == 1.0
    for k in range(0, n + 1, max(1, n // 7)):
        low, high = wilson(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_every_table_and_check_uses_the_same_interval() -> None:
    assert summary.wilson is wilson and expectations.wilson_interval is wilson
    assert report.wilson is wilson and plots.wilson is wilson
    assert expectations.Z95 == summary.Z95 == plots.Z95 == Z95
    low, high = wilson(30, 100)
    assert (round(low, 4), round(high, 4)) == (0.2189, 0.3958)  # the textbook values for 30 of 100
