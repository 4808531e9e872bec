"""Numerical soundness: long soaks stay finite, in range and non-degenerate; extreme but valid parameters run cleanly.

Every run here is under ``np.errstate(over/divide/invalid="raise")`` (and pytest turns any warning into
an error, pyproject.toml), so a numpy overflow, division by zero or invalid value fails the test where
it happens. The soak checks every array of every round; the extreme cases are written as scenario
overrides and validated like a file, so they are values a user may really write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.core import AlignmentModel, ModelSetup
from sim.core.record import RoundRecord
from sim.runs import with_rounds
from sim.scenario import build_setup, load_scenario
from sim.scenario.loader import load_document, validate_point
from sim.scenario.overrides import with_overrides

ROOT = Path(__file__).resolve().parents[1]
SOAK_ROUNDS = 10_000
SOAK_SEEDS = (11, 12)  # x 7 scenarios: 14 soaks of 10,000 rounds, ~10 s each on one core
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
BASE = ROOT / "scenarios" / "medvedev_visit_2015.yaml"
RAISE = {"over": "raise", "divide": "raise", "invalid": "raise"}


def check_round(record: RoundRecord) -> None:
    """Every array of one round finite and in its range (the world's own ranges, and the scores')."""
    assert record.world.check() == [], f"round {record.round}: {record.world.check()}"
    assert np.all(record.world.gdp > 0), f"round {record.round}: an economy vanished"
    scores = np.concatenate([record.alignment.ravel(), record.hedging, record.bloc_tilt, record.utility.ravel()])
    assert np.all(np.isfinite(scores)), f"round {record.round}: non-finite scores"
    assert np.all(np.abs(record.alignment) <= 1.0), f"round {record.round}: alignment outside [-1, 1]"
    assert np.all((record.hedging >= 0.0) & (record.hedging <= 1.0)), f"round {record.round}: hedging outside [0, 1]"
    # bloc tilt is a difference of two mean alignments
    assert np.all(np.abs(record.bloc_tilt) <= 2.0), f"round {record.round}: bloc tilt outside [-2, 2]"


def run_checked(setup: ModelSetup, seed: int) -> AlignmentModel:
    """Play ``setup`` to the end, checking every round; only the start and the latest round are kept."""
    with np.errstate(**RAISE):
        model = AlignmentModel(setup, rng=seed, collect=False)
        check_round(model.history[0])
        while not model.finished:
            model.step()
            check_round(model.history[-1])
            del model.history[1:-1]  # memory stays flat over 10,000 rounds
    return model


def saturated_share(alignment: np.ndarray) -> float:
    off = alignment[~np.eye(alignment.shape[0], dtype=bool)]
    return float(np.mean(np.abs(off) > 0.999))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SOAK_SEEDS)
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_ten_thousand_rounds_stay_finite_in_range_and_not_saturated(path: Path, seed: int) -> None:
    """No shipped scenario's events force alignments to ±1, so none may drift there on its own."""
    setup = build_setup(load_scenario(path))
    model = run_checked(with_rounds(setup, SOAK_ROUNDS, "2015-Q4"), seed)
    assert model.round == SOAK_ROUNDS
    final = model.history[-1].alignment
    off = final[~np.eye(final.shape[0], dtype=bool)]
    assert saturated_share(final) < 0.5, "alignments drifted to saturation at ±1"
    assert off.std() > 0.01, "every pair ended at the same alignment"


# -- extreme but valid parameters ---------------------------------------------------------------------------

DOCUMENT = load_document(BASE)
ACTORS = list(DOCUMENT.data["actors"])


def each_actor(field: str, value: Any) -> dict[str, Any]:
    return {f"actors.{a}.{field}": value for a in ACTORS}


def every_pair(section: str, value: Any) -> dict[str, Any]:
    return {f"{section}.{a}.{b}": value for a in ACTORS for b in ACTORS if a != b}


WEIGHTS = ("relations", "policy", "trade", "agreements", "sanctions")
EXTREMES: dict[str, dict[str, Any]] = {
    "tau 0 (greedy)": each_actor("policy.tau", 0.0),
    "tau 1e-12": each_actor("policy.tau", 1e-12),
    "tau 10 (the largest)": each_actor("policy.tau", 10.0),
    "six moves a round": each_actor("policy.actions_per_round", 6),
    "no moves": each_actor("policy.actions_per_round", 0),
    "every sanction at 1": every_pair("sanctions", 1.0),
    "every tariff at 1": every_pair("tariffs", 1.0),
    "no trade, smallest economies": {**every_pair("trade", 0.0), **each_actor("gdp", 1e-6)},
    "zero-GDP partner without trade": {
        "actors.cambodia.gdp": 1e-6,
        **{f"trade.cambodia.{b}": 0.0 for b in ACTORS if b != "cambodia"},
        **{f"trade.{b}.cambodia": 0.0 for b in ACTORS if b != "cambodia"},
    },
    "largest economies and debts": {**each_actor("gdp", 1e6), **{f"debt.cambodia.{b}": 1e5 for b in ACTORS[1:]}},
    "boom without taper": {**each_actor("growth", 0.5), "dynamics.growth_taper": 1.0},
    "bust without taper": {**each_actor("growth", -0.5), "dynamics.growth_taper": 1.0},
    "every dynamic at its largest": {
        "dynamics.trade_adjustment": 1.0,
        "dynamics.tariff_elasticity": 20.0,
        "dynamics.sanction_trade_elasticity": 20.0,
        "dynamics.gdp_trade_elasticity": 5.0,
        "dynamics.sanction_gdp_drag": 1.0,
        "dynamics.relation_memory": 1.0,
    },
    "every dynamic at zero": {
        "dynamics.trade_adjustment": 0.0,
        "dynamics.tariff_elasticity": 0.0,
        "dynamics.sanction_trade_elasticity": 0.0,
        "dynamics.gdp_trade_elasticity": 0.0,
        "dynamics.sanction_gdp_drag": 0.0,
        "dynamics.relation_memory": 0.0,
        "dynamics.growth_taper": 0.0,
    },
    "scoring weights at their largest": {
        **{f"scoring.weights.{w}": 5.0 for w in WEIGHTS},
        "scoring.weights.trade_squash": 100.0,
    },
    "scoring weights at zero": {
        **{f"scoring.weights.{w}": 0.0 for w in WEIGHTS},
        "scoring.weights.trade_squash": 1e-9,
    },
    "everyone close": every_pair("relations", 1.0),
    "everyone hostile": every_pair("relations", -1.0),
    "no capability": each_actor("capability", 0.0),
    "all interests zero": {
        f"actors.{a}.interests.{i}": 0.0
        for a in ACTORS
        for i in ("economy", "security", "autonomy", "influence", "values")
    },
}
#: Long enough for growth of ±0.5 without taper to leave a float's range if nothing bounded it.
EXTREME_ROUNDS = 4_000


def extreme_setup(changes: dict[str, Any], rounds: int | None = None) -> ModelSetup:
    setup = build_setup(validate_point(with_overrides(DOCUMENT, changes)))  # valid values, as a file would give them
    return setup if rounds is None else with_rounds(setup, rounds, "2015-Q4")


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_valid_parameters_run_without_numpy_warnings(name: str) -> None:
    model = run_checked(extreme_setup(EXTREMES[name]), seed=1)
    assert model.finished and model.round == model.setup.rounds


@pytest.mark.slow
@pytest.mark.parametrize("name", ["boom without taper", "bust without taper"])
def test_extreme_parameters_stay_sound_over_long_runs(name: str) -> None:
    """A boom or bust without taper overflowed (round ~3,460) or underflowed (round ~2,150) before GDP was bounded."""
    model = run_checked(extreme_setup(EXTREMES[name], EXTREME_ROUNDS), seed=1)
    gdp = model.world.gdp
    assert model.round == EXTREME_ROUNDS and np.all((gdp >= 1e-6) & (gdp <= 1e9))


def test_events_that_add_without_limit_stay_in_range() -> None:
    """`add` has no upper limit in a file: a repeating event adding 1e300 bn is clamped, not overflowed."""
    changes = {
        "events": [
            {
                "id": "windfall",
                "title": "Windfall",
                "when": {"hedging": "cambodia", "at_least": 0.0},
                "repeat": True,
                "effects": [
                    {"add": {"gdp": "cambodia", "value": 1e300}},
                    {"add": {"trade": ["cambodia", "china"], "value": 1e300}},
                    {"add": {"debt": ["cambodia", "china"], "value": 1e300}},
                ],
            }
        ]
    }
    model = run_checked(extreme_setup(changes, 50), seed=2)
    assert model.world.gdp[0] == model.world.debt[0, 2] == 1e9 and model.world.trade.max() <= 1e9
