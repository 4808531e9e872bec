"""Scenario conditions (outcome rules, objectives) evaluated for R runs at once (sim.core.conditions over runs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.conditions import AllOf, Always, AnyOf, Compare, Condition, Not
from sim.core.world import WorldState
from sim.vector.state import WorldBatch

if TYPE_CHECKING:
    from sim.vector.engine import RoundBatch


@dataclass(frozen=True, slots=True)
class BatchView:
    """The core's MetricView for R runs."""

    round: int
    world: WorldBatch
    initial: WorldState
    scores: RoundBatch

    def value(self, metric: str, a: tuple[int, ...]) -> np.ndarray:
        """(R,) the metric in every run (the core's ``MetricView.value``)."""
        w, s, runs = self.world, self.scores, self.world.runs
        match metric:
            case "round":
                return np.full(runs, float(self.round))
            case "alignment":
                return s.alignment[:, a[0], a[1]]
            case "relations" | "trade" | "debt" | "sanctions" | "tariff":
                return getattr(w, metric)[:, a[0], a[1]]
            case "trade_change":
                base = self.initial.trade[a[0], a[1]]
                return w.trade[:, a[0], a[1]] / base - 1.0 if base > 0 else np.zeros(runs)
            case "agreements":
                return w.agreements[:, a[0], a[1]].sum(axis=-1).astype(float)
            case "gdp" | "capability" | "threat":
                return getattr(w, metric)[:, a[0]]
            case "gdp_change":
                return w.gdp[:, a[0]] / self.initial.gdp[a[0]] - 1.0
            case "hedging":
                return s.hedging[:, a[0]]
            case "kuik_hedging":
                return s.kuik_hedging[:, a[0]]
            case "bloc_tilt":
                return s.bloc_tilt[:, a[0]]
            case "primary_partner":
                return s.primary_partner[:, a[0]].astype(float)
            case "utility":
                return s.utility[:, a[0]]
        raise KeyError(metric)


def holds(condition: Condition, view: BatchView) -> np.ndarray:
    """(R,) whether the condition holds in each run."""
    match condition:
        case Compare(metric=metric, actors=actors, op=op, value=value):
            x = view.value(metric, actors)
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
                    return np.abs(x - value) < 1e-9
                case "is_not":
                    return np.abs(x - value) >= 1e-9
            raise ValueError(op)
        case AllOf(items=items):
            out = np.ones(view.world.runs, dtype=bool)
            for item in items:
                out &= holds(item, view)
            return out
        case AnyOf(items=items):
            out = np.zeros(view.world.runs, dtype=bool)
            for item in items:
                out |= holds(item, view)
            return out
        case Not(item=item):
            return ~holds(item, view)
        case Always():
            return np.ones(view.world.runs, dtype=bool)
    raise TypeError(f"unknown condition {condition!r}")
