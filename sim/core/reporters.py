"""Mesa DataCollector model reporters: each round's alignment matrix, hedging, Kuik hedging, tilt and outcome.

Each measure is one scalar column named as in a `pivot batch` table (:func:`column`: parts joined by
``__``, e.g. ``alignment__cambodia__china``, ``hedging__cambodia``), so ``mesa.batch_run`` over
``sim.batch.mesa_model.ScenarioModel`` collects the same measures, under the same names, as the batch
runner stores. Values are read from the round's record, never recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: Joins the parts of a column name (measure, actor, partner): SQL needs no quotes around it.
SEPARATOR = "__"


def column(*parts: str) -> str:
    """A table column's name from its parts: ``column("alignment", "cambodia", "china")``."""
    return SEPARATOR.join(parts)


def _pair(i: int, j: int) -> Callable[[Any], float]:
    def report(model: Any) -> float:
        return float(model.history[-1].alignment[i, j])

    return report


def _per_actor(measure: str, i: int) -> Callable[[Any], float]:
    def report(model: Any) -> float:
        record = model.history[-1]
        values = record.kuik.hedging if measure == "kuik_hedging" else getattr(record, measure)
        return float(values[i])

    return report


def _outcome(model: Any) -> str:
    return str(model.history[-1].outcome)


def model_reporters(actor_ids: Sequence[str]) -> dict[str, str | Callable[[Any], Any]]:
    """Reporters for ``mesa.DataCollector(model_reporters=...)``: round, outcome, and one per pair and actor."""
    n = len(actor_ids)
    reporters: dict[str, str | Callable[[Any], Any]] = {"round": "round", "outcome": _outcome}
    for i in range(n):
        for j in range(i + 1, n):
            reporters[column("alignment", actor_ids[i], actor_ids[j])] = _pair(i, j)
    for measure in ("hedging", "kuik_hedging", "bloc_tilt"):
        for i, actor in enumerate(actor_ids):
            reporters[column(measure, actor)] = _per_actor(measure, i)
    return reporters
