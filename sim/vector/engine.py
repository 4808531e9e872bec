"""VectorEngine: R runs of one setup played round by round as arrays with a leading runs axis.

A round is the Mesa model's (sim.core.model.AlignmentModel.step) for every run at once: price every
candidate, draw each AI actor's moves by Gumbel top-k with the same blocking rules, answer proposals with
the same logistic draws, resolve the moves in the same keyed order, then dynamics, domestic politics and
scoring. Every draw is named as the Mesa model names it (sim.core.streams), under the run's key, so run r
reproduces the Mesa run of the same seed (docs/vector.md says where and why the two may differ).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np

from sim.core.actions import ACTION_INDEX, CATALOGUE
from sim.core.choice import accept_gain, accepts, choice_keys, exclude, pick, universe
from sim.core.conditions import MetricView, StateArrays, holds
from sim.core.events import EndScenario, ForceMove, PolicyState, apply_effects, is_due
from sim.core.legal import MoveSpace
from sim.core.objectives import Objective, grade_for, judged, met, weighted_score
from sim.core.pricing import Scratch
from sim.core.setup import RUN_FIELDS, ModelSetup, per_run, stack_action_costs, stack_params
from sim.core.streams import Purpose, extend, gumbel_extended, hashes, label, logistic, run_key, uniform
from sim.errors import PivotError, PivotMoveError
from sim.vector.dynamics import advance, advance_domestic
from sim.vector.moves import space_masks
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


class ExternalMoveError(PivotMoveError):
    """Orders or answers given for an external actor that the rules do not allow now (names run and move)."""


#: An external actor's policy: given the engine and the actor, its orders (R, K) of move-space indices (0 or
#: -1: nothing) and its answers (R, P) to :meth:`VectorEngine.proposals_to` (1 accept, 0 refuse, -1 none).
Policy = Callable[["VectorEngine", int], tuple[np.ndarray, np.ndarray | None]]


@dataclass(frozen=True, slots=True)
class Proposals:
    """Proposals waiting for an external actor's answer, (R, P) per run in answer order (``valid`` marks them)."""

    valid: np.ndarray
    proposer: np.ndarray
    kind: np.ndarray  # catalogue index
    sector: np.ndarray  # -1 where none
    ask: np.ndarray  # catalogue index, -1 where none


def unsupported_features(setup: ModelSetup, external: Sequence[int] = ()) -> list[str]:
    """What in this setup the vector engine cannot play (empty when it can play it). Actors listed in
    ``external`` get their moves and answers from outside (:meth:`VectorEngine.submit`), whatever their
    controller in the scenario."""
    problems = []
    ending = [e.id for e in setup.events if any(isinstance(x, EndScenario) for x in e.effects)]
    if ending:
        problems.append(f"events that end the scenario ({', '.join(ending)})")
    if setup.scripted_moves:
        problems.append(f"scripted moves ({len(setup.scripted_moves)})")
    others = [a.id for k, a in enumerate(setup.actors) if a.controller != "ai" and k not in external]
    if others:
        problems.append(f"actors not played by the AI ({', '.join(others)}), unless given as external actors")
    return problems


def check_supported(setup: ModelSetup, external: Sequence[int] = ()) -> None:
    """Raise UnsupportedScenarioError naming every feature the vector engine cannot play."""
    problems = unsupported_features(setup, external)
    if problems:
        raise UnsupportedScenarioError(
            f"scenario {setup.scenario_id!r} uses what the vector engine cannot play yet: {'; '.join(problems)}"
            " (use the Mesa engine: --engine mesa)"
        )


#: How many cells (runs x N x N) one batch's arrays may span before a run costs more: measured on a 2-core
#: machine with a 2 MB L2 and a 32 MB L3 cache (``bench_vector.py --batch-sizes``), the cost per run falls with
#: the runs of a batch until about 256 runs at 6 actors, is flat from 32 to 128 runs of 24 actors, and rises
#: beyond 32 runs of 48 actors (about 1.2x at 64 runs, 2x at 256), where the per-move arrays leave the cache.
BATCH_CELLS = 32 * 48 * 48


def largest_batch(n_actors: int) -> int:
    """The most runs of ``n_actors`` actors worth playing in one batch: 256, fewer where R x N x N would pass
    :data:`BATCH_CELLS` (32 runs of 48 actors), never fewer than 16. More runs than this play best as
    several batches (``sim.batch.vector_runs.play_points`` splits them; the runs are the same either way)."""
    return max(16, min(256, BATCH_CELLS // max(1, n_actors * n_actors)))


def keys_for(seeds: Sequence[int | np.random.SeedSequence | np.random.Generator]) -> np.ndarray:
    """(R,) the stream keys AlignmentModel(setup, rng=seed) gets: Mesa takes one int32 draw, then the key."""
    keys = np.empty(len(seeds), dtype=np.uint64)
    for r, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        rng.integers(np.iinfo(np.int32).max)  # mesa.Model seeds its stdlib ``random`` with this draw
        keys[r] = run_key(rng)
    return keys


def _differ(stacked: object, own: object) -> bool:
    """Whether runs' stacked parameters (sim.core.setup.stack_params) are not, bit for bit, the setup's own."""
    return any(
        np.asarray(getattr(stacked, f.name)).tobytes() != np.float64(getattr(own, f.name)).tobytes()
        for f in fields(stacked)  # type: ignore[arg-type]
    )


_DOMESTIC = np.array([a.domestic for a in CATALOGUE])
_NEEDS_ANSWER = np.array([a.needs_answer for a in CATALOGUE])


def _copy_rows(dest: np.ndarray, src: np.ndarray) -> None:
    """``dest[...] = src`` (same shape and dtype), a whole row of the last axis at a time where both arrays'
    last axes are contiguous: numpy's copy then loops over rows (one opaque item each) instead of over runs
    of N items, about half the time for a transposed copy at N = 6."""
    if src.shape[-1] and src.strides[-1] == src.itemsize and dest.strides[-1] == dest.itemsize:
        row = np.dtype((np.void, src.shape[-1] * src.itemsize))
        dest.view(row)[...] = src.view(row)
    else:
        np.copyto(dest, src)


def candidates(
    table: TableBatch, plain_mask: np.ndarray, passing: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The feasible candidates of every actor in every run, ordered by (run, actor, candidate): their
    segment r x N + i (run r, actor i), candidate c (its index in :class:`sim.core.choice.Universe`, the order
    the core's ``flatten`` lists an actor's rows) and gain (each actor's pass is always among them); where
    each segment starts in that list (R x N, none empty); and each candidate's segment x C + c (C the
    universe's size: the one ascending key :func:`sim.core.choice.pick` looks candidates up by). Actors
    marked in ``passing`` (N,) bool, who pick nothing here (the external ones), are listed with their pass
    only: their other candidates would cost draws no pick reads."""
    runs, n_actions, n, _ = table.feasible.shape
    _, x, y, _, _ = table.offer_feasible.shape
    # Every (run, actor) row of the universe in one (R, N, C) layout, its blocks side by side: plain moves
    # (A, j), agreements (j, s), offers (x, y, j), the pass. The candidates are its feasible cells in flat
    # order, and their gains the same cells of a gain array laid out alike (read by the same flat indices).
    o_sector = n_actions * n
    o_offer = o_sector + table.sector_feasible[0, 0].size
    width = o_offer + x * y * n + 1
    feasible = np.empty((runs, n, width), dtype=bool)
    _copy_rows(feasible[..., :o_sector].reshape(runs, n, n_actions, n),
               (table.feasible & plain_mask[:, None, None]).transpose(0, 2, 1, 3))  # fmt: skip
    feasible[..., o_sector:o_offer].reshape(table.sector_feasible.shape)[...] = table.sector_feasible
    if table.offer_at is None:
        offers = feasible[..., o_offer:-1].reshape(runs, n, x, y, n)
        _copy_rows(offers, table.offer_feasible.transpose(0, 3, 1, 2, 4))
    else:  # offers priced without detail: the feasible ones only, at flat indices q of (R, X, Y, N, N)
        q = table.offer_at
        rxy, ri = q // (n * n), q // n  # r x XY + (x x Y + y), and that x N + i
        r = rxy // (x * y)
        i = ri - rxy * n
        place = (rxy - r * (x * y)) * n + (q - ri * n)  # the offer's place in its actor's block: (x x Y + y) x N + j
        offer_at = (r * n + i) * width + o_offer + place  # their cells in the grid
        feasible[..., o_offer:-1] = False
        feasible.reshape(-1)[offer_at] = True
    feasible[..., -1] = True
    if passing is not None and passing.any():
        feasible[:, passing, :-1] = False
    flat = np.flatnonzero(feasible)
    gains = np.empty((runs, n, width))  # read only where feasible
    _copy_rows(gains[..., :o_sector].reshape(runs, n, n_actions, n), table.gain.transpose(0, 2, 1, 3))
    gains[..., o_sector:o_offer].reshape(table.sector_gain.shape)[...] = table.sector_gain
    if table.offer_at is None:
        _copy_rows(gains[..., o_offer:-1].reshape(runs, n, x, y, n), table.offer_gain.transpose(0, 3, 1, 2, 4))
    else:
        gains.reshape(-1)[offer_at] = table.offer_gain
    gains[..., -1] = 0.0
    gain = gains.reshape(-1).take(flat)
    bounds = np.searchsorted(flat, np.arange(0, runs * n * width + 1, width))
    counts = np.diff(bounds)
    seg = np.repeat(np.arange(runs * n), counts)
    c = flat - np.repeat(np.arange(0, runs * n * width, width), counts)
    return seg, c, gain, bounds[:-1], flat


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
    external: tuple[int, ...] = ()  # actors whose moves and answers come from outside (submit / policies)
    # Run r plays run_setups[r] (default: ``setup`` in every run): setups that differ from ``setup`` only in
    # what the engine holds per run (sim.core.setup.RUN_FIELDS), e.g. several sweep points' runs at once.
    run_setups: Sequence[ModelSetup] | None = None
    world: WorldBatch = field(init=False)
    base: BaselineBatch = field(init=False)
    affinity: np.ndarray = field(init=False)
    round: int = field(init=False, default=0)
    history: list[RoundBatch] = field(init=False, default_factory=list)
    # (actor, objective id) -> whether its condition held in each run, one (R,) row per round from round 0 on
    _held_rows: dict[tuple[int, str], list[np.ndarray]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.external = tuple(sorted({int(a) for a in self.external}))
        bad = [a for a in self.external if not 0 <= a < self.setup.n_actors]
        if bad:
            raise ValueError(f"external actors must be indices 0..{self.setup.n_actors - 1} (got {bad})")
        check_supported(self.setup, self.external)
        runs = len(self.keys)
        per_run = self._per_run(runs)
        setup = self.setup
        self._key = np.asarray(self.keys, dtype=np.uint64).reshape(runs, 1)
        self.world = (
            WorldBatch.repeat(setup.world, runs)
            if self.run_setups is None
            else WorldBatch.of([s.world for s in self.run_setups])
        )
        # The starting state the conditions compare with (trade_change, gdp_change): shared, or each run's.
        self.initial: StateArrays = setup.world if self.run_setups is None else self.world.copy()
        cal = setup.observed()
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
            relations=per_run(lambda s: s.baseline_relations),
            # (N, N), or (R, N, N) when the runs' baselines may differ: the same arithmetic either way.
            original_relations=setup.baseline_relations.copy()
            if self.run_setups is None
            else per_run(lambda s: s.baseline_relations),
        )
        self.affinity = policy_affinity(self.world.positions, self.world.salience)
        self.interests = per_run(lambda s: s.interests)
        self.tau = per_run(lambda s: s.tau)
        self.actions_per_round = per_run(lambda s: s.actions_per_round.astype(int))
        self.fired = np.zeros((runs, len(setup.events)), dtype=bool)
        sc = setup.scoring
        self.index = IndexBatch.of(setup.n_actors, sc.powers, sc.bloc_a, sc.bloc_b)
        self.universe = universe(setup)
        self.outcome_labels = sc.outcome_labels
        self._plain = np.array([a.targeted or a.domestic for a in CATALOGUE])
        self._ctx: ContextBatch = context(self.world, self.base, setup, self.affinity)
        self._is_external = np.zeros(setup.n_actors, dtype=bool)
        self._is_external[list(self.external)] = True
        self.space: MoveSpace | None = MoveSpace(setup) if self.external else None
        self._orders: dict[int, np.ndarray] = {}  # actor -> (R, K) move-space indices for the next round
        self._answers: dict[int, np.ndarray] = {}  # actor -> (R, P) 1 accept / 0 refuse / -1 no answer
        self._masks: dict[int, np.ndarray] = {}  # actor -> (R, M) legal moves on the current world (cached)
        self.pending = MoveBatch.empty(runs, 0)  # proposals to external actors, answered next round
        self._held = np.zeros((runs, 0), dtype=bool)  # this round's slots not resolved (pending or expired)
        self._to_hold: np.ndarray | None = None  # this round's proposals to external actors
        self.table: TableBatch | None = None  # the last round's pricing (what its proposals were worth)
        self._now: TableBatch | None = None  # the pricing of the current state, once something asked for it
        self._scratch = Scratch()  # pricing's buffers, reused round after round
        self._record(None)

    def _per_run(self, runs: int) -> Callable[[Callable[[ModelSetup], np.ndarray]], np.ndarray]:
        """Check ``run_setups`` against ``setup`` and, where their action costs, dynamics parameters or scoring
        weights differ from the setup's, replace ``self.setup`` by a copy holding the runs' (stack_action_costs,
        stack_params); return a reader of one of their array RUN_FIELDS as (R, ...)."""
        if self.run_setups is None:
            return lambda get: np.repeat(get(self.setup)[None], runs, axis=0)
        if len(self.run_setups) != runs:
            raise ValueError(f"run_setups lists {len(self.run_setups)} setups for {runs} runs")
        key = self.setup.batch_key()
        for r, other in enumerate(self.run_setups):
            if other.batch_key() != key:  # kept with each setup: one comparison of bytes a run
                differences = self.setup.differences_beyond_runs(other)
                raise ValueError(
                    f"run {r}'s setup differs from the engine's in {', '.join(differences)}: runs of one batch may "
                    f"differ only in {', '.join(RUN_FIELDS)} (play the others in a batch of their own)"
                )
        # The runs' dynamics parameters and scoring weights, each field a float or (R,) values (stack_params).
        dynamics = stack_params([s.dynamics for s in self.run_setups])
        weights = stack_params([s.scoring.weights for s in self.run_setups])
        # The runs' action costs: (A, N) where every run's are the same, else (R, A, N) (stack_action_costs).
        costs = stack_action_costs([s.action_cost for s in self.run_setups])
        own = self.setup.action_cost
        if (
            _differ(dynamics, self.setup.dynamics)
            or _differ(weights, self.setup.scoring.weights)
            or costs.shape != own.shape
            or costs.tobytes() != own.tobytes()
        ):
            self.setup = replace(
                self.setup,
                action_cost=costs,
                dynamics=dynamics,
                scoring=replace(self.setup.scoring, weights=weights),
            )
        return lambda get: np.stack([get(s) for s in self.run_setups or ()])

    @property
    def runs(self) -> int:
        return len(self.keys)

    @property
    def finished(self) -> bool:
        return self.round >= self.setup.rounds

    @property
    def last(self) -> RoundBatch:
        return self.history[-1]

    def run(self, policies: Mapping[int, Policy] | None = None) -> VectorEngine:
        """Play every remaining round; each external actor's orders and answers come from its policy."""
        missing = [a for a in self.external if a not in (policies or {})]
        if missing and policies is not None:
            raise ValueError(f"no policy for external actors {missing}")
        while not self.finished:
            for actor, policy in (policies or {}).items():
                orders, answers = policy(self, actor)
                self.submit(actor, orders, answers)
            self.step()
        return self

    # -- external actors ---------------------------------------------------------------------------

    def legal(self, actor: int) -> np.ndarray:
        """(R, M) bool: the move-space slots (``self.space``) ``actor`` may order now in each run."""
        if actor not in self._masks:
            space = self.space if self.space is not None else MoveSpace(self.setup)
            self.space = space
            # Every external actor's masks at once (the ones asked for each round), else every actor's.
            rows = self.external if actor in self.external else tuple(range(self.setup.n_actors))
            masks = space_masks(space, self.world, self.setup, rows)
            self._masks.update(zip(rows, masks.transpose(1, 0, 2), strict=True))
        return self._masks[actor]

    def proposals_to(self, actor: int) -> Proposals:
        """Proposals made last round to external ``actor``, waiting for its answer (the Mesa model's
        ``proposals_to``: answered by :meth:`submit` for this round, else they expire)."""
        p = self.pending
        mine = p.valid & (p.target == actor)
        order = np.argsort(~mine, axis=1, kind="stable")
        width = int(mine.sum(axis=1).max(initial=0))
        take = order[:, :width]

        def pick(a: np.ndarray) -> np.ndarray:
            return np.take_along_axis(a, take, axis=1)

        valid = pick(mine)
        return Proposals(valid, np.where(valid, pick(p.actor), -1), np.where(valid, pick(p.kind), -1),
                         np.where(valid, pick(p.sector), -1), np.where(valid, pick(p.ask), -1))  # fmt: skip

    def recommended_answers(self, actor: int) -> np.ndarray:
        """(R, P) the AI's answer to each proposal waiting for ``actor``: accept iff its gain is positive now
        (the Mesa model's ``recommended_answers``); -1 where no proposal waits."""
        waiting = self.proposals_to(actor)
        if not waiting.valid.any():
            return np.where(waiting.valid, 0, -1)
        table = self._price_now()
        r, q = np.nonzero(waiting.valid)
        gain = accept_gain(table, r, waiting.proposer[r, q], np.full(r.size, actor), waiting.kind[r, q],
                            waiting.sector[r, q], waiting.ask[r, q])  # fmt: skip
        out = np.full(waiting.valid.shape, -1, dtype=np.int8)
        out[r, q] = gain > 0
        return out

    def submit(self, actor: int, orders: np.ndarray, answers: np.ndarray | None = None) -> None:
        """Give external ``actor`` its moves for the next round in every run, and its answers to proposals.

        ``orders`` is (R, K) move-space indices (``self.space``; 0 = pass and -1 are skipped), at most the
        actor's moves per round and each legal now (:meth:`legal`), as the Mesa model's ``submit`` requires.
        ``answers`` is (R, P) over :meth:`proposals_to` (1 accept, 0 refuse, -1 or missing: it expires).
        Raises ExternalMoveError naming the first run and move that break a rule.
        """
        if actor not in self.external:
            raise ValueError(f"actor {actor} is not external (external: {list(self.external)})")
        name = self.setup.actors[actor].id
        o = np.asarray(orders, dtype=np.int64).reshape(self.runs, -1)
        mask = self.legal(actor)
        space = self.space
        assert space is not None
        if ((o < -1) | (o >= space.size)).any():
            r = int(np.nonzero(((o < -1) | (o >= space.size)).any(axis=1))[0][0])
            raise ExternalMoveError(f"{name}, run {r}: move indices are 0..{space.size - 1} (got {o[r].tolist()})")
        real = o > 0
        illegal = real & ~np.take_along_axis(mask, np.maximum(o, 0), axis=1)
        if illegal.any():
            r, q = (int(x[0]) for x in np.nonzero(illegal))
            raise ExternalMoveError(f"{name}, run {r}: {space.entries[o[r, q]].order()} is not possible now")
        over = real.sum(axis=1) > self.actions_per_round[:, actor]
        if over.any():
            r = int(np.nonzero(over)[0][0])
            raise ExternalMoveError(f"{name}, run {r}: at most {int(self.actions_per_round[r, actor])} moves a round")
        self._orders[actor] = o
        waiting = self.proposals_to(actor).valid
        a = np.full(waiting.shape, -1, dtype=np.int8)
        if answers is not None:
            given = np.asarray(answers).reshape(self.runs, -1).astype(np.int8)
            extra = (given[:, waiting.shape[1] :] >= 0).any(axis=1)
            width = min(given.shape[1], waiting.shape[1])
            extra |= ((given[:, :width] >= 0) & ~waiting[:, :width]).any(axis=1)
            if extra.any():
                r = int(np.nonzero(extra)[0][0])
                raise ExternalMoveError(f"{name}, run {r}: answers given to proposals that are not waiting")
            a[:, :width] = given[:, :width]
        self._answers[actor] = a

    def step(self) -> None:
        """One round for every run: choices -> answers -> resolution -> dynamics -> domestic -> scoring."""
        if self.finished:
            return
        self.round += 1
        forced, fired = self._fire_events()
        if fired:
            self._ctx = context(self.world, self.base, self.setup, self.affinity)
            self._now = None  # an event changed the state since anything was priced
        setup, ctx, w = self.setup, self._ctx, self.world
        # When recommended answers priced the state before the round and no event fired: the same table.
        table = self._price_now()
        self.table = table  # the round's pricing, kept until the next step (as the Mesa model's ``table``)
        moves = self._choose(table, forced)
        self._answer(moves, table)
        # Slots held for an external actor's answer (or expired) are not resolved: they sort last, with the
        # empty ones, and the other moves keep the relative order of their draws.
        live = moves.valid & ~self._held
        order = np.argsort(np.where(live, self._draw(uniform, Purpose.ORDER, moves), np.inf), axis=1, kind="stable")
        if resolve_moves(w, self.base, setup, ctx.alignment, replace(moves, valid=live), order):
            self.affinity = policy_affinity(w.positions, w.salience)
        if self.external:
            self._hold(moves)
        advance(w, self.base, setup, self._key, self.round)
        advance_domestic(w, setup, ctx.partner, self._key, self.round)
        self._ctx = context(w, self.base, setup, self.affinity)
        self._orders, self._answers, self._masks, self._now = {}, {}, {}, None
        self._record(moves)

    def _price_now(self) -> TableBatch:
        """Every candidate priced on the current state (kept until the state changes)."""
        if self._now is None:
            pre = preconditions(self.world, self.setup.scoring.values_dimension)
            # Only feasible moves' gains are read densely (choices and their answers); answers to last
            # round's proposals read this round's offers wherever they stand, one by one (accept_gain).
            self._now = price_candidates(
                self._ctx, self.setup, pre, self.interests, self.tau, detail=False, scratch=self._scratch
            )
        return self._now

    # -- the round's parts ------------------------------------------------------------------------

    def _choose(self, table: TableBatch, forced: list[tuple[np.ndarray, ForceMove]]) -> MoveBatch:
        """Each actor's forced moves, then its picks by Gumbel top-k over its candidates with the core's
        blocking table (sim.core.choice: choice_keys, exclude, pick; the Mesa model's AlignmentModel._pick)."""
        u, runs, n = self.universe, self.runs, self.setup.n_actors
        # The candidates that exist, as one list ordered by (run, actor, candidate): segment r * n + i holds
        # run r's actor i's candidates in the core's ``flatten`` order, its pass last (never empty).
        seg, c, g, starts, listed = candidates(table, self._plain, self._is_external)
        # The names of the draws start (run, purpose, round, actor, action): hash that start once for every
        # actor and action of each run, then each candidate's target, sector and ask.
        per_action = extend(hashes(self._key[:, :, None], Purpose.CHOICE, self.round), np.arange(n)[:, None],
                            np.arange(len(CATALOGUE)))  # fmt: skip
        at = seg * len(CATALOGUE)
        at += u.kind.take(c)  # each candidate's (segment, action) in per_action's flat order
        noise = gumbel_extended(per_action, at, c, u.target, u.sector, u.ask)
        keys = choice_keys(g, seg, starts, self.tau.ravel(), noise)

        n_forced = np.zeros((runs, n), dtype=int)
        for mask, f in forced:
            n_forced[mask, f.actor] += 1
        budget = np.where(self._is_external, 0, self.actions_per_round - n_forced)
        n_orders = np.zeros((runs, n), dtype=int)
        for actor, o in self._orders.items():
            n_orders[:, actor] = (o > 0).sum(axis=1)
        width = np.maximum(self.actions_per_round, n_forced + n_orders).max(axis=0)
        # Proposals to external actors made last round come first, as in the Mesa model's list of moves.
        held = self.pending.valid.shape[1]
        start = held + np.concatenate([[0], np.cumsum(width)])
        moves = MoveBatch.empty(runs, int(start[-1]))
        self._held = np.zeros((runs, int(start[-1])), dtype=bool)  # slots not resolved this round
        if held:
            self._answer_pending(moves, held)
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
            rows = np.flatnonzero(mask[seg // n] & (seg % n == f.actor))
            cr = c[rows]
            exclude(keys, rows, int(f_kind[0]), int(f_target[0]), int(f_sector[0]), u.kind[cr], u.target[cr],
                    u.sector[cr])  # fmt: skip

        if self.space is not None:
            sp = self.space
            for actor, o in self._orders.items():
                for p in range(o.shape[1]):
                    pr = np.flatnonzero(o[:, p] > 0)
                    if pr.size == 0:
                        continue
                    e = o[pr, p]
                    # The p-th real order of the run: count the real orders before column p.
                    slot = start[actor] + n_forced[pr, actor] + (o[pr, :p] > 0).sum(axis=1)
                    self._set(moves, pr, slot, np.full(pr.size, actor), sp.kind[e], sp.target[e], sp.sector[e],
                              sp.ask[e])  # fmt: skip

        try:
            picks = pick(keys, seg, starts, c, u, budget.ravel(), listed)
        except FloatingPointError as error:
            raise FloatingPointError(f"round {self.round}: {error}") from None
        for p, (who, row) in enumerate(picks):
            pr, pi, pc = who // n, who % n, c[row]
            kind, target, sector = u.kind[pc], u.target[pc], u.sector[pc]
            slot = start[pi] + n_forced[pr, pi] + p
            self._set(moves, pr, slot, pi, kind, np.where(_DOMESTIC[kind], -1, target), sector, u.ask[pc])
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
        view = self.metric_view()
        any_fired = positions_changed = False
        for e, event in enumerate(self.setup.events):
            due = np.broadcast_to(is_due(event, self.round, view, self.fired[:, e]), (self.runs,))
            if not due.any():
                continue
            if event.chance < 1.0:
                due = due & (uniform(self._key, Purpose.EVENT, self.round, label(event.id))[:, 0] < event.chance)
            if not due.any():
                continue
            policy = PolicyState(self.interests, self.tau, self.actions_per_round)
            apply_effects(event, w, policy, runs=np.nonzero(due)[0])
            forced += [(due.copy(), f) for f in policy.forced]
            positions_changed |= policy.positions_changed
            if policy.ended is not None:  # refused before the first round (unsupported_features)
                raise UnsupportedScenarioError(f"event {event.id!r}: the vector engine cannot end a run early")
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
        needs[:, : self.pending.valid.shape[1]] = False  # last round's proposals to external actors: answered
        if self.external:
            to_external = needs & self._is_external[np.maximum(moves.target, 0)]
            self._held |= to_external  # pending: answered by the external actor next round
            self._to_hold = to_external
            needs &= ~to_external
        if not needs.any():
            return
        r, q = np.nonzero(needs)
        i, j, a = moves.actor[r, q], moves.target[r, q], moves.kind[r, q]
        s, ask = moves.sector[r, q], moves.ask[r, q]
        gain = accept_gain(table, r, i, j, a, s, ask)
        temperature = table.temperature[r, j]
        noise = logistic(self._key[r, 0], Purpose.ANSWER, self.round, i, a, j, s, ask)
        accepted = accepts(gain, temperature, noise)
        moves.answered[r, q] = True
        moves.accepted[r, q] = accepted

    def _answer_pending(self, moves: MoveBatch, held: int) -> None:
        """Copy last round's proposals to external actors into slots 0..held-1 with the answers given
        (the Mesa model's ``_answer_pending``): accepted or refused, else expired (not resolved)."""
        p = self.pending
        for f in fields(MoveBatch):
            getattr(moves, f.name)[:, :held] = getattr(p, f.name)
        answer = np.full(p.valid.shape, -1, dtype=np.int8)
        for actor, given in self._answers.items():
            mine = p.valid & (p.target == actor)
            rank = np.cumsum(mine, axis=1) - 1  # position in proposals_to(actor)
            r, q = np.nonzero(mine & (rank < given.shape[1]))
            answer[r, q] = given[r, rank[r, q]]
        moves.answered[:, :held] = p.valid & (answer >= 0)
        moves.accepted[:, :held] = answer == 1
        moves.applied[:, :held] = False
        self._held[:, :held] = p.valid & (answer < 0)  # expired

    def _hold(self, moves: MoveBatch) -> None:
        """Keep this round's proposals to external actors, in slot order, for their answers next round."""
        hold = self._to_hold
        if hold is None or hold.shape != moves.valid.shape or not hold.any():
            self.pending = MoveBatch.empty(self.runs, 0)
            self._to_hold = None
            return
        order = np.argsort(~hold, axis=1, kind="stable")[:, : int(hold.sum(axis=1).max())]
        kept = MoveBatch(*(np.take_along_axis(getattr(moves, f.name), order, axis=1) for f in fields(MoveBatch)))
        kept.valid &= np.take_along_axis(hold, order, axis=1)
        kept.answered[:] = False
        kept.accepted[:] = False
        kept.applied[:] = False
        self.pending = kept
        self._to_hold = None

    def metric_view(self, scores: RoundBatch | None = None) -> MetricView:
        """What the conditions (sim.core.conditions) read now in every run: the world as it is, with the
        scores of ``scores`` (default: the latest round's)."""
        if scores is None:
            scores = self.last
        return MetricView(
            round=self.round,
            world=self.world,
            initial=self.initial,
            alignment=scores.alignment,
            hedging=scores.hedging,
            bloc_tilt=scores.bloc_tilt,
            primary_partner=scores.primary_partner,
            utility=scores.utility,
            kuik_hedging=scores.kuik_hedging,
        )

    def _record(self, moves: MoveBatch | None) -> None:
        setup, ctx, w = self.setup, self._ctx, self.world
        A = ctx.alignment
        ix = self.index
        interests = self.interests.copy()
        interests[..., 0] *= 1.0 + per_run(setup.dynamics.threat_economy, w.threat.ndim) * w.threat
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
        view = self.metric_view(rec)
        rec.outcome = np.asarray(setup.scoring.outcome(view))
        for objective in setup.objectives:
            now = np.broadcast_to(holds(objective.condition, view), (self.runs,))
            self._held_rows.setdefault((objective.actor, objective.id), []).append(now)
        if self.trajectories or not self.history:
            self.history.append(rec)
        else:
            self.history[-1] = rec

    # -- results ----------------------------------------------------------------------------------

    def outcomes(self) -> list[str]:
        """Each run's final outcome label."""
        return [self.outcome_labels[k] for k in self.last.outcome]

    @property
    def held(self) -> dict[tuple[int, str], np.ndarray]:
        """(actor, objective id) -> (rounds judged, R) whether the objective's condition held in each run, in
        the rounds it is judged on (sim.core.objectives.judged: the rounds played, or round 0 alone before
        any). Two actors may give their objectives the same id."""
        return {k: np.stack(judged(rows)) for k, rows in self._held_rows.items()}

    def objective_met(self, objective: Objective) -> np.ndarray:
        """(R,) whether each run met the objective (sim.core.objectives.met over the rounds judged)."""
        rows = self._held_rows[objective.actor, objective.id]
        return met(np.stack(judged(rows)), objective.timing)

    def objective_scores(self, actor: int) -> tuple[np.ndarray, list[str]]:
        """(R,) score 0..100 and grade of an actor's objectives (the core's assessment: sim.core.objectives
        ``met`` and ``weighted_score``, over runs)."""
        mine = [o for o in self.setup.objectives if o.actor == actor]
        score = weighted_score(mine, [self.objective_met(o) for o in mine], (self.runs,))
        return score, [grade_for(float(s)) for s in score]
