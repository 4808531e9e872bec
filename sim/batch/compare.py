"""The effect of one sweep point (or scenario) against another on any metric: paired difference, interval, effect size.

Two *arms* are chosen in one results folder (``--from sanctions.us.russia=0 --to sanctions.us.russia=1``)
or in two folders (one scenario against another). Runs are **paired** when both arms played the same
seed index from the same root seed (and, when an arm pools several points, the same values of the other
swept parameters): the difference is then taken run by run, which removes the noise the two arms share.
Otherwise the arms are compared as independent samples (Welch). Every comparison reports both means,
the difference with its 95 % interval, Cohen's d (the difference over the pooled standard deviation of
the runs), the smallest difference the sample would detect 80 % of the time, and a plain sentence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.columns import column, param_column
from sim.batch.engine import base_setup
from sim.batch.intervals import Z95
from sim.batch.metrics import describe, resolve_metric
from sim.batch.plan import Plan
from sim.batch.runner import alignment_column, summary_schema
from sim.batch.store import load_results, read_plan
from sim.batch.summary import Focus, layout_for
from sim.errors import BatchError
from sim.scenario.overrides import OverrideError, Value, format_value, parse_scalar, split_assignment

Z80 = 0.8416212335729143  # one-sided quantile for 80 % power


def t_quantile(df: float) -> float:
    """Two-sided 95 % quantile of Student's t (scipy when installed, else a close series in 1/df)."""
    if not math.isfinite(df) or df > 1e6:
        return Z95
    try:
        from scipy import stats  # noqa: PLC0415 (scipy comes with the research extra, through SALib)

        return float(stats.t.ppf(0.975, df))
    except ImportError:  # Cornish-Fisher expansion: within 0.2 % from df = 3 on
        z = Z95
        return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


# -- choosing the arms -----------------------------------------------------------------------------------


@dataclass
class Arm:
    """One side of a comparison: the runs of the chosen points of one folder."""

    folder: Path
    plan: Plan
    label: str  # how the arm is named in sentences
    selection: dict[str, Value]  # path -> value it fixes ({} = every point of the folder)
    points: list[int]
    frame: pd.DataFrame = field(repr=False)  # its ok runs


def parse_selection(text: str | None, plan: Plan) -> tuple[dict[str, Value], list[int]]:
    """``point=K`` or ``PATH=VALUE[,PATH=VALUE]`` -> (what it fixes, the matching points of ``plan``)."""
    if text is None or not text.strip():
        return {}, list(range(plan.n_points))
    text = text.strip()
    if text.startswith("point="):
        try:
            k = int(text.split("=", 1)[1])
        except ValueError:
            raise BatchError(f"{text!r}: point=K takes a point number") from None
        if not 0 <= k < plan.n_points:
            raise BatchError(f"{text!r}: the plan has points 0 to {plan.n_points - 1}")
        return dict(plan.points[k]), [k]
    wanted: dict[str, Value] = {}
    for item in text.split(","):
        try:
            path, value = split_assignment(item)
        except OverrideError as exc:
            raise BatchError(f"{text!r}: {exc}; or point=K") from None
        if path not in plan.paths:
            swept = ", ".join(plan.paths) or "nothing (the folder has one point)"
            raise BatchError(f"{text!r}: {path} is not swept in this folder; swept: {swept}")
        wanted[path] = parse_scalar(value)
    for p in plan.parameters:  # naming one path of a linked sweep names its partners too
        named = [x for x in p.paths if x in wanted]
        if named:
            wanted |= {x: wanted[named[0]] for x in p.paths if x not in wanted}
    points = [k for k, values in enumerate(plan.points) if all(_same(values[p], v) for p, v in wanted.items())]
    if not points:
        seen = {p: sorted({format_value(values[p]) for values in plan.points}) for p in wanted}
        listed = "; ".join(f"{p} takes {', '.join(v)}" for p, v in seen.items())
        raise BatchError(f"{text!r}: no point of the plan has these values ({listed})")
    return wanted, points


def _same(a: Value, b: Value) -> bool:
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def load_arm(folder: str | Path, selection: str | None, columns: Sequence[str]) -> Arm:
    """The ok runs of the points ``selection`` picks in ``folder``, with the columns the metrics need."""
    folder = Path(folder)
    plan = read_plan(folder)
    wanted, points = parse_selection(selection, plan)
    params = [param_column(p) for p in plan.paths]
    frame = load_results(folder, "summaries", ["status", "outcome", *params, *columns])
    frame = frame[(frame["status"] == "ok") & frame["point"].isin(points)].reset_index(drop=True)
    if wanted:
        label = ", ".join(f"{p}={format_value(v)}" for p, v in wanted.items())
    elif plan.n_points == 1 and plan.fixed:
        label = ", ".join(f"{p}={format_value(v)}" for p, v in plan.fixed.items() if p != "rounds") or plan.scenario.id
    else:
        label = plan.scenario.id
    return Arm(folder, plan, label, wanted, points, frame)


# -- one comparison ------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """The effect of arm B against arm A on one metric (B minus A)."""

    metric: str
    description: str
    a: str
    b: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    paired: bool
    n_pairs: int
    difference: float
    ci_low: float
    ci_high: float
    effect_size: float  # Cohen's d: difference / pooled SD of the runs
    detectable: float  # the difference this sample detects 80 % of the time (two-sided 5 % test)
    correlation: float  # of paired runs (nan when unpaired): what pairing removes
    variance_reduction: float  # 1 - var(paired differences) / (var A + var B); nan when unpaired
    sentence: str = ""
    b_values: dict[str, Any] = field(default_factory=dict)  # what arm B fixes (path -> value), for plots

    @property
    def detected(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        del row["b_values"]
        return row


def _values(frame: pd.DataFrame, metric: str) -> np.ndarray:
    if metric.startswith("outcome="):
        return (frame["outcome"] == metric.split("=", 1)[1]).to_numpy(dtype=float)
    return frame[metric].to_numpy(dtype=float)


def _pair_keys(arm: Arm, other: Arm) -> list[str]:
    """Columns that identify a run across arms: seed index and the swept values neither arm fixes."""
    fixed = set(arm.selection) | set(other.selection)
    for p in (*arm.plan.parameters, *other.plan.parameters):  # a linked path fixes its partners too
        if fixed & set(p.paths):
            fixed |= set(p.paths)
    paths = {param_column(p): p for p in (*arm.plan.paths, *other.plan.paths)}
    shared = [c for c in arm.frame.columns if c in paths and c in other.frame.columns]
    return ["seed_index", *(c for c in shared if paths[c] not in fixed)]


def pairs(a: Arm, b: Arm) -> pd.DataFrame | None:
    """The runs of A and B joined run by run, or None when they cannot be paired (different root seeds,
    or an arm that pools points the other arm cannot match one to one)."""
    if a.plan.seed != b.plan.seed:
        return None
    keys = _pair_keys(a, b)
    left, right = a.frame, b.frame
    if left.duplicated(keys).any() or right.duplicated(keys).any():
        return None
    joined = left.merge(right, on=keys, suffixes=("_a", "_b"))
    return joined if len(joined) >= 2 else None


def compare_metric(a: Arm, b: Arm, metric: str, names: Mapping[str, str], joined: pd.DataFrame | None) -> Comparison:
    """B minus A on one metric (paired when ``joined`` is given)."""
    x, y = _values(a.frame, metric), _values(b.frame, metric)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) < 2 or len(y) < 2:
        raise BatchError(f"{metric}: each arm needs at least two finished runs (got {len(x)} and {len(y)})")
    var_a, var_b = float(np.var(x, ddof=1)), float(np.var(y, ddof=1))
    pooled = math.sqrt((var_a + var_b) / 2)
    correlation = reduction = math.nan
    if joined is not None:
        cols = (f"{metric}_a", f"{metric}_b") if not metric.startswith("outcome=") else ("outcome_a", "outcome_b")
        if metric.startswith("outcome="):
            label = metric.split("=", 1)[1]
            pa_, pb_ = (joined[cols[0]] == label).to_numpy(float), (joined[cols[1]] == label).to_numpy(float)
        else:
            pa_, pb_ = joined[cols[0]].to_numpy(float), joined[cols[1]].to_numpy(float)
        keep = np.isfinite(pa_) & np.isfinite(pb_)
        x, y = pa_[keep], pb_[keep]  # the means and spreads of the paired runs
        var_a, var_b = float(np.var(x, ddof=1)), float(np.var(y, ddof=1))
        pooled = math.sqrt((var_a + var_b) / 2)
        d = y - x
        n = len(d)
        diff = float(d.mean())
        se = float(np.std(d, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        t = t_quantile(n - 1)
        if np.std(x) > 0 and np.std(y) > 0:
            correlation = float(np.corrcoef(x, y)[0, 1])
        if var_a + var_b > 0:
            reduction = 1 - float(np.var(d, ddof=1)) / (var_a + var_b)
        n_pairs = n
    else:
        diff = float(y.mean() - x.mean())
        se = math.sqrt(var_a / len(x) + var_b / len(y))
        num = (var_a / len(x) + var_b / len(y)) ** 2
        den = (var_a / len(x)) ** 2 / (len(x) - 1) + (var_b / len(y)) ** 2 / (len(y) - 1)
        t = t_quantile(num / den) if den > 0 else Z95
        n_pairs = 0
    half = t * se if math.isfinite(se) else math.nan
    effect = diff / pooled if pooled > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    result = Comparison(
        metric=metric,
        description=describe(metric, names),
        a=a.label,
        b=b.label,
        n_a=len(x),
        n_b=len(y),
        mean_a=float(x.mean()),
        mean_b=float(y.mean()),
        paired=joined is not None,
        n_pairs=n_pairs,
        difference=diff,
        ci_low=diff - half,
        ci_high=diff + half,
        effect_size=effect,
        detectable=(Z95 + Z80) * se,
        correlation=correlation,
        variance_reduction=reduction,
    )
    result.sentence = sentence(result)
    result.b_values = dict(b.selection)
    return result


def size_word(d: float) -> str:
    """Cohen's (1988) conventional names for |d|."""
    d = abs(d)
    if not math.isfinite(d):
        return "no spread"
    return "negligible" if d < 0.2 else "small" if d < 0.5 else "medium" if d < 0.8 else "large"


def _num(x: float, digits: int) -> str:
    return f"{x:+.{digits}f}".replace("-", "−")


def digits_for(c: Comparison) -> int:
    """Decimals that show the interval's width with two significant figures (3 to 6 for most metrics)."""
    width = abs(c.ci_high - c.ci_low)
    if not math.isfinite(width) or width == 0:
        return 3
    return int(min(6, max(0, 2 - math.floor(math.log10(width)))))


def sentence(c: Comparison) -> str:
    """'Going from A to B changes X by +0.009 [−0.007, +0.025] (d = +0.05, negligible): no detectable effect ...'."""
    k = digits_for(c)
    per_arm = f"{c.n_pairs:,} paired runs" if c.paired else f"{c.n_a:,} and {c.n_b:,} runs"
    change = f"{_num(c.difference, k)} [{_num(c.ci_low, k)}, {_num(c.ci_high, k)}]"
    size = f"d = {_num(c.effect_size, 2)}, {size_word(c.effect_size)}"
    head = f"Going from {c.a} to {c.b} changes {c.description} by {change} ({size})"
    if c.detected:
        verdict = f"a detectable effect at {per_arm}"
    else:
        verdict = (
            f"no detectable effect at {per_arm}; an effect would need to be about ±{abs(c.detectable):.{k}f} "
            f"to be detected 80 % of the time"
        )
    return f"{head}: {verdict}."


# -- the whole comparison --------------------------------------------------------------------------------


def default_metrics(focus: Focus, labels: Sequence[str]) -> list[str]:
    """The focal actor's alignment to each power, hedging indices and bloc tilt, then every outcome share."""
    return [
        *(alignment_column(focus.actors, focus.focal, p) for p in focus.powers),
        column("kuik_hedging", focus.focal),
        column("hedging", focus.focal),
        column("bloc_tilt", focus.focal),
        *(f"outcome={x}" for x in labels),
    ]


def compare(
    folder: str | Path,
    a: str | None = None,
    b: str | None = None,
    *,
    other: str | Path | None = None,
    metrics: Sequence[str] = (),
) -> list[Comparison]:
    """B against A on each metric: arms chosen by ``a`` and ``b`` (``point=K`` or ``PATH=VALUE,...``).

    With ``other``, arm A comes from ``folder`` and arm B from ``other`` (a scenario against another);
    without, both come from ``folder``. ``metrics`` are names sim.batch.metrics resolves (default: the
    focal actor's alignment to each power, hedging, bloc tilt and every outcome share).
    """
    folder = Path(folder)
    plan = read_plan(folder)
    if other is None and a is None and b is None:
        raise BatchError("compare: choose the two arms, e.g. --from point=0 --to point=4")
    focus = Focus.of(base_setup(plan))
    probe = load_results(folder, "summaries", ["status", "outcome"])
    if probe.empty:
        raise BatchError(f"{folder}: no finished runs yet")
    setup = base_setup(plan)
    columns = summary_schema(layout_for(setup, plan)).names
    labels = focus.sort_labels(set(probe.loc[probe["status"] == "ok", "outcome"].dropna()))
    names = [resolve_metric(m, columns, labels) for m in metrics] or default_metrics(focus, labels)
    needed = [m for m in names if not m.startswith("outcome=")]
    arm_a = load_arm(folder, a, needed)
    if other is None and b is None:  # every other point against A
        others = [k for k in range(plan.n_points) if k not in arm_a.points]
        if not others:
            raise BatchError(f"compare: --from {a} picks every point: give --to too")
        arms_b = [load_arm(folder, f"point={k}", needed) for k in others]
    else:
        arms_b = [load_arm(Path(other) if other is not None else folder, b, needed)]
    out = []
    for arm_b in arms_b:
        if other is None and set(arm_a.points) == set(arm_b.points):
            raise BatchError(f"compare: --from {a} and --to {b} pick the same points ({arm_a.points})")
        if other is not None and arm_a.label == arm_b.label:
            arm_a.label, arm_b.label = f"{folder.name}", f"{Path(other).name}"
        joined = pairs(arm_a, arm_b)
        out += [compare_metric(arm_a, arm_b, m, focus.names, joined) for m in names]
    return out


def comparison_frame(results: Sequence[Comparison]) -> pd.DataFrame:
    """The comparisons as a table (one row per metric), e.g. for a CSV."""
    return pd.DataFrame([c.to_row() for c in results])


def text_table(results: Sequence[Comparison]) -> str:
    """A plain table of every comparison (one block per arm B), then the sentence of each."""
    blocks: dict[str, list[Comparison]] = {}
    for c in results:
        blocks.setdefault(c.b, []).append(c)
    return "\n".join(_block(group) for group in blocks.values())


def _block(results: Sequence[Comparison]) -> str:
    if not results:
        return ""
    first = results[0]
    how = (
        f"paired by seed ({first.n_pairs:,} pairs)"
        if first.paired
        else f"independent samples ({first.n_a:,} and {first.n_b:,} runs)"
    )
    width = max(len(c.description) for c in results)
    out = [f"B = {first.b}  vs  A = {first.a}; {how}; 95 % intervals", ""]
    out.append(
        f"  {'metric':<{width}}  {'mean A':>9} {'mean B':>9} {'B − A':>9}  {'95 % CI':<21} {'d':>6}  {'r(A,B)':>6}"
    )
    for c in results:
        k = max(3, digits_for(c))
        ci = f"[{_num(c.ci_low, k)}, {_num(c.ci_high, k)}]"
        r = _num(c.correlation, 2) if math.isfinite(c.correlation) else "   —"
        mark = " *" if c.detected else ""
        out.append(
            f"  {c.description:<{width}}  {c.mean_a:9.{k}f} {c.mean_b:9.{k}f} {_num(c.difference, k):>9}  "
            f"{ci:<21} {_num(c.effect_size, 2):>6}  {r:>6}{mark}"
        )
    out += [
        "",
        "  * the interval excludes 0; d: Cohen's d (difference / pooled SD of the runs); r: correlation of paired runs",
        "",
    ]
    out += [c.sentence for c in results]
    return "\n".join(out) + "\n"
