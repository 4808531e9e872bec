"""The vector learning environments: a Gymnasium VectorEnv and a batched parallel API that play PivotEnv's runs."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence
from gymnasium.utils.performance import benchmark_vector_step
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers.vector import RecordEpisodeStatistics

from sim.rl import InvalidMoveError, PivotEnv, PivotParallelEnv
from sim.rl.vector import PivotVectorEnv, PivotVectorParallelEnv

SCENARIO = "medvedev_visit_2015"


def _legal_actions(masks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.array([rng.choice(np.flatnonzero(m)) for m in masks])


def test_the_vector_env_plays_what_sync_vector_env_of_pivot_env_plays() -> None:
    n = 4
    ours = PivotVectorEnv(SCENARIO, num_envs=n)
    sync = SyncVectorEnv([lambda: PivotEnv(SCENARIO) for _ in range(n)])
    assert ours.single_observation_space == sync.single_observation_space
    assert ours.single_action_space == sync.single_action_space
    assert ours.metadata["autoreset_mode"] == sync.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    obs_a, info_a = ours.reset(seed=21)
    obs_b, info_b = sync.reset(seed=21)
    assert data_equivalence(obs_a, obs_b, exact=True)
    assert (info_a["action_mask"] == info_b["action_mask"]).all()
    rng = np.random.default_rng(0)
    rounds = ours.setup.rounds
    moved = 0
    for step in range(rounds + 3):  # past the end: both autoreset on the step after the last round
        actions = _legal_actions(info_a["action_mask"], rng)
        moved += int((actions > 0).sum())
        obs_a, rew_a, term_a, trunc_a, info_a = ours.step(actions)
        obs_b, rew_b, term_b, trunc_b, info_b = sync.step(actions)
        assert data_equivalence(obs_a, obs_b, exact=True), step
        assert np.abs(rew_a - rew_b).max() <= 1e-12, step
        assert (term_a == term_b).all() and (trunc_a == trunc_b).all(), step
        assert (info_a["action_mask"] == info_b["action_mask"]).all(), step
        assert ours.observation_space.contains(obs_a)
    assert moved > 0


def test_gymnasium_s_checks_pass() -> None:
    n = 3
    make = lambda: PivotEnv(SCENARIO, invalid_action="pass", invalid_penalty=0.1)  # noqa: E731
    sync = SyncVectorEnv([make for _ in range(n)])
    ours = PivotVectorEnv(SCENARIO, num_envs=n, invalid_action="pass", invalid_penalty=0.1)
    # Gymnasium's check_environments_match is written for single envs (it tests `if terminated:`), so its
    # procedure is repeated here over the batch: sampled actions (mostly illegal, so passed and charged),
    # every returned array compared with data_equivalence, through the autoreset after the last round.
    sync.action_space.seed(9)
    sync.reset(seed=9)
    ours.reset(seed=9)
    for _ in range(2 * ours.setup.rounds + 3):
        action = sync.action_space.sample()
        assert all(data_equivalence(a, b) for a, b in zip(sync.step(action)[:4], ours.step(action)[:4], strict=True))
    stats = RecordEpisodeStatistics(ours)
    stats.reset(seed=3)
    for _ in range(ours.setup.rounds):
        _, _, _, truncated, info = stats.step(np.zeros(n, dtype=np.int64))
    assert truncated.all() and (info["episode"]["l"] == ours.setup.rounds).all()
    assert benchmark_vector_step(ours, target_duration=0, seed=1) > 0
    assert isinstance(ours, gymnasium.vector.VectorEnv)


def test_a_move_outside_the_mask_names_the_env() -> None:
    env = PivotVectorEnv(SCENARIO, num_envs=3)
    _, info = env.reset(seed=1)
    actions = np.zeros(3, dtype=np.int64)
    actions[2] = int(np.flatnonzero(info["action_mask"][2] == 0)[0])
    with pytest.raises(InvalidMoveError, match=r"\(env 2\)"):
        env.step(actions)
    with pytest.raises(ValueError, match="move indices"):
        env.step(np.full(3, 10_000))


def test_the_batched_parallel_api_steps_every_learner_in_every_run() -> None:
    n, learners = 3, ["cambodia", "russia"]
    ours = PivotVectorParallelEnv(SCENARIO, num_envs=n, learners=learners)
    singles = [PivotParallelEnv(SCENARIO, learners=learners) for _ in range(n)]
    obs, infos = ours.reset(seed=40)
    single = [env.reset(seed=40 + i) for i, env in enumerate(singles)]
    rng = np.random.default_rng(3)
    while ours.agents:
        for agent in learners:
            for i in range(n):
                assert (obs[agent][i] == single[i][0][agent]).all()
                assert (infos[agent]["action_mask"][i] == single[i][1][agent]["action_mask"]).all()
        actions = {a: _legal_actions(infos[a]["action_mask"], rng) for a in learners}
        obs, rewards, terms, truncs, infos = ours.step(actions)
        single = []
        for i, env in enumerate(singles):
            o, r, te, tr, inf = env.step({a: int(actions[a][i]) for a in learners})
            for a in learners:
                assert abs(rewards[a][i] - r[a]) <= 1e-12 and truncs[a][i] == tr[a] and terms[a][i] == te[a]
            single.append((o, inf))
    assert all(not env.agents for env in singles)
