"""PivotParallelEnv: a PettingZoo ParallelEnv whose agents are a scenario's actors (or the listed learners)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from sim.rl.episode import Episode, InvalidAction, RewardKind
from sim.rl.observations import observation_bounds, observation_size
from sim.rl.registration import DEFAULT_SCENARIO, ScenarioLike, scenario_setup
from sim.rl.render import FrameRenderer, ansi_text, default_frame_renderer

RENDER_MODES: tuple[str, ...] = ("ansi", "rgb_array")


def learner_indices(actor_ids: tuple[str, ...], learners: Iterable[str] | None) -> tuple[int, ...]:
    """Indices of the listed learner ids (all actors when None); ValueError for unknown or repeated ids."""
    if learners is None:
        return tuple(range(len(actor_ids)))
    if isinstance(learners, str):
        learners = [learners]
    chosen = list(learners)
    unknown = [a for a in chosen if a not in actor_ids]
    if unknown:
        raise ValueError(f"unknown actor {unknown[0]!r} in learners; the scenario's actors: {', '.join(actor_ids)}")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"learners lists an actor twice: {chosen}")
    if not chosen:
        raise ValueError("learners is empty; list at least one actor (or pass None for all)")
    return tuple(sorted(actor_ids.index(a) for a in chosen))


def observation_space(n_actors: int, n_moves: int, mask_in_observation: bool) -> spaces.Space:
    """The Box of the observation vector, or a Dict with it and the action mask."""
    low, high = observation_bounds(n_actors)
    box = spaces.Box(low=low, high=high, dtype=np.float32)
    if not mask_in_observation:
        return box
    mask = spaces.Box(low=0, high=1, shape=(n_moves,), dtype=np.int8)
    return spaces.Dict({"observation": box, "action_mask": mask})


class PivotParallelEnv(ParallelEnv):
    """Each learner picks one move a step from the scenario's move list; the other actors stay AI-controlled.

    ``scenario``: a library name, a file path, a Scenario or a ModelSetup. ``learners``: actor ids that
    learn (default: every actor). ``reward``: ``"utility"`` (change of the actor's utility) or
    ``"objective"`` (change of its objective score, as a share 0..1). ``mask_in_observation``: observations
    become ``{"observation": vector, "action_mask": mask}``; the mask is always in ``infos[agent]``.
    ``moves_per_round``, ``invalid_action``, ``invalid_penalty``: see :mod:`sim.rl.episode`.
    The move list and the observation fields are documented in ``docs/rl.md``.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "name": "pivot_v0",
        "render_modes": list(RENDER_MODES),
        "render_fps": 2,
        "is_parallelizable": True,
    }

    def __init__(
        self,
        scenario: ScenarioLike = DEFAULT_SCENARIO,
        learners: Iterable[str] | None = None,
        reward: RewardKind = "utility",
        mask_in_observation: bool = False,
        *,
        moves_per_round: int | Literal["scenario"] = 1,
        invalid_action: InvalidAction = "raise",
        invalid_penalty: float = 0.0,
        reward_scale: float = 1.0,
        render_mode: str | None = None,
        frame_renderer: FrameRenderer | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(f"render_mode must be one of {', '.join(RENDER_MODES)} or None (got {render_mode!r})")
        setup = scenario_setup(scenario)
        self.setup = setup
        self.episode = Episode(
            setup,
            learner_indices(setup.actor_ids, learners),
            reward=reward,
            reward_scale=reward_scale,
            moves_per_round=moves_per_round,
            invalid_action=invalid_action,
            invalid_penalty=invalid_penalty,
        )
        self.possible_agents: list[str] = list(self.episode.learner_ids)
        self.agents: list[str] = []
        self.moves = self.episode.moves
        self.mask_in_observation = mask_in_observation
        self.render_mode = render_mode
        self.frame_renderer: FrameRenderer = frame_renderer or default_frame_renderer()
        n, size = setup.n_actors, self.moves.size
        # One space object per agent, so seeding one agent's space never changes another's samples.
        self._observation_spaces = {a: observation_space(n, size, mask_in_observation) for a in self.possible_agents}
        self._action_spaces = {a: spaces.Discrete(size) for a in self.possible_agents}
        low, high = observation_bounds(n)
        self.state_space = spaces.Box(low=np.tile(low, n), high=np.tile(high, n), dtype=np.float32)
        self._np_random: np.random.Generator | None = None
        self._round_obs = np.zeros((n, observation_size(n)), dtype=np.float32)

    # -- spaces -----------------------------------------------------------------------------------

    def observation_space(self, agent: str) -> spaces.Space:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    # -- the API ----------------------------------------------------------------------------------

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Start a run. ``seed`` seeds the model (the same seed as ``run.py run --seed``); without one the
        next seed is drawn from the generator of the last seeded reset (or from fresh entropy). ``options``
        is accepted and unused."""
        if seed is not None:
            self._np_random = np.random.default_rng(seed)
            model_seed: int = seed
        else:
            if self._np_random is None:
                self._np_random = np.random.default_rng()
            model_seed = int(self._np_random.integers(2**63 - 1))
        self.episode.start(model_seed)
        self.agents = self.possible_agents[:]
        masks = self.episode.masks()
        obs = self._observations(masks)
        infos = {a: self._info(k, masks) for k, a in enumerate(self.agents)}
        return obs, infos

    def step(
        self, actions: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]]:
        """One move per live agent (a move-list index); returns observations, rewards, terminations,
        truncations and infos for the agents that were live."""
        if not self.episode.started:
            raise RuntimeError("call reset() before step()")
        if not self.agents:
            raise RuntimeError("the episode is over; call reset() to start a new one")
        missing = [a for a in self.agents if a not in actions]
        extra = [a for a in actions if a not in self.agents]
        if missing or extra:
            problem = f"no action for {', '.join(missing)}" if missing else f"unknown agent(s) {', '.join(extra)}"
            raise ValueError(f"step() needs one action per live agent ({', '.join(self.agents)}): {problem}")
        outcome = self.episode.act([actions[a] for a in self.agents])
        masks = self.episode.masks()
        live = self.agents
        obs = self._observations(masks)
        rewards = {a: float(outcome.rewards[k]) for k, a in enumerate(live)}
        terminations = dict.fromkeys(live, outcome.terminated)
        truncations = dict.fromkeys(live, outcome.truncated)
        infos = {a: self._info(k, masks) for k, a in enumerate(live)}
        for k, a in enumerate(live):
            if outcome.rejected[k]:
                infos[a]["rejected"] = outcome.rejected[k]
            if outcome.failed[k]:
                infos[a]["failed_moves"] = outcome.failed[k]
        if outcome.terminated or outcome.truncated:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The global view for centralised training: every actor's observation vector, concatenated."""
        if not self.episode.started:
            raise RuntimeError("call reset() before state()")
        return self.episode.observations().reshape(-1)

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: a text summary of the round; ``"rgb_array"``: an (H, W, 3) uint8 frame."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode='ansi' or 'rgb_array'")
            return None
        model = self.episode._model()
        if self.render_mode == "ansi":
            return ansi_text(model, self.episode.learners)
        focus = self.episode.learners[0] if len(self.episode.learners) == 1 else None
        return self.frame_renderer(model, focus)

    def close(self) -> None:
        """Nothing to release (no window, no subprocess)."""

    # -- helpers ----------------------------------------------------------------------------------

    def _observations(self, masks: np.ndarray) -> dict[str, Any]:
        rows = self.episode.observations()[self.episode.learners, :]
        if self.mask_in_observation:
            return {a: {"observation": rows[k], "action_mask": masks[k].copy()} for k, a in enumerate(self.agents)}
        return {a: rows[k] for k, a in enumerate(self.agents)}

    def _info(self, k: int, masks: np.ndarray) -> dict[str, Any]:
        model = self.episode._model()
        return {"action_mask": masks[k].copy(), "round": model.round}
