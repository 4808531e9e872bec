"""External actors on the vector engine: moves and answers given from outside play the Mesa model's runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.batch.plan import run_seed
from sim.core import ACTION_IDS, AlignmentModel, ModelSetup
from sim.core.legal import MoveSpace
from sim.scenario.calibration import load_setup
from sim.vector import VectorEngine, keys_for
from sim.vector.engine import ExternalMoveError
from tests.test_vector import _moves

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _pick(space: MoveSpace, mask: np.ndarray, budget: int, rng: np.random.Generator) -> list[int]:
    """Up to ``budget`` legal moves, none excluded by another (what a player could order)."""
    picks: list[int] = []
    legal = mask.copy()
    legal[0] = False
    for _ in range(int(rng.integers(0, budget + 1))):
        options = np.flatnonzero(legal)
        if options.size == 0:
            break
        k = int(rng.choice(options))
        picks.append(k)
        legal &= ~space.excludes[k]
    return picks


def _play_both(setup: ModelSetup, external: tuple[int, ...], runs: int, seed: int) -> None:
    seeds = [run_seed(seed, k) for k in range(runs)]
    engine = VectorEngine(setup, keys_for(seeds), trajectories=True, external=external)
    models = [AlignmentModel(setup, rng=s, collect=False) for s in seeds]
    for m in models:
        for a in external:
            m.set_controller(a, "human")
    space = MoveSpace(setup)
    answered = proposals = 0
    while not engine.finished:
        for a in external:
            legal = engine.legal(a)
            waiting = engine.proposals_to(a)
            orders = np.zeros((runs, int(setup.actions_per_round[a]) + 1), dtype=np.int64)
            answers = np.full((runs, max(1, waiting.valid.shape[1])), -1, dtype=np.int8)
            for r, m in enumerate(models):
                assert (space.masks(m.world)[a] == legal[r]).all(), f"run {r} round {m.round}: masks differ"
                mesa_waiting = m.proposals_to(a)
                assert len(mesa_waiting) == int(waiting.valid[r].sum())
                for q, p in enumerate(mesa_waiting):
                    assert (p.actor, ACTION_IDS[waiting.kind[r, q]]) == (int(waiting.proposer[r, q]), p.action)
                rng = np.random.default_rng([seed, r, a, m.round])
                picks = _pick(space, legal[r], int(m.policy.actions_per_round[a]), rng)
                orders[r, : len(picks)] = picks
                given = {q: bool(rng.integers(2)) for q in range(len(mesa_waiting)) if rng.random() < 0.8}
                for q, v in given.items():
                    answers[r, q] = v
                proposals += len(mesa_waiting)
                answered += len(given)
                m.submit(a, [space.entries[k].order() for k in picks], given)
            engine.submit(a, orders, answers)
        engine.step()
        for m in models:
            m.step()
        for r, m in enumerate(models):
            record = m.history[-1]
            mesa = {(x.actor, x.action, x.target, x.sector, x.ask, x.applied) for x in record.moves}
            assert mesa == _moves(engine.last.moves, r), f"run {r} round {record.round}"
            assert np.abs(record.alignment - engine.last.alignment[r]).max() <= 1e-9
            assert record.outcome == engine.outcome_labels[engine.last.outcome[r]]
    assert proposals > 0 and answered > 0, "the runs must exercise answers to proposals"


def test_external_moves_and_answers_play_the_mesa_runs(base_setup: ModelSetup) -> None:
    _play_both(base_setup, (0, 2), runs=6, seed=11)


@pytest.mark.parametrize("name", ["sanctions_escalation", "debt_cancellation"])
def test_external_actors_in_other_scenarios_play_the_mesa_runs(name: str) -> None:
    setup = load_setup(SCENARIOS / f"{name}.yaml")
    _play_both(setup, (1,), runs=4, seed=3)


def test_a_policy_callback_plays_every_round(base_setup: ModelSetup) -> None:
    seeds = [run_seed(5, k) for k in range(4)]
    calls: list[int] = []

    def passive(engine: VectorEngine, actor: int) -> tuple[np.ndarray, np.ndarray | None]:
        calls.append(engine.round)
        return np.zeros((engine.runs, 1), dtype=np.int64), engine.recommended_answers(actor)

    engine = VectorEngine(base_setup, keys_for(seeds), external=(3,)).run({3: passive})
    assert calls == list(range(base_setup.rounds))
    assert engine.finished


def test_illegal_or_too_many_orders_are_refused_by_run_and_move(base_setup: ModelSetup) -> None:
    engine = VectorEngine(base_setup, keys_for([run_seed(1, k) for k in range(3)]), external=(0,))
    legal = engine.legal(0)
    illegal = int(np.flatnonzero(~legal[1])[0])
    orders = np.zeros((3, 1), dtype=np.int64)
    orders[1, 0] = illegal
    with pytest.raises(ExternalMoveError, match=r"run 1: .* is not possible now"):
        engine.submit(0, orders)
    ok = np.flatnonzero(legal[0])[1:]
    too_many = np.tile(ok[: int(base_setup.actions_per_round[0]) + 1], (3, 1))
    with pytest.raises(ExternalMoveError, match="at most"):
        engine.submit(0, too_many)
    with pytest.raises(ValueError, match="not external"):
        engine.submit(1, orders)


def test_external_actors_are_listed_with_their_pass_only(
    base_setup: ModelSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AI's choice lists an external actor's pass alone (its other candidates would cost draws that no
    pick reads), and every other actor's candidates as without external actors."""
    import sim.vector.engine as engine_module
    from sim.core.choice import universe

    listed: list[tuple[np.ndarray, ...]] = []
    real = engine_module.candidates

    def keep(*args: object) -> tuple[np.ndarray, ...]:
        out = real(*args)  # type: ignore[arg-type]
        listed.append(out)
        return out

    monkeypatch.setattr(engine_module, "candidates", keep)
    n, keys = base_setup.n_actors, keys_for([3, 4, 5])
    for external in ((), (0, 2)):
        VectorEngine(base_setup, keys, external=external).step()
    (seg, c, gain, _, _), (x_seg, x_c, x_gain, _, _) = listed
    universe_size = universe(base_setup).kind.size
    outside = np.isin(x_seg % n, [0, 2])
    assert np.array_equal(x_c[outside], np.full(outside.sum(), universe_size - 1))  # the pass, once per run
    assert outside.sum() == 2 * len(keys)
    kept = ~np.isin(seg % n, [0, 2])
    assert np.array_equal(seg[kept], x_seg[~outside]) and np.array_equal(c[kept], x_c[~outside])
    assert np.array_equal(gain[kept], x_gain[~outside])
