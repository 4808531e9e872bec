"""Alignment scoring in numpy (docs/architecture.md section 5) and the per-actor indices derived from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.setup import RunFloat, ScoringWeights, per_run
from sim.core.world import WorldState, clip, diagonal_index, tr


def policy_affinity(positions: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """P[i, j] in [0, 1]: 1 - salience-weighted mean distance of positions / 2 (identical = 1).

    The pair's salience is the mean of both actors' saliences, so P is symmetric.
    """
    distance = np.abs(positions[..., :, None, :] - positions[..., None, :, :]) / 2.0
    pair_salience = (salience[..., :, None, :] + salience[..., None, :, :]) / 2.0
    return 1.0 - np.einsum("...ijd,...ijd->...ij", distance, pair_salience)


def trade_interdependence(trade: np.ndarray, gdp: np.ndarray, squash: RunFloat) -> np.ndarray:
    """E[i, j] in [0, 1): two-way trade over the smaller economy's GDP, squashed by 1 - exp(-k x)."""
    two_way = trade + tr(trade)
    smaller = np.minimum(gdp[..., :, None], gdp[..., None, :])
    share = np.divide(two_way, smaller, out=np.zeros_like(two_way), where=smaller > 0)
    return 1.0 - np.exp(per_run(-squash, share.ndim) * share)


def agreement_density(agreements: np.ndarray) -> np.ndarray:
    """I[i, j] in [0, 1]: share of sectors with a signed agreement."""
    k = agreements.shape[-1]
    # ndarray.mean's own steps (a float64 sum, divided by the count) without its Python wrapper.
    return np.add.reduce(agreements, axis=-1, dtype=np.float64) / k if k else np.zeros(agreements.shape[:-1])


def sanction_pressure(sanctions: np.ndarray) -> np.ndarray:
    """X[i, j] in [0, 1]: the heavier of the two sides' sanctions on each other."""
    return np.maximum(sanctions, tr(sanctions))


def raw_alignment(
    world: WorldState, weights: ScoringWeights, affinity: np.ndarray, policy: np.ndarray | None = None
) -> np.ndarray:
    """The alignment score before clipping (needed to know where the clip binds); the world's arrays may
    carry a leading runs axis (the vector engine's WorldBatch). ``policy`` is its policy term
    ``weights.policy x (2 affinity - 1)`` when the caller has it."""
    r_sym = (world.relations + tr(world.relations)) / 2.0
    ndim = r_sym.ndim
    raw = (
        per_run(weights.relations, ndim) * r_sym
        + (per_run(weights.policy, affinity.ndim) * (2.0 * affinity - 1.0) if policy is None else policy)
        + per_run(weights.trade, ndim) * trade_interdependence(world.trade, world.gdp, weights.trade_squash)
        + per_run(weights.agreements, ndim) * agreement_density(world.agreements)
        - per_run(weights.sanctions, ndim) * sanction_pressure(world.sanctions)
    )
    diagonal = diagonal_index(raw.shape[-1])
    raw[..., diagonal, diagonal] = 0.0
    return raw


def alignment(world: WorldState, weights: ScoringWeights, affinity: np.ndarray | None = None) -> np.ndarray:
    """A[i, j] in [-1, 1], symmetric, zero diagonal: who is aligned with whom."""
    if affinity is None:
        affinity = policy_affinity(world.positions, world.salience)
    return clip(raw_alignment(world, weights, affinity), -1.0, 1.0)


@dataclass(frozen=True, slots=True)
class KuikHedging:
    """Kuik's hedging index of every actor (0..1) and its two components (see :meth:`IndexPlan.kuik`)."""

    hedging: np.ndarray
    return_max: np.ndarray
    risk_contingency: np.ndarray


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """Index arrays and masks for the per-actor indices, computed once per run (the actors never change).

    Each index takes one run's (N, N) alignment or R runs' (R, N, N) and returns (N,) or (R, N).
    """

    powers: np.ndarray  # (P,) great-power columns
    power_is_self: np.ndarray  # (N, P)
    other_powers: np.ndarray  # (N,) powers other than the actor itself
    bloc_a: np.ndarray
    bloc_a_mask: np.ndarray  # (N, |a|) excludes the actor itself
    bloc_a_count: np.ndarray
    bloc_b: np.ndarray
    bloc_b_mask: np.ndarray
    bloc_b_count: np.ndarray
    # Constants of the indices, derived from the above once (the indices run every round of every run).
    others_mask: np.ndarray  # (N, P) ~power_is_self
    others_count: np.ndarray  # (N,) powers other than the actor itself (as other_powers, from the mask)
    hedging_norm: np.ndarray  # (N,) log(max(other_powers, 2))
    hedging_defined: np.ndarray  # (N,) other_powers >= 2

    @classmethod
    def of(cls, n: int, powers: tuple[int, ...], bloc_a: tuple[int, ...], bloc_b: tuple[int, ...]) -> IndexPlan:
        rows = np.arange(n)[:, None]
        cols = np.array(powers, dtype=int)
        a, b = np.array(bloc_a, dtype=int), np.array(bloc_b, dtype=int)
        is_self = cols[None, :] == rows
        mask_a, mask_b = a[None, :] != rows, b[None, :] != rows
        other_powers = len(cols) - is_self.sum(axis=1)
        others = ~is_self
        return cls(
            cols, is_self, other_powers, a, mask_a, mask_a.sum(axis=1), b, mask_b, mask_b.sum(axis=1),
            others, others.sum(axis=1), np.log(np.maximum(other_powers, 2)), other_powers >= 2,
        )  # fmt: skip

    def hedging(self, A: np.ndarray) -> np.ndarray:
        """Normalised entropy (0..1) of each actor's positive alignment over the great powers (self excluded).

        1 = positive alignment spread evenly over every other power; 0 = all of it on one power (or none).
        """
        positive = self._positive(A[..., self.powers])
        return self._hedging(positive, np.add.reduce(positive, axis=-1, keepdims=True))

    def _positive(self, block: np.ndarray) -> np.ndarray:
        """max(a_k, 0) over the great powers' columns ``block``, 0 at the actor's own column."""
        positive = np.maximum(block, 0.0)
        positive[..., self.power_is_self] = 0.0
        return positive

    def _hedging(self, positive: np.ndarray, total: np.ndarray) -> np.ndarray:
        shares = np.divide(positive, total, out=np.zeros_like(positive), where=total > 0)
        logs = np.log(shares, out=np.zeros_like(shares), where=shares > 0)
        entropy = -np.add.reduce(shares * logs, axis=-1)
        return np.where(self.hedging_defined, entropy / self.hedging_norm, 0.0)

    def kuik(self, A: np.ndarray) -> KuikHedging:
        """Kuik's hedging: engaging every other power (return-maximising) without lopsided ties (risk-contingency).

        Over the great powers other than the actor, with a_k its alignment with power k:
        ``return_max = mean_k max(a_k, 0)`` (benefits drawn from all: economic pragmatism, binding
        engagement), ``risk_contingency = 1 - (max_k a_k - min_k a_k) / 2`` (no power dominates and none is
        an adversary: dominance denial, fallback options), and ``hedging = sqrt(return_max x
        risk_contingency)``, 0..1: high only when both hold. After Kuik (2008, *Contemporary Southeast
        Asia* 30(2)) and Kuik (2016, *J. Contemporary China* 25(100)); the operationalisation is ours (J).
        """
        block = A[..., self.powers]
        return self._kuik(block, np.where(self.others_mask, block, -np.inf))

    def _kuik(self, block: np.ndarray, masked: np.ndarray) -> KuikHedging:
        # ``masked``: the block with -inf at the actor's own column. The sums below run over C-ordered
        # arrays (np.where's), whatever the layout of ``block``: a float sum's rounding depends on it.
        others, count = self.others_mask, self.others_count
        positive = np.where(others, np.maximum(block, 0.0), 0.0)
        return_max = np.divide(np.add.reduce(positive, axis=-1), count, out=np.zeros(block.shape[:-1]), where=count > 0)
        high = np.maximum.reduce(masked, axis=-1, initial=-np.inf)
        low = np.minimum.reduce(np.where(others, block, np.inf), axis=-1, initial=np.inf)
        spread = np.where(count > 0, high - low, 2.0)
        risk = clip(1.0 - spread / 2.0, 0.0, 1.0)
        return KuikHedging(np.sqrt(return_max * risk), return_max, risk)

    def indices(self, A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, KuikHedging]:
        """(hedging, tilt, primary, kuik) of :meth:`hedging`, :meth:`tilt`, :meth:`primary` and :meth:`kuik`:
        the same values (bit for bit), sharing the great powers' columns and the masked block."""
        block = A[..., self.powers]
        positive = self._positive(block)  # in the layout of ``block``, as :meth:`hedging` sums it
        masked = np.where(self.others_mask, block, -np.inf)
        hedging = self._hedging(positive, np.add.reduce(positive, axis=-1, keepdims=True))
        primary = self.powers[masked.argmax(axis=-1)]  # exact: the layout does not matter
        return hedging, self.tilt(A), primary, self._kuik(block, masked)

    def tilt(self, A: np.ndarray) -> np.ndarray:
        """Mean alignment to bloc a minus mean alignment to bloc b (each actor's own entry excluded)."""
        shape = A.shape[:-1]
        to_a = np.divide(
            np.add.reduce(A[..., self.bloc_a] * self.bloc_a_mask, axis=-1),
            self.bloc_a_count,
            out=np.zeros(shape),
            where=self.bloc_a_count > 0,
        )
        to_b = np.divide(
            np.add.reduce(A[..., self.bloc_b] * self.bloc_b_mask, axis=-1),
            self.bloc_b_count,
            out=np.zeros(shape),
            where=self.bloc_b_count > 0,
        )
        return to_a - to_b

    def primary(self, A: np.ndarray) -> np.ndarray:
        """Index of the great power each actor is most aligned with (never itself)."""
        block = A[..., self.powers].copy()
        block[..., self.power_is_self] = -np.inf
        return self.powers[np.argmax(block, axis=-1)]


def hedging_index(A: np.ndarray, powers: tuple[int, ...]) -> np.ndarray:
    """Normalised entropy (0..1) of each actor's positive alignment over the great powers (self excluded)."""
    return IndexPlan.of(A.shape[0], powers, (), ()).hedging(A)


def kuik_hedging(A: np.ndarray, powers: tuple[int, ...]) -> KuikHedging:
    """Kuik's hedging index (0..1) of every actor and its components (see :meth:`IndexPlan.kuik`)."""
    return IndexPlan.of(A.shape[0], powers, (), ()).kuik(A)


def bloc_tilt(A: np.ndarray, bloc_a: tuple[int, ...], bloc_b: tuple[int, ...]) -> np.ndarray:
    """Mean alignment to bloc a minus mean alignment to bloc b (each actor's own entry excluded)."""
    return IndexPlan.of(A.shape[0], (), bloc_a, bloc_b).tilt(A)


def primary_partner(A: np.ndarray, powers: tuple[int, ...]) -> np.ndarray:
    """Index of the great power each actor is most aligned with (never itself)."""
    return IndexPlan.of(A.shape[0], powers, (), ()).primary(A)


@dataclass(frozen=True, slots=True)
class Scores:
    """The scoring of one moment: alignment and the indices derived from it."""

    alignment: np.ndarray
    hedging: np.ndarray
    bloc_tilt: np.ndarray
    primary_partner: np.ndarray


def score(
    world: WorldState,
    weights: ScoringWeights,
    powers: tuple[int, ...],
    bloc_a: tuple[int, ...],
    bloc_b: tuple[int, ...],
    affinity: np.ndarray | None = None,
) -> Scores:
    """Alignment plus hedging index, bloc tilt and primary partner for every actor."""
    A = alignment(world, weights, affinity)
    return Scores(A, hedging_index(A, powers), bloc_tilt(A, bloc_a, bloc_b), primary_partner(A, powers))
