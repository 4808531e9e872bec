"""`sensitivity`: Sobol or Morris global sensitivity of the focal actor's outcome metrics (SALib)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import (
    CliError,
    CliUsageError,
    InterruptError,
    add_engine_option,
    positive_int,
    resolve_scenario,
    seed_int,
    shield_from_interrupts,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol or Morris sensitivity of outcome metrics to scenario parameters",
        description="Sample the parameter ranges with SALib, play every design point as a seeded batch, and "
        "print first-order and total Sobol indices (or Morris mu* and sigma) of the focal actor's final "
        "hedging index, bloc tilt and alignment to each power, with 95 % bootstrap intervals, a dummy parameter "
        "as the noise floor, the seed-noise share of the variance and warnings when the estimates cannot be "
        "trusted; writes a bar plot (PNG and PDF) and a CSV in --out.",
        epilog="example:\n  python run.py sensitivity medvedev_visit_2015 --params actors.russia.policy.tau=0.05:1 "
        "\\\n      --params sanctions.us.russia=0:1 --method sobol --samples 64 --seed 1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", help="a scenario file or library name")
    p.add_argument(
        "--params",
        nargs="+",
        action="extend",
        required=True,
        metavar="PATH=LOW:HIGH",
        help="parameters and their ranges (integer fields such as rounds get whole-number samples)",
    )
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="sobol (default) or morris")
    p.add_argument(
        "--samples",
        type=positive_int,
        required=True,
        help="base samples N: Sobol plays N x (D + 2) points (N rounded up to a power of 2), Morris N x (D + 1)",
    )
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the design and the runs (default 0)")
    p.add_argument("--reps", type=positive_int, default=4, help="seeds played per design point (default 4)")
    p.add_argument("--rounds", type=positive_int, help="rounds per run (default: the scenario's)")
    p.add_argument(
        "--no-dummy",
        action="store_true",
        help="leave out the dummy parameter (the noise reference, which costs one extra block of seeds per "
        "base sample)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int, help="local worker processes (default: every core)")
    where.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--dask-local", type=positive_int, metavar="W", help="start a local Dask cluster of W workers")
    p.add_argument("--out", type=Path, help="results folder (default: sensitivity-SCENARIO-METHOD)")
    p.add_argument("--resume", action="store_true", help="complete the runs already in --out")
    p.add_argument("--progress", choices=("auto", "bar", "lines", "none"), default="auto", help="progress display")
    add_engine_option(p, "each design point's seeds")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise CliError("sensitivity needs SALib: pip install -e '.[research]'") from None
    from sim.batch.engines import EngineError, choose_engine
    from sim.batch.executors import make_executor
    from sim.batch.progress import make_progress
    from sim.batch.sensitivity import parse_bound, run_sensitivity, sobol_samples, text_table
    from sim.batch.store import BatchError, command_line
    from sim.scenario.calibration import load_setup

    bounds = [parse_bound(text) for text in args.params]
    if len({b.path for b in bounds}) != len(bounds):
        raise CliUsageError("sensitivity: each --params path may appear once")
    samples = args.samples
    if args.method == "sobol" and sobol_samples(samples) != samples:
        samples = sobol_samples(samples)
        print(f"note: Sobol' sequences need a power of 2: using --samples {samples}", file=sys.stderr)
    path = resolve_scenario(args.scenario)
    out = args.out or Path(f"sensitivity-{path.stem}-{args.method}")
    try:
        choice = choose_engine(args.engine, [load_setup(path)])
    except EngineError as exc:
        raise CliError(f"sensitivity: {exc}") from None
    if choice.note is not None:
        print(choice.note, file=sys.stderr)
    try:
        with make_executor(args.workers, args.dask, args.dask_local) as executor:
            print(f"executor: {executor.describe()}; results in {out}", file=sys.stderr)
            result = run_sensitivity(
                path,
                bounds,
                method=args.method,
                samples=samples,
                seed=args.seed,
                reps=args.reps,
                out=out,
                executor=executor,
                rounds=args.rounds,
                resume=args.resume,
                progress=make_progress(args.progress),
                source=args.scenario,
                command=command_line(),
                dummy=not args.no_dummy,
                engine=choice.engine,
            )
    except BatchError as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        shield_from_interrupts()  # the workers are already stopped; every stored run is whole
        raise InterruptError(
            f"sensitivity stopped; finished runs are kept in {out}: repeat the command with --resume to complete them"
        ) from None
    sys.stdout.write(text_table(result))
    print(f"plot: {result.plot_path}\ntable: {result.table_path}")
    return 0
