"""The batch driver: plan -> chunks -> executor -> store, with retries, progress and the --until-ci rule.

The driver keeps a bounded number of chunks in flight, writes each finished chunk at once and folds it
into per-point totals, so its memory does not grow with the number of runs. ``run_batch`` is the same
machinery as a Python function for notebooks.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from sim import seeds
from sim.atomic import cause
from sim.batch.engines import EngineError, choose_engine
from sim.batch.executors import Executor, Lost, make_executor
from sim.batch.metrics import numeric_columns, resolve_metric
from sim.batch.overwrites import OverwrittenSweepWarning, sweep_warnings
from sim.batch.plan import (
    Chunk,
    Parameter,
    Plan,
    build_plan,
    check_sweep_values,
    chunk_size_for,
    linked_parameter,
    parse_sets,
    parse_sweep,
    parse_sweep_together,
    pending_chunks,
)
from sim.batch.progress import Progress
from sim.batch.runner import ChunkTask, Layout, lost_result, summary_schema
from sim.batch.store import BatchError, ResultStore, Table, load_results
from sim.batch.summary import Focus, Tally, layout_for
from sim.core import ModelSetup
from sim.library import resolve
from sim.scenario.calibration import setup_with_overrides
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import load_document, validate_overrides
from sim.scenario.overrides import OverrideError, Value, parse_values

VECTOR_CHUNK = 256  # the largest automatic chunk of the vector engine (its runs play at once: bench_vector --sizes)
MAX_RUNS_PER_POINT = 1_000_000  # --until-ci stops here even if an interval is still too wide
ISOLATED_TRIES = 2  # a run that kills its worker this many times when played alone is recorded as failed


def scenario_path(scenario: str | Path) -> Path:
    """A scenario file from a path or a library name such as ``medvedev_visit_2015`` (sim.library.resolve)."""
    return resolve(scenario)


draw_seed = seeds.draw_seed  # a fresh root seed (recorded in the plan), from its one home (sim.seeds)


def plan_batch(
    scenario: str | Path,
    *,
    seed: int,
    runs: int | None = None,
    sweep: Sequence[str] | Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    rounds: int | None = None,
    trajectories: bool = False,
    source: str | None = None,
    sweep_together: Sequence[str] = (),
) -> Plan:
    """Read the scenario and check every sweep point; ``sweep`` is ``["PATH=VALUES", ...]`` or a mapping
    of path to values (a list, ``range``, or the text ``a,b,c`` / ``low:high:steps``). A mapping key
    ``"a,b"`` (or ``sweep_together=["a,b=VALUES"]``) links paths: they take each value together."""
    path = scenario_path(scenario)
    document = load_document(path)
    parameters: list[Parameter] = []
    if isinstance(sweep, Mapping):
        for p, values in sweep.items():
            listed = parse_values(values) if isinstance(values, str) else [_plain(v) for v in values]
            try:
                check_sweep_values(values if isinstance(values, str) else "", listed)
            except OverrideError as exc:
                raise ScenarioError([Problem(f"sweep {p}", None, None, "", str(exc))]) from None
            paths = [x.strip() for x in str(p).split(",")]
            parameters.append(linked_parameter(paths, tuple(listed), f"sweep {p}"))
    else:
        parameters = [parse_sweep(text) for text in sweep or ()]
    parameters += [parse_sweep_together(text) for text in sweep_together]
    if isinstance(overrides, Mapping):
        fixed: dict[str, Value] = {k: _plain(v) for k, v in overrides.items()}
    else:
        fixed = parse_sets(overrides or ())
    if rounds is not None:  # checked alone first, so a bad value is blamed on the option the user typed
        validate_overrides(document, {"rounds": rounds}, f"--rounds {rounds}")
        fixed["rounds"] = rounds
    return build_plan(
        document,
        source or str(scenario),
        seed=seed,
        runs=runs,
        sweeps=parameters,
        fixed=fixed,
        trajectories=trajectories,
    )


def _plain(value: Any) -> Value:
    """numpy scalars -> Python values, so plans are JSON and validation is strict-mode happy."""
    return value.item() if isinstance(value, np.generic) else value


def base_setup(plan: Plan) -> ModelSetup:
    """The plan's scenario with its fixed overrides (what every point starts from)."""
    return setup_with_overrides(plan.scenario.document(), plan.fixed, origin="--set")


def plan_warnings(plan: Plan, setup: ModelSetup | None = None) -> list[str]:
    """Swept (and fixed) values that a scenario event overwrites or a scripted move shifts (sim.batch.overwrites)."""
    swept = {path: p.origin or "--sweep" for p in plan.parameters for path in p.paths}
    swept.update({path: f"--set {path}" for path in plan.fixed if path not in swept and path != "rounds"})
    return sweep_warnings(swept, setup if setup is not None else base_setup(plan))


@dataclass
class BatchOutcome:
    """What a finished (or stopped) batch reports."""

    folder: Path
    plan: Plan
    tally: Tally
    played: int  # runs played in this session
    failed: int  # failures among all finished runs
    executor: str
    until_ci: str | None = None  # the --until-ci verdict, when asked for
    restarts: int = 0  # chunks sent again because their worker died


class _Tasks:
    """Builds chunk tasks with everything a worker needs (only the chunk's points travel)."""

    def __init__(self, plan: Plan, layout: Layout, engine: str = "mesa") -> None:
        self.plan = plan
        self.layout = layout
        self.engine = engine
        self._commands: dict[int, str] = {}

    def __call__(self, chunk: Chunk) -> ChunkTask:
        points = sorted({p for p, _, _ in chunk.segments})
        for p in points:
            if p not in self._commands:
                self._commands[p] = self.plan.reproduce_command(p, "K")
        return ChunkTask(
            plan_key=self.plan.fingerprint,
            chunk=chunk,
            scenario_file=self.plan.scenario.file or self.plan.scenario.source,
            scenario_data=self.plan.scenario.data,
            observed_data=self.plan.scenario.observed,
            seed=self.plan.seed,
            overrides={p: self.plan.overrides(p) for p in points},
            reproduce={p: self._commands[p] for p in points},
            layout=self.layout,
            trajectories=self.plan.trajectories,
            engine=self.engine,
        )


def execute(
    store: ResultStore,
    executor: Executor,
    *,
    progress: Progress | None = None,
    chunk_size: int | None = None,
    until_ci: float | None = None,
    command: str = "",
    until_ci_metric: str | None = None,
    engine: str = "auto",
) -> BatchOutcome:
    """Play every unfinished run of the store's plan (and more seeds while ``until_ci`` asks for them).

    ``until_ci`` is the width the 95 % intervals must get under: of every outcome share at every point,
    or of the mean of ``until_ci_metric`` (a summary column or ``outcome=LABEL``, sim.batch.metrics).
    ``engine="vector"`` plays each chunk's runs of a point at once (sim.vector; the same runs, draw for
    draw); a scenario it cannot play is refused here, naming what it cannot play. ``"auto"`` (the default)
    is vector where the scenario allows it, else mesa (sim.batch.engines).
    """
    plan = store.plan
    setup = base_setup(plan)
    try:
        engine = choose_engine(engine, [setup]).engine
    except EngineError as exc:
        raise BatchError(str(exc)) from None
    layout = layout_for(setup, plan)
    metric = None
    if until_ci_metric is not None:
        metric = resolve_metric(until_ci_metric, numeric_columns(summary_schema(layout)))
    tally = Tally(plan, Focus.of(setup), metric)
    for part in store.parts(tally.needed_columns):
        tally.add(part)
    done = store.finished()
    progress = progress or Progress()
    make_task = _Tasks(plan, layout, engine)
    played = restarts = 0
    verdict: str | None = None
    store.begin_session(command, executor.describe(), executor.workers)
    finished = [int(sum(d.sum() for d in done))]  # a counter the drain loop advances
    progress.start(plan.total_runs, finished[0])
    try:
        while True:
            pending = plan.total_runs - int(sum(d.sum() for d in done))
            size = chunk_size or chunk_size_for(pending, executor.workers)
            if engine == "vector" and chunk_size is None:
                # The vector engine's cost per run falls until ~256 runs at once: fewer, larger chunks.
                size = max(size, min(VECTOR_CHUNK, -(-pending // max(1, executor.workers))))
            p, r = _drain(
                pending_chunks(plan.runs, done, size), make_task, executor, store, tally, done, progress, finished
            )
            played += p
            restarts += r
            if until_ci is None:
                break
            grown, verdict = _more_seeds(plan, tally, until_ci)
            if not grown:
                break
            for point, n in grown.items():
                plan.runs[point] = n
                done[point] = np.concatenate([done[point], np.zeros(n - len(done[point]), dtype=bool)])
            store.save_plan()
            progress.set_total(plan.total_runs)
    except BaseException as exc:
        progress.close()
        # Record why the session stopped; a manifest that cannot be written (full disk) must not hide the cause.
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"stopped: {cause(exc)}"
        with contextlib.suppress(OSError):
            store.end_session(status, plan.total_runs, tally.finished, tally.failed)
        raise
    progress.close()
    store.end_session("complete", plan.total_runs, tally.finished, tally.failed)
    return BatchOutcome(store.folder, plan, tally, played, tally.failed, executor.describe(), verdict, restarts)


def _drain(
    chunks: Iterator[Chunk],
    make_task: _Tasks,
    executor: Executor,
    store: ResultStore,
    tally: Tally,
    done: list[np.ndarray],
    progress: Progress,
    finished: list[int],
) -> tuple[int, int]:
    """Run chunks with a bounded number in flight and resend the ones a dying worker took with it.

    A dead worker takes every chunk of its pool down, so a loss does not say which run was to blame.
    A chunk lost once is sent again; lost again, its runs become suspects, played one at a time with
    nothing else in flight once the other work is done. A suspect that still kills its worker alone
    (ISOLATED_TRIES times) is recorded as a failure row, and the batch completes.
    """
    window = max(2, 2 * executor.workers)
    retry: deque[Chunk] = deque()
    suspects: deque[Chunk] = deque()
    losses: dict[str, int] = {}
    isolated: dict[str, int] = {}
    played = restarts = 0
    exhausted = alone = False
    columns = tally.needed_columns
    while True:
        while not alone and executor.in_flight < window:
            if retry:
                chunk = retry.popleft()
            elif not exhausted:
                following = next(chunks, None)
                if following is None:
                    exhausted = True
                    continue
                chunk = following
            elif suspects and executor.in_flight == 0:
                chunk, alone = suspects.popleft(), True
            else:
                break
            executor.submit(make_task(chunk))
        if executor.in_flight == 0:
            return played, restarts
        for done_task, returned in executor.wait():
            task = cast(ChunkTask, done_task)  # this loop submits only chunk tasks
            if isinstance(returned, Lost):
                restarts += 1
                name = task.chunk.name
                if alone:
                    alone = False
                    isolated[name] = isolated.get(name, 0) + 1
                    if isolated[name] < ISOLATED_TRIES:
                        suspects.appendleft(task.chunk)
                        continue
                    tries = f"{ISOLATED_TRIES} time{'s' if ISOLATED_TRIES > 1 else ''}"
                    result = lost_result(task, f"its worker process died each time it played this run alone ({tries})")
                else:
                    losses[name] = losses.get(name, 0) + 1
                    if losses[name] < 2:
                        retry.append(task.chunk)
                    else:
                        suspects.extend(task.chunk.split())
                    continue
            else:
                alone = False
                result = returned
            store.write(result)
            tally.add(result.summaries.select(columns))
            for point, k in task.chunk.runs():
                done[point][k] = True
            played += result.runs
            finished[0] += result.runs
            progress.update(finished[0], tally.failed)


def _more_seeds(plan: Plan, tally: Tally, width: float) -> tuple[dict[int, int], str]:
    """Seeds to add per point so every outcome share's 95 % interval gets narrower than ``width``."""
    grown: dict[int, int] = {}
    capped = []
    for point, n in enumerate(plan.runs):
        if tally.widest(point) < width:
            continue
        if n >= MAX_RUNS_PER_POINT:
            capped.append(point)
            continue
        needed = tally.runs_needed(point, width) + tally.points[point].failed
        step = max(8, n // 10)
        grown[point] = min(MAX_RUNS_PER_POINT, max(needed, n + step), 4 * max(n, 8))
    total = f"{sum(plan.runs):,} runs" + (f" ({_per_point(plan.runs)})" if len(plan.runs) > 1 else "")
    if capped and not grown:
        return {}, f"--until-ci {width:g}: stopped at {MAX_RUNS_PER_POINT:,} runs per point with intervals still wider"
    if grown:
        return grown, ""
    what = "every outcome share's" if tally.metric is None else f"the mean {tally.metric}'s"
    return {}, f"--until-ci {width:g}: {what} 95 % interval is narrower than {width:g} after {total}"


def _per_point(runs: Sequence[int]) -> str:
    if len(set(runs)) == 1:
        return f"{runs[0]:,} per point"
    return "per point: " + ", ".join(f"{n:,}" for n in runs)


def run_batch(
    scenario: str | Path = "medvedev_visit_2015",
    runs: int | None = None,
    seed: int | None = None,
    sweep: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    rounds: int | None = None,
    workers: int | None = None,
    dask: Any = None,
    dask_local: int | None = None,
    executor: Executor | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    trajectories: bool = False,
    until_ci: float | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    table: Table = "summaries",
    sweep_together: Sequence[str] = (),
    until_ci_metric: str | None = None,
    engine: str = "auto",
) -> pd.DataFrame:
    """Run a batch and return its results as a DataFrame (one row per run, or per run and round).

    ``sweep`` maps dotted paths to values (``{"actors.russia.policy.tau": [0.05, 0.5]}``, or the text
    ``"0:1:5"``); several paths form a grid. ``workers=1`` plays in this process, otherwise local
    processes (default: every core); ``dask`` is a scheduler address or a ``distributed.Client``;
    ``dask_local=N`` starts a LocalCluster. Without ``out`` the results live in a temporary folder.
    """
    if until_ci is not None and not 0 < until_ci < 1:
        raise BatchError(f"until_ci must be between 0 and 1 (got {until_ci})")
    if seed is None:
        seed = draw_seed()
    plan = plan_batch(
        scenario,
        seed=seed,
        runs=runs,
        sweep=sweep,
        overrides=overrides,
        rounds=rounds,
        trajectories=trajectories,
        sweep_together=sweep_together,
    )
    for message in plan_warnings(plan):
        warnings.warn(message, OverwrittenSweepWarning, stacklevel=2)
    with tempfile.TemporaryDirectory(prefix="pivot-batch-") as scratch:
        folder = Path(out) if out is not None else Path(scratch)
        ResultStore.check(folder, plan, resume=resume, runs_given=runs is not None)
        own = executor is None
        active = executor if executor is not None else make_executor(workers, dask, dask_local)
        try:
            command = f"run_batch({scenario!r}, runs={runs}, seed={seed}, sweep={sweep!r})"
            with ResultStore.open(folder, plan, resume=resume, runs_given=runs is not None, command=command) as store:
                execute(
                    store,
                    active,
                    progress=progress,
                    chunk_size=chunk_size,
                    until_ci=until_ci,
                    command=command,
                    until_ci_metric=until_ci_metric,
                    engine=engine,
                )
        except BaseException:  # Ctrl-C in a notebook, a full disk: stop the workers now, not after their chunks
            if own:
                active.abort()
            raise
        if own:
            active.close()
        return load_results(folder, table)
