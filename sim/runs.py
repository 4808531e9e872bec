"""One run of a scenario as plain data: play it, then describe it as a JSON document, tidy rows or a summary."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from sim import __version__
from sim.core import AlignmentModel, ModelSetup, Move, RoundRecord
from sim.core.blocs import partition_by_capability
from sim.core.objectives import ObjectiveReport
from sim.core.world import INTERESTS
from sim.scenario.schema import quarter_labels

DIGITS = 6  # rounding of floats in documents, so output is stable and readable


def with_rounds(setup: ModelSetup, rounds: int, start: str) -> ModelSetup:
    """The same setup played for a different number of rounds."""
    return replace(setup, rounds=rounds, round_labels=quarter_labels(start, rounds))


def play(setup: ModelSetup, seed: int | np.random.SeedSequence, *, collect: bool = False) -> AlignmentModel:
    """Run a setup to its end with one seed and return the finished model."""
    model = AlignmentModel(setup, rng=seed, collect=collect)
    model.run()
    return model


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def move_dict(move: Move, setup: ModelSetup) -> dict[str, Any]:
    ids = setup.actor_ids
    return {
        "actor": ids[move.actor],
        "action": move.action,
        "target": None if move.target is None else ids[move.target],
        "sector": None if move.sector is None else setup.sectors[move.sector],
        "reason": move.reason,
        "expected_gain": _r(move.expected_gain),
        "source": move.source,
        "applied": move.applied,
        "ask": move.ask,
        "answer": move.answer or None,
        "answer_reason": move.answer_reason or None,
    }


def alignment_dict(A: np.ndarray, ids: tuple[str, ...]) -> dict[str, dict[str, float]]:
    return {a: {b: _r(A[i, j]) for j, b in enumerate(ids) if j != i} for i, a in enumerate(ids)}


def indices_dict(record: RoundRecord, ids: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {
        a: {
            "hedging": _r(record.hedging[i]),
            "kuik_hedging": _r(record.kuik.hedging[i]),
            "bloc_tilt": _r(record.bloc_tilt[i]),
            "primary_partner": ids[int(record.primary_partner[i])],
            "utility": _r(record.utility[i]),
            "gdp": _r(record.world.gdp[i]),
            "threat": _r(record.world.threat[i]),
        }
        for i, a in enumerate(ids)
    }


def blocs_list(record: RoundRecord, ids: tuple[str, ...]) -> list[list[str]]:
    """Who is with whom in a round: the landscape-theory partition (sim.core.blocs), blocs as lists of ids."""
    blocs = partition_by_capability(record.alignment, record.world.capability)
    return [[ids[i] for i in members] for members in blocs.members()]


def run_document(model: AlignmentModel, seed: int) -> dict[str, Any]:
    """The whole run as one JSON-ready document (same scenario + seed -> byte-identical dump)."""
    setup = model.setup
    ids = setup.actor_ids
    rounds = []
    for record in model.history[1:]:
        rounds.append(
            {
                "round": record.round,
                "label": record.label,
                "events": [{"id": e.id, "title": e.title, "text": e.text} for e in record.events],
                "moves": [move_dict(m, setup) for m in record.moves],
                "alignment": alignment_dict(record.alignment, ids),
                "indices": indices_dict(record, ids),
                "blocs": blocs_list(record, ids),
                "outcome": record.outcome,
            }
        )
    start, last = model.history[0], model.history[-1]
    objectives = {}
    for i, actor in enumerate(ids):
        report = model.objective_report(i)
        if report.statuses:
            objectives[actor] = objectives_dict(report)
    return {
        "engine": f"pivot {__version__}",
        "scenario": setup.scenario_id,
        "title": setup.title,
        "seed": int(seed),
        "actors": list(ids),
        "focal": ids[setup.scoring.focal],
        "interests": list(INTERESTS),
        "start": {
            "alignment": alignment_dict(start.alignment, ids),
            "indices": indices_dict(start, ids),
            "blocs": blocs_list(start, ids),
            "outcome": start.outcome,
        },
        "rounds": rounds,
        "final": {
            "round": last.round,
            "ended_by_event": model.ended,
            "alignment": alignment_dict(last.alignment, ids),
            "indices": indices_dict(last, ids),
            "blocs": blocs_list(last, ids),
            "outcome": last.outcome,
        },
        "objectives": objectives,
    }


def objectives_dict(report: ObjectiveReport) -> dict[str, Any]:
    """An actor's objectives met or missed, with its score (0..100) and grade, as JSON-ready data."""
    return {
        "score": _r(report.score),
        "grade": report.grade,
        "objectives": [
            {
                "id": s.objective.id,
                "description": s.objective.description,
                "timing": s.objective.timing,
                "weight": _r(s.objective.weight),
                "met": s.met,
                "rounds_held": s.rounds_held,
            }
            for s in report.statuses
        ],
    }


def tidy_rows(model: AlignmentModel, seed: int) -> list[dict[str, Any]]:
    """One row per (round, actor, partner): alignment, regard and trade, with the actor's indices."""
    setup = model.setup
    ids = setup.actor_ids
    rows = []
    for record in model.history:
        w = record.world
        for i, a in enumerate(ids):
            for j, b in enumerate(ids):
                if i == j:
                    continue
                rows.append(
                    {
                        "scenario": setup.scenario_id,
                        "seed": int(seed),
                        "round": record.round,
                        "label": record.label,
                        "actor": a,
                        "partner": b,
                        "alignment": _r(record.alignment[i, j]),
                        "relations": _r(w.relations[i, j]),
                        "exports": _r(w.trade[i, j]),
                        "sanctions": _r(w.sanctions[i, j]),
                        "debt": _r(w.debt[i, j]),
                        "agreements": int(w.agreements[i, j].sum()),
                        "hedging": _r(record.hedging[i]),
                        "kuik_hedging": _r(record.kuik.hedging[i]),
                        "threat": _r(record.world.threat[i]),
                        "bloc_tilt": _r(record.bloc_tilt[i]),
                        "primary_partner": ids[int(record.primary_partner[i])],
                        "gdp": _r(w.gdp[i]),
                        "utility": _r(record.utility[i]),
                        "outcome": record.outcome,
                    }
                )
    return rows
