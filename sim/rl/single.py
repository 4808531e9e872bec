"""PivotEnv: a Gymnasium Env for playing one actor of a scenario against the AI-controlled others."""

from __future__ import annotations

from typing import Any, Literal

import gymnasium
import numpy as np
from gymnasium import spaces

from sim.rl.episode import Episode, InvalidAction, RewardKind
from sim.rl.parallel import RENDER_MODES, learner_indices, observation_space
from sim.rl.registration import DEFAULT_SCENARIO, ScenarioLike, scenario_setup
from sim.rl.render import FrameRenderer, ansi_text, default_frame_renderer


class PivotEnv(gymnasium.Env):
    """One learner (``actor``, default the scenario's focal actor: Cambodia in the base scenario) against the AI.

    The same move list, masks (``info["action_mask"]``), observations, rewards and options as
    :class:`sim.rl.PivotParallelEnv` with a single learner. ``render_mode``: ``"ansi"`` (text) or
    ``"rgb_array"`` (an (H, W, 3) uint8 frame from ``frame_renderer``, by default the game's round screen
    at 1280 x 720 drawn off-screen, :class:`sim.rl.RoundScreen`).
    """

    # gymnasium.Env declares metadata as a plain attribute, so it cannot be a ClassVar here.
    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES), "render_fps": 2}  # noqa: RUF012

    def __init__(
        self,
        scenario: ScenarioLike = DEFAULT_SCENARIO,
        actor: str | None = None,
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
        actor = actor if actor is not None else setup.actor_ids[setup.scoring.focal]
        self.actor = actor
        self.episode = Episode(
            setup,
            learner_indices(setup.actor_ids, [actor]),
            reward=reward,
            reward_scale=reward_scale,
            moves_per_round=moves_per_round,
            invalid_action=invalid_action,
            invalid_penalty=invalid_penalty,
        )
        self.moves = self.episode.moves
        self.mask_in_observation = mask_in_observation
        self.render_mode = render_mode
        self.frame_renderer: FrameRenderer = frame_renderer or default_frame_renderer()
        self.action_space = spaces.Discrete(self.moves.size)
        self.observation_space = observation_space(setup.n_actors, self.moves.size, mask_in_observation)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Start a run. ``seed`` seeds the model (the same seed as ``run.py run --seed``); without one the next
        seed is drawn from ``self.np_random``. ``options`` is accepted and unused."""
        super().reset(seed=seed)
        model_seed = seed if seed is not None else int(self.np_random.integers(2**63 - 1))
        self.episode.start(model_seed)
        mask = self.episode.masks()[0]
        return self._observation(mask), self._info(mask)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Play one move-list index; the round is played when the actor's moves for it are chosen."""
        outcome = self.episode.act([action])
        mask = self.episode.masks()[0]
        info = self._info(mask)
        if outcome.rejected[0]:
            info["rejected"] = outcome.rejected[0]
        if outcome.failed[0]:
            info["failed_moves"] = outcome.failed[0]
        return self._observation(mask), float(outcome.rewards[0]), outcome.terminated, outcome.truncated, info

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: a text summary of the round; ``"rgb_array"``: an (H, W, 3) uint8 frame."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode='ansi' or 'rgb_array'")
            return None
        model = self.episode._model()
        if self.render_mode == "ansi":
            return ansi_text(model, self.episode.learners)
        return self.frame_renderer(model, self.episode.learners[0])

    def action_masks(self) -> np.ndarray:
        """The current action mask as bool (the method name sb3-contrib's MaskablePPO looks for)."""
        return self.episode.masks()[0].astype(bool)

    def _observation(self, mask: np.ndarray) -> Any:
        vector = self.episode.observations()[self.episode.learners[0]]
        if self.mask_in_observation:
            return {"observation": vector, "action_mask": mask.copy()}
        return vector

    def _info(self, mask: np.ndarray) -> dict[str, Any]:
        return {"action_mask": mask.copy(), "round": self.episode._model().round}
