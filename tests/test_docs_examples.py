"""The guide's example scenarios (docs/examples/*.yaml) pass `validate --strict` and `check`, as an instructor runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.yaml"))


def test_there_are_the_four_kinds_of_example() -> None:
    assert {p.stem for p in EXAMPLES} >= {"crackdown_2017", "japan_india", "rcep_trade_sweep", "classroom_six_teams"}


def test_every_example_validates_strictly() -> None:
    result = run_cli("validate", "--strict", *(str(p) for p in EXAMPLES))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_passes_check(example: Path) -> None:
    result = run_cli("check", str(example), "--runs", "40", "--workers", "1", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith(" shown, 0 not shown")
