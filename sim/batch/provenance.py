"""Provenance of a batch: the git commit and dirty flag, and the version of every package that can change results.

``provenance()`` goes into each results folder's ``manifest.json`` so that a paper can state exactly what
produced its numbers. A checkout's commit is read with ``git`` when it is on the PATH and the package
lives in a git work tree; an installed copy records ``"git": null``.
"""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import __version__

PACKAGE_ROOT = Path(__file__).resolve().parents[2]

#: Distributions whose version can change a batch's numbers, tables or figures (name as pip knows it).
RESULT_PACKAGES: tuple[str, ...] = (
    "numpy",
    "mesa",
    "pandas",
    "pyarrow",
    "pydantic",
    "pyyaml",
    "scipy",
    "SALib",
    "matplotlib",
    "networkx",
    "distributed",
    "dask",
)


def package_versions() -> dict[str, str | None]:
    """Installed version of each of RESULT_PACKAGES (None when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in RESULT_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@lru_cache(maxsize=1)
def git_state(root: str = str(PACKAGE_ROOT)) -> dict[str, Any] | None:
    """``{"commit", "branch", "dirty", "changed"}`` of the checkout the code runs from, or None outside one.

    ``dirty`` is true when a tracked file differs from the commit (untracked files are listed in
    ``changed`` but do not count: results folders and notes often live in a checkout).
    """

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no") or ""
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    return {
        "commit": commit,
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(changed),
        "changed": changed[:50],
    }


def provenance() -> dict[str, Any]:
    """Everything about the software that produced a batch: engine, Python, packages, git checkout."""
    return {
        "engine": f"pivot {__version__}",
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": package_versions(),
        "git": git_state(),
    }
