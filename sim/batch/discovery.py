"""Scenario discovery with PRIM: which ranges of the swept parameters lead to an outcome of interest.

The Patient Rule Induction Method (Friedman & Fisher 1999; as used for scenario discovery by Bryant &
Lempert 2010) starts from a box around every run and repeatedly peels off the ``alpha`` share of runs at
one face of one parameter (whichever raises the share of runs of interest inside the most), recording a
*peeling trajectory* of ever smaller, purer boxes. A box is judged by its **coverage** (share of all runs
of interest that fall inside), its **density** (share of the runs inside that are of interest) and its
**mass** (share of all runs inside). The chosen box is the largest (highest coverage) whose density
reaches ``threshold``; without one, the box with the best coverage x density. With ``boxes`` > 1 the
runs in the chosen box are set aside and the search repeats (covering). Pure numpy; no extra dependency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.batch.columns import param_column
from sim.batch.metrics import resolve_metric
from sim.batch.store import load_results, read_plan
from sim.errors import BatchError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ALPHA = 0.05
MIN_MASS = 0.05
_OPS = (">=", "<=", ">", "<", "==")


@dataclass
class Step:
    """One box of a peeling trajectory: its limits per parameter and how good it is."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    runs: int

    def restricted(self, full: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        """The parameters whose limits are narrower than the full range of the runs."""
        return {p: lim for p, lim in self.limits.items() if lim != full[p]}


@dataclass
class Box:
    """A chosen box: the step of its trajectory, the trajectory itself, and what it was chosen for."""

    number: int
    step: Step
    trajectory: list[Step]
    full: dict[str, tuple[float, float]]
    reached: bool  # whether the density threshold was reached

    @property
    def restricted(self) -> dict[str, tuple[float, float]]:
        return self.step.restricted(self.full)


@dataclass
class Discovery:
    """What PRIM found: the boxes, the outcome of interest, and the runs it looked at."""

    interest: str
    parameters: list[str]
    runs: int
    positives: int
    threshold: float
    boxes: list[Box] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per box and restricted parameter: coverage, density, mass and the parameter's limits."""
        rows = []
        for box in self.boxes:
            limits = box.restricted or {"(no restriction)": (math.nan, math.nan)}
            for p, (low, high) in limits.items():
                full = box.full.get(p, (math.nan, math.nan))
                rows.append(
                    {
                        "box": box.number,
                        "coverage": box.step.coverage,
                        "density": box.step.density,
                        "mass": box.step.mass,
                        "runs_inside": box.step.runs,
                        "parameter": p,
                        "low": low,
                        "high": high,
                        "range_low": full[0],
                        "range_high": full[1],
                        "threshold_reached": box.reached,
                    }
                )
        return pd.DataFrame(rows)


def peel(
    X: np.ndarray, y: np.ndarray, names: Sequence[str], alpha: float = ALPHA, min_mass: float = MIN_MASS
) -> list[Step]:
    """The PRIM peeling trajectory over the runs X (n x d) with outcome-of-interest flags y."""
    n = len(y)
    total = max(1, int(y.sum()))
    inside = np.ones(n, dtype=bool)

    def step(mask: np.ndarray) -> Step:
        limits = {p: (float(X[mask, j].min()), float(X[mask, j].max())) for j, p in enumerate(names)}
        k = int(mask.sum())
        return Step(limits, float(y[mask].sum()) / total, float(y[mask].mean()), k / n, k)

    trajectory = [step(inside)]
    while inside.sum() / n > min_mass:
        best: tuple[float, int, np.ndarray] | None = None
        for j in range(X.shape[1]):
            values = X[inside, j]
            for side in ("low", "high"):
                cut = np.quantile(values, alpha if side == "low" else 1 - alpha)
                keep = X[:, j] > cut if side == "low" else X[:, j] < cut
                if side == "low" and cut <= values.min():  # ties at the edge: peel the lowest value
                    keep = X[:, j] > values.min()
                if side == "high" and cut >= values.max():
                    keep = X[:, j] < values.max()
                candidate = inside & keep
                k = int(candidate.sum())
                if k == 0 or k == int(inside.sum()) or k / n < min_mass:
                    continue
                density = float(y[candidate].mean())
                if best is None or (density, k) > (best[0], best[1]):
                    best = (density, k, candidate)
        if best is None:
            break
        inside = best[2]
        trajectory.append(step(inside))
    return trajectory


def choose(trajectory: Sequence[Step], threshold: float) -> tuple[Step, bool]:
    """The largest box whose density reaches ``threshold``, else the one with the best coverage x density."""
    good = [s for s in trajectory if s.density >= threshold]
    if good:
        return max(good, key=lambda s: (s.coverage, -s.mass)), True
    return max(trajectory, key=lambda s: s.coverage * s.density), False


def simplify(step: Step, X: np.ndarray, y: np.ndarray, names: Sequence[str], full: dict[str, tuple[float, float]],
             floor: float, tolerance: float = 0.01) -> Step:  # fmt: skip
    """Drop restrictions that do not matter: restore a parameter's full range when the box's density stays
    at ``floor`` or above, or falls by less than ``tolerance`` (PRIM's peels can nick a parameter by chance)."""
    limits = dict(step.limits)
    n, total = len(y), max(1, int(y.sum()))

    def inside(lims: dict[str, tuple[float, float]]) -> np.ndarray:
        return np.all([(X[:, j] >= lims[p][0]) & (X[:, j] <= lims[p][1]) for j, p in enumerate(names)], axis=0)

    current = float(y[inside(limits)].mean())
    for p in sorted(names, key=lambda q: _narrowing(limits[q], full[q])):  # the least restricted first
        if limits[p] == full[p]:
            continue
        trial = {**limits, p: full[p]}
        mask = inside(trial)
        density = float(y[mask].mean())
        if density >= min(floor, current) - tolerance and density >= current - tolerance:
            limits, current = trial, density
    mask = inside(limits)
    k = int(mask.sum())
    return Step(limits, float(y[mask].sum()) / total, float(y[mask].mean()), k / n, k)


def _narrowing(limits: tuple[float, float], full: tuple[float, float]) -> float:
    span = (full[1] - full[0]) or 1.0
    return 1 - (limits[1] - limits[0]) / span


def interest_flags(frame: pd.DataFrame, interest: str, columns: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Which runs are of interest: ``outcome=LABEL`` or a condition such as ``alignment.cambodia.russia>0.6``."""
    if interest.startswith("outcome="):
        metric = resolve_metric(interest, columns, labels)
        return (frame["outcome"] == metric.split("=", 1)[1]).to_numpy()
    for op in _OPS:
        if op in interest:
            left, right = interest.split(op, 1)
            column = resolve_metric(left, columns)
            try:
                value = float(right)
            except ValueError:
                raise BatchError(f"--where {interest!r}: {right.strip()!r} is not a number") from None
            x = frame[column].to_numpy(dtype=float)
            return {">=": x >= value, "<=": x <= value, ">": x > value, "<": x < value, "==": x == value}[op]
    raise BatchError(
        f"--where {interest!r}: write outcome=LABEL or METRIC>VALUE (also >=, <, <=, ==), "
        f"e.g. alignment.cambodia.russia>0.6"
    )


def discover(
    folder: str | Path, interest: str, *, threshold: float = 0.8, boxes: int = 1, alpha: float = ALPHA
) -> Discovery:
    """PRIM boxes over a results folder's swept parameters for the runs that satisfy ``interest``."""
    from sim.batch.engine import base_setup  # noqa: PLC0415
    from sim.batch.runner import summary_schema  # noqa: PLC0415
    from sim.batch.summary import Focus, layout_for  # noqa: PLC0415

    folder = Path(folder)
    plan = read_plan(folder)
    setup = base_setup(plan)
    columns = summary_schema(layout_for(setup, plan)).names
    names = [p for p in plan.paths]
    if not names:
        raise BatchError(f"{folder}: nothing was swept, so there are no parameter ranges to discover")
    frame = load_results(folder, "summaries")
    frame = frame[frame["status"] == "ok"].reset_index(drop=True)
    numeric = [p for p in names if pd.api.types.is_numeric_dtype(frame[param_column(p)])]
    linked = {path for p in plan.parameters for path in p.linked}
    numeric = [p for p in numeric if p not in linked]  # a linked path repeats its partner's values
    if not numeric:
        raise BatchError(f"{folder}: PRIM needs numeric swept parameters (swept: {', '.join(names)})")
    labels = Focus.of(setup).sort_labels(set(frame["outcome"].dropna()))
    y = interest_flags(frame, interest, columns, labels)
    if not y.any():
        raise BatchError(f"{folder}: no run satisfies {interest!r}: nothing to discover")
    X = frame[[param_column(p) for p in numeric]].to_numpy(dtype=float)
    result = Discovery(interest, numeric, len(y), int(y.sum()), threshold)
    remaining = np.ones(len(y), dtype=bool)
    overall = {p: (float(X[:, j].min()), float(X[:, j].max())) for j, p in enumerate(numeric)}
    for number in range(1, boxes + 1):
        if not y[remaining].any() or remaining.sum() < 10:
            break
        trajectory = peel(X[remaining], y[remaining], numeric, alpha)
        full = overall
        chosen, reached = choose(trajectory, threshold)
        chosen = simplify(chosen, X[remaining], y[remaining], numeric, full, threshold if reached else chosen.density)
        # coverage and mass against every run of interest, not only those left by earlier boxes
        scale = y[remaining].sum() / y.sum()
        for s in [*trajectory, chosen]:
            s.coverage *= scale
            s.mass *= remaining.sum() / len(y)
        result.boxes.append(Box(number, chosen, trajectory, full, reached))
        inside = np.all(
            [(X[:, j] >= lo) & (X[:, j] <= hi) for j, (lo, hi) in enumerate(chosen.limits.values())], axis=0
        )
        remaining &= ~inside
    return result


def text_table(result: Discovery) -> str:
    """The boxes as plain text: coverage, density, mass, and each restricted parameter's range."""
    out = [
        f"PRIM boxes for {result.interest}: {result.positives:,} of {result.runs:,} runs "
        f"({result.positives / result.runs:.0%}); density threshold {result.threshold:g}",
    ]
    for box in result.boxes:
        flag = "" if box.reached else f" (threshold {result.threshold:g} not reached: best coverage x density)"
        out += [
            "",
            f"box {box.number}: coverage {box.step.coverage:.2f}, density {box.step.density:.2f}, "
            f"mass {box.step.mass:.2f} ({box.step.runs:,} runs){flag}",
        ]
        if not box.restricted:
            out.append("  no parameter restricted: the peeling found no region where these runs concentrate")
        for p, (low, high) in box.restricted.items():
            full = box.full[p]
            out.append(f"  {low:.4g} <= {p} <= {high:.4g}   (runs span {full[0]:.4g} to {full[1]:.4g})")
    return "\n".join(out) + "\n"


def figure(result: Discovery) -> Figure:
    """Left: the first box's peeling trajectory (coverage against density, the chosen box circled). Right:
    every box's restricted ranges as bars over each parameter's full range (0 = lowest run, 1 = highest)."""
    from sim.batch.plots import PALETTE, pyplot, short  # noqa: PLC0415

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1, 1.3]})
    first = result.boxes[0]
    cov = [s.coverage for s in first.trajectory]
    den = [s.density for s in first.trajectory]
    dims = [len(s.restricted(first.full)) for s in first.trajectory]
    points = left.scatter(cov, den, c=dims, cmap="viridis", s=18, zorder=3)
    left.plot(cov, den, color="#999999", linewidth=0.8)
    left.scatter([first.step.coverage], [first.step.density], s=160, facecolors="none", edgecolors="#D55E00", lw=2)
    left.axhline(result.threshold, color="#D55E00", linestyle=":", linewidth=1)
    left.set_xlabel("coverage (share of runs of interest inside)")
    left.set_ylabel("density (share of runs inside that are of interest)")
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    left.set_title("Peeling trajectory of box 1 (circled: chosen)")
    bar = fig.colorbar(points, ax=left, label="parameters restricted")
    bar.set_ticks(sorted(set(dims)))
    params = result.parameters
    y = np.arange(len(params))
    height = 0.8 / max(1, len(result.boxes))
    for k, box in enumerate(result.boxes):
        for j, p in enumerate(params):
            full = box.full[p]
            span = (full[1] - full[0]) or 1.0
            low, high = box.step.limits[p]
            restricted = p in box.restricted
            pos = y[j] + (k - (len(result.boxes) - 1) / 2) * height
            colour = PALETTE[k % len(PALETTE)] if restricted else "#DDDDDD"
            width = max((high - low) / span, 0.012)  # a single value still shows
            right.barh(pos, width, height * 0.9, left=(low - full[0]) / span, color=colour)
            if restricted:
                right.text((high - full[0]) / span + 0.01, pos, f"{low:.3g} … {high:.3g}", va="center", fontsize=8)
    from matplotlib.patches import Patch  # noqa: PLC0415

    handles = [Patch(color=PALETTE[k % len(PALETTE)], label=f"box {b.number}") for k, b in enumerate(result.boxes)]
    right.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    right.set_yticks(y, [short(p) for p in params])
    right.invert_yaxis()
    right.set_xlim(0, 1.25)
    right.set_xlabel("position in the swept range (0 = lowest, 1 = highest run)")
    right.set_title("Boxes: restricted ranges (grey: unrestricted)")
    right.grid(axis="y", visible=False)
    summary = "; ".join(
        f"box {b.number}: coverage {b.step.coverage:.2f}, density {b.step.density:.2f}" for b in result.boxes
    )
    fig.suptitle(
        f"Scenario discovery (PRIM) for {result.interest}: {result.positives:,} of {result.runs:,} runs\n{summary}",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
