"""The command line as shells and scripts use it: completion scripts, --quiet/--verbose, progress on check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli


def complete(script: Path, *words: str, cwd: Path) -> list[str]:
    """What bash offers for the last of ``words`` (``pivot`` first), with the generated script loaded."""
    line = " ".join(words)
    program = (
        f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; COMP_LINE='{line}'; "
        'COMP_POINT=${#COMP_LINE}; _shtab_pivot; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(["bash", "-c", program], cwd=cwd, capture_output=True, text=True, check=False, timeout=30)
    assert result.returncode == 0, result.stderr
    return sorted(x for x in result.stdout.splitlines() if x)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_offers_commands_options_scenarios_and_files(tmp_path: Path) -> None:
    result = run_cli("completion", "bash")
    assert result.returncode == 0, result.stderr
    script = tmp_path / "pivot.bash"
    script.write_text(result.stdout)
    (tmp_path / "lesson.yaml").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert complete(script, "pivot", "ba", cwd=tmp_path) == ["batch"]
    assert complete(script, "pivot", "run", "med", cwd=tmp_path) == ["medvedev_visit_2015"]
    assert complete(script, "pivot", "check", "l", cwd=tmp_path) == ["lesson.yaml"], "scenario files, not others"
    assert complete(script, "pivot", "batch", "tutorial", "--ru", cwd=tmp_path) == ["--runs"]
    assert "--quiet" in complete(script, "pivot", "batch", "tutorial", "--", cwd=tmp_path)
    assert complete(script, "pivot", "completion", "", cwd=tmp_path) == ["bash", "zsh"]


def test_zsh_completion_is_a_compdef_script() -> None:
    result = run_cli("completion", "zsh")
    assert result.returncode == 0
    assert result.stdout.startswith("#compdef pivot")
    assert "medvedev_visit_2015" in result.stdout and "_pivot_scenarios" in result.stdout


def test_completion_names_a_shell() -> None:
    result = run_cli("completion", "fish")
    assert result.returncode == 2
    assert "argument shell: invalid choice: 'fish' (choose from " in result.stderr
    assert "bash" in result.stderr and "zsh" in result.stderr


def test_batch_quiet_prints_only_the_result_line(tmp_path: Path) -> None:
    args = ("batch", "tutorial", "--runs", "3", "--seed", "4", "--progress", "lines")
    quiet = run_cli(*args, "--out", str(tmp_path / "q"), "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == ""
    out = tmp_path / "q"
    assert quiet.stderr == f"results: {out} (3 runs, 0 failed); plots: python run.py report {out}\n"
    normal = run_cli(*args, "--out", str(tmp_path / "n"))
    assert "point 0: base scenario  (3 runs)" in normal.stdout
    assert "plan: tutorial (" in normal.stderr and "batch: 3/3 runs (100 %)" in normal.stderr
    both = run_cli(*args, "--out", str(tmp_path / "b"), "-q", "-v")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_check_shows_progress_and_its_quiet_and_verbose_forms() -> None:
    args = ("check", "tutorial", "--runs", "20", "--seed", "3")
    normal = run_cli(*args, "--progress", "lines")
    assert normal.returncode in (0, 1), normal.stderr  # 1: an expectation not shown with so few runs
    lines = normal.stderr.splitlines()
    # tutorial compares with its base, so the base plays the same 20 seeds: 40 runs in all
    assert lines[0] == "check: 40 runs to play"
    assert lines[-1].startswith("check: 40/40 runs (100 %), ")
    quiet = run_cli(*args, "--quiet")
    assert quiet.returncode == normal.returncode and quiet.stderr == ""
    verdict = normal.stdout.splitlines()[-1]
    passed = [line for line in normal.stdout.splitlines() if line.startswith("  PASS")]
    # --quiet keeps only the expectations not shown and the verdict (no header, no passes, no event rates)
    failed = [line for line in normal.stdout.splitlines() if line.startswith("  FAIL")]
    assert passed and quiet.stdout.splitlines() == [*failed, verdict]
    assert any(line.startswith("events fired") for line in normal.stdout.splitlines())
    verbose = run_cli(*args, "--verbose", "--progress", "none")
    assert "Wilson score interval of the share over 20 runs" in verbose.stdout
    assert "paired t interval of the difference" in verbose.stdout
    details = [line for line in verbose.stdout.splitlines() if not line.startswith("        ")]
    assert details == normal.stdout.splitlines()
