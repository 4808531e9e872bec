"""Every shipped scenario passes `validate --strict`: no unreachable event, no idle sweep, no stale inherited text."""

from __future__ import annotations

import pytest

from tests.conftest import SCENARIOS, run_cli

LIBRARY = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("name", LIBRARY)
def test_shipped_scenario_is_valid_under_strict(name: str) -> None:
    result = run_cli("validate", "--strict", str(SCENARIOS / f"{name}.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stdout + result.stderr
