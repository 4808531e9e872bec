"""`run`: play one scenario headless and print the rounds (table or JSON), optionally saving tidy rows."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim.cli.common import CliUsageError, atomic_write, positive_int, resolve_scenario, seed_int
from sim.cli.table import render_table

MAX_ROUNDS = 400


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a scenario headless and print what happened",
        description="Run a scenario without a window: every round's moves with their "
        "reasons, the focal actor's alignment, and a final summary.",
    )
    p.add_argument("scenario", help="a scenario file, or a library name such as medvedev_visit_2015")
    p.add_argument("--seed", type=seed_int, help="random seed (drawn and printed when omitted)")
    p.add_argument("--rounds", type=positive_int, help=f"number of rounds to play (1..{MAX_ROUNDS})")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--out", type=Path, help="also write tidy per-round rows to FILE.csv or FILE.parquet")
    p.set_defaults(handler=handle)


def draw_seed() -> int:
    """A fresh seed from the operating system's entropy (the run itself never reads the clock)."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def handle(args: argparse.Namespace) -> int:
    from sim.runs import play, run_document, tidy_rows, with_rounds
    from sim.scenario import build_setup, load_scenario

    if args.out is not None and args.out.suffix not in (".csv", ".parquet"):
        raise CliUsageError(f"run: --out must end in .csv or .parquet (got {args.out})")
    if args.rounds is not None and args.rounds > MAX_ROUNDS:
        raise CliUsageError(f"run: --rounds must be <= {MAX_ROUNDS} (got {args.rounds})")
    scenario = load_scenario(resolve_scenario(args.scenario))
    setup = build_setup(scenario)
    if args.rounds is not None:
        setup = with_rounds(setup, args.rounds, scenario.calendar.start)
    seed = args.seed
    if seed is None:
        seed = draw_seed()
        print(f"seed: {seed} (repeat this run with --seed {seed})", file=sys.stderr)
    model = play(setup, seed)
    document = run_document(model, seed)
    if args.out is not None:
        write_rows(tidy_rows(model, seed), args.out)
    if args.format == "json":
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_table(document, setup))
    return 0


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows)
    if path.suffix == ".csv":
        with atomic_write(path) as handle:
            frame.to_csv(handle, index=False)
    else:
        with atomic_write(path, "wb") as handle:
            frame.to_parquet(handle, index=False)
