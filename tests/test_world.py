"""WorldState.copy: every field copied, none shared with the original."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from sim.core.world import WorldState


def test_copy_covers_every_field_and_shares_no_array(base_setup) -> None:  # type: ignore[no-untyped-def]
    world = base_setup.world
    copy = world.copy()
    for f in fields(WorldState):
        original, copied = getattr(world, f.name), getattr(copy, f.name)
        assert copied is not original and not np.shares_memory(copied, original), f.name
        assert copied.dtype == original.dtype and np.array_equal(copied, original), f.name
