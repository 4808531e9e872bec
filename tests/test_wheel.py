"""The wheel as a user installs it: built from the sdist, installed in a fresh venv, run from an unrelated folder.

Slow (about a minute: the build, then `play --screenshot` draws every scene twice) and offline: the build
uses this venv's setuptools (``--no-isolation``) and the fresh venv gets only the wheel (``--no-deps``),
seeing this venv's dependencies through a ``.pth`` line, so nothing is downloaded. PYTHONPATH is
cleared, so the commands import the installed copy, never this checkout (checked by the first test).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, SCENARIOS, run_cli

pytestmark = pytest.mark.slow

#: What the source copy leaves out: local state that a clean clone does not have.
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "*.egg-info", "build", "dist", "results", "__pycache__", ".*_cache", ".hypothesis", "screenshots"
)
LIBRARY_FILES = sorted(p.name for p in SCENARIOS.iterdir() if p.suffix in (".yaml", ".json"))
ASSET_FILES = ("world_map.json", "fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf", "fonts/LICENSE-DejaVu.txt")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    bin: Path  # the fresh venv's bin folder
    site: Path  # its site-packages
    work: Path  # an empty folder outside the checkout, where commands run

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run a program of the venv (``pivot``, ``python``) in the work folder, as a user's shell would."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        env |= {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PATH": f"{self.bin}{os.pathsep}{env['PATH']}"}
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _check(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout[-2000:]}\nstderr: {result.stderr}"
    return result


def _sh(*command: str | Path, timeout: float = 600) -> str:
    """Run a build step here; its standard output (a failure shows both streams)."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, check=False)
    return _check(result).stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv, work = base / "src", base / "dist", base / "venv", base / "work"
    shutil.copytree(ROOT, source, ignore=SKIP)
    work.mkdir()
    # sdist first, then the wheel from the unpacked sdist (what `pip install pivot-sim` from an sdist does)
    _sh(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    _sh(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_sh(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip())
    # the fresh venv sees this venv's dependencies (after its own site-packages), but not its editable Pivot:
    # a .pth line adds a folder to sys.path without running the .pth files (the editable hook) inside it
    deps = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "zz_shared_dependencies.pth").write_text("".join(f"{d}\n" for d in deps))
    _sh(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel)
    return Installed(wheel, sdist, venv / "bin", site, work)


def test_the_wheel_and_sdist_carry_the_library_assets_and_licences(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for name in LIBRARY_FILES:
        assert f"sim/_data/scenarios/{name}" in names
    for name in ASSET_FILES:
        assert f"sim/_data/assets/{name}" in names
    licences = {n.split(".dist-info/licenses/", 1)[1] for n in names if ".dist-info/licenses/" in n}
    assert licences == {"LICENSE", "assets/README.md", "assets/fonts/LICENSE-DejaVu.txt"}
    assert not any("__pycache__" in n for n in names)
    with tarfile.open(installed.sdist) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    assert {"LICENSE", "setup.py", "scenarios/medvedev_visit_2015.yaml", "assets/fonts/DejaVuSans.ttf"} <= members


def test_commands_use_the_installed_copy_not_the_checkout(installed: Installed) -> None:
    code = "import sim, sim.library as l; print(sim.__file__); print(l.SCENARIO_DIR); print(l.ASSETS_DIR)"
    lines = _check(installed.run("python", "-c", code)).stdout.split()
    assert all(Path(line).is_relative_to(installed.site) for line in lines), lines
    assert Path(lines[1]).name == "scenarios" and Path(lines[2]).name == "assets"


def test_usage_lines_name_pivot(installed: Installed) -> None:
    assert _check(installed.run("pivot", "--help")).stdout.startswith("usage: pivot ")
    bad = installed.run("pivot", "run", "--seed", "x")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: pivot run: argument --seed") and "(see: pivot run --help)" in bad.stderr


def test_scenarios_lists_the_shipped_library(installed: Installed) -> None:
    out = _check(installed.run("pivot", "scenarios")).stdout
    assert out.startswith(f"Scenario library ({len(list(SCENARIOS.glob('*.yaml')))} in ")
    for path in SCENARIOS.glob("*.yaml"):
        assert f"  {path.stem}  " in out


def test_run_output_is_byte_identical_to_the_checkouts(installed: Installed) -> None:
    args = ("run", "medvedev_visit_2015", "--seed", "1", "--format", "json")
    from_wheel = _check(installed.run("pivot", *args)).stdout
    from_checkout = run_cli(*args)
    assert from_checkout.returncode == 0, from_checkout.stderr
    assert from_wheel == from_checkout.stdout
    assert json.loads(from_wheel)["rounds"]


def test_an_unknown_name_is_one_line_naming_the_library(installed: Installed) -> None:
    result = installed.run("pivot", "run", "medvedev_visit_2105")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1
    assert "did you mean 'medvedev_visit_2015'?" in result.stderr and "tutorial" in result.stderr


def test_new_writes_in_the_working_folder_and_validates(installed: Installed) -> None:
    _check(installed.run("pivot", "new", "lesson"))
    _check(installed.run("pivot", "new", "lesson_overlay", "--from", "medvedev_visit_2015"))
    overlay = (installed.work / "lesson_overlay.yaml").read_text()
    assert "extends: medvedev_visit_2015" in overlay
    schema_line = overlay.splitlines()[0]
    assert schema_line.startswith("# yaml-language-server: $schema=")
    assert (installed.work / schema_line.split("=", 1)[1]).resolve().is_file()
    out = _check(installed.run("pivot", "validate", "lesson.yaml", "lesson_overlay.yaml")).stdout
    assert "2 valid, 0 with problems" in out
    _check(installed.run("pivot", "run", "lesson_overlay.yaml", "--seed", "2"))


def test_batch_on_a_library_name(installed: Installed) -> None:
    import pyarrow.parquet as pq

    _check(installed.run("pivot", "batch", "tutorial", "--runs", "4", "--seed", "3", "--out", "res"))
    table = pq.read_table(installed.work / "res" / "summaries")
    assert table.num_rows == 4
    assert set(table.column("status").to_pylist()) == {"ok"}


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_play_screenshots_draw_with_the_shipped_fonts_and_map(installed: Installed) -> None:
    _check(installed.run("pivot", "play", "--screenshot", "shots"))
    shots = sorted((installed.work / "shots").glob("*.png"))
    # names are SCENE_WxH_TEXTSIZE.png (docs/ui.md)
    assert {p.stem.rsplit("_", 2)[0] for p in shots} >= {"briefing", "watch", "debrief"}
    for path in shots:
        width, height = _png_size(path)
        assert f"_{width}x{height}_" in path.stem
        # the hot-seat hand-over screen is plain on purpose (it hides the last player's orders)
        least = 8_000 if path.stem.startswith("handover") else 20_000
        assert path.stat().st_size > least, f"{path.name} looks empty"


def test_gymnasium_makes_the_library_environments(installed: Installed) -> None:
    code = (
        "import gymnasium, sim.rl\n"
        "env = gymnasium.make('Pivot/medvedev_visit_2015-v0')\n"
        "obs, info = env.reset(seed=1)\n"
        "print(env.spec.id, obs.shape)\n"
        "print(gymnasium.make('sim.rl:Pivot/tutorial-v0').spec.id)\n"
    )
    out = _check(installed.run("python", "-c", code)).stdout.splitlines()
    assert out[0].startswith("Pivot/medvedev_visit_2015-v0 (")
    assert out[1] == "Pivot/tutorial-v0"
