"""Shared fixtures: the base scenario, its setup, and a helper that runs the CLI in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
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


def run_cli(
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


@pytest.fixture
def app(tmp_path: Path):
    """A game window at 1280x720 (SDL dummy driver) on the title menu, closed after the test (see ui_driver)."""
    from ui_driver import make_app

    window = make_app(tmp_path)
    yield window
    window.quit()
