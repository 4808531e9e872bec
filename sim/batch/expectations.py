"""A scenario's expected outcomes (`expect:`) tested over many seeds, each with its observed value and 95 % interval.

An expectation is a statement over seeds: the share of runs in which a condition holds, an event fires or
an objective is met (Wilson score interval), or the mean of a final metric, on its own or against the
base scenario the file extends, run with the same seeds (paired t interval of the differences). It
**passes** when the whole 95 % interval satisfies the statement: the runs show it, not merely fail to
contradict it. When the point estimate satisfies it but the interval does not, the verdict says more runs
are needed.

Seeds: run k of a check with root seed S uses ``numpy.random.SeedSequence(S).spawn(runs)[k]``, the
same scheme as the batch runner, so the runs can be repeated and compared one by one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sim.batch.executors import Executor
from sim.batch.intervals import Z95, wilson
from sim.batch.measure import measure_seeds
from sim.batch.progress import Progress
from sim.core import AlignmentModel, ModelSetup
from sim.core.conditions import holds
from sim.core.objectives import judged, met, view_of
from sim.runs import with_rounds
from sim.scenario.build import to_condition
from sim.scenario.calibration import calibrated_setup
from sim.scenario.extends import resolve_base
from sim.scenario.loader import load_document, validate_document
from sim.scenario.schema import Expectation, Scenario
from sim.scenario.strict_yaml import Document
from sim.vector import VectorEngine

#: Two-sided 95 % quantiles of Student's t for 1..10 degrees of freedom; beyond, a Cornish-Fisher expansion.
_T95_SMALL = (
    12.7062047,
    4.3026527,
    3.1824463,
    2.7764451,
    2.5705818,
    2.4469119,
    2.3646243,
    2.3060041,
    2.2621572,
    2.2281389,
)

Verdict = Literal["pass", "fail", "unsure"]


# -- measuring one run -------------------------------------------------------------------------------


def fired_events(model: AlignmentModel) -> frozenset[str]:
    """The ids of the events that fired in a finished run (in any round)."""
    return frozenset(e.id for record in model.history for e in record.events)


def objectives_met(model: AlignmentModel) -> dict[tuple[str, str], bool]:
    """(actor id, objective id) -> whether it was met, for every objective of a finished run."""
    ids = model.setup.actor_ids
    out: dict[tuple[str, str], bool] = {}
    for i in sorted({o.actor for o in model.setup.objectives}):
        for status in model.objective_report(i).statuses:
            out[(ids[i], status.objective.id)] = status.met
    return out


def measure_run(model: AlignmentModel, expectations: tuple[Expectation, ...]) -> tuple[float, ...]:
    """One number per expectation for a finished run: 1.0/0.0 for ``holds``, ``fires`` and ``met``; for ``mean``
    the metric's final value or its average over the rounds played (round 0, the starting state, is not a round
    played)."""
    index = {a: k for k, a in enumerate(model.setup.actor_ids)}
    views = [view_of(r, model.setup.world) for r in judged(model.history)]
    out = []
    fired = fired_events(model) if any(e.fires is not None for e in expectations) else frozenset()
    objectives = objectives_met(model) if any(e.met is not None for e in expectations) else {}
    for e in expectations:
        if e.fires is not None:
            out.append(1.0 if e.fires in fired else 0.0)
        elif e.met is not None:
            out.append(1.0 if objectives.get((e.met.actor, e.met.objective), False) else 0.0)
        elif e.holds is not None:
            condition = to_condition(e.holds, index)
            held = np.array([holds(condition, v) for v in views], dtype=bool)
            out.append(1.0 if met(held, e.timing) else 0.0)
        else:
            assert e.mean is not None
            name, actors = e.mean.metric()
            at = tuple(index[a] for a in actors)
            if e.timing == "average":
                out.append(float(np.mean([v.value(name, at) for v in views])))
            else:
                out.append(float(views[-1].value(name, at)))
    return tuple(out)


def measurer(expectations: tuple[Expectation, ...]) -> RunMeasure:
    """Measure only the expectations' values of a run (on either engine)."""
    return RunMeasure(expectations)


@dataclass(frozen=True, slots=True)
class RunMeasure:
    """What `check` measures of each run, on the Mesa model (call it with a finished model) or on the vector
    engine (:meth:`vector`, many runs at once, the same numbers). With ``events`` None only the expectations'
    values (:func:`measure_run`), else also the events fired and objectives met (:func:`measure_run_and_outcomes`)."""

    expectations: tuple[Expectation, ...]
    events: tuple[str, ...] | None = None
    objectives: tuple[tuple[str, str], ...] = ()

    def __call__(self, model: AlignmentModel) -> Any:
        if self.events is None:
            return measure_run(model, self.expectations)
        return measure_run_and_outcomes(model, self.expectations, self.events, self.objectives)

    def vector(self, setup: ModelSetup, keys: np.ndarray) -> list[Any]:
        """The same measurements of the runs with stream ``keys``, played at once by the vector engine."""
        engine = VectorEngine(setup, keys)
        index = {a: k for k, a in enumerate(setup.actor_ids)}
        conditions = {id(e): to_condition(e.holds, index) for e in self.expectations if e.holds is not None}
        observed: list[list[np.ndarray]] = []

        def observe() -> None:
            view = engine.metric_view()
            row = []
            for e in self.expectations:
                if e.holds is not None:
                    row.append(np.broadcast_to(holds(conditions[id(e)], view), (engine.runs,)))
                elif e.mean is not None:
                    name, actors = e.mean.metric()
                    row.append(np.asarray(view.value(name, tuple(index[a] for a in actors)), dtype=float).copy())
                else:
                    row.append(np.zeros(engine.runs))
            observed.append(row)

        observe()  # round 0: read only when no round is played (sim.core.objectives.judged)
        while not engine.finished:
            engine.step()
            observe()
        rounds = judged(observed)
        values: list[tuple[float, ...]] = []
        fired = {e.id: engine.fired[:, k] for k, e in enumerate(setup.events)}
        met_by_objective = self._met(engine)
        held_met = {
            q: met(np.stack([row[q] for row in rounds]), e.timing)
            for q, e in enumerate(self.expectations)
            if e.holds is not None
        }
        for r in range(engine.runs):
            out = []
            for q, e in enumerate(self.expectations):
                if e.fires is not None:
                    out.append(1.0 if e.fires in fired and fired[e.fires][r] else 0.0)
                elif e.met is not None:
                    got = met_by_objective.get((e.met.actor, e.met.objective), np.zeros(engine.runs, bool))
                    out.append(1.0 if got[r] else 0.0)
                elif e.holds is not None:
                    out.append(1.0 if held_met[q][r] else 0.0)
                elif e.timing == "average":
                    out.append(float(np.mean([row[q][r] for row in rounds])))
                else:
                    out.append(float(rounds[-1][q][r]))
            values.append(tuple(out))
        if self.events is None:
            return values
        none = np.zeros(engine.runs, dtype=bool)
        return [
            (
                values[r],
                tuple(bool(fired[e][r]) if e in fired else False for e in self.events),
                tuple(bool(met_by_objective.get(o, none)[r]) for o in self.objectives),
            )
            for r in range(engine.runs)
        ]

    @staticmethod
    def _met(engine: Any) -> dict[tuple[str, str], np.ndarray]:
        """(actor id, objective id) -> (R,) whether each run met it (the core's ``assess`` over runs)."""
        ids = engine.setup.actor_ids
        return {(ids[o.actor], o.id): engine.objective_met(o) for o in engine.setup.objectives}


def measure_run_and_outcomes(
    model: AlignmentModel,
    expectations: tuple[Expectation, ...],
    events: tuple[str, ...],
    objectives: tuple[tuple[str, str], ...],
) -> tuple[tuple[float, ...], tuple[bool, ...], tuple[bool, ...]]:
    """A run's expectation values, whether each event fired, and whether each objective was met."""
    fired = fired_events(model)
    met = objectives_met(model)
    return (
        measure_run(model, expectations),
        tuple(e in fired for e in events),
        tuple(met.get(o, False) for o in objectives),
    )


# -- statistics ---------------------------------------------------------------------------------------


#: The Wilson interval of a share, from its one home (sim.batch.intervals).
wilson_interval = wilson


def t_quantile_95(df: int) -> float:
    """Two-sided 95 % quantile of Student's t with ``df`` degrees of freedom (error < 1e-4)."""
    if df < 1:
        return math.inf
    if df <= len(_T95_SMALL):
        return _T95_SMALL[df - 1]
    z = Z95
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def mean_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and its 95 % t interval (infinite with fewer than two values)."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean()) if x.size else math.nan
    if x.size < 2:
        return mean, -math.inf, math.inf
    half = t_quantile_95(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, mean - half, mean + half


# -- verdicts -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    expectation: Expectation
    observed: float  # share of runs, mean, or mean difference to the base
    low: float  # 95 % interval of ``observed``
    high: float
    runs: int
    verdict: Verdict
    scenario_mean: float | None = None  # for comparisons with the base: the two means
    base_mean: float | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


def judge(e: Expectation, observed: float, low: float, high: float) -> Verdict:
    """pass: the whole interval satisfies the statement; unsure: only the estimate does; fail: not even that."""
    t = e.threshold

    def ok(x: float) -> bool:
        match e.comparator:
            case "at_least":
                return x >= t
            case "at_most":
                return x <= t
            case "above" | "above_base_by":
                return x > t
            case "below":
                return x < t
            case "below_base_by":
                return x < -t
        raise ValueError(e.comparator)

    worst = low if e.comparator in ("at_least", "above", "above_base_by") else high
    if ok(worst):
        return "pass"
    return "unsure" if ok(observed) else "fail"


def evaluate(
    expectations: tuple[Expectation, ...],
    scenario_runs: list[tuple[float, ...]],
    base_runs: list[tuple[float, ...]] | None,
) -> list[ExpectationResult]:
    """Each expectation's observed value, interval and verdict from per-run measurements (paired by seed)."""
    results = []
    n = len(scenario_runs)
    for k, e in enumerate(expectations):
        values = [run[k] for run in scenario_runs]
        if e.is_share:
            successes = round(sum(values))
            low, high = wilson_interval(successes, n)
            observed = successes / n if n else math.nan
            results.append(ExpectationResult(e, observed, low, high, n, judge(e, observed, low, high)))
        elif e.against_base:
            assert base_runs is not None, "a comparison with the base needs the base's runs"
            base = [run[k] for run in base_runs]
            diff = [a - b for a, b in zip(values, base, strict=True)]
            observed, low, high = mean_interval(diff)
            results.append(
                ExpectationResult(
                    e,
                    observed,
                    low,
                    high,
                    n,
                    judge(e, observed, low, high),
                    scenario_mean=float(np.mean(values)),
                    base_mean=float(np.mean(base)),
                )
            )
        else:
            observed, low, high = mean_interval(values)
            results.append(ExpectationResult(e, observed, low, high, n, judge(e, observed, low, high)))
    return results


@dataclass(frozen=True, slots=True)
class Rate:
    """How often something happened over the runs (an event fired, an objective was met), with its interval."""

    name: str  # the event id, or actor.objective
    title: str  # the event's title, or the objective's description
    count: int
    runs: int
    low: float  # 95 % Wilson interval of the share
    high: float

    @property
    def share(self) -> float:
        return self.count / self.runs if self.runs else math.nan


def rate(name: str, title: str, flags: Sequence[bool]) -> Rate:
    count, n = int(sum(flags)), len(flags)
    low, high = wilson_interval(count, n)
    return Rate(name, title, count, n, low, high)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `check` found: each expectation judged, and how often each event fired and each objective was met."""

    results: list[ExpectationResult]
    events: list[Rate]
    objectives: list[Rate]


@dataclass(frozen=True, slots=True)
class ComparisonBase:
    """The base scenario an overlay's ``above_base_by`` / ``below_base_by`` compare with, ready to play."""

    setup: ModelSetup  # the base, played for as many rounds as the overlay
    label: str  # "base ID (FILE) with the same seeds over N rounds"


def comparison_base(scenario: Scenario, document: Document) -> ComparisonBase | None:
    """The base to compare with when an expectation does (None otherwise), calibrated as the base file says.

    Validation has already refused a comparison on an actor the base lacks (sim.scenario.lint).
    """
    if not any(e.against_base for e in scenario.expect):
        return None
    assert scenario.extends is not None  # validation requires it for comparisons with the base
    base_file = resolve_base(document.file, scenario.extends)  # the file validation just merged
    base_document = load_document(base_file)
    base = validate_document(base_document)
    setup = with_rounds(calibrated_setup(base, base_document), scenario.rounds, base.calendar.start)
    return ComparisonBase(setup, f"base {base.meta.id} ({base_file}) with the same seeds over {scenario.rounds} rounds")


def check_scenario(
    scenario: Scenario,
    setup: ModelSetup,
    base_setup: ModelSetup | None,
    runs: int,
    seed: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
    engine: str = "mesa",
) -> list[ExpectationResult]:
    """Run the scenario (and its base, with the same seeds, if any expectation compares with it) and judge.

    Runs are played by the batch runner's ``executor`` (serial when None); run k uses child k of
    ``SeedSequence(seed)``, as in `batch --seed`. ``progress`` counts the runs of both (start to close).
    """
    return check_report(scenario, setup, base_setup, runs, seed, executor, progress, engine).results


def check_report(
    scenario: Scenario,
    setup: ModelSetup,
    base_setup: ModelSetup | None,
    runs: int,
    seed: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
    engine: str = "mesa",
) -> CheckReport:
    """As check_scenario, and also how often each event fired and each objective was met (same runs)."""
    expectations = tuple(scenario.expect)
    against = tuple(e for e in expectations if e.against_base)
    if against and base_setup is None:
        raise ValueError("expectations compare with the base, but no base setup was given")
    progress = progress or Progress()
    progress.start(runs * (2 if against else 1), 0)
    try:
        return _check(scenario, expectations, against, setup, base_setup, runs, seed, executor, progress, engine)
    finally:
        progress.close()


def _check(
    scenario: Scenario,
    expectations: tuple[Expectation, ...],
    against: tuple[Expectation, ...],
    setup: ModelSetup,
    base_setup: ModelSetup | None,
    runs: int,
    seed: int,
    executor: Executor | None,
    progress: Progress,
    engine: str,
) -> CheckReport:
    events = tuple(e.id for e in scenario.events)
    objectives = tuple((a, o.id) for a, listed in scenario.objectives.items() for o in listed)
    measure = RunMeasure(expectations, events, objectives)
    played = measure_seeds(
        setup, runs, seed, measure, executor=executor, label="scenario", progress=progress, engine=engine
    )
    measured = [values for values, _, _ in played]
    titles = {e.id: e.title for e in scenario.events}
    descriptions = {(a, o.id): o.description for a, listed in scenario.objectives.items() for o in listed}
    event_rates = [rate(e, titles[e], [run[1][k] for run in played]) for k, e in enumerate(events)]
    objective_rates = [
        rate(f"{a}.{o}", descriptions[(a, o)], [run[2][k] for run in played]) for k, (a, o) in enumerate(objectives)
    ]
    base_measured = None
    if against:
        assert base_setup is not None
        only = measurer(against)
        partial_base = measure_seeds(
            base_setup, runs, seed, only, executor=executor, label="base", progress=progress, engine=engine
        )
        # Spread the base's measurements back to the positions of the comparisons (others are unused).
        position = {id(e): k for k, e in enumerate(against)}
        base_measured = [
            tuple(run[position[id(e)]] if id(e) in position else math.nan for e in expectations) for run in partial_base
        ]
    return CheckReport(evaluate(expectations, measured, base_measured), event_rates, objective_rates)
