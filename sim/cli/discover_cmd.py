"""`discover`: scenario discovery (PRIM): which ranges of the swept parameters lead to an outcome."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, CliUsageError, atomic_write, positive_int

EPILOG = """examples:
  python run.py discover results/sensitivity --where 'outcome=China-leaning hedger'
  python run.py discover results/sensitivity --where 'alignment.cambodia.russia>0.6' --boxes 2 --threshold 0.7

Works best on a sampled design (a `sensitivity` folder, or a batch with many sweep values)."""


def _unit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1 (got {text!r})") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1 (got {text})")
    return value


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "discover",
        help="scenario discovery (PRIM): parameter ranges that lead to an outcome",
        description="Find boxes in the space of swept parameters where runs of interest concentrate (PRIM): "
        "prints each box's coverage, density and restricted ranges, and writes a table (CSV) and a figure "
        "(PNG at 200 dpi and PDF) in the results folder.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", type=Path, help="a results folder written by `batch` or `sensitivity`")
    p.add_argument(
        "--where",
        required=True,
        metavar="CONDITION",
        help="the runs of interest: outcome=LABEL, or METRIC>VALUE (>=, <, <=, ==), e.g. alignment.cambodia.russia>0.6",
    )
    p.add_argument("--threshold", type=_unit, default=0.8, help="density a box must reach (default 0.8)")
    p.add_argument("--boxes", type=positive_int, default=1, help="boxes to find, one after another (default 1)")
    p.add_argument("--alpha", type=_unit, default=0.05, help="share of runs peeled per step (default 0.05)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.batch.discovery import discover, figure, text_table
    from sim.batch.plots import save_formats
    from sim.batch.store import BatchError

    if args.alpha >= 0.5:
        raise CliUsageError(f"discover: --alpha must be below 0.5 (got {args.alpha})")
    try:
        result = discover(args.folder, args.where, threshold=args.threshold, boxes=args.boxes, alpha=args.alpha)
        paths = save_formats(figure(result), args.folder / "discovery", ("png", "pdf"))
    except BatchError as exc:
        raise CliError(str(exc)) from None
    table = args.folder / "discovery_boxes.csv"
    with atomic_write(table) as handle:
        result.table().to_csv(handle, index=False)
    sys.stdout.write(text_table(result))
    print(f"figure: {paths[0]}\ntable: {table}", file=sys.stderr)
    return 0
