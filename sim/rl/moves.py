"""The fixed list of moves a learning agent chooses from, and which of them are possible now (the action mask).

Every agent of a scenario shares one list, built from the action catalogue and the scenario's actors and
sectors, in this order:

1. index 0: ``pass`` (always possible);
2. every targeted catalogue action that does not sign a sector agreement, in catalogue order, times every
   actor as target in scenario order: index ``1 + k * N + j`` is plain action k on actor j;
3. ``sign_agreement`` times every actor as target times every sector: index ``1 + K * N + j * S + s``.

The agent itself is in the target lists (so the list is the same for everyone) but is never possible.
Masks come from :func:`sim.core.utility.feasibility` (the catalogue's preconditions and the scenario's
``actions`` switches), so an index marked 1 is exactly a move ``AlignmentModel.submit`` accepts now.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import CATALOGUE, Action, agreement_sector
from sim.core.actions import action as catalogue_entry
from sim.core.setup import ModelSetup
from sim.core.utility import feasibility
from sim.core.world import WorldState

#: Catalogue indices of the plain targeted actions (block 2 of the list), in catalogue order.
PLAIN_ACTIONS: tuple[int, ...] = tuple(k for k, a in enumerate(CATALOGUE) if a.targeted and not a.sector_based)
#: Catalogue index of the sector-agreement action (block 3 of the list).
SECTOR_ACTION: int = next(k for k, a in enumerate(CATALOGUE) if a.sector_based)
PASS_ACTION: int = next(k for k, a in enumerate(CATALOGUE) if not a.targeted)


def _opposed(a: Action, b: Action) -> bool:
    """Moves that undo each other on the same target (raise vs cut tariffs, impose vs lift sanctions)."""
    return bool(
        (a.tariff_change and a.tariff_change * b.tariff_change < 0)
        or (a.sanction_change and a.sanction_change * b.sanction_change < 0)
    )


@dataclass(frozen=True, slots=True)
class MoveSpec:
    """One entry of the move list: a catalogue action with its target and sector (indices, or None)."""

    action: str
    target: int | None
    sector: int | None

    def order(self) -> tuple[str, int | None, int | None]:
        """The (action, target, sector) triple ``AlignmentModel.submit`` takes."""
        return (self.action, self.target, self.sector)

    def agreement(self, sectors: tuple[str, ...]) -> int:
        """The sector whose agreement this move signs (-1 if it signs none)."""
        act = catalogue_entry(self.action)
        s = agreement_sector(act, self.sector, sectors) if act.signs_agreement else None
        return -1 if s is None else s


class MoveList:
    """The move list of one scenario: entries, readable labels and vectorised masks."""

    def __init__(self, setup: ModelSetup) -> None:
        n, n_sectors = setup.n_actors, len(setup.sectors)
        self.setup = setup
        self.n_actors = n
        entries = [MoveSpec(CATALOGUE[PASS_ACTION].id, None, None)]
        entries += [MoveSpec(CATALOGUE[k].id, j, None) for k in PLAIN_ACTIONS for j in range(n)]
        entries += [MoveSpec(CATALOGUE[SECTOR_ACTION].id, j, s) for j in range(n) for s in range(n_sectors)]
        self.entries: tuple[MoveSpec, ...] = tuple(entries)
        self.size = len(entries)
        self._position = {e: k for k, e in enumerate(entries)}
        ids = setup.actor_ids
        self.labels: tuple[str, ...] = tuple(
            e.action
            if e.target is None
            else f"{e.action} {ids[e.target]}" + ("" if e.sector is None else f" {setup.sectors[e.sector]}")
            for e in entries
        )
        # Catalogue index, target and sector of each entry as arrays (-1 where none), for vectorised checks.
        catalogue_index = {a.id: k for k, a in enumerate(CATALOGUE)}
        self.kind = np.array([catalogue_index[e.action] for e in entries], dtype=np.intp)
        self.target = np.array([-1 if e.target is None else e.target for e in entries], dtype=np.intp)
        self.sector = np.array([-1 if e.sector is None else e.sector for e in entries], dtype=np.intp)
        # Which entries each entry excludes later in the same round: itself and its opposite on the same target.
        opposite = np.array([[_opposed(a, b) for b in CATALOGUE] for a in CATALOGUE])
        same_target = (self.target[:, None] == self.target[None, :]) & (self.target[:, None] >= 0)
        signs = np.array([e.agreement(setup.sectors) for e in entries], dtype=np.intp)
        same_agreement = (signs[:, None] == signs[None, :]) & (signs[:, None] >= 0)  # defence twice over
        self.excludes = np.eye(self.size, dtype=bool) | (
            (opposite[self.kind][:, self.kind] | same_agreement) & same_target
        )
        self.excludes[0, 0] = False  # passing twice is always fine

    def index(self, action: str, target: str | int | None = None, sector: str | int | None = None) -> int:
        """The list index of a move given by ids or indices (ValueError if it is not in the list)."""
        ids, sectors = self.setup.actor_ids, self.setup.sectors
        if isinstance(target, str) and target not in ids:
            raise ValueError(f"unknown actor {target!r}; the scenario's actors: {', '.join(ids)}")
        if isinstance(sector, str) and sector not in sectors:
            raise ValueError(f"unknown sector {sector!r}; the scenario's sectors: {', '.join(sectors)}")
        t = ids.index(target) if isinstance(target, str) else target
        s = sectors.index(sector) if isinstance(sector, str) else sector
        position = self._position.get(MoveSpec(action, t, s))
        if position is None:
            raise ValueError(f"no move ({action}, {target}, {sector}) in this scenario's move list")
        return position

    def masks(self, world: WorldState) -> np.ndarray:
        """(N, M) bool: row i marks the moves actor i may make now (pass always; the budget is not applied)."""
        feasible, sector_feasible = feasibility(world, self.setup)
        n = self.n_actors
        plain = feasible[list(PLAIN_ACTIONS)].transpose(1, 0, 2).reshape(n, -1)  # (N, K*N): [i, k*N + j]
        sector = sector_feasible.reshape(n, -1)  # (N, N*S): [i, j*S + s]
        return np.concatenate([np.ones((n, 1), dtype=bool), plain, sector], axis=1)

    def why_not(self, world: WorldState, actor: int, move: int) -> str:
        """Why move ``move`` is not possible for ``actor`` on this state (for error messages)."""
        entry = self.entries[move]
        k = int(self.kind[move])
        act = CATALOGUE[k]
        ids = self.setup.actor_ids
        if not self.setup.action_enabled[k, actor]:
            return f"{act.id} is disabled for {ids[actor]} in this scenario"
        if entry.target == actor:
            return "an actor cannot target itself"
        if act.signs_agreement and entry.target is not None:
            s = agreement_sector(act, entry.sector, self.setup.sectors)
            if s is None:
                return f"the scenario has no {act.fixed_sector} sector"
            if world.agreements[actor, entry.target, s]:
                return f"{ids[actor]} and {ids[entry.target]} already have a {self.setup.sectors[s]} agreement"
        return f"its precondition does not hold now ({act.description})"
