"""Batch throughput and driver memory, measured in one run: the batch engine against `mesa.batch_run`, same work.

Every set-up plays the same runs of the base scenario (seeds ``run_seed(SEED, k)``) and ends with the same
kind of result: one row per run written to a Parquet table. The batch engine writes its summaries table
(`run_batch`); `mesa.batch_run` plays the same model (the `ScenarioModel` adapter, whose DataCollector
batch_run requires) and its final-step rows are written to Parquet in the timed part. Set-ups: the engine
with the vector engine (the default) and with one Mesa model per run, serially, on 2 local processes and
on a Dask LocalCluster of 2 workers; `mesa.batch_run` with 1 and 2 processes. Samples of every set-up are
interleaved and the median of each is reported, with ratios to `mesa.batch_run` on the same number of
processes. Then the peak resident memory of the batch driver (the `batch` command's own process, workers
excluded) for 1,000 and 20,000 runs, each in a fresh subprocess: it must not grow with the number of runs.

    python benchmarks/bench_batch.py                 # 1,000 runs per batch, memory at 1,000 and 20,000 runs
    python benchmarks/bench_batch.py --runs 2000 --repeats 3 --memory-rounds 12
    python benchmarks/bench_batch.py --skip-throughput --memory-runs 1000,100000   # memory only
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIO = "medvedev_visit_2015"
SEED = 2015


def engine_seconds(runs: int, **executor: object) -> float:
    from sim.batch import run_batch

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        rows = run_batch(SCENARIO, runs=runs, seed=SEED, out=Path(folder) / "b", **executor)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
    assert len(rows) == runs and (rows["status"] == "ok").all()
    return elapsed


def mesa_seconds(runs: int, processes: int, folder: Path) -> float:
    import pandas as pd
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
            data_collection_period=-1,  # the final step's rows only, as the engine's summaries
            display_progress=False,
        )
        # The same storage as the engine: the rows as a Parquet table (nested reporter values as text).
        frame = pd.DataFrame(rows)
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].astype(str)
        frame.to_parquet(folder / f"mesa-{processes}.parquet")
    finally:
        multiprocessing.set_start_method(method, force=True)
    elapsed = time.perf_counter() - start
    assert len({r["RunId"] for r in rows}) == runs
    return elapsed


def throughput(runs: int, repeats: int) -> dict[str, float]:
    """Median runs/s of each set-up over interleaved repeats (a busy moment of the machine hits every set-up)."""
    import logging

    import distributed

    from sim.batch import ProcessExecutor

    samples: dict[str, list[float]] = {}

    def note(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(runs / seconds)

    warm_pool = ProcessExecutor(2)
    engine_seconds(4, executor=warm_pool)  # start the pool's fork server once
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        engine_seconds(4, dask=client)  # workers import the model once
        with tempfile.TemporaryDirectory() as scratch:
            for _ in range(repeats):
                note("engine vector, serial", engine_seconds(runs, workers=1, engine="vector"))
                note("engine mesa, serial", engine_seconds(runs, workers=1, engine="mesa"))
                note("mesa.batch_run, 1 process", mesa_seconds(runs, 1, Path(scratch)))
                note("engine vector, 2 processes (pool start-up included)", engine_seconds(runs, workers=2))
                note("engine vector, 2 processes (pool already running)", engine_seconds(runs, executor=warm_pool))
                note("engine vector, Dask LocalCluster 2 workers (running)", engine_seconds(runs, dask=client))
                note("engine mesa, 2 processes (pool already running)",
                     engine_seconds(runs, executor=warm_pool, engine="mesa"))  # fmt: skip
                note("mesa.batch_run, 2 processes", mesa_seconds(runs, 2, Path(scratch)))
    warm_pool.close()
    return {name: statistics.median(rates) for name, rates in samples.items()}


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


def print_throughput(runs: int, repeats: int) -> None:
    """Every set-up's median runs per second, and its ratio to ``mesa.batch_run`` on as many processes."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0]
    print(
        f"batch throughput on {SCENARIO} (12 rounds), {runs} runs per batch written to Parquet, median of "
        f"{repeats} interleaved repeats; {cores} cores, load average {load:.1f} at start"
    )
    rates = throughput(runs, repeats)
    width = max(len(name) for name in rates)
    for name, rate in rates.items():
        base = rates["mesa.batch_run, 2 processes" if "2 " in name else "mesa.batch_run, 1 process"]
        print(f"  {name:<{width}}  {rate:7.1f} runs/s   {rate / base:5.2f}x mesa.batch_run on as many processes")
    print(f"  load average at end {os.getloadavg()[0]:.1f} (other processes on the machine lower every figure)")


def print_memory(sizes: list[int], rounds: int) -> None:
    """The batch driver's peak memory at each number of runs, and the largest over the smallest."""
    print(f"\npeak memory of the batch driver (workers excluded), {rounds} rounds per run, 2 workers")
    peaks = []
    for n in sizes:
        peak, seconds = driver_peak_mb(n, rounds, 2)
        peaks.append(peak)
        print(f"  {n:>7,} runs: {peak:6.1f} MB peak RSS ({seconds:.0f} s)")
    print(
        f"  ratio {sizes[-1]:,} / {sizes[0]:,} runs: {peaks[-1] / peaks[0]:.2f}x memory "
        f"for {sizes[-1] / sizes[0]:.0f}x runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs per batch for the speed figures")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats; the median of each is shown")
    parser.add_argument("--memory-runs", default="1000,20000", help="run counts for the driver memory figures")
    parser.add_argument("--memory-rounds", type=int, default=2, help="rounds per run in the memory batches")
    parser.add_argument("--skip-memory", action="store_true", help="only the throughput figures")
    parser.add_argument("--skip-throughput", action="store_true", help="only the driver memory figures")
    args = parser.parse_args()
    if not args.skip_throughput:
        print_throughput(args.runs, args.repeats)
    if not args.skip_memory:
        print_memory([int(x) for x in args.memory_runs.split(",")], args.memory_rounds)


if __name__ == "__main__":
    main()
