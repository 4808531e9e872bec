"""Headless research runs: seeded Monte Carlo batches and parameter sweeps, on one core, many, or Dask.

``run_batch`` plays a plan (scenario x sweep points x seeds) and returns a DataFrame; ``load_results``
reads a results folder back; ``compare`` measures the effect of one point or scenario against another;
``discover`` finds parameter ranges that lead to an outcome (PRIM); ``sim.batch.plots`` returns figures.
The `batch`, `report`, `compare`, `sensitivity` and `discover` commands are built on the same parts.
"""

from sim.batch.compare import Comparison, compare
from sim.batch.discovery import discover
from sim.batch.engine import BatchOutcome, execute, plan_batch, run_batch
from sim.batch.executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor, make_executor
from sim.batch.plan import Plan, run_seed
from sim.batch.store import BatchError, ResultStore, load_results, read_plan

__all__ = [
    "BatchError",
    "BatchOutcome",
    "Comparison",
    "DaskExecutor",
    "Executor",
    "Plan",
    "ProcessExecutor",
    "ResultStore",
    "SerialExecutor",
    "compare",
    "discover",
    "execute",
    "load_results",
    "make_executor",
    "plan_batch",
    "read_plan",
    "run_batch",
    "run_seed",
]
