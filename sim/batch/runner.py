"""The worker side of a batch: play one chunk of runs and return its summary (and per-round) rows as tables.

A chunk carries everything a worker needs (scenario data, overrides, seeds), so a worker on another
machine reads no file. Each point's setup is built once per worker and reused for all its runs. A run
that raises becomes a failure row with its error and the command that reproduces it; the chunk goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from sim.batch.columns import column, param_column, run_seed_value
from sim.batch.plan import Chunk, run_seed
from sim.batch.vector_runs import play_points
from sim.core import AlignmentModel, ModelSetup
from sim.core.blocs import partition_by_capability
from sim.scenario.calibration import setup_with_overrides
from sim.scenario.overrides import Value
from sim.scenario.strict_yaml import Document
from sim.vector import unsupported_features

#: Test hook: "POINT:SEED_INDEX:MARKER" makes a worker *process* die (os._exit) at that run, once (the
#: marker file records that it happened; an empty MARKER dies every time). Proves lost chunks are retried.
KILL_HOOK = "PIVOT_BATCH_TEST_KILL_WORKER"
SETUP_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Layout:
    """Column layout of a plan's tables: actors, pairs, parameters (the same for every chunk)."""

    actors: tuple[str, ...]
    focal: str  # the scenario's focal actor: its bloc is the summary's focal_bloc
    objective_actors: tuple[str, ...]  # actors with objectives: they get a score and grade column
    params: tuple[str, ...]
    param_types: tuple[str, ...]  # "bool" | "int" | "float" | "str"

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Unordered actor pairs in scenario order (alignment is symmetric)."""
        ids = self.actors
        return [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids))]

    @property
    def directed(self) -> list[tuple[str, str]]:
        """Ordered actor pairs (a, b), a != b, in scenario order: sanctions, tariffs, debt and trade run one way."""
        ids = self.actors
        return [(a, b) for a in ids for b in ids if a != b]

    @property
    def trade_pairs(self) -> list[tuple[str, str]]:
        """The focal actor's trade by partner: (focal, p) is its exports to p, (p, focal) its imports from p."""
        others = [a for a in self.actors if a != self.focal]
        return [(self.focal, p) for p in others] + [(p, self.focal) for p in others]


#: Policy state recorded per run (and per round): column prefix -> WorldState array. Directed arrays are
#: named like the scenario's own paths (``sanctions__us__russia`` is the US's sanctions on Russia, 0..1;
#: ``tariffs__a__b`` a's tariff on b's goods; ``debt__a__b`` what a owes b and ``trade__a__b`` a's exports
#: to b, USD bn); ``agreements__a__b`` counts the sectors in which a and b have a signed agreement.
POLICY_ARRAYS: tuple[tuple[str, str], ...] = (
    ("sanctions", "sanctions"),
    ("tariffs", "tariff"),
    ("debt", "debt"),
    ("trade", "trade"),
)


def _policy_values(worlds: Sequence[Any], layout: Layout) -> dict[str, list[Any]]:
    """Policy-state columns over a sequence of world states (one value per world, in order)."""
    n = len(layout.actors)
    ii, jj = np.array([(i, j) for i in range(n) for j in range(n) if i != j]).T
    iu = np.triu_indices(n, 1)
    cols: dict[str, list[Any]] = {}
    for prefix, array in POLICY_ARRAYS:
        stack = np.stack([getattr(w, array) for w in worlds])[:, ii, jj]
        for c, (a, b) in enumerate(layout.directed):
            cols[column(prefix, a, b)] = stack[:, c].tolist()
    counts = np.stack([w.agreements.sum(axis=2) for w in worlds])[:, iu[0], iu[1]]
    for c, (a, b) in enumerate(layout.pairs):
        cols[column("agreements", a, b)] = counts[:, c].astype(int).tolist()
    return cols


def _policy_fields(layout: Layout, skip: Sequence[tuple[str, str]] = ()) -> list[tuple[str, pa.DataType]]:
    """Schema fields of the policy state; ``skip``: trade pairs the table already holds (the focal actor's)."""
    return [
        *(
            (column(prefix, a, b), pa.float64())
            for prefix, _ in POLICY_ARRAYS
            for a, b in layout.directed
            if not (prefix == "trade" and (a, b) in skip)
        ),
        *((column("agreements", a, b), pa.int32()) for a, b in layout.pairs),
    ]


def alignment_column(layout_actors: Sequence[str], a: str, b: str) -> str:
    """The column holding the alignment of a and b, whichever order they are named in."""
    i, j = layout_actors.index(a), layout_actors.index(b)
    first, second = (a, b) if i < j else (b, a)
    return column("alignment", first, second)


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """One unit of work: the runs of a chunk and everything needed to play them anywhere."""

    plan_key: str  # plan fingerprint: keys the worker's setup cache
    chunk: Chunk
    scenario_file: str
    scenario_data: dict[str, Any]
    observed_data: dict[str, Any] | None  # the observed state, when not scenario_data's own (ScenarioRef)
    seed: int
    overrides: Mapping[int, Mapping[str, Value]]  # point -> overrides (only the chunk's points)
    reproduce: Mapping[int, str]  # point -> `run` command with "--seed-index K" for the seed index
    layout: Layout
    trajectories: bool
    engine: str = "mesa"  # "vector": play each point's runs at once (sim.vector), Mesa where it cannot

    @property
    def name(self) -> str:
        return self.chunk.name

    def play(self) -> ChunkResult:
        return run_chunk(self)


class Task(Protocol):
    """What an executor runs: a picklable unit of work with a name, played where it lands."""

    @property
    def name(self) -> str: ...

    def play(self) -> Any: ...


def play_task(task: Task) -> Any:
    """The one function executors send to workers: play the task there."""
    return task.play()


@dataclass(frozen=True, slots=True)
class ChunkResult:
    name: str
    summaries: pa.Table
    trajectories: pa.Table | None
    runs: int
    failures: int


_setups: OrderedDict[tuple[str, int], ModelSetup | str] = OrderedDict()
_setups_lock = threading.Lock()


def setup_for(task: ChunkTask, point: int) -> ModelSetup | str:
    """The point's setup (or the reason it cannot be built), built once per worker."""
    key = (task.plan_key, point)
    with _setups_lock:
        if key in _setups:
            _setups.move_to_end(key)
            return _setups[key]
    try:
        document = Document(task.scenario_file, task.scenario_data, {}, {}, observed=task.observed_data)
        setup: ModelSetup | str = setup_with_overrides(document, task.overrides[point], origin=f"point {point}")
    except Exception as exc:  # a point the driver validated should build; if not, its runs fail with why
        setup = f"{type(exc).__name__}: {exc}".splitlines()[0]
    with _setups_lock:
        _setups[key] = setup
        while len(_setups) > SETUP_CACHE_SIZE:
            _setups.popitem(last=False)
    return setup


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Play every run of the chunk; never raises for a failing run (it becomes a failure row)."""
    summaries = _Columns(summary_schema(task.layout))
    trajectories = _Columns(trajectory_schema(task.layout)) if task.trajectories else None
    failures = 0
    played = _play_vector(task) if task.engine == "vector" else {}
    finished: list[tuple[dict[str, Any], Any, str]] = []  # runs played since the last failure row, in order
    for point, k in task.chunk.runs():
        base = _ids(task, point, k)
        setup = setup_for(task, point)
        try:
            if isinstance(setup, str):
                raise RuntimeError(setup)
            _maybe_die_for_test(point, k)
            model: Any = played.get((point, k))
            if model is None:
                model = AlignmentModel(setup, rng=np.random.default_rng(run_seed(task.seed, k)), collect=False)
                model.run()
        except Exception as exc:
            failures += 1
            message = f"{type(exc).__name__}: {exc}".splitlines()[0]
            _add_summaries(summaries, finished, task.layout)
            summaries.add({**base, "status": "failed", "error": message, "reproduce": _reproduce(task, point, k)})
            continue
        finished.append((base, model, _reproduce(task, point, k)))
        if trajectories is not None:
            trajectories.extend(_trajectory_columns(model, task.layout, base))
    _add_summaries(summaries, finished, task.layout)
    return ChunkResult(
        name=task.chunk.name,
        summaries=summaries.table(),
        trajectories=None if trajectories is None else trajectories.table(),
        runs=task.chunk.size,
        failures=failures,
    )


def _play_vector(task: ChunkTask) -> dict[tuple[int, int], Any]:
    """The chunk's runs played by the vector engine: the runs of points whose setups differ only in what the
    engine holds per run (starting state, interests, temperatures...) in one batch, others in batches of
    their own (ModelSetup.batch_key). A point it cannot play (a feature it refuses, or any failure of its
    batch) is left to the Mesa model, run by run, which also records failures."""
    groups: dict[bytes, list[tuple[ModelSetup, int, range]]] = {}
    for point, start, stop in task.chunk.segments:
        setup = setup_for(task, point)
        if isinstance(setup, str) or unsupported_features(setup):
            continue
        groups.setdefault(setup.batch_key(), []).append((setup, point, range(start, stop)))
    out: dict[tuple[int, int], Any] = {}
    for group in groups.values():
        try:
            played = play_points([(setup, indices) for setup, _, indices in group], task.seed,
                                 trajectories=task.trajectories)  # fmt: skip
        except Exception:  # the Mesa model replays these runs and reports what fails
            continue
        for (_, point, indices), runs in zip(group, played, strict=True):
            out.update({(point, k): run for k, run in zip(indices, runs, strict=True)})
    return out


def _ids(task: ChunkTask, point: int, k: int) -> dict[str, Any]:
    values = task.overrides[point]
    return {
        "run_id": f"{point}:{k}",
        "point": point,
        "seed_index": k,
        "root_seed": task.seed,
        "run_seed": run_seed_value(task.seed, k),
        **{param_column(path): values.get(path) for path in task.layout.params},
    }


def _reproduce(task: ChunkTask, point: int, k: int) -> str:
    return task.reproduce[point].replace(" --seed-index K", f" --seed-index {k}")


def _add_summaries(summaries: _Columns, finished: list[tuple[dict[str, Any], Any, str]], layout: Layout) -> None:
    """Add the summary rows of the runs in ``finished`` (ids, finished model, reproduce command), in order,
    as one block of columns; empty ``finished``."""
    if not finished:
        return
    ids_columns = {name: [base[name] for base, _, _ in finished] for name in finished[0][0]}
    summaries.extend(
        {**ids_columns, **_summary_columns([m for _, m, _ in finished], layout), "reproduce": [r for *_, r in finished]}
    )
    finished.clear()


def _summary_columns(models: Sequence[Any], layout: Layout) -> dict[str, list[Any]]:
    """The summary columns of finished runs (an AlignmentModel, or a vector run read the same way), one value
    per run in order: each array column is read for all the runs at once."""
    finals = [m.history[-1] for m in models]
    ids = layout.actors
    n, count = len(ids), len(finals)
    iu = np.triu_indices(n, 1)
    out: dict[str, list[Any]] = {
        "status": ["ok"] * count,
        "outcome": [f.outcome for f in finals],
        "rounds_played": [f.round for f in finals],
        "ended_by_event": [m.ended for m in models],
    }
    alignment = np.stack([f.alignment for f in finals])
    out.update(zip((column("alignment", a, b) for a, b in layout.pairs), alignment[:, iu[0], iu[1]].T.tolist(),
                   strict=True))  # fmt: skip
    for name, values in (
        ("hedging", [f.hedging for f in finals]),
        ("kuik_hedging", [f.kuik.hedging for f in finals]),
        ("bloc_tilt", [f.bloc_tilt for f in finals]),
        ("gdp", [f.world.gdp for f in finals]),
        ("threat", [f.world.threat for f in finals]),
        ("utility", [f.utility for f in finals]),
    ):
        out.update(zip((column(name, a) for a in ids), np.stack(values).T.tolist(), strict=True))
    trade = np.stack([f.world.trade for f in finals])
    for a, b in layout.trade_pairs:
        out[column("trade", a, b)] = trade[:, ids.index(a), ids.index(b)].tolist()
    partners = np.stack([f.primary_partner for f in finals])
    for i, a in enumerate(ids):
        out[column("primary_partner", a)] = [ids[int(p)] for p in partners[:, i]]
    blocs = [partition_by_capability(f.alignment, f.world.capability) for f in finals]
    focal = ids.index(layout.focal)
    out["n_blocs"] = [b.k for b in blocs]
    out["focal_bloc"] = ["+".join(ids[i] for i in b.bloc_of(focal)) for b in blocs]
    for i, a in enumerate(ids):
        out[column("bloc", a)] = [b.labels[i] for b in blocs]
    out.update(_policy_values([f.world for f in finals], layout))
    for a in layout.objective_actors:
        reports = [m.objective_report(a) for m in models]
        out[column("objective_score", a)] = [float(r.score) for r in reports]
        out[column("objective_grade", a)] = [r.grade for r in reports]
    return out


def _trajectory_columns(model: AlignmentModel, layout: Layout, base: dict[str, Any]) -> dict[str, list[Any]]:
    history = model.history
    ids = layout.actors
    iu = np.triu_indices(len(ids), 1)
    rows = len(history)
    A = np.stack([r.alignment for r in history])[:, iu[0], iu[1]]
    cols: dict[str, list[Any]] = {
        "run_id": [base["run_id"]] * rows,
        "point": [base["point"]] * rows,
        "seed_index": [base["seed_index"]] * rows,
        "round": [r.round for r in history],
        "label": [r.label for r in history],
        "outcome": [r.outcome for r in history],
    }
    for c, (a, b) in enumerate(layout.pairs):
        cols[column("alignment", a, b)] = A[:, c].tolist()
    for name, stack in (
        ("hedging", np.stack([r.hedging for r in history])),
        ("kuik_hedging", np.stack([r.kuik.hedging for r in history])),
        ("bloc_tilt", np.stack([r.bloc_tilt for r in history])),
        ("gdp", np.stack([r.world.gdp for r in history])),
        ("threat", np.stack([r.world.threat for r in history])),
    ):
        for i, a in enumerate(ids):
            cols[column(name, a)] = stack[:, i].tolist()
    partners = np.stack([r.primary_partner for r in history])
    for i, a in enumerate(ids):
        cols[column("primary_partner", a)] = [ids[int(p)] for p in partners[:, i]]
    cols.update(_policy_values([r.world for r in history], layout))
    return cols


_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def summary_schema(layout: Layout) -> pa.Schema:
    fields = [
        ("run_id", pa.string()),
        ("point", pa.int32()),
        ("seed_index", pa.int64()),
        ("root_seed", pa.int64()),
        ("run_seed", pa.int64()),
        *((param_column(p), _ARROW[t]) for p, t in zip(layout.params, layout.param_types, strict=True)),
        ("status", pa.string()),
        ("outcome", pa.string()),
        ("rounds_played", pa.int32()),
        ("ended_by_event", pa.string()),
        *((column("alignment", a, b), pa.float64()) for a, b in layout.pairs),
        *(
            (column(name, a), pa.float64())
            for name in ("hedging", "kuik_hedging", "bloc_tilt", "gdp", "threat", "utility")
            for a in layout.actors
        ),
        *((column("trade", a, b), pa.float64()) for a, b in layout.trade_pairs),
        *((column("primary_partner", a), pa.string()) for a in layout.actors),
        ("n_blocs", pa.int32()),
        ("focal_bloc", pa.string()),
        *((column("bloc", a), pa.int32()) for a in layout.actors),
        *_policy_fields(layout, layout.trade_pairs),
        *((column("objective_score", a), pa.float64()) for a in layout.objective_actors),
        *((column("objective_grade", a), pa.string()) for a in layout.objective_actors),
        ("error", pa.string()),
        ("reproduce", pa.string()),
    ]
    return pa.schema(fields)


def trajectory_schema(layout: Layout) -> pa.Schema:
    fields = [
        ("run_id", pa.string()),
        ("point", pa.int32()),
        ("seed_index", pa.int64()),
        ("round", pa.int32()),
        ("label", pa.string()),
        ("outcome", pa.string()),
        *((column("alignment", a, b), pa.float64()) for a, b in layout.pairs),
        *(
            (column(name, a), pa.float64())
            for name in ("hedging", "kuik_hedging", "bloc_tilt", "gdp", "threat")
            for a in layout.actors
        ),
        *((column("primary_partner", a), pa.string()) for a in layout.actors),
        *_policy_fields(layout),
    ]
    return pa.schema(fields)


class _Columns:
    """Rows gathered column by column against a fixed schema (missing values are nulls)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.columns: dict[str, list[Any]] = {name: [] for name in schema.names}
        self.rows = 0

    def add(self, row: Mapping[str, Any]) -> None:
        for name, values in self.columns.items():
            values.append(row.get(name))
        self.rows += 1

    def extend(self, cols: Mapping[str, list[Any]]) -> None:
        count = len(next(iter(cols.values())))
        for name, values in self.columns.items():
            values.extend(cols.get(name, [None] * count))
        self.rows += count

    def table(self) -> pa.Table:
        return pa.table({name: pa.array(col, type=self.schema.field(name).type) for name, col in self.columns.items()})


def _maybe_die_for_test(point: int, k: int) -> None:
    spec = os.environ.get(KILL_HOOK)
    if not spec:
        return
    target_point, target_k, marker = spec.split(":", 2)
    if (int(target_point), int(target_k)) != (point, k):
        return
    if multiprocessing.parent_process() is None:  # never kill the driver itself (serial or threaded runs)
        return
    if marker:  # die only the first time; without a marker, every time
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os._exit(70)


def watch_driver(driver_pid: int, interval: float = 1.0) -> None:
    """Process-pool initializer: exit when the driver is gone (a SIGKILLed batch leaves no orphan workers).

    Workers also ignore SIGINT: Ctrl-C reaches every process of the terminal's group, and only the
    driver should react (it stores what is finished, then stops the workers itself).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(driver_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # pid reused by another user's process: the driver is gone
                os._exit(0)

    threading.Thread(target=watch, name="pivot-driver-watch", daemon=True).start()


def lost_result(task: ChunkTask, reason: str) -> ChunkResult:
    """Failure rows for runs whose worker died every time they were tried (so the batch can finish)."""
    summaries = _Columns(summary_schema(task.layout))
    for point, k in task.chunk.runs():
        summaries.add(
            {
                **_ids(task, point, k),
                "status": "failed",
                "error": f"WorkerDied: {reason}",
                "reproduce": _reproduce(task, point, k),
            }
        )
    trajectories = _Columns(trajectory_schema(task.layout)).table() if task.trajectories else None
    return ChunkResult(task.chunk.name, summaries.table(), trajectories, task.chunk.size, task.chunk.size)
