"""The pricing of every candidate move over a leading runs axis: one copy for the Mesa model and the vector engine.

Every array here has a leading runs axis R: the world's arrays are ``(R, N)``, ``(R, N, N)`` and
``(R, N, N, S)``. The Mesa model (:func:`sim.core.utility.price_candidates`) calls these functions with
R = 1 and the vector engine (:mod:`sim.vector.pricing`) with R in the hundreds, so a rule changed here
changes both engines (docs/architecture.md section 10, "One set of rules, any number of runs").

U_i = sum_k w_ik f_k over the interests economy, security, autonomy, influence and values
(docs/architecture.md section 4). The gain of a move is estimated for every (action, mover, target) at once:
pair-local effects (trade, debt, sanctions, agreements, pressure) are priced exactly, and the relation
changes that spill over the whole alignment row are priced to first order through the gradient of U with
respect to the mover's alignment row. Actors are thus boundedly rational: they see the direct consequences
of a move, not the replies it will provoke.

Each term of every move is written once. :func:`_mover_terms` and :func:`_received_terms` put each term's
value for each run of rows where it can be non-zero into a sink, term by term in TERMS order, and skip the
structural zeros (the economy of moves with no pair-local effect, security outside agreements and received
effects, regime security outside domestic moves, untargeted rows). With detail (the Mesa model, whose
explanations read the terms) a :class:`_Store` keeps them in ``terms[r, f, a, i, j]``, weighs them and sums
them over the terms; without (the vector engine) a :class:`_Weigh` multiplies each term by its weight as it
is put and adds it to the sum at once, so the ``(R, TERMS, A, N, N)`` arrays are never made. Both give the
same bits (see :class:`_Weigh`; where they could not, :func:`_weighable`, the terms are kept).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from typing import Any, Protocol

import numpy as np

from sim.core.actions import (
    ACTION_INDEX,
    CATALOGUE,
    OFFER_ASKS,
    OFFER_GIVES,
    PASS,
    REFUSAL_GOLDSTEIN,
    SANCTION_FRICTION,
)
from sim.core.dynamics import equilibrium_trade, received_with
from sim.core.scoring import raw_alignment
from sim.core.setup import ModelSetup, RunFloat, per_run
from sim.core.world import INTERESTS, clip, diagonal_index, tr

ECONOMY, SECURITY, AUTONOMY, INFLUENCE, VALUES = range(len(INTERESTS))
#: Every term of a move's gain: the five interests, answering what the target did (reciprocity), and the
#: ruling group's hold on power (regime security).
TERMS: tuple[str, ...] = (*INTERESTS, "reciprocity", "regime")
RECIPROCITY, REGIME = len(INTERESTS), len(INTERESTS) + 1
#: What making a conditional offer costs the proposer whatever the answer (judgement: a low-key approach).
OFFER_COST = 0.001
#: Weight of a rival's gain in a shared act (agreement, joint statement, defence cooperation), per unit of
#: rivalry max(1 - 2P, 0): Grieco (1988, *International Organization* 42(3)) on relative gains, which
#: matter as far as the partner may become an adversary; 1 = a rival's gain counts as much as one's own
#: (judgement). Pairs with shared or neutral positions (P >= 0.5) are unaffected.
RELATIVE_GAINS = 1.0
#: Sharpness of the smooth positive part used for partnership shares (softplus beta).
SOFTPLUS_BETA = 10.0

_SANCTION_CHANGE = np.array([a.sanction_change for a in CATALOGUE])
_TARIFF_CHANGE = np.array([a.tariff_change for a in CATALOGUE])
_DEBT_RELIEF = np.array([a.debt_relief for a in CATALOGUE])
_AID = np.array([a.aid_amount for a in CATALOGUE])
_PRESSURE = np.array([a.pressure_change for a in CATALOGUE])
_GOLDSTEIN = np.array([a.goldstein for a in CATALOGUE])
_TARGETED = np.array([a.targeted for a in CATALOGUE])
_DOMESTIC = np.array([a.domestic for a in CATALOGUE])
_DOMESTIC_INDEX = [k for k, a in enumerate(CATALOGUE) if a.domestic]
_COOPERATIVE = np.array([a.stance == "cooperative" for a in CATALOGUE])
_SECTOR_ACTION = next(k for k, a in enumerate(CATALOGUE) if a.sector_based)
_FIXED_SECTOR = [(k, a.fixed_sector) for k, a in enumerate(CATALOGUE) if a.fixed_sector is not None]
_PASS = ACTION_INDEX[PASS]
#: Consent moves both sides take part in (the target weighs the same act from its side).
_SHARED = [k for k, a in enumerate(CATALOGUE) if a.consent and not a.debt_relief and not a.sector_based]
#: Consent moves that transfer something to the target (it weighs what it receives).
_TRANSFER_OFFERS = [k for k, a in enumerate(CATALOGUE) if a.consent and a.debt_relief]
#: Requests and the catalogue index of the move each asks the target to make.
_REQUESTS = [(k, ACTION_INDEX[a.grants]) for k, a in enumerate(CATALOGUE) if a.grants is not None]
#: The same as index arrays: rows read or written at once.
_SHARED_ROWS = np.array(_SHARED)
_OFFERED = np.array(_SHARED + _TRANSFER_OFFERS)  # proposals: shared acts and offered transfers
_REQUEST_ROWS = np.array([k for k, _ in _REQUESTS])
_GRANTED = np.array([g for _, g in _REQUESTS])
if set(_GRANTED.tolist()) & set(_REQUEST_ROWS.tolist()):  # checked under python -O too (not an assert)
    raise ImportError("sim/core/actions.py: a request grants another request, which the pricing cannot price")
#: Moves whose effect waits for an answer (their mover's gain is an expectation).
_ANSWERED = np.array([a.needs_answer for a in CATALOGUE])
_ANSWERED_INDEX = np.nonzero(_ANSWERED)[0]
_UNANSWERED_INDEX = np.nonzero(~_ANSWERED)[0]
_OFFER_GIVE_INDEX = np.array([ACTION_INDEX[x] for x in OFFER_GIVES])
_OFFER_ASK_INDEX = np.array([ACTION_INDEX[y] for y in OFFER_ASKS])
_OFFER_DISTINCT = _OFFER_GIVE_INDEX[:, None] != _OFFER_ASK_INDEX[None, :]
#: Actions with a pair-local effect (sanctions, tariffs, debt relief, aid, pressure): for the others those
#: terms are zero, so they are computed for these rows only.
_EFFECTFUL = np.nonzero(
    (_SANCTION_CHANGE != 0) | (_TARIFF_CHANGE != 0) | (_DEBT_RELIEF != 0) | (_AID != 0) | (_PRESSURE != 0)
)[0]


def _runs(index: np.ndarray) -> list[tuple[slice, slice]]:
    """The sorted indices ``index`` as runs of consecutive values: (slice of values, slice of positions),
    so that ``x[:, index] += y`` is done on views, run by run (no gather and scatter)."""
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    bounds = [0, *breaks.tolist(), len(index)]
    return [(slice(int(index[a]), int(index[b - 1]) + 1), slice(a, b)) for a, b in pairwise(bounds)]


_EFFECTFUL_RUNS = _runs(_EFFECTFUL)
#: Moves whose effect on their target someone weighs (offered transfers, granted requests, both halves of a
#: conditional offer): the target's side (``recv``) is priced for these catalogue rows only, in this order.
RECEIVED = np.array(
    sorted({*_TRANSFER_OFFERS, *(g for _, g in _REQUESTS), *map(int, _OFFER_GIVE_INDEX), *map(int, _OFFER_ASK_INDEX)})
)
#: RECEIVED_AT[a]: the position of catalogue row a in RECEIVED (-1: not priced from the target's side).
RECEIVED_AT = np.full(len(CATALOGUE), -1)
RECEIVED_AT[RECEIVED] = np.arange(RECEIVED.size)
_RECEIVED_EFFECTFUL = np.nonzero(np.isin(RECEIVED, _EFFECTFUL))[0]  # positions in RECEIVED
_RECEIVED_EFFECTFUL_RUNS = _runs(_RECEIVED_EFFECTFUL)
#: The positions among the _EFFECTFUL rows of the received rows that have a pair-local effect.
_RECEIVED_IN_EFFECTFUL = np.searchsorted(_EFFECTFUL, RECEIVED[_RECEIVED_EFFECTFUL])
#: Untargeted moves that are not domestic (pass): feasible wherever enabled, on the diagonal.
_PRELESS_INDEX = [k for k, a in enumerate(CATALOGUE) if not a.targeted and not a.domestic]
#: Untargeted moves (pass, crackdown): no pair-local terms, as runs of rows.
_UNTARGETED_RUNS = _runs(np.nonzero(~_TARGETED)[0])
#: Cooperative moves (their cost rises with sanction friction), as runs of rows.
_COOPERATIVE_RUNS = _runs(np.nonzero(_COOPERATIVE)[0])
# What the terms' rules assume of the catalogue, checked under python -O too (not an assert): moves with a
# pair-local effect, fixed-sector agreements and received moves are targeted, and fixed-sector agreements
# have no pair-local effect (their terms are put apart from the _EFFECTFUL rows').
_FIXED_ROWS = [k for k, _ in _FIXED_SECTOR]
if (~_TARGETED[_EFFECTFUL]).any() or (~_TARGETED[RECEIVED]).any() or (~_TARGETED[_FIXED_ROWS]).any():
    raise ImportError("sim/core/actions.py: an untargeted move with a target's effect, which pricing cannot price")
if set(_FIXED_ROWS) & set(_EFFECTFUL.tolist()):
    raise ImportError(
        "sim/core/actions.py: a fixed-sector agreement with a pair-local effect, which pricing cannot price"
    )
#: Each move's reciprocity step per unit of memory, Goldstein / 10, over (A, N, N) and over the received rows.
_RECIPROCITY_STEP = (_GOLDSTEIN / 10.0)[None, :, None, None]
#: Each move's Goldstein score over (R, F, A, N, N) and whether it is cooperative over (A, N, N).
_GOLDSTEIN_ROWS = _GOLDSTEIN[None, None, :, None, None]
_COOPERATIVE_ROWS = _COOPERATIVE[:, None, None]
_RECEIVED_RECIPROCITY_STEP = (_GOLDSTEIN / 10.0)[RECEIVED][None, :, None, None]
_RECEIVED_GOLDSTEIN = _GOLDSTEIN[RECEIVED][None, None, :, None, None]


def _rows(index: Any) -> slice | np.ndarray:
    """Constant catalogue indices as a slice where they are consecutive (a view instead of a gather and a
    scatter: the same elements), else as an index array."""
    index = np.asarray(index)
    if index.size and np.array_equal(index, np.arange(index[0], index[0] + index.size)):
        return slice(int(index[0]), int(index[0]) + index.size)
    return index


# The index sets price reads, each a slice where it can be one.
_SHARED_AT = _rows(_SHARED)
_TRANSFER_AT = _rows(_TRANSFER_OFFERS)
_TRANSFER_RECEIVED_AT = _rows(RECEIVED_AT[_TRANSFER_OFFERS])
_REQUEST_AT = _rows(_REQUEST_ROWS)
_GRANTED_AT = _rows(_GRANTED)
_GRANTED_RECEIVED_AT = _rows(RECEIVED_AT[_GRANTED])
_GIVES_RECEIVED_AT = _rows(RECEIVED_AT[_OFFER_GIVE_INDEX])
_ASKS_RECEIVED_AT = _rows(RECEIVED_AT[_OFFER_ASK_INDEX])
_GIVES_AT = _rows(_OFFER_GIVE_INDEX)
_ASKS_AT = _rows(_OFFER_ASK_INDEX)


class WorldArrays(Protocol):
    """The world's arrays with a leading runs axis (a lifted WorldState or the vector engine's WorldBatch)."""

    gdp: np.ndarray
    capability: np.ndarray
    positions: np.ndarray
    salience: np.ndarray
    relations: np.ndarray
    trade: np.ndarray
    tariff: np.ndarray
    sanctions: np.ndarray
    debt: np.ndarray
    agreements: np.ndarray
    pressure: np.ndarray
    threat: np.ndarray
    memory: np.ndarray


@dataclass(slots=True)
class ContextBatch:
    """Quantities of one round's snapshot shared by utility, gradient and candidate pricing, for R runs.

    Not frozen (read only by convention): one is made every round, and a frozen dataclass's generated
    __init__ costs about seven times a plain one's.
    """

    world: WorldArrays
    alignment: np.ndarray  # (R, N, N) clipped, zero diagonal
    clip_free: np.ndarray  # (R, N, N) 1 where the alignment clip does not bind
    partner: np.ndarray  # (R, N, N) V
    distance: np.ndarray  # (R, N, N) d on the values dimension
    trade_eq: np.ndarray  # (R, N, N) T*
    trade_eq_total: np.ndarray  # (R, N) projected trade value of each actor: exports + import_value x imports
    base: Any  # the run's Baseline (Mesa) or BaselineBatch (vector): calibration arrays
    compatibility: np.ndarray  # (R, N, N) max(2P - 1, 0): how far two actors share positions
    rivalry: np.ndarray  # (R, N, N) max(1 - 2P, 0): how far their positions are opposed
    stances: Stances | None = None  # one run's stance terms when its caller keeps them (see Stances)
    # _concentration(), made once: the record's autonomy and the next round's gradients read the same.
    _concentration: tuple[np.ndarray, ...] | None = field(default=None, init=False, repr=False, compare=False)
    # _capability_share(), made once: the record's security and the next round's target terms read it.
    _share: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)


def _capability_share(ctx: ContextBatch) -> np.ndarray:
    """(R, N) each actor's share of the snapshot's total capability (0 where the total is 0), made once."""
    found = ctx._share
    if found is None:
        w = ctx.world
        total_cap = np.add.reduce(w.capability, axis=-1, keepdims=True)
        found = ctx._share = np.divide(w.capability, total_cap, out=np.zeros(w.capability.shape), where=total_cap > 0)
    return found


def _concentration(ctx: ContextBatch) -> tuple[np.ndarray, ...]:
    """(positive, total, shares, hhi) of the snapshot's partnership shares (N > 2): the smooth positive part
    of alignment off the diagonal, its row sums (keepdims), the shares and their Herfindahl index (keepdims).
    Computed once per snapshot (autonomy in :func:`features` and its gradient read the same numbers)."""
    found = ctx._concentration
    if found is None:
        positive = _softplus(ctx.alignment)
        _zero_diagonal(positive)
        total = np.add.reduce(positive, axis=-1, keepdims=True)
        shares = positive / total
        hhi = np.add.reduce(shares**2, axis=-1, keepdims=True)
        found = (positive, total, shares, hhi)
        object.__setattr__(ctx, "_concentration", found)
    return found


def partner_weights(capability: np.ndarray) -> np.ndarray:
    """V[..., i, k]: how much partner k counts for i, half by reach (one voice each), half by capability.

    ``capability`` is one run's (N,) or R runs' (R, N).
    """
    n = capability.shape[-1]
    others = max(n - 1, 1)
    total = np.add.reduce(capability, axis=-1, keepdims=True) - capability
    by_power = np.divide(
        capability[..., None, :],
        total[..., :, None],
        out=np.zeros((*capability.shape, n)),
        where=total[..., :, None] > 0,
    )
    V = 0.5 / others + 0.5 * by_power
    _zero_diagonal(V)
    return V


def context(
    world: WorldArrays,
    base: Any,
    setup: ModelSetup,
    affinity: np.ndarray,
    kind: type = ContextBatch,
    barriers: np.ndarray | None = None,
    stances: Stances | None = None,
) -> Any:
    """The round's snapshot (a ``kind``, by default :class:`ContextBatch`) of one run's world or R runs'.

    ``affinity`` is the policy affinity P of the world's positions (kept between rounds: it changes only
    with positions). Alignment is clipped to [-1, 1]; ``clip_free`` marks where the clip does not bind.
    ``barriers`` is the world's trade barrier factor when the caller has it (:func:`sim.core.dynamics.advance`);
    ``stances`` the :class:`Stances` of the world's positions and ``affinity``, when the caller keeps them.
    """
    if stances is None:
        stances = Stances.of(world.positions, world.salience, affinity, setup, domestic=False)
        kept = None
    else:
        kept = stances
    raw = raw_alignment(world, setup.scoring.weights, affinity, stances.policy)  # type: ignore[arg-type]
    trade_eq = equilibrium_trade(world, base, setup.dynamics, setup.trade_sectors, barriers)  # type: ignore[arg-type]
    return kind(
        world=world,
        alignment=clip(raw, -1.0, 1.0),
        clip_free=(np.abs(raw) < 1.0).astype(float),
        partner=partner_weights(world.capability),
        distance=stances.distance,
        trade_eq=trade_eq,
        trade_eq_total=trade_value(trade_eq, setup.dynamics.import_value),
        base=base,
        compatibility=stances.compatibility,
        rivalry=stances.rivalry,
        stances=kept,
    )


@dataclass(slots=True)
class Stances:
    """What the rules read of the actors' stances (positions and saliences) and their policy affinity P: true
    while they stay the same. The Mesa model makes one with each new affinity (at the start, after a domestic
    move, after an event that moves positions) and every round reads it instead of computing it again (the
    same numbers: the same operations on the same arrays). Arrays are one run's, or R runs' with a leading
    runs axis (then without ``domestic``).

    Not frozen (read only by convention).
    """

    policy: np.ndarray  # (..., N, N) weights.policy x (2P - 1): alignment's policy term
    compatibility: np.ndarray  # (..., N, N) max(2P - 1, 0)
    rivalry: np.ndarray  # (..., N, N) max(1 - 2P, 0)
    distance: np.ndarray  # (..., N, N) d on the values dimension
    domestic: list[tuple[np.ndarray, np.ndarray]] | None  # one run's _domestic_stance_terms (runs axis of 1)

    @classmethod
    def of(
        cls, positions: np.ndarray, salience: np.ndarray, affinity: np.ndarray, setup: ModelSetup, domestic: bool = True
    ) -> Stances:
        """The stance terms of one run's positions and saliences (``domestic``: with its domestic moves' terms),
        or without them of R runs'."""
        x = positions[..., setup.scoring.values_dimension]
        return cls(
            policy=per_run(setup.scoring.weights.policy, affinity.ndim) * (2.0 * affinity - 1.0),
            compatibility=np.maximum(2.0 * affinity - 1.0, 0.0),
            rivalry=np.maximum(1.0 - 2.0 * affinity, 0.0),
            distance=np.abs(x[..., :, None] - x[..., None, :]) / 2.0,
            domestic=_domestic_stance_terms(positions[None], salience[None], setup) if domestic else None,
        )


def trade_value(trade: np.ndarray, import_value: RunFloat) -> np.ndarray:
    """(..., N) what each actor's trade is worth to it: exports plus ``import_value`` times imports.

    Exports count in full and imports in part (modelling judgement): a tariff cut is a concession that
    mostly helps the partner's exporters, as governments treat it in negotiations.
    """
    # One value per run (sim.core.setup.per_run) gives (R, N) for one calibration's (N, N) trade too.
    return np.add.reduce(trade, axis=-1) + per_run(import_value, 2) * np.add.reduce(trade, axis=-2)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, SOFTPLUS_BETA * x) / SOFTPLUS_BETA


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * SOFTPLUS_BETA * x))


def _zero_diagonal(x: np.ndarray) -> None:
    n, item = x.shape[-1], x.itemsize
    if x.strides[-1] == item and x.strides[-2] == n * item:  # contiguous matrices: every (n + 1)-th cell of a view
        x.reshape(*x.shape[:-2], n * n)[..., :: n + 1] = 0.0
    else:
        x[..., diagonal_index(n), diagonal_index(n)] = 0.0


def _spread(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``x`` broadcast to ``shape`` as a new contiguous array (the same values; whole blocks for numpy's loops),
    or for one run ``x`` itself (arrays so small that the copy costs more than the broadcast saves)."""
    if shape[0] == 1:
        return x
    out = np.empty(shape)
    out[...] = x
    return out


def _contiguous(x: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of the (R, ...) view ``x`` (faster loops over R runs), or for one run ``x`` itself."""
    return x if x.shape[0] == 1 else np.ascontiguousarray(x)


def _term_major(x: np.ndarray) -> np.ndarray:
    """The (R, F, ...) array ``x`` (the same values) laid out term by term in memory, each ``x[:, f]`` a
    contiguous (R, ...) array, for long loops over the runs; for one run ``x`` itself."""
    return x if x.shape[0] == 1 else np.ascontiguousarray(x.swapaxes(0, 1)).swapaxes(0, 1)


def _row_major(runs: int, rows: int, n: int) -> np.ndarray | None:
    """A new (R, rows, N, N) array laid out row by row in memory, each ``[:, k]`` a contiguous (R, N, N)
    block, for a ufunc's ``out``: numpy combines it with the world's (R, N, N) arrays in loops over whole
    runs, not over (N, N). For one run None: the ufunc's own new array has that layout."""
    if runs == 1:
        return None
    return np.empty((rows, runs, n, n)).swapaxes(0, 1)


def _take_rows(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``x[:, index]`` (the same values) of the (R, rows, N, N) array ``x``, laid out row by row in memory."""
    if x.shape[0] == 1:
        return x[:, index]
    return x.swapaxes(0, 1).take(index, axis=0).swapaxes(0, 1)


def _class_major(shape: tuple[int, ...]) -> np.ndarray:
    """A new zeroed (R, F, N, N, C) array laid out class by class in memory, (R, F, C, N, N): numpy then
    combines it with (R, F, N, N) arrays over whole (N, N) blocks instead of loops over the C classes."""
    if shape[0] == 1:  # one run: numpy's loops are short whatever the layout, and the plain array costs fewer calls
        return np.zeros(shape)
    *lead, n, m, classes = shape
    return np.zeros((*lead, classes, n, m)).transpose(*range(len(lead)), len(lead) + 1, len(lead) + 2, len(lead))


def _autonomy(ctx: ContextBatch) -> np.ndarray:
    runs, n = ctx.alignment.shape[0], ctx.alignment.shape[-1]
    if n <= 2:
        return np.zeros((runs, n))
    hhi = _concentration(ctx)[3][..., 0]
    return (1.0 - hhi) / (1.0 - 1.0 / (n - 1))


def features(ctx: ContextBatch, setup: ModelSetup) -> np.ndarray:
    """(R, N, 5) values of each interest for each actor (columns in INTERESTS order)."""
    w, A, V, d, base = ctx.world, ctx.alignment, ctx.partner, ctx.distance, ctx.base
    runs, n = A.shape[0], A.shape[-1]
    out = np.zeros((runs, n, len(INTERESTS)))
    base_total = trade_value(base.trade, setup.dynamics.import_value)
    ok = (ctx.trade_eq_total > 0) & (base_total > 0)
    out[..., ECONOMY] = np.log(np.divide(ctx.trade_eq_total, base_total, out=np.ones((runs, n)), where=ok))
    gdp_ok = (w.gdp > 0) & (base.gdp > 0)
    out[..., ECONOMY] += np.log(np.divide(w.gdp, base.gdp, out=np.ones((runs, n)), where=gdp_ok))
    owed = np.add.reduce(w.debt, axis=-1)
    held = np.add.reduce(w.debt, axis=-2)
    out[..., ECONOMY] += np.divide(
        per_run(setup.dynamics.credit_value, 2) * held - owed, w.gdp, out=np.zeros((runs, n)), where=w.gdp > 0
    )
    n_sec = max(len(setup.security_sectors), 1)
    security = list(setup.security_sectors)
    sec_count = np.add.reduce(w.agreements[..., security], axis=-1) if security else 0.0
    security_value = V * ctx.compatibility / n_sec
    suffered = received_with(w.sanctions, _capability_share(ctx))  # sanctions_received, the share made once
    out[..., SECURITY] = np.add.reduce(security_value * sec_count, axis=-1) - suffered
    out[..., AUTONOMY] = _autonomy(ctx)
    out[..., INFLUENCE] = np.add.reduce(V * A, axis=-1)
    Vd = V * d
    out[..., VALUES] = np.add.reduce(Vd * (w.sanctions + w.pressure) / 2.0, axis=-1) - np.add.reduce(
        Vd * np.maximum(A, 0.0), axis=-1
    )
    return out


def alignment_gradients(ctx: ContextBatch) -> np.ndarray:
    """(R, 3, N, N): d f_i / d A_ik for autonomy, influence and values (zero where the clip binds)."""
    A, V, d = ctx.alignment, ctx.partner, ctx.distance
    runs, n = A.shape[0], A.shape[-1]
    grads = np.zeros((runs, 3, n, n))
    if n > 2:
        _, total, shares, hhi = _concentration(ctx)
        d_hhi = 2.0 * (shares - hhi) / total * _sigmoid(A)
        grads[:, 0] = -d_hhi / (1.0 - 1.0 / (n - 1))
    grads[:, 1] = V
    grads[:, 2] = -V * d * (A > 0)
    grads *= ctx.clip_free[:, None]
    _zero_diagonal(grads)
    return grads


def feasibility(pre: Any, agreements: np.ndarray, setup: ModelSetup) -> tuple[np.ndarray, np.ndarray]:
    """Masks of what each actor may do now: (R, A, N, N) for plain actions, (R, N, N, S) for sector agreements.

    ``pre[k]`` is action k's precondition mask, ``(R, N, N)`` (read for targeted and domestic actions
    only; ``pre`` is an (A, R, N, N) array or a sequence with None for the others). A request is feasible
    only where the move it asks for would be feasible for the target; untargeted moves (pass, crackdown)
    sit on the diagonal.
    """
    runs, n = agreements.shape[0], agreements.shape[1]
    plan = _plan(setup)
    feasible = np.empty((runs, len(CATALOGUE), n, n), dtype=bool)
    # Each action's rule on its own (enabled, self or other, precondition), then what agreements rule out.
    if isinstance(pre, np.ndarray):
        np.logical_and(pre.transpose(1, 0, 2, 3), plan.allowed, out=feasible)
    else:  # a sequence of masks, None where the rules read none
        for k, p in enumerate(pre):
            if p is None:
                feasible[:, k] = plan.allowed[k]
            else:
                np.logical_and(p, plan.allowed[k], out=feasible[:, k])
    for k in _PRELESS_INDEX:
        feasible[:, k] = plan.allowed[k]  # untargeted moves other than domestic ones read no precondition
    sector_feasible = feasible[:, _SECTOR_ACTION, :, :, None] & ~agreements
    feasible[:, _SECTOR_ACTION] = False  # agreements are chosen per sector (sector_feasible)
    for k, s in plan.fixed_sector:
        if s >= 0:
            feasible[:, k] &= ~agreements[..., s]
        else:
            feasible[:, k] = False
    # The target must be able to grant a request: every request at once (no request grants a request).
    feasible[:, _REQUEST_AT] &= tr(feasible[:, _GRANTED_AT])
    return feasible, sector_feasible


def sanction_friction(sanctions: np.ndarray) -> np.ndarray:
    """(..., N, N) the factor a cooperative move's cost is multiplied by: 1 + SANCTION_FRICTION x (s_ij + s_ji) / 2.

    Both directions add (a pair under sanctions and counter-sanctions is further apart than under either),
    so the factor rises smoothly with either side's intensity.
    """
    return 1.0 + SANCTION_FRICTION * (sanctions + tr(sanctions)) / 2.0


def sector_classes(setup: ModelSetup) -> tuple[list[int], np.ndarray]:
    """Sectors an agreement in which is priced alike: (one sector of each class, (S,) class of every sector).

    An agreement's own effect depends on its sector only through whether the sector is a security sector
    and whether it is a trade sector, so pricing is done once per class and copied to its sectors (the
    same operations on the same numbers, hence the same values).
    """
    kinds = [(s in setup.security_sectors, s in setup.trade_sectors) for s in range(len(setup.sectors))]
    first = {kind: len(kinds) for kind in kinds}
    for s, kind in enumerate(kinds):
        first[kind] = min(first[kind], s)
    representatives = sorted(first.values())
    index = {kinds[s]: c for c, s in enumerate(representatives)}
    return representatives, np.array([index[kind] for kind in kinds], dtype=int)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What pricing reads of a setup that no round changes, computed once per setup (not once a round).

    The per-move steps are spread over the target axis j, ``(E, N, N)`` for the _EFFECTFUL rows: numpy
    then combines them with the world's ``(R, N, N)`` arrays over whole contiguous blocks (the same values
    as broadcasting ``(E, N, 1)``, at a fraction of the cost).
    """

    sectors: list[int]  # one sector of each class (sector_classes)
    sector_class: np.ndarray  # (S,)
    fixed: list[tuple[int, int]]  # (catalogue row, class of its sector) of fixed-sector agreements the setup has
    reciprocity: np.ndarray  # (N,) domestic spec
    regime_weight: np.ndarray  # (N,)
    sanction_step: np.ndarray  # (E, N, N): _SANCTION_CHANGE[e] x magnitude[e, i], for every target j
    tariff_step: np.ndarray
    pressure_step: np.ndarray
    relief_share: np.ndarray  # min(_DEBT_RELIEF[e] x magnitude[e, i], 1)
    aid: np.ndarray
    received_aid: np.ndarray  # aid[_RECEIVED_IN_EFFECTFUL]: the received rows' aid
    cost: np.ndarray  # (A, N, N) action_cost[a, i] for every target j; (R, A, N, N) where a batch's runs' differ
    allowed: np.ndarray  # (A, N, N) bool: action_enabled[a, i], and j != i for targeted moves (j == i else)
    fixed_sector: list[tuple[int, int]]  # (catalogue row, its sector in the setup or -1)
    offer_allowed: np.ndarray  # (X, Y, N, N) bool: j != i and the offer does not ask for what it gives
    domestic: list[tuple[int, np.ndarray, np.ndarray]]  # (catalogue row, (N,) stance step, (N,) threat step)
    trade_at: slice | np.ndarray  # the trade sectors, as a slice where they are consecutive


def _plan(setup: ModelSetup) -> _Plan:
    """The setup's :class:`_Plan`, made the first time a round asks for it and kept with the setup."""
    return setup.derived("pricing plan", _make_plan)


def _make_plan(setup: ModelSetup) -> _Plan:
    domestic = setup.domestic_spec()
    mag, cost, enabled = setup.action_magnitude, setup.action_cost, setup.action_enabled
    n, e = mag.shape[1], _EFFECTFUL
    eye = np.eye(n, dtype=bool)
    sectors, sector_class = sector_classes(setup)

    def spread(step: np.ndarray) -> np.ndarray:  # (..., E, N) -> (..., E, N, N), contiguous
        return np.ascontiguousarray(np.broadcast_to(step[..., None], (*step.shape, n)))

    fixed = [(k, int(sector_class[setup.sectors.index(x)])) for k, x in _FIXED_SECTOR if x in setup.sectors]
    plan = _Plan(
        sectors=sectors,
        sector_class=sector_class,
        fixed=fixed,
        reciprocity=np.asarray(domestic.reciprocity, dtype=float).copy(),
        regime_weight=np.asarray(domestic.regime_weight, dtype=float).copy(),
        sanction_step=spread(_SANCTION_CHANGE[e, None] * mag[e]),
        tariff_step=spread(_TARIFF_CHANGE[e, None] * mag[e]),
        pressure_step=spread(_PRESSURE[e, None] * mag[e]),
        relief_share=spread(np.minimum(_DEBT_RELIEF[e, None] * mag[e], 1.0)),
        aid=(aid := spread(_AID[e, None] * mag[e])),
        received_aid=aid[_RECEIVED_IN_EFFECTFUL],
        cost=spread(np.asarray(cost, dtype=float)),
        allowed=spread(np.asarray(enabled, dtype=bool)) & np.where(_TARGETED[:, None, None], ~eye, eye),
        fixed_sector=[(k, setup.sectors.index(x) if x in setup.sectors else -1) for k, x in _FIXED_SECTOR],
        offer_allowed=_OFFER_DISTINCT[:, :, None, None] & ~eye,
        trade_at=_rows(setup.trade_sectors),
        domestic=[
            (k, mag[k] * CATALOGUE[k].stance_change, mag[k] * CATALOGUE[k].threat_change) for k in _DOMESTIC_INDEX
        ],
    )
    return plan


def _relation_gradient(ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray) -> np.ndarray:
    """(R, 3, N, N) utility change of i per Goldstein point of a move by i on j, through regard."""
    dyn, weights = setup.dynamics, setup.scoring.weights
    rel_scale = per_run(weights.relations * dyn.goldstein_scale / 2.0, grads.ndim)
    reciprocity, spillover = per_run(dyn.reciprocity, grads.ndim), per_run(dyn.spillover, grads.ndim)
    return rel_scale * ((1.0 + reciprocity) * grads + spillover * grads @ ctx.alignment[:, None])


@dataclass(slots=True)
class _Effects:
    """The pair-local effects of the _EFFECTFUL moves (R, E, N, N) that the mover's and the target's sides
    both read, computed once for both, each laid out row by row in memory (:func:`_row_major`); ``*T`` are
    the world's transposes, made contiguous.

    Not frozen (read only by convention): one is made every round, and a frozen dataclass's generated
    __init__ costs about seven times a plain one's.
    """

    delta_s: np.ndarray  # the sanction change
    delta_x: np.ndarray  # the change of the pair's barrier max(s_ij, s_ji)
    sanction_loss: np.ndarray  # expm1(-elasticity x delta_x)
    tariff_loss: np.ndarray  # expm1(-elasticity x delta_t)
    relief: np.ndarray
    pair_alignment: np.ndarray
    gdp: np.ndarray  # (R, N) floored at 1 where not positive
    gdp_j: np.ndarray  # (R, 1, N, N) gdp[r, j] at [r, 0, i, j]
    total: np.ndarray  # (R, N) projected trade value, floored at 1 where not positive
    trade_t: np.ndarray  # (R, N, N) tr(T*)


def _effects(ctx: ContextBatch, setup: ModelSetup, plan: _Plan) -> _Effects:
    w = ctx.world
    dyn, weights = setup.dynamics, setup.scoring.weights
    s, t = w.sanctions, w.tariff
    runs, n = s.shape[0], s.shape[-1]
    rows = plan.sanction_step.shape[0]
    sT = _contiguous(tr(s))
    new_s = np.add(s[:, None], plan.sanction_step, out=_row_major(runs, rows, n))
    clip(new_s, 0.0, 1.0, out=new_s)  # (R, E, N, N)
    delta_s = np.subtract(new_s, s[:, None], out=_row_major(runs, rows, n))
    delta_x = np.maximum(new_s, sT[:, None], out=new_s)
    delta_x -= np.maximum(s, sT)[:, None]
    elasticity = per_run(-dyn.sanction_trade_elasticity, delta_x.ndim)
    sanction_loss = np.multiply(elasticity, delta_x, out=_row_major(runs, rows, n))
    np.expm1(sanction_loss, out=sanction_loss)
    new_t = np.add(t[:, None], plan.tariff_step, out=_row_major(runs, rows, n))
    clip(new_t, 0.0, 1.0, out=new_t)
    new_t -= t[:, None]  # delta_t
    new_t *= per_run(-dyn.tariff_elasticity, new_t.ndim)
    tariff_loss = np.expm1(new_t, out=new_t)
    relief = np.multiply(plan.relief_share, _contiguous(tr(w.debt))[:, None], out=_row_major(runs, rows, n))
    gdp = np.where(w.gdp > 0, w.gdp, 1.0)
    gdp_j = _spread(gdp[:, None, None, :], (runs, 1, n, n))  # gdp[r, j] at [r, 0, i, j]
    gratitude = np.add(relief, plan.aid, out=_row_major(runs, rows, n))
    gratitude *= per_run(dyn.gratitude, gratitude.ndim)  # dyn.gratitude * (relief + aid): the same product
    gratitude /= gdp_j
    pair_alignment = np.multiply(per_run(-weights.sanctions, delta_x.ndim), delta_x, out=_row_major(runs, rows, n))
    gratitude *= per_run(weights.relations, gratitude.ndim)
    gratitude /= 2.0
    pair_alignment += gratitude
    return _Effects(
        delta_s, delta_x, sanction_loss, tariff_loss, relief, pair_alignment, gdp, gdp_j,
        np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0), _contiguous(tr(ctx.trade_eq)),
    )  # fmt: skip


class Scratch:
    """Buffers that pricing without detail reuses from one round to the next (the terms of every move, which
    no caller keeps): a fresh array of that size each round costs more to map and zero than to compute.
    One per engine (never shared between threads)."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The buffer ``name`` of this shape, its contents left from its last use."""
        buffer = self._buffers.get(name)
        if buffer is None or buffer.shape != shape:
            buffer = self._buffers[name] = np.empty(shape)
        return buffer


def _zeroed(scratch: Scratch | None, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A (R, TERMS, ...) terms array whose ECONOMY, SECURITY and REGIME terms are zero: a new array, or
    ``scratch``'s buffer (the other terms are put whole by the rules before they are read)."""
    if scratch is None:
        return np.zeros(shape)
    out = scratch.array(name, shape)
    out[:, : SECURITY + 1] = 0.0
    out[:, REGIME] = 0.0
    return out


#: Every row of the mover's side and of the target's side, as one slice (for the terms put on every row).
_EVERY_MOVE = slice(0, len(CATALOGUE))
_EVERY_RECEIVED = slice(0, RECEIVED.size)
#: The domestic rows, where the mover's regime term is put: consecutive in the catalogue.
_domestic_at = _rows(_DOMESTIC_INDEX) if _DOMESTIC_INDEX else slice(0, 0)
if not isinstance(_domestic_at, slice):  # checked under python -O too (not an assert)
    raise ImportError(
        "sim/core/actions.py: domestic moves must be consecutive in the catalogue (pricing's regime term)"
    )
_DOMESTIC_AT: slice = _domestic_at


class _Sink(Protocol):
    """Where the rules (:func:`_mover_terms`, :func:`_received_terms`) put each term of every move: a
    :class:`_Store` keeps the terms, a :class:`_Weigh` only their weighted sum. The rules put each (term, row)
    cell at most once, fully formed, and a row's terms in TERMS order; a cell never put is zero."""

    def block(self, f: int, count: int, rows: slice, zero: bool = False) -> np.ndarray:
        """An (R, count, rows, N, N) buffer for the terms f .. f + count - 1 of ``rows``, for the rules to
        fill whole (``zero``: it comes zeroed, for the rules to fill in part) and hand back with
        :meth:`put_block`."""
        ...

    def put_block(self, f: int, rows: slice, value: np.ndarray) -> None:
        """The buffer :meth:`block` gave, filled."""
        ...

    def put(self, f: int, runs: list[tuple[slice, slice]], value: np.ndarray) -> None:
        """``value[:, at]``: term f of the rows ``rows`` for each (rows, at) of ``runs`` (the sink may
        overwrite ``value``)."""
        ...


class _Store:
    """A sink that keeps every term, ``terms[r, f, a, i, j]`` (zero where the rules put none: ``terms`` comes
    zeroed), for explanations; :meth:`total` then weighs them and sums them over the terms."""

    def __init__(self, terms: np.ndarray, weights: np.ndarray) -> None:
        self.terms = terms
        self._weights = weights  # (R, TERMS, 1, N, N), broadcast over the rows

    def block(self, f: int, count: int, rows: slice, zero: bool = False) -> np.ndarray:
        # Filled in place; zero where asked: the rules ask it for terms _zeroed zeroes, and put no cell twice.
        return self.terms[:, f : f + count, rows]

    def put_block(self, f: int, rows: slice, value: np.ndarray) -> None:
        pass  # already in place

    def put(self, f: int, runs: list[tuple[slice, slice]], value: np.ndarray) -> None:
        for rows, at in runs:
            self.terms[:, f, rows] = value[:, at]

    def total(self) -> np.ndarray:
        """(R, rows, N, N) the weighted sum of the terms (``terms`` keeps them weighted)."""
        self.terms *= self._weights
        return np.add.reduce(self.terms, axis=1)  # over a non-innermost axis: term 0 + term 1 + ..., in order


class _Weigh:
    """A sink that keeps only the weighted sum over the terms: each term, once put, is multiplied by its
    weight and added to the total of its rows at once; terms put nowhere (the structural zeros) cost nothing.

    The same numbers as :class:`_Store`'s total: the rules put a row's terms in TERMS order, each whole,
    so each cell of the total is the same sequence of additions of the same products, less the products
    of the terms not put, exact zeros (0 x w). Adding an exact zero leaves any number but a zero's sign,
    and the sign cannot differ at the end: a sum is -0.0 only if every product added is, and every row
    leaves out a term whose weight (:func:`_weighable`) makes its product +0.0, while the total starts at
    +0.0 here.
    """

    def __init__(self, weights: np.ndarray, shape: tuple[int, ...], scratch: Scratch | None, name: str) -> None:
        runs, rows = shape[:2]
        # (R, TERMS, 1, N, N), broadcast over the rows; term by term in memory (each term's (R, N, N) contiguous).
        self._weights = _term_major(weights)
        self._scratch, self._name = scratch, name
        # Row by row in memory (rows, R, N, N), seen as (R, rows, N, N): a term's block times its weights,
        # added to the sum, is then one long loop over R x N x N per row for numpy (R-major, a loop of N x N).
        self._sum = np.empty((rows, runs, *shape[2:]))
        self._sum.fill(0.0)  # +0.0 (an empty array filled: see price's zeros_like)
        self.sum = self._sum.swapaxes(0, 1)

    def block(self, f: int, count: int, rows: slice, zero: bool = False) -> np.ndarray:
        # Term by term and row by row in memory (count, rows, R, N, N), seen as (R, count, rows, N, N).
        shape = (count, rows.stop - rows.start, self.sum.shape[0], *self.sum.shape[2:])
        buffer = np.empty(shape) if self._scratch is None else self._scratch.array(f"{self._name} {f}", shape)
        if zero:
            buffer.fill(0.0)
        return buffer.transpose(2, 0, 1, 3, 4)

    def put_block(self, f: int, rows: slice, value: np.ndarray) -> None:
        for k in range(value.shape[1]):
            self.put(f + k, [(rows, slice(None))], value[:, k])

    def put(self, f: int, runs: list[tuple[slice, slice]], value: np.ndarray) -> None:
        value *= self._weights[:, f]  # the product Store.total makes, term by term
        for rows, at in runs:
            self.sum[:, rows] += value[:, at]

    def total(self) -> np.ndarray:
        """(R, rows, N, N) the weighted sum of the terms, C-contiguous."""
        return np.ascontiguousarray(self.sum)


#: From how many cells (runs x N x N) a term's slab pricing without detail weighs the terms as they are put
#: (:class:`_Weigh`) instead of storing them first: below, the few more numpy calls cost more than the
#: stored arrays (measured: 5 % slower at 8 runs of 6 actors, 4 % faster at 32; the same bits either way).
_WEIGHED_FROM = 1024
#: The terms put on some rows only (their structural zeros are skipped without detail).
_SKIPPED = [ECONOMY, SECURITY, REGIME]


def _weighable(wT: np.ndarray) -> bool:
    """Whether terms may be summed without being stored (:class:`_Weigh`) with the same bits: the weights
    of the terms left out on some rows are finite and not negative, not even -0.0 (0 x w is then +0.0)."""
    skipped = wT[:, _SKIPPED]
    return bool(np.isfinite(skipped).all()) and not bool(np.signbit(skipped).any())


def _mover_terms(
    ctx: ContextBatch,
    setup: ModelSetup,
    grads: np.ndarray,
    rel: np.ndarray,
    agreement: np.ndarray,
    plan: _Plan,
    fx: _Effects,
    sink: _Sink,
) -> None:
    """Put into ``sink`` terms[r, f, a, i, j]: i's utility change per term if its move a on j takes effect
    (unweighted), each term of each run of rows once, in TERMS order: the economy of the moves with a
    pair-local effect and of fixed-sector agreements (with their security), autonomy to values and
    reciprocity of every move, and regime security of domestic moves; every other term is zero."""
    w, V, d = ctx.world, ctx.partner, ctx.distance
    dyn = setup.dynamics
    runs, n = V.shape[0], V.shape[-1]

    # Pair-local effects, only for the actions that have one (_EFFECTFUL).
    Tq, mu = ctx.trade_eq, dyn.import_value
    shape = (runs, 1, n, n)
    total_i = _spread(fx.total[:, None, :, None], shape)  # total[r, i]
    gdp_i = _spread(fx.gdp[:, None, :, None], shape)
    imports = per_run(mu, fx.trade_t.ndim) * fx.trade_t
    n_rows = fx.relief.shape[1]
    economy = np.multiply((Tq + imports)[:, None], fx.sanction_loss, out=_row_major(runs, n_rows, n))  # lost
    economy += imports[:, None] * fx.tariff_loss  # + tariff trade
    economy /= total_i
    np.maximum(economy, -0.999, out=economy)
    np.log1p(economy, out=economy)
    lent = np.multiply(per_run(dyn.credit_value, fx.relief.ndim), fx.relief, out=_row_major(runs, n_rows, n))
    lent += plan.aid
    lent /= gdp_i
    economy -= lent
    sink.put(ECONOMY, _EFFECTFUL_RUNS, economy)
    for k, c in plan.fixed:  # an agreement's economy and security, added to zero terms
        fixed = sink.block(ECONOMY, SECURITY + 1 - ECONOMY, slice(k, k + 1))
        np.add(0.0, agreement[:, : SECURITY + 1, None, :, :, c], out=fixed)
        sink.put_block(ECONOMY, slice(k, k + 1), fixed)
    p = w.pressure
    values = np.add(p[:, None], plan.pressure_step, out=_row_major(runs, n_rows, n))
    clip(values, 0.0, 1.0, out=values)  # new pressure
    values += fx.delta_s  # delta_s + new_p, as (delta_s + new_p)
    values -= p[:, None]
    values *= (V * d)[:, None]  # V x d x (...): (V x d) first, as written left to right
    values /= 2.0
    aligned = _term_major(grads)[:, :, None] * fx.pair_alignment[:, None]  # term and row major: long loops
    # Autonomy, influence and values (relation[:, f - AUTONOMY]) and reciprocity of every move: one block.
    every = sink.block(AUTONOMY, RECIPROCITY + 1 - AUTONOMY, _EVERY_MOVE)
    relation = every[:, : VALUES + 1 - AUTONOMY]
    np.multiply(_GOLDSTEIN_ROWS, _term_major(rel)[:, :, None], out=relation)
    for rows, at in _EFFECTFUL_RUNS:  # relation[:, f, e] updated on views of its runs of rows
        relation[:, VALUES - AUTONOMY, rows] += values[:, at]
        relation[:, :, rows] += aligned[:, :, at]
    np.multiply(w.memory[:, None], _RECIPROCITY_STEP, out=every[:, RECIPROCITY - AUTONOMY])
    for k, c in plan.fixed:
        relation[:, :, k] += agreement[:, AUTONOMY:, :, :, c]
    for rows, _ in _UNTARGETED_RUNS:
        every[:, :, rows] = 0.0
    regime = sink.block(REGIME, 1, _DOMESTIC_AT, zero=True)  # zero but for the diagonal
    _price_domestic(ctx, setup, grads, relation, regime)
    sink.put_block(AUTONOMY, _EVERY_MOVE, every)
    sink.put_block(REGIME, _DOMESTIC_AT, regime)


def _agreement_part(
    ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray, sectors: list[int], total: np.ndarray
) -> np.ndarray:
    """(R, 5, N, N, C) i's utility change per interest from an agreement with j in each of ``sectors``;
    ``total`` is each actor's projected trade value floored at 1 where not positive (_Effects.total)."""
    w, V = ctx.world, ctx.partner
    dyn, weights = setup.dynamics, setup.scoring.weights
    runs, n, n_sectors = V.shape[0], V.shape[-1], len(setup.sectors)
    Tq, mu = ctx.trade_eq, per_run(dyn.import_value, ctx.trade_eq.ndim)
    bonus = per_run(dyn.agreement_trade_bonus, ctx.trade_eq.ndim)
    density_step = per_run(weights.agreements / max(n_sectors, 1), grads.ndim)
    n_sec = max(len(setup.security_sectors), 1)
    trade_agreements = (
        np.add.reduce(w.agreements[..., _plan(setup).trade_at], axis=-1, dtype=float)
        if setup.trade_sectors
        else np.zeros(w.agreements.shape[:-1])
    )
    agreement_trade = np.log1p((Tq + mu * tr(Tq)) * bonus / (1.0 + bonus * trade_agreements) / total[:, :, None])
    part = _class_major((runs, len(INTERESTS), n, n, len(sectors)))
    part[:, AUTONOMY:] = (grads * density_step)[..., None]
    for c, s_idx in enumerate(sectors):
        if s_idx in setup.security_sectors:
            part[:, SECURITY, :, :, c] = V * ctx.compatibility / n_sec
        if s_idx in setup.trade_sectors:
            part[:, ECONOMY, :, :, c] = agreement_trade
    return part


def _diagonals(x: np.ndarray) -> np.ndarray:
    """The (..., N) diagonals of the contiguous (..., N, N) array ``x``: a writable view (``x[..., i, i]``)."""
    n = x.shape[-1]
    return np.reshape(x, (*x.shape[:-2], n * n), copy=False)[..., :: n + 1]


def _price_domestic(
    ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray, relation: np.ndarray, regime: np.ndarray
) -> None:
    """Fill the diagonal entries of domestic moves (crackdown): in ``relation`` (R, 3, A, N, N), autonomy to
    values, the alignment each observer's cooler regard and the wider values gap cost (first order, through
    the gradients); in ``regime`` (R, 1, D, N, N), the D domestic moves' regime security."""
    w, V, A = ctx.world, ctx.partner, ctx.alignment
    stance_terms = ctx.stances.domestic if ctx.stances is not None else None
    if stance_terms is None:
        stance_terms = _domestic_stance_terms(w.positions, w.salience, setup)
    diagonal = _diagonals(relation)  # diagonal[r, f - AUTONOMY, a, i] = relation[r, f - AUTONOMY, a, i, i]
    regime_diagonal = _diagonals(regime)
    exposure = (w.sanctions + w.pressure) / 2.0 - np.maximum(A, 0.0)
    plan = _plan(setup).domestic
    for at, ((k, _, threat_step), (d_align, d_dist)) in enumerate(zip(plan, stance_terms, strict=True)):
        diagonal[:, :, k] = np.add.reduce(grads * d_align[:, None], axis=-1)
        diagonal[:, VALUES - AUTONOMY, k] += np.add.reduce(V * d_dist * exposure, axis=-1)
        new_threat = clip(w.threat + threat_step, 0.0, 1.0)
        regime_diagonal[:, 0, at] = w.threat**2 - new_threat**2


def _domestic_stance_terms(
    positions: np.ndarray, salience: np.ndarray, setup: ModelSetup
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each domestic move of the plan, what its stance step changes (R, N, N): (d_align, d_dist), the
    change of alignment each observer's cooler regard and the wider values gap make, and of the values
    distance (halved); ``positions`` and ``salience`` have a leading runs axis."""
    dyn, weights, vd = setup.dynamics, setup.scoring.weights, setup.scoring.values_dimension
    x = positions[:, :, vd]
    sal = salience[:, :, vd]
    pair_sal = (sal[:, :, None] + sal[:, None, :]) / 2.0
    gap = np.maximum(x[:, None, :] - x[:, :, None], 0.0) / 2.0  # gap[r, i, k]: how far k stands above i, halved
    _zero_diagonal(gap)
    dist_now = np.abs(x[:, :, None] - x[:, None, :])
    policy, relations = per_run(weights.policy, gap.ndim), per_run(weights.relations, gap.ndim)
    dyn_gs = per_run(dyn.goldstein_scale, gap.ndim)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for k, stance_step, _ in _plan(setup).domestic:
        goldstein = CATALOGUE[k].goldstein
        new_x = clip(x + stance_step, -1.0, 1.0)
        dist_new = np.abs(new_x[:, :, None] - x[:, None, :])
        dist_new -= dist_now  # dist_new - dist_now
        d_affinity = -pair_sal * dist_new / 2.0  # change of P[i, k]
        d_align = policy * 2.0 * d_affinity + relations * dyn_gs * goldstein * gap / 2.0
        _zero_diagonal(d_align)
        dist_new /= 2.0  # d_dist: (dist_new - dist_now) / 2
        out.append((d_align, dist_new))
    return out


def _received_terms(
    ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray, plan: _Plan, fx: _Effects, sink: _Sink
) -> None:
    """Put into ``sink`` recv[r, f, q, i, j]: j's utility change per term if i's move RECEIVED[q] on j takes
    effect (unweighted), each term once, in TERMS order: economy and security of the moves with a pair-local
    effect, autonomy to values and reciprocity of every received move; every other term is zero."""
    w = ctx.world
    dyn, weights = setup.dynamics, setup.scoring.weights
    runs, n = grads.shape[0], grads.shape[-1]
    gT = _term_major(tr(grads))  # gT[r, f, i, j] = d f_j / d A[j, i]
    rel = per_run(weights.relations * dyn.goldstein_scale * (1.0 + dyn.reciprocity) / 2.0, 5)  # (R, 1, 1, 1, 1)
    e = _RECEIVED_IN_EFFECTFUL  # the received rows' positions among the _EFFECTFUL rows
    Tq, mu = ctx.trade_eq, per_run(dyn.import_value, ctx.trade_eq.ndim)
    shape = (runs, 1, n, n)
    total_j = _spread(fx.total[:, None, None, :], shape)  # total[r, j]
    gdp_j = fx.gdp_j
    economy = _take_rows(fx.sanction_loss, e)
    economy *= (fx.trade_t + mu * Tq)[:, None]  # j's trade with i
    exports = _take_rows(fx.tariff_loss, e)
    exports *= fx.trade_t[:, None]
    economy += exports  # j's exports to i
    economy /= total_j
    np.maximum(economy, -0.999, out=economy)
    np.log1p(economy, out=economy)
    aid = np.divide(plan.received_aid, gdp_j, out=_row_major(runs, e.size, n))
    np.maximum(aid, -0.999, out=aid)
    np.log1p(aid, out=aid)
    # A cut larger than the economy (cut_aid on a near-zero GDP) is floored like a trade loss.
    relief = _take_rows(fx.relief, e)
    relief /= gdp_j
    relief += aid
    economy += relief
    sink.put(ECONOMY, _RECEIVED_EFFECTFUL_RUNS, economy)
    share = _capability_share(ctx)
    security = _take_rows(fx.delta_s, e)
    security *= -_spread(share[:, None, :, None], shape)  # -share[r, i] x delta_s: the same product
    sink.put(SECURITY, _RECEIVED_EFFECTFUL_RUNS, security)
    # Autonomy, influence and values (relation[:, f - AUTONOMY]) and reciprocity of every received move.
    every = sink.block(AUTONOMY, RECIPROCITY + 1 - AUTONOMY, _EVERY_RECEIVED)
    relation = every[:, : VALUES + 1 - AUTONOMY]
    np.multiply(_RECEIVED_GOLDSTEIN * rel, gT[:, :, None], out=relation)
    aligned = gT[:, :, None] * _take_rows(fx.pair_alignment, e)[:, None]
    for at, part in _RECEIVED_EFFECTFUL_RUNS:  # relation[:, f, q] updated on views of its runs of rows
        relation[:, :, at] += aligned[:, :, part]
    np.multiply(_contiguous(tr(w.memory))[:, None], _RECEIVED_RECIPROCITY_STEP, out=every[:, RECIPROCITY - AUTONOMY])
    sink.put_block(AUTONOMY, _EVERY_RECEIVED, every)


def acceptance(gain: np.ndarray, temperature: np.ndarray, axis: int = -1) -> np.ndarray:
    """The chance that j accepts, for gains of R runs whose axis ``axis`` is the target j; ``temperature``
    is (R, N): a logistic of gain / T_j (greedy, T = 0: a step)."""
    shape = [1] * gain.ndim
    shape[0], shape[axis] = temperature.shape[0], temperature.shape[1]
    return _chance(gain, temperature.reshape(shape))


def _chance(gain: np.ndarray, t: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The logistic of gain / t where t > 0 and the step gain > 0 where t = 0 (t broadcasts against gain),
    into ``out`` when given (an array of gain's shape: gain itself, or one not overlapping it)."""
    positive = t > 0
    every = bool(positive.all())
    step = None if every else (gain > 0).astype(float)  # read before out (maybe gain) is written
    smooth = np.divide(gain, t if every else np.where(positive, t, 1.0), out=out)
    clip(smooth, -60.0, 60.0, out=smooth)
    smooth *= 0.5
    np.tanh(smooth, out=smooth)
    smooth += 1.0
    smooth *= 0.5
    if step is None:
        return smooth
    stepped = np.where(positive, smooth, step)
    if out is None:
        return stepped
    out[...] = stepped
    return out


class _Chances:
    """Gains of several shapes and their targets' temperatures laid end to end in two flat buffers, so
    that :func:`_chance` runs once over all of them (element by element: the same values as one call each)."""

    def __init__(self, shapes: list[tuple[int, ...]]) -> None:
        bounds = [0, *accumulate(math.prod(shape) for shape in shapes)]
        self._gain, self._temperature = np.empty(bounds[-1]), np.empty(bounds[-1])
        self._parts = [(slice(a, b), shape) for (a, b), shape in zip(pairwise(bounds), shapes, strict=True)]
        #: Views of the buffers in each part's shape, to be filled by the caller.
        self.gain = [self._gain[at].reshape(shape) for at, shape in self._parts]
        self.temperature = [self._temperature[at].reshape(shape) for at, shape in self._parts]

    def chance(self) -> list[np.ndarray]:
        """The chance of acceptance of every part's gains (:func:`_chance`), in each part's shape."""
        out = _chance(self._gain, self._temperature)
        return [out[at].reshape(shape) for at, shape in self._parts]


@dataclass(slots=True)
class PricedBatch:
    """Estimated gains of every move of every actor in R runs, and what each target would gain by accepting.

    ``gain[r, a, i, j]`` is the net expected gain of action a by i on target j: for a unilateral move its
    utility change minus its cost, for a proposal or request ``p * benefit + (1 - p) * refusal - cost``
    with ``p = accept_chance[r, a, i, j]``, the chance that j accepts (known to the proposer; computed for
    the moves that need an answer, 0 elsewhere; for many runs without detail, only where they are feasible).
    ``terms[r, f, a, i, j]`` is its weighted change per term
    (TERMS order) if it takes effect, ``recv[r, f, q, i, j]`` the same for the target of move RECEIVED[q]
    (the moves whose effect on their target anyone weighs). ``accept_gain[r, a, i, j]`` is j's net gain
    from accepting i's proposal or request a. ``sector_*`` hold the same for agreements in sector
    s, indexed ``[r, i, j, s]``; ``offer_*`` for conditional offers "give OFFER_GIVES[x] if you do
    OFFER_ASKS[y]", indexed ``[r, x, y, i, j]``. ``feasible`` / ``sector_feasible`` / ``offer_feasible``
    mark what the rules allow now. Priced without detail (``offer_at`` not None), ``offer_gain``,
    ``offer_accept_gain`` and ``offer_accept_chance`` are (K,): the feasible offers only, in the order of
    their flat indices ``offer_at = np.flatnonzero(offer_feasible)``.

    Not frozen (read only by convention): one is made every round, and a frozen dataclass's generated
    __init__ costs about seven times a plain one's.
    """

    gain: np.ndarray
    terms: np.ndarray | None  # None when priced without detail
    recv: np.ndarray | None
    feasible: np.ndarray
    sector_gain: np.ndarray
    sector_terms: np.ndarray  # (R, TERMS, N, N, C): per class of sector, see sector_classes
    sector_class: np.ndarray  # (S,) the class of each sector (sector_terms[..., sector_class] is per sector)
    sector_feasible: np.ndarray
    cost: np.ndarray  # (R, A, N, N) cost of each move for the mover, with sanction friction
    accept_gain: np.ndarray
    accept_chance: np.ndarray
    sector_accept_gain: np.ndarray
    sector_accept_chance: np.ndarray
    offer_gain: np.ndarray
    offer_feasible: np.ndarray
    offer_accept_gain: np.ndarray
    offer_accept_chance: np.ndarray
    temperature: np.ndarray  # (R, N) each actor's softmax temperature in utility units this round
    own_net: np.ndarray  # (R, A, N, N) what move a is worth to its mover i if it takes effect, net of cost
    received: np.ndarray  # (R, Q, N, N) j's weighted gain from i's move RECEIVED[q]
    offer_at: np.ndarray | None = None  # without detail: the flat indices of the feasible offers


def term_weights(interests: np.ndarray, threat: np.ndarray, setup: ModelSetup) -> np.ndarray:
    """(R, N, TERMS) weights of every term of a move's gain: the interests in force (a threatened government
    weighs the economy more: performance legitimacy, docs/model.md section 6), reciprocity and regime
    security. ``interests`` is (R, N, 5), ``threat`` (R, N)."""
    plan = _plan(setup)
    out = np.empty((*threat.shape, len(TERMS)))
    out[..., : len(INTERESTS)] = interests
    out[..., ECONOMY] *= 1.0 + per_run(setup.dynamics.threat_economy, threat.ndim) * threat
    out[..., RECIPROCITY] = plan.reciprocity
    out[..., REGIME] = plan.regime_weight
    return out


def price(
    ctx: ContextBatch,
    setup: ModelSetup,
    feasible: np.ndarray,
    sector_feasible: np.ndarray,
    interests: np.ndarray,
    tau: np.ndarray,
    detail: bool = True,
    scratch: Scratch | None = None,
) -> PricedBatch:
    """Estimate the gain of every feasible move of every actor in R runs.

    ``interests`` (R, N, 5) are the weights in force (events may have changed the scenario's) and ``tau``
    (R, N) the actors' temperatures, which set how surely a target answers by its gain. Proposals and
    requests are priced by their expected value to the proposer, who knows the target's interests
    (complete information, as in Bueno de Mesquita's expected-utility model).

    ``detail=False`` leaves out what only explanations and answers to old proposals read, for whoever reads
    gains only where moves are feasible (the vector engine's choices and answers): ``terms`` and ``recv``
    are None (not kept; the gains are the same) and conditional offers are priced only where the rules
    allow them now (``offer_feasible``, a few in a hundred), kept as flat (K,) arrays (see PricedBatch).
    """
    w = ctx.world
    dyn = setup.dynamics
    n = ctx.alignment.shape[-1]
    wT = tr(term_weights(interests, w.threat, setup))  # (R, TERMS, N)
    grads = alignment_gradients(ctx)
    rel = _relation_gradient(ctx, setup, grads)

    friction = sanction_friction(w.sanctions)
    plan = _plan(setup)
    # action_cost x friction for cooperative moves, action_cost (x 1.0, the same number) for the others. The
    # plan's costs are (A, N, N), or (R, A, N, N) in a batch whose runs' action costs differ: either way cost is
    # (R, A, N, N) here, cost[r] the bits that run's own batch makes, so every read below is one run's.
    if friction.shape[0] == 1:
        cost = plan.cost * np.where(_COOPERATIVE_ROWS, friction[:, None], 1.0)
    else:  # no (R, A, N, N) where: the plan's costs, multiplied by friction on the cooperative rows only
        cost = np.empty((friction.shape[0], *plan.cost.shape[-3:]))
        cost[...] = plan.cost
        for rows, _ in _COOPERATIVE_RUNS:
            cost[:, rows] *= friction[:, None]
    sector_class = plan.sector_class
    fx = _effects(ctx, setup, plan)
    agreement = _agreement_part(ctx, setup, grads, plan.sectors, fx.total)  # (R, 5, N, N, C): one per class
    # The weights spread over (i, j) first: numpy multiplies whole (N, N) blocks faster than rows of N.
    runs, n_terms = wT.shape[0], len(TERMS)
    mover_weights = _spread(wT[:, :, None, :, None], (runs, n_terms, 1, n, n))  # the mover i's
    target_weights = _spread(wT[:, :, None, None, :], (runs, n_terms, 1, n, n))  # the target j's
    mover: _Store | _Weigh
    target: _Store | _Weigh
    if not detail and runs * n * n >= _WEIGHED_FROM and _weighable(wT):  # no caller keeps terms: their sums only
        mover = _Weigh(mover_weights, (runs, len(CATALOGUE), n, n), scratch, "terms")
        target = _Weigh(target_weights, (runs, RECEIVED.size, n, n), scratch, "recv")
    else:
        reuse = None if detail else scratch  # without detail no caller keeps terms or recv
        mover = _Store(_zeroed(reuse, "terms", (runs, n_terms, len(CATALOGUE), n, n)), mover_weights)
        target = _Store(_zeroed(reuse, "recv", (runs, n_terms, RECEIVED.size, n, n)), target_weights)
    _mover_terms(ctx, setup, grads, rel, agreement, plan, fx, mover)
    _received_terms(ctx, setup, grads, plan, fx, target)
    benefit = mover.total()  # (R, A, N, N) if it takes effect, before cost
    received = target.total()  # (R, Q, N, N): j's gain from i's move RECEIVED[q]
    terms: np.ndarray | None = None
    recv: np.ndarray | None = None
    if detail:
        assert isinstance(mover, _Store) and isinstance(target, _Store)
        terms, recv = mover.terms, target.terms
    own_net = benefit - cost  # what a move is worth to its mover if it takes effect
    # Relative gains (Grieco 1988): in a shared act with a rival, what the rival gains counts against it.
    own_net[:, _SHARED_AT] -= RELATIVE_GAINS * ctx.rivalry[:, None] * tr(benefit[:, _SHARED_AT])

    sector_terms = _class_major((runs, n_terms, *agreement.shape[2:]))
    sector_terms[:, : VALUES + 1] = agreement
    sector_terms[:, AUTONOMY : VALUES + 1] += (_GOLDSTEIN[_SECTOR_ACTION] * rel)[..., None]
    sector_terms[:, RECIPROCITY] = (w.memory * _GOLDSTEIN[_SECTOR_ACTION] / 10.0)[..., None]
    sector_terms *= mover_weights[:, :, 0, :, :, None]  # wT[r, f, i] over (j, class): whole (N, N) blocks
    sector_cost = cost[:, _SECTOR_ACTION][..., None]
    # Summed over the terms (in order: term 0 + term 1 + ...), then laid out (R, N, N, C) for what follows.
    sector_benefit = np.ascontiguousarray(np.add.reduce(sector_terms, axis=1))
    sector_net = (
        sector_benefit - sector_cost - RELATIVE_GAINS * ctx.rivalry[..., None] * sector_benefit.transpose(0, 2, 1, 3)
    )

    # Each actor's temperature: tau x its largest unilateral gain (as for its own moves).
    plain_gain = np.where(feasible[:, _UNANSWERED_INDEX], own_net[:, _UNANSWERED_INDEX], -np.inf)
    # Over moves, then targets (in the faster order; the same maximum).
    best = np.maximum.reduce(np.maximum.reduce(plain_gain, axis=1), axis=-1)
    best = np.where(np.isfinite(best), np.abs(best), 0.0)
    temperature = tau * np.maximum(best, 1e-6)

    # The target's answer: for a shared act, its own net gain from the same act with the proposer; for
    # an offered transfer, what it receives; for a request, its own net gain from granting.
    # zeros_like (an empty array filled), not np.zeros: for many runs calloc clears reused memory with a byte
    # loop that costs more instructions than numpy's fill.
    accept_gain = np.zeros_like(own_net)
    accept_gain[:, _SHARED_AT] = tr(own_net[:, _SHARED_AT])
    accept_gain[:, _TRANSFER_AT] = received[:, _TRANSFER_RECEIVED_AT]
    accept_gain[:, _REQUEST_AT] = tr(own_net[:, _GRANTED_AT])
    sector_accept_gain = sector_net.transpose(0, 2, 1, 3)
    gives, asks = _OFFER_GIVE_INDEX, _OFFER_ASK_INDEX
    accept_chance = np.zeros_like(accept_gain)
    if runs == 1:
        # Every chance of acceptance (plain moves, agreements, and with detail conditional offers) in one
        # buffer: the same logistic of each gain, in a few numpy calls instead of a few per kind of move
        # (for many runs the buffers' copies cost more than the calls they save).
        answered_shape = (runs, _ANSWERED_INDEX.size, n, n)
        offer_shape = (runs, gives.size, asks.size, n, n)
        chances = _Chances([answered_shape, sector_accept_gain.shape, *([offer_shape] if detail else [])])
        accept_gain.take(_ANSWERED_INDEX, axis=1, out=chances.gain[0])
        chances.gain[1][...] = sector_accept_gain
        chances.temperature[0][...] = temperature[:, None, None, :]
        chances.temperature[1][...] = temperature[:, None, :, None]
        if detail:
            offer_accept_gain = np.add(
                received[:, _GIVES_RECEIVED_AT][:, :, None], tr(own_net[:, _ASKS_AT])[:, None], out=chances.gain[2]
            )
            chances.temperature[2][...] = temperature[:, None, None, None, :]
        chance = chances.chance()
        accept_chance[:, _ANSWERED_INDEX] = chance[0]
        sector_accept_chance = chance[1]
        if detail:
            offer_accept_chance = chance[2]
    else:
        if detail:
            # The targets' temperatures spread over (i, j): the logistic runs over whole (N, N) blocks.
            target_temperature = _spread(temperature[:, None, None, :], (runs, 1, n, n))
            answered = accept_gain.take(_ANSWERED_INDEX, axis=1)
            accept_chance[:, _ANSWERED_INDEX] = _chance(answered, target_temperature, out=answered)
        else:
            _feasible_chances(accept_chance, accept_gain, feasible, temperature)
        sector_accept_chance = acceptance(sector_accept_gain, temperature, axis=2)
        if detail:
            offer_accept_gain = received[:, _GIVES_RECEIVED_AT][:, :, None] + tr(own_net[:, _ASKS_AT])[:, None]
            offer_accept_chance = _chance(offer_accept_gain, target_temperature[:, None])

    # What a refusal costs the proposer: CAMEO 120 from j to i, through i's regard.
    weights = setup.scoring.weights
    d_align = per_run(
        weights.relations * dyn.goldstein_scale * REFUSAL_GOLDSTEIN * (1.0 + dyn.reciprocity) / 2.0, grads.ndim
    )
    refusal = np.add.reduce(grads * d_align * wT[:, AUTONOMY : VALUES + 1, :, None], axis=1)  # (R, N, N)
    gain = own_net.copy()
    k: slice | np.ndarray = _OFFERED
    p = accept_chance[:, k]
    gain[:, k] = p * benefit[:, k] + (1.0 - p) * refusal[:, None] - cost[:, k]
    k = _REQUEST_AT
    p = accept_chance[:, k]
    asked = tr(received[:, _GRANTED_RECEIVED_AT])  # i receives what it asks from j
    gain[:, k] = benefit[:, k] + p * asked + (1.0 - p) * refusal[:, None] - cost[:, k]
    if terms is not None and recv is not None:
        terms[:, :, k] += tr(recv[:, :, _GRANTED_RECEIVED_AT])
    p_sector = sector_accept_chance
    sector_gain = p_sector * (sector_net + sector_cost) + (1.0 - p_sector) * refusal[..., None] - sector_cost
    # From classes of sectors to sectors.
    sector_gain = sector_gain[..., sector_class]
    sector_accept_gain = sector_accept_gain[..., sector_class]
    sector_accept_chance = sector_accept_chance[..., sector_class]

    # Conditional offers: give OFFER_GIVES[x] to j if j does OFFER_ASKS[y] for i.
    # The asked moves' masks transposed into a contiguous array first: the broadcast then runs over whole (N, N) blocks.
    asked_feasible = np.ascontiguousarray(tr(feasible.take(asks, axis=1)))
    offer_feasible = np.logical_and(feasible.take(gives, axis=1)[:, :, None], asked_feasible[:, None])
    offer_feasible &= plan.offer_allowed
    if detail:
        offer_benefit = benefit[:, _GIVES_AT][:, :, None] + tr(received[:, _ASKS_RECEIVED_AT])[:, None]
        offer_cost = cost[:, _GIVES_AT][:, :, None]
        offer_gain = (
            offer_accept_chance * (offer_benefit - offer_cost)
            + (1.0 - offer_accept_chance) * refusal[:, None, None]
            - OFFER_COST
        )
        offer_at = None
    else:  # the same arithmetic on the feasible offers only (a few in a hundred)
        offer_at, offer_accept_gain, offer_accept_chance, offer_gain = _feasible_offers(
            offer_feasible, benefit, received, own_net, cost, refusal, temperature
        )
    return PricedBatch(
        gain, terms, recv, feasible, sector_gain, sector_terms, sector_class, sector_feasible, cost,
        accept_gain, accept_chance, sector_accept_gain, sector_accept_chance,
        offer_gain, offer_feasible, offer_accept_gain, offer_accept_chance, temperature, own_net, received,
        offer_at,
    )  # fmt: skip


def _feasible_chances(chance: np.ndarray, gain: np.ndarray, feasible: np.ndarray, temperature: np.ndarray) -> None:
    """Into ``chance`` (R, A, N, N, zeroed), the chances of acceptance of the answered moves where the rules
    allow them now (``feasible``): about one cell in five, and the only ones read without detail (the gains
    of moves not feasible are never candidates). The logistic of the same gains at the same temperatures, so
    the same numbers there, in about two fifths of the time of every cell at 48 actors (``tanh`` is
    compute-bound)."""
    _, n_moves, n, _ = gain.shape
    nn = n * n
    flat = np.flatnonzero(feasible.take(_ANSWERED_INDEX, axis=1))  # cells of (R, A', N, N), A' the answered moves
    r, rest = np.divmod(flat, _ANSWERED_INDEX.size * nn)
    k, ij = np.divmod(rest, nn)
    at = (r * n_moves + _ANSWERED_INDEX[k]) * nn + ij  # the same cells of (R, A, N, N)
    chance.reshape(-1)[at] = _chance(gain.reshape(-1)[at], temperature.reshape(-1)[r * n + ij % n])


@functools.cache
def _offer_cells(n: int) -> np.ndarray:
    """(6, X x Y x N x N) for each cell ((x x Y + y) x N + i) x N + j of one run's conditional offers among N
    actors, the flat indices within one run of i's move OFFER_GIVES[x] on j in (A, N, N) and in (Q, N, N)
    rows RECEIVED, of j's move OFFER_ASKS[y] on i in the same two, j, and i x N + j: what
    :func:`_feasible_offers` reads of each offer, looked up instead of divided out (made once per N)."""
    gives, asks, at = _OFFER_GIVE_INDEX, _OFFER_ASK_INDEX, RECEIVED_AT
    x, y, i, j = (a.reshape(-1) for a in np.indices((gives.size, asks.size, n, n)))
    nn, ij, ji = n * n, i * n + j, j * n + i
    cells = np.stack([gives[x] * nn + ij, at[gives][x] * nn + ij, asks[y] * nn + ji, at[asks][y] * nn + ji, j, ij])
    cells.flags.writeable = False
    return cells


def _feasible_offers(
    offer_feasible: np.ndarray,
    benefit: np.ndarray,
    received: np.ndarray,
    own_net: np.ndarray,
    cost: np.ndarray,
    refusal: np.ndarray,
    temperature: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The flat indices (K,) of the conditional offers ``offer_feasible`` allows, and for each the target's
    gain from accepting, its chance and the proposer's expected gain: :func:`price`'s arithmetic on those
    entries only, each read by flat index."""
    n = offer_feasible.shape[-1]
    n_moves, n_received = benefit.shape[1], received.shape[1]
    nn = n * n
    cells = _offer_cells(n)
    flat = np.flatnonzero(offer_feasible)  # r x (X x Y x N x N) + the cell's place in one run's offers
    r, place = np.divmod(flat, cells.shape[1])
    give_a, give_q, ask_a, ask_q, target, pair = cells.take(place, axis=1)
    # Flat indices into the whole (R, A, N, N) and (R, Q, N, N) arrays (no copy of their offer rows): i's move
    # OFFER_GIVES[x] on j at [r, gives[x], i, j], j's move OFFER_ASKS[y] on i at [r, asks[y], j, i].
    run_a = r * (n_moves * nn)
    give_a += run_a
    ask_a += run_a
    run_q = r * (n_received * nn)
    give_q += run_q
    ask_q += run_q
    received_flat = received.reshape(-1)  # a view of a contiguous array (of any other a copy: the same values)
    received_g = received_flat[give_q]
    received_a = received_flat[ask_q]
    accepting = received_g + own_net.reshape(-1)[ask_a]
    chance = _chance(accepting, temperature.reshape(-1)[r * n + target])
    offered = (benefit.reshape(-1)[give_a] + received_a) - cost.reshape(-1)[give_a]
    offer_gain = chance * offered + (1.0 - chance) * refusal.reshape(-1)[r * nn + pair] - OFFER_COST
    return flat, accepting, chance, offer_gain


class PricedTable(Protocol):
    """What :func:`offer_accept_gain_at` and sim.core.choice.accept_gain read of a priced table: a
    :class:`PricedBatch` (R runs) or a sim.core.utility.CandidateTable (one run: the same arrays without the
    runs axis)."""

    @property
    def accept_gain(self) -> np.ndarray: ...
    @property
    def sector_accept_gain(self) -> np.ndarray: ...
    @property
    def received(self) -> np.ndarray: ...
    @property
    def own_net(self) -> np.ndarray: ...


def offer_accept_gain_at(
    table: PricedTable, r: np.ndarray | None, give: np.ndarray, ask: np.ndarray, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """(K,) what j gains by accepting i's conditional offers "give ``give`` if you do ``ask``" (catalogue
    indices) in runs r (None: a one-run table, without the runs axis), computed for these offers only,
    wherever they stand (the rules may not allow them now): what j receives from i's move plus its own net
    gain from doing ``ask`` for i, the same sum :func:`price` makes for every offer (``offer_accept_gain``)."""
    run = ... if r is None else r
    return table.received[run, RECEIVED_AT[give], i, j] + table.own_net[run, ask, j, i]


def offer_terms_at(terms: np.ndarray, recv: np.ndarray, x: int, y: int, i: int, j: int) -> np.ndarray:
    """(TERMS,) the weighted terms of one run's conditional offer "i gives OFFER_GIVES[x] to j if j does
    OFFER_ASKS[y]" (``terms`` of one run: (TERMS, A, N, N); ``recv`` (TERMS, Q, N, N), rows RECEIVED))."""
    return terms[:, _OFFER_GIVE_INDEX[x], i, j] + recv[:, RECEIVED_AT[_OFFER_ASK_INDEX[y]], j, i]


def offer_terms(terms: np.ndarray, recv: np.ndarray) -> np.ndarray:
    """(..., TERMS, X, Y, N, N) the weighted terms of every conditional offer: what i gives and what j grants."""
    gives, asks = _OFFER_GIVE_INDEX, _OFFER_ASK_INDEX
    return terms[..., gives, :, :][..., :, None, :, :] + tr(recv[..., RECEIVED_AT[asks], :, :])[..., None, :, :, :]
