"""`export`: a batch results folder as one Parquet, CSV or DuckDB file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, CliUsageError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "export",
        help="write a batch's results as one .parquet, .csv or .duckdb file",
        description="Write a batch results folder as one file, by the suffix of --to: FILE.parquet or FILE.csv "
        "holds one table (--table, default summaries: one row per run); FILE.duckdb holds every table "
        "(summaries, and trajectories when the batch kept them). Only finished, verified parts are read, "
        "and the file is replaced whole or not at all. Columns: docs/research.md.",
    )
    p.add_argument("folder", type=Path, metavar="RESULTS", help="a folder written by `batch --out RESULTS`")
    p.add_argument("--to", type=Path, required=True, metavar="FILE", help="FILE.parquet, FILE.csv or FILE.duckdb")
    p.add_argument(
        "--table",
        choices=("summaries", "trajectories"),
        default="summaries",
        help="which table for .parquet and .csv (default: summaries)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.batch.export import FORMATS, export_results
    from sim.batch.store import BatchError

    if args.to.suffix.lower() not in FORMATS:
        raise CliUsageError(f"export: --to {args.to}: the file must end in {', '.join(FORMATS)}")
    try:
        rows = export_results(args.folder, args.to, args.table)
    except BatchError as exc:
        raise CliError(str(exc)) from None
    counts = ", ".join(f"{name} {n:,} rows" for name, n in rows.items())
    print(f"wrote {args.to} ({counts})", file=sys.stderr)
    return 0
