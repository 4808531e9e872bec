"""The results folder: plan, manifest and scenario data, one atomic Parquet part per chunk, resume, read-back.

Layout of ``DIR``::

    plan.json           the plan (written before any run)
    scenario.json       the merged scenario data the plan's hash refers to
    observed.json       the observed state the runs are calibrated to, when it is not scenario.json's own
                        (an overlay calibrated to its base; see sim.scenario.calibration)
    manifest.json       engine, scenario hash, seed, command lines, start and end times
    summaries/part-*.parquet      one row per run
    trajectories/part-*.parquet   one row per run and round (with --trajectories)

A part is written to a hidden ``.part-*.tmp`` file and renamed into place, trajectories before summaries:
a run is finished when its summary part exists. Readers only look at ``part-*.parquet``, so a batch
killed mid-write never shows a partial file, and a resume deletes the leftovers.
"""

from __future__ import annotations

import contextlib
import json
import platform
import shlex
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.atomic import atomic_file, cause
from sim.batch.plan import Plan
from sim.batch.runner import ChunkResult

PLAN_FILE = "plan.json"
SCENARIO_FILE = "scenario.json"
OBSERVED_FILE = "observed.json"
MANIFEST_FILE = "manifest.json"
SUMMARIES = "summaries"
TRAJECTORIES = "trajectories"
PART_GLOB = "part-*.parquet"
Table = Literal["summaries", "trajectories"]


class BatchError(Exception):
    """A batch that cannot start or go on (folder in use by another plan, unreadable files...): one line."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_json(path: Path, doc: Any) -> None:
    """Write JSON atomically (temp file beside it, then rename)."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


def write_atomic(path: Path, payload: bytes | pa.Table) -> None:
    """Write bytes or a Parquet table atomically (sim.atomic); a failure is a one-line WriteError."""
    with atomic_file(path, "wb") as handle:
        if isinstance(payload, bytes):
            handle.write(payload)
        else:
            pq.write_table(payload, handle, compression="zstd")


def read_plan(where: str | Path) -> Plan:
    """The plan saved in a results folder, or a plan.json file (with the scenario data saved beside it)."""
    where = Path(where)
    plan_path = where if where.suffix == ".json" else where / PLAN_FILE
    folder = plan_path.parent
    try:
        doc = json.loads(plan_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if where.suffix == ".json":
            raise BatchError(f"{plan_path}: no such plan file") from None
        raise BatchError(f"{folder}: no {PLAN_FILE} here: not a batch results folder") from None
    except (OSError, ValueError) as exc:
        raise BatchError(f"{plan_path}: unreadable ({exc})") from None
    data_path = folder / SCENARIO_FILE
    try:
        data = json.loads(data_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"{folder}: {SCENARIO_FILE} is missing, so the plan's scenario is unknown") from None
    except (OSError, ValueError) as exc:
        raise BatchError(f"{data_path}: unreadable ({exc})") from None
    observed_path = folder / OBSERVED_FILE
    try:
        observed = json.loads(observed_path.read_text(encoding="utf-8")) if observed_path.exists() else None
    except (OSError, ValueError) as exc:
        raise BatchError(f"{observed_path}: unreadable ({exc})") from None
    try:
        return Plan.from_json(doc, data, str(data_path), observed)
    except (KeyError, TypeError, ValueError) as exc:
        raise BatchError(f"{plan_path}: not a valid plan ({exc})") from None


class ResultStore:
    """A batch results folder that one plan owns."""

    def __init__(self, folder: Path, plan: Plan) -> None:
        self.folder = folder
        self.plan = plan

    # -- opening ------------------------------------------------------------------------------------

    @classmethod
    def check(cls, folder: str | Path, plan: Plan, *, resume: bool, runs_given: bool = True) -> None:
        """Whether ``plan`` may use ``folder`` (writes nothing); on resume, adopt the seeds planned there.

        Refuses (BatchError) to mix runs of a different plan, or to touch a folder holding a batch
        without ``resume``. On resume the plan keeps the seeds per point already planned there, or more
        when ``runs_given`` asks for more.
        """
        path = Path(folder)
        if path.exists() and not path.is_dir():
            raise BatchError(f"{path}: exists and is not a folder")
        if (path / PLAN_FILE).exists():
            old = read_plan(path)
            if old.fingerprint != plan.fingerprint:
                why = "; ".join(plan.differences(old)) or "different plan"
                raise BatchError(
                    f"{path} holds runs of a different plan ({why}): choose another --out, or repeat the "
                    f"original command to resume it"
                )
            if not resume:
                raise BatchError(
                    f"{path} already holds this batch: add --resume to complete it, or choose another --out"
                )
            plan.runs = [max(a, b) if runs_given else a for a, b in zip(old.runs, plan.runs, strict=True)]
        elif (path / SUMMARIES).exists() and any((path / SUMMARIES).glob(PART_GLOB)):
            raise BatchError(f"{path} holds results without a {PLAN_FILE}: choose another --out")

    @classmethod
    def open(cls, folder: str | Path, plan: Plan, *, resume: bool, runs_given: bool = True) -> ResultStore:
        """Claim ``folder`` for ``plan`` (see ``check``): clear leftovers, write the plan and scenario data."""
        cls.check(folder, plan, resume=resume, runs_given=runs_given)
        path = Path(folder)
        try:
            (path / SUMMARIES).mkdir(parents=True, exist_ok=True)
            if plan.trajectories:
                (path / TRAJECTORIES).mkdir(exist_ok=True)
        except OSError as exc:
            raise BatchError(f"{path}: cannot create the results folder: {cause(exc)}") from None
        store = cls(path, plan)
        store.clean()
        write_json(path / SCENARIO_FILE, plan.scenario.data)
        if plan.scenario.observed is not None:
            write_json(path / OBSERVED_FILE, plan.scenario.observed)
        store.save_plan()
        return store

    def save_plan(self) -> None:
        write_json(self.folder / PLAN_FILE, self.plan.to_json())

    def clean(self) -> None:
        """Delete leftovers of a killed batch: temp files, and trajectory parts whose summary never landed."""
        for sub in (SUMMARIES, TRAJECTORIES):
            for tmp in (self.folder / sub).glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
        for tmp in self.folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()
        finished = {p.name for p in (self.folder / SUMMARIES).glob(PART_GLOB)}
        for part in (self.folder / TRAJECTORIES).glob(PART_GLOB):
            if part.name not in finished:
                with contextlib.suppress(OSError):
                    part.unlink()

    # -- writing ------------------------------------------------------------------------------------

    def write(self, result: ChunkResult) -> None:
        """Store a finished chunk: trajectories first, then the summaries that mark its runs finished."""
        name = f"{result.name}.parquet"
        if result.trajectories is not None:
            write_atomic(self.folder / TRAJECTORIES / name, result.trajectories)
        write_atomic(self.folder / SUMMARIES / name, result.summaries)

    # -- reading ------------------------------------------------------------------------------------

    def parts(self, columns: Sequence[str] | None = None) -> Iterator[pa.Table]:
        """Each finished summary part in turn (one at a time, so memory stays flat)."""
        yield from iter_parts(self.folder, "summaries", columns)

    def finished(self) -> list[np.ndarray]:
        """For each point, which seed indices already have a summary row."""
        done = [np.zeros(n, dtype=bool) for n in self.plan.runs]
        for part in self.parts(["point", "seed_index"]):
            points = part.column("point").to_numpy()
            seeds = part.column("seed_index").to_numpy()
            for p in np.unique(points):
                if p < len(done):
                    k = seeds[points == p]
                    done[p][k[k < len(done[p])]] = True
        return done

    # -- manifest -----------------------------------------------------------------------------------

    def begin_session(self, command: str, executor: str, workers: int) -> None:
        manifest = self.manifest()
        manifest.update(
            {
                "engine": self.plan.engine,
                "python": platform.python_version(),
                "numpy": np.__version__,
                "scenario": {
                    "source": self.plan.scenario.source,
                    "id": self.plan.scenario.id,
                    "hash": self.plan.scenario.hash,
                },
                "plan": PLAN_FILE,
                "plan_fingerprint": self.plan.fingerprint,
                "seed": self.plan.seed,
            }
        )
        manifest.setdefault("started", now())
        manifest["ended"] = None
        manifest["status"] = "running"
        manifest.setdefault("sessions", []).append(
            {"command": command, "executor": executor, "workers": workers, "started": now(), "ended": None}
        )
        write_json(self.folder / MANIFEST_FILE, manifest)

    def end_session(self, status: str, runs: int, finished: int, failed: int) -> None:
        manifest = self.manifest()
        manifest["ended"] = now()
        manifest["status"] = status
        manifest["runs"] = {"planned": runs, "finished": finished, "failed": failed}
        if manifest.get("sessions"):
            manifest["sessions"][-1].update({"ended": manifest["ended"], "status": status})
        write_json(self.folder / MANIFEST_FILE, manifest)

    def manifest(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.folder / MANIFEST_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}


def iter_parts(
    folder: str | Path, table: Table = "summaries", columns: Sequence[str] | None = None
) -> Iterator[pa.Table]:
    """Each finished part of one table in a results folder (temp files are never read)."""
    for part in sorted((Path(folder) / table).glob(PART_GLOB)):
        try:
            schema_names = pq.read_schema(part).names
            wanted = None if columns is None else [c for c in columns if c in schema_names]
            yield pq.read_table(part, columns=wanted)
        except (OSError, pa.ArrowInvalid) as exc:
            raise BatchError(
                f"{part}: unreadable Parquet part ({exc}); delete it and resume to re-run its runs"
            ) from None


def load_results(folder: str | Path, table: Table = "summaries", columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A results folder's table as one DataFrame, sorted by point, seed index (and round).

    ``summaries``: one row per finished run; ``trajectories``: one row per run and round (only runs
    whose summary is stored, so a chunk killed between its two files is not half-counted).
    """
    folder = Path(folder)
    if not (folder / PLAN_FILE).exists():
        raise BatchError(f"{folder}: no {PLAN_FILE} here: not a batch results folder")
    if table == "trajectories" and not (folder / TRAJECTORIES).exists():
        raise BatchError(f"{folder}: no per-round records: run the batch with --trajectories")
    keys = ["point", "seed_index"] + (["round"] if table == "trajectories" else [])
    if columns is not None:
        columns = list(dict.fromkeys([*keys, *columns]))
    parts = list(iter_parts(folder, table, columns))
    if not parts:
        return pd.DataFrame(columns=list(columns or keys))
    frame = pa.concat_tables(parts, promote_options="default").to_pandas()
    if table == "trajectories":
        ids = load_results(folder, "summaries", ["run_id"])["run_id"]
        frame = frame[frame["run_id"].isin(set(ids))] if "run_id" in frame else frame
    frame = frame.drop_duplicates(subset=keys, keep="first").sort_values(keys, kind="stable")
    return frame.reset_index(drop=True)


def command_line() -> str:
    """How this process was started, for the manifest."""
    return " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
