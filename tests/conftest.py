"""Shared fixtures: the base scenario, its setup, and helpers that run the CLI in this process or in a fresh one.

``run_cli`` calls ``sim.cli.main(argv)`` in the test's process with its own stdout, stderr, stdin, working folder
and the interpreter's default warning filters, and hands back what a child process would (exit code, both
streams; an uncaught exception becomes a traceback on stderr and exit code 1, as ``python run.py`` shows it).
It saves the ~1.5 s of imports a new interpreter pays per command. ``run_process`` runs ``python run.py`` in a
new process: for tests about processes (signals, environment read at start-up, two processes, worker deaths,
resource limits, what a shell sees).
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import signal
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import pytest

from sim.core import ModelSetup
from sim.scenario import Scenario, build_setup, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASE_FILE = SCENARIOS / "medvedev_visit_2015.yaml"


@pytest.fixture(scope="session")
def base_scenario() -> Scenario:
    return load_scenario(BASE_FILE)


@pytest.fixture(scope="session")
def base_setup(base_scenario: Scenario) -> ModelSetup:
    return build_setup(base_scenario)


#: Modules that each keep one xdist worker busy longest (a screenshot run of every scene, fuzzers, fault and
#: reliability tests with real processes). They are handed out first: with ``--dist loadscope`` each module goes
#: whole to one worker, in collection order, so a long module collected last would leave the other worker idle.
LONGEST_FIRST = (
    "test_ui_screenshots.py",
    "test_reliability_round_two.py",
    "test_fuzz.py",
    "test_faults.py",
    "test_batch_cli.py",
    "test_research.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect LONGEST_FIRST's modules first (in that order); every other test keeps its place."""
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


#: The warning filters of a fresh interpreter (pytest turns warnings into errors per test; a child does not).
_PROCESS_WARNING_FILTERS = list(warnings.filters)


def run_process(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python run.py ARGS`` in a new process, as a user would, and capture its output."""
    full_env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``python run.py ARGS`` as ``sim.cli.main(ARGS)`` in this process and capture what a child would show.

    ``env`` is set in ``os.environ`` for the call only: it reaches what the command reads while it runs, not what
    was read once at import nor a worker process started from a fork server that already runs (use
    ``run_process`` for those). A command still running after ``timeout`` seconds is a hang: the test process
    dumps every thread's stack and exits, and pytest-xdist reports the test as crashed.
    """
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    changed = {**{"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}, **(env or {})}
    saved_env = {name: os.environ.get(name) for name in changed}
    saved_cwd, saved_argv, saved_sigint = Path.cwd(), sys.argv, signal.getsignal(signal.SIGINT)
    saved_stdin = sys.stdin
    try:
        os.environ.update(changed)
        os.chdir(cwd)
        sys.argv = [str(ROOT / "run.py"), *args]
        sys.stdin = io.StringIO(stdin)
        faulthandler.dump_traceback_later(timeout, exit=True)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.filters[:] = _PROCESS_WARNING_FILTERS
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's --help and --version exit; so would a command that calls exit
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if exc.code is not None and not isinstance(exc.code, int):
                    print(exc.code, file=sys.stderr)
            except Exception:  # what the interpreter does with an uncaught exception
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
    finally:
        faulthandler.cancel_dump_traceback_later()
        sys.stdin = saved_stdin
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        signal.signal(signal.SIGINT, saved_sigint)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    command = [sys.executable, str(ROOT / "run.py"), *args]
    return subprocess.CompletedProcess(command, code, out.getvalue(), err.getvalue())


@pytest.fixture
def app(tmp_path: Path):
    """A game window at 1280x720 (SDL dummy driver) on the title menu, closed after the test (see ui_driver)."""
    from ui_driver import make_app

    window = make_app(tmp_path)
    yield window
    window.quit()
