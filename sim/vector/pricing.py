"""The round's snapshot and the pricing of every candidate move for R runs at once (sim.core.utility over a runs axis).

Every function mirrors the core function of the same name operation for operation, with a leading runs axis
and the per-run arrays in the same memory layout, so each run's numbers are the core's up to the summation
order numpy picks for a batched reduction (in practice bit-identical; tests/test_vector.py checks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import CATALOGUE, REFUSAL_GOLDSTEIN, SANCTION_FRICTION
from sim.core.setup import ModelSetup
from sim.core.utility import (
    _AID,
    _ANSWERED,
    _COOPERATIVE,
    _DEBT_RELIEF,
    _DOMESTIC_INDEX,
    _FIXED_SECTOR,
    _GOLDSTEIN,
    _OFFER_ASK_INDEX,
    _OFFER_DISTINCT,
    _OFFER_GIVE_INDEX,
    _PRESSURE,
    _REQUESTS,
    _SANCTION_CHANGE,
    _SECTOR_ACTION,
    _SHARED,
    _TARGETED,
    _TARIFF_CHANGE,
    _TRANSFER_OFFERS,
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
)
from sim.core.world import INTERESTS
from sim.vector.state import WorldBatch, tr

#: Actions with a pair-local effect (sanctions, tariffs, debt relief, aid, pressure).
_EFFECTFUL = np.nonzero(
    (_SANCTION_CHANGE != 0) | (_TARIFF_CHANGE != 0) | (_DEBT_RELIEF != 0) | (_AID != 0) | (_PRESSURE != 0)
)[0]


@dataclass(slots=True)
class BaselineBatch:
    """The core's Baseline for R runs of one setup: calibration arrays shared, updated arrays per run."""

    trade: np.ndarray  # (N, N)
    gdp: np.ndarray  # (N,)
    capability: np.ndarray  # (N,)
    tariff: np.ndarray  # (N, N)
    sanction_pair: np.ndarray  # (N, N)
    trade_agreements: np.ndarray  # (N, N)
    sanctions_received: np.ndarray  # (N,)
    last_sanctions_received: np.ndarray  # (R, N)
    last_access: np.ndarray  # (R, N)
    relations: np.ndarray  # (R, N, N)
    original_relations: np.ndarray  # (N, N)


def trade_agreement_count(agreements: np.ndarray, trade_sectors: tuple[int, ...]) -> np.ndarray:
    if not trade_sectors:
        return np.zeros(agreements.shape[:-1])
    return agreements[..., list(trade_sectors)].sum(axis=-1).astype(float)


def sanctions_received(sanctions: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """(R, N) capability-weighted sanctions on each actor; ``capability`` is (N,) or (R, N)."""
    total = capability.sum(axis=-1, keepdims=True)
    share = np.divide(capability, total, out=np.zeros_like(capability * 1.0), where=total > 0)
    return (share[..., None, :] @ sanctions)[..., 0, :]


def sanction_pressure(s: np.ndarray) -> np.ndarray:
    return np.maximum(s, tr(s))


def policy_affinity(positions: np.ndarray, salience: np.ndarray) -> np.ndarray:
    distance = np.abs(positions[:, :, None, :] - positions[:, None, :, :]) / 2.0
    pair_salience = (salience[:, :, None, :] + salience[:, None, :, :]) / 2.0
    return 1.0 - np.einsum("rijd,rijd->rij", distance, pair_salience)


def raw_alignment(w: WorldBatch, setup: ModelSetup, affinity: np.ndarray) -> np.ndarray:
    weights = setup.scoring.weights
    r_sym = (w.relations + tr(w.relations)) / 2.0
    two_way = w.trade + tr(w.trade)
    smaller = np.minimum(w.gdp[:, :, None], w.gdp[:, None, :])
    share = np.divide(two_way, smaller, out=np.zeros_like(two_way), where=smaller > 0)
    interdependence = 1.0 - np.exp(-weights.trade_squash * share)
    density = w.agreements.mean(axis=-1) if w.agreements.shape[-1] else np.zeros(w.relations.shape)
    raw = (
        weights.relations * r_sym
        + weights.policy * (2.0 * affinity - 1.0)
        + weights.trade * interdependence
        + weights.agreements * density
        - weights.sanctions * sanction_pressure(w.sanctions)
    )
    n = w.n_actors
    raw[:, np.arange(n), np.arange(n)] = 0.0
    return raw


def gdp_ratio(gdp: np.ndarray, base: BaselineBatch) -> np.ndarray:
    return np.divide(gdp, base.gdp, out=np.ones_like(gdp), where=base.gdp > 0)


def trade_policy_factor(w: WorldBatch, base: BaselineBatch, setup: ModelSetup) -> np.ndarray:
    params = setup.dynamics
    tariff_factor = np.exp(-params.tariff_elasticity * (tr(w.tariff) - base.tariff.T))
    sanction_factor = np.exp(-params.sanction_trade_elasticity * (sanction_pressure(w.sanctions) - base.sanction_pair))
    agreements = trade_agreement_count(w.agreements, setup.trade_sectors)
    agreement_factor = (1.0 + params.agreement_trade_bonus * agreements) / (
        1.0 + params.agreement_trade_bonus * base.trade_agreements
    )
    return tariff_factor * sanction_factor * agreement_factor


def equilibrium_trade(w: WorldBatch, base: BaselineBatch, setup: ModelSetup) -> np.ndarray:
    ratio = gdp_ratio(w.gdp, base)
    size = ratio[:, :, None] * ratio[:, None, :]
    return base.trade * size * trade_policy_factor(w, base, setup)


def partner_weights(capability: np.ndarray) -> np.ndarray:
    runs, n = capability.shape
    others = max(n - 1, 1)
    total = capability.sum(axis=-1, keepdims=True) - capability
    by_power = np.divide(
        capability[:, None, :], total[:, :, None], out=np.zeros((runs, n, n)), where=total[:, :, None] > 0
    )
    V = 0.5 / others + 0.5 * by_power
    V[:, np.arange(n), np.arange(n)] = 0.0
    return V


def trade_value(trade: np.ndarray, import_value: float) -> np.ndarray:
    return trade.sum(axis=-1) + import_value * trade.sum(axis=-2)


@dataclass(frozen=True, slots=True)
class ContextBatch:
    """The core's RoundContext for R runs."""

    world: WorldBatch
    alignment: np.ndarray
    clip_free: np.ndarray
    partner: np.ndarray
    distance: np.ndarray
    trade_eq: np.ndarray
    trade_eq_total: np.ndarray
    base: BaselineBatch
    compatibility: np.ndarray
    rivalry: np.ndarray


def context(w: WorldBatch, base: BaselineBatch, setup: ModelSetup, affinity: np.ndarray) -> ContextBatch:
    raw = raw_alignment(w, setup, affinity)
    A = np.clip(raw, -1.0, 1.0)
    trade_eq = equilibrium_trade(w, base, setup)
    x = w.positions[:, :, setup.scoring.values_dimension]
    return ContextBatch(
        world=w,
        alignment=A,
        clip_free=(np.abs(raw) < 1.0).astype(float),
        partner=partner_weights(w.capability),
        distance=np.abs(x[:, :, None] - x[:, None, :]) / 2.0,
        trade_eq=trade_eq,
        trade_eq_total=trade_value(trade_eq, setup.dynamics.import_value),
        base=base,
        compatibility=np.maximum(2.0 * affinity - 1.0, 0.0),
        rivalry=np.maximum(1.0 - 2.0 * affinity, 0.0),
    )


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, SOFTPLUS_BETA * x) / SOFTPLUS_BETA


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * SOFTPLUS_BETA * x))


def _zero_diagonal(x: np.ndarray) -> None:
    n = x.shape[-1]
    x[..., np.arange(n), np.arange(n)] = 0.0


def _autonomy(A: np.ndarray) -> np.ndarray:
    runs, n = A.shape[0], A.shape[-1]
    if n <= 2:
        return np.zeros((runs, n))
    positive = _softplus(A)
    _zero_diagonal(positive)
    shares = positive / positive.sum(axis=-1, keepdims=True)
    hhi = (shares**2).sum(axis=-1)
    return (1.0 - hhi) / (1.0 - 1.0 / (n - 1))


def features(ctx: ContextBatch, setup: ModelSetup) -> np.ndarray:
    """(R, N, 5) values of each interest for each actor."""
    w, A, V, d, base = ctx.world, ctx.alignment, ctx.partner, ctx.distance, ctx.base
    runs, n = w.runs, w.n_actors
    out = np.zeros((runs, n, len(INTERESTS)))
    base_total = base.trade.sum(axis=1) + setup.dynamics.import_value * base.trade.sum(axis=0)
    ok = (ctx.trade_eq_total > 0) & (base_total > 0)
    out[..., ECONOMY] = np.log(np.divide(ctx.trade_eq_total, base_total, out=np.ones((runs, n)), where=ok))
    gdp_ok = (w.gdp > 0) & (base.gdp > 0)
    out[..., ECONOMY] += np.log(np.divide(w.gdp, base.gdp, out=np.ones((runs, n)), where=gdp_ok))
    owed = w.debt.sum(axis=-1)
    held = w.debt.sum(axis=-2)
    out[..., ECONOMY] += np.divide(
        setup.dynamics.credit_value * held - owed, w.gdp, out=np.zeros((runs, n)), where=w.gdp > 0
    )
    n_sec = max(len(setup.security_sectors), 1)
    sec_count = w.agreements[..., list(setup.security_sectors)].sum(axis=-1) if setup.security_sectors else 0.0
    security_value = V * ctx.compatibility / n_sec
    suffered = sanctions_received(w.sanctions, w.capability)
    out[..., SECURITY] = (security_value * sec_count).sum(axis=-1) - suffered
    out[..., AUTONOMY] = _autonomy(A)
    out[..., INFLUENCE] = (V * A).sum(axis=-1)
    out[..., VALUES] = (V * d * (w.sanctions + w.pressure) / 2.0).sum(axis=-1) - (V * d * np.maximum(A, 0.0)).sum(
        axis=-1
    )
    return out


def alignment_gradients(ctx: ContextBatch) -> np.ndarray:
    """(R, 3, N, N) d f_i / d A_ik for autonomy, influence and values."""
    A, V, d = ctx.alignment, ctx.partner, ctx.distance
    runs, n = A.shape[0], A.shape[-1]
    grads = np.zeros((runs, 3, n, n))
    if n > 2:
        positive = _softplus(A)
        _zero_diagonal(positive)
        total = positive.sum(axis=-1, keepdims=True)
        shares = positive / total
        hhi = (shares**2).sum(axis=-1, keepdims=True)
        d_hhi = 2.0 * (shares - hhi) / total * _sigmoid(A)
        grads[:, 0] = -d_hhi / (1.0 - 1.0 / (n - 1))
    grads[:, 1] = V
    grads[:, 2] = -V * d * (A > 0)
    grads *= ctx.clip_free[:, None]
    _zero_diagonal(grads)
    return grads


@dataclass(frozen=True, slots=True)
class TableBatch:
    """The parts of the core's CandidateTable the AI's choices and answers read, for R runs."""

    gain: np.ndarray  # (R, A, N, N)
    feasible: np.ndarray  # (R, A, N, N)
    sector_gain: np.ndarray  # (R, N, N, S)
    sector_feasible: np.ndarray  # (R, N, N, S)
    accept_gain: np.ndarray  # (R, A, N, N)
    sector_accept_gain: np.ndarray  # (R, N, N, S)
    offer_gain: np.ndarray  # (R, X, Y, N, N), 0 where no offer exists
    offer_feasible: np.ndarray  # (R, X, Y, N, N)
    offer_accept_gain: np.ndarray  # (R, X, Y, N, N), at every cell (as the core's)
    temperature: np.ndarray  # (R, N)


def feasibility(w: WorldBatch, setup: ModelSetup, pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R, A, N, N) and (R, N, N, S): the core's ``feasibility`` over runs, from the precondition table."""
    runs, n = w.runs, w.n_actors
    eye = np.eye(n, dtype=bool)
    not_self = ~eye
    feasible = np.zeros((runs, len(CATALOGUE), n, n), dtype=bool)
    sector_feasible = np.zeros((runs, n, n, len(setup.sectors)), dtype=bool)
    for k, act in enumerate(CATALOGUE):
        allowed = setup.action_enabled[k][:, None]
        if act.domestic:
            feasible[:, k] = allowed & pre[k] & eye
            continue
        if not act.targeted:
            feasible[:, k] = allowed & eye
            continue
        mask = pre[k] & not_self & allowed
        if act.sector_based:
            sector_feasible[:] = mask[..., None] & ~w.agreements
        elif act.fixed_sector is not None:
            s = setup.sectors.index(act.fixed_sector) if act.fixed_sector in setup.sectors else -1
            feasible[:, k] = mask & ~w.agreements[..., s] if s >= 0 else False
        else:
            feasible[:, k] = mask
    for k, g in _REQUESTS:
        feasible[:, k] &= tr(feasible[:, g])
    return feasible, sector_feasible


def _mover_terms(ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray, agreement: np.ndarray) -> np.ndarray:
    """terms[r, f, a, i, j] (unweighted)."""
    w, A, V, d = ctx.world, ctx.alignment, ctx.partner, ctx.distance
    dyn, weights = setup.dynamics, setup.scoring.weights
    runs, n, n_actions = w.runs, w.n_actors, len(CATALOGUE)
    mag = setup.action_magnitude
    terms = np.zeros((runs, len(TERMS), n_actions, n, n))
    rel_scale = weights.relations * dyn.goldstein_scale / 2.0
    rel = rel_scale * ((1.0 + dyn.reciprocity) * grads + dyn.spillover * grads @ A[:, None])  # (R, 3, N, N)
    terms[:, AUTONOMY : VALUES + 1] = _GOLDSTEIN[None, None, :, None, None] * rel[:, :, None]

    # Pair-local effects, only for the actions that have one (_EFFECTFUL): for the others every term below
    # is zero in the core too (it computes them as +-0.0 over the whole catalogue).
    e = _EFFECTFUL
    gdp = np.where(w.gdp > 0, w.gdp, 1.0)
    total = np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0)
    Tq, s = ctx.trade_eq, w.sanctions
    pair_barrier = np.maximum(s, tr(s))
    new_s = np.clip(s[:, None] + (_SANCTION_CHANGE[e, None] * mag[e])[None, :, :, None], 0.0, 1.0)  # (R, E, N, N)
    delta_s = new_s - s[:, None]
    delta_x = np.maximum(new_s, tr(s)[:, None]) - pair_barrier[:, None]
    mu = dyn.import_value
    lost = (Tq + mu * tr(Tq))[:, None] * np.expm1(-dyn.sanction_trade_elasticity * delta_x)
    t = w.tariff
    delta_t = np.clip(t[:, None] + (_TARIFF_CHANGE[e, None] * mag[e])[None, :, :, None], 0.0, 1.0) - t[:, None]
    tariff_trade = mu * tr(Tq)[:, None] * np.expm1(-dyn.tariff_elasticity * delta_t)
    economy = np.log1p(np.maximum((lost + tariff_trade) / total[:, None, :, None], -0.999))
    relief = np.minimum(_DEBT_RELIEF[e, None] * mag[e], 1.0)[None, :, :, None] * tr(w.debt)[:, None]
    aid = (_AID[e, None] * mag[e])[None, :, :, None]
    economy -= (dyn.credit_value * relief + aid) / gdp[:, None, :, None]
    terms[:, ECONOMY, e] = economy
    gratitude = dyn.gratitude * (relief + aid) / gdp[:, None, None, :]
    new_p = np.clip(w.pressure[:, None] + (_PRESSURE[e, None] * mag[e])[None, :, :, None], 0.0, 1.0)
    terms[:, VALUES, e] += V[:, None] * d[:, None] * (delta_s + new_p - w.pressure[:, None]) / 2.0
    pair_alignment = -weights.sanctions * delta_x + weights.relations * gratitude / 2.0
    terms[:, AUTONOMY : VALUES + 1, e] += grads[:, :, None] * pair_alignment[:, None]
    terms[:, RECIPROCITY] = w.memory[:, None] * (_GOLDSTEIN / 10.0)[None, :, None, None]

    for k, sector in _FIXED_SECTOR:
        if sector in setup.sectors:
            terms[:, : VALUES + 1, k] += agreement[..., setup.sectors.index(sector)]
    terms[:, :, ~_TARGETED] = 0.0
    _price_domestic(ctx, setup, grads, terms)
    return terms


def _agreement_part(ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray) -> np.ndarray:
    """(R, 5, N, N, S)."""
    w, V = ctx.world, ctx.partner
    dyn, weights = setup.dynamics, setup.scoring.weights
    runs, n, n_sectors = w.runs, w.n_actors, len(setup.sectors)
    total = np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0)
    Tq, mu = ctx.trade_eq, dyn.import_value
    density_step = weights.agreements / max(n_sectors, 1)
    n_sec = max(len(setup.security_sectors), 1)
    trade_agreements = trade_agreement_count(w.agreements, setup.trade_sectors)
    agreement_trade = np.log1p(
        (Tq + mu * tr(Tq))
        * dyn.agreement_trade_bonus
        / (1.0 + dyn.agreement_trade_bonus * trade_agreements)
        / total[:, :, None]
    )
    part = np.zeros((runs, len(INTERESTS), n, n, n_sectors))
    part[:, AUTONOMY:] = (grads * density_step)[..., None]
    for s_idx in setup.security_sectors:
        part[:, SECURITY, :, :, s_idx] = V * ctx.compatibility / n_sec
    for s_idx in setup.trade_sectors:
        part[:, ECONOMY, :, :, s_idx] = agreement_trade
    return part


def _price_domestic(ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray, terms: np.ndarray) -> None:
    w, V, A = ctx.world, ctx.partner, ctx.alignment
    dyn, weights, vd = setup.dynamics, setup.scoring.weights, setup.scoring.values_dimension
    n = w.n_actors
    x = w.positions[:, :, vd]
    sal = w.salience[:, :, vd]
    pair_sal = (sal[:, :, None] + sal[:, None, :]) / 2.0
    gap = np.maximum(x[:, None, :] - x[:, :, None], 0.0) / 2.0
    _zero_diagonal(gap)
    rows = np.arange(n)
    for k in _DOMESTIC_INDEX:
        act = CATALOGUE[k]
        m = setup.action_magnitude[k]
        new_x = np.clip(x + m * act.stance_change, -1.0, 1.0)
        dist_now = np.abs(x[:, :, None] - x[:, None, :])
        dist_new = np.abs(new_x[:, :, None] - x[:, None, :])
        d_affinity = -pair_sal * (dist_new - dist_now) / 2.0
        d_align = (
            weights.policy * 2.0 * d_affinity + weights.relations * dyn.goldstein_scale * act.goldstein * gap / 2.0
        )
        _zero_diagonal(d_align)
        terms[:, AUTONOMY : VALUES + 1, k, rows, rows] = (grads * d_align[:, None]).sum(axis=-1)
        d_dist = (dist_new - dist_now) / 2.0
        terms[:, VALUES, k, rows, rows] += (V * d_dist * ((w.sanctions + w.pressure) / 2.0 - np.maximum(A, 0.0))).sum(
            axis=-1
        )
        new_threat = np.clip(w.threat + m * act.threat_change, 0.0, 1.0)
        terms[:, REGIME, k, rows, rows] = w.threat**2 - new_threat**2


def _received_terms(ctx: ContextBatch, setup: ModelSetup, grads: np.ndarray) -> np.ndarray:
    """recv[r, f, a, i, j] (unweighted)."""
    w = ctx.world
    dyn, weights = setup.dynamics, setup.scoring.weights
    runs, n, n_actions = w.runs, w.n_actors, len(CATALOGUE)
    mag = setup.action_magnitude
    recv = np.zeros((runs, len(TERMS), n_actions, n, n))
    gT = tr(grads)
    rel = weights.relations * dyn.goldstein_scale * (1.0 + dyn.reciprocity) / 2.0
    recv[:, AUTONOMY : VALUES + 1] = _GOLDSTEIN[None, None, :, None, None] * rel * gT[:, :, None]
    e = _EFFECTFUL
    gdp = np.where(w.gdp > 0, w.gdp, 1.0)
    total = np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0)
    Tq, s = ctx.trade_eq, w.sanctions
    mu = dyn.import_value
    new_s = np.clip(s[:, None] + (_SANCTION_CHANGE[e, None] * mag[e])[None, :, :, None], 0.0, 1.0)
    delta_s = new_s - s[:, None]
    delta_x = np.maximum(new_s, tr(s)[:, None]) - np.maximum(s, tr(s))[:, None]
    lost = (tr(Tq) + mu * Tq)[:, None] * np.expm1(-dyn.sanction_trade_elasticity * delta_x)  # j's trade with i
    t = w.tariff
    delta_t = np.clip(t[:, None] + (_TARIFF_CHANGE[e, None] * mag[e])[None, :, :, None], 0.0, 1.0) - t[:, None]
    exports = tr(Tq)[:, None] * np.expm1(-dyn.tariff_elasticity * delta_t)  # j's exports to i
    economy = np.log1p(np.maximum((lost + exports) / total[:, None, None, :], -0.999))
    relief = np.minimum(_DEBT_RELIEF[e, None] * mag[e], 1.0)[None, :, :, None] * tr(w.debt)[:, None]
    aid = (_AID[e, None] * mag[e])[None, :, :, None]
    economy += relief / gdp[:, None, None, :] + np.log1p(np.maximum(aid / gdp[:, None, None, :], -0.999))
    recv[:, ECONOMY, e] = economy
    gratitude = dyn.gratitude * (relief + aid) / gdp[:, None, None, :]
    total_cap = w.capability.sum(axis=-1, keepdims=True)
    share = np.divide(w.capability, total_cap, out=np.zeros((runs, n)), where=total_cap > 0)
    recv[:, SECURITY, e] = -share[:, None, :, None] * delta_s
    pair_alignment = -weights.sanctions * delta_x + weights.relations * gratitude / 2.0
    recv[:, AUTONOMY : VALUES + 1, e] += gT[:, :, None] * pair_alignment[:, None]
    recv[:, RECIPROCITY] = tr(w.memory)[:, None] * (_GOLDSTEIN / 10.0)[None, :, None, None]
    recv[:, :, ~_TARGETED] = 0.0
    return recv


def _acceptance(gain: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """Chance that j accepts for gains indexed [r, ..., i, j]; temperature is (R, N)."""
    t = temperature.reshape(temperature.shape[0], *([1] * (gain.ndim - 2)), temperature.shape[1])
    safe = np.where(t > 0, t, 1.0)
    smooth = 0.5 * (1.0 + np.tanh(0.5 * np.clip(gain / safe, -60.0, 60.0)))
    return np.where(t > 0, smooth, (gain > 0).astype(float))


def _acceptance_sector(gain: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    t = temperature[:, None, :, None]
    safe = np.where(t > 0, t, 1.0)
    smooth = 0.5 * (1.0 + np.tanh(0.5 * np.clip(gain / safe, -60.0, 60.0)))
    return np.where(t > 0, smooth, (gain > 0).astype(float))


def price_candidates(
    ctx: ContextBatch, setup: ModelSetup, pre: np.ndarray, interests: np.ndarray, tau: np.ndarray
) -> TableBatch:
    """The core's ``price_candidates`` for R runs; ``interests`` (R, N, 5) and ``tau`` (R, N) are in force."""
    w = ctx.world
    dyn = setup.dynamics
    runs, n = w.runs, w.n_actors
    domestic = setup.domestic_spec()
    interests = interests.copy()
    interests[..., ECONOMY] *= 1.0 + dyn.threat_economy * w.threat
    weights_all = np.concatenate(
        [
            interests,
            np.broadcast_to(domestic.reciprocity, (runs, n))[..., None],
            np.broadcast_to(domestic.regime_weight, (runs, n))[..., None],
        ],
        axis=-1,
    )  # (R, N, TERMS)
    wT = tr(weights_all)  # (R, TERMS, N)
    grads = alignment_gradients(ctx)
    feasible, sector_feasible = feasibility(w, setup, pre)

    friction = 1.0 + SANCTION_FRICTION * (w.sanctions + tr(w.sanctions)) / 2.0
    cost = setup.action_cost[None, :, :, None] * np.where(_COOPERATIVE[None, :, None, None], friction[:, None], 1.0)

    agreement = _agreement_part(ctx, setup, grads)
    terms = _mover_terms(ctx, setup, grads, agreement) * wT[:, :, None, :, None]
    benefit = terms.sum(axis=1)
    recv = _received_terms(ctx, setup, grads) * wT[:, :, None, None, :]
    received = recv.sum(axis=1)
    own_net = benefit - cost
    for k in _SHARED:
        own_net[:, k] -= RELATIVE_GAINS * ctx.rivalry * tr(benefit[:, k])

    sector_terms = np.zeros((runs, len(TERMS), n, n, len(setup.sectors)))
    sector_terms[:, : VALUES + 1] = agreement
    rel_scale = setup.scoring.weights.relations * dyn.goldstein_scale / 2.0
    relation_gradient = rel_scale * ((1.0 + dyn.reciprocity) * grads + dyn.spillover * grads @ ctx.alignment[:, None])
    sector_terms[:, AUTONOMY : VALUES + 1] += (_GOLDSTEIN[_SECTOR_ACTION] * relation_gradient)[..., None]
    sector_terms[:, RECIPROCITY] = (w.memory * _GOLDSTEIN[_SECTOR_ACTION] / 10.0)[..., None]
    sector_terms *= wT[:, :, :, None, None]
    sector_cost = cost[:, _SECTOR_ACTION][..., None]
    sector_benefit = sector_terms.sum(axis=1)
    sector_net = (
        sector_benefit - sector_cost - RELATIVE_GAINS * ctx.rivalry[..., None] * sector_benefit.transpose(0, 2, 1, 3)
    )

    plain_gain = np.where(feasible & ~_ANSWERED[None, :, None, None], own_net, -np.inf)
    best = plain_gain.max(axis=(1, 3))
    best = np.where(np.isfinite(best), np.abs(best), 0.0)
    temperature = tau * np.maximum(best, 1e-6)

    accept_gain = np.zeros_like(own_net)
    for k in _SHARED:
        accept_gain[:, k] = tr(own_net[:, k])
    for k in _TRANSFER_OFFERS:
        accept_gain[:, k] = received[:, k]
    for k, g in _REQUESTS:
        accept_gain[:, k] = tr(own_net[:, g])
    answered = _SHARED + _TRANSFER_OFFERS + [k for k, _ in _REQUESTS]
    accept_chance = np.zeros_like(accept_gain)
    accept_chance[:, answered] = _acceptance(accept_gain[:, answered], temperature)
    sector_accept_gain = sector_net.transpose(0, 2, 1, 3)
    sector_accept_chance = _acceptance_sector(sector_accept_gain, temperature)

    d_align = setup.scoring.weights.relations * dyn.goldstein_scale * REFUSAL_GOLDSTEIN * (1.0 + dyn.reciprocity) / 2.0
    refusal = (grads * d_align * wT[:, AUTONOMY : VALUES + 1, :, None]).sum(axis=1)
    gain = own_net.copy()
    for k in _SHARED + _TRANSFER_OFFERS:
        p = accept_chance[:, k]
        gain[:, k] = p * benefit[:, k] + (1.0 - p) * refusal - cost[:, k]
    for k, g in _REQUESTS:
        p = accept_chance[:, k]
        asked = tr(received[:, g])
        gain[:, k] = benefit[:, k] + p * asked + (1.0 - p) * refusal - cost[:, k]
    p_sector = sector_accept_chance
    sector_gain = p_sector * (sector_net + sector_cost) + (1.0 - p_sector) * refusal[..., None] - sector_cost

    gives, asks = _OFFER_GIVE_INDEX, _OFFER_ASK_INDEX
    offer_feasible = feasible[:, gives][:, :, None] & tr(feasible[:, asks])[:, None]
    offer_feasible &= ~np.eye(n, dtype=bool)
    offer_feasible &= _OFFER_DISTINCT[None, :, :, None, None]
    # Priced only where an offer exists (elementwise, so the same numbers as the core's full arrays there).
    rr, x, y, ii, jj = np.nonzero(offer_feasible)
    gx, ay = gives[x], asks[y]
    offer_benefit = benefit[rr, gx, ii, jj] + received[rr, ay, jj, ii]
    offer_cost = cost[rr, gx, ii, jj]
    accept_e = received[rr, gx, ii, jj] + own_net[rr, ay, jj, ii]
    t = temperature[rr, jj]
    safe = np.where(t > 0, t, 1.0)
    smooth = 0.5 * (1.0 + np.tanh(0.5 * np.clip(accept_e / safe, -60.0, 60.0)))
    chance = np.where(t > 0, smooth, (accept_e > 0).astype(float))
    offer_gain = np.zeros(offer_feasible.shape)
    offer_gain[rr, x, y, ii, jj] = (
        chance * (offer_benefit - offer_cost) + (1.0 - chance) * refusal[rr, ii, jj] - OFFER_COST
    )
    # Every cell, as the core's table: a proposal made last round is answered (by a learner's recommended
    # answer, or a policy) on what it is worth now, even where the offer could no longer be made.
    offer_accept_gain = received[:, gives][:, :, None] + tr(own_net[:, asks])[:, None]

    return TableBatch(
        gain, feasible, sector_gain, sector_feasible, accept_gain, sector_accept_gain,
        offer_gain, offer_feasible, offer_accept_gain, temperature,
    )  # fmt: skip


__all__ = ["BaselineBatch", "ContextBatch", "TableBatch", "context", "features", "price_candidates"]
