"""The scenario library as the title menu lists it: each file's title, summary and playable actors, or its error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim import library
from sim.core import ModelSetup
from sim.library import SCENARIO_DIR
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.calibration import load_setup as load_calibrated

TUTORIAL = "tutorial"  # the library's guided first game, listed first


@dataclass(frozen=True, slots=True)
class ScenarioEntry:
    """One scenario file of the library: enough to list it and start it, or why it cannot be played."""

    ref: str  # library name (file stem) or path, as a save file records it
    path: Path
    title: str
    summary: str
    playable: tuple[tuple[str, str, str], ...]  # (actor id, name, colour)
    rounds: int = 0
    error: str = ""  # first problem of a file that does not load (the others still list)


def resolve(ref: str | Path) -> Path:
    """The file of a library name (``medvedev_visit_2015``) or a path (ScenarioError for an unknown name)."""
    return library.resolve(ref)


def reference(path: Path) -> str:
    """How a save file names a scenario: its library name when it lives in the library, else its path."""
    resolved = path.resolve()
    return resolved.stem if library.in_library(resolved) else str(resolved)


def load_setup(ref: str | Path) -> ModelSetup:
    """Load and build a scenario (raises ScenarioError with located problems)."""
    path = resolve(ref)
    if not path.exists():
        raise ScenarioError.single(str(ref), "no such scenario file or library scenario")
    return load_calibrated(path)


def entry_for(path: Path) -> ScenarioEntry:
    """Describe one scenario file; a broken file becomes an entry carrying its first error (Swarm's lesson)."""
    try:
        setup = load_setup(path)
    except ScenarioError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        return ScenarioEntry(reference(path), path, path.stem, "", (), error=first)
    playable = tuple((a.id, a.name, a.colour) for a in setup.actors if a.playable)
    if not playable:  # a scenario that marks no actor playable can still be played as its focal actor
        focal = setup.actors[setup.scoring.focal]
        playable = ((focal.id, focal.name, focal.colour),)
    return ScenarioEntry(reference(path), path, setup.title, setup.summary, playable, setup.rounds)


def scan(folder: Path = SCENARIO_DIR) -> list[ScenarioEntry]:
    """Every scenario in ``folder``: the tutorial first (a first game starts there), then loadable ones, by title."""
    entries = [entry_for(p) for p in sorted(folder.glob("*.yaml"))]
    return sorted(entries, key=lambda e: (bool(e.error), e.path.stem != TUTORIAL, e.title.lower()))


def sources(ref: str | Path) -> list[tuple[str, str, str]]:
    """The scenario's cited sources as (key, full citation, url or ""), in the file's order (none if unreadable)."""
    try:
        scenario = load_scenario(resolve(ref))
    except (ScenarioError, OSError):
        return []
    return [(s.id, s.citation, s.url or "") for s in scenario.meta.sources]
