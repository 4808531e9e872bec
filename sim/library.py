"""The scenario library and the game's assets: where they are (installed wheel or checkout) and which file a name means.

In the repository the top-level ``scenarios/`` and ``assets/`` folders are the source of truth; the build
(``setup.py``) copies them into the wheel as ``sim/_data/scenarios`` and ``sim/_data/assets``, read here
through :mod:`importlib.resources`. A checkout or an editable install has no ``sim/_data``, so the
folders beside the package are used. Every command, the batch engine, the game and the RL environments
resolve scenario names with :func:`resolve`, so a name means the same file everywhere.
"""

from __future__ import annotations

import atexit
import contextlib
import difflib
import os
from importlib import resources
from pathlib import Path

#: The scenario the game opens and the RL environments play when none is named.
DEFAULT_SCENARIO = "medvedev_visit_2015"
#: The JSON Schema of scenario files, kept in the library folder (``python run.py schema --out`` writes it).
SCHEMA_NAME = "scenario.schema.json"
#: Suffixes that make an argument a file path rather than a library name.
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")

_CHECKOUT = Path(__file__).resolve().parents[1]
_unpacked = contextlib.ExitStack()  # only used when the package is imported from a zip archive
_unpacked_registered: list[bool] = []


def _folder(name: str) -> tuple[Path, bool]:
    """``sim/_data/NAME`` of an installed wheel (and True), else the checkout's top-level ``NAME/`` (and False)."""
    packaged = resources.files("sim").joinpath("_data", name)
    if packaged.is_dir():
        if isinstance(packaged, Path):
            return packaged.resolve(), True
        # imported from a zip archive: unpack the folder once for this process (removed at exit)
        if not _unpacked_registered:
            atexit.register(_unpacked.close)
            _unpacked_registered.append(True)
        return Path(_unpacked.enter_context(resources.as_file(packaged))), True
    return _CHECKOUT / name, False


SCENARIO_DIR, PACKAGED = _folder("scenarios")
#: The game's map and fonts (with their licences: assets/README.md, assets/fonts/LICENSE-DejaVu.txt).
ASSETS_DIR, _ = _folder("assets")
SCHEMA_FILE = SCENARIO_DIR / SCHEMA_NAME


def names(folder: Path = SCENARIO_DIR) -> list[str]:
    """The library's scenario names (file stems), sorted."""
    return sorted(p.stem for p in folder.glob("*.yaml") if p.is_file())


def files(folder: Path = SCENARIO_DIR) -> list[Path]:
    """The library's scenario files, by name."""
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def looks_like_path(text: str) -> bool:
    """Whether a scenario argument is a path (a folder part or a scenario suffix) rather than a library name."""
    return Path(text).suffix in SCENARIO_SUFFIXES or "/" in text or os.sep in text


def resolve(name_or_path: str | os.PathLike[str]) -> Path:
    """The file a scenario argument means: a path as given, or the library scenario of that name.

    A path is anything with a folder part or a ``.yaml``/``.yml``/``.json`` suffix, or an existing file; it is
    returned unchecked, so reading it reports a missing file with its name. Any other text is a library
    name; an unknown one raises ScenarioError naming the closest match and the whole library.
    """
    text = os.fspath(name_or_path)
    path = Path(text)
    if looks_like_path(text) or path.exists():
        return path
    candidate = SCENARIO_DIR / f"{text}.yaml"
    if candidate.is_file():
        return candidate
    from sim.scenario.errors import ScenarioError  # noqa: PLC0415 - sim.scenario imports this module

    known = names()
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ScenarioError.single(
        text, f"no such scenario file or library scenario{hint}; library: {', '.join(known) or '(empty)'}"
    )


def in_library(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file of the library folder itself (links followed)."""
    return Path(os.path.realpath(path)).parent == Path(os.path.realpath(SCENARIO_DIR))


def new_scenario_folder() -> Path:
    """Where ``new NAME`` writes: the library in a checkout; the working folder when Pivot is installed."""
    return Path() if PACKAGED else SCENARIO_DIR
