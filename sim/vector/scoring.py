"""The per-actor indices (hedging, Kuik, tilt, primary partner) of R runs: sim.core.scoring.IndexPlan over (R, N, N)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.scoring import IndexPlan


@dataclass(frozen=True, slots=True)
class IndexBatch:
    """The core's IndexPlan applied to (R, N, N) alignment (the same functions: they take a leading runs axis)."""

    plan: IndexPlan

    @classmethod
    def of(cls, n: int, powers: tuple[int, ...], bloc_a: tuple[int, ...], bloc_b: tuple[int, ...]) -> IndexBatch:
        return cls(IndexPlan.of(n, powers, bloc_a, bloc_b))

    def hedging(self, A: np.ndarray) -> np.ndarray:
        return self.plan.hedging(A)

    def kuik(self, A: np.ndarray) -> np.ndarray:
        """Kuik's hedging index (the core's ``IndexPlan.kuik(A).hedging``)."""
        return self.plan.kuik(A).hedging

    def tilt(self, A: np.ndarray) -> np.ndarray:
        return self.plan.tilt(A)

    def primary(self, A: np.ndarray) -> np.ndarray:
        return self.plan.primary(A)
