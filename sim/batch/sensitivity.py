"""Global sensitivity analysis with SALib: Sobol or Morris designs played as a batch, indices per outcome metric.

Each design row is one point of a batch plan (so the runs are seeded, stored, resumable and run on any
executor); every point plays the same ``reps`` seeds (common random numbers) and the metrics are their
means: the focal actor's final hedging index, bloc tilt, and alignment to each power.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.batch.columns import column
from sim.batch.engine import base_setup, execute, scenario_path
from sim.batch.executors import Executor
from sim.batch.plan import Parameter, Plan, ScenarioRef
from sim.batch.progress import Progress
from sim.batch.runner import alignment_column
from sim.batch.store import BatchError, ResultStore, load_results, write_atomic
from sim.batch.summary import Focus
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import load_document
from sim.scenario.overrides import (
    OverrideError,
    format_value,
    parse_scalar,
    split_assignment,
    validate,
    validate_overrides,
)
from sim.scenario.strict_yaml import Document

Method = Literal["sobol", "morris"]
MORRIS_LEVELS = 4


@dataclass(frozen=True, slots=True)
class Bound:
    path: str
    low: float
    high: float
    whole: bool = False  # an integer field (such as rounds): samples are rounded to whole numbers


@dataclass
class SensitivityResult:
    """Indices per metric and parameter, and where the table and plot were written."""

    method: Method
    indices: pd.DataFrame  # metric, parameter, and S1/S1_conf/ST/ST_conf or mu_star/mu_star_conf/sigma
    runs: int
    points: int
    table_path: Path
    plot_path: Path


def parse_bound(text: str) -> Bound:
    """``PATH=low:high`` -> Bound."""
    origin = f"--params {text}"
    try:
        path, spec = split_assignment(text)
        ends = [parse_scalar(x) for x in spec.split(":")]
    except OverrideError as exc:
        raise ScenarioError([Problem(origin, None, None, "", str(exc))]) from None
    if len(ends) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in ends):
        raise ScenarioError(
            [Problem(origin, None, None, "", f"expected PATH=low:high with two numbers (got {spec!r})")]
        )
    low, high = ends
    if not low < high:  # type: ignore[operator]
        raise ScenarioError([Problem(origin, None, None, "", f"low must be below high (got {low} and {high})")])
    return Bound(path, float(low), float(high))  # type: ignore[arg-type]


def design(method: Method, bounds: Sequence[Bound], samples: int, seed: int) -> np.ndarray:
    """The SALib sample matrix: Sobol (Saltelli/Sobol' sequence, N x (D + 2) rows) or Morris (N x (D + 1))."""
    problem = _problem(bounds)
    if method == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris

        X = morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    for k, b in enumerate(bounds):
        if b.whole:
            X[:, k] = np.round(X[:, k])
    return X


def _problem(bounds: Sequence[Bound]) -> dict[str, Any]:
    return {"num_vars": len(bounds), "names": [b.path for b in bounds], "bounds": [[b.low, b.high] for b in bounds]}


def sobol_samples(samples: int) -> int:
    """Sobol' sequences balance at powers of two: the next one up from ``samples``."""
    return 1 << max(0, int(samples - 1).bit_length())


def plan_sensitivity(
    scenario: str | Path,
    bounds: Sequence[Bound],
    method: Method,
    samples: int,
    *,
    seed: int,
    reps: int,
    rounds: int | None = None,
    source: str | None = None,
) -> tuple[Plan, np.ndarray]:
    document = load_document(scenario_path(scenario))
    validate(document)
    fixed: dict[str, Any] = {} if rounds is None else {"rounds": rounds}
    bounds = [replace(b, whole=_integer_field(document, fixed, b)) for b in bounds]
    for b in bounds:
        for end in (b.low, b.high):
            value = int(end) if b.whole else end
            validate_overrides(document, {**fixed, b.path: value}, f"--params {b.path}={format_value(value)}")
    X = design(method, bounds, samples, seed)
    rows = tuple(tuple(int(v) if b.whole else float(v) for v, b in zip(row, bounds, strict=True)) for row in X)
    base = validate(document)
    plan = Plan(
        scenario=ScenarioRef.of(document, source or str(scenario), base.meta.id),
        seed=seed,
        fixed=fixed,
        parameters=tuple(Parameter(b.path, (b.low, b.high), "--params") for b in bounds),
        runs=[reps] * len(rows),
        design=rows,
    )
    return plan, X


def _integer_field(document: Document, fixed: dict[str, Any], bound: Bound) -> bool:
    """Whether the schema wants whole numbers at this path (a float is refused where its int is not)."""
    if not bound.low.is_integer():
        return False
    try:
        validate_overrides(document, {**fixed, bound.path: bound.low}, "probe")
    except ScenarioError:
        try:
            validate_overrides(document, {**fixed, bound.path: int(bound.low)}, "probe")
        except ScenarioError:
            return False
        return True
    return False


def metric_columns(focus: Focus) -> dict[str, str]:
    """Metric label -> summary column: final hedging (Kuik's and the diversification index), bloc tilt and
    alignment to each power of the focal actor."""
    name = focus.names[focus.focal]
    out = {
        f"{name} Kuik hedging": column("kuik_hedging", focus.focal),
        f"{name} hedging index": column("hedging", focus.focal),
        f"{name} bloc tilt": column("bloc_tilt", focus.focal),
    }
    for p in focus.powers:
        out[f"{name}–{focus.names[p]} alignment"] = alignment_column(focus.actors, focus.focal, p)
    return out


def analyse(method: Method, bounds: Sequence[Bound], X: np.ndarray, Y: pd.DataFrame, seed: int) -> pd.DataFrame:
    """SALib indices for every metric column of Y (one row of Y per design row)."""
    problem = _problem(bounds)
    rows = []
    for metric in Y.columns:
        y = Y[metric].to_numpy(dtype=float)
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            if method == "sobol":
                from SALib.analyze import sobol

                s = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
                for k, b in enumerate(bounds):
                    rows.append(
                        {
                            "metric": metric,
                            "parameter": b.path,
                            "S1": float(s["S1"][k]),
                            "S1_conf": float(s["S1_conf"][k]),
                            "ST": float(s["ST"][k]),
                            "ST_conf": float(s["ST_conf"][k]),
                        }
                    )
            else:
                from SALib.analyze import morris

                s = morris.analyze(problem, X, y, num_levels=MORRIS_LEVELS, seed=seed)
                for k, b in enumerate(bounds):
                    rows.append(
                        {
                            "metric": metric,
                            "parameter": b.path,
                            "mu_star": float(s["mu_star"][k]),
                            "mu_star_conf": float(s["mu_star_conf"][k]),
                            "sigma": float(s["sigma"][k]),
                        }
                    )
    return pd.DataFrame(rows)


def text_table(result: SensitivityResult) -> str:
    """The indices as a plain table, one block per metric."""
    frame = result.indices
    width = max(len(p) for p in frame["parameter"])
    out = []
    if result.method == "sobol":
        out.append(f"Sobol indices ({result.points} design points x seeds = {result.runs} runs; ± = 95 % confidence)")
        head = f"  {'parameter':<{width}}  {'S1':>6} {'±':>5}   {'ST':>6} {'±':>5}"
    else:
        out.append(
            f"Morris elementary effects ({result.points} design points, {result.runs} runs; ± = 95 % confidence)"
        )
        head = f"  {'parameter':<{width}}  {'mu*':>7} {'±':>6}  {'sigma':>7}"
    for metric, block in frame.groupby("metric", sort=False):
        out += ["", f"{metric}", head]
        for row in block.itertuples():
            if result.method == "sobol":
                out.append(
                    f"  {row.parameter:<{width}}  {row.S1:6.2f} {row.S1_conf:5.2f}   {row.ST:6.2f} {row.ST_conf:5.2f}"
                )
            else:
                out.append(f"  {row.parameter:<{width}}  {row.mu_star:7.3f} {row.mu_star_conf:6.3f}  {row.sigma:7.3f}")
    return "\n".join(out) + "\n"


def bar_plot(result: SensitivityResult, title: str, path: Path) -> Path:
    """One panel per metric: S1 and ST (Sobol) or mu* and sigma (Morris) per parameter, with confidence bars."""
    from sim.batch.report import PALETTE, _pyplot, _save, _short

    plt = _pyplot()
    frame = result.indices
    metrics = list(dict.fromkeys(frame["metric"]))
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    params = list(dict.fromkeys(frame["parameter"]))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 0.5 * len(params) * rows + 2.4 * rows), squeeze=False)
    y = np.arange(len(params))
    height = 0.38
    series: tuple[tuple[str, str | None, str, str], ...]
    if result.method == "sobol":
        series = (("S1", "S1_conf", "first order S1", PALETTE[0]), ("ST", "ST_conf", "total ST", PALETTE[1]))
        xlabel = "Sobol index (share of variance)"
    else:
        series = (
            ("mu_star", "mu_star_conf", "mu* (mean |effect|)", PALETTE[0]),
            ("sigma", None, "sigma (interactions)", PALETTE[1]),
        )
        xlabel = "elementary effect (metric change over the range)"
    for k, metric in enumerate(metrics):
        ax = axes[k // cols][k % cols]
        block = frame[frame["metric"] == metric].set_index("parameter").reindex(params)
        for s, (col, conf, label, colour) in enumerate(series):
            err = block[conf].to_numpy() if conf else None
            ax.barh(
                y + (s - 0.5) * height,
                block[col].to_numpy(),
                height,
                xerr=err,
                color=colour,
                label=label,
                error_kw={"ecolor": "#333333", "capsize": 3, "linewidth": 1},
            )
        ax.set_yticks(y, [_short(p) for p in params])
        ax.invert_yaxis()
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_title(metric)
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        if result.method == "sobol":  # indices live in 0..1; leave room for wide intervals, within reason
            low = float(np.nanmin(block[["S1", "ST"]].to_numpy() - block[["S1_conf", "ST_conf"]].to_numpy()))
            high = float(np.nanmax(block[["S1", "ST"]].to_numpy() + block[["S1_conf", "ST_conf"]].to_numpy()))
            ax.set_xlim(max(-1.0, min(0.0, low) - 0.05), min(1.6, max(1.05, high + 0.05)))
    for k in range(len(metrics), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return _save(fig, path, plt)


def run_sensitivity(
    scenario: str | Path,
    bounds: Sequence[Bound],
    *,
    method: Method,
    samples: int,
    seed: int,
    reps: int,
    out: Path,
    executor: Executor,
    rounds: int | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    source: str | None = None,
    command: str = "",
) -> SensitivityResult:
    """Sample, play the design as a batch in ``out``, and compute the indices (table CSV and bar plot PNG)."""
    if method not in ("sobol", "morris"):
        raise BatchError(f"unknown method {method!r}: use sobol or morris")
    if len({b.path for b in bounds}) != len(bounds):
        raise BatchError("each --params path may appear once")
    plan, X = plan_sensitivity(scenario, bounds, method, samples, seed=seed, reps=reps, rounds=rounds, source=source)
    with ResultStore.open(out, plan, resume=resume, command=command) as store:
        execute(store, executor, progress=progress, command=command)
    focus = Focus.of(base_setup(plan))
    metrics = metric_columns(focus)
    frame = load_results(out, "summaries", ["status", *metrics.values()])
    ok = frame[frame["status"] == "ok"]
    if ok.empty:
        raise BatchError(f"{out}: every run failed: no indices (see the failure rows in {out}/summaries)")
    means = ok.groupby("point")[list(metrics.values())].mean().reindex(range(plan.n_points))
    means = means.fillna(means.mean())  # a point whose every run failed gets the average (reported as failures)
    Y = means.rename(columns={v: k for k, v in metrics.items()})
    indices = analyse(method, bounds, X, Y, seed)
    table_path = out / f"sensitivity_{method}.csv"
    plot_path = out / f"sensitivity_{method}.png"
    write_atomic(table_path, indices.to_csv(index=False).encode("utf-8"))
    result = SensitivityResult(method, indices, len(frame), plan.n_points, table_path, plot_path)
    name = "Sobol" if method == "sobol" else "Morris"
    title = f"{name} sensitivity of {focus.names[focus.focal]}'s final position ({plan.n_points} points x {reps} seeds)"
    bar_plot(result, title, plot_path)
    return result
