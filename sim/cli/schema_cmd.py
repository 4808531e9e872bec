"""`schema`: print or write the JSON Schema (draft-07) of scenario files, generated from the scenario models."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import atomic_write


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of scenario files (or write it with --out)",
        description="The JSON Schema (draft-07) of scenario files, with a description and an example for every "
        "field. Editors use it for completion and checks: scenario files start with "
        "'# yaml-language-server: $schema=scenario.schema.json'. The library's copy is "
        "scenarios/scenario.schema.json.",
    )
    p.add_argument("--out", type=Path, help="write the schema to FILE instead of printing it")
    p.set_defaults(handler=handle)


def schema_text() -> str:
    from sim.scenario.json_schema import scenario_json_schema

    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


def handle(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    with atomic_write(args.out) as handle_:
        handle_.write(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
