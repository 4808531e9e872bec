"""The one home for legal moves: every move slot of a scenario, which are legal now, and which exclude which.

The AI prices the same masks (:func:`sim.core.utility.feasibility`), the UI lists
:func:`legal_moves`, and the RL envs index :class:`MoveSpace`, so the three can never disagree on what is
legal. The space holds, in this order:

1. index 0: ``pass`` (always legal);
2. every targeted catalogue action that does not sign a sector agreement (unilateral moves, proposals and
   requests), in catalogue order, times every actor as target in scenario order;
3. ``sign_agreement`` times every actor as target times every sector;
4. conditional offers: every (give, ask) of ``OFFER_GIVES`` x ``OFFER_ASKS`` times every actor as target;
5. domestic moves (crackdown), untargeted.

The actor itself is in the target lists (so the space is the same for everyone) but is never legal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import (
    ACTION_INDEX,
    CATALOGUE,
    OFFER_ASKS,
    OFFER_GIVES,
    OPPOSITES,
    PASS,
    action,
    agreement_sector,
)
from sim.core.setup import ModelSetup
from sim.core.utility import feasibility
from sim.core.world import WorldState

#: Catalogue indices of the plain targeted actions (block 2), in catalogue order.
PLAIN_ACTIONS: tuple[int, ...] = tuple(k for k, a in enumerate(CATALOGUE) if a.targeted and not a.sector_based)
#: Catalogue index of the sector-agreement action (block 3).
SECTOR_ACTION: int = next(k for k, a in enumerate(CATALOGUE) if a.sector_based)
#: Catalogue indices of the domestic moves (block 5).
DOMESTIC_ACTIONS: tuple[int, ...] = tuple(k for k, a in enumerate(CATALOGUE) if a.domestic)


@dataclass(frozen=True, slots=True)
class LegalMove:
    """One move slot: ``(action, target, sector)``, and for a conditional offer what it ``ask``s in return."""

    action: str
    target: int | None = None
    sector: int | None = None
    ask: str | None = None

    def order(self) -> tuple[str, int | None, int | None, str | None]:
        """The tuple :meth:`AlignmentModel.submit` takes."""
        return (self.action, self.target, self.sector, self.ask)

    @property
    def needs_answer(self) -> bool:
        """Whether the target must accept it (a proposal, request or conditional offer)."""
        return self.ask is not None or action(self.action).needs_answer

    def agreement(self, sectors: tuple[str, ...]) -> int:
        """The sector whose agreement this move signs (-1 if it signs none)."""
        act = action(self.action)
        s = agreement_sector(act, self.sector, sectors) if act.signs_agreement else None
        return -1 if s is None else s


class MoveSpace:
    """Every move slot of one scenario, with vectorised legality masks and in-round exclusions."""

    def __init__(self, setup: ModelSetup) -> None:
        n, n_sectors = setup.n_actors, len(setup.sectors)
        self.setup = setup
        self.n_actors = n
        entries = [LegalMove(PASS)]
        entries += [LegalMove(CATALOGUE[k].id, j) for k in PLAIN_ACTIONS for j in range(n)]
        entries += [LegalMove(CATALOGUE[SECTOR_ACTION].id, j, s) for j in range(n) for s in range(n_sectors)]
        entries += [LegalMove(x, j, None, y) for x in OFFER_GIVES for y in OFFER_ASKS for j in range(n) if x != y]
        entries += [LegalMove(CATALOGUE[k].id) for k in DOMESTIC_ACTIONS]
        self.entries: tuple[LegalMove, ...] = tuple(entries)
        self.size = len(entries)
        self._position = {e: k for k, e in enumerate(entries)}
        self.kind = np.array([ACTION_INDEX[e.action] for e in entries], dtype=np.intp)
        self.target = np.array([-1 if e.target is None else e.target for e in entries], dtype=np.intp)
        self.sector = np.array([-1 if e.sector is None else e.sector for e in entries], dtype=np.intp)
        self.ask = np.array([-1 if e.ask is None else ACTION_INDEX[e.ask] for e in entries], dtype=np.intp)
        # Which entries each entry excludes later in the same round: the same action on the same target
        # (whatever its sector or ask), its opposite on that target, and the same agreement twice over.
        opposite = np.zeros((len(CATALOGUE), len(CATALOGUE)), dtype=bool)
        for a, b in OPPOSITES.items():
            opposite[ACTION_INDEX[a], ACTION_INDEX[b]] = True
        same_target = (self.target[:, None] == self.target[None, :]) & (self.target[:, None] >= 0)
        same_kind = self.kind[:, None] == self.kind[None, :]
        same_slot = same_kind & ((self.sector[:, None] == self.sector[None, :]) | (self.sector[:, None] < 0))
        signs = np.array([e.agreement(setup.sectors) for e in entries], dtype=np.intp)
        same_agreement = (signs[:, None] == signs[None, :]) & (signs[:, None] >= 0)
        self.excludes = np.eye(self.size, dtype=bool) | (
            (opposite[self.kind][:, self.kind] | same_agreement | same_slot) & same_target
        )
        self.excludes[0, 0] = False  # passing twice is always fine

    def index(self, move: LegalMove) -> int:
        """The position of a move slot (ValueError if the space has no such slot)."""
        position = self._position.get(move)
        if position is None:
            raise ValueError(f"no move {move.order()} in this scenario's move space")
        return position

    def masks(self, world: WorldState) -> np.ndarray:
        """(N, M) bool: row i marks the slots actor i may order now (pass always; the budget is not applied)."""
        feasible, sector_feasible = feasibility(world, self.setup)
        n = self.n_actors
        plain = feasible[list(PLAIN_ACTIONS)].transpose(1, 0, 2).reshape(n, -1)  # [i, k*N + j]
        sector = sector_feasible.reshape(n, -1)  # [i, j*S + s]
        gives = feasible[[ACTION_INDEX[x] for x in OFFER_GIVES]]  # (X, N, N) i -> j
        asks = feasible[[ACTION_INDEX[y] for y in OFFER_ASKS]].transpose(0, 2, 1)  # (Y, N, N): j -> i at [i, j]
        distinct = np.array([[x != y for y in OFFER_ASKS] for x in OFFER_GIVES])
        offers = (gives[:, None] & asks[None]).transpose(2, 0, 1, 3)[:, distinct].reshape(n, -1)  # [i, slot*N + j]
        rows = np.arange(n)
        domestic = feasible[list(DOMESTIC_ACTIONS)][:, rows, rows].T  # (N, D)
        return np.concatenate([np.ones((n, 1), dtype=bool), plain, sector, offers, domestic], axis=1)


def legal_moves(
    world: WorldState, setup: ModelSetup, actor: int, *, space: MoveSpace | None = None
) -> tuple[LegalMove, ...]:
    """Every move ``actor`` may order on ``world``, pass first, in the move space's order."""
    space = space if space is not None else MoveSpace(setup)
    mask = space.masks(world)[actor]
    return tuple(e for e, ok in zip(space.entries, mask, strict=True) if ok)
