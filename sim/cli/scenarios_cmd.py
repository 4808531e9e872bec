"""`scenarios`: list the scenario library with each scenario's title, summary and playable actors."""

from __future__ import annotations

import argparse
import shutil
import textwrap
from pathlib import Path
from typing import Any

from sim.cli.common import SCENARIO_DIR, CliError, program
from sim.library import PACKAGED
from sim.scenario.errors import ScenarioError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "scenarios",
        help="list the scenario library with titles and summaries",
        description="List the scenarios in the library folder (scenarios/), or in FOLDER: name, title, summary, "
        "who can be played and for how long. A file that does not load is listed with its first problem.",
    )
    p.add_argument("folder", nargs="?", type=Path, default=SCENARIO_DIR, help="folder to list (default: the library)")
    p.set_defaults(handler=handle)


def library_files(folder: Path = SCENARIO_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def handle(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    if not args.folder.is_dir():
        raise CliError(f"scenarios: {args.folder} is not a folder")
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    files = library_files(args.folder)
    where = f"{args.folder.name}/" if args.folder == SCENARIO_DIR and not PACKAGED else str(args.folder)
    print(f"Scenario library ({len(files)} in {where}); run one with: {program()} run NAME --seed 1")
    for path in files:
        print()
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            print(f"  {path.stem}  (does not load: {exc.problems[0]})")
            continue
        print(f"  {path.stem}  {scenario.meta.title}")
        body = textwrap.fill(
            " ".join(scenario.meta.summary.split()), width=width, initial_indent=" " * 6, subsequent_indent=" " * 6
        )
        if body.strip():
            print(body)
        names = {a: x.name for a, x in scenario.actors.items()}
        playable = ", ".join(names[a] for a, x in scenario.actors.items() if x.playable) or "nobody (watch only)"
        based = f" · extends {Path(scenario.extends).stem}" if scenario.extends else ""
        facts = (
            f"play as: {playable} · {scenario.rounds} rounds from {scenario.calendar.start}"
            f" · {len(scenario.actors)} actors{based}"
        )
        print(textwrap.fill(facts, width=width, initial_indent=" " * 6, subsequent_indent=" " * 8))
    return 0
