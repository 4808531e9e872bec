"""Build hook: put the top-level scenarios/ and assets/ into the wheel as sim/_data/ (configuration: pyproject.toml).

The repository keeps the scenario library and the game's assets at the top level, where instructors and
tools edit them; ``sim.library`` reads them from ``sim/_data/`` in an installed wheel (importlib.resources)
and from the top-level folders in a checkout or an editable install, so nothing is copied for those.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Top-level folders bundled into the package, and what is left out of them.
BUNDLED = ("scenarios", "assets")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildWithLibrary(build_py):
    """build_py that also copies the bundled folders into ``sim/_data/`` of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout's folders
            return
        for name in BUNDLED:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing: the wheel would have no {name}")
            target = Path(self.build_lib, "sim", "_data", name)
            shutil.rmtree(target, ignore_errors=True)  # a reused build/ folder must not keep deleted files
            shutil.copytree(source, target, ignore=IGNORED)


setup(cmdclass={"build_py": BuildWithLibrary})
