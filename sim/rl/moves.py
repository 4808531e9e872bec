"""The fixed list of moves a learning agent chooses from, and which of them are possible now (the action mask).

The list is the core's :class:`sim.core.legal.MoveSpace` (one home for legal moves, shared with the AI
and the UI): pass, plain targeted moves (unilateral moves, proposals and requests) per target, sector
agreements per target and sector, conditional offers per (give, ask, target), then domestic moves. Masks
come from :func:`sim.core.utility.feasibility` (the catalogue's preconditions and the scenario's
``actions`` switches), so an index marked 1 is exactly a move ``AlignmentModel.submit`` accepts now.
This class adds readable labels, lookup by ids and the reason a move is impossible.
"""

from __future__ import annotations

from sim.core.actions import CATALOGUE, agreement_sector
from sim.core.legal import DOMESTIC_ACTIONS, PLAIN_ACTIONS, SECTOR_ACTION, LegalMove, MoveSpace
from sim.core.setup import ModelSetup
from sim.core.world import WorldState

#: One entry of the move list (the core's move slot).
MoveSpec = LegalMove
PASS_ACTION: int = next(k for k, a in enumerate(CATALOGUE) if a.id == "pass")

__all__ = ["DOMESTIC_ACTIONS", "PASS_ACTION", "PLAIN_ACTIONS", "SECTOR_ACTION", "MoveList", "MoveSpec"]


class MoveList(MoveSpace):
    """The move list of one scenario: the core's move space with readable labels and lookup by ids."""

    def __init__(self, setup: ModelSetup) -> None:
        super().__init__(setup)
        ids = setup.actor_ids
        self.labels: tuple[str, ...] = tuple(
            e.action
            if e.target is None
            else f"{e.action} {ids[e.target]}"
            + ("" if e.sector is None else f" {setup.sectors[e.sector]}")
            + ("" if e.ask is None else f" if {e.ask}")
            for e in self.entries
        )

    def index(
        self,
        action: str | LegalMove,
        target: str | int | None = None,
        sector: str | int | None = None,
        ask: str | None = None,
    ) -> int:
        """The list index of a move given by ids or indices (ValueError if it is not in the list)."""
        if isinstance(action, LegalMove):
            return super().index(action)
        ids, sectors = self.setup.actor_ids, self.setup.sectors
        if isinstance(target, str) and target not in ids:
            raise ValueError(f"unknown actor {target!r}; the scenario's actors: {', '.join(ids)}")
        if isinstance(sector, str) and sector not in sectors:
            raise ValueError(f"unknown sector {sector!r}; the scenario's sectors: {', '.join(sectors)}")
        t = ids.index(target) if isinstance(target, str) else target
        s = sectors.index(sector) if isinstance(sector, str) else sector
        try:
            return super().index(LegalMove(action, t, s, ask))
        except ValueError:
            raise ValueError(f"no move ({action}, {target}, {sector}) in this scenario's move list") from None

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
        if entry.ask is not None and entry.target is not None:
            return f"{ids[entry.target]} cannot answer with {entry.ask} now, or {act.id} is not possible"
        if act.signs_agreement and entry.target is not None:
            s = agreement_sector(act, entry.sector, self.setup.sectors)
            if s is None:
                return f"the scenario has no {act.fixed_sector} sector"
            if world.agreements[actor, entry.target, s]:
                return f"{ids[actor]} and {ids[entry.target]} already have a {self.setup.sectors[s]} agreement"
        return f"its precondition does not hold now ({act.description})"
