"""The instructor's console, without a window: status lines and typed commands acting on the host.

:func:`status_lines` says who has submitted, who is connected, the countdown and the last announcements;
:func:`parse_command` reads one typed command (``fire EVENT``, ``pause``, ``resume``, ``play``, ``rewind N``,
``ai ACTOR``, ``human ACTOR``, ``tell ACTOR TEXT``, ``end``, ``codes``, ``status``, ``help``) and
:func:`execute` carries it out on a :class:`~sim.net.host.Host`; :func:`run_typed_console` reads them from the
terminal. The pygame console window (:mod:`sim.ui.console`) shows the same lines and sends the same commands.
No pygame here.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.core.events import Event
from sim.net.classroom import Classroom, RefusedError

if TYPE_CHECKING:
    from sim.net.host import Host

HELP = (
    "commands: status | fire EVENT | pause | resume | play (the round now; the AI plays missing seats) | "
    "rewind ROUND | ai ACTOR | human ACTOR | tell ACTOR TEXT | codes | end | help"
)
VERBS = ("status", "fire", "pause", "resume", "play", "rewind", "ai", "human", "tell", "codes", "end", "help")


@dataclass(frozen=True, slots=True)
class Command:
    """One instructor command, checked against the class (actor and event exist, round in range)."""

    verb: str
    actor: str | None = None
    text: str = ""
    number: int = 0


def parse_command(line: str, room: Classroom) -> Command:
    """A typed line as a command; RefusedError("console", ...) with the fix if it is not one."""
    words = line.strip().split()
    if not words:
        raise RefusedError("console", HELP)
    verb, rest = words[0].lower(), words[1:]
    if verb not in VERBS:
        raise RefusedError("console", f"unknown command {verb!r}; {HELP}")
    if verb in ("ai", "human", "tell"):
        if not rest or rest[0] not in room.codes:
            raise RefusedError("console", f"{verb} ACTOR: choose one of {', '.join(room.codes)}")
        if verb == "tell" and len(rest) < 2:
            raise RefusedError("console", "tell ACTOR TEXT: the message is missing")
        return Command(verb, actor=rest[0], text=" ".join(rest[1:]))
    if verb == "fire":
        events = [e.id for e in room.setup.events if isinstance(e, Event)]
        if len(rest) != 1 or rest[0] not in events:
            raise RefusedError("console", f"fire EVENT: this scenario's events: {', '.join(events) or 'none'}")
        return Command(verb, text=rest[0])
    if verb == "rewind":
        if len(rest) != 1 or not rest[0].isdigit() or int(rest[0]) > room.round:
            raise RefusedError("console", f"rewind ROUND: a round from 0 to {room.round}")
        return Command(verb, number=int(rest[0]))
    if rest:
        raise RefusedError("console", f"{verb} takes nothing after it; {HELP}")
    return Command(verb)


def status_lines(room: Classroom, seconds_left: float | None, connected: list[str]) -> list[str]:
    """What the console shows: the round, the countdown, each seat's state, the last announcements."""
    rounds = room.view(None).rounds
    if room.finished:
        clock = f"game over ({room.ended or 'finished'})"
    elif room.paused:
        clock = "paused"
    elif seconds_left is None:
        clock = "no turn timer: the round plays when every team is in"
    else:
        clock = f"{int(seconds_left // 60)}:{int(seconds_left % 60):02d} left"
    lines = [room.setup.title, f"round {room.round + (not room.finished)} of {rounds} -- {clock}"]
    for seat in room.seats(connected):
        if seat.controller != "human":
            state = f"played by the {seat.controller.upper() if seat.controller == 'ai' else seat.controller}"
        else:
            state = "orders in" if seat.submitted else "thinking"
        link = "connected" if seat.connected else "not connected"
        lines.append(f"  {seat.id:<12}  {seat.name[:22]:<22}  {state:<18}  {link}")
    lines += [f"  > {a.text}" for a in room.announcements[-3:]]
    return lines


def codes_lines(room: Classroom) -> list[str]:
    names = {s.id: s.name for s in room.seats()}
    lines = [f"  {actor:<12}  {names[actor][:22]:<22}  {code}" for actor, code in room.codes.items()]
    return [*lines, f"  {'viewers':<12}  {'(projector, watch only)':<22}  {room.viewer_code}"]


async def execute(host: Host, command: Command) -> list[str]:
    """Carry out a command on the host (every client is told); the lines to show the instructor."""
    room = host.room
    match command.verb:
        case "help":
            return [HELP]
        case "status":
            return status_lines(room, host.seconds_left(), host.connected())
        case "codes":
            return codes_lines(room)
        case "play":
            if room.paused:
                raise RefusedError("paused", "the game is paused; resume first")
            await host.play_round()
            return status_lines(room, host.seconds_left(), host.connected())
        case "fire":
            await host.instructor(lambda r: r.fire(command.text))
        case "pause":
            await host.instructor(Classroom.pause)
        case "resume":
            await host.instructor(Classroom.resume, restart_timer=True)
        case "rewind":
            await host.instructor(lambda r: r.rewind(command.number), restart_timer=True)
        case "ai" | "human":
            await host.instructor(lambda r: r.hand(command.actor or "", command.verb))
        case "tell":
            await host.tell(command.actor or "", command.text)
            return [f"told {command.actor}: {command.text}"]
        case "end":
            await host.instructor(lambda r: r.end())
            return ["the game is over; every team sees the debrief"]
    return [room.announcements[-1].text] if room.announcements else []


async def run_typed_console(host: Host) -> None:
    """Commands typed on the terminal (when it is one) until the game is over; each answer printed."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()
    if sys.stdin is not None and sys.stdin.isatty():
        print(HELP, flush=True)

        def read() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line)

        threading.Thread(target=read, daemon=True, name="pivot-console").start()
    done = asyncio.create_task(host.done.wait())
    while not host.done.is_set():
        get = asyncio.create_task(lines.get())
        finished, _ = await asyncio.wait({get, done}, return_when=asyncio.FIRST_COMPLETED)
        if get not in finished:
            get.cancel()
            break
        try:
            out = await execute(host, parse_command(get.result(), host.room))
        except RefusedError as exc:
            out = [exc.detail]
        print("\n".join(out), flush=True)
