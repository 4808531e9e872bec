"""`validate`: check scenario files; print every problem and warning, one line each, or a summary per valid file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import resolve_scenario
from sim.scenario.errors import Problem, ScenarioError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check scenario files and list every problem as file:line:column: path: message",
        description="Check scenario files (a folder checks every .yaml in it). Prints every problem of every "
        "file as file:line:column: path: message, or one summary line per valid file; exits 1 if any "
        "file has a problem. One bad file never stops the others from being checked. Warnings (events or "
        "objectives that can never fire or be met, new actors without relations or trade, ...) are printed "
        "too; --strict makes them errors.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario files, folders, or library names")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1 if any file has one)")
    p.set_defaults(handler=handle)


def expand(names: list[str]) -> list[str]:
    """Files to check: folders become their .yaml files (sorted); anything else is checked as given."""
    out: list[str] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            out.extend(found or [name])
        else:
            out.append(name)
    return out


def handle(args: argparse.Namespace) -> int:
    files = expand(args.files)
    failed = 0
    for name in files:
        problems, summary, warnings = check_file_with_warnings(name)
        for warning in warnings:
            print(warning, file=sys.stderr)
        if problems or (args.strict and warnings):
            failed += 1
            for problem in problems:
                print(problem, file=sys.stderr)
            if not problems:
                print(f"{name}: {count(len(warnings), 'warning')}: not valid with --strict", file=sys.stderr)
        else:
            print(summary + (f" ({count(len(warnings), 'warning')})" if warnings else ""))
    if len(files) > 1:
        stream = sys.stderr if failed else sys.stdout
        print(f"{len(files)} files: {len(files) - failed} valid, {failed} with problems", file=stream)
    return 1 if failed else 0


def check_file(name: str) -> tuple[list[Problem], str]:
    """(problems, '') for a bad file, ([], one-line summary) for a valid one."""
    problems, summary, _ = check_file_with_warnings(name)
    return problems, summary


def check_file_with_warnings(name: str) -> tuple[list[Problem], str, list[Problem]]:
    """(problems, '', []) for a bad file, ([], one-line summary, warnings) for a valid one."""
    from sim.scenario.lint import scenario_warnings
    from sim.scenario.loader import load_document, validate_document

    if Path(name).is_dir():
        return [Problem(name, None, None, "", "no .yaml scenario files in this folder")], "", []
    try:
        path = resolve_scenario(name)
        document = load_document(path)
        scenario = validate_document(document)
    except ScenarioError as exc:
        return exc.problems, "", []
    return [], f"{path}: valid: {describe(scenario)}", scenario_warnings(scenario, document)


def describe(scenario: Any) -> str:
    playable = [a for a, x in scenario.actors.items() if x.playable]
    objectives = sum(len(v) for v in scenario.objectives.values())
    parts = [
        f"{scenario.meta.id} {scenario.meta.title!r}",
        *([f"extends {scenario.extends}"] if scenario.extends else []),
        f"{count(len(scenario.actors), 'actor')} ({len(playable)} playable)",
        f"{count(scenario.rounds, 'round')} from {scenario.calendar.start}",
        count(len(scenario.events), "event"),
        count(objectives, "objective"),
        count(len(scenario.briefing), "briefing"),
        count(len(scenario.expect), "expectation"),
    ]
    return ", ".join(parts)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
