"""Conditions as data: comparisons on metrics of the state, combined with all / any / not (no eval).

One statement serves one run and many: a :class:`MetricView` holds either one run's arrays (``(N,)``,
``(N, N)``...) or R runs' (the same with a leading runs axis), every metric reads its arrays with a leading
``...`` index, and :func:`holds` answers with a bool for one run, an ``(R,)`` array of bools for R runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

#: Metric name -> number of actor arguments it takes.
METRICS: dict[str, int] = {
    "round": 0,
    "alignment": 2,
    "relations": 2,
    "trade": 2,
    "trade_change": 2,
    "debt": 2,
    "sanctions": 2,
    "tariff": 2,
    "agreements": 2,
    "gdp": 1,
    "gdp_change": 1,
    "capability": 1,
    "hedging": 1,
    "kuik_hedging": 1,
    "bloc_tilt": 1,
    "primary_partner": 1,
    "utility": 1,
    "threat": 1,
}
#: Metrics whose value is an actor (compared with `is` / `is_not`).
CATEGORICAL = frozenset({"primary_partner"})

Comparator = Literal["above", "below", "at_least", "at_most", "equals", "is", "is_not"]
COMPARATORS: tuple[str, ...] = ("above", "below", "at_least", "at_most", "equals", "is", "is_not")
#: How close two numbers must be to be "equal" (`equals`, `is`, `is_not`).
TOLERANCE = 1e-9


class StateArrays(Protocol):
    """The world arrays a condition reads: one run's :class:`WorldState`, or R runs' with a leading runs axis."""

    @property
    def gdp(self) -> np.ndarray: ...
    @property
    def capability(self) -> np.ndarray: ...
    @property
    def relations(self) -> np.ndarray: ...
    @property
    def trade(self) -> np.ndarray: ...
    @property
    def tariff(self) -> np.ndarray: ...
    @property
    def sanctions(self) -> np.ndarray: ...
    @property
    def debt(self) -> np.ndarray: ...
    @property
    def agreements(self) -> np.ndarray: ...
    @property
    def threat(self) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class MetricView:
    """Everything a condition can read at one moment: of one run (``hedging`` is ``(N,)``) or of R runs at
    once (every array with a leading runs axis: ``hedging`` ``(R, N)``, ``world.trade`` ``(R, N, N)``...).
    ``initial`` is the starting state: the scenario's, shared by all runs, or each run's own (a leading runs
    axis, when runs of several sweep points play together)."""

    round: int
    world: StateArrays
    initial: StateArrays
    alignment: np.ndarray
    hedging: np.ndarray
    bloc_tilt: np.ndarray
    primary_partner: np.ndarray
    utility: np.ndarray
    kuik_hedging: np.ndarray

    @property
    def runs(self) -> int | None:
        """R for a view of R runs, None for one run's view."""
        return None if self.hedging.ndim == 1 else int(self.hedging.shape[0])

    def everywhere(self, flag: bool) -> bool | np.ndarray:
        """``flag`` in every run: the bool itself for one run, ``(R,)`` bools for R runs."""
        runs = self.runs
        return flag if runs is None else np.full(runs, flag)

    def value(self, metric: str, actors: tuple[int, ...]) -> float | np.ndarray:
        """The metric's value (an actor index for categorical metrics): a Python float for one run (the
        double itself), ``(R,)`` floats for R runs."""
        x = self._read(metric, actors)
        return float(x) if self.hedging.ndim == 1 else x

    def _read(self, metric: str, a: tuple[int, ...]) -> np.ndarray:
        """What each metric is, read with a leading ``...`` so one run and R runs are the same code."""
        w = self.world
        match metric:
            case "round":
                return np.full(self.hedging.shape[:-1], float(self.round))
            case "alignment":
                return self.alignment[..., a[0], a[1]]
            case "relations" | "trade" | "debt" | "sanctions" | "tariff":
                return getattr(w, metric)[..., a[0], a[1]]
            case "trade_change":  # relative to the start; 0 where the pair started without trade
                base = self.initial.trade[..., a[0], a[1]]
                started = base > 0
                return np.where(started, w.trade[..., a[0], a[1]] / np.where(started, base, 1.0) - 1.0, 0.0)
            case "agreements":  # agreements in force between the pair, over all sectors
                return w.agreements[..., a[0], a[1], :].sum(axis=-1, dtype=float)
            case "gdp" | "capability" | "threat":
                return getattr(w, metric)[..., a[0]]
            case "gdp_change":
                return w.gdp[..., a[0]] / self.initial.gdp[..., a[0]] - 1.0
            case "hedging" | "kuik_hedging" | "bloc_tilt" | "utility":
                return getattr(self, metric)[..., a[0]]
            case "primary_partner":
                return self.primary_partner[..., a[0]].astype(float)
        raise KeyError(metric)


def compare(x: float | np.ndarray, op: str, value: float) -> bool | np.ndarray:
    """``x op value``: a bool for a number, bools elementwise for an array."""
    match op:
        case "above":
            return x > value
        case "below":
            return x < value
        case "at_least":
            return x >= value
        case "at_most":
            return x <= value
        case "equals" | "is":
            return _distance(x, value) < TOLERANCE
        case "is_not":
            return _distance(x, value) >= TOLERANCE
    raise ValueError(op)


def _distance(x: float | np.ndarray, value: float) -> Any:
    """``|x - value|``: a float for a number, elementwise for an array."""
    return abs(x - value)


@dataclass(frozen=True, slots=True)
class Compare:
    metric: str
    actors: tuple[int, ...]
    op: Comparator
    value: float


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


@dataclass(frozen=True, slots=True)
class Always:
    pass


Condition = Compare | AllOf | AnyOf | Not | Always


def holds(condition: Condition, view: MetricView) -> bool | np.ndarray:
    """Whether the condition holds: a bool for one run's view, ``(R,)`` bools for R runs'. Conditions only
    read, so one run stops at the first item that decides an `all` or an `any`; R runs read every item."""
    match condition:
        case Compare(metric=metric, actors=actors, op=op, value=value):
            return compare(view.value(metric, actors), op, value)
        case AllOf(items=items):
            out = view.everywhere(True)
            for item in items:
                out = out & holds(item, view)
                if out is False:
                    break
            return out
        case AnyOf(items=items):
            out = view.everywhere(False)
            for item in items:
                out = out | holds(item, view)
                if out is True:
                    break
            return out
        case Not(item=item):
            inner = holds(item, view)
            return (not inner) if isinstance(inner, bool) else ~inner
        case Always():
            return view.everywhere(True)
    raise TypeError(f"unknown condition {condition!r}")


def first_holding(conditions: Sequence[Condition], view: MetricView) -> int | np.ndarray:
    """The index of the first condition that holds, ``len(conditions)`` where none does (an outcome rule's
    index, or the default outcome): an int for one run, ``(R,)`` ints for R runs."""
    runs = view.runs
    if runs is None:
        return next((k for k, c in enumerate(conditions) if holds(c, view)), len(conditions))
    pick = np.full(runs, len(conditions))
    for k in reversed(range(len(conditions))):
        pick = np.where(holds(conditions[k], view), k, pick)
    return pick
