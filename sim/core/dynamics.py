"""Between-move dynamics: trade toward a gravity equilibrium, GDP growth, relation memory and decay.

Every function takes one run's arrays or R runs' with a leading runs axis (the vector engine's WorldBatch
and BaselineBatch): the Mesa model and the vector engine play the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from sim.core.scoring import sanction_pressure
from sim.core.setup import DynamicsParams, per_run
from sim.core.streams import Dice, Purpose, table_hashes, uniform, uniform_of
from sim.core.world import RANGES, WorldState, clip, diagonal_index, tr, upper_triangle


@dataclass(frozen=True, slots=True)
class Baseline:
    """Quantities of the initial state that the dynamics are calibrated against (computed once a run)."""

    trade: np.ndarray  # (N, N) initial exports, the calibrated equilibrium
    gdp: np.ndarray  # (N,)
    capability: np.ndarray  # (N,)
    tariff: np.ndarray  # (N, N)
    sanction_pair: np.ndarray  # (N, N) initial max(s_ij, s_ji)
    trade_agreements: np.ndarray  # (N, N) initial count of trade-related agreements
    sanctions_received: np.ndarray  # (N,) initial capability-weighted sanctions on each actor
    last_sanctions_received: np.ndarray  # (N,) the same at the previous quarter (updated by advance)
    last_access: np.ndarray  # (N,) log trade access at the previous quarter (updated by advance)
    relations: np.ndarray  # (N, N) baseline regard that relations decay toward (moves shift it)
    original_relations: np.ndarray  # (N, N) the scenario's baseline, which shifted baselines return to
    # (start_total, openness) of advance(): constants of the calibration state, computed once a run.
    growth_constants: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)
    # Each actor's share of the calibration state's capability (the weights of sanctions_received in advance).
    capability_share: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "growth_constants", growth_constants(self))
        object.__setattr__(self, "capability_share", capability_shares(self.capability))

    @classmethod
    def of(cls, world: WorldState, trade_sectors: tuple[int, ...], relations: np.ndarray) -> Baseline:
        return cls(
            trade=world.trade.copy(),
            gdp=world.gdp.copy(),
            capability=world.capability.copy(),
            tariff=world.tariff.copy(),
            sanction_pair=sanction_pressure(world.sanctions),
            trade_agreements=trade_agreement_count(world.agreements, trade_sectors),
            sanctions_received=sanctions_received(world.sanctions, world.capability),
            last_sanctions_received=sanctions_received(world.sanctions, world.capability),
            last_access=np.zeros(world.n_actors),
            relations=relations.copy(),
            original_relations=relations.copy(),
        )


def trade_agreement_count(agreements: np.ndarray, trade_sectors: tuple[int, ...]) -> np.ndarray:
    if not trade_sectors:
        return np.zeros(agreements.shape[:-1])
    return np.add.reduce(agreements[..., list(trade_sectors)], axis=-1).astype(float)


def sanctions_received(sanctions: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """Capability-weighted sanctions each actor suffers (column sums weighted by the sanctioner's share).

    ``sanctions`` is (N, N) or (R, N, N), ``capability`` (N,) or (R, N); the result (N,) or (R, N).
    """
    return received_with(sanctions, capability_shares(capability))


def capability_shares(capability: np.ndarray) -> np.ndarray:
    """Each actor's share of the total capability, (N,) or (R, N) (0 where the total is 0)."""
    total = np.add.reduce(capability, axis=-1, keepdims=True)
    return np.divide(capability, total, out=np.zeros_like(capability * 1.0), where=total > 0)


def received_with(sanctions: np.ndarray, share: np.ndarray) -> np.ndarray:
    """:func:`sanctions_received` with the sanctioners' capability shares given (:func:`capability_shares`)."""
    if share.ndim == 1 and sanctions.ndim == 2:
        return share @ sanctions
    return (share[..., None, :] @ sanctions)[..., 0, :]


#: How a standing sanction is remembered each quarter: as CAMEO 163 (-8.0) per unit of intensity (the EU
#: renews its sanctions every six months; a regime in force is a continuing hostile act).
STANDING_SANCTION = -0.8


def standing_memory(sanctions: np.ndarray) -> np.ndarray:
    """memory[j, i] that sanctions in force sustain: -0.8 x the part of i's sanctions on j that j has not answered.

    Specific reciprocity (Keohane 1986, "Reciprocity in international relations", *International
    Organization* 40(1): exchanges of roughly equivalent value): a counter-sanction in force at the same
    intensity answers a sanction in force, so j's standing grievance is ``max(s_ij - s_ji, 0)``; the side that
    sanctions more holds none. (The first version remembered the whole of s_ij, so an actor kept answering
    sanctions it had already matched; docs/model.md section 4b.)
    """
    return STANDING_SANCTION * np.maximum(tr(sanctions) - sanctions, 0.0)


def gdp_ratio(gdp: np.ndarray, base: Baseline) -> np.ndarray:
    """(..., N) each actor's GDP against the calibration state's."""
    return np.divide(gdp, base.gdp, out=np.ones_like(gdp), where=base.gdp > 0)


def trade_policy_factor(
    world: WorldState,
    base: Baseline,
    params: DynamicsParams,
    trade_sectors: tuple[int, ...],
    barriers: np.ndarray | None = None,
) -> np.ndarray:
    """F[i, j]: how much current tariffs, sanctions and agreements scale exports i -> j against the start.

    ``barriers`` is the world's :func:`trade_barrier_factor` when the caller has it (:func:`advance`
    returns it: the moves of a round are resolved before it, and it changes no tariff or sanction).
    """
    if barriers is None:
        barriers = trade_barrier_factor(world, base, params)
    agreements = trade_agreement_count(world.agreements, trade_sectors)
    bonus = per_run(params.agreement_trade_bonus, agreements.ndim)
    agreement_factor = (1.0 + bonus * agreements) / (1.0 + bonus * base.trade_agreements)
    return barriers * agreement_factor


def trade_barrier_factor(world: WorldState, base: Baseline, params: DynamicsParams) -> np.ndarray:
    """The tariff and sanction part of :func:`trade_policy_factor` (its product, as that factor is made)."""
    ndim = world.tariff.ndim
    tariff_factor = np.exp(per_run(-params.tariff_elasticity, ndim) * (tr(world.tariff) - base.tariff.T))
    sanction_factor = np.exp(
        per_run(-params.sanction_trade_elasticity, ndim) * (sanction_pressure(world.sanctions) - base.sanction_pair)
    )
    return tariff_factor * sanction_factor


def equilibrium_trade(
    world: WorldState,
    base: Baseline,
    params: DynamicsParams,
    trade_sectors: tuple[int, ...],
    barriers: np.ndarray | None = None,
) -> np.ndarray:
    """T*[i, j]: the export level i -> j that current GDPs, tariffs, sanctions and agreements sustain.

    A gravity form calibrated so that the initial state is its own equilibrium: every factor is a
    ratio to its initial value. Exports i -> j face j's tariff on i, ``tariff[j, i]``. ``barriers``: as
    for :func:`trade_policy_factor`.
    """
    ratio = gdp_ratio(world.gdp, base)
    size = ratio[..., :, None] * ratio[..., None, :]
    return base.trade * size * trade_policy_factor(world, base, params, trade_sectors, barriers)


def trade_openness(base: Baseline, factor: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """(N,) each actor's start-weighted trade access under current policies (1 = as at the start).

    ``start`` is the calibration state's total trade of each actor (computed when not given)."""
    if start is None:
        start = base.trade.sum(axis=1) + base.trade.sum(axis=0)
    weighted = base.trade * factor
    now = np.add.reduce(weighted, axis=-1) + np.add.reduce(weighted, axis=-2)
    return np.divide(now, start, out=np.ones_like(now), where=start > 0)


def growth_constants(base: Any) -> tuple[np.ndarray, np.ndarray]:
    """(start_total, openness): each actor's total trade in the calibration state and its openness (that
    total over GDP, at most 2), which weighs a change of its trade access in growth. ``base`` is a
    Baseline or the vector engine's BaselineBatch (whose calibration arrays are one run's)."""
    start_total = base.trade.sum(axis=1) + base.trade.sum(axis=0)
    openness = np.minimum(np.divide(start_total, base.gdp, out=np.zeros_like(start_total), where=base.gdp > 0), 2.0)
    return start_total, openness


def advance(
    world: WorldState,
    base: Baseline,
    params: DynamicsParams,
    base_growth: np.ndarray,
    trade_sectors: tuple[int, ...],
    dice: Dice | np.uint64 | np.ndarray,
    quarter: int = 1,
) -> np.ndarray:
    """Move the world one quarter forward in place: trade, GDP, capability, regard, pressure, agreements.

    An agreement lapses by its own named draw (:mod:`sim.core.streams`: pair, sector, quarter) under the
    run's key: ``dice`` is one run's Dice (or key), or the (R, 1) keys of R runs whose arrays ``world``
    and ``base`` hold with a leading runs axis.

    Returns the :func:`trade_barrier_factor` of the world it leaves (advance changes no tariff or sanction),
    for the next snapshot's equilibrium trade.
    """
    key = dice.key if isinstance(dice, Dice) else dice
    barriers = trade_barrier_factor(world, base, params)
    factor = trade_policy_factor(world, base, params, trade_sectors, barriers)
    ratio = gdp_ratio(world.gdp, base)
    target = base.trade * (ratio[..., :, None] * ratio[..., None, :]) * factor
    world.trade += per_run(params.trade_adjustment, world.trade.ndim) * (target - world.trade)
    clip(world.trade, *RANGES["trade"], out=world.trade)

    # Growth: the scenario's base rate, tapering so that long runs converge. Trade policy and sanctions act
    # on the GDP *level*: a change in an actor's trade access (tariffs, sanctions and agreements, weighted
    # by its openness at the start) moves GDP once, and so does a change in the capability-weighted
    # sanctions it suffers beyond those of the calibration state; undoing the change restores the level.
    # Level effects keep long runs bounded (no trade-growth feedback, no compounding sanction drag).
    start_total, openness = base.growth_constants if isinstance(base, Baseline) else growth_constants(base)
    access = np.log(trade_openness(base, factor, start_total))
    if isinstance(base, Baseline):
        suffered = received_with(world.sanctions, base.capability_share)
    else:
        suffered = sanctions_received(world.sanctions, base.capability)
    taper = params.growth_taper
    if isinstance(taper, np.ndarray):  # one taper per run: each power as Python's (numpy's may round otherwise)
        taper = per_run(np.array([float(t) ** max(quarter - 1, 0) for t in taper]), 2)
    else:
        taper = taper ** max(quarter - 1, 0)
    growth = base_growth * taper
    growth = growth + per_run(params.gdp_trade_elasticity, 2) * openness * (access - base.last_access)
    growth -= per_run(params.sanction_gdp_drag, 2) * (suffered - base.last_sanctions_received)
    base.last_access[:] = access
    base.last_sanctions_received[:] = suffered
    world.gdp *= clip(1.0 + growth, 0.5, 1.5)
    clip(world.gdp, *RANGES["gdp"], out=world.gdp)  # no overflow or underflow in runs of any length

    # Capability follows the economy half-way: its other half (military, diplomatic reach) is sticky.
    world.capability[:] = clip(base.capability * np.sqrt(gdp_ratio(world.gdp, base)), 0.0, 1.0)

    base.relations[:] += per_run(params.baseline_memory, base.relations.ndim) * (
        base.original_relations - base.relations
    )
    world.relations += per_run(params.relation_memory, world.relations.ndim) * (base.relations - world.relations)
    clip(world.relations, -1.0, 1.0, out=world.relations)
    n = world.relations.shape[-1]
    diagonal = diagonal_index(n)
    world.relations[..., diagonal, diagonal] = 0.0
    world.pressure *= per_run(1.0 - params.pressure_memory, world.pressure.ndim)
    world.memory += per_run(params.memory_decay, world.memory.ndim) * (standing_memory(world.sanctions) - world.memory)
    if np.any(np.asarray(params.agreement_lapse) > 0) and world.agreements.any():
        if np.ndim(key) == 0:
            _lapse_one_run(world.agreements, float(params.agreement_lapse), cast(np.uint64, key), quarter)
        else:
            k = world.agreements.shape[-1]
            pairs = diagonal_index(n)
            runs_key = np.reshape(key, (-1, 1, 1, 1))
            draws = uniform(runs_key, Purpose.LAPSE, quarter, pairs[:, None, None], pairs[None, :, None], np.arange(k))
            lapse = draws < per_run(params.agreement_lapse, draws.ndim)
            lapse &= upper_triangle(n)[:, :, None]
            world.agreements &= ~(lapse | np.swapaxes(lapse, -3, -2))
    return barriers


def _lapse_one_run(agreements: np.ndarray, rate: float, key: np.uint64, quarter: int) -> None:
    """One run's lapses (as :func:`advance` draws them for R runs): each pair i < j's agreement in sector s
    lapses, on both sides, if its named draw (i, j, s) falls below ``rate``. Only the draws of agreements
    in force are made (a draw is a pure function of its name, so the others could change nothing)."""
    n = agreements.shape[0]
    names = np.array(((agreements | agreements.transpose(1, 0, 2)) & upper_triangle(n)[:, :, None]).nonzero())
    gone = uniform_of(table_hashes(key, (Purpose.LAPSE,), quarter, names)[0]) < rate
    i, j, s = names[:, gone]
    agreements[i, j, s] = False
    agreements[j, i, s] = False
