"""Seeds: the one range every command accepts, drawing a fresh seed, and run k's seed of a root seed.

Every command takes seeds in 0..2**63-1 (so a seed good in one is good in all); ``draw_seed`` is how `run`,
`batch`, the game and the learning environments get one when none is given; ``run_seed(seed, k)`` is the
random stream of run k of root seed ``seed`` in every command that plays many runs (batch, check,
leverage, `run --seed-index`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Seeds and seed indices are stored as int64 in batch results, so every command takes 0..2**63-1.
MAX_SEED = 2**63 - 1


def seed_problem(value: int) -> str | None:
    """Why ``value`` is not a seed, or None when it is one."""
    if value < 0 or value > MAX_SEED:
        return f"must be a whole number from 0 to 2**63-1 = {MAX_SEED} (got {value})"
    return None


def draw_seed() -> int:
    """A fresh seed in 0..MAX_SEED from the operating system's entropy (a run itself never reads the clock)."""
    import numpy as np  # noqa: PLC0415 (not at import: every command's --help imports this module)

    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)


def run_seed(seed: int, seed_index: int) -> np.random.SeedSequence:
    """The random stream of run k (``seed_index``) of root ``seed``: child k of ``SeedSequence(seed)``, built
    without spawning the k others."""
    import numpy as np  # noqa: PLC0415 (as above)

    return np.random.SeedSequence(seed, spawn_key=(seed_index,))
