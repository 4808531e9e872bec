"""`run`: play one scenario headless and print the rounds (table or JSON), optionally saving tidy rows."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import seeds
from sim.cli.common import (
    CliUsageError,
    InterruptError,
    add_humans_option,
    atomic_write,
    positive_int,
    resolve_scenario,
    seat_humans,
    seed_int,
    shield_from_interrupts,
)

if TYPE_CHECKING:
    from sim.core import ModelSetup

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
    p.add_argument(
        "--seed-index",
        type=seed_int,
        metavar="K",
        help="play the K-th seed that `batch --seed SEED` gives its runs: child K of SeedSequence(SEED)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override one scenario value by dotted path, e.g. actors.russia.policy.tau=0.3 (repeatable)",
    )
    p.add_argument("--rounds", type=positive_int, help=f"number of rounds to play (1..{MAX_ROUNDS})")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--out", type=Path, help="also write tidy per-round rows to FILE.csv or FILE.parquet")
    add_humans_option(p)
    p.set_defaults(handler=handle)


draw_seed = seeds.draw_seed  # a fresh seed, from its one home (sim.seeds)


def handle(args: argparse.Namespace) -> int:

    from sim.cli.table import render_table
    from sim.runs import play, run_document, tidy_rows, with_rounds

    if args.out is not None and args.out.suffix not in (".csv", ".parquet"):
        raise CliUsageError(f"run: --out must end in .csv or .parquet (got {args.out})")
    if args.rounds is not None and args.rounds > MAX_ROUNDS:
        raise CliUsageError(f"run: --rounds must be <= {MAX_ROUNDS} (got {args.rounds})")
    setup = seat_humans(_load(args), "run", args.humans)
    if args.rounds is not None:
        setup = with_rounds(setup, args.rounds, setup.round_labels[0])
    seed = args.seed
    if seed is None:
        if args.seed_index is not None:
            raise CliUsageError("run: --seed-index needs --seed (the batch's root seed)")
        seed = draw_seed()
    rng = seed if args.seed_index is None else seeds.run_seed(seed, args.seed_index)
    try:
        if args.seed is None:  # announced inside the Ctrl-C guard: from this line on, an interrupt names the seed
            print(f"seed: {seed} (repeat this run with --seed {seed})", file=sys.stderr)
        model = play(setup, rng)
        document = run_document(model, seed)
        if args.seed_index is not None:
            document["seed_index"] = args.seed_index
        document.update(_provenance(args))
        if args.out is not None:
            write_rows(tidy_rows(model, seed), args.out)
    except KeyboardInterrupt:
        shield_from_interrupts()
        kept = ""
        if args.out is not None:
            kept = f"; {args.out} is unchanged" if args.out.exists() else f"; {args.out} was not written"
        raise InterruptError(f"run stopped before it finished (seed {seed}){kept}") from None
    if args.format == "json":
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_table(document, setup))
    return 0


def _provenance(args: argparse.Namespace) -> dict[str, Any]:
    """What the run was played from: the scenario's content hash (as a batch plan records it) and the overrides."""
    from sim.scenario.fingerprint import scenario_hash
    from sim.scenario.loader import load_document
    from sim.scenario.overrides import parse_scalar, split_assignment

    document = load_document(resolve_scenario(args.scenario))
    overrides: dict[str, Any] = {k: parse_scalar(v) for k, v in (split_assignment(t) for t in args.set)}
    if args.rounds is not None:  # --rounds N plays as --set rounds=N does
        overrides["rounds"] = args.rounds
    return {"scenario_hash": scenario_hash(document.data, document.observed), "overrides": overrides}


def _load(args: argparse.Namespace) -> ModelSetup:
    """The scenario's setup, with any --set overrides applied and validated like the file itself.

    Overrides keep the file's observed state as the calibration (sim.scenario.calibration).
    """
    from sim.scenario.calibration import load_setup, setup_with_overrides
    from sim.scenario.loader import load_document
    from sim.scenario.overrides import OverrideError, parse_scalar, split_assignment

    path = resolve_scenario(args.scenario)
    if not args.set:
        return load_setup(path)
    overrides: dict[str, Any] = {}
    for text in args.set:
        try:
            key, value = split_assignment(text)
            overrides[key] = parse_scalar(value)
        except OverrideError as exc:
            raise CliUsageError(f"run: --set {text}: {exc}") from None
    return setup_with_overrides(load_document(path), overrides, origin="--set " + " --set ".join(args.set))


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows)
    if path.suffix == ".csv":
        with atomic_write(path) as handle:
            frame.to_csv(handle, index=False)
    else:
        with atomic_write(path, "wb") as handle:
            frame.to_parquet(handle, index=False)
