"""Conditions as data: comparisons on metrics of the state, combined with all / any / not (no eval)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core.world import WorldState

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


@dataclass(frozen=True, slots=True)
class MetricView:
    """Everything a condition can read at one moment of a run."""

    round: int
    world: WorldState
    initial: WorldState
    alignment: np.ndarray
    hedging: np.ndarray
    bloc_tilt: np.ndarray
    primary_partner: np.ndarray
    utility: np.ndarray
    kuik_hedging: np.ndarray

    def value(self, metric: str, actors: tuple[int, ...]) -> float:
        """The metric's value (an actor index for categorical metrics), a Python float (``.item`` reads
        the double itself: the same number as ``float(array[...])``, without the numpy scalar)."""
        w, a = self.world, actors
        match metric:
            case "round":
                return float(self.round)
            case "alignment":
                return self.alignment.item(a[0], a[1])
            case "relations":
                return w.relations.item(a[0], a[1])
            case "trade":
                return w.trade.item(a[0], a[1])
            case "trade_change":
                base = self.initial.trade[a[0], a[1]]
                return float(w.trade[a[0], a[1]] / base - 1.0) if base > 0 else 0.0
            case "debt":
                return w.debt.item(a[0], a[1])
            case "sanctions":
                return w.sanctions.item(a[0], a[1])
            case "tariff":
                return w.tariff.item(a[0], a[1])
            case "agreements":
                return float(w.agreements[a[0], a[1]].sum())
            case "gdp":
                return w.gdp.item(a[0])
            case "gdp_change":
                return float(w.gdp[a[0]] / self.initial.gdp[a[0]] - 1.0)
            case "capability":
                return w.capability.item(a[0])
            case "hedging":
                return self.hedging.item(a[0])
            case "kuik_hedging":
                return self.kuik_hedging.item(a[0])
            case "bloc_tilt":
                return self.bloc_tilt.item(a[0])
            case "primary_partner":
                return float(self.primary_partner[a[0]])
            case "utility":
                return self.utility.item(a[0])
            case "threat":
                return w.threat.item(a[0])
        raise KeyError(metric)


@dataclass(frozen=True, slots=True)
class Compare:
    metric: str
    actors: tuple[int, ...]
    op: Comparator
    value: float

    def holds(self, view: MetricView) -> bool:
        x = view.value(self.metric, self.actors)
        match self.op:
            case "above":
                return x > self.value
            case "below":
                return x < self.value
            case "at_least":
                return x >= self.value
            case "at_most":
                return x <= self.value
            case "equals" | "is":
                return abs(x - self.value) < 1e-9
            case "is_not":
                return abs(x - self.value) >= 1e-9
        raise ValueError(self.op)


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]

    def holds(self, view: MetricView) -> bool:
        return all(c.holds(view) for c in self.items)


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]

    def holds(self, view: MetricView) -> bool:
        return any(c.holds(view) for c in self.items)


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition

    def holds(self, view: MetricView) -> bool:
        return not self.item.holds(view)


@dataclass(frozen=True, slots=True)
class Always:
    def holds(self, view: MetricView) -> bool:
        return True


Condition = Compare | AllOf | AnyOf | Not | Always
