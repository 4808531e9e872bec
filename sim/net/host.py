"""The classroom host: an asyncio websockets server around one :class:`Classroom`, the game's only authority.

Each connection first says ``hello`` with a seat and its code (or the viewers' code); from then on it may
act only for that seat. Every message is checked before it can change anything: size
(:data:`MAX_MESSAGE_BYTES`, larger frames than :data:`MAX_FRAME_BYTES` close the connection), rate (a token
bucket per connection; a flood is answered with errors, then the connection is closed), JSON, type, version
and fields; a bad one is answered with an ``error`` and changes nothing. A round is played as soon as every
human seat has submitted, or when the turn timer runs out (the AI plays the missing seats, announced to all).
After every change the record is written atomically, so ``host --resume FILE`` carries on after a crash.
The clock here is the host's (``loop.time()``), never the model's: the model sees only the logged commands.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from sim.errors import SaveError
from sim.net.classroom import INSTRUCTOR, Classroom, RefusedError
from sim.net.messages import (
    MAX_MESSAGE_BYTES,
    Announcement,
    Delivered,
    Error,
    Hello,
    Log,
    Note,
    Orders,
    Ping,
    Pong,
    ProtocolError,
    State,
    Welcome,
    parse_client,
)

#: Frames larger than this are closed by the websockets library itself (1009) before they are read whole.
MAX_FRAME_BYTES = 4 * MAX_MESSAGE_BYTES
#: Frames read ahead per connection before reading pauses; above FLOOD_LIMIT so a flood is read (and cut off) whole.
MAX_QUEUE = 1024
#: Token bucket per connection: this many messages at once, refilled at RATE_PER_SECOND.
BURST = 20
RATE_PER_SECOND = 10.0
#: Messages refused for the rate limit before the connection is closed (policy violation, 1008).
FLOOD_LIMIT = 60
#: Wrong codes one connection may try before it is closed (codes cannot be guessed by trying).
WRONG_CODES = 3
#: A connection that has not said hello after this many seconds is closed.
HELLO_SECONDS = 10.0


@dataclass(slots=True)
class _Bucket:
    tokens: float = BURST
    last: float = 0.0

    def take(self, now: float) -> bool:
        self.tokens = min(BURST, self.tokens + (now - self.last) * RATE_PER_SECOND)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(slots=True)
class _Client:
    ws: ServerConnection
    actor: str | None = None
    joined: bool = False
    bucket: _Bucket = field(default_factory=_Bucket)
    refused: int = 0
    wrong_codes: int = 0


class Host:
    """Serve one class over websockets; ``await host.serve(port)`` then ``await host.wait_done()``."""

    def __init__(
        self,
        room: Classroom,
        *,
        record: Path | None = None,
        log: Callable[[str], None] = print,
        hello_seconds: float = HELLO_SECONDS,
    ) -> None:
        self.room = room
        self.record = record
        self.log = log
        self.hello_seconds = hello_seconds
        self.clients: list[_Client] = []
        self.deadline: float | None = None
        self.done = asyncio.Event()
        self._changed = asyncio.Event()
        self._server: Server | None = None
        self._clock: asyncio.Task[None] | None = None
        self.port = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self._last_log = ""

    # -- running ---------------------------------------------------------------------------------------

    async def serve(self, port: int = 0, interface: str = "0.0.0.0") -> int:
        """Start listening (port 0: any free port) and the turn clock; return the port."""
        self._server = await serve(
            self._handle,
            interface,
            port,
            max_size=MAX_FRAME_BYTES,
            max_queue=MAX_QUEUE,
            close_timeout=2,
            ping_interval=20,
            ping_timeout=20,
        )
        self.port = int(next(iter(self._server.sockets)).getsockname()[1])
        self._restart_timer()
        self._clock = asyncio.create_task(self._run_clock())
        if self.room.finished:
            self.done.set()
        return self.port

    async def close(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def seconds_left(self) -> float | None:
        if self.deadline is None or self.room.paused or self.room.finished:
            return None
        return max(0.0, self.deadline - asyncio.get_running_loop().time())

    def connected(self) -> list[str]:
        return [c.actor for c in self.clients if c.joined and c.actor is not None]

    def _restart_timer(self) -> None:
        seconds = self.room.turn_seconds
        self.deadline = None if not seconds else asyncio.get_running_loop().time() + seconds

    async def _run_clock(self) -> None:
        """Play the round when every team is in or the timer runs out; wake on every change."""
        while True:
            if self.room.finished:
                await self._finish()
                return
            timeout = self.seconds_left()
            self._changed.clear()
            if self.room.ready() or (timeout is not None and timeout <= 0):
                await self.play_round()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    async def play_round(self) -> None:
        """Play the coming round now (also the instructor's 'play now'): the AI stands in for seats not in."""
        try:
            done = self.room.play()
        except RefusedError as exc:
            self.log(f"round not played: {exc.detail}")
            return
        stand = f"; the AI played for {', '.join(done.stand_ins)}" if done.stand_ins else ""
        self.log(f"round {done.round} played{stand}")
        self._save()
        self._restart_timer()
        await self._broadcast(done.dump())
        if done.stand_ins:
            await self._broadcast(self.room.announcements[-1].dump())
        await self.broadcast_state()

    async def _finish(self) -> None:
        over = self.room.over()
        self.log(f"game over after round {over.round}: {over.reason}")
        self._save()
        await self.broadcast_state()
        await self._broadcast(over.dump())
        self.done.set()

    def _save(self) -> None:
        if self.record is None:
            return
        try:
            self.room.save(self.record)
        except SaveError as exc:
            self.log(f"the record could not be saved: {exc}")

    def changed(self) -> None:
        """Something changed (orders in, the instructor acted): save, and let the clock look again."""
        self._save()
        self._changed.set()

    # -- sending ---------------------------------------------------------------------------------------

    async def _send(self, client: _Client, text: str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await client.ws.send(text)

    async def _broadcast(self, text: str, only: Callable[[_Client], bool] = lambda c: True) -> None:
        await asyncio.gather(*(self._send(c, text) for c in list(self.clients) if c.joined and only(c)))

    def log_message(self) -> str:
        session = self.room.session
        return Log(round=session.round, commands=[c.to_json() for c in session.log.commands]).dump()

    async def broadcast_state(self) -> None:
        left, connected = self.seconds_left(), self.connected()
        log = self.log_message()
        if log != self._last_log:  # a round, an event, a hand-over or a rewind: the replicas catch up first
            self._last_log = log
            await self._broadcast(log)
        views: dict[str | None, str] = {}
        for c in list(self.clients):
            if not c.joined:
                continue
            if c.actor not in views:
                views[c.actor] = State(view=self.room.view(c.actor, left, connected)).dump()
            await self._send(c, views[c.actor])

    async def announce(self, note: Announcement) -> None:
        self.log(f"announcement: {note.text}")
        await self._broadcast(note.dump())

    async def deliver(self, note: Delivered) -> None:
        await self._broadcast(note.dump(), lambda c: c.actor in (note.sender, note.to))

    # -- the instructor --------------------------------------------------------------------------------

    async def instructor(self, act: Callable[[Classroom], object], *, restart_timer: bool = False) -> object:
        """Run one instructor action on the classroom (RefusedError if it cannot be done); announce it, save it
        and show every client the new state. ``restart_timer``: a fresh turn (after a rewind)."""
        result = act(self.room)
        if isinstance(result, Announcement):
            await self.announce(result)
        elif isinstance(result, Delivered):
            await self.deliver(result)
        if restart_timer:
            self._restart_timer()
        if self._clock is not None and self._clock.done() and not self.room.finished:  # rewound after the end
            self.done.clear()
            self._clock = asyncio.create_task(self._run_clock())
        self.changed()
        await self.broadcast_state()
        return result

    async def tell(self, actor: str, text: str) -> Delivered:
        note = self.room.note(INSTRUCTOR, actor, text)
        await self.deliver(note)
        self.changed()
        return note

    # -- one connection --------------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        client = _Client(ws)
        self.clients.append(client)
        loop = asyncio.get_running_loop()
        hello_timer = loop.call_later(self.hello_seconds, self._drop_silent, client)
        try:
            async for raw in ws:
                if not client.bucket.take(loop.time()):
                    client.refused += 1
                    if client.refused > FLOOD_LIMIT:
                        await ws.close(1008, "too many messages")
                        break
                    await self._send(client, Error(code="rate-limit", detail="too many messages; slow down").dump())
                    continue
                try:
                    message = parse_client(raw)
                except ProtocolError as exc:
                    await self._send(client, Error(code=exc.code, detail=exc.detail).dump())
                    continue
                try:
                    await self._dispatch(client, message)
                except RefusedError as exc:
                    await self._send(client, Error(code=exc.code, detail=exc.detail).dump())
                    if exc.code == "wrong-code" and client.wrong_codes >= WRONG_CODES:
                        await ws.close(1008, "too many wrong codes")
                        break
                except (ValueError, KeyError, TypeError, IndexError) as exc:  # a bug must not cost the seat
                    self.log(f"internal error on a message from {client.actor or 'a client'}: {exc!r}")
                    await self._send(client, Error(code="internal", detail="the host could not take this").dump())
                if client.joined:
                    hello_timer.cancel()
        except ConnectionClosed:
            pass
        finally:
            hello_timer.cancel()
            with contextlib.suppress(ValueError):
                self.clients.remove(client)
            if client.joined and client.actor is not None:
                self.log(f"{client.actor} disconnected")
                await self.broadcast_state()

    def _drop_silent(self, client: _Client) -> None:
        if not client.joined:
            task = asyncio.ensure_future(client.ws.close(1008, "no hello in time"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _dispatch(self, client: _Client, message: Hello | Orders | Note | Ping) -> None:
        match message:
            case Ping(token=token):
                await self._send(client, Pong(token=token).dump())
            case Hello(actor=actor, code=code):
                if client.joined:
                    raise RefusedError(
                        "already-joined", f"this connection already plays {client.actor or 'as a viewer'}"
                    )
                try:
                    self.room.join(actor, code)
                except RefusedError:
                    client.wrong_codes += 1
                    raise
                for other in [c for c in self.clients if c is not client and c.joined and c.actor == actor]:
                    if actor is not None:  # one connection per seat: a reconnect replaces the old one
                        await self._send(
                            other, Error(code="replaced", detail="this seat joined again elsewhere").dump()
                        )
                        await other.ws.close(1000, "replaced by a new connection")
                        other.joined = False
                client.actor, client.joined = actor, True
                self.log(f"{actor or 'a viewer'} joined")
                room = self.room
                welcome = Welcome(
                    actor=actor,
                    scenario=room.session.log.scenario,
                    scenario_id=room.setup.scenario_id,
                    title=room.setup.title,
                    seed=room.session.log.seed,
                    rounds=room.view(None).rounds,
                    seats=room.seats(self.connected()),
                )
                await self._send(client, welcome.dump())
                await self._send(client, self.log_message())
                await self.broadcast_state()
                if room.finished:
                    await self._send(client, room.over().dump())
            case _ if not client.joined:
                raise RefusedError("hello-first", "say hello with your seat and code first")
            case Orders():
                if client.actor is None:
                    raise RefusedError("not-your-seat", "viewers cannot give orders")
                self.room.submit(client.actor, message)
                self.log(f"{client.actor} submitted")
                self.changed()
                await self.broadcast_state()
            case Note(to=to, text=text):
                if client.actor is None:
                    raise RefusedError("not-your-seat", "viewers cannot send messages")
                await self.deliver(self.room.note(client.actor, to, text))
                self.changed()
