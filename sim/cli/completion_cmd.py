"""`completion`: print a bash or zsh completion script for `pivot` (commands, options, scenario names and files)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.library import names

SHELLS = ("bash", "zsh")
#: Arguments (by dest) that name a scenario: completed with the library's names and .yaml files.
SCENARIO_DESTS = {"scenario", "scenarios", "base", "name"}
#: Arguments that name a folder.
FOLDER_DESTS = {"out", "folder", "screenshot", "results"}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description="Print a completion script for the pivot command: commands, options, library scenario names "
        "and files. bash: pivot completion bash > ~/.local/share/bash-completion/completions/pivot ; "
        'zsh: pivot completion zsh > "${fpath[1]}/_pivot" (then start a new shell).',
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(handler=handle)


def _preamble(library: list[str]) -> dict[str, str]:
    words = " ".join(library)
    return {
        "bash": (
            "_pivot_scenarios() {\n"
            f'  compgen -W "{words}" -- "$1"\n'
            "  compgen -f -X '!*.y*ml' -- \"$1\"\n"
            "  compgen -d -S '/' -- \"$1\"\n"
            "}\n"
        ),
        "zsh": (
            "_pivot_scenarios() {\n"
            f"  _alternative 'library:library scenario:({words})' 'files:scenario file:_files -g \"*.y(a|)ml\"'\n"
            "}\n"
        ),
    }


def script(shell: str) -> str:
    """The completion script for ``shell``, generated from the argument parser."""
    import shtab

    from sim.cli import build_parser

    parser = build_parser(prog="pivot")
    scenario = {"bash": "_pivot_scenarios", "zsh": "_pivot_scenarios"}
    for sub in _subparsers(parser):
        for action in sub._actions:
            if action.dest in SCENARIO_DESTS and sub.prog.split()[-1] != "new":
                action.complete = scenario  # type: ignore[attr-defined]
            elif action.dest in FOLDER_DESTS:
                action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    return shtab.complete(parser, shell=shell, preamble=_preamble(names())[shell])


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(action.choices.values())
    return found


def handle(args: argparse.Namespace) -> int:
    sys.stdout.write(script(args.shell))
    return 0
