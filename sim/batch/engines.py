"""Which engine plays many runs: the vector engine wherever it can play the scenario, else the Mesa model.

`batch`, `check`, `sensitivity` and `leverage` take ``--engine auto|vector|mesa``
(sim.cli.common.add_engine_option). Without it (``auto``) they play on the vector engine (sim.vector: the
same runs, draw for draw, several times faster) unless the scenario uses a feature it refuses, and then on
the Mesa model with one line saying why. Asking for ``vector`` explicitly on such a scenario is an error
naming the features.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sim.core import ModelSetup
from sim.errors import PivotError
from sim.vector import unsupported_features

ENGINES: tuple[str, ...] = ("vector", "mesa")
CHOICES: tuple[str, ...] = ("auto", *ENGINES)


class EngineError(PivotError, ValueError):
    """An engine that does not exist, or the vector engine asked for a scenario it cannot play."""


@dataclass(frozen=True, slots=True)
class EngineChoice:
    """The engine that plays, and the one line to show when ``auto`` fell back to the Mesa model."""

    engine: str
    note: str | None = None


def choose_engine(
    requested: str | None, setups: Iterable[ModelSetup | None], external: Sequence[int] = ()
) -> EngineChoice:
    """The engine for ``requested`` (None or "auto": vector where every setup is supported, else mesa)."""
    requested = requested or "auto"
    if requested not in CHOICES:
        raise EngineError(f"unknown engine {requested!r}; known: {', '.join(CHOICES)}")
    if requested == "mesa":
        return EngineChoice("mesa")
    problems: list[str] = []
    scenario = ""
    for setup in setups:
        if setup is None:
            continue
        scenario = scenario or setup.scenario_id
        problems += [p for p in unsupported_features(setup, external) if p not in problems]
    if not problems:
        return EngineChoice("vector")
    why = "; ".join(problems)
    if requested == "vector":
        raise EngineError(f"the vector engine cannot play {scenario}: {why} (use --engine mesa)")
    return EngineChoice("mesa", f"note: playing on the Mesa engine: the vector engine cannot play {scenario} ({why})")
