"""The per-actor indices of sim.core.scoring.IndexPlan (hedging, Kuik, tilt, primary partner) over a runs axis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.scoring import IndexPlan


@dataclass(frozen=True, slots=True)
class IndexBatch:
    """The core's IndexPlan applied to (R, N, N) alignment."""

    plan: IndexPlan

    @classmethod
    def of(cls, n: int, powers: tuple[int, ...], bloc_a: tuple[int, ...], bloc_b: tuple[int, ...]) -> IndexBatch:
        return cls(IndexPlan.of(n, powers, bloc_a, bloc_b))

    def hedging(self, A: np.ndarray) -> np.ndarray:
        p = self.plan
        positive = np.maximum(A[..., p.powers], 0.0)
        positive[:, p.power_is_self] = 0.0
        total = positive.sum(axis=-1, keepdims=True)
        shares = np.divide(positive, total, out=np.zeros_like(positive), where=total > 0)
        logs = np.log(shares, out=np.zeros_like(shares), where=shares > 0)
        entropy = -(shares * logs).sum(axis=-1)
        others = p.other_powers
        norm = np.log(np.maximum(others, 2))
        return np.where(others >= 2, entropy / norm, 0.0)

    def kuik(self, A: np.ndarray) -> np.ndarray:
        """Kuik's hedging index (the core's ``IndexPlan.kuik(A).hedging``)."""
        p = self.plan
        block = A[..., p.powers]
        others = ~p.power_is_self
        count = others.sum(axis=1)
        positive = np.where(others, np.maximum(block, 0.0), 0.0)
        return_max = np.divide(positive.sum(axis=-1), count, out=np.zeros(A.shape[:-1]), where=count > 0)
        high = np.where(others, block, -np.inf).max(axis=-1, initial=-np.inf)
        low = np.where(others, block, np.inf).min(axis=-1, initial=np.inf)
        spread = np.where(count > 0, high - low, 2.0)
        risk = np.clip(1.0 - spread / 2.0, 0.0, 1.0)
        return np.sqrt(return_max * risk)

    def tilt(self, A: np.ndarray) -> np.ndarray:
        p = self.plan
        shape = A.shape[:-1]
        sum_a = (A[..., p.bloc_a] * p.bloc_a_mask).sum(axis=-1)
        sum_b = (A[..., p.bloc_b] * p.bloc_b_mask).sum(axis=-1)
        to_a = np.divide(sum_a, p.bloc_a_count, out=np.zeros(shape), where=p.bloc_a_count > 0)
        to_b = np.divide(sum_b, p.bloc_b_count, out=np.zeros(shape), where=p.bloc_b_count > 0)
        return to_a - to_b

    def primary(self, A: np.ndarray) -> np.ndarray:
        p = self.plan
        block = A[..., p.powers].copy()
        block[:, p.power_is_self] = -np.inf
        return p.powers[np.argmax(block, axis=-1)]
