"""`play`: open the game window on a scenario, or explain and fall back to a headless run without a display."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from sim.cli.common import DEFAULT_SCENARIO


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "play",
        help="play a scenario in the game window (default command)",
        description="Open the game on a scenario. Without a display, runs it headless.",
    )
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, help="scenario file or library name")
    p.add_argument("--seed", type=int, help="random seed of the AI actors")
    p.set_defaults(handler=handle)


def display_available() -> bool:
    """Whether a window can open here (an X11/Wayland display, or an SDL driver chosen explicitly)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER"))


def handle(args: argparse.Namespace) -> int:
    from sim.cli import run_cmd

    print(
        f"No game window yet on this build: running the scenario headless instead (python run.py run {args.scenario}).",
        file=sys.stderr,
    )
    run_args = argparse.Namespace(scenario=args.scenario, seed=args.seed, rounds=None, format="table", out=None)
    return run_cmd.handle(run_args)
