"""`compare`: the effect of one sweep point or scenario against another on any metric, with intervals."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, atomic_write

EPILOG = """examples:
  python run.py compare results/sanctions --from sanctions.us.russia=0 --to sanctions.us.russia=1
  python run.py compare results/sanctions --from point=0 --metric alignment.cambodia.russia --plot effects.png
  python run.py compare results/base results/escalation --metric gdp.russia --metric outcome="China-leaning hedger"

Without --to, every other point is compared with --from. Runs are paired by seed when both arms played
the same seeds (one folder, or two folders with the same --seed); otherwise they are independent samples."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "compare",
        help="effect of one sweep point or scenario against another, with 95 %% intervals and effect sizes",
        description="Compare two arms of a batch (two sweep points of one results folder, or two folders) on "
        "any metric: the means, the difference B - A (paired by seed when the runs are paired) with its 95 % "
        "interval, Cohen's d, the smallest difference the sample detects 80 % of the time, and a plain sentence.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", type=Path, help="a results folder written by `batch` (arm A, and arm B without OTHER)")
    p.add_argument("other", type=Path, nargs="?", help="a second results folder for arm B (e.g. another scenario)")
    p.add_argument("--from", dest="a", metavar="SPEC", help="arm A: point=K or PATH=VALUE[,PATH=VALUE]")
    p.add_argument("--to", dest="b", metavar="SPEC", help="arm B (default: every other point, one at a time)")
    p.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="METRIC",
        help="a summary column (alignment.cambodia.russia, hedging.cambodia, gdp.russia, sanctions.us.russia, "
        "objective_score.cambodia, ...) or outcome=LABEL; repeatable (default: the focal actor's alignment to "
        "each power, hedging, bloc tilt and every outcome share)",
    )
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the comparisons as a CSV table")
    p.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="also draw the differences with their intervals (FILE.png at 200 dpi, .svg or .pdf)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.batch.compare import compare, comparison_frame, text_table
    from sim.batch.store import BatchError

    if args.plot is not None and args.plot.suffix not in (".png", ".svg", ".pdf"):
        raise CliError(f"compare: --plot must end in .png, .svg or .pdf (got {args.plot})")
    if args.csv is not None and args.csv.suffix != ".csv":
        raise CliError(f"compare: --csv must end in .csv (got {args.csv})")
    try:
        results = compare(args.folder, args.a, args.b, other=args.other, metrics=args.metric)
        if args.plot is not None:
            from sim.batch.plots import effects_figure, save_figure

            save_figure(effects_figure(results), args.plot)
    except BatchError as exc:
        raise CliError(str(exc)) from None
    sys.stdout.write(text_table(results))
    if args.csv is not None:
        with atomic_write(args.csv) as handle:
            comparison_frame(results).to_csv(handle, index=False)
        print(f"table: {args.csv}", file=sys.stderr)
    if args.plot is not None:
        print(f"plot: {args.plot}", file=sys.stderr)
    return 0
