"""Classroom clients: a connection to a host that joins one seat, and bots that play it by a rule.

:class:`Connection` says hello with the seat's code and then sends and receives protocol messages;
:func:`run_bot` plays a whole game with a :data:`POLICIES` rule (``pass``: no moves; ``random``: legal
moves and answers drawn from the bot's own generator; ``ai``: lets the host's AI play the seat each round),
reconnecting with its code when the connection drops. The game window uses the same connection
(:mod:`sim.net.remote`). No pygame here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from sim.net.host import MAX_FRAME_BYTES
from sim.net.messages import Delivered, Error, Hello, Orders, Over, ProtocolError, State, View, Welcome, parse_host

POLICIES = ("pass", "random", "ai")


class JoinError(Exception):
    """The host refused to seat this client (wrong code, unknown seat) or could not be reached."""


def url_of(address: str) -> str:
    """``HOST:PORT`` (or a ws:// URL) as a websocket URL; ValueError with one line if it is neither."""
    if address.startswith(("ws://", "wss://")):
        return address
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r} is not HOST:PORT (for example 192.168.1.20:8765)")
    return f"ws://{host}:{int(port)}"


class Connection:
    """One websocket to the host, seated as ``actor`` (None: a viewer) once :meth:`join` returns."""

    def __init__(self, url: str, actor: str | None, code: str) -> None:
        self.url = url
        self.actor = actor
        self.code = code
        self.ws: ClientConnection | None = None
        self.welcome: Welcome | None = None

    async def join(self, timeout: float = 10.0) -> Welcome:
        """Connect and say hello; JoinError (one line) if the host cannot be reached or refuses the code."""
        try:
            self.ws = await asyncio.wait_for(connect(self.url, max_size=MAX_FRAME_BYTES, open_timeout=timeout), timeout)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise JoinError(f"cannot reach the host at {self.url} ({exc or type(exc).__name__})") from None
        await self.send(Hello(actor=self.actor, code=self.code).dump())
        while True:
            message = await asyncio.wait_for(self.receive(), timeout)
            if isinstance(message, Welcome):
                self.welcome = message
                return message
            if isinstance(message, Error):
                await self.close()
                raise JoinError(f"the host refused to seat {self.actor or 'a viewer'}: {message.detail}")

    async def send(self, text: str) -> None:
        assert self.ws is not None
        await self.ws.send(text)

    async def receive(self) -> Any:
        """The next host message (ConnectionClosed when the host goes away)."""
        assert self.ws is not None
        raw = await self.ws.recv()
        return parse_host(raw)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


def choose_orders(policy: str, view: View, rng: np.random.Generator) -> Orders:
    """The orders a bot gives this round: its rule applied to what its seat sees."""
    if policy == "ai":
        return Orders(actor=view.actor, ai=True)
    if policy == "pass":
        return Orders(actor=view.actor)
    moves = [m for m in view.legal if m[0] != "pass"]
    count = int(rng.integers(0, max(view.budget, 0) + 1)) if moves else 0
    picks = [moves[int(k)] for k in rng.choice(len(moves), size=min(count, len(moves)), replace=False)] if count else []
    answers = [(p.position, bool(rng.integers(0, 2))) for p in view.proposals]
    return Orders(actor=view.actor, moves=picks, answers=answers)


@dataclass(slots=True)
class BotLog:
    """What a bot saw: rounds it gave orders for, errors the host sent, the end of the game."""

    orders: dict[int, Orders] = field(default_factory=dict)
    errors: list[Error] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    over: Over | None = None
    reconnects: int = 0


async def run_bot(
    address: str,
    actor: str,
    code: str,
    policy: str = "pass",
    *,
    seed: int = 0,
    retries: int = 20,
    say: Callable[[str], None] = lambda text: None,
) -> BotLog:
    """Play ``actor``'s seat to the end of the game by ``policy``; reconnect with the code if the connection drops."""
    if policy not in POLICIES:
        raise ValueError(f"unknown bot rule {policy!r}; choose one of {', '.join(POLICIES)}")
    rng = np.random.default_rng(seed)
    log = BotLog()
    url = url_of(address)
    attempt, joined_once = 0, False
    sent_for = -1  # the round whose orders were last sent (a state can arrive twice before the host has them)
    while True:
        conn = Connection(url, actor, code)
        try:
            await conn.join()
            say(f"{actor} joined {url}")
            attempt, sent_for, joined_once = 0, -1, True
            while True:
                message = await conn.receive()
                if isinstance(message, Over):
                    log.over = message
                    say(f"game over: {actor} scored {message.scores.get(actor, 0.0):.0f}")
                    await conn.close()
                    return log
                if isinstance(message, Error):
                    log.errors.append(message)
                    if message.code == "illegal":  # a rule changed under us: pass this round instead
                        await conn.send(Orders(actor=actor).dump())
                elif isinstance(message, Delivered):
                    log.notes.append(message)
                elif isinstance(message, State):
                    view = message.view
                    mine = next((s for s in view.seats if s.id == actor), None)
                    wants = mine is not None and mine.controller == "human" and not mine.submitted
                    fresh = view.my_orders is None and sent_for != view.round
                    if wants and fresh and not view.finished and not view.paused:
                        sent_for = view.round
                        orders = choose_orders(policy, view, rng)
                        log.orders[view.round + 1] = orders
                        await conn.send(orders.dump())
        except (ConnectionClosed, OSError, ProtocolError) as exc:
            say(f"{actor}: connection lost ({type(exc).__name__}); reconnecting")
        except JoinError as exc:
            if "refused" in str(exc):
                raise
            say(str(exc))
        finally:
            await conn.close()
        attempt += 1
        log.reconnects += 1
        limit = retries if joined_once else min(retries, 5)  # a host never reached: give up after ~5 s
        if attempt > limit:
            raise JoinError(f"{actor}: gave up after {attempt} attempts to reach {url}")
        await asyncio.sleep(min(0.1 * 2**attempt, 2.0))
