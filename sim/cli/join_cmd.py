"""`join`: take a team's seat in a networked class, in the game window or as a bot (pass, random, ai)."""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.common import CliError, CliUsageError, InterruptError, seed_int

BOTS = ("pass", "random", "ai")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "join",
        help="join a networked class as one team (the host prints the codes)",
        description=(
            "Join a class hosted with `host`: the game window shows only what your actor may see, and your "
            "orders go to the host when you end the turn. --bot plays the seat without a window by a rule "
            "(pass: no moves; random: legal moves at random; ai: the host's AI plays it)."
        ),
    )
    p.add_argument("address", metavar="HOST:PORT", help="the address the host printed, e.g. 192.168.1.20:8765")
    p.add_argument("--as", dest="actor", metavar="ACTOR", required=True, help="your actor (e.g. cambodia)")
    p.add_argument("--code", required=True, help="your seat's join code, as the host printed it")
    p.add_argument("--bot", choices=BOTS, help="play without a window by this rule")
    p.add_argument("--seed", type=seed_int, default=0, help="the random bot's own seed (default 0)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: the program's --help registers this command without it

    from sim.net.client import JoinError, run_bot, url_of

    try:
        url_of(args.address)
    except ValueError as exc:
        raise CliUsageError(f"join: {exc}") from None
    try:
        if args.bot is None:
            return _window(args)
        log = asyncio.run(
            run_bot(args.address, args.actor, args.code, args.bot, seed=args.seed, say=lambda t: print(t, flush=True))
        )
    except JoinError as exc:
        raise CliError(f"join: {exc}") from None
    except KeyboardInterrupt:
        raise InterruptError("left the class; join again with the same code to take the seat back") from None
    rounds = len(log.orders)
    print(f"{args.actor}: gave orders for {rounds} round(s), {len(log.errors)} refused, {log.reconnects} reconnect(s)")
    return 0


def _window(args: argparse.Namespace) -> int:
    from sim.cli.play_cmd import display_available

    if not display_available():
        raise CliError(
            "join: no display here for the game window; join with --bot pass|random|ai, or from a machine with a screen"
        )
    from sim.ui.remote import play_remote

    return play_remote(args.address, args.actor, args.code)
