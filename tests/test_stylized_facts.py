"""The stylized facts of the source article, as statistical tests over many seeds.

Each test compares the base scenario with a counterfactual built here, paired by seed. Sample size:
SEEDS = 60 runs per arm (~1 s each arm). Thresholds sit far below the effects observed at 80 seeds
(noted per test as effect / standard error), so that a fresh seed set would fail a test with a
probability below 1e-4 (normal approximation of the paired mean or of the binomial share); the
fixed seeds make each run of the suite deterministic.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.core import CATALOGUE, AlignmentModel, ModelSetup, RoundRecord, ScriptedMove

pytestmark = pytest.mark.slow
SEEDS = range(60)
COOPERATIVE = {a.id for a in CATALOGUE if a.stance == "cooperative"}
#: Hedging index of a one-partner client: 85 % of its positive alignment on one power, 5 % on each of three.
CLIENT_HEDGING = float(-(0.85 * np.log(0.85) + 3 * 0.05 * np.log(0.05)) / np.log(4))


def runs(setup: ModelSetup) -> list[list[RoundRecord]]:
    return [AlignmentModel(setup, rng=seed, collect=False).run() for seed in SEEDS]


@pytest.fixture(scope="module")
def ix(base_setup: ModelSetup) -> dict[str, int]:
    return {a: base_setup.index(a) for a in base_setup.actor_ids}


@pytest.fixture(scope="module")
def base_runs(base_setup: ModelSetup) -> list[list[RoundRecord]]:
    return runs(base_setup)


@pytest.fixture(scope="module")
def no_sanctions_runs(base_setup: ModelSetup) -> list[list[RoundRecord]]:
    world = base_setup.world.copy()
    world.sanctions[:] = 0.0
    # The dynamics stay calibrated to the observed 2015 state, so trade and growth respond to the change.
    return runs(replace(base_setup, world=world, calibration=base_setup.world))


def paired_z(differences: np.ndarray) -> float:
    return float(differences.mean() / (differences.std(ddof=1) / np.sqrt(differences.size)))


def test_sanctions_push_russia_toward_cambodia_and_asean(base_runs, no_sanctions_runs, ix) -> None:  # type: ignore[no-untyped-def]
    """(a) Observed: +8.6 cooperative moves per run toward Cambodia and ASEAN, z = 35 at 80 seeds."""

    def courting(history: list[RoundRecord]) -> int:
        return sum(
            1
            for r in history
            for m in r.moves
            if m.actor == ix["russia"] and m.action in COOPERATIVE and m.target in (ix["cambodia"], ix["asean"])
        )

    diff = np.array([courting(a) - courting(b) for a, b in zip(base_runs, no_sanctions_runs, strict=True)])
    assert diff.mean() > 2.0
    assert paired_z(diff) > 5.0


def test_cambodia_stays_a_diversified_hedger(base_runs, ix) -> None:  # type: ignore[no-untyped-def]
    """(b) Observed: hedging never below 0.89 (client level 0.42); 3+ powers engaged in every run."""
    kh = ix["cambodia"]
    powers = {ix["russia"], ix["china"], ix["us"], ix["eu"]}
    above_client = [min(r.hedging[kh] for r in h) > CLIENT_HEDGING for h in base_runs]
    engaged = [
        len({m.target for r in h for m in r.moves if m.actor == kh and m.action in COOPERATIVE and m.target in powers})
        for h in base_runs
    ]
    assert np.mean(above_client) >= 0.9
    assert np.mean(np.array(engaged) >= 3) >= 0.8


def test_us_is_cambodias_least_aligned_power_because_of_values(base_setup, base_runs, ix) -> None:  # type: ignore[no-untyped-def]
    """(c) Observed: US lowest in 100 % of runs; with the US sharing Cambodia's values stance, in 21 %."""
    kh, us = ix["cambodia"], ix["us"]
    powers = [ix["russia"], ix["china"], us, ix["eu"]]

    def us_lowest(history: list[RoundRecord]) -> bool:
        final = history[-1].alignment
        return powers[int(np.argmin([final[kh, p] for p in powers]))] == us

    assert np.mean([us_lowest(h) for h in base_runs]) >= 0.8
    world = base_setup.world.copy()
    values = base_setup.scoring.values_dimension
    world.positions[us, values] = world.positions[kh, values]
    interests = base_setup.interests.copy()
    interests[us, 4] = 0.0  # "values" interest
    same_values = runs(replace(base_setup, world=world, interests=interests))
    assert np.mean([us_lowest(h) for h in same_values]) <= 0.5
    gain = np.array(
        [a[-1].alignment[kh, us] - b[-1].alignment[kh, us] for a, b in zip(same_values, base_runs, strict=True)]
    )
    assert gain.mean() > 0.05


def test_russian_debt_cancellation_raises_cambodia_russia_alignment(base_setup, base_runs, ix) -> None:  # type: ignore[no-untyped-def]
    """(d) Paired by seed, mean alignment over the 12 rounds. Observed: +0.031, z = 13 at 80 seeds.

    The gap is largest right after the write-off and narrows later as Cambodia, now closer to Russia,
    rebalances toward other partners (docs/model.md discusses this).
    """
    kh, ru = ix["cambodia"], ix["russia"]
    cancelled = runs(
        replace(
            base_setup,
            scripted_moves=(
                ScriptedMove(round=1, actor=ru, action="cancel_debt", target=kh, reason="test: write-off"),
            ),
        )
    )

    def mean_alignment(history: list[RoundRecord]) -> float:
        return float(np.mean([r.alignment[kh, ru] for r in history[1:]]))

    diff = np.array([mean_alignment(a) - mean_alignment(b) for a, b in zip(cancelled, base_runs, strict=True)])
    assert diff.mean() > 0.01
    assert paired_z(diff) > 4.0
    assert all(h[1].world.debt[kh, ru] == 0.0 for h in cancelled)


def test_china_remains_cambodias_primary_partner(base_runs, ix) -> None:  # type: ignore[no-untyped-def]
    """(e) Observed: China primary at the end of 100 % of runs."""
    share = np.mean([h[-1].primary_partner[ix["cambodia"]] == ix["china"] for h in base_runs])
    assert share >= 0.8


def test_sanctions_leave_russias_gdp_lower(base_runs, no_sanctions_runs, ix) -> None:  # type: ignore[no-untyped-def]
    """(f) Observed: Russia's GDP USD 119 bn lower after 12 quarters with sanctions, in every run."""
    ru = ix["russia"]
    diff = np.array(
        [a[-1].world.gdp[ru] - b[-1].world.gdp[ru] for a, b in zip(base_runs, no_sanctions_runs, strict=True)]
    )
    assert np.mean(diff < 0) >= 0.95
    assert diff.mean() < -20.0
