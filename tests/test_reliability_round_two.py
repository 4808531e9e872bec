"""Issue 17, tried as a careless or hostile user would: one test per failure, each failing before the fix."""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.batch.lock import LOCK_FILE, FolderLock, holder
from sim.batch.store import JOURNAL_FILE, MANIFEST_FILE, PLAN_FILE, SCENARIO_FILE, SUMMARIES, TRAJECTORIES
from sim.errors import BatchError, FolderLockedError, PivotError, SaveError, ScenarioError, one_line
from sim.play.session import load_session
from sim.ui import library
from tests.conftest import ROOT, run_cli

TINY = ("medvedev_visit_2015", "--runs", "4", "--rounds", "2", "--seed", "7", "--workers", "1")


def _raw_rows(folder: Path, table: str) -> int:
    """Rows in every part file on disk (duplicates included: load_results would hide them)."""
    return sum(pq.read_metadata(p).num_rows for p in (folder / table).glob("part-*.parquet"))


def _batch(folder: Path, *extra: str, runs: str = "4") -> subprocess.CompletedProcess[str]:
    args = list(TINY)
    args[2] = runs
    return run_cli("batch", *args, "--trajectories", "--out", str(folder), *extra)


# -- 1. one writer per results folder --------------------------------------------------------------------


def test_a_second_writer_fresh_or_resume_is_refused_naming_the_holder(tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    assert _batch(folder, runs="2").returncode == 0
    with FolderLock(folder, "python run.py batch ... (the running batch)"):  # as a running batch holds it
        assert holder(folder) is not None and holder(folder).pid == os.getpid()  # type: ignore[union-attr]
        refused = [run_cli("batch", "--resume", "--out", str(folder)), _batch(folder, "--resume"), _batch(folder)]
        report = run_cli("report", str(folder))
    for result in refused:
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr  # refused before anything else
        assert f"is being written by PID {os.getpid()} on {socket.gethostname()}, started " in lines[0], lines[0]
    assert report.returncode == 0 and "note: a batch is still writing this folder (PID" in report.stderr
    assert _raw_rows(folder, SUMMARIES) == 2 and _raw_rows(folder, TRAJECTORIES) == 2 * 3  # rounds 0..2


_WRITER = """
import sys, time
from sim.batch import run_batch
from sim.errors import BatchError
for line in sys.stdin:
    folder, offset, resume = line.split()
    time.sleep(float(offset))
    try:
        run_batch("medvedev_visit_2015", runs=4, rounds=2, seed=7, workers=1, trajectories=True,
                  out=folder, resume=resume == "1")
        print("ok", flush=True)
    except BatchError as exc:
        print("refused " + str(exc).replace(chr(10), " "), flush=True)
"""


def test_two_writers_at_random_offsets_never_duplicate_or_lose_a_row(tmp_path: Path) -> None:
    """50 trials; in each, two processes start the same tiny batch (fresh or --resume) a few ms apart."""
    rng = random.Random(17)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "SDL_VIDEODRIVER": "dummy", "PYTHONPATH": str(ROOT)},
        )
        for _ in range(2)
    ]
    try:
        for trial in range(50):
            folder = tmp_path / f"t{trial:02d}"
            for w in writers:
                assert w.stdin is not None
                w.stdin.write(f"{folder} {rng.uniform(0, 0.25):.3f} {rng.choice('01')}\n")
                w.stdin.flush()
            answers = [w.stdout.readline().strip() for w in writers if w.stdout is not None]
            assert any(a == "ok" for a in answers), answers
            for a in answers:
                assert a == "ok" or "is being written by PID" in a or "already holds this batch" in a, a
            assert _raw_rows(folder, SUMMARIES) == 4, (trial, answers)
            assert _raw_rows(folder, TRAJECTORIES) == 4 * 3, (trial, answers)  # rounds 0, 1, 2
            assert not (folder / LOCK_FILE).exists()
    finally:
        for w in writers:
            if w.stdin is not None:
                w.stdin.close()
            w.wait(timeout=30)
            if w.stdout is not None:
                w.stdout.close()


def test_a_stale_lock_is_taken_over_and_explained(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    pid = int(dead.stdout)
    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": pid, "host": "lab-7", "started": "2026-01-01T00:00:00"}))
    assert holder(tmp_path) is None, "a lock file nobody holds is not a running batch"
    with FolderLock(tmp_path) as lock:
        note = lock.stale_note() or ""
        assert f"stale lock left by PID {pid} on lab-7" in note
        with pytest.raises(FolderLockedError, match=f"being written by PID {os.getpid()}"):
            FolderLock(tmp_path).acquire()
    assert not (tmp_path / LOCK_FILE).exists()


# -- 2. verified resumes -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("done") / "batch"
    done = _batch(folder)
    assert done.returncode == 0, done.stderr
    return folder


def _copy(folder: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(folder, to)
    return to


def test_a_resume_refuses_an_edited_plan_json_naming_it(finished_batch: Path, tmp_path: Path) -> None:
    folder = _copy(finished_batch, tmp_path / "b")
    plan = json.loads((folder / PLAN_FILE).read_text())
    plan["seed"] = 8
    (folder / PLAN_FILE).write_text(json.dumps(plan))
    for command in (("batch", "--resume", "--out", str(folder)), ("report", str(folder))):
        result = run_cli(*command)
        assert result.returncode == 1
        assert result.stderr.startswith(f"error: {folder / PLAN_FILE}: changed since the batch started"), result.stderr
    plan["fingerprint"] = "0" * 16  # edited with its fingerprint too: the journal still remembers
    (folder / PLAN_FILE).write_text(json.dumps(plan))
    result = run_cli("batch", "--resume", "--out", str(folder))
    assert result.returncode == 1 and "plan.json: changed since the batch started" in result.stderr


def test_a_resume_refuses_an_edited_scenario_json_naming_it(finished_batch: Path, tmp_path: Path) -> None:
    folder = _copy(finished_batch, tmp_path / "b")
    data = json.loads((folder / SCENARIO_FILE).read_text())
    data["actors"]["russia"]["gdp"] = 1.0
    (folder / SCENARIO_FILE).write_text(json.dumps(data))
    for command in (("batch", "--resume", "--out", str(folder)), ("report", str(folder))):
        result = run_cli(*command)
        assert result.returncode == 1
        assert f"{folder / SCENARIO_FILE}: changed since the batch started" in result.stderr, result.stderr


# -- 3. damaged manifest and parts -------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "random bytes"])
def test_a_damaged_manifest_is_reported_and_never_rewritten(finished_batch: Path, tmp_path: Path, damage: str) -> None:
    folder = _copy(finished_batch, tmp_path / "b")
    text = (folder / MANIFEST_FILE).read_bytes()
    bad = (
        text[: len(text) // 2] if damage == "truncated" else bytes(random.Random(3).randrange(256) for _ in range(300))
    )
    (folder / MANIFEST_FILE).write_bytes(bad)
    for command in (("batch", "--resume", "--out", str(folder)), ("report", str(folder))):
        result = run_cli(*command)
        assert result.returncode == 1
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and f"{folder / MANIFEST_FILE}: damaged" in lines[0], result.stderr
        assert (folder / MANIFEST_FILE).read_bytes() == bad, "the damaged manifest is left as it was"
    (folder / MANIFEST_FILE).rename(folder / "manifest.damaged.json")
    again = run_cli("batch", "--resume", "--out", str(folder))
    assert again.returncode == 0, again.stderr
    assert "rebuilt from the journal" in again.stderr
    sessions = json.loads((folder / MANIFEST_FILE).read_text())["sessions"]
    assert len(sessions) == 2, "the first session's record came back from the journal"


def test_a_part_with_garbled_bytes_is_named_by_resume_and_report(finished_batch: Path, tmp_path: Path) -> None:
    folder = _copy(finished_batch, tmp_path / "b")
    part = sorted((folder / SUMMARIES).glob("part-*.parquet"))[0]
    raw = bytearray(part.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 8] = b"\x00garbled"
    part.write_bytes(bytes(raw))
    for command in (("batch", "--resume", "--out", str(folder)), ("report", str(folder))):
        result = run_cli(*command)
        assert result.returncode == 1
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and lines[0] == result.stderr.strip().splitlines()[-1], result.stderr
        assert f"{part}: damaged" in lines[0] and "delete it and resume" in lines[0]
    part.unlink()
    resumed = run_cli("batch", "--resume", "--out", str(folder))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == run_cli("batch", "--resume", "--out", str(finished_batch)).stdout
    assert _raw_rows(folder, SUMMARIES) == 4


def test_a_torn_journal_line_is_dropped_by_the_writer_and_its_part_replayed(
    finished_batch: Path, tmp_path: Path
) -> None:
    folder = _copy(finished_batch, tmp_path / "b")
    journal = folder / JOURNAL_FILE
    lines = journal.read_text().splitlines(keepends=True)
    last_part = max(k for k, line in enumerate(lines) if '"event": "part"' in line)
    journal.write_text("".join(lines[:last_part]) + lines[last_part][:20])  # a crash mid-append
    result = run_cli("batch", "--resume", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    assert "dropped a torn last line" in result.stderr
    assert _raw_rows(folder, SUMMARIES) == 4 and _raw_rows(folder, TRAJECTORIES) == 4 * 3


def test_damage_in_the_middle_of_the_journal_is_refused(finished_batch: Path, tmp_path: Path) -> None:
    folder = _copy(finished_batch, tmp_path / "b")
    journal = folder / JOURNAL_FILE
    lines = journal.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"rows": ', '"rows": 1')
    journal.write_text("".join(lines))
    result = run_cli("batch", "--resume", "--out", str(folder))
    assert result.returncode == 1 and f"{journal}: line 2 is damaged" in result.stderr


# -- 4. save files -----------------------------------------------------------------------------------------


def _save(tmp_path: Path, **fields: object) -> Path:
    doc = {"format": "pivot-save", "version": 1, "scenario": "medvedev_visit_2015", "seed": 1, "commands": []}
    path = tmp_path / "game.json"
    path.write_text(json.dumps({**doc, **fields}))
    return path


def test_a_deeply_nested_save_is_refused_without_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "pivot-save", "version": 1, "forks": ' + "[" * 400_000 + "]" * 400_000 + "}")
    with pytest.raises(SaveError, match="nested deeper than 16 levels"):
        load_session(path, library.load_setup)


def test_a_huge_save_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB without using the disk
    started = time.monotonic()
    with pytest.raises(SaveError, match="larger than 8 MiB"):
        load_session(path, library.load_setup)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"player": "nobody"}, "player: not an actor of this scenario .*\\(got 'nobody'\\)"),
        ({"player": "Russia"}, "player: must be an actor id .*\\(got 'Russia'\\)"),
        ({"seed": 2**70}, "seed: must be a whole number from 0 to .*\\(got 1180591620717411303424\\)"),
        ({"seed": True}, "seed: must be a whole number .*\\(got True\\)"),
        ({"forks": [{"to_round": -1, "from_round": 2}]}, "forks\\[0\\]: must be .*\\(got "),
        ({"commands": [{"op": "step", "actor": 3}]}, "commands\\[0\\].actor: must be a text"),
        ({"round": "x"}, "round: must be a whole number >= 0 \\(got 'x'\\)"),
        ({"scenario": "a\x1b[2Jb"}, "scenario: holds a control or invisible character \\(got 'a\\\\x1b\\[2Jb'\\)"),
    ],
)
def test_every_save_field_is_checked_with_a_located_message(tmp_path: Path, fields: dict, message: str) -> None:
    with pytest.raises(SaveError, match=message) as info:
        load_session(_save(tmp_path, **fields), library.load_setup)
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value)


# -- 5. files that are not files ---------------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_unopened_by_validate_run_play_and_batch(fifo: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "child.yaml"
    overlay.write_text(f"extends: {fifo.name}\n")
    cases = [
        (("validate", str(fifo)), "is a named pipe (FIFO), not a scenario file"),
        (("run", str(fifo), "--seed", "1"), "is a named pipe (FIFO), not a scenario file"),
        (("validate", str(overlay)), "base scenario 'pipe.yaml' is not a regular file"),
        (("play", "--load", str(fifo)), "is a named pipe (FIFO), not a save file"),
        (("batch", *TINY, "--out", str(fifo)), "is a named pipe (FIFO), not a folder"),
    ]
    for args, message in cases:
        started = time.monotonic()
        result = run_cli(*args, timeout=30)
        assert time.monotonic() - started < 15, args  # a hang would time out; startup is most of this
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


# -- 6. names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ['"russia\\x1b[2J"', '"Russia"', '"russiа"', '"rus\\u200bsia"', '""', '"1russia"', '"russia\\a"'],
    ids=["escape", "upper-case", "cyrillic-a", "zero-width", "empty", "digit-first", "bell"],
)
def test_actor_ids_must_be_identifiers_with_a_located_message(tmp_path: Path, key: str) -> None:
    path = tmp_path / "ids.yaml"
    path.write_text(
        f'extends: medvedev_visit_2015\nmeta: {{id: names, title: Names}}\nactors:\n  {key}:\n    name: "Extra"\n',
        encoding="utf-8",
    )
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:4:3: actors: actor id ") and "is not an identifier" in first, first
    assert all(ch.isprintable() and ch not in "\u200b\u202e" for ch in result.stderr.replace("\n", ""))


@pytest.mark.parametrize("name", ["Rus\\x1bsia", "Rus\\asia", "\\x1b[2JRussia", "Rus\\u202Esia", "Rus\\u200Bsia"])
def test_display_names_with_control_or_invisible_characters_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "names.yaml"
    path.write_text(
        f'extends: medvedev_visit_2015\nmeta: {{id: names, title: Names}}\nactors:\n  russia:\n    name: "{name}"\n',
        encoding="utf-8",
    )
    result = run_cli("validate", str(path))
    assert result.returncode == 1 and "actors.russia.name: holds the control or invisible character" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\u202e" not in result.stderr


def test_display_names_may_hold_any_printable_unicode(tmp_path: Path) -> None:
    path = tmp_path / "names.yaml"
    path.write_text(
        'extends: medvedev_visit_2015\nmeta: {id: names, title: Names}\nactors:\n  russia:\n    name: "Россия 🇷🇺"\n',
        encoding="utf-8",
    )
    result = run_cli("run", str(path), "--seed", "1", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    assert "Россия" in result.stdout


def test_text_reaching_a_terminal_is_escaped() -> None:
    assert one_line("a\x1b[2Jb\x07c\u202ed\u200be") == "a\\x1b[2Jb\\x07c\\u202ed\\u200be"
    assert one_line("Камбоджа") == "Камбоджа"


# -- 7 and 9. Dask -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SlowTask:
    """A stand-in for a chunk: sleeps, then answers (so a worker's return can be seen)."""

    name: str
    seconds: float = 0.0

    def play(self) -> str:
        time.sleep(self.seconds)
        return "played"


@pytest.mark.dask
def test_with_no_dask_worker_left_a_batch_says_so_within_ten_seconds_and_gives_up_on_time() -> None:
    distributed = pytest.importorskip("distributed")
    from sim.batch.executors import DaskExecutor, WorkersGoneError, local_cluster

    lines: list[tuple[float, str]] = []
    with local_cluster(1, processes=False) as cluster, distributed.Client(cluster) as client:
        executor = DaskExecutor(client=client, timeout=4, notify=lambda s: lines.append((time.monotonic(), s)))
        client.retire_workers(list(client.nthreads()))  # every worker gone
        deadline = time.monotonic() + 20
        while client.nthreads() and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        executor.submit(_SlowTask("lonely"))  # type: ignore[arg-type]
        with pytest.raises(WorkersGoneError, match="no worker for 4 s: gave up"):
            executor.wait()
        assert lines and "no worker is left" in lines[0][1] and lines[0][0] - started < 10
        executor.close()


@pytest.mark.dask
def test_a_batch_says_when_dask_workers_come_back() -> None:
    distributed = pytest.importorskip("distributed")
    from sim.batch.executors import DaskExecutor, local_cluster

    lines: list[str] = []
    with local_cluster(0, processes=False) as cluster, distributed.Client(cluster) as client:
        executor = DaskExecutor(client=client, notify=lines.append)
        executor.submit(_SlowTask("patient", 4.0))  # type: ignore[arg-type]
        threading.Timer(3.0, lambda: cluster.scale(1)).start()
        done = executor.wait()
        assert [r for _, r in done] == ["played"]
        assert any("no worker is left" in s for s in lines) and any("connected again" in s for s in lines), lines
        executor.close()


@pytest.mark.dask
def test_the_dask_cluster_starts_while_port_8787_is_taken() -> None:
    distributed = pytest.importorskip("distributed")
    from sim.batch.executors import local_cluster

    blocker = socket.socket()
    try:
        with contextlib.suppress(OSError):  # already taken by someone else: the condition under test
            blocker.bind(("0.0.0.0", 8787))
            blocker.listen()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with local_cluster(1, processes=False) as cluster, distributed.Client(cluster) as client:
                assert client.submit(sum, [1, 2]).result() == 3
    finally:
        blocker.close()


# -- 8. messages that name what the user typed -------------------------------------------------------------


def test_batch_rounds_is_blamed_on_rounds_not_set(tmp_path: Path) -> None:
    result = run_cli("batch", "medvedev_visit_2015", "--rounds", "20000", "--runs", "2", "--out", str(tmp_path / "r"))
    assert result.returncode == 1
    assert "--rounds 20000:" in result.stderr and "--set" not in result.stderr, result.stderr


def test_run_and_batch_accept_the_same_seeds_and_refuse_others_the_same_way(tmp_path: Path) -> None:
    huge = str(2**70)
    for command in (("run", "medvedev_visit_2015"), ("batch", "medvedev_visit_2015", "--out", str(tmp_path / "s"))):
        result = run_cli(*command, "--seed", huge)
        assert result.returncode == 2
        assert (
            result.stderr.startswith("error: ") and "--seed: must be a whole number from 0 to 2**63-1" in result.stderr
        )
    top = str(2**63 - 1)
    assert run_cli("run", "medvedev_visit_2015", "--seed", top, "--rounds", "1").returncode == 0


@pytest.mark.parametrize(
    ("sweep", "reason"),
    [
        ("actors.russia.policy.tau=1:0:5", "high 0 is below low 1 in low:high:steps: write 0:1:5"),
        ("actors.russia.policy.tau=0.1,0.1", "the value 0.1 is listed twice"),
        ("actors.russia.policy.tau=0.1,0.10", "the value 0.1 is listed twice"),
        ("actors.russia.policy.tau=", "expected PATH=VALUE"),
        ("actors.russia.policy.tau=,", "without empty items"),
    ],
)
def test_malformed_sweeps_are_refused_with_the_reason(tmp_path: Path, sweep: str, reason: str) -> None:
    result = run_cli("batch", "medvedev_visit_2015", "--sweep", sweep, "--out", str(tmp_path / "w"))
    assert result.returncode != 0 and f"--sweep {sweep}" in result.stderr and reason in result.stderr, result.stderr
    assert not (tmp_path / "w").exists()


# -- one error hierarchy -----------------------------------------------------------------------------------


def test_every_project_error_is_a_pivot_error() -> None:
    from sim.atomic import WriteError
    from sim.batch.executors import WorkersGoneError
    from sim.cli.common import CliError, CliUsageError, InterruptError
    from sim.rl.episode import InvalidMoveError
    from sim.scenario.extends import BaseRefusedError
    from sim.scenario.overrides import OverrideError

    for kind in (
        ScenarioError,
        BatchError,
        SaveError,
        CliError,
        CliUsageError,
        InterruptError,
        WriteError,
        InvalidMoveError,
        BaseRefusedError,
        OverrideError,
        FolderLockedError,
        WorkersGoneError,
    ):
        assert issubclass(kind, PivotError), kind
    assert issubclass(WriteError, OSError) and issubclass(OverrideError, ValueError), "old bases are kept"
