"""The scenario format's sweeps (`sweep:`): the parameters and values the batch runner varies."""

from __future__ import annotations

import math
import re

from pydantic import Field, model_validator

from sim.scenario.fields import Strict
from sim.scenario.schema_events import only_one

_PATH = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")


class SweepRange(Strict):
    low: float = Field(description="First value.", examples=[0.0])
    high: float = Field(description="Last value.", examples=[1.0])
    steps: int = Field(ge=2, le=1000, description="Number of evenly spaced values, ends included.", examples=[5])


class SweepParameter(Strict):
    """One parameter the batch runner varies: a dotted path into the scenario and its values."""

    path: str = Field(
        pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$",
        description="Dotted path into the scenario data (list items by number).",
        examples=["actors.russia.policy.tau"],
    )
    values: list[float | int | bool | str] | None = Field(
        None, min_length=1, description="The values to try.", examples=[[0.05, 0.15, 0.5]]
    )
    range: SweepRange | None = Field(
        None, description="Evenly spaced values from low to high.", examples=[{"low": 0.0, "high": 1.0, "steps": 5}]
    )
    together: list[str] = Field(
        default_factory=list,
        description=(
            "More dotted paths that take the same value as `path` at every point (a linked sweep, like batch"
            " --sweep-together): e.g. the EU's sanctions beside the US's."
        ),
        examples=[["sanctions.eu.russia"]],
    )

    @model_validator(mode="after")
    def _one_form(self) -> SweepParameter:
        only_one(
            "a sweep parameter", [k for k in ("values", "range") if getattr(self, k) is not None], ("values", "range")
        )
        for linked in self.together:
            if not _PATH.fullmatch(linked):
                raise ValueError(f"together: {linked!r} is not a dotted path (letters, digits, _ and dots)")
            if linked == self.path or self.together.count(linked) > 1:
                raise ValueError(f"together: {linked!r} is named twice in this sweep parameter")
        return self

    @property
    def paths(self) -> list[str]:
        """Every path this parameter sets: its own, then the ones swept together with it."""
        return [self.path, *self.together]

    def points(self) -> list[float | int | bool | str]:
        """The values in order; a range of whole numbers with whole steps gives ints (for fields such as rounds)."""
        if self.values is not None:
            return list(self.values)
        assert self.range is not None
        low, high, steps = self.range.low, self.range.high, self.range.steps
        step = (high - low) / (steps - 1)
        points = [low + k * step for k in range(steps - 1)] + [high]
        if all(float(x).is_integer() for x in (low, high, step)):
            return [round(x) for x in points]
        return [round(x, 12) if math.isfinite(x) else x for x in points]


class Sweep(Strict):
    runs: int = Field(
        100, ge=1, le=1_000_000, description="Seeds per parameter point (batch --runs default).", examples=[200]
    )
    parameters: list[SweepParameter] = Field(
        default_factory=list,
        description="Parameters to vary; the batch runner crosses their values (paths `together` move as one).",
        examples=[[{"path": "actors.russia.policy.tau", "values": [0.05, 0.15, 0.5]}]],
    )


__all__ = ["Sweep", "SweepParameter", "SweepRange"]
