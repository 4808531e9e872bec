"""Actors' utility over their interests and a vectorised estimate of every candidate move's gain.

U_i = sum_k w_ik f_k over the interests economy, security, autonomy, influence and values
(DESIGN.md section 4). The gain of a move is estimated for every (action, mover, target) at once:
pair-local effects (trade, debt, sanctions, agreements, pressure) are priced exactly, and the
relation changes that spill over the whole alignment row are priced to first order through the
gradient of U with respect to the mover's alignment row. Actors are thus boundedly rational: they
see the direct consequences of a move, not the replies it will provoke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.actions import CATALOGUE, PreconditionInputs
from sim.core.dynamics import Baseline, sanctions_received, trade_agreement_count
from sim.core.setup import ModelSetup
from sim.core.world import INTERESTS, WorldState

ECONOMY, SECURITY, AUTONOMY, INFLUENCE, VALUES = range(len(INTERESTS))
#: Sharpness of the smooth positive part used for partnership shares (softplus beta).
SOFTPLUS_BETA = 10.0

_SANCTION_CHANGE = np.array([a.sanction_change for a in CATALOGUE])
_TARIFF_CHANGE = np.array([a.tariff_change for a in CATALOGUE])
_DEBT_RELIEF = np.array([a.debt_relief for a in CATALOGUE])
_AID = np.array([a.aid_amount for a in CATALOGUE])
_PRESSURE = np.array([a.pressure_change for a in CATALOGUE])
_GOLDSTEIN = np.array([a.goldstein for a in CATALOGUE])
_TARGETED = np.array([a.targeted for a in CATALOGUE])
_SECTOR_ACTION = next(k for k, a in enumerate(CATALOGUE) if a.sector_based)
_FIXED_SECTOR = [(k, a.fixed_sector) for k, a in enumerate(CATALOGUE) if a.fixed_sector is not None]


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
    out[:, SECURITY] = (V * sec_count / n_sec).sum(axis=1) - sanctions_received(w.sanctions, w.capability)
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
    """Estimated gains of every move for every actor.

    ``gain[a, i, j]`` is the net gain (utility change minus cost) of action a by i on target j;
    ``terms[f, a, i, j]`` its utility change per interest. ``sector_gain[i, j, s]`` and
    ``sector_terms[f, i, j, s]`` hold the same for signing an agreement in sector s.
    ``feasible`` / ``sector_feasible`` mark what the preconditions allow now.
    """

    gain: np.ndarray
    terms: np.ndarray
    feasible: np.ndarray
    sector_gain: np.ndarray
    sector_terms: np.ndarray
    sector_feasible: np.ndarray
    cost: np.ndarray  # (A, N)


def feasibility(world: WorldState, setup: ModelSetup) -> tuple[np.ndarray, np.ndarray]:
    """Masks of what each actor may do now: (A, N, N) for plain actions, (N, N, S) for sector agreements."""
    n = world.n_actors
    not_self = ~np.eye(n, dtype=bool)
    inputs = PreconditionInputs(world=world, not_self=not_self)
    feasible = np.zeros((len(CATALOGUE), n, n), dtype=bool)
    sector_feasible = np.zeros((n, n, len(setup.sectors)), dtype=bool)
    for k, act in enumerate(CATALOGUE):
        allowed = setup.action_enabled[k][:, None]
        if not act.targeted:
            feasible[k] = allowed & np.eye(n, dtype=bool)  # untargeted moves sit on the diagonal
            continue
        mask = act.precondition(inputs) & not_self & allowed
        if act.sector_based:
            sector_feasible[:] = mask[:, :, None] & ~world.agreements
        elif act.fixed_sector is not None:
            s = setup.sectors.index(act.fixed_sector) if act.fixed_sector in setup.sectors else -1
            feasible[k] = mask & ~world.agreements[:, :, s] if s >= 0 else False
        else:
            feasible[k] = mask
    return feasible, sector_feasible


def price_candidates(ctx: RoundContext, setup: ModelSetup, interests: np.ndarray) -> CandidateTable:
    """Estimate the gain of every feasible move of every actor on the snapshot in ``ctx``.

    ``interests`` is the (N, 5) weight matrix in force (events may have changed the scenario's).
    """
    w, A, V, d = ctx.world, ctx.alignment, ctx.partner, ctx.distance
    dyn, weights = setup.dynamics, setup.scoring.weights
    n, n_actions, n_sectors = w.n_actors, len(CATALOGUE), len(setup.sectors)
    mag = setup.action_magnitude  # (A, N): scales the mover's effects
    grads = alignment_gradients(ctx)  # (3, N, N) autonomy, influence, values

    terms = np.zeros((len(INTERESTS), n_actions, n, n))
    # Relations: the target's regard moves by gamma*g, the mover's by rho*gamma*g, and third parties'
    # regard of the mover by sigma*A[k, target]*gamma*g; the symmetrised alignment row moves by half of it.
    rel_scale = weights.relations * dyn.goldstein_scale / 2.0
    rel = rel_scale * ((1.0 + dyn.reciprocity) * grads + dyn.spillover * grads @ A)  # (3, N, N)
    terms[AUTONOMY:] = _GOLDSTEIN[None, :, None, None] * rel[:, None]

    gdp = np.where(w.gdp > 0, w.gdp, 1.0)
    total = np.where(ctx.trade_eq_total > 0, ctx.trade_eq_total, 1.0)
    T, s = ctx.trade_eq, w.sanctions
    pair_barrier = np.maximum(s, s.T)

    # Sanctions: price the change in the pair's barrier, its trade loss and the values it expresses.
    new_s = np.clip(s[None] + (_SANCTION_CHANGE[:, None] * mag)[:, :, None], 0.0, 1.0)  # (A, N, N)
    delta_s = new_s - s[None]
    delta_x = np.maximum(new_s, s.T[None]) - pair_barrier[None]
    mu = dyn.import_value
    lost = (T + mu * T.T)[None] * np.expm1(-dyn.sanction_trade_elasticity * delta_x)
    # Tariffs: the mover's tariff on the target changes the target's exports to the mover.
    t = w.tariff
    delta_t = np.clip(t[None] + (_TARIFF_CHANGE[:, None] * mag)[:, :, None], 0.0, 1.0) - t[None]
    tariff_trade = mu * T.T[None] * np.expm1(-dyn.tariff_elasticity * delta_t)
    terms[ECONOMY] = np.log1p(np.maximum((lost + tariff_trade) / total[None, :, None], -0.999))
    # Debt relief: a creditor gives up a claim it values at credit_value; aid costs the donor's budget.
    relief = np.minimum(_DEBT_RELIEF[:, None] * mag, 1.0)[:, :, None] * w.debt.T[None]
    aid = (_AID[:, None] * mag)[:, :, None]
    terms[ECONOMY] -= (dyn.credit_value * relief + aid) / gdp[None, :, None]
    gratitude = dyn.gratitude * (relief + aid) / gdp[None, None, :]  # the recipient's extra regard
    new_p = np.clip(w.pressure[None] + (_PRESSURE[:, None] * mag)[:, :, None], 0.0, 1.0)
    terms[VALUES] += V[None] * d[None] * (delta_s + new_p - w.pressure[None]) / 2.0
    pair_alignment = -weights.sanctions * delta_x + weights.relations * gratitude / 2.0  # change of A[i, j]
    terms[AUTONOMY:] += grads[:, None] * pair_alignment[None]

    # Agreements (a fixed-sector action such as defence cooperation, and the sector table).
    density_step = weights.agreements / max(n_sectors, 1)
    n_sec = max(len(setup.security_sectors), 1)
    trade_agreements = trade_agreement_count(w.agreements, setup.trade_sectors)
    agreement_trade = np.log1p(
        (T + mu * T.T)
        * dyn.agreement_trade_bonus
        / (1.0 + dyn.agreement_trade_bonus * trade_agreements)
        / total[:, None]
    )
    agreement_part = np.zeros((len(INTERESTS), n, n, n_sectors))
    agreement_part[AUTONOMY:] = (grads * density_step)[..., None]
    for s_idx in setup.security_sectors:
        agreement_part[SECURITY, :, :, s_idx] = V / n_sec
    for s_idx in setup.trade_sectors:
        agreement_part[ECONOMY, :, :, s_idx] = agreement_trade
    sector_terms = agreement_part.copy()
    sector_terms[AUTONOMY:] += (_GOLDSTEIN[_SECTOR_ACTION] * rel)[..., None]
    for k, sector in _FIXED_SECTOR:
        if sector in setup.sectors:
            terms[:, k] += agreement_part[..., setup.sectors.index(sector)]

    terms[:, ~_TARGETED] = 0.0
    weighted = terms * interests.T[:, None, :, None]
    cost = setup.action_cost
    gain = weighted.sum(axis=0) - cost[:, :, None]
    sector_weighted = sector_terms * interests.T[:, :, None, None]
    sector_gain = sector_weighted.sum(axis=0) - cost[_SECTOR_ACTION][:, None, None]
    feasible, sector_feasible = feasibility(w, setup)
    return CandidateTable(gain, weighted, feasible, sector_gain, sector_weighted, sector_feasible, cost)


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
    gain: np.ndarray
    start: np.ndarray  # (N + 1,)


_PASS = next(k for k, a in enumerate(CATALOGUE) if not a.targeted)


def flatten(table: CandidateTable) -> CandidateList:
    """All feasible (action, target[, sector]) moves of all actors, plus one pass each, by actor."""
    plain = table.feasible & _TARGETED[:, None, None]
    a, i, j = np.nonzero(plain)
    si, sj, ss = np.nonzero(table.sector_feasible)
    n = table.feasible.shape[1]
    everyone = np.arange(n)
    actor = np.concatenate([i, si, everyone])
    kind = np.concatenate([a, np.full(si.size, _SECTOR_ACTION), np.full(n, _PASS)])
    target = np.concatenate([j, sj, np.full(n, -1)])
    sector = np.concatenate([np.full(a.size, -1), ss, np.full(n, -1)])
    gain = np.concatenate([table.gain[a, i, j], table.sector_gain[si, sj, ss], np.zeros(n)])
    order = np.argsort(actor, kind="stable")
    actor = actor[order]
    start = np.searchsorted(actor, np.arange(n + 1))
    return CandidateList(actor, kind[order], target[order], sector[order], gain[order], start)
