"""Actors' utility over their interests and every candidate move's estimated gain, for one run (the Mesa model).

The rules live in :mod:`sim.core.pricing`, over a leading runs axis; this module calls them with R = 1
and keeps the one-run shapes the Mesa model, the UI and the AI's choice read: a :class:`RoundContext`
snapshot, a :class:`CandidateTable` of ``(A, N, N)`` arrays and the flat candidate list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.core import pricing
from sim.core.actions import preconditions
from sim.core.dynamics import Baseline
from sim.core.preconditions import CellArrays
from sim.core.pricing import (  # noqa: F401  (re-exported: the rules' constants have one home, sim.core.pricing)
    _ANSWERED,
    _DOMESTIC,
    _OFFER_ASK_INDEX,
    _OFFER_GIVE_INDEX,
    _PASS,
    _SECTOR_ACTION,
    _TARGETED,
    AUTONOMY,
    ECONOMY,
    INFLUENCE,
    OFFER_COST,
    RECIPROCITY,
    REGIME,
    RELATIVE_GAINS,
    SECURITY,
    SOFTPLUS_BETA,
    TERMS,
    VALUES,
    trade_value,
)
from sim.core.setup import DynamicsParams, ModelSetup, per_run
from sim.core.world import WorldState

partner_weights = pricing.partner_weights


def value_distance(positions: np.ndarray, dim: int) -> np.ndarray:
    """d[i, k] in [0, 1]: half the distance of two actors' stances on the values dimension."""
    x = positions[:, dim]
    return np.abs(x[:, None] - x[None, :]) / 2.0


@dataclass(frozen=True, slots=True)
class RoundContext:
    """Quantities of one round's snapshot shared by utility, gradient and candidate pricing."""

    world: WorldState
    alignment: np.ndarray  # clipped, zero diagonal
    clip_free: np.ndarray  # (N, N) 1 where the alignment clip does not bind
    partner: np.ndarray  # V
    distance: np.ndarray  # d on the values dimension
    trade_eq: np.ndarray  # T*
    trade_eq_total: np.ndarray  # (N,) projected trade value of each actor: exports + import_value x imports
    base: Baseline
    compatibility: np.ndarray  # (N, N) max(2P - 1, 0): how far two actors share positions (security ties)
    rivalry: np.ndarray  # (N, N) max(1 - 2P, 0): how far their positions are opposed (relative gains)
    stances: pricing.Stances | None = None  # the stance terms the model keeps (pricing.Stances)
    # lifted(), made once: the record's utility and the next round's pricing read the same snapshot.
    _lifted: pricing.ContextBatch | None = field(default=None, init=False, repr=False, compare=False)

    def lifted(self) -> pricing.ContextBatch:
        """The same snapshot as one run of a batch (views with a leading runs axis of 1, no copies)."""
        if self._lifted is None:
            object.__setattr__(self, "_lifted", self._lift())
        return self._lifted  # type: ignore[return-value]

    def _lift(self) -> pricing.ContextBatch:
        return pricing.ContextBatch(
            world=lift_world(self.world),
            alignment=self.alignment[None],
            clip_free=self.clip_free[None],
            partner=self.partner[None],
            distance=self.distance[None],
            trade_eq=self.trade_eq[None],
            trade_eq_total=self.trade_eq_total[None],
            base=self.base,
            compatibility=self.compatibility[None],
            rivalry=self.rivalry[None],
            stances=self.stances,
        )


def round_context(
    world: WorldState,
    base: Baseline,
    setup: ModelSetup,
    affinity: np.ndarray,
    barriers: np.ndarray | None = None,
    stances: pricing.Stances | None = None,
) -> RoundContext:
    """One run's snapshot of the round (:func:`sim.core.pricing.context`; ``barriers``: the world's trade
    barrier factor, and ``stances`` the stance terms of its positions and ``affinity``, when the caller has
    them)."""
    return pricing.context(world, base, setup, affinity, RoundContext, barriers, stances)


_WORLD_FIELDS = tuple(f.name for f in fields(WorldState))


def lift_world(world: WorldState) -> WorldState:
    """A world's arrays as one run of a batch: a WorldState of views with a leading runs axis of 1."""
    return WorldState(**{name: getattr(world, name)[None] for name in _WORLD_FIELDS})


def features(ctx: RoundContext, setup: ModelSetup) -> np.ndarray:
    """(N, 5) values of each interest for each actor (columns in INTERESTS order)."""
    return pricing.features(ctx.lifted(), setup)[0]


@dataclass(frozen=True, slots=True)
class CandidateTable:
    """Estimated gains of every move for every actor, and what each target would gain by accepting: one run
    of :class:`sim.core.pricing.PricedBatch` (which says what each array holds), without the runs axis.

    ``offer_terms[f, x, y, i, j]`` (the terms of a conditional offer) is assembled when read.
    """

    gain: np.ndarray
    terms: np.ndarray
    recv: np.ndarray
    feasible: np.ndarray
    sector_gain: np.ndarray
    sector_terms: np.ndarray
    sector_feasible: np.ndarray
    cost: np.ndarray  # (A, N, N) cost of each move for the mover, with sanction friction
    accept_gain: np.ndarray  # (A, N, N)
    accept_chance: np.ndarray  # (A, N, N), for the moves that need an answer (0 elsewhere)
    sector_accept_gain: np.ndarray  # (N, N, S)
    sector_accept_chance: np.ndarray  # (N, N, S)
    offer_gain: np.ndarray  # (X, Y, N, N)
    offer_feasible: np.ndarray  # (X, Y, N, N)
    offer_accept_gain: np.ndarray  # (X, Y, N, N)
    offer_accept_chance: np.ndarray  # (X, Y, N, N)
    temperature: np.ndarray  # (N,) each actor's softmax temperature in utility units this round
    own_net: np.ndarray  # (A, N, N) what move a is worth to its mover i if it takes effect, net of cost
    received: np.ndarray  # (Q, N, N) j's weighted gain from i's move RECEIVED[q]

    @property
    def offer_terms(self) -> np.ndarray:
        """(TERMS, X, Y, N, N) the weighted terms of every conditional offer if it takes effect."""
        return pricing.offer_terms(self.terms, self.recv)

    def offer_terms_at(self, x: int, y: int, i: int, j: int) -> np.ndarray:
        """(TERMS,) ``offer_terms[:, x, y, i, j]`` without assembling the others."""
        return pricing.offer_terms_at(self.terms, self.recv, x, y, i, j)


def feasibility(world: WorldState, setup: ModelSetup) -> tuple[np.ndarray, np.ndarray]:
    """Masks of what each actor may do now: (A, N, N) for plain actions, (N, N, S) for sector agreements.

    A request is feasible only where the move it asks for would be feasible for the target; untargeted
    moves (pass, crackdown) sit on the diagonal.
    """
    feasible, sector_feasible = _feasibility(world, setup)
    return feasible[0], sector_feasible[0]


def _feasibility(world: WorldState, setup: ModelSetup) -> tuple[np.ndarray, np.ndarray]:
    # Every action's rule read on the (N, N) matrices, as one (A, 1, N, N) array for the rules (one operation
    # instead of one per action); actions that share a rule read one mask; the pass's row is not read.
    pre = preconditions(CellArrays.matrices(world, setup.scoring.values_dimension))
    return pricing.feasibility(pre[:, None], world.agreements[None], setup)


def sanction_friction(world: WorldState) -> np.ndarray:
    """(N, N) the factor a cooperative move's cost is multiplied by: 1 + SANCTION_FRICTION x (s_ij + s_ji) / 2."""
    return pricing.sanction_friction(world.sanctions)


def effective_interests(interests: np.ndarray, threat: np.ndarray, params: DynamicsParams) -> np.ndarray:
    """(N, 5) interest weights in force: a threatened government weighs the economy more (performance
    legitimacy; docs/model.md section 6)."""
    out = interests.copy()
    out[:, ECONOMY] *= 1.0 + per_run(params.threat_economy, threat.ndim) * threat
    return out


def price_candidates(
    ctx: RoundContext, setup: ModelSetup, interests: np.ndarray, tau: np.ndarray | None = None
) -> CandidateTable:
    """Estimate the gain of every feasible move of every actor on the snapshot in ``ctx`` (one run of
    :func:`sim.core.pricing.price`).

    ``interests`` is the (N, 5) weight matrix in force (events may have changed the scenario's) and
    ``tau`` the actors' temperatures (default: the scenario's).
    """
    tau = setup.tau if tau is None else tau
    feasible, sector_feasible = _feasibility(ctx.world, setup)
    batch = pricing.price(ctx.lifted(), setup, feasible, sector_feasible, interests[None], np.asarray(tau)[None])
    arrays = {name: getattr(batch, name)[0] for name in _TABLE_FIELDS}
    return CandidateTable(sector_terms=batch.sector_terms[0][..., batch.sector_class], **arrays)


_TABLE_FIELDS = tuple(f.name for f in fields(CandidateTable) if f.name != "sector_terms")


@dataclass(frozen=True, slots=True)
class CandidateList:
    """Every feasible move of the round, flattened and grouped by actor.

    Rows ``start[i]:start[i + 1]`` belong to actor i, the last of them its pass. ``kind`` is the
    catalogue index, ``target`` and ``sector`` are -1 where they do not apply. ``names`` stacks
    actor, kind, target, sector and ask (the fields that name a candidate's random draw); the five
    arrays are its rows.
    """

    actor: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    sector: np.ndarray
    ask: np.ndarray  # catalogue index of what a conditional offer asks in return, -1 otherwise
    gain: np.ndarray
    start: np.ndarray  # (N + 1,)
    names: np.ndarray  # (5, M) int64: actor, kind, target, sector, ask


#: Plain catalogue moves that are candidates (targeted or domestic: not the pass, listed once per actor).
_PLAIN_CANDIDATE = (_TARGETED | _DOMESTIC)[:, None, None]


def flatten(table: CandidateTable) -> CandidateList:
    """All feasible moves of all actors, plus one pass each, grouped by actor (the AI's candidates).

    Within an actor: its plain moves (by action, then target), sector agreements (by target, then
    sector), conditional offers (by what is given, asked, then target), then its pass.
    """
    plain = table.feasible & _PLAIN_CANDIDATE
    a, i, j = plain.nonzero()
    si, sj, ss = table.sector_feasible.nonzero()
    ox, oy, oi, oj = table.offer_feasible.nonzero()
    n = table.feasible.shape[1]
    p, q, r = a.size, a.size + si.size, a.size + si.size + ox.size
    names = np.empty((5, r + n), dtype=np.int64)
    names.fill(-1)
    names[:3, :p] = (i, a, j)  # rows filled a block at a time: fewer numpy calls than a row at a time
    names[0, p:q], names[1, p:q], names[2:4, p:q] = si, _SECTOR_ACTION, (sj, ss)
    names[:3, q:r], names[4, q:r] = (oi, _OFFER_GIVE_INDEX[ox], oj), _OFFER_ASK_INDEX[oy]
    names[0, r:], names[1, r:] = np.arange(n), _PASS
    gain = np.concatenate(
        [table.gain[plain], table.sector_gain[si, sj, ss], table.offer_gain[ox, oy, oi, oj], np.zeros(n)]
    )
    order = names[0].argsort(kind="stable")
    names = names[:, order]
    actor = names[0]
    start = actor.searchsorted(np.arange(n + 1))
    return CandidateList(actor, names[1], names[2], names[3], names[4], gain[order], start, names)
