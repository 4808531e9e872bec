"""Faults as users meet them: a full disk, a read-only folder, Ctrl-C -- one clear line, earlier files intact.

The disks are real: a small tmpfs mounted for the test (we may run as root; root ignores chmod, so a
read-only folder is a tmpfs mounted ``ro``). Where mounting is not permitted the mount tests skip with
the reason, and the full-disk cases run instead in a child with a tiny RLIMIT_FSIZE (writes then fail
with EFBIG, "file too large"). Ctrl-C is a real SIGINT sent to the command's whole process group, as a
terminal sends it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.batch import load_results
from tests.conftest import ROOT, run_cli

QUICK = ("medvedev_visit_2015", "--seed", "5", "--rounds", "2", "--progress", "none")
ENV = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
TINY_FILE_LIMIT = 64  # bytes a child may write per file when no tmpfs can be mounted


# -- disks -----------------------------------------------------------------------------------------------


def _mount(folder: Path, options: str) -> str:
    """Mount a tmpfs on ``folder``; '' when it worked, else why not."""
    if shutil.which("mount") is None:
        return "no mount command"
    command = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    return "" if done.returncode == 0 else (done.stderr.strip() or f"mount exited {done.returncode}")


def _remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True, capture_output=True)


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def _limit_file_size() -> None:
    """preexec_fn of a child: every file it writes stops at TINY_FILE_LIMIT bytes (EFBIG, not SIGXFSZ)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (TINY_FILE_LIMIT, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


@dataclass
class SmallDisk:
    """A folder on a 1 MiB tmpfs that ``fill()`` fills up; or, without mount, a folder plus RLIMIT_FSIZE."""

    folder: Path
    mounted: bool
    full: bool = False

    @property
    def cause(self) -> str:
        return "no space left on device" if self.mounted else "file too large (the file-size limit was reached)"

    def fill(self) -> None:
        """No byte left (tmpfs); without a mount, later commands run with a tiny file-size limit."""
        self.full = True
        if not self.mounted:
            return
        with open(self.folder / ".filler", "wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        if self.mounted or not self.full:
            return run_cli(*args, timeout=timeout)
        return subprocess.run(
            [sys.executable, str(ROOT / "run.py"), *args],
            cwd=ROOT, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=timeout,
            preexec_fn=_limit_file_size, check=False,
        )  # fmt: skip

    @contextmanager
    def limited(self) -> Iterator[None]:
        """In this process: the disk is full (tmpfs) or file sizes are capped for the block."""
        if self.mounted:
            yield
            return
        old = resource.getrlimit(resource.RLIMIT_FSIZE)
        handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (TINY_FILE_LIMIT, old[1]))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, old)
            signal.signal(signal.SIGXFSZ, handler)


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> SmallDisk:
    folder = tmp_path / "disk"
    folder.mkdir()
    why = _mount(folder, "size=1m")
    if why:
        return SmallDisk(folder, mounted=False)
    request.addfinalizer(lambda: _unmount(folder))
    return SmallDisk(folder, mounted=True)


@pytest.fixture
def tmpfs(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """Mount a tmpfs with the given options (skips, saying why, where mounting is not permitted)."""

    def mount(options: str) -> Path:
        folder = tmp_path / f"tmpfs{len(list(tmp_path.glob('tmpfs*')))}"
        folder.mkdir()
        why = _mount(folder, options)
        if why:
            pytest.skip(f"cannot mount a tmpfs here ({why}); this fault needs a real small or read-only file system")
        request.addfinalizer(lambda: _unmount(folder))
        return folder

    return mount


@pytest.fixture(scope="module")
def finished_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("batch") / "b"
    done = run_cli("batch", *QUICK, "--runs", "4", "--workers", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) >= 1 and lines[-1].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]
    return lines[-1]


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.tmp")]


# -- a full disk -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_run_out_on_a_full_disk_keeps_the_earlier_result(small_disk: SmallDisk, suffix: str) -> None:
    out = small_disk.folder / f"rows{suffix}"
    first = small_disk.run("run", "medvedev_visit_2015", "--seed", "1", "--rounds", "1", "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = out.read_bytes()
    small_disk.fill()
    again = small_disk.run("run", "medvedev_visit_2015", "--seed", "2", "--rounds", "3", "--out", str(out))
    one_line_error(again, str(out), f"could not be written: {small_disk.cause}; the earlier file is unchanged")
    assert out.read_bytes() == before
    assert not temp_files(small_disk.folder)


def test_schema_and_new_on_a_full_disk_write_nothing_partial(small_disk: SmallDisk) -> None:
    schema = small_disk.folder / "scenario.schema.json"
    schema.write_text('{"old": true}\n')
    small_disk.fill()
    failed = small_disk.run("schema", "--out", str(schema))
    one_line_error(failed, str(schema), small_disk.cause, "the earlier file is unchanged")
    assert schema.read_text() == '{"old": true}\n'
    starter = small_disk.folder / "my_class.yaml"
    failed = small_disk.run("new", str(starter))
    one_line_error(failed, str(starter), small_disk.cause, "no partial file was left")
    assert not starter.exists() and not temp_files(small_disk.folder)


def test_report_on_a_full_disk_keeps_the_earlier_report(small_disk: SmallDisk, finished_batch: Path) -> None:
    folder = small_disk.folder / "b"
    shutil.copytree(finished_batch, folder)
    first = small_disk.run("report", str(folder))
    assert first.returncode == 0, first.stderr
    written = [folder / "report.html", folder / "outcome_shares.csv", *folder.glob("figures/*")]
    kept = {p: p.read_bytes() for p in written}
    small_disk.fill()
    failed = small_disk.run("report", str(folder))
    one_line_error(failed, str(folder), small_disk.cause, "the earlier file is unchanged")
    assert {p: p.read_bytes() for p in kept} == kept
    assert not temp_files(folder)


def test_a_disk_that_fills_mid_batch_keeps_earlier_parts_and_resume_completes(
    tmpfs: Callable[[str], Path], tmp_path: Path
) -> None:
    disk = tmpfs("size=128k")  # room for the plan, the scenario data and a few 22 kB parts, not all six
    out = disk / "b"
    args = ["batch", *QUICK, "--runs", "12", "--workers", "1", "--chunk-size", "2"]
    failed = run_cli(*args, "--out", str(out))
    line = one_line_error(failed, "could not be written: no space left on device")
    parts = sorted((out / "summaries").glob("part-*.parquet"))
    assert 1 <= len(parts) < 6, "the disk filled part-way"
    assert f"{2 * len(parts)} of 12 runs finished and kept in {out}" in line
    assert f"complete them with: python run.py batch --resume --out {out}" in line
    for part in parts:
        assert pq.read_table(part).num_rows == 2  # every part that landed is whole
    assert not temp_files(out)
    _remount(disk, "size=4m")  # the user frees some space
    resumed = run_cli(*args, "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    whole = run_cli(*args, "--out", str(tmp_path / "whole"))
    assert resumed.stdout == whole.stdout
    pd.testing.assert_frame_equal(load_results(out), load_results(tmp_path / "whole"))
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert sessions[-1].get("status") == "complete"  # the first session may not have had room to record its end


# -- a read-only folder ------------------------------------------------------------------------------------


def test_a_read_only_folder_is_one_clear_line_for_every_command(
    tmpfs: Callable[[str], Path], finished_batch: Path
) -> None:
    disk = tmpfs("size=1m")
    shutil.copytree(finished_batch, disk / "b")
    (disk / "rows.csv").write_text("earlier,result\n")
    _remount(disk, "ro")
    cases = {
        ("run", "medvedev_visit_2015", "--seed", "1", "--rounds", "1", "--out", str(disk / "rows.csv")): (
            f"{disk / 'rows.csv'}: could not be written: the folder is read-only; the earlier file is unchanged"
        ),
        ("schema", "--out", str(disk / "s.json")): f"{disk / 's.json'}: could not be written: the folder is read-only",
        ("new", str(disk / "lesson.yaml")): f"{disk / 'lesson.yaml'}: could not be written: the folder is read-only",
        ("batch", *QUICK, "--runs", "2", "--workers", "1", "--out", str(disk / "new")): (
            f"{disk / 'new'}: cannot create the results folder: the folder is read-only"
        ),
        ("report", str(disk / "b")): "could not be created: the folder is read-only",
    }
    for args, message in cases.items():
        one_line_error(run_cli(*args), message)
    assert (disk / "rows.csv").read_text() == "earlier,result\n"


# -- the game's saves ------------------------------------------------------------------------------------------


@pytest.fixture
def app_factory(request: pytest.FixtureRequest) -> Callable[[Path], object]:
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    from sim.ui.app import App, Settings

    def make(save_dir: Path) -> App:
        app = App((1280, 720), Settings(baseline_runs=0), save_dir=save_dir)
        app.start_game("medvedev_visit_2015", "cambodia", seed=3)
        request.addfinalizer(app.quit)
        return app

    return make


def _play_round(app: object) -> None:
    game = app.game  # type: ignore[attr-defined]
    game.confirm_orders([])
    game.wait(timeout=30)
    assert game.session.round >= 1


@pytest.mark.ui
def test_saving_the_game_on_a_full_disk_says_why_and_keeps_the_previous_save(
    small_disk: SmallDisk, app_factory: Callable[[Path], object]
) -> None:
    app = app_factory(small_disk.folder)
    path = small_disk.folder / "lesson.json"
    assert app.save_game(path) == path  # type: ignore[attr-defined]
    before = path.read_bytes()
    _play_round(app)
    small_disk.fill()
    with small_disk.limited():
        assert app.save_game(path) is None  # type: ignore[attr-defined]
    toast = app.toast_text  # type: ignore[attr-defined]
    assert toast.startswith(f"Could not save: {path}: could not be written: {small_disk.cause}; the earlier file")
    assert toast.endswith("The game goes on unchanged.")
    assert path.read_bytes() == before and not temp_files(small_disk.folder)
    assert app.game.session.round == 1  # type: ignore[attr-defined]


@pytest.mark.ui
def test_saving_the_game_into_a_read_only_folder_says_so(
    tmpfs: Callable[[str], Path], app_factory: Callable[[Path], object]
) -> None:
    disk = tmpfs("ro")
    app = app_factory(disk / "saves")
    assert app.save_game() is None  # type: ignore[attr-defined]
    assert f"{disk / 'saves'}: could not be created: the folder is read-only" in app.toast_text  # type: ignore[attr-defined]


# -- Ctrl-C ------------------------------------------------------------------------------------------------------


def _start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python run.py ARGS`` in its own process group (Ctrl-C goes to the whole group).

    The child must see Ctrl-C as in a terminal even when the tests were started in the background of a
    non-interactive shell, which ignores SIGINT (an ignored signal is inherited across exec): SIGINT is
    handled, not ignored, here while the child starts, so the child's Python installs its own handler.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), *args],
            cwd=ROOT, env={**os.environ, **ENV, "PYTHONFAULTHANDLER": "1", **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)


def _ctrl_c(proc: subprocess.Popen[str]) -> tuple[str, str]:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        # Still running a minute after Ctrl-C: SIGABRT makes faulthandler (PYTHONFAULTHANDLER, set by _start)
        # print every thread's stack, which the failure shows.
        os.kill(proc.pid, signal.SIGABRT)
        try:
            _out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            err = "(no stacks: the process did not end on SIGABRT)"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the command did not end within 60 s of Ctrl-C; its stderr and stacks:\n{err}")
    return out, err


def _interrupted(proc: subprocess.Popen[str], err: str) -> str:
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: "), err
    return last


def test_ctrl_c_during_run_writes_nothing_and_keeps_the_earlier_file(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    out.write_text("earlier,result\n")
    # no --seed: the run says its seed on stderr just before it starts playing 400 rounds (seconds of work)
    proc = _start(["run", "medvedev_visit_2015", "--rounds", "400", "--out", str(out)])
    assert proc.stderr is not None
    seed_line = proc.stderr.readline()
    assert seed_line.startswith("seed: "), seed_line
    _out, err = _ctrl_c(proc)
    seed = seed_line.split()[1]
    assert _interrupted(proc, err) == f"interrupted: run stopped before it finished (seed {seed}); {out} is unchanged"
    assert out.read_text() == "earlier,result\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv"]


def test_ctrl_c_while_the_workers_start_prints_one_line_and_leaves_no_process(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group, the fork server and the workers it is starting included: the
    fork server imports the model for about a second before it would ignore SIGINT, and a worker being
    forked is not yet in the pool's table. Neither may print a traceback or outlive the driver."""
    import psutil

    out = tmp_path / "stopped"
    proc = _start(["batch", *QUICK, "--runs", "400", "--workers", "2", "--chunk-size", "4", "--out", str(out)])

    def fork_servers() -> list[psutil.Process]:
        found = []
        for child in psutil.Process(proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "forkserver" in " ".join(child.cmdline()):
                    found.append(child)
        return found

    deadline = time.monotonic() + 60
    while not (servers := fork_servers()) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    assert servers, "the batch started no fork server"
    time.sleep(0.2)  # the fork server is importing the model (about a second on these machines)
    family = {c.pid for c in psutil.Process(proc.pid).children(recursive=True)} | {s.pid for s in servers}
    _out, err = _ctrl_c(proc)
    line = _interrupted(proc, err)
    assert line.startswith("interrupted: batch stopped; "), err
    assert "Error" not in err, err
    survivors = [psutil.Process(pid) for pid in family if psutil.pid_exists(pid)]
    _gone, alive = psutil.wait_procs(survivors, timeout=10)
    for process in alive:
        process.kill()
    assert not alive, "processes outlived the interrupted batch"


def test_ctrl_c_during_batch_keeps_finished_parts_stops_workers_and_resume_completes(tmp_path: Path) -> None:
    import psutil

    out = tmp_path / "stopped"
    args = ["batch", *QUICK, "--runs", "400", "--workers", "2", "--chunk-size", "4"]
    proc = _start([*args, "--out", str(out)])
    deadline = time.monotonic() + 120
    family: set[int] = set()
    while not list(out.glob("summaries/part-*.parquet")) and time.monotonic() < deadline and proc.poll() is None:
        family |= {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
        time.sleep(0.01)
    family |= {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
    _out, err = _ctrl_c(proc)
    line = _interrupted(proc, err)
    parts = sorted(out.glob("summaries/part-*.parquet"))
    assert 1 <= len(parts) < 100, "stopped part-way (of 100 parts)"
    assert line == (
        f"interrupted: batch stopped; {4 * len(parts)} of 400 runs finished and kept in {out}; "
        f"complete them with: python run.py batch --resume --out {out}"
    )
    for part in parts:
        assert pq.read_table(part).num_rows == 4
    assert not temp_files(out)
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    survivors = [psutil.Process(pid) for pid in family if psutil.pid_exists(pid)]
    _gone, alive = psutil.wait_procs(survivors, timeout=10)
    for process in alive:
        process.kill()
    assert not alive, "worker processes outlived the interrupted batch"
    resumed = run_cli(*args, "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    whole = run_cli(*args, "--out", str(tmp_path / "whole"))
    assert resumed.stdout == whole.stdout
    pd.testing.assert_frame_equal(load_results(out), load_results(tmp_path / "whole"))
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.ui
def test_ctrl_c_during_play_saves_the_game_in_progress_as_a_new_save(tmp_path: Path, base_setup) -> None:
    from sim.play.session import GameSession, load_session
    from sim.ui import library

    game = GameSession.start(base_setup, "medvedev_visit_2015", 3, "cambodia")
    game.play_round({})
    game.play_round({})
    saves = tmp_path / "saves"
    mine = game.save(saves / "my-game.json")
    before = mine.read_bytes()
    proc = _start(["play", "--load", str(mine)], env={"PIVOT_SAVE_DIR": str(saves)})
    assert proc.stderr is not None
    opened = proc.stderr.readline()
    assert "Ctrl-C here saves the game in progress and quits" in opened, opened
    time.sleep(0.5)  # a few frames of the game loop
    _out, err = _ctrl_c(proc)
    line = _interrupted(proc, err)
    recovery = [p for p in saves.iterdir() if p.name != "my-game.json"]
    assert len(recovery) == 1 and recovery[0].name.startswith("medvedev_visit_2015-round02-interrupted-")
    assert line == f"interrupted: game saved to {recovery[0]}; continue with: python run.py play --load {recovery[0]}"
    restored = load_session(recovery[0], library.load_setup)
    assert restored.round == 2 and restored.digest() == game.digest()
    assert mine.read_bytes() == before, "the student's own save is never overwritten"
