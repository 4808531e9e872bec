"""Is the scenario a game for an actor? Its objective score under pass, random, its AI and a searched best policy.

All four policies play the same evaluation seeds: run k is the batch's run k (child k of
``SeedSequence(seed)``, :func:`sim.batch.plan.run_seed`), and a policy's own dice come from a child of
that run's seed sequence, so no policy's draws move the model's. ``best`` is found by the cross-entropy
method (Rubinstein 1999; noisy CEM as in Szita & Lorincz 2006) over :class:`SoftmaxPolicy` parameters,
scored on separate training seeds (a branch of the same root that no batch run uses). The search also
scores pass, random and the AI on those training seeds and keeps whichever of the four is best there,
so ``best`` is never worse than the baselines on the training objective; it is then evaluated on the
evaluation seeds like the others, so its figure carries no selection bias.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from sim.batch.engines import EngineError, choose_engine
from sim.batch.executors import Executor, Lost, make_executor
from sim.batch.expectations import mean_interval
from sim.batch.plan import run_seed
from sim.batch.policies import Baseline, FeatureSpace, Policy, SoftmaxPolicy, play_game, play_games_vector
from sim.batch.store import BatchError
from sim.core import ModelSetup

POLICY_NAMES: tuple[str, ...] = ("pass", "random", "ai", "best")
POLICY_STREAM = 1  # a run's policy dice: SeedSequence(seed, spawn_key=(k, POLICY_STREAM)), beside the model's
TRAINING_BRANCH = 2**32 - 1  # training seeds: spawn keys (TRAINING_BRANCH, 0, k); the search's own dice: (.., 1)
RUNS_PER_TASK = 10  # a 12-round game takes ~70 ms: 10 keep a task's overhead small and the cores busy
VECTOR_GAMES_PER_TASK = 256  # the vector engine plays a task's games at once; its cost per game is flat from ~50
LOST_TRIES = 3


@dataclass(frozen=True, slots=True)
class SearchBudget:
    """How hard the search for ``best`` works: restarts x iterations x population x training runs games.

    The default (3 x 12 x 32 x 12 = 13,824 games, plus 36 for the baselines and 480 on the validation seeds)
    takes about a minute of CPU on the vector engine for the base scenario (about 15 min with ``--engine
    mesa``: use a smaller search there). One search of 10 x 32 x 8 chose its policy by its best training
    score and scored 30.3-33.3 over four root seeds (60 evaluation runs each): the top of ~2,500 noisy
    scores on 8 seeds is partly luck, and one of the four searches settled in a poorer basin. Three
    independent searches on 12 training seeds, with their finalists replayed on 16 fresh seeds, scored
    34.0-37.0 on the same evaluation runs (measured 2026-11-30, ``run.py leverage medvedev_visit_2015 --as
    cambodia --runs 60 --seed S``). Two phases of the game and a slope on the actor's domestic threat let
    the policy time its moves. Initial spread 2 logits: a feature two standard deviations up is ~50 times
    as likely as an average one, enough to try near-deterministic policies in the first round.
    """

    iterations: int = 12
    population: int = 32
    training_runs: int = 12
    elite: int = 4
    phases: int = 2
    initial_sd: float = 2.0
    noise_sd: float = 0.25  # added to the elite's spread each iteration so the search never freezes early
    restarts: int = 3  # independent searches from the uniform policy (a search can settle in a poor basin)
    finalists: int = 8  # each search's best candidates on the training seeds, replayed on the validation seeds
    validation_runs: int = 16  # fresh seeds that choose among the finalists and the baselines

    @property
    def games(self) -> int:
        searched = self.restarts * self.iterations * self.population * self.training_runs + 3 * self.training_runs
        return searched + (self.restarts * (self.finalists + 1) + 3) * self.validation_runs


@dataclass(frozen=True, slots=True)
class PolicyScores:
    """One policy's objective score in each evaluation run, in seed order."""

    scores: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def sd(self) -> float:
        return float(np.std(self.scores, ddof=1)) if len(self.scores) > 1 else 0.0

    @property
    def ci(self) -> tuple[float, float]:
        """95 % t interval of the mean, within the score's range 0..100 (a t interval can overshoot it)."""
        _, low, high = mean_interval(self.scores)
        return max(low, 0.0), min(high, 100.0)


@dataclass(frozen=True, slots=True)
class SearchReport:
    """What the search found: the chosen policy's origin and each candidate's mean training score."""

    chosen: str  # "cem", or the baseline that no searched policy beat on the validation seeds
    training: dict[str, float]  # pass, random, ai and cem: mean score on the training seeds
    progress: tuple[float, ...]  # the best training score after each iteration
    budget: SearchBudget
    policy: Policy = field(repr=False)
    validation: dict[str, float] = field(default_factory=dict)  # the same, on the validation seeds


@dataclass(frozen=True, slots=True)
class LeverageResult:
    """Each policy's scores over the same evaluation seeds, and how ``best`` was found."""

    scenario: str
    actor: str
    runs: int
    seed: int
    rounds: int
    policies: dict[str, PolicyScores]
    search: SearchReport

    def to_json(self) -> dict[str, Any]:
        def summary(p: PolicyScores) -> dict[str, Any]:
            low, high = p.ci
            return {"mean": round(p.mean, 4), "sd": round(p.sd, 4), "ci": [round(low, 4), round(high, 4)]}

        s = self.search
        return {
            "scenario": self.scenario,
            "actor": self.actor,
            "runs": self.runs,
            "policies": {name: summary(self.policies[name]) for name in POLICY_NAMES},
            "seed": self.seed,
            "rounds": self.rounds,
            "search": {
                "method": (
                    "cross-entropy over a softmax policy (one logit per action, target and round phase); "
                    "restarts, chosen on validation seeds"
                ),
                "chosen": s.chosen,
                "training_means": {k: round(v, 4) for k, v in s.training.items()},
                "validation_means": {k: round(v, 4) for k, v in s.validation.items()},
                "best_after_each_iteration": [round(v, 4) for v in s.progress],
                "restarts": s.budget.restarts,
                "iterations": s.budget.iterations,
                "population": s.budget.population,
                "training_runs": s.budget.training_runs,
                "finalists": s.budget.finalists,
                "validation_runs": s.budget.validation_runs,
                "phases": s.budget.phases,
            },
        }


# -- seeds ---------------------------------------------------------------------------------------------


def evaluation_seeds(seed: int, k: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """Evaluation run k: the batch's run-k seed for the model, and a child of it for the policy's dice."""
    return run_seed(seed, k), np.random.SeedSequence(seed, spawn_key=(k, POLICY_STREAM))


def training_seeds(seed: int, k: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """Training run k: a branch of the root seed that no batch or evaluation run uses."""
    key = (TRAINING_BRANCH, 0, k)
    return np.random.SeedSequence(seed, spawn_key=key), np.random.SeedSequence(seed, spawn_key=(*key, POLICY_STREAM))


def validation_seeds(seed: int, k: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """Validation run k: another branch, used by neither training, nor evaluation, nor any batch."""
    key = (TRAINING_BRANCH, 2, k)
    return np.random.SeedSequence(seed, spawn_key=key), np.random.SeedSequence(seed, spawn_key=(*key, POLICY_STREAM))


# -- playing many games on an executor -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GamesTask:
    """Games for one actor on a list of (model, policy) seed pairs; returns their scores. ``policy`` is one
    policy for every game or a tuple of one per game; ``engine="vector"`` plays the games at once."""

    label: str
    setup: ModelSetup
    actor: int
    policy: Policy | tuple[Policy, ...]
    seeds: tuple[tuple[np.random.SeedSequence, np.random.SeedSequence], ...]
    engine: str = "mesa"

    @property
    def name(self) -> str:
        return self.label

    def play(self) -> list[float]:
        policies = self.policy if isinstance(self.policy, tuple) else (self.policy,) * len(self.seeds)
        if self.engine == "vector":
            return play_games_vector(self.setup, self.actor, policies, self.seeds)
        return [
            play_game(self.setup, self.actor, p, run, dice) for p, (run, dice) in zip(policies, self.seeds, strict=True)
        ]


def play_tasks(tasks: Sequence[GamesTask], executor: Executor) -> list[list[float]]:
    """Every task's scores, in task order, whichever order the executor finishes them in."""
    position = {task.name: n for n, task in enumerate(tasks)}
    if len(position) != len(tasks):
        raise ValueError("task names must be unique")
    results: list[list[float] | None] = [None] * len(tasks)
    lost: dict[str, int] = {}
    for task in tasks:
        executor.submit(task)
    while executor.in_flight:
        for done, returned in executor.wait():
            task = cast(GamesTask, done)
            if isinstance(returned, Lost):
                lost[task.name] = lost.get(task.name, 0) + 1
                if lost[task.name] >= LOST_TRIES:
                    raise BatchError(f"{task.name}: {returned.reason} ({LOST_TRIES} times); giving up")
                executor.submit(task)
                continue
            results[position[task.name]] = returned
    return [r if r is not None else [] for r in results]


# -- the search ----------------------------------------------------------------------------------------


def search_best(
    setup: ModelSetup, actor: int, seed: int, budget: SearchBudget, executor: Executor, engine: str = "mesa"
) -> SearchReport:
    """The best policy the cross-entropy method finds (or a baseline that beats it on fresh seeds).

    Every candidate of an iteration plays the same training seeds (common random numbers), so candidates
    are compared on the same luck. The mean of each iteration's population is one of its candidates. The
    ``finalists`` best candidates of each restart on the training seeds, and each restart's final mean, are
    then replayed on separate validation seeds with the three baselines, and the best there is chosen: the top
    of a few thousand noisy training scores is partly luck (the winner's curse), which fresh seeds do not
    share. On the vector engine an iteration's candidates play their games together.
    """
    space = FeatureSpace.of(setup, actor, budget.phases)
    seeds = tuple(training_seeds(seed, k) for k in range(budget.training_runs))
    baselines: tuple[Baseline, ...] = ("pass", "random", "ai")
    base_scores = play_tasks([GamesTask(f"train-{b}", setup, actor, b, seeds, engine) for b in baselines], executor)
    training: dict[str, float] = {b: float(np.mean(s)) for b, s in zip(baselines, base_scores, strict=True)}
    checks = tuple(validation_seeds(seed, k) for k in range(budget.validation_runs))
    finalists: list[tuple[float, int, np.ndarray]] = []  # (training score, order scored, theta)
    per_iteration: list[float] = []  # the best training score of each iteration, restart after restart
    for restart in range(budget.restarts):
        found, final_mean = _cross_entropy(setup, actor, space, seeds, seed, restart, budget, executor, engine)
        if found:
            scores = np.array([v for v, _, _ in found]).reshape(budget.iterations, budget.population)
            per_iteration += scores.max(axis=1).tolist()
        found.sort(key=lambda c: (-c[0], c[1]))
        finalists.extend(found[: budget.finalists if checks else 1])
        if checks and found:  # where this search ended (its final mean, never scored on the training seeds)
            finalists.append((-math.inf, len(finalists), final_mean))
    progress = np.maximum.accumulate(per_iteration).tolist() if per_iteration else []
    training["cem"] = max((v for v, _, _ in finalists), default=-math.inf)
    searched = [SoftmaxPolicy(space, tuple(map(float, t))) for _, _, t in finalists]
    if checks:  # the finalists against the baselines on fresh seeds
        tasks = [GamesTask(f"validate-{b}", setup, actor, b, checks, engine) for b in baselines]
        means = [float(np.mean(g)) for g in play_tasks(tasks, executor)]
        means += list(map(float, _score_candidates("validate", setup, actor, searched, checks, executor, engine)))
    else:  # no validation seeds: each restart's best, chosen on the training seeds
        means = [training[b] for b in baselines] + [v for v, _, _ in finalists]
    judged: dict[str, float] = dict(zip(baselines, means, strict=False))
    searched_means = means[len(baselines) :]
    best = max(range(len(searched_means)), key=lambda n: (searched_means[n], -n), default=None)  # first of equals
    judged["cem"] = searched_means[best] if best is not None else -math.inf
    chosen = "pass"
    for name in ("random", "ai", "cem"):  # a later candidate must beat an earlier one outright to replace it
        if judged[name] > judged[chosen]:
            chosen = name
    policy: Policy = searched[best] if chosen == "cem" and best is not None else cast(Policy, chosen)
    validation = judged if checks else {}
    return SearchReport(chosen, training, tuple(progress), budget, policy, validation)


def _cross_entropy(
    setup: ModelSetup,
    actor: int,
    space: FeatureSpace,
    seeds: tuple[tuple[np.random.SeedSequence, np.random.SeedSequence], ...],
    seed: int,
    restart: int,
    budget: SearchBudget,
    executor: Executor,
    engine: str,
) -> tuple[list[tuple[float, int, np.ndarray]], np.ndarray]:
    """One cross-entropy search from the uniform policy: every candidate's training score, and the final mean.

    Each restart draws its candidates from its own dice, so restarts explore different basins."""
    dice = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(TRAINING_BRANCH, 1, restart)))
    mean = np.zeros(space.size)
    sd = np.full(space.size, budget.initial_sd)
    scored: list[tuple[float, int, np.ndarray]] = []
    elite = max(1, min(budget.elite, budget.population))
    for it in range(budget.iterations):
        thetas = mean + sd * dice.standard_normal((budget.population, space.size))
        thetas[0] = mean
        candidates = [SoftmaxPolicy(space, tuple(map(float, t))) for t in thetas]
        label = f"cem-{restart:02d}-{it:03d}"
        scores = _score_candidates(label, setup, actor, candidates, seeds, executor, engine)
        scored.extend((float(v), len(scored), t) for v, t in zip(scores, thetas, strict=True))
        order = np.argsort(-scores, kind="stable")[:elite]
        mean = thetas[order].mean(axis=0)
        sd = np.sqrt(thetas[order].var(axis=0) + budget.noise_sd**2)
    return scored, mean


def _score_candidates(
    label: str,
    setup: ModelSetup,
    actor: int,
    candidates: list[SoftmaxPolicy],
    seeds: tuple[tuple[np.random.SeedSequence, np.random.SeedSequence], ...],
    executor: Executor,
    engine: str,
) -> np.ndarray:
    """Each candidate's mean score over the training ``seeds``."""
    if engine != "vector":
        tasks = [GamesTask(f"{label}-{c:03d}", setup, actor, p, seeds, engine) for c, p in enumerate(candidates)]
        return np.array([np.mean(s) for s in play_tasks(tasks, executor)])
    # Many candidates' games in one vector batch; enough tasks to keep every worker busy.
    per_task = max(1, min(len(candidates), VECTOR_GAMES_PER_TASK // max(1, len(seeds))))
    per_task = min(per_task, -(-len(candidates) // max(1, executor.workers)))
    tasks = [
        GamesTask(
            f"{label}-{first:03d}",
            setup,
            actor,
            tuple(p for p in candidates[first : first + per_task] for _ in seeds),
            seeds * len(candidates[first : first + per_task]),
            engine,
        )
        for first in range(0, len(candidates), per_task)
    ]
    games = [score for chunk in play_tasks(tasks, executor) for score in chunk]
    return np.array([np.mean(games[c * len(seeds) : (c + 1) * len(seeds)]) for c in range(len(candidates))])


# -- evaluation ----------------------------------------------------------------------------------------


def evaluate(
    setup: ModelSetup,
    actor: int,
    policies: dict[str, Policy],
    runs: int,
    seed: int,
    executor: Executor,
    engine: str = "mesa",
) -> dict[str, PolicyScores]:
    """Each policy's scores on evaluation runs 0..runs-1 (all sent at once, so every worker stays busy)."""
    size = VECTOR_GAMES_PER_TASK if engine == "vector" else RUNS_PER_TASK
    tasks = [
        GamesTask(
            f"{name}-{first:06d}",
            setup,
            actor,
            policy,
            tuple(evaluation_seeds(seed, k) for k in range(first, min(runs, first + size))),
            engine,
        )
        for name, policy in policies.items()
        for first in range(0, runs, size)
    ]
    scores: dict[str, list[float]] = {name: [] for name in policies}
    for task, chunk in zip(tasks, play_tasks(tasks, executor), strict=True):
        scores[task.name.rsplit("-", 1)[0]].extend(chunk)
    return {name: PolicyScores(tuple(s)) for name, s in scores.items()}


def leverage(
    setup: ModelSetup,
    actor: str,
    runs: int,
    seed: int,
    *,
    budget: SearchBudget | None = None,
    executor: Executor | None = None,
    engine: str = "auto",
) -> LeverageResult:
    """Score ``actor`` under pass, random, its AI and the searched best policy over the same ``runs`` seeds.

    ``engine``: vector, mesa or auto (vector where the scenario allows it); both give the same scores."""
    if runs < 2:
        raise ValueError("leverage needs at least two runs for an interval")
    budget = budget or SearchBudget()
    i = setup.index(actor)
    try:
        engine = choose_engine(engine, [setup], external=(i,)).engine
    except EngineError as exc:
        raise BatchError(str(exc)) from None
    own = executor is None
    executor = executor or make_executor(workers=1)
    try:
        search = search_best(setup, i, seed, budget, executor, engine)
        policies: dict[str, Policy] = {"pass": "pass", "random": "random", "ai": "ai", "best": search.policy}
        scores = evaluate(setup, i, policies, runs, seed, executor, engine)
    finally:
        if own:
            executor.close()
    return LeverageResult(setup.scenario_id, actor, runs, seed, setup.rounds, scores, search)


__all__ = [
    "POLICY_NAMES",
    "LeverageResult",
    "PolicyScores",
    "SearchBudget",
    "SearchReport",
    "evaluate",
    "evaluation_seeds",
    "leverage",
    "play_tasks",
    "search_best",
    "training_seeds",
    "validation_seeds",
]
