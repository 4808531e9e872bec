"""Running totals of a batch per sweep point: outcome shares with 95 % Wilson intervals, mean focal alignment.

The driver folds each finished chunk into a Tally and drops it, so the end-of-batch table and the
``--until-ci`` stopping rule cost memory in proportion to the points, never to the runs.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.batch.columns import column, param_column
from sim.batch.intervals import Z95, wilson
from sim.batch.plan import Plan
from sim.batch.runner import Layout, alignment_column
from sim.core import ModelSetup
from sim.scenario.overrides import format_value


def runs_for_width(k: int, n: int, width: float, z: float = Z95) -> int:
    """Runs needed for the Wilson interval of the observed share k/n to be narrower than ``width``."""
    p = k / n if n else 0.5
    lo, hi = max(n, 1), max(n, 1)
    while _width(p, hi, z) >= width:
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if _width(p, mid, z) < width:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _width(p: float, n: int, z: float) -> float:
    low, high = wilson(round(p * n), n, z)
    return high - low


@dataclass(frozen=True, slots=True)
class Focus:
    """Who a batch's table is about: the focal actor, the powers, display names, outcome order."""

    actors: tuple[str, ...]
    names: dict[str, str]
    focal: str
    powers: tuple[str, ...]  # the great powers other than the focal actor
    outcome_order: tuple[str, ...]  # the scenario's labels in rule order, then the default

    @classmethod
    def of(cls, setup: ModelSetup) -> Focus:
        ids = setup.actor_ids
        focal = ids[setup.scoring.focal]
        labels = setup.scoring.outcome_labels
        return cls(
            actors=ids,
            names={a.id: a.name for a in setup.actors},
            focal=focal,
            powers=tuple(ids[k] for k in setup.scoring.powers if ids[k] != focal),
            outcome_order=tuple(dict.fromkeys(labels)),
        )

    def power_columns(self) -> list[str]:
        return [alignment_column(self.actors, self.focal, p) for p in self.powers]

    def sort_labels(self, labels: set[str]) -> list[str]:
        known = [x for x in self.outcome_order if x in labels]
        return known + sorted(labels - set(known))


def layout_for(setup: ModelSetup, plan: Plan) -> Layout:
    """The column layout of a plan's tables, from its base setup."""
    ids = setup.actor_ids
    with_objectives = {int(getattr(o, "actor", -1)) for o in setup.objectives}
    paths = tuple(plan.paths)
    types = []
    for k, p in enumerate(plan.parameters):
        values = [row[k] for row in plan.design] if plan.design is not None else list(p.values)
        if all(isinstance(v, bool) for v in values):
            kind = "bool"
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            kind = "int"
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            kind = "float"
        else:
            kind = "str"
        types += [kind] * len(p.paths)
    return Layout(
        actors=ids,
        focal=ids[setup.scoring.focal],
        objective_actors=tuple(ids[i] for i in sorted(with_objectives) if 0 <= i < len(ids)),
        params=paths,
        param_types=tuple(types),
    )


@dataclass
class PointTally:
    ok: int = 0
    failed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    trade_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))  # focal exports, then imports, by partner
    trade_runs: int = 0  # runs with trade columns (folders written before they existed have none)
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per tracked column, over ok runs
    squares: np.ndarray = field(default_factory=lambda: np.zeros(0))  # sums of squares (for intervals)

    @property
    def alignment_sum(self) -> np.ndarray:  # the first tracked columns are the focal alignments
        return self.sums

    def mean_ci(self, k: int) -> tuple[float, float, float]:
        """Mean of tracked column k and its 95 % interval (normal; nan when fewer than two runs)."""
        return mean_interval(self.ok, float(self.sums[k]), float(self.squares[k]))


def mean_interval(n: int, total: float, squares: float, z: float = Z95) -> tuple[float, float, float]:
    """(mean, low, high) of the 95 % interval of a mean from n, the sum and the sum of squares."""
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = total / n
    if n < 2:
        return mean, math.nan, math.nan
    var = max(0.0, (squares - n * mean * mean) / (n - 1))
    half = z * math.sqrt(var / n)
    return mean, mean - half, mean + half


def mean_runs_for_width(n: int, total: float, squares: float, width: float, z: float = Z95) -> int:
    """Runs needed for the 95 % interval of a mean to be narrower than ``width`` (at the observed spread)."""
    if n < 2:
        return max(n, 2) * 2
    mean = total / n
    var = max(0.0, (squares - n * mean * mean) / (n - 1))
    return max(n, math.ceil((2 * z) ** 2 * var / (width * width)) + 1)


class Tally:
    """Per-point totals of finished runs (memory grows with points, not with runs).

    Tracks outcome counts and the sum and sum of squares of the focal actor's alignment to each power
    (and of ``metric``, a summary column or ``outcome=LABEL``, when ``--until-ci`` targets it).
    """

    def __init__(self, plan: Plan, focus: Focus, metric: str | None = None) -> None:
        self.plan = plan
        self.focus = focus
        self.columns = focus.power_columns()
        self.metric = metric
        self.tracked = [*self.columns, *([metric] if metric and metric not in self.columns else [])]
        n = len(self.tracked)
        self.partners = [a for a in focus.actors if a != focus.focal]
        self.trade_columns = [column("trade", focus.focal, p) for p in self.partners] + [
            column("trade", p, focus.focal) for p in self.partners
        ]
        self.points = [
            PointTally(sums=np.zeros(n), squares=np.zeros(n), trade_sum=np.zeros(len(self.trade_columns)))
            for _ in range(plan.n_points)
        ]

    @property
    def needed_columns(self) -> list[str]:
        tracked = (c for c in self.tracked if "=" not in c)
        return list(dict.fromkeys(["point", "status", "outcome", *tracked, *self.trade_columns]))

    def _values(self, summaries: pa.Table) -> np.ndarray:
        outcomes = None
        cols = []
        for c in self.tracked:
            if c.startswith("outcome="):
                if outcomes is None:
                    outcomes = np.asarray(summaries.column("outcome").to_pylist(), dtype=object)
                cols.append((outcomes == c.split("=", 1)[1]).astype(float))
            else:
                cols.append(summaries.column(c).to_numpy(zero_copy_only=False).astype(float))
        return np.column_stack(cols) if cols else np.zeros((summaries.num_rows, 0))

    def add(self, summaries: pa.Table) -> None:
        points = summaries.column("point").to_numpy()
        ok = np.asarray(summaries.column("status").to_pylist()) == "ok"
        outcomes = summaries.column("outcome").to_pylist()
        values = self._values(summaries)
        names = set(summaries.column_names)
        trade = (
            np.column_stack([summaries.column(c).to_numpy(zero_copy_only=False) for c in self.trade_columns])
            if self.trade_columns and all(c in names for c in self.trade_columns)
            else None
        )
        for row, point in enumerate(points):
            tally = self.points[int(point)]
            if ok[row]:
                tally.ok += 1
                tally.outcomes[outcomes[row]] += 1
                tally.sums += values[row]
                tally.squares += values[row] ** 2
                if trade is not None:
                    tally.trade_sum += trade[row]
                    tally.trade_runs += 1
            else:
                tally.failed += 1

    @property
    def finished(self) -> int:
        return sum(t.ok + t.failed for t in self.points)

    @property
    def failed(self) -> int:
        return sum(t.failed for t in self.points)

    def labels(self) -> list[str]:
        seen: set[str] = set()
        for t in self.points:
            seen.update(t.outcomes)
        return self.focus.sort_labels(seen)

    def widest(self, point: int) -> float:
        """Widest 95 % interval at a point: of the target metric's mean when there is one, else of any
        observed outcome share (1.0 before any run; inf while the metric has fewer than two runs)."""
        t = self.points[point]
        if self.metric is not None:
            _, low, high = t.mean_ci(self.tracked.index(self.metric))
            return high - low if math.isfinite(high - low) else math.inf
        labels = self.labels()
        if t.ok == 0 or not labels:
            return 1.0
        return max(hi - lo for lo, hi in (wilson(t.outcomes[x], t.ok) for x in labels))

    def runs_needed(self, point: int, width: float) -> int:
        t = self.points[point]
        if self.metric is not None:
            k = self.tracked.index(self.metric)
            return mean_runs_for_width(t.ok, float(t.sums[k]), float(t.squares[k]), width)
        return max(runs_for_width(t.outcomes[x], t.ok, width) for x in self.labels()) if t.ok else 1

    def frame(self) -> pd.DataFrame:
        """One row per point and outcome: share, 95 % interval, runs, plus mean focal alignment per power
        with its 95 % interval."""
        rows = []
        for k, t in enumerate(self.points):
            values = self.plan.points[k]
            means: dict[str, float] = {}
            for c, p in enumerate(self.focus.powers):
                mean, low, high = t.mean_ci(c)
                name = column("mean_alignment", p)
                means |= {name: mean, f"{name}__ci_low": low, f"{name}__ci_high": high}
            for label in self.labels():
                low, high = wilson(t.outcomes[label], t.ok)
                rows.append(
                    {
                        "point": k,
                        **{param_column(p): v for p, v in values.items()},
                        "runs": t.ok,
                        "failed": t.failed,
                        "outcome": label,
                        "share": t.outcomes[label] / t.ok if t.ok else np.nan,
                        "ci_low": low,
                        "ci_high": high,
                        **means,
                        **{f"mean_{c}": float(m) for c, m in zip(self.trade_columns, self.trade_means(k), strict=True)},
                    }
                )
        return pd.DataFrame(rows)

    def text(self) -> str:
        """The end-of-batch table: per point, outcome shares with 95 % CIs and mean final focal alignment
        with its 95 % interval."""
        f = self.focus
        name = f.names.get(f.focal, f.focal)
        labels = self.labels()
        width = max([len(x) for x in labels] + [7])
        out = [f"Outcomes for {name} (share of runs, 95 % Wilson interval) and {name}'s mean final alignment"]
        out.append("(95 % interval of the mean)")
        for k, t in enumerate(self.points):
            values = self.plan.points[k]
            where = ", ".join(f"{p}={format_value(v)}" for p, v in values.items()) or "base scenario"
            failed = f", {t.failed} failed" if t.failed else ""
            out.append("")
            out.append(f"point {k}: {where}  ({t.ok} runs{failed})")
            out.append(f"  {'outcome':<{width}}  share  95 % CI")
            for label in labels:
                low, high = wilson(t.outcomes[label], t.ok)
                share = t.outcomes[label] / t.ok if t.ok else float("nan")
                out.append(f"  {label:<{width}}  {share:5.2f}  [{low:.2f}, {high:.2f}]")
            if t.ok:
                cells = []
                for c, p in enumerate(f.powers):
                    mean, low, high = t.mean_ci(c)
                    interval = f" [{low:+.3f}, {high:+.3f}]" if math.isfinite(low) else ""
                    cells.append(f"{f.names.get(p, p)} {mean:+.3f}{interval}")
                out.append("  mean final alignment to: " + "  ".join(cells))
            if self.metric is not None and self.metric not in self.columns and t.ok:
                mean, low, high = t.mean_ci(self.tracked.index(self.metric))
                interval = f" [{low:.4g}, {high:.4g}]" if math.isfinite(low) else ""
                out.append(f"  mean {self.metric}: {mean:.4g}{interval}")
            if t.trade_runs:
                exports, imports = np.split(self.trade_means(k), 2)
                for what, row in (("exports to", exports), ("imports from", imports)):
                    trade = "  ".join(f"{f.names.get(p, p)} {m:.2f}" for p, m in zip(self.partners, row, strict=True))
                    out.append(f"  mean final {what} (USD bn a year): {trade}")
        return "\n".join(out) + "\n"

    def trade_means(self, point: int) -> np.ndarray:
        """Mean final trade of the focal actor at a point: exports to each partner, then imports from each."""
        t = self.points[point]
        return t.trade_sum / t.trade_runs if t.trade_runs else np.full(len(self.trade_columns), np.nan)
