"""`new`: write a commented starter scenario that validates and runs (a small world, or an overlay on a base)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from sim import library
from sim.cli.common import CliError, atomic_write, program, resolve_scenario
from sim.cli.starters import overlay_starter, world_starter


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "new",
        help="write a commented starter scenario (NAME.yaml, or a path)",
        description="Write a commented starter scenario that validates and runs. A bare NAME writes "
        "scenarios/NAME.yaml in a checkout of the repository, NAME.yaml in the working folder when Pivot is "
        "installed; a path (ending in .yaml) writes there. Without --from it is a small "
        "three-actor world with every section; with --from BASE it extends BASE and adds an event, "
        "objectives, a briefing and an expectation. An existing file is never overwritten.",
    )
    p.add_argument("name", help="scenario name (lower-case letters, digits, _) or a path ending in .yaml")
    p.add_argument("--from", dest="base", metavar="BASE", help="extend this scenario (library name or file)")
    p.add_argument("--title", help="the scenario's title (default: from the name)")
    p.set_defaults(handler=handle)


def target_path(name: str) -> Path:
    if name.endswith((".yaml", ".yml")) or os.sep in name or "/" in name:
        return Path(name)
    return library.new_scenario_folder() / f"{name}.yaml"


def handle(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    path = target_path(args.name)
    stem = path.stem
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", stem):
        raise CliError(
            f"new: the name {stem!r} must be lower-case letters, digits and _, starting with a letter "
            "(it becomes meta.id)"
        )
    if path.exists():
        raise CliError(f"new: {path} already exists; not overwritten (choose another name or remove the file)")
    if not path.parent.is_dir():
        raise CliError(f"new: folder {path.parent} does not exist")
    title = args.title or stem.replace("_", " ").capitalize()
    here = path.parent.resolve()
    schema = base_reference(library.SCHEMA_FILE, here)
    if args.base is None:
        text = world_starter(stem, title, str(path), schema)
    else:
        base_path = resolve_scenario(args.base)
        base = load_scenario(base_path)  # a broken base is reported as usual, and nothing is written
        text = overlay_starter(stem, title, str(path), schema, extends_reference(base_path, here), base)
    with atomic_write(path) as out:
        out.write(text)
    print(f"wrote {path}: check it with {program()} validate {path}", file=sys.stderr)
    return 0


def extends_reference(base: Path, folder: Path) -> str:
    """How a new file in ``folder`` names its base in ``extends:`` (docs/scenario-authoring.md, section 7).

    A base in the folder's tree by its relative path; a library scenario by its name; anything else
    cannot be extended from there, and nothing is written.
    """
    real, here = Path(os.path.realpath(base)), Path(os.path.realpath(folder))
    if real.is_relative_to(here):
        return real.relative_to(here).as_posix()
    if library.in_library(real):
        if (folder / real.name).exists() or (folder / real.stem).exists():
            raise CliError(
                f"new: --from {real.stem}: {folder / real.name} would hide the library scenario of that name "
                "(a file beside the scenario wins); write the new file in another folder"
            )
        return real.stem
    raise CliError(
        f"new: --from {base}: extends can only name a file in {folder} (or below it) or a library scenario; "
        "copy the base next to the new file, or write the new file beside the base"
    )


def base_reference(base: Path, folder: Path) -> str:
    """How the new file names the schema file for editors: relative within one tree, else by its absolute path."""
    relative = os.path.relpath(base, folder)
    return relative if not relative.startswith(os.pardir + os.sep + os.pardir) else str(base)
