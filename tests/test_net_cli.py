"""`run.py host` and `run.py join` as a class uses them: codes file, bots, a host killed and resumed, bad arguments."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.net.client import run_bot
from sim.play.session import load_session
from sim.ui.library import load_setup
from tests.conftest import ROOT, run_cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_host(*args: str, out: Path) -> subprocess.Popen[str]:
    """Start a host whose output goes to ``out`` (a file, closed here: the child keeps its own copy)."""
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    with out.open("w") as handle:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "host", *args, "--headless", "--interface", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )


def wait_for(check: object, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def record_round(path: Path) -> int:
    try:
        return int(json.loads(path.read_text())["round"])
    except (OSError, ValueError, KeyError):
        return -1


def test_a_host_killed_mid_game_resumes_and_the_bots_finish_the_game(tmp_path: Path) -> None:
    port, codes, record = free_port(), tmp_path / "codes.json", tmp_path / "class.json"
    first = start_host(
        "tutorial", "--port", str(port), "--seed", "9", "--turn-seconds", "1.5", "--record", str(record),
        "--codes", str(codes), "--exit-when-done", out=tmp_path / "host1.out",
    )  # fmt: skip
    resumed: subprocess.Popen[str] | None = None
    try:
        wait_for(codes.exists, 60, "the codes file")
        seats = json.loads(codes.read_text())["seats"]
        address = json.loads(codes.read_text())["address"]
        assert address == f"127.0.0.1:{port}" and len(seats) == 6

        async def play() -> list[object]:
            nonlocal resumed
            # five teams play; asean never connects before the crash, so each round waits for the timer
            bots = [
                asyncio.create_task(run_bot(address, a, seats[a], "random", seed=k, retries=60))
                for k, a in enumerate(seats)
                if a != "asean"
            ]
            while record_round(record) < 2:
                await asyncio.sleep(0.05)
            first.send_signal(signal.SIGKILL)  # the instructor's laptop crashes mid-game
            first.wait(10)
            resumed = start_host(
                "--resume", str(record), "--port", str(port), "--turn-seconds", "20", "--exit-when-done",
                out=tmp_path / "host2.out",
            )  # fmt: skip
            while "Teams join with" not in (tmp_path / "host2.out").read_text():
                await asyncio.sleep(0.05)
            bots.append(asyncio.create_task(run_bot(address, "asean", seats["asean"], "pass", retries=60)))
            return await asyncio.wait_for(asyncio.gather(*bots), 90)

        logs = asyncio.run(play())
        assert resumed is not None and resumed.wait(30) == 0
    finally:
        for process in (first, resumed):
            if process is not None and process.poll() is None:
                process.kill()
            if process is not None:
                process.wait(10)
    assert all(log.over is not None and log.over.round == 4 for log in logs)  # type: ignore[attr-defined]
    assert sum(log.reconnects for log in logs) >= 5, "the five connected teams reconnected to the resumed host"  # type: ignore[attr-defined]
    replayed = load_session(record, load_setup)
    assert replayed.round == 4
    saved = json.loads(record.read_text())
    assert saved["digest"] == replayed.digest()
    log2 = (tmp_path / "host2.out").read_text()
    assert "Teams join with" in log2 and seats["cambodia"] in log2, "the resumed host keeps the codes"


def test_bad_arguments_give_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (("host",), "which scenario?"),
        (("host", "no_such_scenario"), "no_such_scenario"),
        (("host", "tutorial", "--rounds", "99"), "--rounds must be from 1 to the scenario's 4"),
        (("host", "tutorial", "--ai-seats", "atlantis"), "--ai-seats atlantis: no such actor"),
        (("host", "tutorial", "--turn-seconds", "-3"), "--turn-seconds"),
        (("host", "tutorial", "--port", "70000"), "--port"),
        (("host", "tutorial", "--resume", "x.json"), "not both"),
        (("host", "--resume", "missing.json"), "no such save file"),
        (("join", "nowhere", "--as", "us", "--code", "X", "--bot", "pass"), "is not HOST:PORT"),
        (("join", "127.0.0.1:9", "--as", "us", "--code", "X", "--bot", "dance"), "invalid choice"),
    ]
    for args, expected in cases:  # in this process (each would take seconds to start): the same main()
        assert main(list(args)) != 0, args
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in err, (args, err)


def test_join_reports_an_unreachable_host_in_one_line() -> None:
    result = run_cli("join", f"127.0.0.1:{free_port()}", "--as", "us", "--code", "X", "--bot", "pass", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: join: us: gave up after")
    assert "Traceback" not in result.stderr
