"""CountryAgent: a Mesa agent per actor that chooses its moves by utility and softmax, or takes them from outside."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.actions import ACTION_INDEX, CATALOGUE, OFFER_ASKS, OFFER_GIVES, OPPOSITES, PASS
from sim.core.mesa_import import mesa
from sim.core.record import Move
from sim.core.setup import ActorSpec, Controller
from sim.core.utility import CandidateList, CandidateTable

if TYPE_CHECKING:
    from sim.core.model import AlignmentModel

_PASS = ACTION_INDEX[PASS]
_OPPOSITES = {ACTION_INDEX[a]: ACTION_INDEX[b] for a, b in OPPOSITES.items()}
#: Catalogue index -> position in OFFER_GIVES / OFFER_ASKS (the axes of a CandidateTable's offer arrays).
_GIVE_POSITION = {ACTION_INDEX[x]: k for k, x in enumerate(OFFER_GIVES)}
_ASK_POSITION = {ACTION_INDEX[y]: k for k, y in enumerate(OFFER_ASKS)}


def softmax_scale(gains: np.ndarray, tau: float) -> float:
    """The softmax temperature in utility units: ``tau x |best gain|`` (or the largest |gain| if best is 0).

    A relative temperature makes tau dimensionless: at tau = 0.15 a move worth 90 % of the best is drawn
    about half as often as the best, one worth 50 % about 4 % as often.
    """
    best = float(gains.max())
    scale = abs(best) if best != 0.0 else float(np.abs(gains).max())
    return tau * scale


def softmax_probabilities(gains: np.ndarray, tau: float) -> np.ndarray:
    """Choice probabilities of one draw over candidate gains (tau <= 0: greedy, ties shared)."""
    if gains.size == 0:
        return gains
    temperature = softmax_scale(gains, tau)
    p = (gains == gains.max()).astype(float) if temperature <= 0.0 else np.exp((gains - gains.max()) / temperature)
    return p / p.sum()


def choice_keys(candidates: CandidateList, tau: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
    """Sort keys of every candidate of every actor: gain / (tau x |best gain|) + Gumbel noise (greedy: gain)."""
    gains, start = candidates.gain, candidates.start[:-1]
    best = np.maximum.reduceat(gains, start)
    largest = np.maximum.reduceat(np.abs(gains), start)
    temperature = tau * np.where(best != 0.0, np.abs(best), largest)
    per_row = temperature[candidates.actor]
    warm = per_row > 0
    safe = np.where(warm, per_row, 1.0)
    return np.where(warm, gains / safe + gumbel, gains)


class CountryAgent(mesa.Agent):
    """One actor. Each round its controller supplies moves: ``ai`` by utility + softmax,
    ``human`` from orders submitted to the model, ``scripted`` from the scenario's fixed moves."""

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
        forced = model.forced_moves_for(self.index)
        budget = int(model.policy.actions_per_round[self.index]) - len(forced)
        if self.controller == "human":
            self.chosen = forced + model.take_orders(self.index)
        elif self.controller == "scripted" or budget <= 0:
            self.chosen = forced
        else:
            self.chosen = forced + self.softmax_choice(model.candidates, model.table, model.choice_keys, budget, forced)

    def softmax_choice(
        self, candidates: CandidateList, table: CandidateTable, keys: np.ndarray, budget: int, exclude: list[Move]
    ) -> list[Move]:
        """Draw up to ``budget`` distinct moves by softmax over estimated gains; a drawn pass ends the turn.

        Sequential softmax draws without replacement are taken at once with the Gumbel top-k trick: the
        order of ``gain / temperature + Gumbel noise`` (``keys``, see :func:`choice_keys`) is a
        Plackett-Luce sample of the softmax.
        """
        lo, hi = candidates.start.item(self.index), candidates.start.item(self.index + 1)  # Python ints
        blocked = {(ACTION_INDEX[m.action], m.target, m.sector) for m in exclude}
        blocked |= {
            (_OPPOSITES[ACTION_INDEX[m.action]], m.target, None)
            for m in exclude
            if ACTION_INDEX[m.action] in _OPPOSITES
        }
        picks: list[Move] = []
        kinds, targets, sectors, asks = candidates.kind, candidates.target, candidates.sector, candidates.ask
        for k in (-keys[lo:hi]).argsort(kind="stable").tolist():
            row = lo + k
            kind = kinds.item(row)
            if kind == _PASS:
                break
            target, sector = targets.item(row), sectors.item(row)
            key = (kind, target, None if sector < 0 else sector)
            if key in blocked or (kind, target, None) in blocked:
                continue
            picks.append(self._describe(table, kind, target, sector, asks.item(row)))
            blocked.add(key)
            if kind in _OPPOSITES:
                blocked.add((_OPPOSITES[kind], target, None))
            if len(picks) == budget:
                break
        return picks

    def _describe(self, table: CandidateTable, a: int, j: int, s: int, ask: int = -1) -> Move:
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
