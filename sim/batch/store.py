"""The results folder: plan, manifest and scenario data, one atomic Parquet part per chunk, resume, read-back.

Layout of ``DIR``::

    plan.json           the plan (written before any run)
    scenario.json       the merged scenario data the plan's hash refers to
    observed.json       the observed state the runs are calibrated to, when it is not scenario.json's own
                        (an overlay calibrated to its base; see sim.scenario.calibration)
    manifest.json       engine, scenario hash, seed, command lines, start and end times
    journal.jsonl       append-only: each session's start and end, each part's sha256 (a checksum per line)
    .lock               the writer's lock (sim.batch.lock): one writer per folder
    summaries/part-*.parquet      one row per run
    trajectories/part-*.parquet   one row per run and round (with --trajectories)

A part is written to a hidden ``.part-*.tmp`` file and renamed into place, trajectories before summaries:
a run is finished when its summary part exists. Readers only look at ``part-*.parquet``, so a batch
killed mid-write never shows a partial file, and a resume deletes the leftovers.

Every part's sha256 goes into the journal after the part lands; a part counts only once it is recorded
there, so a reader never counts a part still being written, and ``--resume`` and ``report`` verify each
part against its record. ``plan.json`` and ``scenario.json`` are checked against the fingerprint and
hash recorded when the batch started; a damaged or edited file is refused, naming it, never rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import shlex
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.atomic import append_line, atomic_file, cause, make_folder
from sim.batch.columns import modern_name
from sim.batch.lock import FolderLock, holder, locked_message
from sim.batch.plan import Plan
from sim.batch.provenance import provenance
from sim.batch.runner import ChunkResult
from sim.errors import BatchError, FolderLockedError, one_line
from sim.files import refuse_special
from sim.scenario.fingerprint import scenario_hash

PLAN_FILE = "plan.json"
SCENARIO_FILE = "scenario.json"
OBSERVED_FILE = "observed.json"
MANIFEST_FILE = "manifest.json"
JOURNAL_FILE = "journal.jsonl"
SUMMARIES = "summaries"
TRAJECTORIES = "trajectories"
PART_GLOB = "part-*.parquet"
Table = Literal["summaries", "trajectories"]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_json(path: Path, doc: Any) -> None:
    """Write JSON atomically (temp file beside it, then rename)."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


def write_atomic(path: Path, payload: bytes | pa.Table) -> None:
    """Write bytes or a Parquet table atomically (sim.atomic); a failure is a one-line WriteError.

    A table is encoded in memory first, so that a full disk interrupts a plain write, never Arrow's own
    writer (which, interrupted, can abort the process at exit: "terminate called without an active
    exception").
    """
    if not isinstance(payload, bytes):
        sink = pa.BufferOutputStream()
        pq.write_table(payload, sink, compression="zstd")
        payload = sink.getvalue().to_pybytes()
    with atomic_file(path, "wb") as handle:
        handle.write(payload)


def read_plan(where: str | Path) -> Plan:
    """The plan saved in a results folder, or a plan.json file (with the scenario data saved beside it)."""
    where = Path(where)
    plan_path = where if where.suffix == ".json" else where / PLAN_FILE
    folder = plan_path.parent
    try:
        refuse_special(plan_path, BatchError)
        doc = json.loads(plan_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if where.suffix == ".json":
            raise BatchError(f"{plan_path}: no such plan file") from None
        raise BatchError(f"{folder}: no {PLAN_FILE} here: not a batch results folder") from None
    except (OSError, ValueError) as exc:
        raise BatchError(f"{plan_path}: unreadable ({exc})") from None
    data_path = folder / SCENARIO_FILE
    try:
        refuse_special(data_path, BatchError)
        data = json.loads(data_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"{folder}: {SCENARIO_FILE} is missing, so the plan's scenario is unknown") from None
    except (OSError, ValueError) as exc:
        raise BatchError(f"{data_path}: unreadable ({exc})") from None
    observed_path = folder / OBSERVED_FILE
    try:
        if observed_path.exists():
            refuse_special(observed_path, BatchError)
        observed = json.loads(observed_path.read_text(encoding="utf-8")) if observed_path.exists() else None
    except (OSError, ValueError) as exc:
        raise BatchError(f"{observed_path}: unreadable ({exc})") from None
    try:
        plan = Plan.from_json(doc, data, str(data_path), observed)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BatchError(one_line(f"{plan_path}: not a valid plan ({exc})")) from None
    if doc.get("fingerprint") != plan.fingerprint:
        raise BatchError(
            f"{plan_path}: changed since the batch started (its content no longer matches its fingerprint "
            f"{str(doc.get('fingerprint'))[:16]}): restore it, or start a new batch in another --out"
        )
    if scenario_hash(data, observed) != plan.scenario.hash:
        changed = data_path if observed is None else f"{data_path} (or {OBSERVED_FILE} beside it)"
        raise BatchError(
            f"{changed}: changed since the batch started (its content no longer matches the hash "
            f"{plan.scenario.hash[:12]} recorded in {PLAN_FILE}): restore it, or start a new batch in another --out"
        )
    return plan


def _line_check(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


class Journal:
    """``journal.jsonl``: what happened to a folder, one JSON line per event, each with its own checksum.

    Events: ``begin`` (a session: command, plan fingerprint, scenario hash), ``part`` (a part's path,
    rows and sha256), ``end`` (a session's status). Lines are only appended, so a crash can leave at most
    the last line torn; any other damage is reported, naming the line.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL_FILE

    def exists(self) -> bool:
        return self.path.exists()

    def append(self, event: str, **fields: Any) -> None:
        record = {"event": event, "at": now(), **fields}
        append_line(self.path, json.dumps({**record, "check": _line_check(record)}, ensure_ascii=True))

    def read(self) -> JournalState:
        """Every event; raises BatchError on damage anywhere but a torn last line (reported in ``torn``)."""
        state = JournalState()
        if not self.exists():
            return state
        state.exists = True
        try:
            refuse_special(self.path, BatchError)
            raw = self.path.read_bytes()
        except OSError as exc:
            raise BatchError(f"{self.path}: unreadable: {cause(exc)}") from None
        lines = raw.split(b"\n")
        last = len(lines) - 1  # the text after the final newline: empty unless the last append was torn
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            record = _parse_record(line)
            if record is None:
                if number - 1 == last:
                    state.torn = number
                    continue
                raise BatchError(
                    f"{self.path}: line {number} is damaged (not a record it wrote, or its checksum differs): "
                    f"the folder's history cannot be trusted; restore the file from a copy, or start again in "
                    f"another --out"
                )
            state.events.append(record)
            if record["event"] == "part":
                state.parts[str(record["part"])] = str(record["sha256"])
            elif record["event"] == "begin" and state.begin is None:
                state.begin = record
        return state

    def rewrite_without_torn_line(self, state: JournalState) -> None:
        """Drop a torn last line (a crash mid-append), keeping every whole record (the writer's repair)."""
        text = "".join(json.dumps({**e, "check": _line_check(e)}, ensure_ascii=True) + "\n" for e in state.events)
        write_atomic(self.path, text.encode("utf-8"))
        state.torn = None


def _parse_record(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("event"), str):
        return None
    check = record.pop("check", None)
    if check != _line_check(record):
        return None
    if record["event"] == "part" and not all(isinstance(record.get(k), str) for k in ("part", "sha256")):
        return None
    return record


@dataclass
class JournalState:
    """What a journal says: whether there is one, its events, each recorded part's sha256, a torn last line."""

    exists: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)
    begin: dict[str, Any] | None = None
    torn: int | None = None


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, or {} when there is none; a damaged one is refused (never silently replaced)."""
    path = folder / MANIFEST_FILE
    try:
        refuse_special(path, BatchError)
        text = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BatchError(f"{path}: unreadable: {cause(exc)}") from None
    try:
        doc = json.loads(text.decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
    except (UnicodeDecodeError, ValueError) as exc:
        journal = (
            " (the journal, journal.jsonl, still holds every session and part)"
            if (folder / JOURNAL_FILE).exists()
            else ""
        )
        raise BatchError(
            one_line(
                f"{path}: damaged ({str(exc)[:80]}); it was left as it is{journal}: move it aside "
                f"(e.g. to manifest.damaged.json) and resume to rebuild it, or restore it from a copy"
            )
        ) from None
    return dict(doc)


def check_records(folder: Path, plan: Plan) -> JournalState:
    """The folder's manifest and journal, checked against ``plan`` (raises BatchError naming the file)."""
    manifest = read_manifest(folder)
    state = Journal(folder).read()
    recorded = (state.begin or {}).get("plan_fingerprint") or manifest.get("plan_fingerprint")
    if recorded is not None and recorded != plan.fingerprint:
        raise BatchError(
            f"{folder / PLAN_FILE}: changed since the batch started (fingerprint {plan.fingerprint} now, "
            f"{str(recorded)[:16]} recorded when it started): restore it, or start a new batch in another --out"
        )
    scenario_hash = (state.begin or {}).get("scenario_hash") or (manifest.get("scenario") or {}).get("hash")
    if scenario_hash is not None and scenario_hash != plan.scenario.hash:
        raise BatchError(
            f"{folder / SCENARIO_FILE}: changed since the batch started (hash {plan.scenario.hash[:12]} now, "
            f"{str(scenario_hash)[:12]} recorded when it started): restore it, or start a new batch in another --out"
        )
    return state


class ResultStore:
    """A batch results folder that one plan owns, with its write lock held while it is open."""

    def __init__(self, folder: Path, plan: Plan, lock: FolderLock | None = None) -> None:
        self.folder = folder
        self.plan = plan
        self.lock = lock
        self.journal = Journal(folder)
        self.notes: list[str] = []  # what opening the folder repaired or took over, for the user

    # -- opening ------------------------------------------------------------------------------------

    @classmethod
    def check(
        cls, folder: str | Path, plan: Plan, *, resume: bool, runs_given: bool = True, locked: bool = False
    ) -> None:
        """Whether ``plan`` may use ``folder`` (writes nothing); on resume, adopt the seeds planned there.

        Refuses (BatchError) to mix runs of a different plan, to touch a folder holding a batch without
        ``resume``, or to resume when plan.json, scenario.json, the manifest or the journal changed or was
        damaged since the batch started. On resume the plan keeps the seeds per point already planned
        there, or more when ``runs_given`` asks for more.
        """
        path = Path(folder)
        refuse_special(path, BatchError, "a folder")
        if path.exists() and not path.is_dir():
            raise BatchError(f"{path}: exists and is not a folder")
        writer = None if locked else holder(path)
        if writer is not None:  # whatever else the folder holds, the first thing to know is who writes it
            raise FolderLockedError(locked_message(path, writer))
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
            check_records(path, old)
            plan.runs = [max(a, b) if runs_given else a for a, b in zip(old.runs, plan.runs, strict=True)]
        elif (path / SUMMARIES).exists() and any((path / SUMMARIES).glob(PART_GLOB)):
            raise BatchError(f"{path} holds results without a {PLAN_FILE}: choose another --out")

    @classmethod
    def open(
        cls, folder: str | Path, plan: Plan, *, resume: bool, runs_given: bool = True, command: str = ""
    ) -> ResultStore:
        """Claim ``folder`` for ``plan``: take its lock (refused while another writer holds it), check it
        again under the lock (see ``check``), clear leftovers, write the plan and scenario data.

        Close the store (or use it in a ``with``) to release the lock.
        """
        path = Path(folder)
        refuse_special(path, BatchError, "a folder")
        try:
            make_folder(path)
        except OSError as exc:
            raise BatchError(f"{path}: cannot create the results folder: {cause(exc)}") from None
        lock = FolderLock(path, command or command_line()).acquire()
        try:
            cls.check(path, plan, resume=resume, runs_given=runs_given, locked=True)  # again, now it cannot change
            try:
                (path / SUMMARIES).mkdir(parents=True, exist_ok=True)
                if plan.trajectories:
                    (path / TRAJECTORIES).mkdir(exist_ok=True)
            except OSError as exc:
                raise BatchError(f"{path}: cannot create the results folder: {cause(exc)}") from None
            store = cls(path, plan, lock)
            note = lock.stale_note()
            if note:
                store.notes.append(note)
            store.clean()
            if store.journal.exists() and not (path / MANIFEST_FILE).exists():
                store.notes.append(f"{path / MANIFEST_FILE}: missing; rebuilt from the journal")
            write_json(path / SCENARIO_FILE, plan.scenario.data)
            if plan.scenario.observed is not None:
                write_json(path / OBSERVED_FILE, plan.scenario.observed)
            store.save_plan()
        except BaseException:
            lock.release()
            raise
        return store

    def close(self) -> None:
        """Release the folder's lock (the store can still be read)."""
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_plan(self) -> None:
        write_json(self.folder / PLAN_FILE, self.plan.to_json())

    def clean(self) -> None:
        """Delete leftovers of a killed batch: temp files, parts the journal never recorded (a crash between
        a part landing and its record), trajectory parts whose summary never landed, a torn journal line."""
        for sub in (SUMMARIES, TRAJECTORIES):
            for tmp in (self.folder / sub).glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
        for tmp in self.folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()
        state = self.journal.read()
        if state.torn is not None:
            self.journal.rewrite_without_torn_line(state)
            self.notes.append(f"{self.journal.path}: dropped a torn last line (a crash while it was written)")
        finished = {p.name for p in (self.folder / SUMMARIES).glob(PART_GLOB)}
        for sub in (SUMMARIES, TRAJECTORIES):
            for part in (self.folder / sub).glob(PART_GLOB):
                unrecorded = state.exists and f"{sub}/{part.name}" not in state.parts
                if unrecorded or (sub == TRAJECTORIES and part.name not in finished):
                    with contextlib.suppress(OSError):
                        part.unlink()

    # -- writing ------------------------------------------------------------------------------------

    def write(self, result: ChunkResult) -> None:
        """Store a finished chunk: trajectories first, then the summaries that mark its runs finished; each
        part's sha256 goes into the journal once it has landed."""
        name = f"{result.name}.parquet"
        tables: list[tuple[str, pa.Table]] = []
        if result.trajectories is not None:
            tables.append((TRAJECTORIES, result.trajectories))
        tables.append((SUMMARIES, result.summaries))
        for sub, table in tables:
            path = self.folder / sub / name
            try:
                write_atomic(path, table)
                self._record(sub, path, table.num_rows)
            except KeyboardInterrupt:
                # Ctrl-C after the part landed (its name is new to the folder): record it before stopping,
                # so the finished runs count and are kept; before it landed, there is nothing to record.
                if path.exists():
                    self._record(sub, path, table.num_rows)
                raise

    def _record(self, sub: str, path: Path, rows: int) -> None:
        """Append a landed part's sha256 to the journal (hashed as it is on disk, still in the page cache)."""
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise BatchError(f"{path}: unreadable right after writing it: {cause(exc)}") from None
        self.journal.append("part", part=f"{sub}/{path.name}", rows=rows, sha256=digest)

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
        if not manifest and self.journal.exists():  # moved aside after damage: rebuild its history
            sessions = [
                {k: e.get(k) for k in ("command", "executor", "workers")} | {"started": e.get("at")}
                for e in self.journal.read().events
                if e["event"] == "begin"
            ]
            manifest = {"sessions": sessions, "rebuilt": now()} if sessions else {}
        manifest.update(
            {
                "engine": self.plan.engine,
                "python": platform.python_version(),
                "numpy": np.__version__,
                "provenance": provenance(),  # git commit and dirty flag, every package that can change results
                "scenario": {
                    "source": self.plan.scenario.source,
                    "id": self.plan.scenario.id,
                    "hash": self.plan.scenario.hash,
                },
                "plan": PLAN_FILE,
                "plan_fingerprint": self.plan.fingerprint,
                "seed": self.plan.seed,
                "journal": JOURNAL_FILE,
            }
        )
        manifest.setdefault("started", now())
        manifest["ended"] = None
        manifest["status"] = "running"
        manifest.setdefault("sessions", []).append(
            {"command": command, "executor": executor, "workers": workers, "started": now(), "ended": None}
        )
        self.journal.append(
            "begin",
            command=command,
            executor=executor,
            workers=workers,
            plan_fingerprint=self.plan.fingerprint,
            scenario_hash=self.plan.scenario.hash,
        )
        write_json(self.folder / MANIFEST_FILE, manifest)

    def end_session(self, status: str, runs: int, finished: int, failed: int) -> None:
        manifest = self.manifest()
        manifest["ended"] = now()
        manifest["status"] = status
        manifest["runs"] = {"planned": runs, "finished": finished, "failed": failed}
        if manifest.get("sessions"):
            manifest["sessions"][-1].update({"ended": manifest["ended"], "status": status})
        self.journal.append("end", status=status, planned=runs, finished=finished, failed=failed)
        write_json(self.folder / MANIFEST_FILE, manifest)

    def manifest(self) -> dict[str, Any]:
        """The manifest ({} when there is none); a damaged one raises BatchError rather than being replaced."""
        return read_manifest(self.folder)


def iter_parts(
    folder: str | Path, table: Table = "summaries", columns: Sequence[str] | None = None
) -> Iterator[pa.Table]:
    """Each finished part of one table in a results folder, verified against its sha256 in the journal.

    Temp files are never read; nor are parts the journal does not record yet (a writer has just renamed
    them into place, or died before recording them: a resume deletes and re-plays those). A part whose
    bytes differ from its record is refused, naming it. Folders written before the journal existed are
    read without checksums.
    """
    folder = Path(folder)
    state = Journal(folder).read()
    for part in sorted((folder / table).glob(PART_GLOB)):
        key = f"{table}/{part.name}"
        if state.exists and key not in state.parts:
            continue
        try:
            refuse_special(part, BatchError)
            payload = part.read_bytes()
        except OSError as exc:
            raise BatchError(f"{part}: unreadable ({cause(exc)}); delete it and resume to re-run its runs") from None
        if state.exists and hashlib.sha256(payload).hexdigest() != state.parts[key]:
            raise BatchError(
                f"{part}: damaged (its sha256 differs from the one recorded when it was written); "
                f"delete it and resume to re-run its runs"
            )
        try:
            stored = {modern_name(n): n for n in pq.read_schema(pa.BufferReader(payload)).names}
            wanted = None if columns is None else [stored[c] for c in columns if c in stored]
            # ParquetFile, not read_table: read_table's dataset layer may free the buffer on an Arrow thread
            # at interpreter exit, which aborts the process ("terminate called without an active exception").
            read = pq.ParquetFile(pa.BufferReader(payload)).read(columns=wanted, use_threads=False)
            yield read.rename_columns([modern_name(n) for n in read.column_names])  # old folders: new names
        except (OSError, pa.ArrowInvalid) as exc:
            first = (str(exc).strip().splitlines() or ["not Parquet"])[0][:120]
            raise BatchError(
                one_line(f"{part}: unreadable Parquet part ({first}); delete it and resume to re-run its runs")
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
