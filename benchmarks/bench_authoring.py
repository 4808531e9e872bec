"""Authoring speed: loading and validating scenarios (with extends and sweeps), and the cost of `check`.

Prints figures only (never run as a test): `python benchmarks/bench_authoring.py`. Times are medians of
repeated timings in this one process; ratios compare work measured in the same run.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.batch.executors import make_executor
from sim.batch.expectations import check_scenario
from sim.batch.plan import run_seed
from sim.core import AlignmentModel
from sim.runs import with_rounds
from sim.scenario import build_setup, load_scenario
from sim.scenario.loader import load_document, validate_document
from sim.scenario.strict_yaml import Document

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "medvedev_visit_2015.yaml"
OVERLAY = SCENARIOS / "debt_cancellation.yaml"
SWEPT = SCENARIOS / "sanctions_escalation.yaml"


def median_seconds(work: Callable[[], object], repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def show(label: str, figure: str, note: str = "") -> None:
    print(f"{label:<48}{figure:>10}  {note}".rstrip())


def main() -> None:
    base_load = median_seconds(lambda: load_scenario(BASE))
    overlay_load = median_seconds(lambda: load_scenario(OVERLAY))
    show("load + validate the base scenario", f"{base_load * 1000:.1f} ms")
    ratio = overlay_load / base_load
    show("load + merge + validate an overlay", f"{overlay_load * 1000:.1f} ms", f"({ratio:.2f} x base)")

    document = load_document(SWEPT)
    without_sweep = {k: v for k, v in document.data.items() if k != "sweep"}
    bare = Document(document.file, without_sweep, document.value_marks, document.key_marks)
    swept = median_seconds(lambda: validate_document(document))
    plain = median_seconds(lambda: validate_document(bare))
    points = sum(len(p.points()) for p in load_scenario(SWEPT).sweep.parameters)
    show(
        f"validate {SWEPT.stem} with its {points} sweep values",
        f"{swept * 1000:.1f} ms",
        f"({swept / plain:.1f} x without)",
    )

    library = sorted(SCENARIOS.glob("*.yaml"))
    every = median_seconds(lambda: [load_scenario(p) for p in library], repeat=5)
    show(f"load + validate the whole library ({len(library)} files)", f"{every * 1000:.1f} ms")

    runs = 40
    scenario = load_scenario(OVERLAY)
    setup = build_setup(scenario)
    base_setup = with_rounds(build_setup(load_scenario(BASE)), scenario.rounds, "2015-Q4")
    seeds = [run_seed(0, k) for k in range(runs)]

    def plain_runs() -> None:
        for seed in seeds:
            AlignmentModel(setup, rng=seed, collect=False).run()

    bare_runs = median_seconds(plain_runs, repeat=3)
    checked = median_seconds(lambda: check_scenario(scenario, setup, base_setup, runs, 0), repeat=3)
    show(f"{runs} runs of {scenario.meta.id}", f"{bare_runs:.2f} s", f"({runs / bare_runs:.0f} runs/s)")
    show(
        f"check {scenario.meta.id} --runs {runs} --workers 1",
        f"{checked:.2f} s",
        f"({checked / bare_runs:.2f} x the runs alone; its base plays the same {runs} seeds)",
    )
    many = 400
    serial = median_seconds(lambda: check_scenario(scenario, setup, base_setup, many, 0), repeat=1)
    with make_executor(workers=2) as pool:
        check_scenario(scenario, setup, base_setup, 20, 0, executor=pool)  # start the workers first
        pooled = median_seconds(lambda: check_scenario(scenario, setup, base_setup, many, 0, executor=pool), repeat=1)
    show(
        f"check --runs {many}: 2 processes vs serial", f"{serial / pooled:.2f} x", f"({serial:.2f} s vs {pooled:.2f} s)"
    )


if __name__ == "__main__":
    main()
