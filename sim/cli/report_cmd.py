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
        "and the PNGs in DIR/figures: fan charts of the focal actor's alignment to each power over rounds "
        "(needs a batch run with --trajectories), outcome shares per sweep point, the response of key "
        "indices to each swept parameter, and the mean final alignment matrix.",
    )
    p.add_argument("folder", type=Path, help="a folder written by `python run.py batch --out FOLDER`")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.batch.report import write_report
    from sim.batch.store import BatchError

    try:
        report = write_report(args.folder)
    except BatchError as exc:
        raise CliError(str(exc)) from None
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for png in report.figures:
        print(png)
    print(report.table)
    print(report.html)
    return 0
