"""Actors' utility over their interests and a vectorised estimate of every candidate move's gain.

U_i = sum_k w_ik f_k over the interests economy, security, autonomy, influence and values
(docs/architecture.md section 4). The gain of a move is estimated for every (action, mover, target) at once:
pair-local effects (trade, debt, sanctions, agreements, pressure) are priced exactly, and the
relation changes that spill over the whole alignment row are priced to first order through the
gradient of U with respect to the mover's alignment row. Actors are thus boundedly rational: they
see the direct consequences of a move, not the replies it will provoke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import (
    ACTION_INDEX,
    CATALOGUE,
    OFFER_ASKS,
    OFFER_GIVES,
    PASS,
    REFUSAL_GOLDSTEIN,
    SANCTION_FRICTION,
    PreconditionInputs,
)
from sim.core.dynamics import Baseline, sanctions_received, trade_agreement_count
from sim.core.setup import DomesticSpec, DynamicsParams, ModelSetup
from sim.core.world import INTERESTS, WorldState

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
#: Moves whose effect waits for an answer (their mover's gain is an expectation).
_ANSWERED = np.array([a.needs_answer for a in CATALOGUE])
_OFFER_GIVE_INDEX = np.array([ACTION_INDEX[x] for x in OFFER_GIVES])
_OFFER_ASK_INDEX = np.array([ACTION_INDEX[y] for y in OFFER_ASKS])
_OFFER_DISTINCT = _OFFER_GIVE_INDEX[:, None] != _OFFER_ASK_INDEX[None, :]


def partner_weights(capability: np.ndarray) -> np.ndarray:
    """V[i, k]: how much partner k counts for i, half by reach (one voice each), half by capability."""
    n = capability.shape[0]
    others = max(n - 1, 1)
    total = capability.sum() - capability
    by_power = np.divide(capability[None, :], total[:, None], out=np.zeros((n, n)), where=total[:, None] > 0)
    V = 0.5 / others + 0.5 * by_power
    np.fill_diagonal(V, 0.0)
    return V


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, SOFTPLUS_BETA * x) / SOFTPLUS_BETA


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * SOFTPLUS_BETA * x))


def value_distance(positions: np.ndarray, dim: int) -> np.ndarray:
    """d[i, k] in [0, 1]: half the distance of two actors' stances on the values dimension."""
    x = positions[:, dim]
    return np.abs(x[:, None] - x[None, :]) / 2.0


def trade_value(trade: np.ndarray, import_value: float) -> np.ndarray:
    """(N,) what each actor's trade is worth to it: exports plus ``import_value`` times imports.

    Exports count in full and imports in part (modelling judgement): a tariff cut is a concession that
    mostly helps the partner's exporters, as governments treat it in negotiations.
    """
    return trade.sum(axis=1) + import_value * trade.sum(axis=0)


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


def features(ctx: RoundContext, setup: ModelSetup) -> np.ndarray:
    """(N, 5) values of each interest for each actor (columns in INTERESTS order)."""
    w, A, V, d, base = ctx.world, ctx.alignment, ctx.partner, ctx.distance, ctx.base
    n = w.n_actors
    out = np.zeros((n, len(INTERESTS)))
    base_total = trade_value(base.trade, setup.dynamics.import_value)
    ok = (ctx.trade_eq_total > 0) & (base_total > 0)
    out[:, ECONOMY] = np.log(np.divide(ctx.trade_eq_total, base_total, out=np.ones(n), where=ok))
    gdp_ok = (w.gdp > 0) & (base.gdp > 0)
    out[:, ECONOMY] += np.log(np.divide(w.gdp, base.gdp, out=np.ones(n), where=gdp_ok))
    owed = w.debt.sum(axis=1)
    held = w.debt.sum(axis=0)
    out[:, ECONOMY] += np.divide(setup.dynamics.credit_value * held - owed, w.gdp, out=np.zeros(n), where=w.gdp > 0)
    n_sec = max(len(setup.security_sectors), 1)
    sec_count = w.agreements[:, :, list(setup.security_sectors)].sum(axis=2) if setup.security_sectors else 0.0
    security_value = V * ctx.compatibility / n_sec
    out[:, SECURITY] = (security_value * sec_count).sum(axis=1) - sanctions_received(w.sanctions, w.capability)
    out[:, AUTONOMY] = _autonomy(A)
    out[:, INFLUENCE] = (V * A).sum(axis=1)
    out[:, VALUES] = (V * d * (w.sanctions + w.pressure) / 2.0).sum(axis=1) - (V * d * np.maximum(A, 0.0)).sum(axis=1)
    return out


def _autonomy(A: np.ndarray) -> np.ndarray:
    n = A.shape[0]
    if n <= 2:
        return np.zeros(n)
    positive = _softplus(A)
    np.fill_diagonal(positive, 0.0)
    shares = positive / positive.sum(axis=1, keepdims=True)
    hhi = (shares**2).sum(axis=1)
    return (1.0 - hhi) / (1.0 - 1.0 / (n - 1))


def alignment_gradients(ctx: RoundContext) -> np.ndarray:
    """(3, N, N): d f_i / d A_ik for autonomy, influence and values (zero where the clip binds)."""
    A, V, d = ctx.alignment, ctx.partner, ctx.distance
    n = A.shape[0]
    grads = np.zeros((3, n, n))
    if n > 2:
        positive = _softplus(A)
        np.fill_diagonal(positive, 0.0)
        total = positive.sum(axis=1, keepdims=True)
        shares = positive / total
        hhi = (shares**2).sum(axis=1, keepdims=True)
        d_hhi = 2.0 * (shares - hhi) / total * _sigmoid(A)
        grads[0] = -d_hhi / (1.0 - 1.0 / (n - 1))
    grads[1] = V
    grads[2] = -V * d * (A > 0)
    grads *= ctx.clip_free[None]
    for g in grads:
        np.fill_diagonal(g, 0.0)
    return grads


@dataclass(frozen=True, slots=True)
class CandidateTable:
    """Estimated gains of every move for every actor, and what each target would gain by accepting.

    ``gain[a, i, j]`` is the net expected gain of action a by i on target j: for a unilateral move its
    utility change minus its cost, for a proposal or request ``p * benefit + (1 - p) * refusal - cost``
    with ``p = accept_chance[a, i, j]``, the chance that j accepts (known to the proposer).
    ``terms[f, a, i, j]`` is its weighted change per term (TERMS order) if it takes effect.
    ``accept_gain[a, i, j]`` is j's net gain from accepting i's proposal or request a.
    ``sector_*`` hold the same for agreements in sector s, indexed ``[i, j, s]``; ``offer_*`` for
    conditional offers "give OFFER_GIVES[x] if you do OFFER_ASKS[y]", indexed ``[x, y, i, j]``.
    ``feasible`` / ``sector_feasible`` / ``offer_feasible`` mark what the rules allow now.
    """

    gain: np.ndarray
    terms: np.ndarray
    feasible: np.ndarray
    sector_gain: np.ndarray
    sector_terms: np.ndarray
    sector_feasible: np.ndarray
    cost: np.ndarray  # (A, N, N) cost of each move for the mover, with sanction friction
    accept_gain: np.ndarray  # (A, N, N)
    accept_chance: np.ndarray  # (A, N, N)
    sector_accept_gain: np.ndarray  # (N, N, S)
    sector_accept_chance: np.ndarray  # (N, N, S)
    offer_gain: np.ndarray  # (X, Y, N, N)
    offer_terms: np.ndarray  # (TERMS, X, Y, N, N)
    offer_feasible: np.ndarray  # (X, Y, N, N)
    offer_accept_gain: np.ndarray  # (X, Y, N, N)
    offer_accept_chance: np.ndarray  # (X, Y, N, N)
    temperature: np.ndarray  # (N,) each actor's softmax temperature in utility units this round


def feasibility(world: WorldState, setup: ModelSetup) -> tuple[np.ndarray, np.ndarray]:
    """Masks of what each actor may do now: (A, N, N) for plain actions, (N, N, S) for sector agreements.

    A request is feasible only where the move it asks for would be feasible for the target; untargeted
    moves (pass, crackdown) sit on the diagonal.
    """
    n = world.n_actors
    eye = np.eye(n, dtype=bool)
    not_self = ~eye
    inputs = PreconditionInputs(world=world, not_self=not_self, values_dimension=setup.scoring.values_dimension)
    feasible = np.zeros((len(CATALOGUE), n, n), dtype=bool)
    sector_feasible = np.zeros((n, n, len(setup.sectors)), dtype=bool)
    for k, act in enumerate(CATALOGUE):
        allowed = setup.action_enabled[k][:, None]
        if act.domestic:
            feasible[k] = allowed & act.precondition(inputs) & eye
            continue
        if not act.targeted:
            feasible[k] = allowed & eye  # untargeted moves sit on the diagonal
            continue
        mask = act.precondition(inputs) & not_self & allowed
        if act.sector_based:
            sector_feasible[:] = mask[:, :, None] & ~world.agreements
        elif act.fixed_sector is not None:
            s = setup.sectors.index(act.fixed_sector) if act.fixed_sector in setup.sectors else -1
            feasible[k] = mask & ~world.agreements[:, :, s] if s >= 0 else False
        else:
            feasible[k] = mask
    for k, g in _REQUESTS:
        feasible[k] &= feasible[g].T  # the target must be able to grant it
    return feasible, sector_feasible


def sanction_friction(world: WorldState) -> np.ndarray:
    """(N, N) the factor a cooperative move's cost is multiplied by: 1 + SANCTION_FRICTION x (s_ij + s_ji) / 2.

    Both directions add (a pair under sanctions and counter-sanctions is further apart than under either),
    so the factor rises smoothly with either side's intensity.
    """
    return 1.0 + SANCTION_FRICTION * (world.sanctions + world.sanctions.T) / 2.0


def effective_interests(interests: np.ndarray, threat: np.ndarray, params: DynamicsParams) -> np.ndarray:
    """(N, 5) interest weights in force: a threatened government weighs the economy more (performance
    legitimacy; docs/model.md section 6)."""
    out = interests.copy()
    out[:, ECONOMY] *= 1.0 + params.threat_economy * threat
    return out


def term_weights(interests: np.ndarray, domestic: DomesticSpec) -> np.ndarray:
    """(N, TERMS) weights of every term of a move's gain: the interests, reciprocity and regime security."""
    return np.column_stack([interests, domestic.reciprocity, domestic.regime_weight])


def _mover_terms(ctx: RoundContext, setup: ModelSetup, grads: np.ndarray, agreement: np.ndarray) -> np.ndarray:
    """terms[f, a, i, j]: i's utility change per term if its move a on j takes effect (unweighted)."""
    w, A, V, d = ctx.world, ctx.alignment, ctx.partner, ctx.distance
    dyn, weights = setup.dynamics, setup.scoring.weights
    n, n_actions = w.n_actors, len(CATALOGUE)
    mag = setup.action_magnitude
    terms = np.zeros((len(TERMS), n_actions, n, n))
    rel_scale = weights.relations * dyn.goldstein_scale / 2.0
    rel = rel_scale * ((1.0 + dyn.reciprocity) * grads + dyn.spillover * grads @ A)  # (3, N, N)
    terms[AUTONOMY : VALUES + 1] = _GOLDSTEIN[None, :, None, None] * rel[:, None]

    gdp = np.where(w.gdp > 0, w.gdp, 1.0)
    total = np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0)
    T, s = ctx.trade_eq, w.sanctions
    pair_barrier = np.maximum(s, s.T)
    new_s = np.clip(s[None] + (_SANCTION_CHANGE[:, None] * mag)[:, :, None], 0.0, 1.0)  # (A, N, N)
    delta_s = new_s - s[None]
    delta_x = np.maximum(new_s, s.T[None]) - pair_barrier[None]
    mu = dyn.import_value
    lost = (T + mu * T.T)[None] * np.expm1(-dyn.sanction_trade_elasticity * delta_x)
    t = w.tariff
    delta_t = np.clip(t[None] + (_TARIFF_CHANGE[:, None] * mag)[:, :, None], 0.0, 1.0) - t[None]
    tariff_trade = mu * T.T[None] * np.expm1(-dyn.tariff_elasticity * delta_t)
    terms[ECONOMY] = np.log1p(np.maximum((lost + tariff_trade) / total[None, :, None], -0.999))
    relief = np.minimum(_DEBT_RELIEF[:, None] * mag, 1.0)[:, :, None] * w.debt.T[None]
    aid = (_AID[:, None] * mag)[:, :, None]
    terms[ECONOMY] -= (dyn.credit_value * relief + aid) / gdp[None, :, None]
    gratitude = dyn.gratitude * (relief + aid) / gdp[None, None, :]
    new_p = np.clip(w.pressure[None] + (_PRESSURE[:, None] * mag)[:, :, None], 0.0, 1.0)
    terms[VALUES] += V[None] * d[None] * (delta_s + new_p - w.pressure[None]) / 2.0
    pair_alignment = -weights.sanctions * delta_x + weights.relations * gratitude / 2.0
    terms[AUTONOMY : VALUES + 1] += grads[:, None] * pair_alignment[None]
    terms[RECIPROCITY] = w.memory[None] * (_GOLDSTEIN / 10.0)[:, None, None]

    for k, sector in _FIXED_SECTOR:
        if sector in setup.sectors:
            terms[: VALUES + 1, k] += agreement[..., setup.sectors.index(sector)]
    terms[:, ~_TARGETED] = 0.0
    _price_domestic(ctx, setup, grads, terms)
    return terms


def _agreement_part(ctx: RoundContext, setup: ModelSetup, grads: np.ndarray) -> np.ndarray:
    """(5, N, N, S) i's utility change per interest from an agreement with j in sector s (its own effect)."""
    w, V = ctx.world, ctx.partner
    dyn, weights = setup.dynamics, setup.scoring.weights
    n, n_sectors = w.n_actors, len(setup.sectors)
    total = np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0)
    T, mu = ctx.trade_eq, dyn.import_value
    density_step = weights.agreements / max(n_sectors, 1)
    n_sec = max(len(setup.security_sectors), 1)
    trade_agreements = trade_agreement_count(w.agreements, setup.trade_sectors)
    agreement_trade = np.log1p(
        (T + mu * T.T)
        * dyn.agreement_trade_bonus
        / (1.0 + dyn.agreement_trade_bonus * trade_agreements)
        / total[:, None]
    )
    part = np.zeros((len(INTERESTS), n, n, n_sectors))
    part[AUTONOMY:] = (grads * density_step)[..., None]
    for s_idx in setup.security_sectors:
        part[SECURITY, :, :, s_idx] = V * ctx.compatibility / n_sec
    for s_idx in setup.trade_sectors:
        part[ECONOMY, :, :, s_idx] = agreement_trade
    return part


def _price_domestic(ctx: RoundContext, setup: ModelSetup, grads: np.ndarray, terms: np.ndarray) -> None:
    """Fill the diagonal entries of domestic moves (crackdown): regime security, and the alignment each
    observer's cooler regard and the wider values gap cost (first order, through the gradients)."""
    w, V, A = ctx.world, ctx.partner, ctx.alignment
    dyn, weights, vd = setup.dynamics, setup.scoring.weights, setup.scoring.values_dimension
    n = w.n_actors
    x = w.positions[:, vd]
    sal = w.salience[:, vd]
    pair_sal = (sal[:, None] + sal[None, :]) / 2.0
    gap = np.maximum(x[None, :] - x[:, None], 0.0) / 2.0  # gap[i, k]: how far k stands above i, halved
    np.fill_diagonal(gap, 0.0)
    rows = np.arange(n)
    for k in _DOMESTIC_INDEX:
        act = CATALOGUE[k]
        m = setup.action_magnitude[k]
        new_x = np.clip(x + m * act.stance_change, -1.0, 1.0)
        dist_now = np.abs(x[:, None] - x[None, :])
        dist_new = np.abs(new_x[:, None] - x[None, :])
        d_affinity = -pair_sal * (dist_new - dist_now) / 2.0  # change of P[i, k]
        d_align = (
            weights.policy * 2.0 * d_affinity + weights.relations * dyn.goldstein_scale * act.goldstein * gap / 2.0
        )
        np.fill_diagonal(d_align, 0.0)
        terms[AUTONOMY : VALUES + 1, k, rows, rows] = (grads * d_align[None]).sum(axis=2)
        d_dist = (dist_new - dist_now) / 2.0
        terms[VALUES, k, rows, rows] += (V * d_dist * ((w.sanctions + w.pressure) / 2.0 - np.maximum(A, 0.0))).sum(
            axis=1
        )
        new_threat = np.clip(w.threat + m * act.threat_change, 0.0, 1.0)
        terms[REGIME, k, rows, rows] = w.threat**2 - new_threat**2


def _received_terms(ctx: RoundContext, setup: ModelSetup, grads: np.ndarray) -> np.ndarray:
    """recv[f, a, i, j]: j's utility change per term if i's move a on j takes effect (unweighted)."""
    w = ctx.world
    dyn, weights = setup.dynamics, setup.scoring.weights
    n, n_actions = w.n_actors, len(CATALOGUE)
    mag = setup.action_magnitude
    recv = np.zeros((len(TERMS), n_actions, n, n))
    gT = grads.transpose(0, 2, 1)  # gT[f, i, j] = d f_j / d A[j, i]
    rel = weights.relations * dyn.goldstein_scale * (1.0 + dyn.reciprocity) / 2.0
    recv[AUTONOMY : VALUES + 1] = _GOLDSTEIN[None, :, None, None] * rel * gT[:, None]
    gdp = np.where(w.gdp > 0, w.gdp, 1.0)
    total = np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0)
    T, s = ctx.trade_eq, w.sanctions
    mu = dyn.import_value
    new_s = np.clip(s[None] + (_SANCTION_CHANGE[:, None] * mag)[:, :, None], 0.0, 1.0)
    delta_s = new_s - s[None]
    delta_x = np.maximum(new_s, s.T[None]) - np.maximum(s, s.T)[None]
    lost = (T.T + mu * T)[None] * np.expm1(-dyn.sanction_trade_elasticity * delta_x)  # j's trade with i
    t = w.tariff
    delta_t = np.clip(t[None] + (_TARIFF_CHANGE[:, None] * mag)[:, :, None], 0.0, 1.0) - t[None]
    exports = T.T[None] * np.expm1(-dyn.tariff_elasticity * delta_t)  # j's exports to i
    recv[ECONOMY] = np.log1p(np.maximum((lost + exports) / total[None, None, :], -0.999))
    relief = np.minimum(_DEBT_RELIEF[:, None] * mag, 1.0)[:, :, None] * w.debt.T[None]
    aid = (_AID[:, None] * mag)[:, :, None]
    # A cut larger than the economy (cut_aid on a near-zero GDP) is floored like a trade loss.
    recv[ECONOMY] += relief / gdp[None, None, :] + np.log1p(np.maximum(aid / gdp[None, None, :], -0.999))
    gratitude = dyn.gratitude * (relief + aid) / gdp[None, None, :]
    total_cap = w.capability.sum()
    share = w.capability / total_cap if total_cap > 0 else np.zeros(n)
    recv[SECURITY] = -share[None, :, None] * delta_s
    pair_alignment = -weights.sanctions * delta_x + weights.relations * gratitude / 2.0
    recv[AUTONOMY : VALUES + 1] += gT[:, None] * pair_alignment[None]
    recv[RECIPROCITY] = w.memory.T[None] * (_GOLDSTEIN / 10.0)[:, None, None]
    recv[:, ~_TARGETED] = 0.0
    return recv


def _acceptance(gain: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """The chance that j accepts, for gains indexed [..., i, j]: a logistic of gain / T_j (greedy: a step)."""
    t = temperature[None, :] if gain.ndim >= 2 else temperature
    safe = np.where(t > 0, t, 1.0)
    smooth = 0.5 * (1.0 + np.tanh(0.5 * np.clip(gain / safe, -60.0, 60.0)))
    return np.where(t > 0, smooth, (gain > 0).astype(float))


def price_candidates(
    ctx: RoundContext, setup: ModelSetup, interests: np.ndarray, tau: np.ndarray | None = None
) -> CandidateTable:
    """Estimate the gain of every feasible move of every actor on the snapshot in ``ctx``.

    ``interests`` is the (N, 5) weight matrix in force (events may have changed the scenario's) and
    ``tau`` the actors' temperatures (default: the scenario's), which set how surely a target answers
    by its gain. Proposals and requests are priced by their expected value to the proposer, who knows
    the target's interests (complete information, as in Bueno de Mesquita's expected-utility model).
    """
    w = ctx.world
    dyn = setup.dynamics
    tau = setup.tau if tau is None else tau
    n = w.n_actors
    domestic = setup.domestic_spec()
    weights_all = term_weights(effective_interests(interests, w.threat, dyn), domestic)  # (N, TERMS)
    grads = alignment_gradients(ctx)
    feasible, sector_feasible = feasibility(w, setup)

    friction = sanction_friction(w)
    cost = setup.action_cost[:, :, None] * np.where(_COOPERATIVE[:, None, None], friction[None], 1.0)

    agreement = _agreement_part(ctx, setup, grads)  # (5, N, N, S), computed once a round
    terms = _mover_terms(ctx, setup, grads, agreement) * weights_all.T[:, None, :, None]
    benefit = terms.sum(axis=0)  # (A, N, N) if it takes effect, before cost
    recv = _received_terms(ctx, setup, grads) * weights_all.T[:, None, None, :]
    received = recv.sum(axis=0)  # (A, N, N): j's gain from i's move
    own_net = benefit - cost  # what a move is worth to its mover if it takes effect
    # Relative gains (Grieco 1988): in a shared act with a rival, what the rival gains counts against it.
    for k in _SHARED:
        own_net[k] -= RELATIVE_GAINS * ctx.rivalry * benefit[k].T

    sector_terms = np.zeros((len(TERMS), n, n, len(setup.sectors)))
    sector_terms[: VALUES + 1] = agreement
    sector_terms[AUTONOMY : VALUES + 1] += (_GOLDSTEIN[_SECTOR_ACTION] * _relation_gradient(ctx, setup, grads))[
        ..., None
    ]
    sector_terms[RECIPROCITY] = (w.memory * _GOLDSTEIN[_SECTOR_ACTION] / 10.0)[..., None]
    sector_terms *= weights_all.T[:, :, None, None]
    sector_cost = cost[_SECTOR_ACTION][..., None]
    sector_benefit = sector_terms.sum(axis=0)
    sector_net = (
        sector_benefit - sector_cost - RELATIVE_GAINS * ctx.rivalry[..., None] * sector_benefit.transpose(1, 0, 2)
    )

    # Each actor's temperature: tau x its largest unilateral gain (as for its own moves).
    plain_gain = np.where(feasible & ~_ANSWERED[:, None, None], own_net, -np.inf)
    best = plain_gain.max(axis=(0, 2))
    best = np.where(np.isfinite(best), np.abs(best), 0.0)
    temperature = tau * np.maximum(best, 1e-6)

    # The target's answer: for a shared act, its own net gain from the same act with the proposer; for
    # an offered transfer, what it receives; for a request, its own net gain from granting.
    accept_gain = np.zeros_like(own_net)
    for k in _SHARED:
        accept_gain[k] = own_net[k].T
    for k in _TRANSFER_OFFERS:
        accept_gain[k] = received[k]
    for k, g in _REQUESTS:
        accept_gain[k] = own_net[g].T
    accept_chance = _acceptance(accept_gain, temperature)
    sector_accept_gain = sector_net.transpose(1, 0, 2)
    sector_accept_chance = _acceptance_sector(sector_accept_gain, temperature)

    refusal = _refusal_loss(ctx, setup, grads, weights_all)  # (N, N) what a refusal costs the proposer
    gain = own_net.copy()
    for k in _SHARED + _TRANSFER_OFFERS:
        p = accept_chance[k]
        gain[k] = p * benefit[k] + (1.0 - p) * refusal - cost[k]
    for k, g in _REQUESTS:
        p = accept_chance[k]
        asked = received[g].T  # i receives g from j
        gain[k] = benefit[k] + p * asked + (1.0 - p) * refusal - cost[k]
        terms[:, k] += recv[:, g].transpose(0, 2, 1)
    p_sector = sector_accept_chance
    sector_gain = p_sector * (sector_net + sector_cost) + (1.0 - p_sector) * refusal[..., None] - sector_cost

    # Conditional offers: give OFFER_GIVES[x] to j if j does OFFER_ASKS[y] for i.
    gives, asks = _OFFER_GIVE_INDEX, _OFFER_ASK_INDEX
    offer_feasible = feasible[gives][:, None] & feasible[asks].transpose(0, 2, 1)[None]
    offer_feasible &= ~np.eye(n, dtype=bool)
    offer_feasible &= _OFFER_DISTINCT[:, :, None, None]
    offer_benefit = benefit[gives][:, None] + received[asks].transpose(0, 2, 1)[None]
    offer_cost = np.broadcast_to(cost[gives][:, None], offer_benefit.shape)
    offer_accept_gain = received[gives][:, None] + own_net[asks].transpose(0, 2, 1)[None]
    offer_accept_chance = _acceptance(offer_accept_gain, temperature)
    offer_gain = offer_accept_chance * (offer_benefit - offer_cost) + (1.0 - offer_accept_chance) * refusal - OFFER_COST
    offer_terms = terms[:, gives][:, :, None] + recv[:, asks].transpose(0, 1, 3, 2)[:, None]

    return CandidateTable(
        gain, terms, feasible, sector_gain, sector_terms, sector_feasible, cost,
        accept_gain, accept_chance, sector_accept_gain, sector_accept_chance,
        offer_gain, offer_terms, offer_feasible, offer_accept_gain, offer_accept_chance, temperature,
    )  # fmt: skip


def _acceptance_sector(gain: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    t = temperature[None, :, None]
    safe = np.where(t > 0, t, 1.0)
    smooth = 0.5 * (1.0 + np.tanh(0.5 * np.clip(gain / safe, -60.0, 60.0)))
    return np.where(t > 0, smooth, (gain > 0).astype(float))


def _relation_gradient(ctx: RoundContext, setup: ModelSetup, grads: np.ndarray) -> np.ndarray:
    """(3, N, N) utility change of i per Goldstein point of a move by i on j, through regard."""
    dyn, weights = setup.dynamics, setup.scoring.weights
    rel_scale = weights.relations * dyn.goldstein_scale / 2.0
    return rel_scale * ((1.0 + dyn.reciprocity) * grads + dyn.spillover * grads @ ctx.alignment)


def _refusal_loss(ctx: RoundContext, setup: ModelSetup, grads: np.ndarray, weights_all: np.ndarray) -> np.ndarray:
    """(N, N) the proposer's weighted utility change when j refuses it (CAMEO 120 from j to i)."""
    dyn, weights = setup.dynamics, setup.scoring.weights
    d_align = weights.relations * dyn.goldstein_scale * REFUSAL_GOLDSTEIN * (1.0 + dyn.reciprocity) / 2.0
    return (grads * d_align * weights_all.T[AUTONOMY : VALUES + 1, :, None]).sum(axis=0)


@dataclass(frozen=True, slots=True)
class CandidateList:
    """Every feasible move of the round, flattened and grouped by actor.

    Rows ``start[i]:start[i + 1]`` belong to actor i, the last of them its pass. ``kind`` is the
    catalogue index, ``target`` and ``sector`` are -1 where they do not apply.
    """

    actor: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    sector: np.ndarray
    ask: np.ndarray  # catalogue index of what a conditional offer asks in return, -1 otherwise
    gain: np.ndarray
    start: np.ndarray  # (N + 1,)


def flatten(table: CandidateTable) -> CandidateList:
    """All feasible moves of all actors, plus one pass each, grouped by actor (the AI's candidates)."""
    plain = table.feasible & (_TARGETED | _DOMESTIC)[:, None, None]
    a, i, j = np.nonzero(plain)
    si, sj, ss = np.nonzero(table.sector_feasible)
    ox, oy, oi, oj = np.nonzero(table.offer_feasible)
    n = table.feasible.shape[1]
    everyone = np.arange(n)
    actor = np.concatenate([i, si, oi, everyone])
    kind = np.concatenate([a, np.full(si.size, _SECTOR_ACTION), _OFFER_GIVE_INDEX[ox], np.full(n, _PASS)])
    target = np.concatenate([j, sj, oj, np.full(n, -1)])
    sector = np.concatenate([np.full(a.size, -1), ss, np.full(ox.size, -1), np.full(n, -1)])
    ask = np.concatenate([np.full(a.size + si.size, -1), _OFFER_ASK_INDEX[oy], np.full(n, -1)])
    gain = np.concatenate(
        [table.gain[a, i, j], table.sector_gain[si, sj, ss], table.offer_gain[ox, oy, oi, oj], np.zeros(n)]
    )
    order = np.argsort(actor, kind="stable")
    actor = actor[order]
    start = np.searchsorted(actor, np.arange(n + 1))
    return CandidateList(actor, kind[order], target[order], sector[order], ask[order], gain[order], start)
