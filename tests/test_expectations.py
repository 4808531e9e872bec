"""Expected outcomes: the statistics behind `check`, and `check` as a user runs it, on every shipped scenario."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.batch.expectations import evaluate, judge, mean_interval, t_quantile_95, wilson_interval
from sim.scenario.schema import Expectation
from tests.conftest import BASE_FILE, ROOT, SCENARIOS, run_cli

#: Seeds per scenario in CI: enough for every shipped expectation's 95 % interval to clear its threshold,
#: few enough to keep the suite fast (about 1-2 s per scenario with its base).
CI_RUNS = "40"
#: Scenarios whose smallest expected effect needs more seeds than CI_RUNS to clear its threshold.
MORE_RUNS = {
    "eba_withdrawal": "100",  # tilt east by -0.024 [-0.036, -0.012] at 200 runs
    "asean_russia_summit_2016": "200",  # Russia-ASEAN +0.010 [+0.005, +0.015] at 200 runs
    "medvedev_visit_2015": "120",  # nobody sanctions Cambodia: 0.92 [0.85, 0.95] of runs at 120, against 0.8
}
LIBRARY = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("name", LIBRARY)
def test_every_shipped_scenario_shows_what_it_expects(name: str) -> None:
    runs = MORE_RUNS.get(name, CI_RUNS)
    result = run_cli("check", name, "--runs", runs)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"check {name}: {runs} runs, seeds SeedSequence(0).spawn({runs})")
    shown = [line for line in lines if line.startswith("  PASS")]
    assert shown and not any(line.startswith("  FAIL") for line in lines)
    noun = "expectation" if len(shown) == 1 else "expectations"
    assert lines[-1] == f"{len(shown)} {noun}: {len(shown)} shown, 0 not shown"


@pytest.mark.slow
def test_eight_actor_example_checks_in_the_cli() -> None:
    result = run_cli("check", str(ROOT / "tests" / "data" / "eight_actors.yaml"), "--runs", "20")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_failing_expectation_exits_1_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(
        f"""extends: {BASE_FILE.stem}
meta: {{id: wrong, title: Wrong}}
rounds: 3
expect:
  - id: us_first
    holds: {{primary_partner: cambodia, is: us}}
    at_least: 0.5
  - id: cooler_to_china
    mean: {{alignment: [cambodia, china]}}
    below_base_by: 0.1
  - id: hedging_high
    mean: {{hedging: cambodia}}
    above: 0.5
"""
    )
    result = run_cli("check", str(path), "--runs", "12", "--seed", "7")
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert out[0] == (
        f"check wrong: 12 runs, seeds SeedSequence(7).spawn(12); base medvedev_visit_2015 (scenarios/{BASE_FILE.name}) "
        "with the same seeds over 3 rounds"
    )
    assert out[1].startswith("  FAIL  us_first: primary_partner cambodia == us at the end, in at least 0.5 of runs: ")
    assert out[1].endswith("-- contradicted")
    assert out[2].startswith(
        "  FAIL  cooler_to_china: mean final alignment cambodia-china below base by more than 0.1:"
    )
    assert "+0.000 vs base [95 % +0.000, +0.000] (mean" in out[2], "the base run in its own scenario: no difference"
    assert out[3].startswith("  PASS  hedging_high: mean final hedging cambodia above 0.5: mean 0.")
    assert out[-1] == "3 expectations: 1 shown, 2 not shown"
    again = run_cli("check", str(path), "--runs", "12", "--seed", "7")
    assert again.stdout == result.stdout, "same seeds, same verdicts"


def test_a_scenario_without_expectations_has_nothing_to_check(tmp_path: Path) -> None:
    path = tmp_path / "quiet.yaml"
    path.write_text(f"extends: {BASE_FILE.stem}\nmeta: {{id: quiet, title: Quiet}}\nexpect: []\n")
    result = run_cli("check", str(path))
    assert result.returncode == 0 and "no expectations to check" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [(["check", "medvedev_visit_2015", "--runs", "0"], "--runs: must be > 0"), (["check"], "required: scenario")],
)
def test_bad_check_arguments_are_one_line(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


# -- statistics ------------------------------------------------------------------------------------------


def test_wilson_interval_matches_published_values() -> None:
    # Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775; 1/29 -> 0.0061 to 0.1718.
    for (k, n), (low, high) in {(81, 263): (0.2553, 0.3662), (0, 10): (0.0, 0.2775), (1, 29): (0.0061, 0.1718)}.items():
        got = wilson_interval(k, n)
        assert got == pytest.approx((low, high), abs=1e-4)


@given(k=st.integers(min_value=0, max_value=500), extra=st.integers(min_value=0, max_value=500))
def test_wilson_interval_contains_the_share_and_stays_in_0_1(k: int, extra: int) -> None:
    n = k + extra
    if n == 0:
        assert wilson_interval(0, 0) == (0.0, 1.0)
        return
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_t_quantiles_match_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in [*range(1, 60), 80, 100, 200, 1000, 10_000]:
        assert t_quantile_95(df) == pytest.approx(stats.t.ppf(0.975, df), abs=2e-4), df


def test_mean_interval_of_constant_values_is_a_point_and_of_one_value_is_unbounded() -> None:
    assert mean_interval([0.3] * 5) == pytest.approx((0.3, 0.3, 0.3))
    mean, low, high = mean_interval([0.3])
    assert mean == 0.3 and low == -math.inf and high == math.inf


def expectation(**fields: object) -> Expectation:
    return Expectation.model_validate({"id": "e", **fields})


@pytest.mark.parametrize(
    ("fields", "observed", "low", "high", "verdict"),
    [
        ({"holds": {"round": True, "at_least": 1}, "at_least": 0.6}, 0.9, 0.7, 0.97, "pass"),
        ({"holds": {"round": True, "at_least": 1}, "at_least": 0.6}, 0.7, 0.5, 0.85, "unsure"),
        ({"holds": {"round": True, "at_least": 1}, "at_least": 0.6}, 0.5, 0.3, 0.7, "fail"),
        ({"holds": {"round": True, "at_least": 1}, "at_most": 0.1}, 0.0, 0.0, 0.09, "pass"),
        ({"holds": {"round": True, "at_least": 1}, "at_most": 0.1}, 0.0, 0.0, 0.28, "unsure"),
        ({"mean": {"hedging": "cambodia"}, "above": 0.5}, 0.6, 0.55, 0.65, "pass"),
        ({"mean": {"hedging": "cambodia"}, "below": 0.5}, 0.6, 0.55, 0.65, "fail"),
        ({"mean": {"gdp": "russia"}, "below_base_by": 30}, -54.0, -55.0, -53.0, "pass"),
        ({"mean": {"gdp": "russia"}, "below_base_by": 30}, -31.0, -40.0, -22.0, "unsure"),
        ({"mean": {"gdp": "russia"}, "above_base_by": 0.0}, 0.01, -0.001, 0.02, "unsure"),
    ],
)
def test_an_expectation_passes_only_when_its_whole_interval_agrees(
    fields: dict[str, object], observed: float, low: float, high: float, verdict: str
) -> None:
    assert judge(expectation(**fields), observed, low, high) == verdict


def test_evaluate_pairs_runs_by_seed_against_the_base() -> None:
    e = expectation(mean={"hedging": "cambodia"}, above_base_by=0.05)
    rng = np.random.default_rng(0)
    base = rng.normal(0.5, 0.2, 50)
    scenario = base + 0.1 + rng.normal(0, 0.01, 50)  # a small, consistent effect under large run-to-run noise
    (result,) = evaluate((e,), [(x,) for x in scenario], [(x,) for x in base])
    assert result.observed == pytest.approx(0.1, abs=0.01) and result.passed
    assert result.high - result.low < 0.02, "pairing by seed removes the run-to-run noise"


def test_check_plays_the_batch_runner_s_runs_on_any_executor(base_setup) -> None:
    from sim.batch import run_batch
    from sim.batch.executors import make_executor
    from sim.batch.measure import measure_seeds
    from sim.runs import with_rounds

    setup = with_rounds(base_setup, 3, "2015-Q4")
    batch = run_batch("medvedev_visit_2015", workers=1, runs=25, seed=11, rounds=3, engine="mesa")
    hedging = batch.sort_values("seed_index")["hedging__cambodia"].tolist()
    serial = measure_seeds(setup, 25, 11, _hedging_of_cambodia)
    with make_executor(workers=2) as pool:
        pooled = measure_seeds(setup, 25, 11, _hedging_of_cambodia, executor=pool)
    assert serial == pooled == hedging, "check --seed S and batch --seed S play the same runs, in seed order"


def _hedging_of_cambodia(model) -> float:
    return float(model.history[-1].hedging[0])


def test_check_prints_the_same_verdicts_serially_and_on_worker_processes() -> None:
    from tests.conftest import run_cli

    serial = run_cli("check", "tutorial", "--runs", "30", "--workers", "1")
    pooled = run_cli("check", "tutorial", "--runs", "30", "--workers", "2")
    assert serial.returncode == pooled.returncode and serial.stdout == pooled.stdout
    assert "3 expectations" in serial.stdout
