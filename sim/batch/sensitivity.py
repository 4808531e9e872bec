"""Global sensitivity analysis with SALib: Sobol or Morris designs played as a batch, indices per outcome metric.

Each design row is one point of a batch plan (so the runs are seeded, stored, resumable and run on any
executor); every point plays the same ``reps`` seeds (common random numbers) and the metrics are their
means: the focal actor's final hedging indices, bloc tilt, and alignment to each power.

Trust: a **dummy parameter** joins the design. It changes nothing in the scenario; its only effect is
which seeds a row plays (a row that differs from its neighbour only in the dummy plays the neighbour's
point with the next ``reps`` seeds), so its index is the share of variance that seed noise alone
produces: a parameter whose total index does not clear the dummy's is indistinguishable from noise.
Intervals are percentile bootstrap intervals (SALib's resamples); every index outside [0, 1], a small
sample, and a large seed-noise share of the variance (within-point variance over ``reps``, against the
variance of the design means) are reported as warnings.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
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
from sim.scenario.loader import load_document, validate_overrides, validate_point
from sim.scenario.overrides import (
    OverrideError,
    format_value,
    parse_scalar,
    split_assignment,
)
from sim.scenario.strict_yaml import Document

Method = Literal["sobol", "morris"]
MORRIS_LEVELS = 4
DUMMY = "dummy"
BOOTSTRAP = 1000  # resamples behind each Sobol interval
SMALL_SOBOL = 256  # fewer base samples than this: Sobol estimates are often outside [0, 1] for this model
WIDE = 0.2  # an interval wider than this (on a 0..1 index) is too uncertain to rank parameters
NOISY = 0.2  # seed noise above this share of the variance of the design means: raise --reps


@dataclass(frozen=True, slots=True)
class Bound:
    path: str
    low: float
    high: float
    whole: bool = False  # an integer field (such as rounds): samples are rounded to whole numbers


@dataclass
class SensitivityResult:
    """Indices per metric and parameter (the dummy last), warnings, and where the table and plot were written."""

    method: Method
    indices: pd.DataFrame  # metric, parameter, S1/S1_low/S1_high/ST/... or mu_star/...; above_noise
    runs: int
    points: int
    table_path: Path
    plot_path: Path
    noise: dict[str, float] = field(default_factory=dict)  # metric -> seed-noise share of the runs' variance
    noise_in_means: dict[str, float] = field(default_factory=dict)  # metric -> noise share of the design means
    warnings: list[str] = field(default_factory=list)
    reps: int = 1


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


def with_dummy(bounds: Sequence[Bound]) -> list[Bound]:
    """The bounds plus the dummy parameter (last), which changes nothing but the seeds a row plays."""
    return [*bounds, Bound(DUMMY, 0.0, 1.0)]


def seed_blocks(method: Method, X: np.ndarray, real: int) -> tuple[list[int], list[int], list[int]]:
    """How the rows of a design with a dummy (last column) are played.

    Returns (rows, point_of_row, block_of_row): ``rows`` are the design rows that become plan points;
    every row plays point ``point_of_row[r]`` with seed block ``block_of_row[r]`` (0: seeds 0..reps-1,
    1: seeds reps..2 reps-1). A row that differs from its reference row only in the dummy (Sobol: the
    dummy's AB row against its A row; Morris: the dummy's step) plays its reference's point in block 1.
    """
    n = len(X)
    point_of = [-1] * n
    block_of = [0] * n
    rows: list[int] = []
    group = real + 3  # Sobol without second order: A, AB_1..AB_D, AB_dummy, B
    for r in range(n):
        if method == "sobol":
            reference = r - (real + 1) if r % group == real + 1 else None
        else:
            same = r % (real + 2) != 0 and np.array_equal(X[r, :real], X[r - 1, :real])
            reference = r - 1 if same else None
        if reference is not None:
            point_of[r], block_of[r] = point_of[reference], 1
        else:
            point_of[r] = len(rows)
            rows.append(r)
    return rows, point_of, block_of


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
    dummy: bool = True,
) -> tuple[Plan, np.ndarray]:
    """The design (with the dummy as its last column when ``dummy``) and the plan that plays it: one point
    per design row, except rows that only move the dummy (see seed_blocks); a point that such a row
    refers to plays 2 x reps seeds."""
    document = load_document(scenario_path(scenario))
    validate_point(document)
    fixed: dict[str, Any] = {} if rounds is None else {"rounds": rounds}
    bounds = [replace(b, whole=_integer_field(document, fixed, b)) for b in bounds]
    for b in bounds:
        for end in (b.low, b.high):
            value = int(end) if b.whole else end
            validate_overrides(document, {**fixed, b.path: value}, f"--params {b.path}={format_value(value)}")
    X = design(method, with_dummy(bounds) if dummy else bounds, samples, seed)
    D = len(bounds)
    if dummy:
        kept, point_of, block_of = seed_blocks(method, X, D)
    else:
        kept, point_of, block_of = list(range(len(X))), list(range(len(X))), [0] * len(X)
    rows = tuple(tuple(int(v) if b.whole else float(v) for v, b in zip(X[r, :D], bounds, strict=True)) for r in kept)
    runs = [reps] * len(rows)
    for r, block in enumerate(block_of):
        if block:
            runs[point_of[r]] = 2 * reps
    base = validate_point(document)
    plan = Plan(
        scenario=ScenarioRef.of(document, source or str(scenario), base.meta.id),
        seed=seed,
        fixed=fixed,
        parameters=tuple(Parameter(b.path, (b.low, b.high), "--params") for b in bounds),
        runs=runs,
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

                s = sobol.analyze(
                    problem, y, calc_second_order=False, seed=seed, num_resamples=BOOTSTRAP, keep_resamples=True
                )
                s1 = np.nanpercentile(np.asarray(s["S1_conf_all"], dtype=float), [2.5, 97.5], axis=0)
                st = np.nanpercentile(np.asarray(s["ST_conf_all"], dtype=float), [2.5, 97.5], axis=0)
                for k, b in enumerate(bounds):
                    rows.append(
                        {
                            "metric": metric,
                            "parameter": b.path,
                            "S1": float(s["S1"][k]),
                            "S1_conf": float(s["S1_conf"][k]),
                            "S1_low": float(s1[0, k]),
                            "S1_high": float(s1[1, k]),
                            "ST": float(s["ST"][k]),
                            "ST_conf": float(s["ST_conf"][k]),
                            "ST_low": float(st[0, k]),
                            "ST_high": float(st[1, k]),
                        }
                    )
            else:
                from SALib.analyze import morris

                s = morris.analyze(problem, X, y, num_levels=MORRIS_LEVELS, seed=seed, num_resamples=BOOTSTRAP)
                for k, b in enumerate(bounds):
                    mu, conf = float(s["mu_star"][k]), float(s["mu_star_conf"][k])
                    rows.append(
                        {
                            "metric": metric,
                            "parameter": b.path,
                            "mu_star": mu,
                            "mu_star_conf": conf,
                            "mu_star_low": mu - conf,
                            "mu_star_high": mu + conf,
                            "sigma": float(s["sigma"][k]),
                        }
                    )
    frame = pd.DataFrame(rows)
    return _above_noise(frame, "ST" if method == "sobol" else "mu_star")


def _above_noise(frame: pd.DataFrame, index: str) -> pd.DataFrame:
    """``above_noise``: the parameter's interval lies above the dummy's (None when there is no dummy)."""
    if DUMMY not in set(frame["parameter"]):
        frame["above_noise"] = None
        return frame
    floor = frame[frame["parameter"] == DUMMY].set_index("metric")[f"{index}_high"]
    frame["above_noise"] = [
        None if p == DUMMY else bool(low > floor[m])
        for m, p, low in zip(frame["metric"], frame["parameter"], frame[f"{index}_low"], strict=True)
    ]
    return frame


def trust_warnings(result: SensitivityResult, samples: int) -> list[str]:
    """What makes the indices hard to trust: estimates outside [0, 1], wide intervals, a small sample,
    seed noise that dominates the variance of the design means."""
    out: list[str] = []
    frame = result.indices
    if result.method == "sobol":
        real = frame[frame["parameter"] != DUMMY]
        values = real[["S1", "ST"]].to_numpy()
        outside = (values < -0.005) | (values > 1.005)
        if outside.any():
            worst = real.assign(gap=np.maximum(np.abs(real[["S1", "ST"]] - 0.5).max(axis=1) - 0.5, 0)).nlargest(
                1, "gap"
            )
            w = worst.iloc[0]
            out.append(
                f"{int(outside.sum())} of {outside.size} Sobol estimates lie outside [0, 1], which shares of variance "
                f"cannot (furthest: {w['parameter']} on {w['metric']}, S1 {w['S1']:+.2f}, ST {w['ST']:+.2f}): they "
                f"are noise-dominated; raise --samples and --reps"
            )
        widest = float((real[["S1_high", "ST_high"]].to_numpy() - real[["S1_low", "ST_low"]].to_numpy()).max())
        if samples < SMALL_SOBOL or widest > WIDE:
            out.append(
                f"the sample is small: {samples} base samples, widest 95 % interval {widest:.2f} (wider than {WIDE} "
                f"cannot rank parameters); use --samples {max(SMALL_SOBOL, 2 * samples)} or more"
            )
    noisy = [f"{m} ({share:.0%})" for m, share in result.noise_in_means.items() if share > NOISY]
    if noisy:
        out.append(
            f"seed noise is more than {NOISY:.0%} of the variance of the design means for {', '.join(noisy)}: "
            f"raise --reps"
        )
    if DUMMY in set(frame["parameter"]):
        index = "ST" if result.method == "sobol" else "mu_star"
        below = frame[(frame["parameter"] != DUMMY) & (frame["above_noise"] == False)]  # noqa: E712
        if len(below):
            out.append(
                f"{len(below)} of {int((frame['parameter'] != DUMMY).sum())} parameter-metric pairs do not clear the "
                f"dummy's {index} (their effect is not distinguishable from changing the seeds): "
                + "; ".join(f"{r.parameter} on {r.metric}" for r in below.head(6).itertuples())
                + (" ..." if len(below) > 6 else "")
            )
    return out


def text_table(result: SensitivityResult) -> str:
    """The indices as a plain table, one block per metric, then the seed-noise shares and the warnings."""
    frame = result.indices
    width = max(len(p) for p in frame["parameter"])
    out = []
    if result.method == "sobol":
        out.append(
            f"Sobol indices ({result.points} design points x {result.reps} seeds = {result.runs} runs; "
            f"[ ] = 95 % bootstrap interval; * = total index above the dummy's, i.e. above seed noise)"
        )
        head = f"  {'parameter':<{width}}  {'S1':>6} {'95 % interval':<16}  {'ST':>6} {'95 % interval':<16}"
    else:
        out.append(
            f"Morris elementary effects ({result.points} design points, {result.runs} runs; [ ] = 95 % bootstrap "
            f"interval; * = mu* above the dummy's, i.e. above seed noise)"
        )
        head = f"  {'parameter':<{width}}  {'mu*':>7} {'95 % interval':<18}  {'sigma':>7}"
    for metric, block in frame.groupby("metric", sort=False):
        noise = result.noise.get(str(metric))
        share = f"  (seed noise: {noise:.0%} of the runs' variance)" if noise is not None else ""
        out += ["", f"{metric}{share}", head]
        for row in block.itertuples():
            mark = " *" if row.above_noise is True else ""
            if result.method == "sobol":
                out.append(
                    f"  {row.parameter:<{width}}  {row.S1:6.2f} [{row.S1_low:5.2f}, {row.S1_high:5.2f}]    "
                    f"{row.ST:6.2f} [{row.ST_low:5.2f}, {row.ST_high:5.2f}]{mark}"
                )
            else:
                out.append(
                    f"  {row.parameter:<{width}}  {row.mu_star:7.3f} [{row.mu_star_low:6.3f}, {row.mu_star_high:6.3f}]"
                    f"  {row.sigma:7.3f}{mark}"
                )
    if result.warnings:
        out += ["", "warnings:"] + [f"  - {w}" for w in result.warnings]
    return "\n".join(out) + "\n"


def bar_plot(result: SensitivityResult, title: str, path: Path) -> Path:
    """One panel per metric: S1 and ST clipped to [0, 1] (Sobol) or mu* and sigma (Morris), with intervals."""
    from sim.batch import plots

    if result.method == "sobol":
        return plots.save_figure(plots.sobol_figure(result.indices, title), path)
    plt = plots.pyplot()
    frame = result.indices
    metrics = list(dict.fromkeys(frame["metric"]))
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    params = list(dict.fromkeys(frame["parameter"]))
    fig, axes = plt.subplots(rows, cols, figsize=(4.8 * cols, (0.5 * len(params) + 1.8) * rows + 0.6), squeeze=False)
    y = np.arange(len(params))
    height = 0.38
    for k, metric in enumerate(metrics):
        ax = axes[k // cols][k % cols]
        block = frame[frame["metric"] == metric].set_index("parameter").reindex(params)
        mu = block["mu_star"].to_numpy(dtype=float)
        colours = ["#AAAAAA" if p == DUMMY else plots.PALETTE[0] for p in params]
        ax.barh(y - height / 2, mu, height, color=colours, label="mu* (mean |effect|)")
        ax.errorbar(mu, y - height / 2, xerr=block["mu_star_conf"].to_numpy(dtype=float), fmt="none", ecolor="#333333",
                    capsize=2.5, lw=1)  # fmt: skip
        ax.barh(y + height / 2, block["sigma"].to_numpy(dtype=float), height, color=plots.PALETTE[1], label="sigma")
        ax.set_yticks(y, [plots.short(p) for p in params])
        ax.invert_yaxis()
        ax.set_xlim(left=0)
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel("elementary effect (metric change over the range)")
        ax.grid(axis="y", visible=False)
    for k in range(len(metrics), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.suptitle(title + "\nbars: 95 % bootstrap intervals; grey: the dummy (noise floor)", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return plots.save_figure(fig, path)


def design_means(
    frame: pd.DataFrame, plan: Plan, X: np.ndarray, method: Method, reps: int, columns: Sequence[str], dummy: bool
) -> pd.DataFrame:
    """One row per design row: the metrics' means over the seeds that row plays (its point and seed block)."""
    D = len(plan.parameters)
    if dummy:
        _, point_of, block_of = seed_blocks(method, X, D)
    else:
        point_of, block_of = list(range(len(X))), [0] * len(X)
    frame = frame.assign(block=(frame["seed_index"] >= reps).astype(int))
    frame = frame[frame["seed_index"] < 2 * reps]
    means = frame.groupby(["point", "block"])[list(columns)].mean()
    index = pd.MultiIndex.from_arrays([point_of, block_of], names=["point", "block"])
    out = means.reindex(index)
    out = out.fillna(out.mean())  # a row whose every run failed gets the average (reported as failures)
    return out.reset_index(drop=True)


def noise_shares(
    frame: pd.DataFrame, reps: int, columns: Mapping[str, str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Per metric, over the first seed block: (the share of the runs' variance that is seed noise, i.e.
    mean within-point variance over the total variance of the runs; the variance seed noise adds to a
    design mean, within-point variance / reps, over the variance of the design means). Both in 0..1."""
    first = frame[frame["seed_index"] < reps]
    runs, means_share = {}, {}
    for label, name in columns.items():
        groups = first.groupby("point")[name]
        within = float(groups.var(ddof=1).mean()) if reps > 1 else math.nan
        total = float(first[name].var(ddof=1))
        between = float(groups.mean().var(ddof=1))
        if math.isfinite(within) and total > 0:
            runs[label] = min(1.0, within / total)
        if math.isfinite(within) and between > 0:
            means_share[label] = min(1.0, within / reps / between)
    return runs, means_share


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
    dummy: bool = True,
    engine: str = "auto",
) -> SensitivityResult:
    """Sample, play the design as a batch in ``out``, and compute the indices (table CSV and bar plot PNG).

    ``engine`` plays the runs as in :func:`sim.batch.engine.execute` (auto: vector where the scenario allows)."""
    if method not in ("sobol", "morris"):
        raise BatchError(f"unknown method {method!r}: use sobol or morris")
    if len({b.path for b in bounds}) != len(bounds):
        raise BatchError("each --params path may appear once")
    if any(b.path == DUMMY for b in bounds):
        raise BatchError(f"{DUMMY!r} is the name of the noise reference: it cannot be a --params path")
    plan, X = plan_sensitivity(
        scenario, bounds, method, samples, seed=seed, reps=reps, rounds=rounds, source=source, dummy=dummy
    )
    with ResultStore.open(out, plan, resume=resume, command=command) as store:
        execute(store, executor, progress=progress, command=command, engine=engine)
    focus = Focus.of(base_setup(plan))
    metrics = metric_columns(focus)
    frame = load_results(out, "summaries", ["status", *metrics.values()])
    ok = frame[frame["status"] == "ok"]
    if ok.empty:
        raise BatchError(f"{out}: every run failed: no indices (see the failure rows in {out}/summaries)")
    means = design_means(ok, plan, X, method, reps, list(metrics.values()), dummy)
    Y = means.rename(columns={v: k for k, v in metrics.items()})
    indices = analyse(method, with_dummy(bounds) if dummy else list(bounds), X, Y, seed)
    table_path = out / f"sensitivity_{method}.csv"
    plot_path = out / f"sensitivity_{method}.png"
    result = SensitivityResult(method, indices, len(frame), plan.n_points, table_path, plot_path, reps=reps)
    if reps > 1:
        result.noise, result.noise_in_means = noise_shares(ok, reps, metrics)
    result.warnings = trust_warnings(result, samples)
    if reps == 1:
        result.warnings.append("--reps 1: the seed-noise share cannot be measured (use --reps 4 or more)")
    write_atomic(table_path, indices.to_csv(index=False).encode("utf-8"))
    name = "Sobol" if method == "sobol" else "Morris"
    title = f"{name} sensitivity of {focus.names[focus.focal]}'s final position ({plan.n_points} points x {reps} seeds)"
    bar_plot(result, title, plot_path)
    bar_plot(result, title, plot_path.with_suffix(".pdf"))
    return result
