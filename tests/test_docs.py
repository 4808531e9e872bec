"""The documentation states figures the code actually produces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_model_doc_shows_the_current_unga_comparison() -> None:
    printed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "unga_comparison.py")], capture_output=True, text=True, check=True
    ).stdout
    doc = (ROOT / "docs" / "model.md").read_text()
    for line in printed.strip().splitlines():
        assert line in doc, f"docs/model.md is out of date: {line!r} (run python tools/unga_comparison.py)"


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make play" in readme and "make test" in readme
