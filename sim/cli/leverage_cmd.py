"""`leverage`: is my scenario a game? An actor's score under pass, random, its AI and the best policy found."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING, Any

from sim.cli.common import (
    CliError,
    CliUsageError,
    add_engine_option,
    add_humans_option,
    positive_int,
    resolve_scenario,
    seat_humans,
    seed_int,
)
from sim.cli.run_cmd import MAX_ROUNDS

if TYPE_CHECKING:
    from sim.batch.leverage import LeverageResult

DEFAULT_RUNS = 30
MAX_RUNS = 10_000

ABOUT = {
    "pass": "always pass, answer nothing",
    "random": "random legal moves and answers",
    "ai": "the actor's own AI",
    "best": "best policy the search found",
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "leverage",
        help="is the scenario a game? an actor's score under pass, random, its AI and the best policy found",
        description="Play ACTOR with four policies over the same seeds and print its objective score (0..100) "
        "under each: pass (always pass), random (random legal moves), ai (its own AI) and best (the best "
        "policy a cross-entropy search finds on separate training seeds, chosen among its restarts on fresh "
        "validation seeds). If best is not well above pass, "
        "the player's choices hardly matter in this scenario.",
    )
    p.add_argument("scenario", help="a scenario file, or a library name such as medvedev_visit_2015")
    p.add_argument("--as", dest="actor", metavar="ACTOR", required=True, help="the playable actor to score")
    p.add_argument(
        "--runs", type=positive_int, default=DEFAULT_RUNS, help=f"evaluation seeds per policy (default {DEFAULT_RUNS})"
    )
    p.add_argument(
        "--seed", type=seed_int, default=0, help="root seed; run k uses child k of SeedSequence(seed), as in batch"
    )
    p.add_argument("--rounds", type=positive_int, help=f"rounds per game (1..{MAX_ROUNDS}; default: the scenario's)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--workers", type=positive_int, help="worker processes (default: every core; fewer for a small job)")
    add_humans_option(p)
    add_engine_option(p, "the games")
    search = p.add_argument_group(
        "the search for best (default: 3 restarts x 12 iterations x 32 policies x 12 training seeds; "
        "finalists chosen on 16 validation seeds)"
    )
    search.add_argument("--iterations", type=seed_int, metavar="I", help="cross-entropy iterations (0: no search)")
    search.add_argument("--population", type=positive_int, metavar="P", help="policies tried per iteration")
    search.add_argument("--training-runs", type=positive_int, metavar="T", help="training seeds each policy plays")
    search.add_argument("--restarts", type=positive_int, metavar="K", help="independent searches (default 3)")
    search.add_argument(
        "--validation-runs",
        type=seed_int,
        metavar="V",
        help="fresh seeds on which the searches' finalists and the baselines are replayed to choose best (0: none)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.batch.engines import EngineError, choose_engine
    from sim.batch.executors import available_cores, make_executor
    from sim.batch.leverage import SearchBudget, leverage
    from sim.batch.store import BatchError
    from sim.runs import with_rounds
    from sim.scenario import build_setup, load_scenario

    if args.runs < 2:
        raise CliUsageError(f"leverage: --runs must be >= 2 for a 95 % interval (got {args.runs})")
    if args.runs > MAX_RUNS:
        raise CliUsageError(f"leverage: --runs must be <= {MAX_RUNS} (got {args.runs})")
    if args.rounds is not None and args.rounds > MAX_ROUNDS:
        raise CliUsageError(f"leverage: --rounds must be <= {MAX_ROUNDS} (got {args.rounds})")
    path = resolve_scenario(args.scenario)
    scenario = load_scenario(path)
    setup = seat_humans(build_setup(scenario), "leverage", args.humans)
    playable = [a.id for a in setup.actors if a.playable]
    if args.actor not in setup.actor_ids:
        raise CliUsageError(
            f"leverage: --as {args.actor}: no such actor in {setup.scenario_id}; "
            f"choose a playable one: {', '.join(playable) or '(none)'}"
        )
    if args.actor not in playable:
        raise CliUsageError(
            f"leverage: --as {args.actor}: {args.actor} is not playable in {setup.scenario_id} "
            f"(it has no objectives to score); choose one of: {', '.join(playable) or '(none)'}"
        )
    if args.rounds is not None:
        setup = with_rounds(setup, args.rounds, scenario.calendar.start)
    default = SearchBudget()
    budget = SearchBudget(
        iterations=default.iterations if args.iterations is None else args.iterations,
        population=args.population or default.population,
        training_runs=args.training_runs or default.training_runs,
        restarts=args.restarts or default.restarts,
        validation_runs=default.validation_runs if args.validation_runs is None else args.validation_runs,
    )
    print(
        f"leverage {setup.scenario_id} as {args.actor}: searching for best ({budget.games} training games), "
        f"then {4 * args.runs} evaluation games",
        file=sys.stderr,
    )
    try:
        choice = choose_engine(args.engine, [setup], external=(setup.index(args.actor),))
    except EngineError as exc:
        raise CliError(f"leverage: {exc}") from None
    if choice.note is not None:
        print(choice.note, file=sys.stderr)
    workers = args.workers or min(available_cores(), 1 + (budget.games + 4 * args.runs) // 100)
    try:
        with make_executor(workers) as executor:
            result = leverage(
                setup, args.actor, args.runs, args.seed, budget=budget, executor=executor, engine=choice.engine
            )
    except BatchError as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render(result))
    return 0


def render(result: LeverageResult) -> str:
    """The four policies as a table: mean score, sd and 95 % interval, and what the search chose."""
    lines = [
        f"{result.scenario} as {result.actor}: objective score (0..100) over {result.runs} seeds "
        f"(root seed {result.seed}, {result.rounds} rounds)",
        "",
        f"{'policy':<8} {'mean':>7} {'sd':>7}   {'95 % CI':<17} what it is",
    ]
    for name, scores in result.policies.items():
        low, high = scores.ci
        ci = f"[{low:6.1f}, {high:6.1f}]" if math.isfinite(low) else "[   -  ,    -  ]"
        lines.append(f"{name:<8} {scores.mean:7.1f} {scores.sd:7.1f}   {ci:<17} {ABOUT[name]}")
    s = result.search
    training = ", ".join(f"{k} {v:.1f}" for k, v in s.training.items() if math.isfinite(v))
    validation = ", ".join(f"{k} {v:.1f}" for k, v in s.validation.items() if math.isfinite(v))
    lines += [
        "",
        f"best: {'a searched softmax policy' if s.chosen == 'cem' else 'the ' + s.chosen + ' policy'} "
        f"(cross-entropy search, {s.budget.restarts} restarts x {s.budget.iterations} iterations x "
        f"{s.budget.population} policies x {s.budget.training_runs} training seeds; training means: {training}"
        f"{'; validation means: ' + validation if validation else ''})",
        f"leverage (best - pass): {result.policies['best'].mean - result.policies['pass'].mean:+.1f} points",
    ]
    return "\n".join(lines) + "\n"
