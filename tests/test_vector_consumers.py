"""`check`, `sensitivity` and `batch` play on the vector engine by default: the same numbers per seed as on Mesa."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.batch import facts
from sim.batch.engines import EngineError, choose_engine
from sim.batch.expectations import check_report, comparison_base
from sim.batch.leverage import SearchBudget, leverage
from sim.batch.measure import measure_seeds
from sim.scenario.calibration import calibrated_setup, load_setup
from sim.scenario.loader import load_document, validate_document
from tests.conftest import run_cli
from tests.test_vector_batch import ENDING

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize("name", ["debt_cancellation", "sanctions_escalation", "tutorial"])
def test_check_gives_the_same_numbers_on_both_engines(name: str) -> None:
    document = load_document(SCENARIOS / f"{name}.yaml")
    scenario = validate_document(document)
    setup = calibrated_setup(scenario, document)
    base = comparison_base(scenario, document)
    base_setup = None if base is None else base.setup
    reports = [check_report(scenario, setup, base_setup, 24, 7, engine=e) for e in ("mesa", "vector")]
    mesa, vector = reports
    assert len(mesa.results) == len(vector.results) > 0
    for a, b in zip(mesa.results, vector.results, strict=True):
        assert a.verdict == b.verdict
        for field in ("observed", "low", "high"):
            assert abs(getattr(a, field) - getattr(b, field)) <= 1e-9, (a.expectation.id, field)
    assert [(r.name, r.share) for r in mesa.events] == [(r.name, r.share) for r in vector.events]
    assert [(r.name, r.share) for r in mesa.objectives] == [(r.name, r.share) for r in vector.objectives]


def test_auto_is_vector_where_supported_and_mesa_with_a_note_otherwise(tmp_path: Path) -> None:
    base = load_setup(SCENARIOS / "medvedev_visit_2015.yaml")
    assert choose_engine(None, [base]).engine == "vector"
    assert choose_engine("mesa", [base]).engine == "mesa"
    scenario = tmp_path / "ending.yaml"
    scenario.write_text(ENDING)
    ending = load_setup(scenario)
    choice = choose_engine("auto", [base, ending])
    assert choice.engine == "mesa" and choice.note is not None and "walkout" in choice.note
    with pytest.raises(EngineError, match="use --engine mesa"):
        choose_engine("vector", [ending])


def test_the_commands_fall_back_to_mesa_with_one_line(tmp_path: Path) -> None:
    scenario = tmp_path / "ending.yaml"
    scenario.write_text(ENDING)
    done = run_cli("check", str(scenario), "--runs", "4", "--progress", "none")
    notes = [line for line in done.stderr.splitlines() if "Mesa engine" in line]
    assert len(notes) == 1 and "walkout" in notes[0], done.stderr
    refused = run_cli("check", str(scenario), "--runs", "4", "--engine", "vector")
    assert refused.returncode == 1
    assert "cannot play ending" in refused.stderr and "Traceback" not in refused.stderr
    batch = run_cli("batch", str(scenario), "--runs", "2", "--seed", "1", "--workers", "1",
                    "--out", str(tmp_path / "o"), "--progress", "none")  # fmt: skip
    assert batch.returncode == 0, batch.stderr
    assert sum("Mesa engine" in line for line in batch.stderr.splitlines()) == 1


def test_leverage_scores_every_policy_the_same_on_both_engines() -> None:
    setup = load_setup(SCENARIOS / "medvedev_visit_2015.yaml")
    budget = SearchBudget(iterations=1, population=4, training_runs=3, restarts=2, finalists=2, validation_runs=4)
    mesa, vector = (leverage(setup, "cambodia", 6, 5, budget=budget, engine=e) for e in ("mesa", "vector"))
    assert set(mesa.policies) == set(vector.policies) == {"pass", "random", "ai", "best"}
    for name, scores in mesa.policies.items():
        assert scores.scores == vector.policies[name].scores, name
    assert mesa.search.training == vector.search.training
    assert mesa.search.validation == vector.search.validation
    assert mesa.search.chosen == vector.search.chosen


@pytest.mark.parametrize(
    "measure",
    [
        facts.russia_courts_asia,
        facts.russia_gdp,
        facts.cambodia_kuik,
        facts.cambodia_russia_final,
        facts.us_lowest,
        facts.china_primary,
        facts.china_us_gap_change,
        facts.hindcast_path,
    ],
    ids=lambda f: f.__name__,
)
def test_the_stylized_facts_measure_the_same_runs_on_both_engines(measure) -> None:  # type: ignore[no-untyped-def]
    setup = facts.with_western_sanctions(load_setup(SCENARIOS / "medvedev_visit_2015.yaml"), 0.5)
    mesa = measure_seeds(setup, 10, 4, measure, engine="mesa")
    vector = measure_seeds(setup, 10, 4, measure, engine="vector")
    assert np.allclose(np.asarray(mesa, dtype=float), np.asarray(vector, dtype=float), rtol=0, atol=1e-9)
