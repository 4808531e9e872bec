"""Dependencies: requirements.lock pins exactly what `make` installs, and docs/decisions.md says why each is here."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK_LINES = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if line.strip()]
#: Installed by `python -m venv` and `make` itself, not by the project: pip upgrades itself first.
#: (setuptools is a dev dependency, pinned like the others: tests/test_wheel.py builds with it.)
TOOLING = {"pip", "wheel"}


def normalise(name: str) -> str:
    """PEP 503 name: case and runs of - _ . do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return normalise(match[1])


def direct_dependencies() -> dict[str, str]:
    """Every dependency pyproject.toml lists (required and every extra) -> its group."""
    out = {requirement_name(r): "required" for r in PYPROJECT["project"]["dependencies"]}
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items():
        out.update({requirement_name(r): extra for r in requirements})
    return out


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK_LINES:
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)", line)
        assert match, f"requirements.lock: {line!r} is not an exact pin NAME==VERSION"
        assert normalise(match[1]) not in pins, f"requirements.lock pins {match[1]} twice"
        pins[normalise(match[1])] = match[2]
    return pins


def test_the_lock_pins_exact_versions_once_each_in_order() -> None:
    pins = locked()
    assert len(pins) == len(LOCK_LINES) > 20
    assert sorted(LOCK_LINES) == LOCK_LINES, "make lock writes it sorted (C locale); keep it so diffs stay readable"


def test_every_direct_dependency_is_locked() -> None:
    missing = sorted(set(direct_dependencies()) - set(locked()))
    assert missing == [], f"in pyproject.toml but not pinned in requirements.lock (run make lock): {missing}"


def test_the_environment_is_exactly_the_lock() -> None:
    """Every distribution installed here (the .venv `make` built) is pinned, at the pinned version, and vice versa."""
    installed = {
        normalise(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if normalise(d.metadata["Name"]) not in TOOLING | {"pivot-sim"}
    }
    pins = locked()
    unpinned = sorted(set(installed) - set(pins))
    assert unpinned == [], f"installed but not in requirements.lock (run make lock): {unpinned}"
    differ = sorted(f"{n} {installed[n]} installed, {pins[n]} locked" for n in installed if installed[n] != pins[n])
    assert differ == []
    assert sorted(set(pins) - set(installed)) == [], "pinned but not installed: the lock has a stale entry"


def test_make_installs_and_locks_the_same_extras() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"pip install --quiet(?: -c \$\(LOCK\))? -e '\.\[([a-z,]+)\]'", makefile)
    assert len(installs) == 2, "one install line (make's .venv) and one in make lock"
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    assert all(set(group.split(",")) == extras for group in installs), "both must name every extra"
    assert "-c $(LOCK)" in makefile and "pip freeze --exclude-editable | LC_ALL=C sort > $(LOCK)" in makefile


def test_decisions_give_a_reason_for_every_direct_dependency() -> None:
    text = (ROOT / "docs" / "decisions.md").read_text()
    table = text.split("## Dependencies", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:3] for line in table.splitlines()[2:] if line.startswith("|")]
    assert rows and all(reason.strip() for _, reason in rows), "every row says why"
    named = " ".join(package for package, _ in rows).lower()
    missing = [
        name
        for name in direct_dependencies()
        if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", named.replace("_", "-"))
    ]
    assert missing == [], f"docs/decisions.md's dependency table has no row for {missing}"


def test_make_lock_is_documented() -> None:
    assert "make lock" in (ROOT / "README.md").read_text()
    assert "make lock" in (ROOT / "docs" / "decisions.md").read_text()
