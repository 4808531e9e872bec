"""A chunk's runs played by the vector engine, read through the Mesa model's attributes.

The batch's row builders (sim.batch.runner) read a finished ``AlignmentModel``: ``history`` records,
``ended`` and ``objective_report``. :func:`play_points` plays the runs of one or several sweep points at once
with :class:`sim.vector.VectorEngine` (points whose setups differ only in what the engine holds per run,
``ModelSetup.differences_beyond_runs``) and returns one light object per run that answers the same reads,
so both engines fill the same columns with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim.batch.plan import run_seed
from sim.core import ACTION_IDS, ModelSetup
from sim.vector import VectorEngine, keys_for, largest_batch


class VectorRun:
    """Run r of a finished vector batch, with the attributes the batch's row builders read."""

    def __init__(
        self,
        engine: VectorEngine,
        r: int,
        reports: dict[str, tuple[Any, list[str]]],
        *,
        moves: bool = False,
        setup: ModelSetup | None = None,
    ) -> None:
        setup = engine.setup if setup is None else setup  # the run's own (its sweep point's)
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
    return play_points([(setup, seed_indices)], seed, trajectories=trajectories, moves=moves)[0]


def play_points(
    points: Sequence[tuple[ModelSetup, Sequence[int]]], seed: int, *, trajectories: bool, moves: bool = False
) -> list[list[VectorRun]]:
    """Play every point's runs (its setup, its seed indices of root ``seed``) in one batch, each run the Mesa
    run of its point and ``run_seed(seed, k)``; the setups must differ only in what the engine holds per run
    (sim.core.setup.RUN_FIELDS: a ValueError says what else differs). The runs, point by point.

    More runs than :func:`sim.vector.largest_batch` allows for the scenario's actors play as several
    batches of consecutive runs, which give the same runs at a lower cost per run."""
    setups = [setup for setup, indices in points for _ in indices]
    seeds = [run_seed(seed, k) for _, indices in points for k in indices]
    setup = points[0][0]
    actors = sorted({o.actor for o in setup.objectives})
    limit = largest_batch(setup.n_actors)
    runs: list[VectorRun] = []
    for start in range(0, len(seeds), limit):
        part = slice(start, start + limit)
        engine = VectorEngine(
            setup, keys_for(seeds[part]), trajectories=trajectories,
            run_setups=setups[part] if len(points) > 1 else None,
        ).run()  # fmt: skip
        reports = {setup.actors[a].id: engine.objective_scores(a) for a in actors}
        runs += [VectorRun(engine, r, reports, moves=moves, setup=own) for r, own in enumerate(setups[part])]
    bounds = np.cumsum([0, *(len(indices) for _, indices in points)]).tolist()
    return [runs[a:b] for a, b in pairwise(bounds)]
