"""VectorEngine: R runs of one setup played round by round as arrays with a leading runs axis.

A round is the Mesa model's (sim.core.model.AlignmentModel.step) for every run at once: price every
candidate, draw each AI actor's moves by Gumbel top-k with the same blocking rules, answer proposals with
the same logistic draws, resolve the moves in the same keyed order, then dynamics, domestic politics and
scoring. Every draw is named as the Mesa model names it (sim.core.streams), under the run's key, so run r
reproduces the Mesa run of the same seed (docs/vector.md says where and why the two may differ).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.core.actions import ACTION_INDEX, CATALOGUE, OFFER_ASKS, OFFER_GIVES, OPPOSITES, PASS
from sim.core.events import ChangeState, EndScenario, ForceMove, SetAgreement, SetInterest, SetPolicy, SetPosition
from sim.core.objectives import grade_for
from sim.core.setup import ModelSetup
from sim.core.streams import Purpose, gumbel, label, logistic, run_key, uniform
from sim.core.utility import _OFFER_ASK_INDEX, _OFFER_GIVE_INDEX, _SECTOR_ACTION
from sim.core.world import INTERESTS, RANGES
from sim.errors import PivotError
from sim.vector.conditions import BatchView, holds
from sim.vector.dynamics import advance, advance_domestic
from sim.vector.pricing import (
    BaselineBatch,
    ContextBatch,
    TableBatch,
    context,
    features,
    policy_affinity,
    price_candidates,
    sanction_pressure,
    sanctions_received,
    trade_agreement_count,
)
from sim.vector.resolve import MoveBatch, resolve_moves
from sim.vector.scoring import IndexBatch
from sim.vector.state import WorldBatch, preconditions


class UnsupportedScenarioError(PivotError, ValueError):
    """A scenario uses a feature the vector engine cannot play yet (play it with the Mesa engine)."""


def unsupported_features(setup: ModelSetup) -> list[str]:
    """What in this setup the vector engine cannot play (empty when it can play it)."""
    problems = []
    ending = [e.id for e in setup.events if any(isinstance(x, EndScenario) for x in e.effects)]
    if ending:
        problems.append(f"events that end the scenario ({', '.join(ending)})")
    if setup.scripted_moves:
        problems.append(f"scripted moves ({len(setup.scripted_moves)})")
    others = [a.id for a in setup.actors if a.controller != "ai"]
    if others:
        problems.append(f"actors not played by the AI ({', '.join(others)})")
    return problems


def check_supported(setup: ModelSetup) -> None:
    """Raise UnsupportedScenarioError naming every feature the vector engine cannot play."""
    problems = unsupported_features(setup)
    if problems:
        raise UnsupportedScenarioError(
            f"scenario {setup.scenario_id!r} uses what the vector engine cannot play yet: {'; '.join(problems)}"
            " (use the Mesa engine: --engine mesa)"
        )


def keys_for(seeds: Sequence[int | np.random.SeedSequence | np.random.Generator]) -> np.ndarray:
    """(R,) the stream keys AlignmentModel(setup, rng=seed) gets: Mesa takes one int32 draw, then the key."""
    keys = np.empty(len(seeds), dtype=np.uint64)
    for r, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        rng.integers(np.iinfo(np.int32).max)  # mesa.Model seeds its stdlib ``random`` with this draw
        keys[r] = run_key(rng)
    return keys


_PASS = ACTION_INDEX[PASS]
_DOMESTIC = np.array([a.domestic for a in CATALOGUE])
_NEEDS_ANSWER = np.array([a.needs_answer for a in CATALOGUE])
_OPPOSITE = np.full(len(CATALOGUE), -1)
for _a, _b in OPPOSITES.items():
    _OPPOSITE[ACTION_INDEX[_a]] = ACTION_INDEX[_b]


def blocks(
    kind: np.ndarray,
    target: np.ndarray,
    sector: np.ndarray,
    c_kind: np.ndarray,
    c_target: np.ndarray,
    c_sector: np.ndarray,
) -> np.ndarray:
    """(K, C) what moves (kind, target, sector) rule out among candidates for the rest of the round (the
    core's ``blocked`` set): the same move, every move of the same kind on the same target unless the move
    names a sector, and the opposite move on the same target."""
    same = (c_kind[None, :] == kind[:, None]) & (c_target[None, :] == target[:, None])
    same &= (sector[:, None] < 0) | (c_sector[None, :] == sector[:, None])
    opposite = (c_kind[None, :] == _OPPOSITE[kind][:, None]) & (c_target[None, :] == target[:, None])
    return same | opposite


@dataclass(frozen=True, slots=True)
class Universe:
    """Every candidate an actor may ever have, in the order the core's ``flatten`` lists an actor's rows:
    plain moves (action, target), agreements (target, sector), conditional offers (give, ask, target), pass."""

    kind: np.ndarray  # (C,) catalogue index
    target: np.ndarray  # (C,)
    sector: np.ndarray  # (C,) -1 where none
    ask: np.ndarray  # (C,) catalogue index, -1 where none
    blocks: np.ndarray  # (C, C) bool: picking candidate c rules out candidate c' for the rest of the round

    @classmethod
    def of(cls, n: int, n_sectors: int) -> Universe:
        n_actions, x, y = len(CATALOGUE), len(OFFER_GIVES), len(OFFER_ASKS)
        a, j = np.meshgrid(np.arange(n_actions), np.arange(n), indexing="ij")
        sj, ss = np.meshgrid(np.arange(n), np.arange(n_sectors), indexing="ij")
        ox, oy, oj = np.meshgrid(np.arange(x), np.arange(y), np.arange(n), indexing="ij")
        kind = np.concatenate([a.ravel(), np.full(sj.size, _SECTOR_ACTION), _OFFER_GIVE_INDEX[ox.ravel()], [_PASS]])
        target = np.concatenate([j.ravel(), sj.ravel(), oj.ravel(), [-1]])
        sector = np.concatenate([np.full(a.size, -1), ss.ravel(), np.full(ox.size, -1), [-1]])
        ask = np.concatenate([np.full(a.size + sj.size, -1), _OFFER_ASK_INDEX[oy.ravel()], [-1]])
        return cls(kind, target, sector, ask, blocks(kind, target, sector, kind, target, sector))

    def grid(self, table: TableBatch, plain_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(R, N, C) gains and feasibility of every candidate of every actor."""
        runs, _, n, _ = table.feasible.shape
        plain_feasible = table.feasible & plain_mask[None, :, None, None]
        gain = np.concatenate(
            [
                table.gain.transpose(0, 2, 1, 3).reshape(runs, n, -1),
                table.sector_gain.reshape(runs, n, -1),
                table.offer_gain.transpose(0, 3, 1, 2, 4).reshape(runs, n, -1),
                np.zeros((runs, n, 1)),
            ],
            axis=-1,
        )
        feasible = np.concatenate(
            [
                plain_feasible.transpose(0, 2, 1, 3).reshape(runs, n, -1),
                table.sector_feasible.reshape(runs, n, -1),
                table.offer_feasible.transpose(0, 3, 1, 2, 4).reshape(runs, n, -1),
                np.ones((runs, n, 1), dtype=bool),
            ],
            axis=-1,
        )
        return gain, feasible


@dataclass(slots=True)
class RoundBatch:
    """The scores of one round for every run (the parts of the core's RoundRecord a batch reads)."""

    round: int
    alignment: np.ndarray  # (R, N, N)
    hedging: np.ndarray  # (R, N)
    kuik_hedging: np.ndarray
    bloc_tilt: np.ndarray
    primary_partner: np.ndarray  # (R, N) int
    utility: np.ndarray
    outcome: np.ndarray  # (R,) index into VectorEngine.outcome_labels
    gdp: np.ndarray
    threat: np.ndarray
    moves: MoveBatch | None = None  # the round's moves after resolution (None at round 0)
    # Policy state at the end of the round (the batch's trajectories record it per round):
    sanctions: np.ndarray | None = None  # (R, N, N)
    tariff: np.ndarray | None = None  # (R, N, N)
    debt: np.ndarray | None = None  # (R, N, N)
    trade: np.ndarray | None = None  # (R, N, N)
    agreements: np.ndarray | None = None  # (R, N, N, S) bool


@dataclass
class VectorEngine:
    """R runs of one setup. ``keys`` are the runs' stream keys (:func:`keys_for`); ``history`` keeps every
    round's :class:`RoundBatch` when ``trajectories`` is true, else only the latest."""

    setup: ModelSetup
    keys: np.ndarray
    trajectories: bool = False
    world: WorldBatch = field(init=False)
    base: BaselineBatch = field(init=False)
    affinity: np.ndarray = field(init=False)
    round: int = field(init=False, default=0)
    history: list[RoundBatch] = field(init=False, default_factory=list)
    held: dict[str, np.ndarray] = field(init=False, default_factory=dict)  # objective id -> (rounds, R) bool

    def __post_init__(self) -> None:
        check_supported(self.setup)
        setup = self.setup
        runs = len(self.keys)
        self._key = np.asarray(self.keys, dtype=np.uint64).reshape(runs, 1)
        self.world = WorldBatch.repeat(setup.world, runs)
        cal = setup.calibration if setup.calibration is not None else setup.world
        received = sanctions_received(cal.sanctions[None], cal.capability)[0]
        self.base = BaselineBatch(
            trade=cal.trade.copy(),
            gdp=cal.gdp.copy(),
            capability=cal.capability.copy(),
            tariff=cal.tariff.copy(),
            sanction_pair=sanction_pressure(cal.sanctions),
            trade_agreements=trade_agreement_count(cal.agreements, setup.trade_sectors),
            sanctions_received=received,
            last_sanctions_received=np.repeat(received[None], runs, axis=0),
            last_access=np.zeros((runs, setup.n_actors)),
            relations=np.repeat(setup.baseline_relations[None], runs, axis=0),
            original_relations=setup.baseline_relations.copy(),
        )
        self.affinity = policy_affinity(self.world.positions, self.world.salience)
        self.interests = np.repeat(setup.interests[None], runs, axis=0)
        self.tau = np.repeat(setup.tau[None], runs, axis=0)
        self.actions_per_round = np.repeat(setup.actions_per_round.astype(int)[None], runs, axis=0)
        self.fired = np.zeros((runs, len(setup.events)), dtype=bool)
        sc = setup.scoring
        self.index = IndexBatch.of(setup.n_actors, sc.powers, sc.bloc_a, sc.bloc_b)
        self.universe = Universe.of(setup.n_actors, len(setup.sectors))
        self.outcome_labels = (*(rule.label for rule in sc.outcomes), sc.default_outcome)
        self._plain = np.array([a.targeted or a.domestic for a in CATALOGUE])
        self._ctx: ContextBatch = context(self.world, self.base, setup, self.affinity)
        self._record(None)

    @property
    def runs(self) -> int:
        return len(self.keys)

    @property
    def finished(self) -> bool:
        return self.round >= self.setup.rounds

    @property
    def last(self) -> RoundBatch:
        return self.history[-1]

    def run(self) -> VectorEngine:
        """Play every remaining round."""
        while not self.finished:
            self.step()
        return self

    def step(self) -> None:
        """One round for every run: choices -> answers -> resolution -> dynamics -> domestic -> scoring."""
        if self.finished:
            return
        self.round += 1
        forced, fired = self._fire_events()
        if fired:
            self._ctx = context(self.world, self.base, self.setup, self.affinity)
        setup, ctx, w = self.setup, self._ctx, self.world
        pre = preconditions(w, setup.scoring.values_dimension)
        table = price_candidates(ctx, setup, pre, self.interests, self.tau)
        moves = self._choose(table, forced)
        self._answer(moves, table)
        order = np.argsort(
            np.where(moves.valid, self._draw(uniform, Purpose.ORDER, moves), np.inf), axis=1, kind="stable"
        )
        if resolve_moves(w, self.base, setup, ctx.alignment, moves, order):
            self.affinity = policy_affinity(w.positions, w.salience)
        advance(w, self.base, setup, self._key, self.round)
        advance_domestic(w, setup, ctx.partner, self._key, self.round)
        self._ctx = context(w, self.base, setup, self.affinity)
        self._record(moves)

    # -- the round's parts ------------------------------------------------------------------------

    def _choose(self, table: TableBatch, forced: list[tuple[np.ndarray, ForceMove]]) -> MoveBatch:
        """Each actor's forced moves, then its picks by Gumbel top-k over its candidates with the core's
        blocking rules (sim.core.agents.CountryAgent.choose_moves and softmax_choice)."""
        u, runs, n = self.universe, self.runs, self.setup.n_actors
        gain, feasible = u.grid(table, self._plain)
        # The candidates that exist, as one list ordered by (run, actor, candidate): segment r * n + i holds
        # run r's actor i's candidates in the core's ``flatten`` order, its pass last (never empty).
        r, i, c = np.nonzero(feasible)
        g = gain[r, i, c]
        seg = r * n + i
        starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        best = np.maximum.reduceat(g, starts)
        largest = np.maximum.reduceat(np.abs(g), starts)
        temperature = self.tau.ravel() * np.where(best != 0.0, np.abs(best), largest)
        safe = np.where(temperature > 0, temperature, 1.0)
        noise = gumbel(self._key[r, 0], Purpose.CHOICE, self.round, i, u.kind[c], u.target[c], u.sector[c], u.ask[c])
        keys = np.where(temperature[seg] > 0, g / safe[seg] + noise, g)

        n_forced = np.zeros((runs, n), dtype=int)
        for mask, f in forced:
            n_forced[mask, f.actor] += 1
        budget = self.actions_per_round - n_forced
        width = np.maximum(self.actions_per_round, n_forced).max(axis=0)
        start = np.concatenate([[0], np.cumsum(width)])
        moves = MoveBatch.empty(runs, int(start[-1]))
        placed = np.zeros((runs, n), dtype=int)
        for mask, f in forced:
            fr = np.nonzero(mask)[0]
            slot = start[f.actor] + placed[fr, f.actor]
            placed[fr, f.actor] += 1
            f_kind = np.full(fr.size, ACTION_INDEX[f.action])
            f_target = np.full(fr.size, -1 if f.target is None else f.target)
            f_sector = np.full(fr.size, -1 if f.sector is None else f.sector)
            self._set(moves, fr, slot, np.full(fr.size, f.actor), f_kind, f_target, f_sector)
            moves.forced[fr, slot] = True
            rows = mask[r] & (i == f.actor)
            ruled_out = blocks(
                f_kind[:1], f_target[:1], f_sector[:1], u.kind[c[rows]], u.target[c[rows]], u.sector[c[rows]]
            )
            keys[np.flatnonzero(rows)[ruled_out[0]]] = -np.inf

        choosing = np.ones(runs * n, dtype=bool)
        flat_budget = budget.ravel()
        position = np.arange(keys.size)
        for p in range(int(budget.max(initial=0))):
            top = np.maximum.reduceat(keys, starts)
            # The first maximum of each segment: the core's stable argsort of -keys.
            first = np.minimum.reduceat(np.where(keys == top[seg], position, keys.size), starts)
            pick = c[first]
            choosing &= (p < flat_budget) & (u.kind[pick] != _PASS)
            if not choosing.any():
                break
            who = np.flatnonzero(choosing)
            pr, pi, pc = who // n, who % n, pick[who]
            kind, target, sector = u.kind[pc], u.target[pc], u.sector[pc]
            slot = start[pi] + n_forced[pr, pi] + p
            self._set(moves, pr, slot, pi, kind, np.where(_DOMESTIC[kind], -1, target), sector, u.ask[pc])
            keys = np.where(choosing[seg] & u.blocks[pick[seg], c], -np.inf, keys)
        return moves

    @staticmethod
    def _set(
        moves: MoveBatch,
        r: np.ndarray,
        slot: np.ndarray,
        i: np.ndarray,
        kind: np.ndarray,
        target: np.ndarray,
        sector: np.ndarray,
        ask: np.ndarray | None = None,
    ) -> None:
        moves.valid[r, slot] = True
        moves.actor[r, slot] = i
        moves.kind[r, slot] = kind
        moves.target[r, slot] = target
        moves.sector[r, slot] = sector
        moves.ask[r, slot] = -1 if ask is None else ask

    def _fire_events(self) -> tuple[list[tuple[np.ndarray, ForceMove]], bool]:
        """The round's events in every run (the core's ``_fire_events``): the forced moves they add, by the
        runs they fired in, and whether any fired."""
        forced: list[tuple[np.ndarray, ForceMove]] = []
        if not self.setup.events:
            return forced, False
        w = self.world
        view = BatchView(self.round, w, self.setup.world, self.last)
        any_fired = positions_changed = False
        for e, event in enumerate(self.setup.events):
            if event.at_round is not None and event.at_round != self.round:
                continue
            due = np.ones(self.runs, dtype=bool) if event.repeat else ~self.fired[:, e]
            if event.when is not None:
                due &= holds(event.when, view)
            if event.chance < 1.0:
                due &= uniform(self._key, Purpose.EVENT, self.round, label(event.id))[:, 0] < event.chance
            if not due.any():
                continue
            r = np.nonzero(due)[0]
            for effect in event.effects:
                match effect:
                    case ChangeState(array=name, index=idx, value=value, mode=mode, symmetric=symmetric):
                        target = getattr(w, name)
                        low, high = RANGES[name]
                        for ix in [idx, idx[::-1]] if symmetric and len(idx) == 2 else [idx]:
                            cell = (r, *ix)
                            new = np.full(r.size, value) if mode == "set" else target[cell] + value
                            target[cell] = np.clip(new, low, high)
                    case SetAgreement(pair=(a, b), sector=sector, signed=signed):
                        w.agreements[r, a, b, sector] = signed
                        w.agreements[r, b, a, sector] = signed
                    case SetPosition(actor=a, dimension=dim, value=value, mode=mode):
                        new = np.full(r.size, value) if mode == "set" else w.positions[r, a, dim] + value
                        w.positions[r, a, dim] = np.clip(new, -1.0, 1.0)
                        positions_changed = True
                    case ForceMove():
                        forced.append((due.copy(), effect))
                    case SetInterest(actor=a, interest=name, value=value):
                        self.interests[r, a, INTERESTS.index(name)] = value
                    case SetPolicy(actor=a, tau=tau, actions_per_round=k):
                        if tau is not None:
                            self.tau[r, a] = tau
                        if k is not None:
                            self.actions_per_round[r, a] = k
                    case _:
                        raise UnsupportedScenarioError(f"event {event.id!r}: the vector engine cannot play {effect!r}")
            self.fired[:, e] |= due
            any_fired = True
        if positions_changed:
            self.affinity = policy_affinity(w.positions, w.salience)
        return forced, any_fired

    def _draw(self, draw: Callable[..., np.ndarray], purpose: Purpose, moves: MoveBatch) -> np.ndarray:
        """(R, M) one named draw per move slot, named by what the move is (the core's ``_draw``)."""
        return draw(self._key, purpose, self.round, moves.actor, moves.kind, moves.target, moves.sector, moves.ask)

    def _answer(self, moves: MoveBatch, table: TableBatch) -> None:
        """Every proposal answered by its target: accept iff gain / T + logistic noise > 0 (greedy: gain > 0)."""
        needs = (_NEEDS_ANSWER[moves.kind] | (moves.ask >= 0)) & moves.valid & ~moves.forced & (moves.target >= 0)
        if not needs.any():
            return
        r, q = np.nonzero(needs)
        i, j, a = moves.actor[r, q], moves.target[r, q], moves.kind[r, q]
        s, ask = moves.sector[r, q], moves.ask[r, q]
        x, y = _GIVE_POSITION[a], _ASK_POSITION[np.maximum(ask, 0)]
        offer = ask >= 0
        sector_based = (a == _SECTOR_ACTION) & (s >= 0)
        gain = np.where(
            offer,
            table.offer_accept_gain[r, x, y, i, j],
            np.where(
                sector_based,
                table.sector_accept_gain[r, i, j, np.maximum(s, 0)],
                table.accept_gain[r, a, i, j],
            ),
        )
        temperature = table.temperature[r, j]
        noise = logistic(self._key[r, 0], Purpose.ANSWER, self.round, i, a, j, s, ask)
        safe = np.where(temperature > 0, temperature, 1.0)
        accepted = np.where(temperature > 0, gain / safe + noise > 0, gain > 0)
        moves.answered[r, q] = True
        moves.accepted[r, q] = accepted

    def _record(self, moves: MoveBatch | None) -> None:
        setup, ctx, w = self.setup, self._ctx, self.world
        A = ctx.alignment
        ix = self.index
        interests = self.interests.copy()
        interests[..., 0] *= 1.0 + setup.dynamics.threat_economy * w.threat
        utility = (features(ctx, setup) * interests).sum(axis=-1) - setup.domestic_spec().regime_weight * w.threat**2
        kuik = ix.kuik(A)
        rec = RoundBatch(
            round=self.round,
            alignment=A,
            hedging=ix.hedging(A),
            kuik_hedging=kuik,
            bloc_tilt=ix.tilt(A),
            primary_partner=ix.primary(A),
            utility=utility,
            outcome=np.zeros(self.runs, dtype=int),
            gdp=w.gdp.copy(),
            threat=w.threat.copy(),
            moves=moves,
            sanctions=w.sanctions.copy(),
            tariff=w.tariff.copy(),
            debt=w.debt.copy(),
            trade=w.trade.copy(),
            agreements=w.agreements.copy(),
        )
        view = BatchView(self.round, w, setup.world, rec)
        outcome = np.full(self.runs, len(setup.scoring.outcomes))
        for k in reversed(range(len(setup.scoring.outcomes))):
            outcome = np.where(holds(setup.scoring.outcomes[k].when, view), k, outcome)
        rec.outcome = outcome
        for objective in setup.objectives:
            now = holds(objective.condition, view)[None]
            if self.round == 0:
                self.held[objective.id] = now
            elif self.round == 1:
                self.held[objective.id] = now  # round 0 counts only when no round is played
            else:
                self.held[objective.id] = np.concatenate([self.held[objective.id], now])
        if self.trajectories or not self.history:
            self.history.append(rec)
        else:
            self.history[-1] = rec

    # -- results ----------------------------------------------------------------------------------

    def outcomes(self) -> list[str]:
        """Each run's final outcome label."""
        return [self.outcome_labels[k] for k in self.last.outcome]

    def objective_scores(self, actor: int) -> tuple[np.ndarray, list[str]]:
        """(R,) score 0..100 and grade of an actor's objectives (sim.core.objectives.assess over runs)."""
        mine = [o for o in self.setup.objectives if o.actor == actor]
        total = sum(o.weight for o in mine)
        met_weight = np.zeros(self.runs)
        for o in mine:
            held = self.held[o.id]
            met = {"final": held[-1], "always": held.all(axis=0), "ever": held.any(axis=0)}[o.timing]
            met_weight += np.where(met, o.weight, 0.0)
        score = 100.0 * met_weight / total if total > 0 else np.zeros(self.runs)
        return score, [grade_for(float(s)) for s in score]


_GIVE_POSITION = np.zeros(len(CATALOGUE), dtype=int)
_GIVE_POSITION[_OFFER_GIVE_INDEX] = np.arange(len(_OFFER_GIVE_INDEX))
_ASK_POSITION = np.zeros(len(CATALOGUE), dtype=int)
_ASK_POSITION[_OFFER_ASK_INDEX] = np.arange(len(_OFFER_ASK_INDEX))
