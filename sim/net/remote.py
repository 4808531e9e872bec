"""A remote session: the game window drives it like a local GameSession, but the host plays the rounds.

:class:`RemoteSession` is a :class:`~sim.play.session.GameSession` whose model is a replica, rebuilt from the
host's log (``log`` messages) on this machine's copy of the scenario: the game is deterministic, so the
replica is the host's game round for round (checked against the host's digest after every round). Only the
student's own actor counts as human here (``humans()``), so the window shows that actor's screens;
:meth:`play_round` sends the orders to the host and waits until the host has played the round (every team
in, or the timer). Rewinding, firing events and handing seats over belong to the instructor's console.
A background thread runs the websocket (:class:`~sim.net.client.Connection`). No pygame here.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from websockets.exceptions import ConnectionClosed

from sim.core import ModelSetup, MoveError
from sim.net.client import Connection, JoinError, url_of
from sim.net.messages import Announcement, Delivered, Error, Log, Note, Orders, Over, RoundDone, State, View
from sim.play.session import Command, GameLog, GameSession, Order

#: How long play_round waits for the host to play the round before it gives up (the turn timer is shorter).
ROUND_WAIT_SECONDS = 3600.0
#: Attempts to join again after the connection drops (about a minute with the back-off).
RECONNECTS = 35


class RemoteSession(GameSession):
    """The student's side of a networked game (see the module docstring)."""

    def __init__(self, setup: ModelSetup, actor: str, link: _Link) -> None:
        self.actor = actor
        self.link = link
        # the replica starts as the host's game did (no player); the window's viewpoint is this actor
        super().__init__(setup, GameLog(link.welcome.scenario, setup.scenario_id, link.welcome.seed, None, []))
        self.log.player = actor
        self._replay(link.latest_log())

    @classmethod
    def connect(
        cls, address: str, actor: str, code: str, load_setup: Callable[[str], ModelSetup], timeout: float = 10.0
    ) -> RemoteSession:
        """Join the host as ``actor`` and build the replica; JoinError in one line if that cannot be done."""
        link = _Link(url_of(address), actor, code)
        link.start(timeout)
        setup = load_setup(link.welcome.scenario)
        if setup.scenario_id != link.welcome.scenario_id:
            link.stop()
            raise JoinError(
                f"this machine's {link.welcome.scenario!r} is scenario {setup.scenario_id!r}, the host plays "
                f"{link.welcome.scenario_id!r}: install the same Pivot version as the host"
            )
        return cls(setup, actor, link)

    # -- what the window reads ------------------------------------------------------------------------

    def humans(self) -> list[str]:
        """Only this student's actor (when a person plays it): the window never shows another team's turn."""
        return [self.actor] if self.model.countries[self.setup.index(self.actor)].controller == "human" else []

    def played_here(self) -> set[str]:
        """Only this student's actor: the other seats a person played were other teams, on other machines."""
        return {self.actor}

    @property
    def finished(self) -> bool:
        """Over on the host (the last round, ``--rounds``, or the instructor ended it) or in the replica."""
        return self.model.finished or self.link.over is not None

    @property
    def ended(self) -> str | None:
        """Why the game ended early: an event in the replica, or the host's reason (the instructor ended it)."""
        over = self.link.over
        if self.model.ended or over is None or self.model.finished:
            return self.model.ended
        return over.reason or "the instructor ended the game"

    def news(self, seen: int) -> list[str]:
        """Messages and announcements from the host after the first ``seen`` (for the window to show)."""
        with self.link.changed:
            notes = self.link.notes[seen:]
        out = []
        for n in notes:
            if not isinstance(n, Delivered):
                out.append(n.text)
            elif n.sender == self.actor:  # the host's copy of a message this seat sent
                out.append(f"Message to {n.to}: {n.text}")
            else:
                out.append(f"Message from {n.sender}: {n.text}")
        return out

    def conversation(self) -> list[tuple[str, str, str, int]]:
        """This seat's private messages (sent and received) and the host's announcements, oldest first, as
        (sender, to, text, round); an announcement's sender is "host" and its addressee "all"."""
        with self.link.changed:
            notes = list(self.link.notes)
        return [
            (n.sender, n.to, n.text, n.round) if isinstance(n, Delivered) else ("host", "all", n.text, n.round)
            for n in notes
        ]

    def status_line(self) -> str:
        """One line for the window's title bar: the round, how many teams are in, the countdown."""
        with self.link.changed:
            view, since = self.link.view, self.link.view_time
        if self.link.lost is not None:
            return f"{self.actor}: {self.link.lost}"
        if self.finished or view is None:
            return f"{self.actor}: the game is over" if self.finished else f"{self.actor}: waiting for the host"
        humans = [s for s in view.seats if s.controller == "human"]
        done = sum(s.submitted for s in humans)
        line = f"{self.actor} -- round {view.round + 1} of {view.rounds}: {done} of {len(humans)} teams in"
        if view.paused:
            return line + " -- paused by the instructor"
        if view.seconds_left is not None:
            left = max(0.0, view.seconds_left - (time.monotonic() - since))
            line += f" -- {int(left // 60)}:{int(left % 60):02d} left"
        return line

    @property
    def view(self) -> View | None:
        """The host's latest view for this seat: countdown, who is in, proposals, messages, announcements."""
        return self.link.view

    # -- what the window does -------------------------------------------------------------------------

    def play_round(
        self,
        orders: Mapping[str, Sequence[Order]] | None = None,
        answers: Mapping[str, Mapping[int, bool]] | None = None,
        stand_ins: Sequence[str] = (),
    ) -> None:
        """Send this seat's orders and wait until the host has played the round, then catch up."""
        if self.finished:
            raise MoveError("the game is over")
        moves = [list(m) for m in (orders or {}).get(self.actor, ())]
        given = dict((answers or {}).get(self.actor, {}))
        start = self.round
        error = self.link.request(Orders(actor=self.actor, moves=moves, answers=sorted(given.items())))
        if error is not None:
            raise MoveError(f"the host refused the orders: {error.detail}")
        self.link.wait_for(lambda: self.link.log_round() > start or self.link.over is not None, ROUND_WAIT_SECONDS)
        self._replay(self.link.latest_log())

    def tell(self, to: str, text: str) -> None:
        """Send a private message to another team (logged in the game record); MoveError if the host refuses."""
        with self.link.changed:
            sent = len(self.link.notes)
            errors = len(self.link.errors)
        self.link.send(Note(to=to, text=text).dump())

        def answered() -> bool:
            mine = [n for n in self.link.notes[sent:] if isinstance(n, Delivered) and n.sender == self.actor]
            return bool(mine) or len(self.link.errors) > errors

        self.link.wait_for(answered, 10.0)
        with self.link.changed:
            if len(self.link.errors) > errors:
                raise MoveError(f"the message was not sent: {self.link.errors[-1].detail}")

    def switch(self, actor: str, controller: Literal["ai", "human"]) -> None:
        raise MoveError("in a networked class the instructor hands seats over, on the host's console")

    def fire(self, event_id: str) -> None:
        raise MoveError("in a networked class the instructor fires events, on the host's console")

    def rewind(self, round_number: int, keep_controllers: bool = True) -> GameSession:
        raise MoveError("in a networked class the instructor rewinds, on the host's console")

    def close(self) -> None:
        self.link.stop()

    # -- the replica ------------------------------------------------------------------------------------

    def _replay(self, log: Log | None) -> None:
        """Bring the replica to the host's log: apply new commands, or rebuild after a rewind on the host."""
        if log is None:
            return
        commands = [Command.from_json(c) for c in log.commands]
        mine = self.log.commands
        if commands[: len(mine)] != mine:  # the host rewound: start again from the scenario
            fresh = GameSession(self.setup, GameLog(self.log.scenario, self.setup.scenario_id, self.log.seed, None, []))
            self.model, self.log.commands = fresh.model, []
            mine = self.log.commands
        for command in commands[len(mine) :]:
            self._apply(command)
            self.log.commands.append(command)


class _Link:
    """The websocket in a background thread: the latest log and view, and requests answered by the host."""

    def __init__(self, url: str, actor: str, code: str) -> None:
        self.conn = Connection(url, actor, code)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="pivot-remote")
        self.changed = threading.Condition()
        self.view: View | None = None
        self.view_time = 0.0  # time.monotonic() when the view arrived (the countdown runs on from there)
        self.log: Log | None = None
        self.over: Over | None = None
        self.errors: list[Error] = []
        self.notes: list[Delivered | Announcement] = []
        self.rounds: list[RoundDone] = []
        self.lost: str | None = None
        self.stopping = False
        self._welcome: Any = None

    @property
    def welcome(self) -> Any:
        return self._welcome

    def start(self, timeout: float) -> None:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self.conn.join(timeout), self.loop)
        try:
            self._welcome = future.result(timeout + 1)
        except BaseException:
            self.stop()
            raise
        asyncio.run_coroutine_threadsafe(self._receive(), self.loop)
        self.wait_for(lambda: self.log is not None, timeout)

    def stop(self) -> None:
        self.stopping = True
        with self.changed:  # whoever waits for the host (the window's worker thread) stops waiting now
            self.lost = self.lost or "this window left the class"
            self.changed.notify_all()
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.conn.close(), self.loop).result(5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
        if not self.loop.is_running() and not self.loop.is_closed():
            for task in asyncio.all_tasks(self.loop):
                task.cancel()
            self.loop.run_until_complete(asyncio.sleep(0))
            self.loop.close()

    async def _receive(self) -> None:
        """Keep the latest log and view; when the connection drops, join again with the code (the host may be
        restarting with ``--resume``) for about a minute before giving up."""
        while True:
            try:
                while True:
                    self._take(await self.conn.receive())
            except Exception as exc:
                if self.stopping:
                    return
                reason = f"the connection to the host was lost ({type(exc).__name__})"
            for attempt in range(RECONNECTS):
                await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
                conn = Connection(self.conn.url, self.conn.actor, self.conn.code)
                try:
                    await conn.join()
                except JoinError as refused:
                    if "refused" in str(refused):
                        break
                    continue
                except Exception:  # any failure to reach the host: try again
                    continue
                with self.changed:
                    self.conn = conn
                    self.changed.notify_all()
                break
            else:
                conn = None
            if conn is None or self.conn is not conn:
                with self.changed:
                    self.lost = reason
                    self.changed.notify_all()
                return

    def _take(self, message: Any) -> None:
        with self.changed:
            match message:
                case Log():
                    self.log = message
                case State():
                    self.view, self.view_time = message.view, time.monotonic()
                case Over():
                    self.over = message
                case Error():
                    self.errors.append(message)
                case RoundDone():
                    self.rounds.append(message)
                case Delivered() | Announcement():
                    self.notes.append(message)
            self.changed.notify_all()

    def latest_log(self) -> Log | None:
        with self.changed:
            return self.log

    def log_round(self) -> int:
        with self.changed:
            return -1 if self.log is None else self.log.round

    def wait_for(self, check: Callable[[], bool], timeout: float) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: check() or self.lost is not None, timeout):
                raise MoveError("the host did not answer in time")
            if self.lost is not None and not check():
                raise MoveError(self.lost)

    def send(self, text: str, timeout: float = 10.0) -> None:
        asyncio.run_coroutine_threadsafe(self.conn.send(text), self.loop).result(timeout)

    def request(self, orders: Orders, timeout: float = 10.0) -> Error | None:
        """Send orders; the host's error for them, or None once the host shows them in (or played the round)."""
        with self.changed:
            seen, start = len(self.errors), self.log_round()
        for _ in range(3):  # a connection that just dropped: wait for the link to join again, then resend
            conn = self.conn
            try:
                asyncio.run_coroutine_threadsafe(conn.send(orders.dump()), self.loop).result(timeout)
                break
            except ConnectionClosed:
                self.wait_for(lambda: self.conn is not conn, 90.0)  # noqa: B023  (waits inside this iteration)

        def answered() -> bool:
            taken = self.view is not None and self.view.my_orders is not None
            return len(self.errors) > seen or taken or self.log_round() > start

        self.wait_for(answered, timeout)
        with self.changed:
            return self.errors[-1] if len(self.errors) > seen else None
