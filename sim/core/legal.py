"""The one home for legal moves: what an actor may order now, for the AI, the UI and the RL envs alike."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import CATALOGUE, OFFER_ASKS, OFFER_GIVES, PASS, action
from sim.core.setup import ModelSetup
from sim.core.utility import feasibility
from sim.core.world import WorldState


@dataclass(frozen=True, slots=True)
class LegalMove:
    """One move an actor may order: ``(action, target, sector)``, and for a conditional offer ``ask``."""

    action: str
    target: int | None = None
    sector: int | None = None
    ask: str | None = None

    def order(self) -> tuple[str, int | None, int | None, str | None]:
        """The tuple :meth:`AlignmentModel.submit` takes."""
        return (self.action, self.target, self.sector, self.ask)

    @property
    def needs_answer(self) -> bool:
        return self.ask is not None or action(self.action).needs_answer


def legal_moves(world: WorldState, setup: ModelSetup, actor: int, *, offers: bool = True) -> tuple[LegalMove, ...]:
    """Every move ``actor`` may order on ``world``: pass first, then by catalogue order, target and sector.

    Built from the same masks the AI prices (:func:`sim.core.utility.feasibility`), so the AI, the UI and
    the RL envs can never disagree on what is legal. ``offers=False`` leaves out conditional offers.
    """
    feasible, sector_feasible = feasibility(world, setup)
    out: list[LegalMove] = [LegalMove(PASS)]
    n = world.n_actors
    for k, act in enumerate(CATALOGUE):
        if act.id == PASS:
            continue
        if act.domestic:
            if feasible[k, actor, actor]:
                out.append(LegalMove(act.id))
            continue
        if act.sector_based:
            for j, s in zip(*np.nonzero(sector_feasible[actor]), strict=True):
                out.append(LegalMove(act.id, int(j), int(s)))
            continue
        out.extend(LegalMove(act.id, int(j)) for j in range(n) if feasible[k, actor, j])
    if offers:
        index = {a.id: k for k, a in enumerate(CATALOGUE)}
        for give in OFFER_GIVES:
            for ask in OFFER_ASKS:
                g, y = index[give], index[ask]
                for j in range(n):
                    if j != actor and feasible[g, actor, j] and feasible[y, j, actor]:
                        out.append(LegalMove(give, j, None, ask))
    return tuple(out)
