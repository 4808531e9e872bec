"""A chunk's runs of one sweep point played by the vector engine, read through the Mesa model's attributes.

The batch's row builders (sim.batch.runner) read a finished ``AlignmentModel``: ``history`` records,
``ended`` and ``objective_report``. :func:`play_point` plays all of a point's runs of a chunk at once with
:class:`sim.vector.VectorEngine` and returns one light object per run that answers the same reads, so both
engines fill the same columns with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim.batch.plan import run_seed
from sim.core import ACTION_IDS, ModelSetup
from sim.vector import VectorEngine, keys_for


class VectorRun:
    """Run r of a finished vector batch, with the attributes the batch's row builders read."""

    def __init__(
        self, engine: VectorEngine, r: int, reports: dict[str, tuple[Any, list[str]]], *, moves: bool = False
    ) -> None:
        setup = engine.setup
        self.setup = setup
        self.ended: str | None = None
        self._reports = reports
        self._r = r
        final = engine.world.run(r)  # the final record reads any world array (capability, trade...)
        self.world = final
        self.round = engine.round
        self.history = [
            SimpleNamespace(
                round=b.round,
                label="start" if b.round == 0 else setup.round_labels[b.round - 1],
                outcome=engine.outcome_labels[b.outcome[r]],
                alignment=b.alignment[r],
                hedging=b.hedging[r],
                kuik=SimpleNamespace(hedging=b.kuik_hedging[r]),
                bloc_tilt=b.bloc_tilt[r],
                primary_partner=b.primary_partner[r],
                utility=b.utility[r],
                world=final if b is engine.last else _round_world(b, r),
                moves=_moves(b.moves, r) if moves else (),
            )
            for b in engine.history
        ]

    def objective_report(self, actor: str) -> SimpleNamespace:
        scores, grades = self._reports[actor]
        return SimpleNamespace(score=float(scores[self._r]), grade=grades[self._r])


def _moves(batch: Any, r: int) -> tuple[SimpleNamespace, ...]:
    """Run r's moves of a round (actor, action, target, sector, ask, applied), as the Mesa record's Moves."""
    if batch is None:
        return ()
    return tuple(
        SimpleNamespace(
            actor=int(batch.actor[r, q]),
            action=ACTION_IDS[batch.kind[r, q]],
            target=None if batch.target[r, q] < 0 else int(batch.target[r, q]),
            sector=None if batch.sector[r, q] < 0 else int(batch.sector[r, q]),
            ask=None if batch.ask[r, q] < 0 else ACTION_IDS[batch.ask[r, q]],
            applied=bool(batch.applied[r, q]),
        )
        for q in np.flatnonzero(batch.valid[r])
    )


def _round_world(b: Any, r: int) -> SimpleNamespace:
    """Run r's world arrays that a trajectory row reads, at the end of round batch ``b``."""
    return SimpleNamespace(
        gdp=b.gdp[r],
        threat=b.threat[r],
        sanctions=b.sanctions[r],
        tariff=b.tariff[r],
        debt=b.debt[r],
        trade=b.trade[r],
        agreements=b.agreements[r],
    )


def play_point(
    setup: ModelSetup, seed: int, seed_indices: Sequence[int], *, trajectories: bool, moves: bool = False
) -> list[VectorRun]:
    """Play runs ``seed_indices`` of root ``seed`` at one point (run k is the Mesa run of ``run_seed(seed, k)``);
    with ``moves`` each round's record also lists its moves."""
    engine = VectorEngine(setup, keys_for([run_seed(seed, k) for k in seed_indices]), trajectories=trajectories)
    engine.run()
    actors = sorted({o.actor for o in setup.objectives})
    reports = {setup.actors[a].id: engine.objective_scores(a) for a in actors}
    return [VectorRun(engine, r, reports, moves=moves) for r in range(len(seed_indices))]
