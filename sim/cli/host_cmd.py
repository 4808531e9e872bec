"""`host`: run a networked class on the instructor's machine (join codes, turn timer, record, console)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sim.cli.common import CliError, CliUsageError, InterruptError, program, resolve_scenario, seed_int

DEFAULT_PORT = 8765
DEFAULT_TURN_SECONDS = 180.0


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds (got {text!r})") from None
    if not 0 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f"must be from 0 (no timer) to 86400 seconds (got {text})")
    return value


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 0 (any free port) to 65535 (got {text!r})")
    return int(text)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "host",
        help="run a networked class: each team joins from its own machine (docs/classroom.md)",
        description=(
            "Host a class on this machine: prints one join code per actor (and one for viewers), plays a round "
            "when every team has submitted or the turn timer runs out (the AI plays missing seats, announced to "
            "all), saves the game record after every change, and opens the instructor's console (a window when "
            "there is a display, typed commands otherwise)."
        ),
    )
    p.add_argument("scenario", nargs="?", help="scenario file or library name (not with --resume)")
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0: any)")
    p.add_argument("--interface", default="0.0.0.0", help="address to listen on (default: every network interface)")
    p.add_argument("--seed", type=seed_int, help="random seed of the game (default: drawn at random)")
    p.add_argument("--rounds", type=int, metavar="N", help="end after N rounds (default: the scenario's)")
    p.add_argument(
        "--turn-seconds",
        type=seconds,
        metavar="T",
        help=f"turn timer in seconds (default {DEFAULT_TURN_SECONDS:.0f}, or the record's; 0: wait for every team)",
    )
    p.add_argument("--ai-seats", metavar="A,B", default="", help="actors the AI plays from the start")
    p.add_argument("--record", metavar="FILE.json", help="the game record, saved after every change")
    p.add_argument("--codes", metavar="FILE.json", help="also write the join codes to this file")
    p.add_argument("--resume", metavar="FILE", help="carry on a class from its record after a crash of the host")
    p.add_argument("--exit-when-done", action="store_true", help="stop serving once the game is over")
    p.add_argument("--headless", action="store_true", help="no console window: typed commands on this terminal")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.errors import SaveError
    from sim.net.classroom import Classroom
    from sim.play.session import default_save_dir
    from sim.ui.library import load_setup, reference

    if args.resume is not None:
        if args.scenario is not None:
            raise CliUsageError("host: give a SCENARIO or --resume FILE, not both (the record names its scenario)")
        if args.seed is not None or args.ai_seats:
            raise CliUsageError("host: --seed and --ai-seats belong to a new class, not to --resume")
        try:
            room = Classroom.from_record(args.resume, load_setup)
        except SaveError as exc:
            raise CliError(f"host: --resume: {exc}") from None
        if args.rounds is not None:
            room.round_limit = _rounds(args.rounds, room.setup.rounds)
        if args.turn_seconds is not None:
            room.turn_seconds = args.turn_seconds or None
        record = Path(args.record or args.resume)
    else:
        if args.scenario is None:
            raise CliUsageError(f"host: which scenario? e.g. {program()} host tutorial (or --resume FILE)")
        path = resolve_scenario(args.scenario)
        setup = load_setup(path)  # a broken scenario is reported (file:line:col) before anything listens
        rounds = None if args.rounds is None else _rounds(args.rounds, setup.rounds)
        ai_seats = [a.strip() for a in args.ai_seats.split(",") if a.strip()]
        unknown = [a for a in ai_seats if a not in setup.actor_ids]
        if unknown:
            raise CliUsageError(
                f"host: --ai-seats {unknown[0]}: no such actor in {setup.scenario_id}; "
                f"choose from: {', '.join(setup.actor_ids)}"
            )
        import secrets

        seed = secrets.randbelow(2**31) if args.seed is None else args.seed
        room = Classroom.new(
            setup,
            reference(path),
            seed,
            ai_seats=ai_seats,
            round_limit=rounds,
            turn_seconds=(DEFAULT_TURN_SECONDS if args.turn_seconds is None else args.turn_seconds) or None,
        )
        record = Path(args.record) if args.record else default_save_dir() / f"class-{setup.scenario_id}-{seed}.json"
    try:
        room.save(record)
    except SaveError as exc:
        raise CliError(f"host: --record: {exc}") from None
    windowed = not args.headless and _display()
    import asyncio  # here, not at the top: the program's --help registers this command without it

    try:
        return asyncio.run(_serve(room, args, record, windowed))
    except OSError as exc:
        raise CliError(f"host: cannot listen on {args.interface}:{args.port} ({exc.strerror or exc})") from None
    except KeyboardInterrupt:
        raise InterruptError(
            f"the class is saved in {record}; carry on with: {program()} host --resume {record}"
        ) from None


def _rounds(value: int, scenario_rounds: int) -> int:
    if not 1 <= value <= scenario_rounds:
        raise CliUsageError(f"host: --rounds must be from 1 to the scenario's {scenario_rounds} (got {value})")
    return value


def _display() -> bool:
    from sim.cli.play_cmd import display_available

    return display_available() and os.environ.get("SDL_VIDEODRIVER") != "dummy"


def lan_address() -> str:
    """This machine's address on the local network, as students type it (no packet is sent)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: only picks the outgoing interface
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


async def _serve(room: Any, args: argparse.Namespace, record: Path, windowed: bool) -> int:
    import asyncio
    import json
    import sys

    from sim.atomic import write_text
    from sim.net.console import codes_lines, run_typed_console
    from sim.net.host import Host

    host = Host(room, record=record, log=lambda text: print(f"[host] {text}", flush=True))
    port = await host.serve(args.port, args.interface)
    address = lan_address() if args.interface in ("0.0.0.0", "::") else args.interface
    rounds = room.view(None).rounds
    timer = f"turn timer {room.turn_seconds:.0f} s" if room.turn_seconds else "no turn timer"
    print(f"Pivot class: {room.setup.title} (seed {room.session.log.seed}), {rounds} rounds, {timer}")
    print(f"Teams join with: {program()} join {address}:{port} --as ACTOR --code CODE")
    print("\n".join(codes_lines(room)))
    print(f"Game record (saved after every change): {record}")
    if args.codes:
        codes = {"address": f"{address}:{port}", "seats": room.codes, "viewers": room.viewer_code}
        write_text(Path(args.codes), json.dumps(codes, indent=1))
        print(f"Join codes written to {args.codes}")
    sys.stdout.flush()
    if windowed:
        try:
            from sim.ui.console import run_console_window

            await run_console_window(host)
        except Exception as exc:  # SDL could not open a window here: the typed console instead
            if not type(exc).__module__.startswith("pygame") and not isinstance(exc, ImportError):
                raise
            print(f"The console window could not open ({exc}); type commands here instead.", flush=True)
            await run_typed_console(host)
    else:
        await run_typed_console(host)
    if not args.exit_when_done:
        print("The game is over; still serving the final state (Ctrl-C to stop).", flush=True)
        await asyncio.Event().wait()
    await asyncio.sleep(0.2)  # let the last messages leave
    await host.close()
    return 0
