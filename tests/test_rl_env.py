"""The learning API: PettingZoo and Gymnasium conformance, moves and masks, observations, rewards, endings, errors."""

from __future__ import annotations

import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import rl
from sim.core import ModelSetup
from sim.core.actions import CATALOGUE, OFFER_ASKS, OFFER_GIVES, move_allowed
from sim.core.conditions import Compare
from sim.core.events import EndScenario, Event
from sim.core.model import AlignmentModel
from sim.core.objectives import Objective
from sim.rl.moves import DOMESTIC_ACTIONS, PLAIN_ACTIONS, SECTOR_ACTION
from sim.rl.observations import FIELDS, observation_size
from sim.scenario import ScenarioError

with warnings.catch_warnings():
    # pettingzoo.test imports its classic games through a deprecated path; that is PettingZoo's business.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

ROOT = Path(__file__).resolve().parents[1]
IDS = ("cambodia", "russia", "china", "us", "eu", "asean")


def masked_random_actions(env: rl.PivotParallelEnv, infos: dict, rng: np.random.Generator) -> dict[str, int]:
    return {a: int(rng.choice(np.flatnonzero(infos[a]["action_mask"]))) for a in env.agents}


def play_parallel(env: rl.PivotParallelEnv, seed: int, policy_seed: int) -> tuple[list, list]:
    """A whole episode with a seeded masked random policy: (observations, rewards) per step."""
    rng = np.random.default_rng(policy_seed)
    obs, infos = env.reset(seed=seed)
    seen, rewards = [obs], []
    while env.agents:
        obs, rew, _, _, infos = env.step(masked_random_actions(env, infos, rng))
        seen.append(obs)
        rewards.append(rew)
    return seen, rewards


def with_events(setup: ModelSetup, *events: Event) -> ModelSetup:
    return replace(setup, events=tuple(events))


# -- the standard kits ------------------------------------------------------------------------------


def test_parallel_env_passes_pettingzoo_parallel_api_test_with_the_mask_in_the_observation(base_setup):
    parallel_api_test(rl.PivotParallelEnv(base_setup, mask_in_observation=True), num_cycles=50)


def test_parallel_env_passes_pettingzoo_parallel_api_test_with_several_moves_a_round(base_setup):
    env = rl.PivotParallelEnv(base_setup, ["cambodia", "us"], mask_in_observation=True, moves_per_round="scenario")
    parallel_api_test(env, num_cycles=50)


def test_parallel_env_passes_pettingzoo_parallel_seed_test(base_setup):
    # The seed test samples actions without masks, so illegal moves become reported passes here.
    parallel_seed_test(lambda: rl.PivotParallelEnv(base_setup, invalid_action="pass"), num_cycles=20)


def test_aec_form_passes_pettingzoo_api_test(base_setup):
    with warnings.catch_warnings():
        # PettingZoo recommends names like "player_0"; agents here are named by their actor ids on purpose.
        warnings.filterwarnings("ignore", message="We recommend agents to be named")
        api_test(rl.aec_env(base_setup), num_cycles=30)


@pytest.mark.parametrize("mask_in_observation", [False, True])
def test_registered_single_agent_env_passes_gymnasium_check_env(mask_in_observation):
    # check_env steps with unmasked samples, so illegal moves become reported passes here.
    env = gymnasium.make("Pivot/medvedev_visit_2015-v0", invalid_action="pass", mask_in_observation=mask_in_observation)
    check_env(env.unwrapped)
    env.close()


# -- determinism ------------------------------------------------------------------------------------


def test_same_seed_and_same_actions_give_the_same_observations_and_rewards(base_setup):
    first = play_parallel(rl.PivotParallelEnv(base_setup), seed=7, policy_seed=3)
    second = play_parallel(rl.PivotParallelEnv(base_setup), seed=7, policy_seed=3)
    assert len(first[0]) == len(second[0]) == base_setup.rounds + 1
    for a, b in zip(first[0], second[0], strict=True):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert first[1] == second[1]


def test_a_different_seed_gives_a_different_run(base_setup):
    first = play_parallel(rl.PivotParallelEnv(base_setup), seed=7, policy_seed=3)
    other = play_parallel(rl.PivotParallelEnv(base_setup), seed=8, policy_seed=3)
    assert first[1] != other[1]


def test_reset_without_seed_continues_deterministically_from_the_last_seed(base_setup):
    envs = [rl.PivotEnv(base_setup), rl.PivotEnv(base_setup)]
    runs = []
    for env in envs:
        env.reset(seed=5)
        _obs, _info = env.reset()
        runs.append([env.step(0)[1] for _ in range(3)])
    assert runs[0] == runs[1]


def test_single_agent_env_reproduces_the_same_run_as_the_parallel_env_with_one_learner(base_setup):
    single = rl.PivotEnv(base_setup, actor="cambodia")
    parallel = rl.PivotParallelEnv(base_setup, learners=["cambodia"])
    obs_s, info_s = single.reset(seed=11)
    obs_p, info_p = parallel.reset(seed=11)
    rng = np.random.default_rng(0)
    while parallel.agents:
        assert np.array_equal(obs_s, obs_p["cambodia"])
        assert np.array_equal(info_s["action_mask"], info_p["cambodia"]["action_mask"])
        move = int(rng.choice(np.flatnonzero(info_s["action_mask"])))
        obs_s, r_s, _, trunc_s, info_s = single.step(move)
        obs_p, r_p, _, trunc_p, info_p = parallel.step({"cambodia": move})
        assert r_s == r_p["cambodia"] and trunc_s == trunc_p["cambodia"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    picks=st.lists(st.lists(st.floats(0, 1, exclude_max=True), min_size=6, max_size=6), min_size=1, max_size=24),
    moves_per_round=st.sampled_from([1, 2]),
)
def test_any_sequence_of_masked_moves_keeps_observations_in_their_box_and_the_world_sound(
    base_setup, seed, picks, moves_per_round
):
    env = rl.PivotParallelEnv(base_setup, moves_per_round=moves_per_round)
    obs, infos = env.reset(seed=seed)
    space = env.observation_space("cambodia")
    for fractions in picks:
        if not env.agents:
            break
        actions = {}
        for a, f in zip(env.agents, fractions, strict=True):
            allowed = np.flatnonzero(infos[a]["action_mask"])
            actions[a] = int(allowed[int(f * len(allowed))])
        obs, rewards, _, _, infos = env.step(actions)  # every masked move is accepted by the model
        assert all(space.contains(v) for v in obs.values())
        assert all(np.isfinite(r) for r in rewards.values())
        assert env.episode.model.world.check() == []


# -- the move list and the masks --------------------------------------------------------------------


def test_move_list_is_pass_then_actions_by_target_then_agreements_then_offers_then_domestic_moves(base_setup):
    moves = rl.MoveList(base_setup)
    n, s = base_setup.n_actors, len(base_setup.sectors)
    offers = sum(x != y for x in OFFER_GIVES for y in OFFER_ASKS)
    assert moves.size == 1 + len(PLAIN_ACTIONS) * n + n * s + offers * n + len(DOMESTIC_ACTIONS)
    assert moves.entries[0] == rl.MoveSpec("pass", None, None)
    for k, a in enumerate(PLAIN_ACTIONS):
        for j in range(n):
            assert moves.entries[1 + k * n + j] == rl.MoveSpec(CATALOGUE[a].id, j, None)
    base = 1 + len(PLAIN_ACTIONS) * n
    assert moves.entries[base + 2 * s + 3] == rl.MoveSpec(CATALOGUE[SECTOR_ACTION].id, 2, 3)
    assert moves.labels[moves.index("impose_sanctions", "russia")] == "impose_sanctions russia"
    assert moves.index("sign_agreement", "china", "trade") == base + 2 * s + base_setup.sectors.index("trade")
    with pytest.raises(ValueError, match="no move"):
        moves.index("sign_agreement", "china")
    with pytest.raises(ValueError, match="unknown actor 'japan'"):
        moves.index("state_visit", "japan")
    with pytest.raises(ValueError, match="unknown sector 'space'"):
        moves.index("sign_agreement", "china", "space")
    offer = moves.index("cancel_debt", "cambodia", None, "defence_cooperation")
    assert base + n * s <= offer < moves.size - len(DOMESTIC_ACTIONS)
    assert moves.labels[offer] == "cancel_debt cambodia if defence_cooperation"
    assert moves.entries[-1] == rl.MoveSpec("crackdown", None, None)


def test_mask_marks_exactly_the_moves_the_rules_allow_now(base_setup):
    env = rl.PivotParallelEnv(base_setup)
    moves = env.moves
    rng = np.random.default_rng(1)
    _obs, infos = env.reset(seed=3)
    checked = 0
    while env.agents:
        world = env.episode.model.world
        for i, agent in enumerate(env.agents):
            mask = infos[agent]["action_mask"]
            for m, entry in enumerate(moves.entries[1:], start=1):
                k = int(moves.kind[m])
                allowed = bool(base_setup.action_enabled[k, i]) and move_allowed(
                    world, i, entry.action, entry.target, entry.sector, base_setup.sectors
                )
                if entry.ask is not None and entry.target is not None:  # the target must be able to do the ask
                    y = [a.id for a in CATALOGUE].index(entry.ask)
                    allowed = (
                        allowed
                        and bool(base_setup.action_enabled[y, entry.target])
                        and move_allowed(world, entry.target, entry.ask, i, None, base_setup.sectors)
                    )
                if CATALOGUE[k].grants is not None and entry.target is not None:  # and to grant a request
                    g = [a.id for a in CATALOGUE].index(CATALOGUE[k].grants)
                    allowed = (
                        allowed
                        and bool(base_setup.action_enabled[g, entry.target])
                        and move_allowed(world, entry.target, CATALOGUE[k].grants, i, None, base_setup.sectors)
                    )
                assert bool(mask[m]) == allowed, (agent, moves.labels[m])
                checked += 1
            assert mask[0] == 1
            own = [m for m, e in enumerate(moves.entries) if e.target == i]
            assert not mask[own].any()
        _obs, _, _, _, infos = env.step(masked_random_actions(env, infos, rng))
    assert checked > 0


def test_a_disabled_action_is_never_in_the_mask(base_setup):
    enabled = base_setup.action_enabled.copy()
    sanctions = [a.id for a in CATALOGUE].index("impose_sanctions")
    enabled[sanctions, 0] = False
    env = rl.PivotEnv(replace(base_setup, action_enabled=enabled))
    _obs, info = env.reset(seed=1)
    blocked = [m for m, e in enumerate(env.moves.entries) if e.action == "impose_sanctions"]
    assert not info["action_mask"][blocked].any()
    with pytest.raises(rl.InvalidMoveError, match="impose_sanctions is disabled for cambodia"):
        env.step(env.moves.index("impose_sanctions", "us"))


def test_learners_moves_reach_the_model_and_other_actors_stay_ai(base_setup):
    env = rl.PivotParallelEnv(base_setup, learners=["cambodia"])
    _obs, infos = env.reset(seed=2)
    visit = env.moves.index("state_visit", "china")
    assert infos["cambodia"]["action_mask"][visit] == 1
    env.step({"cambodia": visit})
    record = env.episode.model.history[-1]
    mine = [m for m in record.moves if m.actor == 0]
    assert [(m.action, m.target, m.source) for m in mine] == [("state_visit", 2, "human")]
    others = [m for m in record.moves if m.actor != 0]
    assert others and all(m.source == "ai" for m in others)


def test_a_step_is_a_round_and_the_episode_is_truncated_at_the_last_round(base_setup):
    env = rl.PivotParallelEnv(base_setup)
    _obs, infos = env.reset(seed=0)
    for step in range(1, base_setup.rounds + 1):
        _obs, _rewards, terms, truncs, infos = env.step(dict.fromkeys(env.agents, 0))
        assert env.episode.model.round == step == infos["cambodia"]["round"]
        assert not any(terms.values())
        assert all(truncs.values()) == (step == base_setup.rounds)
    assert env.agents == []
    with pytest.raises(RuntimeError, match="episode is over"):
        env.step({})


def test_an_event_that_ends_the_scenario_terminates_the_episode(base_setup):
    end = Event("collapse", "Talks collapse", "Called off.", (EndScenario("talks collapsed"),), at_round=3)
    env = rl.PivotParallelEnv(with_events(base_setup, end), learners=["cambodia", "russia"])
    env.reset(seed=0)
    for _ in range(2):
        _, _, terms, truncs, _ = env.step(dict.fromkeys(env.agents, 0))
        assert not any(terms.values()) and not any(truncs.values())
    _, _, terms, truncs, _ = env.step(dict.fromkeys(env.agents, 0))
    assert terms == {"cambodia": True, "russia": True} and truncs == {"cambodia": False, "russia": False}
    assert env.agents == [] and env.episode.model.ended == "talks collapsed"


def test_several_moves_a_round_mask_out_the_chosen_move_and_play_the_round_after_the_last(base_setup):
    env = rl.PivotEnv(base_setup, moves_per_round="scenario")  # the base scenario allows 2 moves a round
    obs, info = env.reset(seed=4)
    visit = env.moves.index("state_visit", "china")
    assert obs[-1] == 1.0  # moves_left
    obs, reward, _, _, info = env.step(visit)
    assert reward == 0.0 and info["round"] == 0 and info["action_mask"][visit] == 0 and obs[-1] == 0.5
    with pytest.raises(rl.InvalidMoveError, match="already chose this move"):
        env.step(visit)
    aid = env.moves.index("joint_statement", "china")
    obs, reward, _, _, info = env.step(aid)
    assert info["round"] == 1 and reward != 0.0
    mine = [m.action for m in env.episode.model.history[-1].moves if m.actor == 0]
    assert sorted(mine) == ["joint_statement", "state_visit"]
    # Passing first ends the learner's turn: the round is played at once.
    obs, reward, _, _, info = env.step(0)
    assert info["round"] == 2


def test_a_learner_that_has_passed_sees_only_pass_until_the_round_is_played(base_setup):
    env = rl.PivotParallelEnv(base_setup, learners=["cambodia", "us"], moves_per_round=2)
    _obs, infos = env.reset(seed=3)
    visit = env.moves.index("state_visit", "china")
    assert infos["cambodia"]["action_mask"][1:].any()
    _obs, _rewards, _terms, _truncs, infos = env.step({"cambodia": 0, "us": visit})  # the US has a move left
    assert infos["cambodia"]["round"] == 0, "the round waits for the US"
    assert infos["cambodia"]["action_mask"].tolist() == [1] + [0] * (len(env.moves.labels) - 1)
    assert infos["us"]["action_mask"][1:].any()
    _obs, _rewards, _terms, _truncs, infos = env.step({"cambodia": 0, "us": 0})
    assert infos["cambodia"]["round"] == 1 and infos["cambodia"]["action_mask"][1:].any()


def test_opposite_moves_on_the_same_target_cannot_both_be_chosen_in_a_round(base_setup):
    env = rl.PivotEnv(base_setup, actor="us", moves_per_round=2)
    _obs, info = env.reset(seed=1)
    lift = env.moves.index("lift_sanctions", "russia")
    impose = env.moves.index("impose_sanctions", "russia")
    assert info["action_mask"][lift] == info["action_mask"][impose] == 1
    _obs, _, _, _, info = env.step(lift)
    assert info["action_mask"][impose] == 0


# -- moves outside the mask -------------------------------------------------------------------------


def test_a_move_outside_the_mask_raises_an_error_naming_the_agent_the_move_and_why(base_setup):
    env = rl.PivotParallelEnv(base_setup)
    _obs, _infos = env.reset(seed=0)
    itself = env.moves.index("state_visit", "russia")
    actions = dict.fromkeys(env.agents, 0) | {"russia": itself}
    with pytest.raises(rl.InvalidMoveError) as caught:
        env.step(actions)
    message = str(caught.value)
    assert "russia" in message and f"move {itself} (state_visit russia)" in message
    assert "cannot target itself" in message
    assert caught.value.agent == "russia" and caught.value.move == itself
    # Nothing happened: the round was not played and a valid step still works.
    assert env.episode.model.round == 0
    env.step(dict.fromkeys(env.agents, 0))
    assert env.episode.model.round == 1


def test_an_agreement_already_signed_is_outside_the_mask_with_its_reason(base_setup):
    env = rl.PivotEnv(base_setup, actor="cambodia")
    _obs, info = env.reset(seed=0)
    world = env.episode.model.world
    j, s = np.argwhere(world.agreements[0])[0]
    move = env.moves.index("sign_agreement", int(j), int(s))
    assert info["action_mask"][move] == 0
    with pytest.raises(rl.InvalidMoveError, match="already have a"):
        env.step(move)


def test_with_invalid_action_pass_an_illegal_move_is_a_reported_pass_charged_the_penalty(base_setup):
    lenient = rl.PivotEnv(base_setup, invalid_action="pass", invalid_penalty=0.25)
    strict = rl.PivotEnv(base_setup)
    lenient.reset(seed=9)
    strict.reset(seed=9)
    itself = lenient.moves.index("criticise", "cambodia")
    obs_l, r_l, _, _, info_l = lenient.step(itself)
    obs_s, r_s, _, _, info_s = strict.step(0)
    assert "replaced by pass" in info_l["rejected"] and "cannot target itself" in info_l["rejected"]
    assert "rejected" not in info_s
    assert r_l == pytest.approx(r_s - 0.25)
    assert np.array_equal(obs_l, obs_s)


@pytest.mark.parametrize("action", [-1, "size", 3.0, "pass", None, True])
def test_an_action_that_is_not_a_move_index_is_a_value_error_in_every_mode(base_setup, action):
    env = rl.PivotEnv(base_setup, invalid_action="pass")
    env.reset(seed=0)
    last = env.moves.size - 1
    if action == "size":
        action = env.moves.size
    with pytest.raises(ValueError, match=rf"cambodia: action must be a move index 0\.\.{last}"):
        env.step(action)


def test_numpy_integers_are_accepted_as_move_indices(base_setup):
    env = rl.PivotEnv(base_setup)
    env.reset(seed=0)
    env.step(np.int64(0))
    env.step(np.array(0))
    assert env.episode.model.round == 2


def test_step_needs_one_action_per_live_agent_and_a_reset_first(base_setup):
    env = rl.PivotParallelEnv(base_setup, learners=["cambodia", "china"])
    with pytest.raises(RuntimeError, match="reset"):
        env.step({"cambodia": 0, "china": 0})
    env.reset(seed=0)
    with pytest.raises(ValueError, match="no action for china"):
        env.step({"cambodia": 0})
    with pytest.raises(ValueError, match="unknown agent"):
        env.step({"cambodia": 0, "china": 0, "us": 0})


def test_bad_constructor_arguments_are_clear_errors(base_setup):
    with pytest.raises(ValueError, match="unknown actor 'vietnam'"):
        rl.PivotParallelEnv(base_setup, learners=["vietnam"])
    with pytest.raises(ValueError, match="learners is empty"):
        rl.PivotParallelEnv(base_setup, learners=[])
    with pytest.raises(ValueError, match="reward must be one of utility, objective"):
        rl.PivotEnv(base_setup, reward="gdp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="moves_per_round"):
        rl.PivotEnv(base_setup, moves_per_round=0)
    with pytest.raises(ValueError, match="render_mode"):
        rl.PivotEnv(base_setup, render_mode="human")
    with pytest.raises(ScenarioError, match="no such scenario"):
        rl.PivotEnv("no_such_scenario")


# -- observations -----------------------------------------------------------------------------------


def test_observation_vector_has_the_documented_fields_in_order_within_the_box(base_setup):
    env = rl.PivotParallelEnv(base_setup)
    names = rl.observation_names(base_setup)
    space = env.observation_space("cambodia")
    assert space.shape == (len(names),) == (observation_size(6),) == (20 * 6 + 5,)
    assert names[:7] == ("identity.cambodia", *(f"identity.{a}" for a in IDS[1:]), "alignment.cambodia")
    assert names[-5:] == ("hedging", "bloc_tilt", "utility", "round", "moves_left")
    doc = (ROOT / "docs" / "rl.md").read_text()
    for field in FIELDS:
        assert f"`{field.name}`" in doc, f"docs/rl.md does not document observation field {field.name}"
    seen, _ = play_parallel(env, seed=1, policy_seed=1)
    for obs in seen:
        for agent, vector in obs.items():
            assert vector.dtype == np.float32 and space.contains(vector), agent


def test_observation_entries_read_the_actors_view_of_the_state(base_setup):
    env = rl.PivotParallelEnv(base_setup)
    obs, _ = env.reset(seed=0)
    names = rl.observation_names(base_setup)
    record = env.episode.model.history[-1]
    world = record.world
    cambodia, us = obs["cambodia"], obs["us"]

    def value(vector: np.ndarray, name: str) -> float:
        return float(vector[names.index(name)])

    assert value(cambodia, "identity.cambodia") == 1.0 and value(us, "identity.us") == 1.0
    assert value(cambodia, "alignment.china") == pytest.approx(record.alignment[0, 2], abs=1e-6)
    assert world.sanctions[3, 1] > 0
    assert value(us, "sanctions_out.russia") == pytest.approx(world.sanctions[3, 1], abs=1e-6)
    assert value(cambodia, "regard_in.russia") == pytest.approx(world.relations[1, 0], abs=1e-6)
    owed = world.debt[0, 1] / world.gdp[0]
    assert value(cambodia, "debt_owed.russia") == pytest.approx(owed / (1 + owed), abs=1e-6)
    assert value(cambodia, "export_share.us") + value(cambodia, "export_share.eu") > 0.5  # garment exports
    assert value(cambodia, "round") == 0.0
    env.step(dict.fromkeys(env.agents, 0))
    obs = env.step(dict.fromkeys(env.agents, 0))[0]
    assert value(obs["cambodia"], "round") == pytest.approx(2 / base_setup.rounds)


def test_state_is_every_actors_observation_in_the_state_space(base_setup):
    env = rl.PivotParallelEnv(base_setup, learners=["cambodia"])
    obs, _ = env.reset(seed=0)
    state = env.state()
    assert env.state_space.contains(state)
    size = observation_size(6)
    assert np.array_equal(state[:size], obs["cambodia"])


# -- rewards ----------------------------------------------------------------------------------------


def test_utility_rewards_add_up_to_each_learners_change_of_utility(base_setup):
    env = rl.PivotParallelEnv(base_setup)
    _, rewards = play_parallel(env, seed=12, policy_seed=4)
    history = env.episode.model.history
    for i, agent in enumerate(IDS):
        per_step = [r[agent] for r in rewards]
        assert per_step == pytest.approx(np.diff([h.utility[i] for h in history]).tolist(), abs=1e-12)
        assert sum(per_step) == pytest.approx(history[-1].utility[i] - history[0].utility[i])


def test_reward_scale_multiplies_rewards(base_setup):
    plain = play_parallel(rl.PivotParallelEnv(base_setup, learners=["eu"]), seed=1, policy_seed=1)[1]
    scaled_env = rl.PivotParallelEnv(base_setup, learners=["eu"], reward_scale=1000)
    scaled = play_parallel(scaled_env, seed=1, policy_seed=1)[1]
    assert [r["eu"] * 1000 for r in plain] == pytest.approx([r["eu"] for r in scaled])


def test_objective_rewards_add_up_to_the_change_of_the_objective_score(base_setup):
    objectives = (
        Objective("hedge", 0, "Keep hedging", Compare("hedging", (0,), "above", 0.9), 2.0, "always"),
        Objective("us_ties", 0, "Warm to the US", Compare("alignment", (0, 3), "above", 0.2), 1.0, "final"),
    )
    setup = replace(base_setup, objectives=objectives)
    env = rl.PivotParallelEnv(setup, learners=["cambodia"], reward="objective")
    _, rewards = play_parallel(env, seed=3, policy_seed=3)
    model = env.episode.model
    total = sum(r["cambodia"] for r in rewards)
    start = AlignmentModel(setup, rng=3, collect=False).objective_report(0).score
    assert total == pytest.approx(model.objective_report(0).score / 100 - start / 100)
    thirds = [r["cambodia"] * 3 for r in rewards]  # objective weights 2 and 1: the score moves in thirds
    assert all(abs(x - round(x)) < 1e-9 for x in thirds) and any(thirds)


def test_objective_reward_without_objectives_names_the_learners_missing_them(base_setup):
    only_russia = replace(base_setup, objectives=tuple(o for o in base_setup.objectives if o.actor == 1))
    with pytest.raises(ValueError, match="has none for cambodia, china"):
        rl.PivotParallelEnv(only_russia, learners=["cambodia", "china", "russia"], reward="objective")
    rl.PivotParallelEnv(only_russia, learners=["russia"], reward="objective")


# -- registration, factories, rendering, boundaries -------------------------------------------------


def test_every_library_scenario_is_registered_and_makes_an_env():
    stems = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    for stem in stems:
        eid = f"Pivot/{stem}-v0"
        assert eid in gymnasium.registry and eid in rl.ENV_IDS
    env = gymnasium.make("Pivot/medvedev_visit_2015-v0", actor="us")
    obs, _info = env.reset(seed=0)
    assert env.unwrapped.actor == "us" and obs.shape == env.observation_space.shape
    env.close()


def test_a_scenario_file_added_later_is_registered_under_its_name(tmp_path):
    source = (ROOT / "scenarios" / "medvedev_visit_2015.yaml").read_text()
    (tmp_path / "copy_for_rl_test.yaml").write_text(source)
    (tmp_path / "broken_for_rl_test.yaml").write_text("meta: [unclosed\n")
    try:
        ids = rl.register_scenarios(tmp_path)
        assert ids == ["Pivot/broken_for_rl_test-v0", "Pivot/copy_for_rl_test-v0"]
        env = gymnasium.make("Pivot/copy_for_rl_test-v0")
        env.reset(seed=0)
        with pytest.raises(ScenarioError):  # a broken file fails when made, never at registration
            gymnasium.make("Pivot/broken_for_rl_test-v0")
    finally:
        for eid in ("Pivot/copy_for_rl_test-v0", "Pivot/broken_for_rl_test-v0"):
            gymnasium.registry.pop(eid, None)


def test_parallel_factories_build_the_same_env_from_a_name_or_a_registered_id():
    by_name = rl.parallel_env("medvedev_visit_2015", learners=["china"])
    by_id = rl.make_parallel("Pivot/medvedev_visit_2015-v0", learners=["china"])
    assert by_name.possible_agents == by_id.possible_agents == ["china"]
    assert np.array_equal(by_name.reset(seed=1)[0]["china"], by_id.reset(seed=1)[0]["china"])
    with pytest.raises(ValueError, match="not a registered Pivot environment"):
        rl.make_parallel("Pivot/nothing-v0")


def test_ansi_render_lists_every_actor_and_marks_the_learner(base_setup):
    env = rl.PivotEnv(base_setup, render_mode="ansi")
    env.reset(seed=0)
    env.step(env.moves.index("state_visit", "china"))
    text = env.render()
    assert isinstance(text, str) and "round 1/12" in text
    assert all(a in text for a in IDS) and "cambodia*" in text
    assert "cambodia: state_visit china" in text


def test_the_numpy_matrix_frame_draws_a_picture_and_the_frame_renderer_can_be_replaced(base_setup):
    env = rl.PivotEnv(base_setup, render_mode="rgb_array", frame_renderer=rl.matrix_frame)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (360, 720, 3) and frame.dtype == np.uint8
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) > 10  # a picture, not a blank
    calls = []

    def renderer(model, focus):
        calls.append((model.round, focus))
        return np.zeros((4, 4, 3), dtype=np.uint8)

    custom = rl.PivotParallelEnv(base_setup, learners=["us"], render_mode="rgb_array", frame_renderer=renderer)
    custom.reset(seed=0)
    assert custom.render().shape == (4, 4, 3) and calls == [(0, 3)]


def test_importing_sim_rl_never_loads_pygame():
    code = "import sys, sim.rl; sim.rl.PivotEnv().reset(seed=0); sys.exit(1 if 'pygame' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def test_pettingzoo_and_gymnasium_are_imported_only_inside_sim_rl():
    for path in (ROOT / "sim").rglob("*.py"):
        if "rl" in path.relative_to(ROOT / "sim").parts[:1]:
            continue
        text = path.read_text()
        assert "import pettingzoo" not in text and "from pettingzoo" not in text, path
        assert "import gymnasium" not in text and "from gymnasium" not in text, path
