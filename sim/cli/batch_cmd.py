"""`batch`: seeded Monte Carlo runs and parameter sweeps into a resumable Parquet results folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.atomic import WriteError
from sim.cli.common import (
    QUIET,
    VERBOSE,
    CliError,
    CliUsageError,
    InterruptError,
    add_engine_option,
    add_humans_option,
    add_verbosity,
    human_seats,
    humans_note,
    positive_int,
    program,
    resolve_scenario,
    seed_int,
    shield_from_interrupts,
)

EPILOG = """examples:
  python run.py batch medvedev_visit_2015 --runs 1000 --seed 1 --out results/base --trajectories
  python run.py batch medvedev_visit_2015 --runs 200 --sweep actors.russia.policy.tau=0.05,0.15,0.5 \\
      --sweep sanctions.us.russia=0:1:5 --out results/tau-x-sanctions
  python run.py batch --resume --out results/base          # finish a stopped batch
  python run.py batch --plan results/base/plan.json --out results/again   # replay a batch exactly
  python run.py report results/base                          # plots and report.html"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "batch",
        help="run many seeded runs (Monte Carlo, sweeps) into a results folder",
        description="Run a scenario many times with seeds from one root seed, over a grid of parameter "
        "values, and store one row per run (and per round with --trajectories) as Parquet parts in "
        "--out. A stopped batch resumes with --resume; the same plan gives the same rows on any executor.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", nargs="?", help="a scenario file or library name (omit with --resume or --plan)")
    p.add_argument(
        "--runs", type=positive_int, help="seeds per sweep point (default: the scenario's sweep.runs, or 100)"
    )
    p.add_argument("--seed", type=seed_int, help="root seed of the plan (drawn and recorded when omitted)")
    p.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="PATH=VALUES",
        help="vary a scenario value: a,b,c or low:high:steps; several form a grid "
        "(default: the scenario's sweep: section)",
    )
    p.add_argument(
        "--sweep-together",
        action="append",
        default=[],
        metavar="PATH,PATH=VALUES",
        help="vary several values together (one axis of the grid), e.g. sanctions.us.russia,sanctions.eu.russia=0:1:5",
    )
    p.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", help="fix a scenario value for every run"
    )
    p.add_argument("--rounds", type=positive_int, help="rounds per run (default: the scenario's)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int, help="local worker processes (default: every core; 1 = serial)")
    where.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--dask-local", type=positive_int, metavar="W", help="start a local Dask cluster of W workers")
    p.add_argument(
        "--dask-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="with --dask/--dask-local: stop (keeping finished runs) when no worker is left for this long",
    )
    p.add_argument("--out", type=Path, required=True, help="results folder (created; holds one plan)")
    p.add_argument("--resume", action="store_true", help="complete the plan already in --out, skipping finished runs")
    p.add_argument("--trajectories", action="store_true", help="also store one row per run and round")
    p.add_argument(
        "--until-ci",
        type=_width,
        metavar="WIDTH",
        help="add seeds until every outcome share's 95 %% interval at every point is narrower than WIDTH "
        "(or, with --ci-metric, the interval of that metric's mean)",
    )
    p.add_argument(
        "--ci-metric",
        metavar="METRIC",
        help="the metric --until-ci targets: a summary column such as alignment.cambodia.russia or gdp.russia, "
        "or outcome=LABEL (default: every outcome share)",
    )
    p.add_argument("--plan", type=Path, metavar="PLAN_JSON", help="replay the plan of an earlier batch")
    add_humans_option(p)
    p.add_argument("--chunk-size", type=positive_int, metavar="N", help="runs per task (default: automatic)")
    add_engine_option(p, "each chunk's runs (vector: a point's runs of a chunk at once)")
    p.add_argument(
        "--progress",
        choices=("auto", "bar", "lines", "none"),
        default="auto",
        help="progress display (default: a bar on a terminal, periodic lines otherwise)",
    )
    add_verbosity(
        p,
        quiet="print only the one-line result and errors (no progress, notes or table)",
        verbose="progress lines every 2 s, and every failed run's error and replay command (not only 5)",
    )
    p.set_defaults(handler=handle)


_PLAN_OPTIONS = {
    "--seed": "seed",
    "--sweep": "sweep",
    "--sweep-together": "sweep_together",
    "--set": "set",
    "--rounds": "rounds",
    "--trajectories": "trajectories",
}


def _given(value: object) -> bool:
    """An option the user gave (0 is a seed; False and [] are the defaults of flags and lists)."""
    return value is not None and value is not False and value != []


def _width(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1 (got {text!r})") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, e.g. 0.1 (got {text})")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds (got {text!r})") from None
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1,000,000 seconds (got {text})")
    return value


def handle(args: argparse.Namespace) -> int:
    from sim.batch.engine import base_setup, draw_seed, execute, plan_batch, plan_warnings
    from sim.batch.engines import EngineError, choose_engine
    from sim.batch.executors import WorkersGoneError, make_executor
    from sim.batch.progress import make_progress
    from sim.batch.store import PLAN_FILE, BatchError, ResultStore, command_line, read_plan

    if args.ci_metric is not None and args.until_ci is None:
        raise CliUsageError("batch: --ci-metric says which interval --until-ci narrows: give --until-ci WIDTH too")
    if args.plan is not None and args.scenario is not None:
        raise CliUsageError("batch: give a SCENARIO or --plan PLAN_JSON, not both")
    if args.scenario is None:
        given = [flag for flag, name in _PLAN_OPTIONS.items() if _given(getattr(args, name))]
        if given:
            raise CliUsageError(
                f"batch: {', '.join(given)} cannot change a plan that is replayed or resumed without a SCENARIO "
                f"(it defines them); give the SCENARIO to compare, or drop {given[0]}"
            )
    store: Any = None  # the results folder once claimed (to say what a stopped batch kept)
    note = _printer(args.verbosity > QUIET)
    try:
        existing = read_plan(args.out) if args.resume and (args.out / PLAN_FILE).exists() else None
        if args.plan is not None:
            plan = read_plan(args.plan)
            if args.runs is not None:
                plan.runs = [args.runs] * plan.n_points
        elif args.scenario is None:
            if existing is None:
                raise CliUsageError(
                    "batch: give a SCENARIO (or --resume an --out folder that holds a batch, or --plan PLAN_JSON)"
                )
            plan = existing
            if args.runs is not None:
                plan.runs = [args.runs] * plan.n_points  # the folder keeps any point that already has more
        else:
            seed = args.seed
            if seed is None:
                seed = existing.seed if existing is not None else draw_seed()
                if existing is None:
                    note(f"seed: {seed} (repeat this batch with --seed {seed})")
            plan = plan_batch(
                resolve_scenario(args.scenario),
                seed=seed,
                runs=args.runs,
                sweep=args.sweep,
                overrides=[*args.set, *_seat_humans(args)],
                rounds=args.rounds,
                trajectories=args.trajectories,
                source=args.scenario,
                sweep_together=args.sweep_together,
            )
        for warning in plan_warnings(plan):
            print(f"warning: {warning}", file=sys.stderr)
        try:
            choice = choose_engine(args.engine, [base_setup(plan)])
        except EngineError as exc:
            raise CliError(str(exc)) from None
        if choice.note is not None:
            print(choice.note, file=sys.stderr)
        runs_given = args.runs is not None
        ResultStore.check(args.out, plan, resume=args.resume, runs_given=runs_given)  # before any slow start-up
        # Claim the folder before any slow start-up: a second writer is refused at once, naming the first.
        store = ResultStore.open(args.out, plan, resume=args.resume, runs_given=runs_given, command=command_line())
        for text in store.notes:
            note(f"note: {text}")
        points = f"{plan.n_points} points x " if plan.n_points > 1 else ""
        seeds = f"{plan.runs[0]} seeds" if len(set(plan.runs)) == 1 else "seeds per point as planned"
        note(
            f"plan: {plan.scenario.id} ({plan.scenario.hash[:12]}), {points}{seeds} = {plan.total_runs} runs, "
            f"root seed {plan.seed}; results in {args.out}"
        )
        with store, make_executor(args.workers, args.dask, args.dask_local, timeout=args.dask_timeout) as executor:
            note(f"executor: {executor.describe()}")
            mode = "none" if args.verbosity == QUIET else args.progress
            outcome = execute(
                store,
                executor,
                progress=make_progress(mode, interval=2.0 if args.verbosity == VERBOSE else 10.0),
                chunk_size=args.chunk_size,
                until_ci=args.until_ci,
                command=command_line(),
                until_ci_metric=args.ci_metric,
                engine=choice.engine,
            )
    except WorkersGoneError as exc:
        raise CliError(f"{exc}; {_kept(store, args.out)}") from None
    except BatchError as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        shield_from_interrupts()  # the workers are already stopped (the executor's exit); nothing is half-written
        raise InterruptError(f"batch stopped; {_kept(store, args.out)}") from None
    except WriteError as exc:
        raise CliError(f"{exc}; {_kept(store, args.out)}") from None
    if args.verbosity > QUIET:
        sys.stdout.write(outcome.tally.text())
        if outcome.until_ci:
            print(outcome.until_ci)
    if outcome.restarts:
        note(f"note: {outcome.restarts} chunk(s) were sent again after a worker died")
    if outcome.failed:
        _show_failures(args.out, outcome.failed, limit=None if args.verbosity == VERBOSE else 5)
    print(
        f"results: {args.out} ({outcome.tally.finished} runs, {outcome.failed} failed); "
        f"plots: {program()} report {args.out}",
        file=sys.stderr,
    )
    return 0


def _seat_humans(args: argparse.Namespace) -> list[str]:
    """``--set actors.X.controller=ai`` for each human seat under ``--humans ai`` (the plan records it)."""
    from sim.scenario import load_scenario

    given = {text.partition("=")[0].strip() for text in args.set}
    seats = [
        a
        for a in human_seats(load_scenario(resolve_scenario(args.scenario)).actors)
        if f"actors.{a}.controller" not in given
    ]
    note = humans_note("batch", seats, args.humans)
    if note:
        print(note, file=sys.stderr)
    return [f"actors.{a}.controller=ai" for a in seats] if args.humans == "ai" else []


def _kept(store: Any, folder: Path) -> str:
    """What a stopped batch keeps, and the command that completes it."""
    resume = f"{program()} batch --resume --out {folder}"
    if store is None:
        return f"no runs had started; start again, or resume with: {resume}"
    try:
        finished = int(sum(d.sum() for d in store.finished()))
    except Exception:  # an unreadable folder must not hide why the batch stopped
        return f"finished runs are kept in {folder}; complete them with: {resume}"
    return f"{finished} of {store.plan.total_runs} runs finished and kept in {folder}; complete them with: {resume}"


def _printer(enabled: bool) -> Any:
    """print to stderr, or nothing (--quiet)."""

    def note(text: str) -> None:
        if enabled:
            print(text, file=sys.stderr)

    return note


def _show_failures(folder: Path, count: int, limit: int | None = 5) -> None:
    from sim.batch.store import iter_parts

    limit = count if limit is None else limit
    shown = 0
    print(f"{count} run(s) failed; each is a row with status 'failed', its error and a command to replay it:")
    for part in iter_parts(folder, "summaries", ["status", "error", "reproduce"]):
        for status, error, command in zip(
            *(part.column(c).to_pylist() for c in ("status", "error", "reproduce")), strict=True
        ):
            if status != "ok" and shown < limit:
                print(f"  {error}\n    {command}")
                shown += 1
        if shown >= limit:
            break
