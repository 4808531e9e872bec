"""The vector engine against the Mesa model on every shipped scenario: the same runs, and the same statistics.

    python tools/engine_equivalence.py --runs 2000 [--scenario NAME ...] [--workers 2] [--csv FILE]

For each scenario it plays ``--runs`` seeds of root A on the Mesa model and on the vector engine, and
``--runs`` seeds of an independent root B on the vector engine (through ``run_batch``, as a researcher does).
A scenario whose file sweeps parameters plays ``--runs`` seeds at each of its points, compared point by
point. It prints:

- **same seeds**: how many runs of root A end with the same outcome on both engines, and the largest
  difference of any final alignment (the engines promise the same runs, draw for draw);
- **independent seeds**: Mesa on root A against the vector engine on root B, every outcome's share and
  every pair's mean final alignment: the difference with its 99 % interval (Newcombe's score interval for
  shares, Welch's normal interval for means), and how many of the intervals leave out 0. Independent samples
  of one model leave 0 out of about 1 % of 99 % intervals by chance, so the count is printed beside that
  expectation, and a scenario passes when none leaves out 0 at the family-wise 99 % level (Bonferroni over
  its comparisons).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.batch.engine import run_batch  # noqa: E402
from sim.batch.intervals import wilson  # noqa: E402

Z99 = 2.5758293035489004  # two-sided 99 % quantile of the standard normal
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


@dataclass(frozen=True)
class Difference:
    """One statistic of the two engines on independent seeds: Mesa's value, the vector engine's, and their
    difference (vector - Mesa) with its interval at the given level."""

    scenario: str
    statistic: str
    mesa: float
    vector: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def normal_quantile(two_sided: float) -> float:
    """The standard normal's two-sided quantile for a coverage ``two_sided`` (0.99 -> 2.576), by bisection."""
    lo, hi = 0.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if math.erf(mid / math.sqrt(2)) < two_sided:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def share_difference(k1: int, n1: int, k2: int, n2: int, z: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p2 - p1 (method 10), built from the two Wilson intervals."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    low = (p2 - p1) - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = (p2 - p1) + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return low, high


def mean_difference(a: np.ndarray, b: np.ndarray, z: float) -> tuple[float, float]:
    """Welch's normal interval for mean(b) - mean(a) (large samples: the t quantile is the normal's)."""
    diff = float(b.mean() - a.mean())
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return diff - z * se, diff + z * se


def differences(scenario: str, mesa: pd.DataFrame, vector: pd.DataFrame, z: float) -> list[Difference]:
    """Every outcome's share and every pair's mean final alignment of two independent batches, vector - Mesa,
    with intervals at the normal quantile ``z``."""
    runs_m, runs_v = len(mesa), len(vector)
    found = []
    for outcome in sorted(set(mesa["outcome"]) | set(vector["outcome"])):
        k1, k2 = int((mesa["outcome"] == outcome).sum()), int((vector["outcome"] == outcome).sum())
        low, high = share_difference(k1, runs_m, k2, runs_v, z)
        found.append(Difference(scenario, f"share {outcome}", k1 / runs_m, k2 / runs_v, low, high))
    for pair in (c for c in mesa.columns if c.startswith("alignment__")):
        a, b = mesa[pair].to_numpy(float), vector[pair].to_numpy(float)
        low, high = mean_difference(a, b, z)
        found.append(Difference(scenario, f"mean {pair}", float(a.mean()), float(b.mean()), low, high))
    return found


@dataclass(frozen=True)
class ScenarioComparison:
    """One scenario's figures: same-seed agreement, and the independent-seed differences at 99 % each and at
    the family-wise 99 % level (Bonferroni over the scenario's statistics)."""

    runs: int
    same_outcome: int
    max_alignment_gap: float
    at_99: list[Difference]
    family: list[Difference]

    @property
    def same_statistics(self) -> bool:
        return not any(d.excludes_zero for d in self.family)


def compare_scenario(
    scenario: str, runs: int, root_a: int = 1, root_b: int = 2, workers: int | None = None
) -> ScenarioComparison:
    """Play Mesa on root A, the vector engine on roots A and B, and compare them point by point when the
    scenario's file sweeps parameters (the runs of one root are paired across its points, so pooling the
    points would count them as more independent than they are)."""
    mesa = run_batch(scenario, runs=runs, seed=root_a, workers=workers, engine="mesa")
    vector_a = run_batch(scenario, runs=runs, seed=root_a, workers=1, engine="vector")
    vector_b = run_batch(scenario, runs=runs, seed=root_b, workers=1, engine="vector")
    order = ["point", "seed_index"]
    mesa, vector_a, vector_b = (f.sort_values(order, ignore_index=True) for f in (mesa, vector_a, vector_b))
    for frame in (mesa, vector_a, vector_b):
        bad = frame[frame["status"] != "ok"]
        if len(bad):
            raise RuntimeError(f"{scenario}: {len(bad)} runs failed: {bad['error'].iloc[0]}")
    pairs = [c for c in mesa.columns if c.startswith("alignment__")]
    points = sorted(set(mesa["point"]))

    def compared(z_of: float) -> list[Difference]:
        found = []
        for point in points:
            label = f"{scenario} point {point}" if len(points) > 1 else scenario
            found += differences(label, mesa[mesa["point"] == point], vector_b[vector_b["point"] == point], z_of)
        return found

    at_99 = compared(normal_quantile(0.99))
    family = compared(normal_quantile(1 - 0.01 / len(at_99)))
    return ScenarioComparison(
        runs=len(mesa),
        same_outcome=int((mesa["outcome"].to_numpy() == vector_a["outcome"].to_numpy()).sum()),
        max_alignment_gap=float(np.abs(mesa[pairs].to_numpy() - vector_a[pairs].to_numpy()).max()),
        at_99=at_99,
        family=family,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--scenario", action="append", choices=SHIPPED, help="default: every shipped scenario")
    parser.add_argument("--workers", type=int, default=None, help="processes for the Mesa batches")
    parser.add_argument("--csv", type=Path, help="write every difference to this CSV file")
    args = parser.parse_args()
    rows: list[Difference] = []
    print(f"{args.runs} runs each way; differences are vector - Mesa with 99 % intervals")
    print(f"{'scenario':28} {'same outcome':>14} {'max |gap|':>10} {'stats':>6} {'0 left out':>11} {'family 99 %':>12}")
    for scenario in args.scenario or SHIPPED:
        result = compare_scenario(scenario, args.runs, workers=args.workers)
        rows.extend(result.at_99)
        out = sum(d.excludes_zero for d in result.at_99)
        print(
            f"{scenario:28} {result.same_outcome:>6}/{result.runs:<7} {result.max_alignment_gap:>10.1e} "
            f"{len(result.at_99):>6} {out:>5} (~{0.01 * len(result.at_99):.1f}) "
            f"{'same' if result.same_statistics else 'DIFFERENT':>12}",
            flush=True,
        )
        for d in result.at_99:
            if d.excludes_zero:
                values = f"Mesa {d.mesa:.4f}, vector {d.vector:.4f}, [{d.low:+.4f}, {d.high:+.4f}]"
                print(f"    {d.scenario} {d.statistic}: {values}")
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=[*asdict(rows[0]).keys(), "excludes_zero"])
            writer.writeheader()
            for d in rows:
                writer.writerow({**asdict(d), "excludes_zero": d.excludes_zero})


if __name__ == "__main__":
    main()
