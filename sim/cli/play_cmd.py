"""`play`: open the game window on a scenario; without a display, say so and run the scenario headless instead."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sim.atomic import WriteError
from sim.cli.common import (
    DEFAULT_SCENARIO,
    CliError,
    CliUsageError,
    InterruptError,
    program,
    resolve_scenario,
    seed_int,
    shield_from_interrupts,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "play",
        help="play a scenario in the game window (default command)",
        description=(
            "Open the game. Without options it shows the title menu with SCENARIO selected; --as ACTOR starts a "
            "game as that actor (briefing first), --watch lets the AI play every actor. Without a display it "
            "explains why no window opens and runs the scenario headless instead (python run.py run SCENARIO)."
        ),
    )
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, help="scenario file or library name")
    p.add_argument("--as", dest="actor", metavar="ACTOR", help="play as this actor (an actor id, e.g. cambodia)")
    p.add_argument("--watch", action="store_true", help="watch the AI play every actor (for a class projector)")
    p.add_argument("--seed", type=seed_int, help="random seed of the game (default: drawn at random)")
    p.add_argument("--load", metavar="FILE", help="continue a saved game")
    p.add_argument(
        "--screenshot",
        metavar="DIR",
        help="save a PNG of every scene at 1280x720 and 1920x1080 into DIR, then exit (works without a display)",
    )
    p.set_defaults(handler=handle)


def display_available() -> bool:
    """Whether a window can open here (an X11/Wayland display, or an SDL driver chosen explicitly)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER"))


def handle(args: argparse.Namespace) -> int:
    path = resolve_scenario(args.scenario)
    splashed = args.screenshot is None and display_available() and _splash()
    try:
        return _play(args, path)
    except BaseException:
        if splashed:  # an error is reported in the terminal: the splash must not stay on screen
            _close_window()
        raise


def _splash() -> bool:
    """The window and its splash at once (pygame only: nothing of the model is imported yet); False if it cannot
    open here, in which case the game's own start reports why as before."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        from sim.ui import splash

        splash.show(note="Loading the scenario library…")
    except ImportError:
        return False
    except Exception as exc:
        if type(exc).__name__ == "error" and type(exc).__module__.startswith("pygame"):
            return False
        raise
    return True


def _close_window() -> None:
    import pygame

    pygame.quit()


def _play(args: argparse.Namespace, path: Path) -> int:
    from sim.play.session import SaveError, load_session
    from sim.ui import library

    setup = library.load_setup(path)  # a broken scenario is reported (file:line:col); the splash closes first
    ref = library.reference(path)
    if args.actor is not None and args.actor not in setup.actor_ids:
        raise CliUsageError(
            f"play: --as {args.actor}: no such actor in {setup.scenario_id}; "
            f"choose one of: {', '.join(setup.actor_ids)}"
        )
    if args.actor is not None and args.watch:
        raise CliUsageError("play: --as and --watch exclude each other (watching means the AI plays every actor)")
    if args.load is not None:
        try:
            load_session(args.load, library.load_setup)
        except SaveError as exc:
            raise CliError(f"{exc} (the file is left as it is)") from None
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if args.screenshot is not None:
        return _screenshots(Path(args.screenshot), ref, args.actor, 2015 if args.seed is None else args.seed)
    if not display_available():
        return _headless(args, ref)
    try:
        from sim.ui.app import open_app

        app = open_app(ref, args.actor, args.watch, args.seed, load=Path(args.load) if args.load else None)
        print(
            f"The game window is open; saves go to {app.save_dir}. Ctrl-C here saves the game in progress and quits.",
            file=sys.stderr,
            flush=True,
        )
        try:
            app.run()
        except KeyboardInterrupt:
            shield_from_interrupts()
            raise InterruptError(_keep_game(app)) from None
        if app.closed_save is not None:
            print(
                f"The window was closed mid-game; game saved to {app.closed_save}; "
                f"continue with: {program()} play --load {app.closed_save}",
                file=sys.stderr,
            )
        elif app.close_problem:
            print(f"The window was closed mid-game; it could not be saved ({app.close_problem})", file=sys.stderr)
    except ImportError as exc:
        raise CliError(f"the game window needs pygame-ce ({exc}); install it with: pip install pygame-ce") from None
    except Exception as exc:
        if type(exc).__name__ == "error" and type(exc).__module__.startswith("pygame"):  # SDL could not open a window
            print(f"The game window could not open here ({exc}).", file=sys.stderr)
            return _headless(args, ref)
        raise
    return 0


def _keep_game(app: Any) -> str:
    """Ctrl-C in the terminal: save the game in progress under a new name, close the window, say where."""
    from sim.play.session import SaveError

    try:
        saved = app.save_recovery()
    except SaveError as exc:
        saved, problem = None, str(exc)
    else:
        problem = ""
    finally:
        app.quit()
    if saved is not None:
        return f"game saved to {saved}; continue with: {program()} play --load {saved}"
    if problem:
        return f"the game in progress could not be saved ({problem})"
    return "no game was in progress; nothing to save"


def _headless(args: argparse.Namespace, ref: str) -> int:
    """No display: explain, then run the scenario headless so the user still sees the game play out."""
    from sim.cli import run_cmd

    seed = f" --seed {args.seed}" if args.seed is not None else ""
    print(
        "No display found (DISPLAY and WAYLAND_DISPLAY are unset), so the game window cannot open here.\n"
        f"Running the scenario headless instead: {program()} run {ref}{seed}\n"
        "(On a desktop, run `make play`; over SSH use `ssh -X`, or save every scene as PNGs with "
        f"`{program()} play {ref} --screenshot DIR`.)\n",
        file=sys.stderr,
    )
    from sim.cli import build_parser  # the parser imports this module

    argv = ["run", ref] + (["--seed", str(args.seed)] if args.seed is not None else [])
    run_args = build_parser().parse_args(argv)  # run's own defaults, whatever options it gains
    return int(run_cmd.handle(run_args) or 0)


def _screenshots(out: Path, ref: str, actor: str | None, seed: int) -> int:
    if not display_available():
        os.environ["SDL_VIDEODRIVER"] = "dummy"  # render off-screen: screenshots need no display
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from sim.ui.screenshots import capture

    try:
        shots = capture(out, ref, actor, seed=seed)
    except WriteError as exc:
        raise CliError(f"cannot write screenshots: {exc}") from None
    except OSError as exc:
        raise CliError(f"{out}: cannot write screenshots ({exc.strerror or exc})") from None
    for shot in shots:
        print(shot.path)
    return 0
