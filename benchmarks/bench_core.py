"""Core speed: a round against an empty Mesa model's step, 12-round runs per second, and scaling with actors.

Prints figures only (never run as a test). Figures are medians of repeated timings in this one process,
reported as ratios where the machine's speed matters: `python benchmarks/bench_core.py`. A run's time
includes building its model (`AlignmentModel(setup, rng=seed)`), reported on its own too; the scaling
samples time whole runs (construction included) at 6, 12, 24 and 48 actors interleaved, one run of each
size in turn, so a busy moment of the machine hits every size alike.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import mesa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.core import AlignmentModel
from sim.scenario import build_setup, load_scenario
from tests.synthetic import synthetic_scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "medvedev_visit_2015.yaml"


class EmptyAgent(mesa.Agent):
    def step(self) -> None:
        pass


class EmptyModel(mesa.Model):
    """Six agents that do nothing: Mesa's own per-step overhead."""

    def __init__(self, seed: int) -> None:
        super().__init__(rng=seed)
        for _ in range(6):
            EmptyAgent(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def median_seconds(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def round_time(setup, seeds: int = 20) -> float:  # type: ignore[no-untyped-def]
    """Median time of one round (rounds 1..12 of fresh runs)."""
    times = []
    for seed in range(seeds):
        model = AlignmentModel(setup, rng=seed, collect=False)
        while not model.finished:
            start = time.perf_counter()
            model.step()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    setup = build_setup(load_scenario(BASE))
    empty = EmptyModel(0)
    empty_step = median_seconds(lambda: [empty.step() for _ in range(100)], 30) / 100
    ours = round_time(setup)
    print(f"one round of the base scenario: {ours * 1e6:8.1f} us")
    print(f"one step of an empty 6-agent Mesa model: {empty_step * 1e6:8.1f} us")
    print(f"ratio round / empty step: {ours / empty_step:8.1f}x")

    def full_runs() -> None:
        for seed in range(20):
            AlignmentModel(setup, rng=seed, collect=False).run()

    per_run = median_seconds(full_runs, 5) / 20
    print(f"full 12-round runs per second on one core: {1 / per_run:8.1f} ({per_run * 1e3:.2f} ms per run)")
    with_collector = median_seconds(lambda: [AlignmentModel(setup, rng=s).run() for s in range(20)], 5) / 20
    print(f"  with Mesa's DataCollector on: {1 / with_collector:8.1f} runs/s")

    build = median_seconds(lambda: [AlignmentModel(setup, rng=s, collect=False) for s in range(20)], 5) / 20
    print(f"  of which building the model: {build * 1e3:8.2f} ms ({build / per_run:.0%} of a run)")

    sizes = (6, 12, 24, 48)
    setups = {n: build_setup(synthetic_scenario(n, seed=1)) for n in sizes}
    samples: dict[int, list[float]] = {n: [] for n in sizes}
    for seed in range(5):  # interleaved: one whole run of every size in turn
        for n in sizes:
            start = time.perf_counter()
            AlignmentModel(setups[n], rng=seed, collect=False).run()
            samples[n].append((time.perf_counter() - start) / setups[n].rounds)
    base_cost = statistics.median(samples[sizes[0]])
    for n in sizes:
        cost = statistics.median(samples[n])
        print(
            f"a run's time per round at {n:2d} actors (construction included): {cost * 1e3:8.2f} ms"
            f"  ({cost / base_cost:5.1f}x the cost at 6)"
        )


if __name__ == "__main__":
    main()
