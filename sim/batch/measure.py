"""Play many seeds of one setup on a batch executor and measure each finished run, in seed order (for `check`).

`batch` stores whole summaries; `check` needs one number per expectation per run, computed where the run
was played so that only those numbers travel back. Seeds are the batch's: run k plays child k of
``SeedSequence(seed)``, so `check --seed S` and `batch --seed S` play the same runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sim.batch.executors import Executor, Lost, make_executor
from sim.batch.plan import run_seed
from sim.batch.progress import Progress
from sim.batch.store import BatchError
from sim.batch.vector_runs import play_point
from sim.core import AlignmentModel, ModelSetup
from sim.vector import keys_for, largest_batch

RUNS_PER_TASK = 20  # a 12-round run takes ~15 ms: 20 of them keep a task's overhead under a few per cent
VECTOR_RUNS_PER_TASK = 250  # the vector engine's cost per run falls until ~256 runs at once
LOST_TRIES = 3
VECTOR_SERIAL_UP_TO = 500
SERIAL_UP_TO = 100  # check debt_cancellation: 100 runs 4.2 s serial, 4.1 s on 2 processes; 400 runs 12.5 vs 8.4 s


@dataclass(frozen=True, slots=True)
class MeasureTask:
    """Seed indices ``first .. first + count - 1`` of one setup, measured with a picklable function."""

    setup: ModelSetup
    seed: int
    first: int
    count: int
    measure: Callable[[AlignmentModel], Any]
    label: str = "measure"
    engine: str = "mesa"  # "vector": the task's runs at once (``measure.vector(setup, keys)``)

    @property
    def name(self) -> str:
        return f"{self.label}-{self.first:06d}"

    def play(self) -> list[Any]:
        if self.engine == "vector":
            indices = range(self.first, self.first + self.count)
            if hasattr(self.measure, "vector"):
                keys = keys_for([run_seed(self.seed, k) for k in indices])
                return list(self.measure.vector(self.setup, keys))
            # A measure of a finished model reads the vector runs through the model's attributes.
            runs = play_point(self.setup, self.seed, indices, trajectories=True, moves=True)
            return [self.measure(run) for run in runs]  # type: ignore[arg-type]
        results = []
        for k in range(self.first, self.first + self.count):
            model = AlignmentModel(self.setup, rng=run_seed(self.seed, k), collect=False)
            model.run()
            results.append(self.measure(model))
        return results


def measure_seeds[T](
    setup: ModelSetup,
    runs: int,
    seed: int,
    measure: Callable[[AlignmentModel], T],
    *,
    executor: Executor | None = None,
    label: str = "measure",
    progress: Progress | None = None,
    engine: str = "mesa",
) -> list[T]:
    """``measure`` of runs 0..runs-1 of ``setup`` (seed ``seed``), in seed order, on ``executor`` (default serial).

    A task whose worker dies is sent again (up to LOST_TRIES times); a run that raises stops the whole
    measurement with that error, since an expectation over a partial sample would mislead. ``progress``
    (started by the caller) advances by each finished task's runs. ``engine="vector"`` plays each task's
    runs at once on the vector engine: with ``measure.vector(setup, keys)`` when it has one
    (sim.batch.expectations.RunMeasure), else ``measure`` reads each run through the Mesa model's
    attributes (sim.batch.vector_runs.VectorRun: setup, world, history with moves, objective_report).
    """
    own = executor is None
    executor = executor or make_executor(workers=1)
    # A vector task's runs play as one batch: at most what pays for the scenario's actors (largest_batch).
    size = min(VECTOR_RUNS_PER_TASK, largest_batch(setup.n_actors)) if engine == "vector" else RUNS_PER_TASK
    tasks = [
        MeasureTask(setup, seed, first, min(size, runs - first), measure, label, engine)
        for first in range(0, runs, size)
    ]
    results: list[list[T] | None] = [None] * len(tasks)
    position = {task.name: n for n, task in enumerate(tasks)}
    lost: dict[str, int] = {}
    try:
        for task in tasks:
            executor.submit(task)
        while executor.in_flight:
            for done_task, returned in executor.wait():
                task = cast(MeasureTask, done_task)  # this loop submits only measure tasks
                if isinstance(returned, Lost):
                    lost[task.name] = lost.get(task.name, 0) + 1
                    if lost[task.name] >= LOST_TRIES:
                        raise BatchError(f"{task.name}: {returned.reason} ({LOST_TRIES} times); giving up")
                    executor.submit(task)
                    continue
                results[position[task.name]] = returned
                if progress is not None:
                    progress.update(progress.done + task.count, 0)
    finally:
        if own:
            executor.close()
    return [value for chunk in results if chunk is not None for value in chunk]


def default_workers(runs: int, cores: int, engine: str = "mesa") -> int:
    """Worker processes for ``runs`` when none are asked for: serial up to SERIAL_UP_TO runs (a pool's start-up
    costs about what 100 Mesa runs take, or VECTOR_SERIAL_UP_TO vector runs), else every core that the runs'
    tasks can keep busy."""
    vector = engine == "vector"
    if runs <= (VECTOR_SERIAL_UP_TO if vector else SERIAL_UP_TO):
        return 1
    return max(1, min(cores, -(-runs // (VECTOR_RUNS_PER_TASK if vector else RUNS_PER_TASK))))
