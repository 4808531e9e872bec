"""What a set of moves would do to one actor's indices at once: the move picker's preview, computed in the core.

A preview applies the moves (each with the other half a proposal or conditional offer brings when it is
accepted) to a copy of the world, scores it and returns the change of the mover's hedging index, bloc tilt
and alignment to each power, before anyone replies and before the round's dynamics. Nothing of the model
changes; no randomness is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.core.actions import ACTION_INDEX, CATALOGUE, apply_move
from sim.core.scoring import kuik_hedging, policy_affinity, score

if TYPE_CHECKING:
    from sim.core.model import AlignmentModel

#: One move as the preview takes it: (action id, target index or None, sector index or None, ask id or None).
PreviewMove = tuple[str, int | None, int | None, str | None]


@dataclass(frozen=True, slots=True)
class MovePreview:
    """The change of the mover's indices if the moves take effect (for a proposal: if it is accepted)."""

    hedging: float  # change of Kuik's hedging index
    bloc_tilt: float  # change of the bloc tilt (bloc a minus bloc b)
    alignment: tuple[tuple[int, float], ...]  # (power index, change of the mover's alignment to it)
    primary_partner: int  # the closest power after the moves


class Previewer:
    """Previews of moves by ``player`` in ``model``'s current state (the state's score is computed once)."""

    def __init__(self, model: AlignmentModel, player: int) -> None:
        self.model = model
        self.player = player
        setup = model.setup
        sc = setup.scoring
        self.setup = setup
        self.before = score(model.world, sc.weights, sc.powers, sc.bloc_a, sc.bloc_b, model.affinity)
        self.before_kuik = float(kuik_hedging(self.before.alignment, sc.powers).hedging[player])
        self.partners = [p for p in sc.powers if p != player]

    def steps(self, moves: Sequence[PreviewMove]) -> list[tuple[int, str, int | None, int | None]]:
        """Each move with what acceptance brings: a request's grant by the target, an offer's ask."""
        out: list[tuple[int, str, int | None, int | None]] = []
        for action_id, target, sector, ask in moves:
            act = CATALOGUE[ACTION_INDEX[action_id]]
            out.append((self.player, action_id, target, sector))
            if act.grants is not None and target is not None:
                out.append((target, act.grants, self.player, None))
            if ask is not None and target is not None:
                out.append((target, ask, self.player, None))
        return out

    def preview(self, moves: Sequence[PreviewMove]) -> MovePreview:
        """The change of the player's indices if all ``moves`` take effect together."""
        model = self.model
        setup = self.setup
        sc = setup.scoring
        w = model.world.copy()
        A_now = model.history[-1].alignment
        domestic = False
        for who, action_id, target, sector in self.steps(moves):
            k = ACTION_INDEX[action_id]
            domestic = domestic or CATALOGUE[k].domestic
            apply_move(
                w, who, action_id, target, sector, float(setup.action_magnitude[k, who]), A_now, setup.dynamics,
                setup.sectors, values_dimension=sc.values_dimension,
            )  # fmt: skip
        affinity = policy_affinity(w.positions, w.salience) if domestic else model.affinity
        after = score(w, sc.weights, sc.powers, sc.bloc_a, sc.bloc_b, affinity)
        p = self.player
        return MovePreview(
            hedging=float(kuik_hedging(after.alignment, sc.powers).hedging[p] - self.before_kuik),
            bloc_tilt=float(after.bloc_tilt[p] - self.before.bloc_tilt[p]),
            alignment=tuple((q, float(after.alignment[p, q] - self.before.alignment[p, q])) for q in self.partners),
            primary_partner=int(after.primary_partner[p]),
        )


def preview_moves(model: AlignmentModel, player: int, moves: Sequence[PreviewMove]) -> MovePreview:
    """The change of ``player``'s indices if ``moves`` all take effect now (see :class:`Previewer`)."""
    return Previewer(model, player).preview(moves)
