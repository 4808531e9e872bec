"""What a learning agent observes: a fixed-size float32 vector of its view of the state, documented field by field.

The vector is the concatenation of the fields in :data:`FIELDS`, in that order. A per-actor field has one
entry per actor of the scenario (in scenario order, the observer's own entry included so every agent's
vector has the same layout); a scalar field has one entry. With N actors the vector has ``20 N + 5``
entries (125 for the six actors of the base scenario). Every entry lies in the field's range, which is
``[0, 1]`` or ``[-1, 1]``; :func:`observation_bounds` gives the matching ``Box`` bounds and
:func:`observation_names` a name per entry (``"alignment.russia"``, ``"round"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.core.record import RoundRecord
from sim.core.setup import ModelSetup


@dataclass(frozen=True, slots=True)
class ObservationField:
    """One field of the observation vector."""

    name: str
    per_actor: bool  # N entries (one per actor j) or a single entry
    low: float  # 0.0 or -1.0; the high bound is always 1.0
    meaning: str  # what entry j of observer i holds


FIELDS: tuple[ObservationField, ...] = (
    ObservationField("identity", True, 0.0, "1 at the observer's own position, 0 elsewhere"),
    ObservationField("alignment", True, -1.0, "alignment score A[i, j] (0 for itself)"),
    ObservationField("regard_out", True, -1.0, "how i regards j (relations[i, j])"),
    ObservationField("regard_in", True, -1.0, "how j regards i (relations[j, i])"),
    ObservationField("export_share", True, 0.0, "share of i's exports that go to j"),
    ObservationField("import_share", True, 0.0, "share of i's imports that come from j"),
    ObservationField("tariff_out", True, 0.0, "i's tariff on j's goods"),
    ObservationField("tariff_in", True, 0.0, "j's tariff on i's goods"),
    ObservationField("sanctions_out", True, 0.0, "i's sanctions on j (0..1 intensity)"),
    ObservationField("sanctions_in", True, 0.0, "j's sanctions on i"),
    ObservationField("debt_owed", True, 0.0, "what i owes j over i's GDP, squashed x / (1 + x)"),
    ObservationField("debt_held", True, 0.0, "what j owes i over i's GDP, squashed x / (1 + x)"),
    ObservationField("agreements", True, 0.0, "share of sectors with a signed i-j agreement"),
    ObservationField("pressure_out", True, 0.0, "recent public pressure (criticism) i put on j"),
    ObservationField("pressure_in", True, 0.0, "recent public pressure j put on i"),
    ObservationField("primary_partner", True, 0.0, "1 at i's primary partner (the power it is most aligned with)"),
    ObservationField("hedging_all", True, 0.0, "j's hedging index"),
    ObservationField("bloc_tilt_all", True, -1.0, "j's bloc tilt / 2"),
    ObservationField("gdp_share", True, 0.0, "j's share of the actors' total GDP"),
    ObservationField("capability", True, 0.0, "j's capability (composite power)"),
    ObservationField("hedging", False, 0.0, "i's own hedging index"),
    ObservationField("bloc_tilt", False, -1.0, "i's own bloc tilt / 2"),
    ObservationField("utility", False, -1.0, "tanh of i's utility over its interests"),
    ObservationField("round", False, 0.0, "rounds played / rounds in the scenario"),
    ObservationField("moves_left", False, 0.0, "moves i may still choose this round / moves per round"),
)


def observation_size(n_actors: int) -> int:
    return sum(n_actors if f.per_actor else 1 for f in FIELDS)


def observation_names(setup: ModelSetup) -> tuple[str, ...]:
    """A name per entry of the vector, in order: ``field.actor`` for per-actor fields, ``field`` otherwise."""
    names: list[str] = []
    for f in FIELDS:
        names += [f"{f.name}.{a}" for a in setup.actor_ids] if f.per_actor else [f.name]
    return tuple(names)


def observation_bounds(n_actors: int) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) float32 arrays of the vector's bounds."""
    low = np.concatenate([np.full(n_actors if f.per_actor else 1, f.low, dtype=np.float32) for f in FIELDS])
    return low, np.ones_like(low)


def _shares(flows: np.ndarray) -> np.ndarray:
    total = flows.sum(axis=1, keepdims=True)
    return np.divide(flows, total, out=np.zeros_like(flows), where=total > 0)


def _squash(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + x)


def observe(record: RoundRecord, round_fraction: float, moves_left: np.ndarray) -> np.ndarray:
    """(N, F) float32: row i is actor i's observation of the state after ``record``'s round.

    ``moves_left`` (N,) is each actor's share of its moves still open this round (0..1).
    """
    w = record.world
    n = w.n_actors
    gdp = np.where(w.gdp > 0, w.gdp, 1.0)[:, None]
    tilt = np.clip(record.bloc_tilt / 2.0, -1.0, 1.0)
    row = np.ones((n, 1))
    blocks = (
        np.eye(n),
        record.alignment,
        w.relations,
        w.relations.T,
        _shares(w.trade),
        _shares(w.trade.T),
        w.tariff,
        w.tariff.T,
        w.sanctions,
        w.sanctions.T,
        _squash(w.debt / gdp),
        _squash(w.debt.T / gdp),
        w.agreements.mean(axis=2) if w.agreements.shape[2] else np.zeros((n, n)),
        w.pressure,
        w.pressure.T,
        np.eye(n)[record.primary_partner],
        row * record.hedging,
        row * tilt,
        row * (w.gdp / w.gdp.sum()),
        row * w.capability,
        record.hedging[:, None],
        tilt[:, None],
        np.tanh(record.utility)[:, None],
        np.full((n, 1), round_fraction),
        moves_left[:, None],
    )
    out = np.concatenate(blocks, axis=1).astype(np.float32)
    # Guard the Box bounds against float rounding at the edges (every field is in range by construction).
    low, high = _bounds(n)
    return np.clip(out, low, high, out=out)


@cache
def _bounds(n_actors: int) -> tuple[np.ndarray, np.ndarray]:
    """Read-only bounds shared by every call of :func:`observe` (spaces get their own copies)."""
    low, high = observation_bounds(n_actors)
    low.flags.writeable = high.flags.writeable = False
    return low, high
