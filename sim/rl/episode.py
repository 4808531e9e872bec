"""One run of a scenario driven by learning agents: their moves in; observations, masks, rewards and endings out.

Both environments (:mod:`sim.rl.parallel` and :mod:`sim.rl.single`) are thin faces over :class:`Episode`,
so they share the move list, the masks, the observations, the rewards and the rules below.

Rules of a step:
- Learners are the listed actors; the model treats them as ``human`` controllers and takes their moves
  through :meth:`AlignmentModel.submit`. Every other actor keeps its scenario controller (``ai`` or
  ``scripted``; a ``human`` one becomes ``ai``, since nobody else would move for it).
- ``moves_per_round`` k: a round spans up to k steps. In each step a learner picks one move (or pass);
  the round is played once every learner has passed or used its moves, or after the k-th step. A
  learner's moves in a round are at most ``min(k, actions_per_round)``; a move it already chose this
  round, and its opposite on the same target, are masked out. With the default k = 1 a step is a round.
- Masks are computed on the state the learners see; moves resolve in the model's seeded random order,
  so a move possible when chosen can still fail at resolution if an event or another actor's move
  changes the state first (the model records it as not applied; ``info["failed_moves"]`` lists it).
- A move outside the mask raises :class:`InvalidMoveError` (``invalid_action="raise"``, the default) or,
  with ``invalid_action="pass"``, is replaced by a pass, reported in ``info["rejected"]`` and charged
  ``invalid_penalty``. An index outside the move list is always a ``ValueError``.
- Rewards are paid when a round is played: the change of each learner's utility (``reward="utility"``) or
  of its objective score as a share 0..1 (``reward="objective"``), times ``reward_scale``.
- The episode terminates when an event ends the scenario and is truncated at the scenario's last round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core.model import AlignmentModel
from sim.core.setup import ModelSetup
from sim.errors import PivotMoveError
from sim.rl.moves import MoveList
from sim.rl.observations import observe

RewardKind = Literal["utility", "objective"]
InvalidAction = Literal["raise", "pass"]
REWARD_KINDS: tuple[str, ...] = ("utility", "objective")
INVALID_ACTIONS: tuple[str, ...] = ("raise", "pass")


class InvalidMoveError(PivotMoveError):
    """A learner chose a move its action mask marks as impossible now."""

    def __init__(self, agent: str, move: int, label: str, reason: str, round_number: int) -> None:
        self.agent, self.move, self.label, self.reason = agent, move, label, reason
        super().__init__(
            f"{agent}: move {move} ({label}) is not possible in round {round_number + 1}: {reason}; "
            f"possible moves are marked 1 in the action mask"
        )


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one step produced for the learners (arrays in learner order)."""

    rewards: np.ndarray  # (L,) float
    terminated: bool
    truncated: bool
    round_played: bool
    rejected: tuple[str | None, ...]  # per learner: why its move was replaced by a pass (invalid_action="pass")
    failed: tuple[tuple[str, ...], ...]  # per learner: labels of its moves that failed at resolution


class Episode:
    """A scenario run with some actors played by learners (see the module docstring for the rules)."""

    def __init__(
        self,
        setup: ModelSetup,
        learners: tuple[int, ...],
        *,
        reward: RewardKind = "utility",
        reward_scale: float = 1.0,
        moves_per_round: int | Literal["scenario"] = 1,
        invalid_action: InvalidAction = "raise",
        invalid_penalty: float = 0.0,
    ) -> None:
        if reward not in REWARD_KINDS:
            raise ValueError(f"reward must be one of {', '.join(REWARD_KINDS)} (got {reward!r})")
        if invalid_action not in INVALID_ACTIONS:
            raise ValueError(f"invalid_action must be one of {', '.join(INVALID_ACTIONS)} (got {invalid_action!r})")
        if not learners:
            raise ValueError("at least one learner is needed")
        ids = setup.actor_ids
        if reward == "objective":
            owners = {getattr(o, "actor", None) for o in setup.objectives}
            missing = [ids[i] for i in learners if i not in owners]
            if missing:
                raise ValueError(
                    f"reward='objective' needs objectives for every learner; scenario {setup.scenario_id} has none "
                    f"for {', '.join(missing)} (use reward='utility', or add objectives to the scenario)"
                )
        if moves_per_round == "scenario":
            moves_per_round = max(1, int(setup.actions_per_round[list(learners)].max()))
        if not isinstance(moves_per_round, int) or isinstance(moves_per_round, bool) or moves_per_round < 1:
            raise ValueError(f"moves_per_round must be a whole number >= 1 or 'scenario' (got {moves_per_round!r})")
        self.setup = setup
        self.learners = learners
        self.learner_ids = tuple(ids[i] for i in learners)
        self.reward_kind = reward
        self.reward_scale = float(reward_scale)
        self.moves_per_round = moves_per_round
        self.invalid_action = invalid_action
        self.invalid_penalty = float(invalid_penalty)
        self.moves = MoveList(setup)
        self._rows = np.array(learners, dtype=np.intp)
        self.model: AlignmentModel | None = None
        # The round in progress (reset by _new_round): moves chosen so far, passes, budgets, masks.
        self._sub_step = 0
        self._chosen: list[list[int]] = []
        self._counts = np.zeros(len(learners), dtype=np.intp)
        self._passed = np.zeros(len(learners), dtype=bool)
        self._budget = np.zeros(len(learners), dtype=np.intp)
        self._base = np.zeros((len(learners), self.moves.size), dtype=bool)
        self._masks: np.ndarray | None = None
        self._score = np.zeros(len(learners))

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self, seed: int | np.random.SeedSequence | None) -> None:
        """Begin a new run of the scenario with this seed (the model's only source of randomness)."""
        model = AlignmentModel(self.setup, rng=seed, collect=False)
        learners = set(self.learners)
        for country in model.countries:
            if country.index in learners:
                model.set_controller(country.index, "human")
            elif country.controller == "human":
                model.set_controller(country.index, "ai")
        self.model = model
        self._new_round()
        self._score = self._scores()

    @property
    def started(self) -> bool:
        return self.model is not None

    @property
    def finished(self) -> bool:
        return self.model is not None and self.model.finished

    # -- what learners see ------------------------------------------------------------------------

    def masks(self) -> np.ndarray:
        """(L, M) int8: the moves each learner may choose in this step (a new array on every call)."""
        if self._masks is None:
            mask = self._base.copy()
            closed = self._passed | (self._counts >= self._budget)
            mask[closed, 1:] = False
            for row, chosen in enumerate(self._chosen):
                if chosen:
                    mask[row] &= ~self.moves.excludes[chosen].any(axis=0)
            self._masks = mask.astype(np.int8)
        return self._masks.copy()

    def observations(self) -> np.ndarray:
        """(N, F) float32 for every actor (learners' rows are their observations; all rows form the state)."""
        model = self._model()
        left = np.zeros(self.setup.n_actors)
        open_moves = np.where(self._passed, 0, self._budget - self._counts)
        left[self._rows] = np.clip(open_moves / self.moves_per_round, 0.0, 1.0)
        return observe(model.history[-1], model.round / max(self.setup.rounds, 1), left)

    # -- a step -----------------------------------------------------------------------------------

    def act(self, choices: Sequence[object]) -> StepOutcome:
        """Take one move index per learner (learner order); play the round when every learner is done."""
        model = self._model()
        if model.finished:
            raise RuntimeError("the episode is over; call reset() to start a new one")
        masks = self.masks()
        rejected: list[str | None] = [None] * len(self.learners)
        penalties = np.zeros(len(self.learners))
        moves = [self._index(row, choice) for row, choice in enumerate(choices)]
        # Check every learner's move before changing anything, so a raised error leaves the step untaken.
        for row, move in enumerate(moves):
            if masks[row, move]:
                continue
            reason = self._why_not(row, move)
            if self.invalid_action == "raise":
                raise InvalidMoveError(self.learner_ids[row], move, self.moves.labels[move], reason, model.round)
            rejected[row] = f"move {move} ({self.moves.labels[move]}) replaced by pass: {reason}"
            penalties[row] = self.invalid_penalty
            moves[row] = 0
        for row, move in enumerate(moves):
            if move == 0:
                self._passed[row] = True
            else:
                self._chosen[row].append(move)
                self._counts[row] += 1
        self._sub_step += 1
        self._masks = None
        done = bool(np.all(self._passed | (self._counts >= self._budget)))
        if not done and self._sub_step < self.moves_per_round:
            return StepOutcome(-penalties, False, False, False, tuple(rejected), ((),) * len(self.learners))
        failed = self._play_round()
        score = self._scores()
        rewards = (score - self._score) * self.reward_scale - penalties
        self._score = score
        terminated = model.ended is not None
        truncated = not terminated and model.round >= self.setup.rounds
        return StepOutcome(rewards, terminated, truncated, True, tuple(rejected), failed)

    # -- internals --------------------------------------------------------------------------------

    def _model(self) -> AlignmentModel:
        if self.model is None:
            raise RuntimeError("call reset() before using the environment")
        return self.model

    def _index(self, row: int, choice: object) -> int:
        size = self.moves.size
        if isinstance(choice, np.ndarray) and choice.shape == ():
            choice = choice.item()
        if isinstance(choice, bool) or not isinstance(choice, int | np.integer) or not 0 <= int(choice) < size:
            raise ValueError(f"{self.learner_ids[row]}: action must be a move index 0..{size - 1} (got {choice!r})")
        return int(choice)

    def _why_not(self, row: int, move: int) -> str:
        if self._passed[row]:
            return "it already passed this round"
        if self._counts[row] >= self._budget[row]:
            return f"it has used its {int(self._budget[row])} move(s) this round"
        if self._chosen[row] and self.moves.excludes[self._chosen[row], move].any():
            return "it already chose this move, or one that undoes it, this round"
        return self.moves.why_not(self._model().world, self.learners[row], move)

    def _new_round(self) -> None:
        model = self._model()
        n_learners = len(self.learners)
        self._sub_step = 0
        self._chosen = [[] for _ in range(n_learners)]
        self._counts = np.zeros(n_learners, dtype=np.intp)
        self._passed = np.zeros(n_learners, dtype=bool)
        self._budget = np.minimum(model.policy.actions_per_round[self._rows], self.moves_per_round).astype(np.intp)
        self._base = self.moves.masks(model.world)[self._rows]
        self._masks = None

    def _play_round(self) -> tuple[tuple[str, ...], ...]:
        model = self._model()
        entries = self.moves.entries
        for row, actor in enumerate(self.learners):
            # Proposals to a learner are answered by the AI's rule for it (documented in docs/rl.md).
            model.submit(actor, [entries[k].order() for k in self._chosen[row]], model.recommended_answers(actor))
        model.step()
        record = model.history[-1]
        failed = tuple(
            tuple(
                self.moves.labels[self.moves.index(m.action, m.target, m.sector, m.ask)]
                for m in record.moves
                if m.actor == actor and m.source == "human" and not m.applied
            )
            for actor in self.learners
        )
        self._new_round()
        return failed

    def _scores(self) -> np.ndarray:
        model = self._model()
        if self.reward_kind == "utility":
            return model.history[-1].utility[self._rows].astype(float)
        return np.array([model.objective_report(i).score / 100.0 for i in self.learners])
