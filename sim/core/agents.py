"""CountryAgent: a Mesa agent per actor that chooses its moves by utility and softmax, or takes them from outside."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.core.actions import ACTION_INDEX, CATALOGUE, OFFER_ASKS, OFFER_GIVES
from sim.core.mesa_import import mesa
from sim.core.record import Move
from sim.core.setup import ActorSpec, Controller
from sim.core.utility import CandidateTable

if TYPE_CHECKING:
    from sim.core.model import AlignmentModel

#: Catalogue index -> position in OFFER_GIVES / OFFER_ASKS (the axes of a CandidateTable's offer arrays).
_GIVE_POSITION = {ACTION_INDEX[x]: k for k, x in enumerate(OFFER_GIVES)}
_ASK_POSITION = {ACTION_INDEX[y]: k for k, y in enumerate(OFFER_ASKS)}


class CountryAgent(mesa.Agent):
    """One actor. Each round its controller supplies moves: ``ai`` by utility + softmax (the choice rule of
    :mod:`sim.core.choice`), ``human`` from orders submitted to the model, ``scripted`` from the scenario's
    fixed moves."""

    def __init__(self, model: AlignmentModel, index: int, spec: ActorSpec) -> None:
        super().__init__(model)
        self.index = index
        self.spec = spec
        self.controller: Controller = spec.controller
        self.chosen: list[Move] = []
        # Per-round readings, refreshed by the model after scoring (for the DataCollector).
        self.gdp = 0.0
        self.hedging = 0.0
        self.bloc_tilt = 0.0
        self.primary_partner = ""
        self.utility = 0.0

    @property
    def actor_id(self) -> str:
        return self.spec.id

    def choose_moves(self) -> None:
        """Fill ``self.chosen`` for this round (called through AgentSet.shuffle_do)."""
        model = self.model
        forced = model.forced[self.index]
        budget = int(model.policy.actions_per_round[self.index]) - len(forced)
        if self.controller == "human":
            self.chosen = forced + model.take_orders(self.index)
        elif self.controller == "scripted" or budget <= 0:
            self.chosen = forced
        else:
            # The model drew every AI actor's picks at once (AlignmentModel._pick, by sim.core.choice.pick).
            table = model.table
            assert table is not None  # priced: some actor is played by the AI
            self.chosen = forced + [self._describe(table, *name) for name in model.picks[self.index]]

    def _describe(self, table: CandidateTable, a: int, j: int, s: int, ask: int) -> Move:
        """One of this actor's picks (kind, target, sector, ask; -1 for none), with its priced gain, terms and
        chance of acceptance."""
        i = self.index
        act = CATALOGUE[a]
        chance = 1.0
        if ask >= 0:
            x, y = _GIVE_POSITION[a], _ASK_POSITION[ask]
            terms, gain = table.offer_terms_at(x, y, i, j), table.offer_gain.item(x, y, i, j)
            chance = table.offer_accept_chance.item(x, y, i, j)
        elif s >= 0:
            terms, gain = table.sector_terms[:, i, j, s], table.sector_gain.item(i, j, s)
            chance = table.sector_accept_chance.item(i, j, s)
        else:
            terms, gain = table.terms[:, a, i, j], table.gain.item(a, i, j)
            if act.needs_answer:
                chance = table.accept_chance.item(a, i, j)
        return Move(
            i,
            act.id,
            None if act.domestic else j,
            None if s < 0 else s,
            gain,  # expected_gain
            tuple(terms.tolist()),
            table.cost.item(a, i, j),
            "",  # note
            "ai",  # source
            True,  # applied
            None if ask < 0 else CATALOGUE[ask].id,
            "",  # answer
            "",  # answer_reason
            chance,  # accept_chance
        )
