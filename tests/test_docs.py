"""The documentation states figures the code actually produces."""

from __future__ import annotations

import re
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


GUIDE = ROOT / "docs" / "scenario-authoring.md"


def test_authoring_guide_reference_and_mistakes_are_in_step_with_the_code() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "scenario_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_guide_s_worked_example_validates_and_checks_as_quoted(tmp_path: Path) -> None:
    text = GUIDE.read_text()
    example = text.split("<!-- worked-example -->\n```yaml\n", 1)[1].split("```", 1)[0]
    quoted = text.split("<!-- worked-example-check -->\n```\n", 1)[1].split("```", 1)[0].splitlines()
    path = ROOT / "scenarios" / "eu_answer.yaml"
    assert not path.exists()
    copy = tmp_path / "eu_answer.yaml"
    copy.write_text(example)  # outside the library, extends: medvedev_visit_2015.yaml finds the library's file
    from tests.conftest import run_cli

    assert run_cli("validate", str(copy)).returncode == 0
    table = run_cli("run", str(copy), "--seed", "1").stdout
    assert "EVENT Brussels answers Moscow: The EU's foreign-policy chief visits Phnom Penh" in table
    assert "forced by an event" in table
    checked = run_cli("check", str(copy), "--runs", "40")
    assert checked.returncode == 0
    assert checked.stdout.splitlines()[1:] == quoted[1:], "the guide quotes check's output: update it"


def test_readme_has_a_writing_scenarios_section() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Writing scenarios" in readme and "docs/scenario-authoring.md" in readme
    for command in ("python run.py new", "python run.py validate", "python run.py check"):
        assert command in readme


def test_every_test_the_reliability_page_cites_exists() -> None:
    """docs/reliability.md names the tests behind each promise; a renamed or removed test fails here."""
    page = (ROOT / "docs" / "reliability.md").read_text()
    cited: list[tuple[str, str]] = []
    for row in page.splitlines():
        module = None
        for ref in re.findall(r"`([\w.]*::\w+|::\w+)`", row):
            file, _, name = ref.partition("::")
            module = file or module
            assert module is not None, f"{ref}: a test cited without its file"
            cited.append((module, name))
    assert len(cited) >= 40, "the page cites the tests behind every promise"
    missing = [
        f"{module}::{name}"
        for module, name in cited
        if not re.search(rf"^def {name}\(", (ROOT / "tests" / module).read_text(), re.MULTILINE)
    ]
    assert not missing, f"docs/reliability.md cites tests that do not exist: {missing}"
