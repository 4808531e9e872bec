"""The vector engine's batched resolution (sim/vector/resolve.py): its alternative paths give the same runs."""

from __future__ import annotations

import copy
from dataclasses import fields, replace

import numpy as np
import pytest

import sim.vector.engine as vector_engine
from sim.batch.plan import run_seed
from sim.core import AlignmentModel, ModelSetup
from sim.core.actions import CATALOGUE
from sim.vector import VectorEngine, keys_for, resolve
from sim.vector.resolve import MoveBatch
from sim.vector.state import WorldBatch
from tests.test_vector import _same_moves_and_final_world


def _moves(engine: VectorEngine) -> list[MoveBatch]:
    """Each round's resolved moves."""
    return [record.moves for record in engine.history[1:] if record.moves is not None]


def _snapshot(engine: VectorEngine) -> list[bytes]:
    """Every recorded move (applied flags included), the final world and baseline regard, as bytes."""
    out = [getattr(moves, f.name).tobytes() for moves in _moves(engine) for f in fields(moves)]
    out += [getattr(engine.world, f.name).tobytes() for f in fields(engine.world)]
    return [*out, engine.base.relations.tobytes()]


def test_the_catalogue_lets_a_grant_be_checked_with_its_request() -> None:
    # A request changes regard and memory only; the moves it asks for read debt, GDP or sanctions.
    assert resolve._GRANT_EARLY
    requests = [a for a in CATALOGUE if a.grants is not None]
    assert requests and all(resolve._writes(a) == {"relations", "memory"} for a in requests)
    # Only the rule "any other actor" reads no state; a rule reading the regard is seen to read it.
    assert [rule for rule, static in zip(resolve._RULES, resolve._STATIC, strict=True) if static] == [
        CATALOGUE[0].precondition
    ]
    assert resolve._reads(next(a for a in CATALOGUE if a.id == "defence_cooperation")) == {"relations", "agreements"}


def test_a_grant_checked_after_the_request_applies_gives_the_same_runs(
    base_setup: ModelSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = keys_for([run_seed(21, k) for k in range(12)])
    early = VectorEngine(base_setup, keys, trajectories=True).run()
    monkeypatch.setattr(resolve, "_GRANT_EARLY", False)
    late = VectorEngine(base_setup, keys, trajectories=True).run()
    granted = sum(int((m.applied & (resolve._GRANTS[m.kind] >= 0)).sum()) for m in _moves(early))
    assert granted > 0  # the runs hold granted requests
    assert _snapshot(early) == _snapshot(late)


def test_world_arrays_not_in_c_order_are_resolved_in_place_the_same(
    base_setup: ModelSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple] = []
    original = vector_engine.resolve_moves

    def keep(*args: object) -> bool:
        calls.append(copy.deepcopy(args))
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vector_engine, "resolve_moves", keep)
    VectorEngine(base_setup, keys_for([run_seed(4, k) for k in range(8)])).run()
    for w, base, setup, alignment, moves, order in calls[:4]:
        results = []
        for order_of in ("C", "F"):
            w2 = WorldBatch(**{f.name: np.array(getattr(w, f.name), order=order_of) for f in fields(w)})
            base2, moves2 = copy.deepcopy(base), copy.deepcopy(moves)
            base2.relations = np.array(base2.relations, order=order_of)
            domestic = resolve.resolve_moves(w2, base2, setup, alignment, moves2, order)
            results.append((domestic, [np.ascontiguousarray(getattr(w2, f.name)) for f in fields(w2)],
                            base2.relations.copy(), moves2.applied.copy()))  # fmt: skip
        (d0, w0, b0, m0), (d1, w1, b1, m1) = results
        assert not w2.relations.flags.c_contiguous  # the second pass did read and write arrays in another order
        assert d0 == d1 and np.array_equal(m0, m1) and np.array_equal(b0, b1)
        assert all(np.array_equal(x, y) for x, y in zip(w0, w1, strict=True))


def test_moves_without_a_regard_change_and_a_negative_gratitude_match_the_mesa_model(base_setup: ModelSetup) -> None:
    # goldstein_scale 0: a move changes regard only by gratitude (most change only the memory); a negative
    # gratitude makes the gratitude of a move without a transfer -0.0, which a refusal's is not.
    setup = replace(base_setup, dynamics=replace(base_setup.dynamics, goldstein_scale=0.0, gratitude=-0.5))
    seeds = [run_seed(8, k) for k in range(4)]
    engine = VectorEngine(setup, keys_for(seeds), trajectories=True).run()
    for r, seed in enumerate(seeds):
        model = AlignmentModel(setup, rng=np.random.default_rng(seed), collect=False)
        model.run()
        _same_moves_and_final_world(model, engine, r)
