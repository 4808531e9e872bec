"""The 2015-Q4 to 2020-Q3 hindcast of the base scenario: shares of runs matching 2016-2020, and a figure with bands.

Usage: python tools/hindcast.py [--runs 300] [--seed 2015] [--out docs/figures/hindcast.png]
The base scenario is played for 20 rounds with no scripted post-2015 events (it has none).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sim.atomic import atomic_file, make_folder
from sim.batch import facts
from sim.batch.executors import make_executor
from sim.batch.expectations import wilson_interval
from sim.runs import with_rounds
from sim.scenario import build_setup, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "medvedev_visit_2015.yaml"
SERIES = (("China", "#D55E00"), ("United States", "#0072B2"), ("European Union", "#B8A000"), ("Russia", "#CC79A7"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures" / "hindcast.png")
    args = parser.parse_args()
    setup = with_rounds(build_setup(load_scenario(BASE)), 20, "2015-Q4")
    assert not setup.events, "the hindcast plays no scripted events"
    executor = make_executor(workers=args.workers)
    try:
        paths = facts.hindcast(setup, args.runs, args.seed, executor)
    finally:
        executor.close()
    checks = [facts.hindcast_checks(p) for p in paths]
    print(f"hindcast of {setup.scenario_id}, 20 rounds (2015-Q4 to 2020-Q3), {args.runs} runs, seed {args.seed}")
    for name in facts.HINDCAST_CHECKS:
        k = sum(c[name] for c in checks)
        low, high = wilson_interval(k, len(checks))
        print(f"  {name:<12} {k / len(checks):6.1%}  [{low:.1%}, {high:.1%}]")
    k = sum(all(c.values()) for c in checks)
    low, high = wilson_interval(k, len(checks))
    print(f"  {'all four':<12} {k / len(checks):6.1%}  [{low:.1%}, {high:.1%}]")
    _figure(paths, setup.round_labels, args.out, args.runs)


def _figure(paths: np.ndarray, labels: tuple[str, ...], out: Path, runs: int) -> None:
    rounds = np.arange(paths.shape[1])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=150)
    for k, (name, colour) in enumerate(SERIES):
        lo, mid, hi = np.percentile(paths[:, :, k], [10, 50, 90], axis=0)
        left.fill_between(rounds, lo, hi, color=colour, alpha=0.18, linewidth=0)
        left.plot(rounds, mid, color=colour, label=name, linewidth=2)
    left.set_title("Cambodia's alignment with each power")
    left.set_ylabel("alignment (-1..1)")
    lo, mid, hi = np.percentile(paths[:, :, 4], [10, 50, 90], axis=0)
    right.fill_between(rounds, lo, hi, color="#444444", alpha=0.2, linewidth=0)
    right.plot(rounds, mid, color="#222222", linewidth=2)
    right.axhline(0.0, color="#999999", linewidth=0.8)
    right.set_title("Cambodia's bloc tilt (West minus East)")
    right.set_ylabel("tilt (negative = East)")
    ticks = [0, 4, 8, 12, 16, 20]
    names = ["start", *(labels[t - 1] for t in ticks[1:])]
    for ax in (left, right):
        ax.set_xticks(ticks, names, rotation=30)
        ax.grid(alpha=0.3)
    left.legend(loc="lower left", fontsize=8, ncols=2)
    fig.suptitle(f"Hindcast 2015-Q4 to 2020-Q3, no scripted events: median and 10-90 % band of {runs} runs")
    fig.tight_layout()
    make_folder(out.parent)
    with atomic_file(out, "wb") as handle:
        fig.savefig(handle, format="png")
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
