"""Conditions, outcomes and objectives are stated once: one run's view and R runs' view give the same answers."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.batch.plan import run_seed
from sim.core import AlignmentModel, ModelSetup
from sim.core.conditions import (
    COMPARATORS,
    METRICS,
    AllOf,
    Always,
    AnyOf,
    Compare,
    Condition,
    MetricView,
    Not,
    compare,
    first_holding,
    holds,
)
from sim.core.objectives import Objective, judged, met, weighted_score
from sim.vector import VectorEngine, keys_for

RUNS = 6


@pytest.fixture(scope="module")
def played(base_setup: ModelSetup) -> VectorEngine:
    return VectorEngine(base_setup, keys_for([run_seed(3, k) for k in range(RUNS)])).run()


def _run_view(batch: MetricView, r: int) -> MetricView:
    """Run r's view, cut out of a view of R runs."""
    world = batch.world.run(r)  # type: ignore[attr-defined]
    return MetricView(
        batch.round,
        world,
        batch.initial,
        batch.alignment[r],
        batch.hedging[r],
        batch.bloc_tilt[r],
        batch.primary_partner[r],
        batch.utility[r],
        batch.kuik_hedging[r],
    )


def _every_comparison(n: int) -> list[Compare]:
    out = []
    for metric, arity in METRICS.items():
        actors = [()] if arity == 0 else [(a,) for a in range(n)] if arity == 1 else [(0, 1), (1, 0), (0, 4), (3, 2)]
        for at in actors:
            for op in COMPARATORS:
                for value in (-0.2, 0.0, 0.3, 1.0, 3.0, 12.0):
                    out.append(Compare(metric, at, op, value))  # type: ignore[arg-type]
    return out


def test_every_metric_reads_the_same_number_for_one_run_and_for_many(played: VectorEngine) -> None:
    batch = played.metric_view()
    assert batch.runs == RUNS
    for r in range(RUNS):
        one = _run_view(batch, r)
        assert one.runs is None
        for metric, arity in METRICS.items():
            for at in [()] if arity == 0 else [(a,) for a in range(6)] if arity == 1 else [(0, 1), (2, 5), (4, 3)]:
                x, xs = one.value(metric, at), batch.value(metric, at)
                assert type(x) is float, metric  # one run: the Python float itself
                assert xs.shape == (RUNS,) and xs.dtype == np.float64, metric
                assert x == xs[r] or (np.isnan(x) and np.isnan(xs[r])), (metric, at)


def test_every_comparison_and_combination_holds_alike_in_one_run_and_in_many(played: VectorEngine) -> None:
    batch = played.metric_view()
    leaves = _every_comparison(6)
    rng = np.random.default_rng(0)
    combined: list[Condition] = [Always(), Not(Always()), AllOf(()), AnyOf(())]
    for _ in range(150):
        items = tuple(leaves[k] for k in rng.integers(0, len(leaves), rng.integers(1, 4)))
        combined += [AllOf(items), AnyOf(items), Not(AllOf(items)), AnyOf((Not(items[0]), AllOf(items)))]
    conditions: list[Condition] = [*leaves, *combined]
    outcomes = [holds(c, batch) for c in conditions]
    assert all(o.shape == (RUNS,) and o.dtype == bool for o in outcomes)
    seen = np.zeros(2, dtype=int)
    for r in range(RUNS):
        one = _run_view(batch, r)
        for c, many in zip(conditions, outcomes, strict=True):
            answer = holds(c, one)
            assert type(answer) is bool, c
            assert answer == bool(many[r]), (c, r)
            seen[int(answer)] += 1
    assert seen.min() > 100  # both answers are common: the check is not about constant conditions


def test_the_first_rule_that_holds_is_picked_in_one_run_and_in_many(played: VectorEngine) -> None:
    batch = played.metric_view()
    rules = [Compare("hedging", (0,), "above", 2.0), *_every_comparison(6)[::97]]
    picks = first_holding(rules, batch)
    assert first_holding([], batch).tolist() == [0] * RUNS
    for r in range(RUNS):
        one = _run_view(batch, r)
        expected = next((k for k, c in enumerate(rules) if holds(c, one)), len(rules))
        assert first_holding(rules, one) == expected == picks[r]
    assert picks.min() >= 1  # the first rule never holds (hedging is at most 1)


def test_compare_reads_numbers_and_arrays_alike() -> None:
    xs = np.array([-1.0, 0.5, 0.5 + 1e-10, 0.7])
    for op in COMPARATORS:
        for x in xs:
            assert compare(float(x), op, 0.5) == compare(xs, op, 0.5)[list(xs).index(x)]
    assert compare(0.5 + 1e-10, "equals", 0.5) is True and compare(0.5 + 1e-10, "is_not", 0.5) is False
    with pytest.raises(ValueError):
        compare(1.0, "beyond", 0.5)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=1, max_size=6),
    weights=st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=3, max_size=3),
)
def test_objectives_are_assessed_alike_for_one_run_and_for_many(rows: list[list[bool]], weights: list[float]) -> None:
    held = np.array(rows)  # (rounds, 3): three objectives' rounds in one run
    timings = ("final", "always", "ever")
    objectives = [
        Objective(f"o{k}", 0, "", Always(), w, t) for k, (w, t) in enumerate(zip(weights, timings, strict=True))
    ]
    one = [met(held[:, k], t) for k, t in enumerate(timings)]
    assert one == [held[-1, 0], held[:, 1].all(), held[:, 2].any()]
    score = float(weighted_score(objectives, one))
    total = sum(weights)
    assert score == (100.0 * sum(w for w, m in zip(weights, one, strict=True) if m) / total if total > 0 else 0.0)
    runs = np.stack([held, ~held, held], axis=-1)  # (rounds, 3 objectives, 3 runs)
    many = [met(runs[:, k], t) for k, t in enumerate(timings)]
    scores = weighted_score(objectives, many, (3,))
    assert scores.shape == (3,) and scores[0] == scores[2] == score
    assert scores[1] == float(weighted_score(objectives, [met(~held[:, k], t) for k, t in enumerate(timings)]))


def test_round_zero_is_judged_only_when_no_round_is_played() -> None:
    assert list(judged([0, 1, 2])) == [1, 2]
    assert list(judged([0])) == [0]


def test_a_run_reports_python_booleans_and_numbers(base_setup: ModelSetup) -> None:
    model = AlignmentModel(base_setup, rng=4, collect=False)
    model.run()
    for actor in range(base_setup.n_actors):
        report = model.objective_report(actor)
        assert type(report.score) is float
        for status in report.statuses:
            assert type(status.met) is bool and type(status.rounds_held) is int
        json.dumps([(s.met, s.rounds_held, report.score) for s in report.statuses])


def test_two_actors_objectives_with_one_id_are_judged_each_on_its_own(base_setup: ModelSetup) -> None:
    """Objective ids are unique per actor only: each actor's objective is judged on its own condition, on
    both engines (the vector engine once kept one row list per id, so the two mixed)."""
    sanctions = AnyOf((Compare("round", (), "at_most", 4.0), Compare("relations", (0, 1), "above", 5.0)))
    objectives = (
        Objective("shared", 0, "always true", Always(), timing="always"),
        Objective("shared", 1, "true up to round 4", sanctions, timing="always"),
        Objective("other", 1, "ever true", sanctions, timing="ever"),
    )
    setup = replace(base_setup, objectives=objectives)
    seeds = [run_seed(8, k) for k in range(3)]
    engine = VectorEngine(setup, keys_for(seeds)).run()
    assert engine.held[0, "shared"].all() and not engine.held[1, "shared"].all(axis=0).any()
    for r, seed in enumerate(seeds):
        model = AlignmentModel(setup, rng=np.random.default_rng(seed), collect=False)
        model.run()
        for actor, expected in ((0, 100.0), (1, 50.0)):
            score, grades = engine.objective_scores(actor)
            assert model.objective_report(actor).score == score[r] == expected
            assert model.objective_report(actor).grade == grades[r]
