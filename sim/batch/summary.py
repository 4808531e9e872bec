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
from sim.batch.plan import Plan
from sim.batch.runner import Layout, alignment_column
from sim.core import ModelSetup
from sim.scenario.overrides import format_value

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a share k/n (well-behaved at 0, 1 and small n); (0, 1) when n == 0."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


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
        labels = [r.label for r in setup.scoring.outcomes] + [setup.scoring.default_outcome]
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
    paths = tuple(p.path for p in plan.parameters)
    types = []
    for k, p in enumerate(plan.parameters):
        values = [row[k] for row in plan.design] if plan.design is not None else list(p.values)
        if all(isinstance(v, bool) for v in values):
            types.append("bool")
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            types.append("int")
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            types.append("float")
        else:
            types.append("str")
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
    alignment_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))
    trade_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))  # focal exports, then imports, by partner
    trade_runs: int = 0  # runs with trade columns (folders written before they existed have none)


class Tally:
    """Per-point totals of finished runs (memory grows with points, not with runs)."""

    def __init__(self, plan: Plan, focus: Focus) -> None:
        self.plan = plan
        self.focus = focus
        self.columns = focus.power_columns()
        self.partners = [a for a in focus.actors if a != focus.focal]
        self.trade_columns = [column("trade", focus.focal, p) for p in self.partners] + [
            column("trade", p, focus.focal) for p in self.partners
        ]
        self.points = [
            PointTally(alignment_sum=np.zeros(len(self.columns)), trade_sum=np.zeros(len(self.trade_columns)))
            for _ in range(plan.n_points)
        ]

    @property
    def needed_columns(self) -> list[str]:
        return ["point", "status", "outcome", *self.columns, *self.trade_columns]

    def add(self, summaries: pa.Table) -> None:
        points = summaries.column("point").to_numpy()
        ok = np.asarray(summaries.column("status").to_pylist()) == "ok"
        outcomes = summaries.column("outcome").to_pylist()
        values = (
            np.column_stack([summaries.column(c).to_numpy(zero_copy_only=False) for c in self.columns])
            if self.columns
            else np.zeros((len(points), 0))
        )
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
                tally.alignment_sum += values[row]
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
        """Widest 95 % interval of any observed outcome share at a point (1.0 before any run)."""
        t = self.points[point]
        labels = self.labels()
        if t.ok == 0 or not labels:
            return 1.0
        return max(hi - lo for lo, hi in (wilson(t.outcomes[x], t.ok) for x in labels))

    def runs_needed(self, point: int, width: float) -> int:
        t = self.points[point]
        return max(runs_for_width(t.outcomes[x], t.ok, width) for x in self.labels()) if t.ok else 1

    def frame(self) -> pd.DataFrame:
        """One row per point and outcome: share, 95 % interval, runs, plus mean focal alignment per power."""
        rows = []
        for k, t in enumerate(self.points):
            values = self.plan.points[k]
            means = t.alignment_sum / t.ok if t.ok else np.full(len(self.columns), np.nan)
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
                        **{
                            column("mean_alignment", p): float(m) for p, m in zip(self.focus.powers, means, strict=True)
                        },
                        **{f"mean_{c}": float(m) for c, m in zip(self.trade_columns, self.trade_means(k), strict=True)},
                    }
                )
        return pd.DataFrame(rows)

    def text(self) -> str:
        """The end-of-batch table: per point, outcome shares with 95 % CIs and mean final focal alignment."""
        f = self.focus
        name = f.names.get(f.focal, f.focal)
        labels = self.labels()
        width = max([len(x) for x in labels] + [7])
        out = [f"Outcomes for {name} (share of runs, 95 % Wilson interval) and {name}'s mean final alignment"]
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
                means = t.alignment_sum / t.ok
                cells = "  ".join(f"{f.names.get(p, p)} {m:+.2f}" for p, m in zip(f.powers, means, strict=True))
                out.append(f"  mean final alignment to: {cells}")
            if t.trade_runs:
                exports, imports = np.split(self.trade_means(k), 2)
                for what, row in (("exports to", exports), ("imports from", imports)):
                    cells = "  ".join(f"{f.names.get(p, p)} {m:.2f}" for p, m in zip(self.partners, row, strict=True))
                    out.append(f"  mean final {what} (USD bn a year): {cells}")
        return "\n".join(out) + "\n"

    def trade_means(self, point: int) -> np.ndarray:
        """Mean final trade of the focal actor at a point: exports to each partner, then imports from each."""
        t = self.points[point]
        return t.trade_sum / t.trade_runs if t.trade_runs else np.full(len(self.trade_columns), np.nan)
