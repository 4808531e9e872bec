"""Batched learning environments on the vector engine: a Gymnasium VectorEnv and a batched parallel API.

Both play ``num_envs`` runs of a scenario as one :class:`sim.vector.VectorEngine` whose learners are
external actors: one call steps every run for every learner. Per run they are the single-run environments
(:class:`sim.rl.PivotEnv`, :class:`sim.rl.PivotParallelEnv`) with ``moves_per_round=1``: the same move list,
masks, observations, rewards and seeds, so ``PivotVectorEnv(s, num_envs=n).reset(seed=k)`` plays what
``gymnasium.vector.SyncVectorEnv([PivotEnv(s)] * n).reset(seed=k)`` plays (env i with seed k + i), and
a test checks it with Gymnasium's ``check_environments_match``.

Rules of a step (as :mod:`sim.rl.episode` with one move a round): each learner gives one move index per
run; the round is played for every run at once; proposals to a learner are answered by the AI's rule for
it (``recommended_answers``). A move outside the mask raises InvalidMoveError naming the run
(``invalid_action="raise"``) or becomes a pass charged ``invalid_penalty`` (``"pass"``). Autoreset is
Gymnasium's next-step mode: after a run ends, the next step starts a new one (its action is ignored, its
reward 0). The vector engine plays every run to the scenario's last round, so runs end together;
scenarios with events that end a run early, scripted actors or scripted moves are refused with the
vector engine's message (use :class:`sim.rl.PivotEnv` there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from sim.core.setup import ModelSetup
from sim.rl.episode import INVALID_ACTIONS, REWARD_KINDS, InvalidAction, InvalidMoveError, RewardKind
from sim.rl.moves import MoveList
from sim.rl.observations import _bounds, observation_bounds
from sim.rl.parallel import learner_indices
from sim.rl.registration import DEFAULT_SCENARIO, ScenarioLike, scenario_setup
from sim.vector import VectorEngine, check_supported, keys_for
from sim.vector.engine import RoundBatch
from sim.vector.state import WorldBatch

MAX_SEED = 2**63 - 1  # what PivotEnv draws a model seed below when reset without one


def _shares(flows: np.ndarray) -> np.ndarray:
    total = flows.sum(axis=-1, keepdims=True)
    return np.divide(flows, total, out=np.zeros_like(flows), where=total > 0)


def observe_batch(
    w: WorldBatch,
    rec: RoundBatch,
    round_fraction: float,
    moves_left: np.ndarray,
    rows: Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """(R, K, F) float32: :func:`sim.rl.observations.observe` for every run and each actor of ``rows`` (default
    every actor, K = N; ``moves_left`` is (R, N)). Every block is worked out as for all actors, and only the
    observing actors' rows are put together, cast and clipped."""
    runs, n = w.runs, w.n_actors
    at = np.arange(n) if rows is None else np.asarray(rows, dtype=np.intp)
    gdp = np.where(w.gdp > 0, w.gdp, 1.0)[:, :, None]
    tilt = np.clip(rec.bloc_tilt / 2.0, -1.0, 1.0)
    row = np.ones((runs, n, 1))
    eye = np.broadcast_to(np.eye(n), (runs, n, n))

    def t(x: np.ndarray) -> np.ndarray:
        return np.swapaxes(x, -1, -2)

    debt_owed = w.debt / gdp
    debt_held = t(w.debt) / gdp
    blocks = (
        eye,
        rec.alignment,
        w.relations,
        t(w.relations),
        _shares(w.trade),
        _shares(t(w.trade)),
        w.tariff,
        t(w.tariff),
        w.sanctions,
        t(w.sanctions),
        debt_owed / (1.0 + debt_owed),
        debt_held / (1.0 + debt_held),
        w.agreements.mean(axis=3) if w.agreements.shape[3] else np.zeros((runs, n, n)),
        w.pressure,
        t(w.pressure),
        np.eye(n)[rec.primary_partner],
        row * rec.hedging[:, None, :],
        row * tilt[:, None, :],
        row * (w.gdp / w.gdp.sum(axis=1, keepdims=True))[:, None, :],
        row * w.capability[:, None, :],
        rec.hedging[:, :, None],
        tilt[:, :, None],
        np.tanh(rec.utility)[:, :, None],
        np.full((runs, n, 1), round_fraction),
        moves_left[:, :, None],
    )
    out = np.concatenate([b[:, at] for b in blocks], axis=2)
    out = out.astype(np.float32)
    low, high = _bounds(n)
    return np.clip(out, low, high, out=out)


class VectorEpisode:
    """``num_envs`` runs with ``learners`` external on one vector engine: masks, observations, rewards."""

    def __init__(
        self,
        setup: ModelSetup,
        learners: tuple[int, ...],
        num_envs: int,
        *,
        reward: RewardKind = "utility",
        reward_scale: float = 1.0,
        invalid_action: InvalidAction = "raise",
        invalid_penalty: float = 0.0,
    ) -> None:
        if reward not in REWARD_KINDS:
            raise ValueError(f"reward must be one of {', '.join(REWARD_KINDS)} (got {reward!r})")
        if invalid_action not in INVALID_ACTIONS:
            raise ValueError(f"invalid_action must be one of {', '.join(INVALID_ACTIONS)} (got {invalid_action!r})")
        if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
            raise ValueError(f"num_envs must be a whole number >= 1 (got {num_envs!r})")
        if not learners:
            raise ValueError("at least one learner is needed")
        ids = setup.actor_ids
        if reward == "objective":
            owners = {o.actor for o in setup.objectives}
            missing = [ids[i] for i in learners if i not in owners]
            if missing:
                raise ValueError(
                    f"reward='objective' needs objectives for every learner; scenario {setup.scenario_id} has none "
                    f"for {', '.join(missing)} (use reward='utility', or add objectives to the scenario)"
                )
        # As in Episode: learners move from outside; a human seat nobody else would fill becomes the AI's.
        actors = tuple(
            replace(a, controller="ai") if a.controller == "human" and k not in learners else a
            for k, a in enumerate(setup.actors)
        )
        self.setup = replace(setup, actors=actors)
        self.learners = learners
        self.learner_ids = tuple(ids[i] for i in learners)
        self.num_envs = num_envs
        self.reward_kind = reward
        self.reward_scale = float(reward_scale)
        self.invalid_action = invalid_action
        self.invalid_penalty = float(invalid_penalty)
        self.moves = MoveList(self.setup)
        self._rows = np.array(learners, dtype=np.intp)
        self.engine: VectorEngine | None = None
        self._score = np.zeros((len(learners), num_envs))
        check_supported(self.setup, learners)  # refuse what the vector engine cannot play, now

    def start(self, seeds: Sequence[int | np.random.SeedSequence]) -> None:
        """Begin ``num_envs`` new runs, run i with model seed ``seeds[i]`` (as ``AlignmentModel(rng=seed)``)."""
        self.engine = VectorEngine(self.setup, keys_for(list(seeds)), external=self.learners)
        self._score = self._scores()

    @property
    def started(self) -> bool:
        return self.engine is not None

    def _engine(self) -> VectorEngine:
        if self.engine is None:
            raise RuntimeError("call reset() before using the environment")
        return self.engine

    def masks(self) -> np.ndarray:
        """(L, R, M) bool: the moves each learner may choose now in each run."""
        e = self._engine()
        out = np.stack([e.legal(a) for a in self.learners])
        closed = e.actions_per_round[:, self._rows].T <= 0  # (L, R): no move this round
        out[:, :, 1:] &= ~closed[:, :, None]
        return out

    def observations(self) -> np.ndarray:
        """(L, R, F) float32: each learner's observation in each run."""
        e = self._engine()
        left = np.zeros((e.runs, self.setup.n_actors))
        left[:, self._rows] = np.clip(np.minimum(e.actions_per_round[:, self._rows], 1), 0.0, 1.0)
        mine = observe_batch(e.world, e.last, e.round / max(self.setup.rounds, 1), left, self._rows)
        return np.ascontiguousarray(mine.transpose(1, 0, 2))

    def act(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Play one round in every run with one move per learner per run (``actions`` (L, R) ints).

        Returns rewards (L, R) and which moves were replaced by a pass (L, R) bool."""
        e = self._engine()
        if e.finished:
            raise RuntimeError("the episode is over; call reset() to start a new one")
        a = np.asarray(actions)
        if a.shape != (len(self.learners), e.runs) or a.dtype.kind not in "iu":
            raise ValueError(
                f"actions must be {len(self.learners)} x {e.runs} whole move indices 0..{self.moves.size - 1}"
                f" (got shape {a.shape}, dtype {a.dtype})"
            )
        if ((a < 0) | (a >= self.moves.size)).any():
            bad = a[(a < 0) | (a >= self.moves.size)][0]
            raise ValueError(f"actions must be move indices 0..{self.moves.size - 1} (got {int(bad)})")
        a = a.astype(np.int64)
        masks = self.masks()
        ok = np.take_along_axis(masks, a[:, :, None], axis=2)[:, :, 0]
        rejected = ~ok
        if rejected.any():
            row, r = (int(x[0]) for x in np.nonzero(rejected))
            if self.invalid_action == "raise":
                reason = self.moves.why_not(e.world.run(r), self.learners[row], int(a[row, r]))
                raise InvalidMoveError(
                    f"{self.learner_ids[row]} (env {r})", int(a[row, r]), self.moves.labels[a[row, r]], reason, e.round
                )
            a = np.where(rejected, 0, a)
        for row, actor in enumerate(self.learners):
            e.submit(actor, a[row][:, None], e.recommended_answers(actor))
        e.step()
        score = self._scores()
        rewards = (score - self._score) * self.reward_scale - np.where(rejected, self.invalid_penalty, 0.0)
        self._score = score
        return rewards, rejected

    def _scores(self) -> np.ndarray:
        e = self._engine()
        if self.reward_kind == "utility":
            return e.last.utility[:, self._rows].T.astype(float)
        return np.stack([e.objective_scores(i)[0] / 100.0 for i in self.learners])


def _seeds(base: int | None, n: int) -> list[np.random.Generator]:
    return [seeding.np_random(None if base is None else base + i)[0] for i in range(n)]


class PivotVectorEnv(gymnasium.vector.VectorEnv):
    """``num_envs`` runs of a scenario with one learner (``actor``, default the focal actor), stepped at once.

    Actions are (num_envs,) move indices (``action_space`` MultiDiscrete); observations (num_envs, F)
    float32; ``infos["action_mask"]`` (num_envs, M) int8 and :meth:`action_masks` bool. Autoreset is
    next-step (``metadata["autoreset_mode"]``). See the module docstring for the rules.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}  # noqa: RUF012

    def __init__(
        self,
        scenario: ScenarioLike = DEFAULT_SCENARIO,
        num_envs: int = 16,
        actor: str | None = None,
        reward: RewardKind = "utility",
        *,
        invalid_action: InvalidAction = "raise",
        invalid_penalty: float = 0.0,
        reward_scale: float = 1.0,
    ) -> None:
        setup = scenario_setup(scenario)
        actor = actor if actor is not None else setup.actor_ids[setup.scoring.focal]
        self.actor = actor
        self.episode = VectorEpisode(
            setup,
            learner_indices(setup.actor_ids, [actor]),
            num_envs,
            reward=reward,
            reward_scale=reward_scale,
            invalid_action=invalid_action,
            invalid_penalty=invalid_penalty,
        )
        self.setup = self.episode.setup
        self.moves = self.episode.moves
        self.num_envs = num_envs
        self.single_action_space = spaces.Discrete(self.moves.size)
        self.action_space = batch_space(self.single_action_space, num_envs)
        low, high = observation_bounds(setup.n_actors)
        self.single_observation_space = spaces.Box(low=low, high=high, dtype=np.float32)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.render_mode = None
        self._rngs: list[np.random.Generator] | None = None
        self._autoreset = False

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start ``num_envs`` runs: run i with model seed ``seed + i`` (or ``seed[i]``); without a seed each
        run draws its model seed from its own generator, as ``PivotEnv.reset()`` does. ``options`` is unused."""
        if seed is not None and not isinstance(seed, int):
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"reset(seed=...) needs {self.num_envs} seeds (got {len(seeds)})")
            self._rngs = [seeding.np_random(s)[0] for s in seeds]
            model = [s if s is not None else self._draw(i) for i, s in enumerate(seeds)]
        elif seed is not None:
            self._rngs = _seeds(seed, self.num_envs)
            model = [seed + i for i in range(self.num_envs)]
        else:
            if self._rngs is None:
                self._rngs = _seeds(None, self.num_envs)
            model = [self._draw(i) for i in range(self.num_envs)]
        self.episode.start(model)
        self._autoreset = False
        return self._observations(), self._info()

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One move index per run; every run plays its round. Runs that ended last step start again instead."""
        if self._autoreset:
            assert self._rngs is not None
            self.episode.start([self._draw(i) for i in range(self.num_envs)])
            self._autoreset = False
            zeros = np.zeros(self.num_envs, dtype=bool)
            return self._observations(), np.zeros(self.num_envs), zeros, zeros.copy(), self._info()
        rewards, rejected = self.episode.act(np.asarray(actions).reshape(1, self.num_envs))
        engine = self.episode._engine()
        truncated = np.full(self.num_envs, engine.finished)
        terminated = np.zeros(self.num_envs, dtype=bool)
        self._autoreset = engine.finished
        info = self._info()
        if rejected.any():
            info["rejected"] = rejected[0]
        return self._observations(), rewards[0].astype(np.float64), terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """(num_envs, M) bool: the current action masks (the method name sb3-contrib's maskable agents read)."""
        return self.episode.masks()[0]

    def _draw(self, i: int) -> int:
        assert self._rngs is not None
        return int(self._rngs[i].integers(MAX_SEED))

    def _observations(self) -> np.ndarray:
        return self.episode.observations()[0]

    def _info(self) -> dict[str, Any]:
        engine = self.episode._engine()
        return {"action_mask": self.episode.masks()[0].astype(np.int8), "round": np.full(self.num_envs, engine.round)}


class PivotVectorParallelEnv:
    """The batched PettingZoo-style API: ``num_envs`` runs, several learners, one call steps them all.

    ``reset(seed)`` returns ``(observations, infos)`` as dicts by agent id of (num_envs, F) arrays and
    ``{"action_mask": (num_envs, M) int8}``; ``step(actions)`` takes a dict by agent id of (num_envs,) move
    indices and returns observations, rewards, terminations, truncations (dicts of (num_envs,) arrays) and
    infos. Run i of ``reset(seed=k)`` is :class:`sim.rl.PivotParallelEnv` reset with seed k + i. No
    autoreset: call ``reset`` when the runs are done (they end together).
    """

    def __init__(
        self,
        scenario: ScenarioLike = DEFAULT_SCENARIO,
        num_envs: int = 16,
        learners: Iterable[str] | None = None,
        reward: RewardKind = "utility",
        *,
        invalid_action: InvalidAction = "raise",
        invalid_penalty: float = 0.0,
        reward_scale: float = 1.0,
    ) -> None:
        setup = scenario_setup(scenario)
        indices = learner_indices(setup.actor_ids, learners)
        self.episode = VectorEpisode(
            setup,
            indices,
            num_envs,
            reward=reward,
            reward_scale=reward_scale,
            invalid_action=invalid_action,
            invalid_penalty=invalid_penalty,
        )
        self.setup = self.episode.setup
        self.num_envs = num_envs
        self.possible_agents = list(self.episode.learner_ids)
        self.agents: list[str] = []
        self.moves = self.episode.moves
        low, high = observation_bounds(setup.n_actors)
        self._observation_space = spaces.Box(low=low, high=high, dtype=np.float32)
        self._action_space = spaces.Discrete(self.moves.size)

    def observation_space(self, agent: str) -> spaces.Space:
        return self._observation_space

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_space

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start the runs (run i with model seed ``seed + i``; without a seed, fresh ones)."""
        if seed is None:
            model: list[int] = [int(s) for s in np.random.default_rng().integers(MAX_SEED, size=self.num_envs)]
        else:
            model = [seed + i for i in range(self.num_envs)]
        self.episode.start(model)
        self.agents = list(self.possible_agents)
        return self._observations(), self._infos()

    def step(self, actions: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        """Every learner's (num_envs,) moves; plays the round in every run."""
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"no actions for {', '.join(missing)}; every agent gives (num_envs,) move indices")
        a = np.stack([np.asarray(actions[agent]).reshape(self.num_envs) for agent in self.possible_agents])
        rewards, rejected = self.episode.act(a)
        engine = self.episode._engine()
        done = np.full(self.num_envs, engine.finished)
        infos = self._infos()
        for row, agent in enumerate(self.possible_agents):
            if rejected[row].any():
                infos[agent]["rejected"] = rejected[row]
        out = (
            self._observations(),
            {agent: rewards[row] for row, agent in enumerate(self.possible_agents)},
            {agent: np.zeros(self.num_envs, dtype=bool) for agent in self.possible_agents},
            {agent: done.copy() for agent in self.possible_agents},
            infos,
        )
        if engine.finished:
            self.agents = []
        return out

    def action_masks(self) -> dict[str, np.ndarray]:
        """(num_envs, M) bool masks by agent."""
        masks = self.episode.masks()
        return {agent: masks[row] for row, agent in enumerate(self.possible_agents)}

    def _observations(self) -> dict[str, np.ndarray]:
        obs = self.episode.observations()
        return {agent: obs[row] for row, agent in enumerate(self.possible_agents)}

    def _infos(self) -> dict[str, dict[str, Any]]:
        masks = self.episode.masks().astype(np.int8)
        return {agent: {"action_mask": masks[row]} for row, agent in enumerate(self.possible_agents)}
