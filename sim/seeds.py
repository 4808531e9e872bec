"""Seeds: the one range every command accepts (run, batch, check...), so a seed good in one is good in all."""

from __future__ import annotations

#: Seeds and seed indices are stored as int64 in batch results, so every command takes 0..2**63-1.
MAX_SEED = 2**63 - 1


def seed_problem(value: int) -> str | None:
    """Why ``value`` is not a seed, or None when it is one."""
    if value < 0 or value > MAX_SEED:
        return f"must be a whole number from 0 to 2**63-1 = {MAX_SEED} (got {value})"
    return None
