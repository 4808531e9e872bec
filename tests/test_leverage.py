"""`run.py leverage`: pass, random, the AI and the searched best policy scored over the same seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.batch.executors import SerialExecutor
from sim.batch.leverage import (
    GamesTask,
    SearchBudget,
    evaluate,
    leverage,
    play_tasks,
    search_best,
    training_seeds,
    validation_seeds,
)
from sim.core import ModelSetup
from sim.scenario import build_setup, load_scenario
from tests.conftest import run_cli

# The base scenario over four rounds with one objective an active Cambodia meets and a passive one does not:
# on the base scenario a passing Cambodia ends four rounds with a utility of 0.33..0.40, its AI with 0.41..0.49.
PROBE = """\
extends: medvedev_visit_2015
meta:
  id: leverage_probe
  title: "Leverage probe"
  summary: "The base scenario over four rounds, with one objective that only an active Cambodia meets."
  author: Pivot tests
  version: "1.0"
rounds: 4
objectives:
  cambodia:
    - id: thrive
      description: "End with a utility of 0.40 or more"
      condition: {utility: cambodia, at_least: 0.40}
  asean: null
actors:
  asean: {playable: false}
briefing:
  asean: null
"""

SMALL_SEARCH = (
    "--iterations", "2", "--population", "4", "--training-runs", "2", "--restarts", "1", "--validation-runs", "3",
    "--workers", "1",
)  # fmt: skip


@pytest.fixture(scope="module")
def probe_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("leverage") / "probe.yaml"
    path.write_text(PROBE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def probe_setup(probe_file: Path) -> ModelSetup:
    return build_setup(load_scenario(probe_file))


@pytest.fixture(scope="module")
def probe_json(probe_file: Path) -> str:
    result = run_cli("leverage", str(probe_file), "--as", "cambodia", "--runs", "6", "--format", "json", *SMALL_SEARCH)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_json_has_exactly_the_promised_shape(probe_json: str) -> None:
    doc = json.loads(probe_json)
    assert list(doc)[:4] == ["scenario", "actor", "runs", "policies"]
    assert (doc["scenario"], doc["actor"], doc["runs"]) == ("leverage_probe", "cambodia", 6)
    assert list(doc["policies"]) == ["pass", "random", "ai", "best"]
    for summary in doc["policies"].values():
        assert list(summary) == ["mean", "sd", "ci"]
        low, high = summary["ci"]
        assert 0.0 <= low <= summary["mean"] <= high <= 100.0
        assert summary["sd"] >= 0.0


def test_the_same_arguments_print_the_same_output(probe_file: Path, probe_json: str) -> None:
    again = run_cli("leverage", str(probe_file), "--as", "cambodia", "--runs", "6", "--format", "json", *SMALL_SEARCH)
    assert again.stdout == probe_json


def test_the_output_does_not_depend_on_the_number_of_workers(probe_file: Path, probe_json: str) -> None:
    args = (*SMALL_SEARCH[: SMALL_SEARCH.index("--workers")], "--workers", "2")
    two = run_cli("leverage", str(probe_file), "--as", "cambodia", "--runs", "6", "--format", "json", *args)
    assert two.stdout == probe_json


def test_an_active_ai_beats_passing_where_only_activity_meets_the_objective(probe_json: str) -> None:
    policies = json.loads(probe_json)["policies"]
    assert policies["ai"]["mean"] - policies["pass"]["mean"] >= 50.0
    assert policies["ai"]["ci"][0] > policies["pass"]["ci"][1]


def test_best_is_chosen_on_fresh_validation_seeds_among_every_restart(probe_setup: ModelSetup) -> None:
    actor = probe_setup.index("cambodia")
    budget = SearchBudget(iterations=2, population=4, training_runs=3, restarts=2, finalists=2, validation_runs=3)
    with SerialExecutor() as executor:
        report = search_best(probe_setup, actor, 7, budget, executor)
        checks = tuple(validation_seeds(7, k) for k in range(budget.validation_runs))
        replay = play_tasks([GamesTask("replay", probe_setup, actor, report.policy, checks)], executor)[0]
    assert set(report.validation) == {"pass", "random", "ai", "cem"}
    assert report.validation[report.chosen] == max(report.validation.values())
    assert sum(replay) / len(replay) == pytest.approx(report.validation[report.chosen])
    assert len(report.progress) == budget.restarts * budget.iterations
    assert list(report.progress) == sorted(report.progress)  # the best training score so far never falls
    training = {training_seeds(7, k)[0].spawn_key for k in range(budget.training_runs)}
    assert training.isdisjoint(s.spawn_key for s, _ in checks)


def test_without_validation_seeds_best_is_the_training_seeds_best(probe_setup: ModelSetup) -> None:
    actor = probe_setup.index("cambodia")
    budget = SearchBudget(iterations=2, population=4, training_runs=3, restarts=1, validation_runs=0)
    with SerialExecutor() as executor:
        report = search_best(probe_setup, actor, 7, budget, executor)
        seeds = tuple(training_seeds(7, k) for k in range(budget.training_runs))
        replay = play_tasks([GamesTask("replay", probe_setup, actor, report.policy, seeds)], executor)[0]
    assert report.training[report.chosen] >= max(report.training["pass"], report.training["random"])
    assert sum(replay) / len(replay) == pytest.approx(report.training[report.chosen])


def test_every_policy_plays_the_same_evaluation_seeds(probe_setup: ModelSetup) -> None:
    actor = probe_setup.index("cambodia")
    with SerialExecutor() as executor:
        once = evaluate(probe_setup, actor, {"pass": "pass", "also_pass": "pass"}, 3, 11, executor)
    assert once["pass"].scores == once["also_pass"].scores


def test_the_library_function_returns_every_policy(probe_setup: ModelSetup) -> None:
    result = leverage(
        probe_setup,
        "cambodia",
        2,
        0,
        budget=SearchBudget(iterations=1, population=2, training_runs=1, restarts=1, validation_runs=2),
    )
    assert set(result.policies) == {"pass", "random", "ai", "best"}
    assert all(len(p.scores) == 2 for p in result.policies.values())


def test_the_table_names_each_policy_and_the_leverage(probe_file: Path) -> None:
    result = run_cli("leverage", str(probe_file), "--as", "cambodia", "--runs", "3", *SMALL_SEARCH)
    assert result.returncode == 0, result.stderr
    for name in ("pass", "random", "ai", "best", "leverage (best - pass)", "95 % CI"):
        assert name in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as", "narnia"), "leverage: --as narnia: no such actor in leverage_probe; choose a playable one: cambodia"),
        (("--as", "asean"), "leverage: --as asean: asean is not playable in leverage_probe"),
        (("--as", "cambodia", "--runs", "1"), "leverage: --runs must be >= 2"),
        (("--as", "cambodia", "--runs", "0"), "argument --runs: must be > 0 (got 0)"),
        (("--as", "cambodia", "--runs", "many"), "argument --runs: must be a whole number"),
        (("--as", "cambodia", "--rounds", "100000"), "leverage: --rounds must be <= 400"),
        ((), "the following arguments are required: --as"),
    ],
)
def test_a_bad_command_line_is_one_line_and_exit_2(probe_file: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli("leverage", str(probe_file), *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stdout == ""


def test_an_unknown_scenario_is_one_located_line() -> None:
    result = run_cli("leverage", "no_such_scenario", "--as", "cambodia")
    assert result.returncode == 1
    assert result.stderr.startswith("no_such_scenario: no such scenario file or library scenario")
    assert result.stderr.count("\n") == 1


@pytest.mark.slow
def test_the_base_scenario_is_a_game_for_cambodia() -> None:
    """Issue 12's bar, as an instructor checks it: best beats always passing by 30 points or more, and the
    AI's own scores spread (sd of at least 5 points). About a minute of CPU on the vector engine."""
    args = ("--as", "cambodia", "--format", "json", "--workers", "2")
    result = run_cli("leverage", "medvedev_visit_2015", *args, timeout=600)  # ~1 min of CPU; longer on a busy machine
    assert result.returncode == 0, result.stderr
    policies = json.loads(result.stdout)["policies"]
    assert policies["best"]["mean"] - policies["pass"]["mean"] >= 30.0
    assert policies["best"]["ci"][0] > policies["ai"]["ci"][1]
    assert policies["ai"]["sd"] >= 5.0
