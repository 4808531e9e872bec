"""`check`: run a scenario's seeds and test each `expect:` statement, printing its observed value and 95 % interval."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.cli.common import (
    QUIET,
    VERBOSE,
    CliError,
    add_engine_option,
    add_humans_option,
    add_verbosity,
    positive_int,
    resolve_scenario,
    seat_humans,
    seed_int,
)

DEFAULT_RUNS = 100


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check",
        help="test a scenario's expected outcomes (its expect: section) over many seeds",
        description="Run the scenario with many seeds (and its base scenario with the same seeds, when an "
        "expectation compares with it), print each expectation with its observed value and 95 %% "
        "interval, and exit 1 if any is not shown. An expectation passes when its whole interval "
        "satisfies it. The runs are played by the batch runner (every core by default, or Dask), on the vector "
        "engine where the scenario allows it.",
    )
    p.add_argument("scenario", help="a scenario file, or a library name such as debt_cancellation")
    p.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS, help=f"seeds to run (default {DEFAULT_RUNS})")
    p.add_argument(
        "--seed", type=seed_int, default=0, help="root seed; run k uses child k of SeedSequence(seed), as in batch"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=positive_int, help="local worker processes (default: serial up to 100 runs, else every core)"
    )
    where.add_argument("--dask", metavar="ADDRESS", help="play the runs on a Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--dask-local", type=positive_int, metavar="W", help="start a local Dask cluster of W workers")
    p.add_argument(
        "--progress",
        choices=("auto", "bar", "lines", "none"),
        default="auto",
        help="progress display on stderr (default: a bar on a terminal, periodic lines otherwise)",
    )
    add_verbosity(
        p,
        quiet="print only the expectations not shown and the verdict line (no progress)",
        verbose="also say how many runs and seeds each verdict rests on, with progress lines every 2 s",
    )
    add_humans_option(p)
    add_engine_option(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.batch.engines import EngineError, choose_engine
    from sim.batch.executors import available_cores, make_executor
    from sim.batch.expectations import check_report, comparison_base
    from sim.batch.measure import default_workers
    from sim.batch.progress import make_progress
    from sim.batch.store import BatchError
    from sim.scenario.calibration import calibrated_setup
    from sim.scenario.loader import load_document, validate_document

    path = resolve_scenario(args.scenario)
    document = load_document(path)
    scenario = validate_document(document)
    if not scenario.expect:
        print(f"{path}: no expectations to check (add an expect: section; see docs/scenario-authoring.md)")
        return 0
    setup = seat_humans(calibrated_setup(scenario, document), "check", args.humans)
    base = comparison_base(scenario, document)
    base_setup = None if base is None else seat_humans(base.setup, "check", args.humans, quiet=True)
    base_label = "" if base is None else f"; {base.label}"
    try:
        choice = choose_engine(args.engine, (setup, base_setup))
    except EngineError as exc:
        raise CliError(f"check: {exc}") from None
    if choice.note is not None:
        print(choice.note, file=sys.stderr)
    if args.verbosity > QUIET:
        seeds = f"seeds SeedSequence({args.seed}).spawn({args.runs})"
        print(f"check {scenario.meta.id}: {args.runs} runs, {seeds}{base_label}")
    sys.stdout.flush()
    mode = "none" if args.verbosity == QUIET else args.progress
    progress = make_progress(mode, label="check", interval=2.0 if args.verbosity == VERBOSE else 10.0)
    workers = args.workers
    if workers is None and args.dask is None and args.dask_local is None:
        workers = default_workers(args.runs, available_cores(), choice.engine)
    try:
        with make_executor(workers, args.dask, args.dask_local) as executor:
            report = check_report(
                scenario,
                setup,
                base_setup,
                args.runs,
                args.seed,
                executor=executor,
                progress=progress,
                engine=choice.engine,
            )
    except BatchError as exc:
        raise CliError(str(exc)) from None
    results = report.results
    for result in results:
        if args.verbosity > QUIET or not result.passed:
            print(format_result(result))
        if args.verbosity == VERBOSE:
            print(f"        {method(result)} over {result.runs} runs")
    for heading, rates in (
        ("events fired (share of runs, 95 % interval)", report.events),
        ("objectives met (share of runs, 95 % interval)", report.objectives),
    ):
        if rates and args.verbosity > QUIET:
            print(f"{heading}:")
            width = max(len(r.name) for r in rates)
            for r in rates:
                print(f"  {r.name:<{width}}  {r.share:.2f} [{r.low:.2f}, {r.high:.2f}]  {r.title}")
    failed = [r for r in results if not r.passed]
    noun = "expectation" if len(results) == 1 else "expectations"
    print(f"{len(results)} {noun}: {len(results) - len(failed)} shown, {len(failed)} not shown")
    return 1 if failed else 0


def format_result(result: Any) -> str:
    """One expectation as 'PASS id: statement: observed [95 % low, high] (detail)'."""
    e = result.expectation
    tag = {"pass": "PASS", "fail": "FAIL", "unsure": "FAIL"}[result.verdict]
    statement = describe(e)
    if e.is_share:
        value = f"{result.observed:.2f} of runs [95 % {result.low:.2f}, {result.high:.2f}]"
    elif e.against_base:
        value = (
            f"{result.observed:+.3f} vs base [95 % {result.low:+.3f}, {result.high:+.3f}] "
            f"(mean {result.scenario_mean:.3f}, base {result.base_mean:.3f})"
        )
    else:
        value = f"mean {result.observed:.3f} [95 % {result.low:.3f}, {result.high:.3f}]"
    line = f"  {tag}  {e.id}: {statement}: {value}"
    if result.verdict == "unsure":
        line += (
            f" -- the estimate agrees but the interval does not: not shown with {result.runs} runs (try more --runs)"
        )
    elif result.verdict == "fail":
        line += " -- contradicted"
    return line


def method(result: Any) -> str:
    """How an expectation's 95 % interval was computed (for --verbose)."""
    e = result.expectation
    if e.holds is not None:
        return "Wilson score interval of the share"
    if e.against_base:
        return "paired t interval of the difference (scenario and base play the same seeds)"
    return "t interval of the mean"


def describe(e: Any) -> str:
    """The expectation as a short sentence."""
    share = "at least" if e.comparator == "at_least" else "at most"
    if e.fires is not None:
        return f"event {e.fires} fires, in {share} {e.threshold:g} of runs"
    if e.met is not None:
        return f"objective {e.met.actor}.{e.met.objective} met, in {share} {e.threshold:g} of runs"
    if e.holds is not None:
        when = {"final": "at the end", "always": "in every round", "ever": "in some round"}[e.timing]
        return f"{condition_text(e.holds)} {when}, in {share} {e.threshold:g} of runs"
    name, actors = e.mean.metric()
    subject = f"mean {'final' if e.timing == 'final' else 'game-average'} {name} {'-'.join(actors)}"
    match e.comparator:
        case "above_base_by":
            return f"{subject} above base by more than {e.threshold:g}"
        case "below_base_by":
            return f"{subject} below base by more than {e.threshold:g}"
        case "above":
            return f"{subject} above {e.threshold:g}"
    return f"{subject} below {e.threshold:g}"


def condition_text(c: Any) -> str:
    if c.all is not None:
        return "(" + " and ".join(condition_text(x) for x in c.all) + ")"
    if c.any is not None:
        return "(" + " or ".join(condition_text(x) for x in c.any) + ")"
    if c.not_ is not None:
        return f"not {condition_text(c.not_)}"
    metric, actors, op, value = c.metric()
    subject = metric if not actors else f"{metric} {'-'.join(actors)}"
    symbol = {"above": ">", "below": "<", "at_least": ">=", "at_most": "<=", "equals": "==", "is": "==", "is_not": "!="}
    shown = value if isinstance(value, str) else f"{value:g}"
    return f"{subject} {symbol[op]} {shown}"
