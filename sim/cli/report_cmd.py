"""`report`: plots and a self-contained HTML report from a batch results folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import CliError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="draw a batch's plots and write DIR/report.html",
        description="Read a batch results folder and write DIR/report.html (self-contained, plots embedded) "
        "and the figures in DIR/figures (PNG at 200 dpi, SVG and PDF): overlaid fan charts of the focal actor's "
        "alignment to each power over rounds (needs a batch run with --trajectories), outcome shares with 95 % "
        "intervals per sweep point, the response of key indices to each swept parameter, and the mean final "
        "alignment matrix of each chosen point.",
    )
    p.add_argument("folder", type=Path, help="a folder written by `python run.py batch --out FOLDER`")
    p.add_argument(
        "--points",
        type=_points,
        metavar="K,K,...",
        help="sweep points whose fan charts are overlaid and whose alignment matrices are drawn "
        "(default: the first and the last)",
    )
    p.set_defaults(handler=handle)


def _points(text: str) -> list[int]:
    try:
        points = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be point numbers such as 0,4 (got {text!r})") from None
    if not points or min(points) < 0:
        raise argparse.ArgumentTypeError(f"must be point numbers 0, 1, ... separated by commas (got {text!r})")
    return points


def handle(args: argparse.Namespace) -> int:
    from sim.batch.report import write_report
    from sim.batch.store import BatchError

    try:
        report = write_report(args.folder, args.points)
    except BatchError as exc:
        raise CliError(str(exc)) from None
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for png in report.figures:
        print(png)
    print(report.table)
    print(report.html)
    return 0
