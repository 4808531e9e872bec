"""Batch throughput and driver memory, measured in one run.

Prints runs per second on the base scenario for the batch engine played serially, on 2 local processes
and on a Dask LocalCluster of 2 workers, and for `mesa.batch_run` over the same model (the
`ScenarioModel` adapter, which keeps Mesa's DataCollector on as batch_run requires) with 1 and 2
processes; every figure also as a ratio to the serial engine. Then the peak resident memory of the
batch driver (the `batch` command's own process, workers excluded) for 1,000 and 20,000 runs, each in a
fresh subprocess: it must not grow with the number of runs.

    python benchmarks/bench_batch.py                 # 400 runs per executor, memory at 1,000 and 20,000
    python benchmarks/bench_batch.py --runs 1000 --memory-rounds 12
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIO = "medvedev_visit_2015"
SEED = 2015


def engine_rate(runs: int, **executor: object) -> float:
    from sim.batch import run_batch

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        rows = run_batch(SCENARIO, runs=runs, seed=SEED, out=Path(folder) / "b", **executor)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
    assert len(rows) == runs and (rows["status"] == "ok").all()
    return runs / elapsed


def dask_rate(runs: int, workers: int) -> tuple[float, float]:
    import logging

    import distributed

    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        started = time.perf_counter() - start
        client.run(lambda: __import__("sim.batch.runner"))  # warm the workers' imports, as a pool's preload does
        rate = engine_rate(runs, dask=client)
    return rate, started


def mesa_rate(runs: int, processes: int) -> float:
    from mesa.batchrunner import batch_run

    from sim.batch import run_seed
    from sim.batch.mesa_model import ScenarioModel

    method = multiprocessing.get_start_method(allow_none=True)
    start = time.perf_counter()
    try:
        rows = batch_run(
            ScenarioModel,
            parameters={"scenario": SCENARIO},
            rng=[run_seed(SEED, k) for k in range(runs)],
            number_processes=processes,
            display_progress=False,
        )
    finally:
        multiprocessing.set_start_method(method, force=True)
    elapsed = time.perf_counter() - start
    assert len({r["RunId"] for r in rows}) == runs
    return runs / elapsed


CHILD = """
import resource, sys
from sim.cli import main
code = main(sys.argv[1:])
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def driver_peak_mb(runs: int, rounds: int, workers: int) -> tuple[float, float]:
    """Peak RSS (MB) of the batch driver process for ``runs`` runs, and the seconds it took."""
    with tempfile.TemporaryDirectory() as folder:
        args = [
            "batch", SCENARIO, "--runs", str(runs), "--seed", str(SEED), "--rounds", str(rounds),
            "--workers", str(workers), "--out", str(Path(folder) / "b"), "--progress", "none",
        ]  # fmt: skip
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
        elapsed = time.perf_counter() - start
    line = next(x for x in result.stderr.splitlines() if x.startswith("MAXRSS_KB"))
    return int(line.split()[1]) / 1024.0, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400, help="runs per executor for the speed figures")
    parser.add_argument("--memory-runs", default="1000,20000", help="run counts for the driver memory figures")
    parser.add_argument("--memory-rounds", type=int, default=2, help="rounds per run in the memory batches")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"batch throughput on {SCENARIO} (12 rounds), {args.runs} runs each, {cores} cores available")
    serial = engine_rate(args.runs, workers=1)
    figures = [("engine, serial", serial)]
    figures.append(("engine, 2 processes", engine_rate(args.runs, workers=2)))
    dask, cluster_start = dask_rate(args.runs, 2)
    figures.append(("engine, Dask LocalCluster 2 workers", dask))
    mesa_1 = mesa_rate(args.runs, 1)
    mesa_2 = mesa_rate(args.runs, 2)
    figures += [("mesa.batch_run, 1 process", mesa_1), ("mesa.batch_run, 2 processes", mesa_2)]
    width = max(len(name) for name, _ in figures)
    for name, rate in figures:
        print(f"  {name:<{width}}  {rate:7.1f} runs/s   {rate / serial:5.2f}x serial engine")
    print(f"  engine on 2 processes vs mesa.batch_run on 2 processes: {figures[1][1] / mesa_2:.2f}x")
    print(f"  engine serial vs mesa.batch_run serial: {serial / mesa_1:.2f}x")
    print(f"  (the Dask cluster took {cluster_start:.1f} s to start; not in its rate; pool start-up is in the rest)")

    if args.skip_memory:
        return
    sizes = [int(x) for x in args.memory_runs.split(",")]
    print(f"\npeak memory of the batch driver (workers excluded), {args.memory_rounds} rounds per run, 2 workers")
    peaks = []
    for n in sizes:
        peak, seconds = driver_peak_mb(n, args.memory_rounds, 2)
        peaks.append(peak)
        print(f"  {n:>7,} runs: {peak:6.1f} MB peak RSS ({seconds:.0f} s)")
    print(f"  ratio {sizes[-1]:,} / {sizes[0]:,} runs: {peaks[-1] / peaks[0]:.2f}x memory for {sizes[-1] / sizes[0]:.0f}x runs")


if __name__ == "__main__":
    main()
