"""The websockets host with real connections on 127.0.0.1: bots play a whole game, bad clients are refused cleanly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from sim.net import host as host_module
from sim.net.classroom import Classroom
from sim.net.client import Connection, run_bot
from sim.net.host import Host
from sim.net.messages import MAX_MESSAGE_BYTES, Hello, Note, Orders
from sim.play.session import load_session
from sim.ui.library import load_setup

SCENARIO = "tutorial"


def new_room(turn_seconds: float | None = 20.0, seed: int = 3) -> Classroom:
    return Classroom.new(load_setup(SCENARIO), SCENARIO, seed, turn_seconds=turn_seconds)


def serve(room: Classroom, body: Callable[[Host, str], Awaitable[Any]], record: Path | None = None, **kw: Any) -> Any:
    """Run ``body(host, address)`` against a host on a free port of 127.0.0.1, then close the host."""

    async def main() -> Any:
        host = Host(room, record=record, log=lambda text: None, **kw)
        port = await host.serve(0, "127.0.0.1")
        try:
            return await asyncio.wait_for(body(host, f"127.0.0.1:{port}"), 60)
        finally:
            await host.close()

    return asyncio.run(main())


async def until(message_type: str, conn: Connection, timeout: float = 5.0) -> Any:
    """The next message of this type (skipping others)."""

    async def wait() -> Any:
        while True:
            message = await conn.receive()
            if message.type == message_type:
                return message

    return await asyncio.wait_for(wait(), timeout)


async def until_state(conn: Connection, check: Callable[[Any], bool], timeout: float = 5.0) -> Any:
    """The first view this connection receives for which ``check(view)`` holds."""

    async def wait() -> Any:
        while True:
            message = await conn.receive()
            if message.type == "state" and check(message.view):
                return message.view

    return await asyncio.wait_for(wait(), timeout)


def test_six_bots_play_a_whole_game_and_the_record_replays_locally(tmp_path: Path) -> None:
    room = new_room()
    record = tmp_path / "class.json"
    rules = ["random", "random", "ai", "pass", "random", "random"]

    async def body(host: Host, address: str) -> list[Any]:
        bots = [
            run_bot(address, actor, room.codes[actor], rule, seed=k)
            for k, (actor, rule) in enumerate(zip(room.setup.actor_ids, rules, strict=True))
        ]
        logs = await asyncio.gather(*bots)
        await host.done.wait()
        return logs

    logs = serve(room, body, record)
    assert all(log.over is not None and log.over.round == 4 for log in logs)
    assert all(len(log.orders) == 4 for log in logs), "every bot gave orders every round (none timed out)"
    replayed = load_session(record, load_setup)
    assert replayed.round == 4 and replayed.digest() == room.session.digest()
    for mine, theirs in zip(room.session.model.history, replayed.model.history, strict=True):
        np.testing.assert_array_equal(mine.alignment, theirs.alignment)
        np.testing.assert_array_equal(mine.world.gdp, theirs.world.gdp)
    human_moves = [m for r in replayed.model.history for m in r.moves if m.source == "human"]
    assert human_moves, "the random bots' orders were played"


def test_bad_clients_are_refused_and_the_host_serves_the_others() -> None:
    room = new_room()

    async def body(host: Host, address: str) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        good = Connection(f"ws://{address}", "cambodia", room.codes["cambodia"])
        await good.join()
        before = room.session.digest(), len(room.session.log.commands)
        async with connect(f"ws://{address}", max_size=None) as ws:

            async def ask(text: str | bytes) -> dict[str, Any]:
                await ws.send(text)
                while True:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if reply["type"] == "error":
                        return reply

            seen["before-hello"] = await ask(Orders().dump())
            seen["not-json"] = await ask("{this is not json")
            seen["unknown"] = await ask('{"type": "teleport", "version": 1}')
            seen["oversized"] = await ask('{"type": "ping", "version": 1, "x": "' + "y" * MAX_MESSAGE_BYTES + '"}')
            seen["wrong-code"] = await ask(Hello(actor="china", code=room.codes["us"]).dump())
            await ws.send(Hello(actor="china", code=room.codes["china"]).dump())
            while json.loads(await ws.recv())["type"] != "welcome":
                pass
            seen["other-seat"] = await ask(Orders(actor="us").dump())
            seen["illegal"] = await ask(Orders(moves=[["state_visit", "china", None]]).dump())
            seen["to-nobody"] = await ask(Note(to="atlantis", text="hi").dump())
        seen["unchanged"] = (room.session.digest(), len(room.session.log.commands)) == before and room.orders == {}
        await good.send(Orders().dump())
        seen["good-still-served"] = (await until_state(good, lambda v: v.seats[0].submitted)).seats[0].submitted
        await good.close()
        return seen

    seen = serve(room, body)
    codes = {key: value["code"] for key, value in seen.items() if isinstance(value, dict)}
    assert codes == {
        "before-hello": "hello-first",
        "not-json": "not-json",
        "unknown": "unknown-type",
        "oversized": "too-big",
        "wrong-code": "wrong-code",
        "other-seat": "not-your-seat",
        "illegal": "illegal",
        "to-nobody": "unknown-actor",
    }
    assert seen["unchanged"] and seen["good-still-served"]


def test_a_flood_is_rate_limited_then_cut_off_and_a_huge_frame_closes_only_that_connection() -> None:
    room = new_room()

    async def body(host: Host, address: str) -> dict[str, Any]:
        out: dict[str, Any] = {"rate": 0}
        good = Connection(f"ws://{address}", "us", room.codes["us"])
        await good.join()
        async with connect(f"ws://{address}") as ws:
            try:
                for _ in range(host_module.BURST + 4 * host_module.FLOOD_LIMIT):
                    await ws.send('{"type": "ping", "version": 1}')
                while True:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    out["rate"] += reply.get("code") == "rate-limit"
            except ConnectionClosed as exc:
                out["flood-close"] = exc.rcvd.code if exc.rcvd else None
        async with connect(f"ws://{address}", max_size=None) as ws:
            try:
                await ws.send("x" * (host_module.MAX_FRAME_BYTES + 10))
                await asyncio.wait_for(ws.recv(), 5)
            except ConnectionClosed as exc:
                out["huge-close"] = exc.rcvd.code if exc.rcvd else None
        await good.send('{"type": "ping", "version": 1, "token": 7}')
        out["pong"] = (await until("pong", good)).token
        await good.close()
        return out

    out = serve(room, body)
    assert out["rate"] >= 10 and out["flood-close"] == 1008
    assert out["huge-close"] == 1009
    assert out["pong"] == 7


def test_a_silent_client_is_dropped_and_the_turn_timer_lets_the_ai_play_missing_seats() -> None:
    room = new_room(turn_seconds=0.6)

    async def body(host: Host, address: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with connect(f"ws://{address}") as silent:
            try:
                await asyncio.wait_for(silent.recv(), 5)
            except ConnectionClosed as exc:
                out["silent"] = exc.rcvd.code if exc.rcvd else None
        watcher = Connection(f"ws://{address}", "eu", room.codes["eu"])
        await watcher.join()
        await watcher.send(Orders().dump())
        done = await until("round", watcher)
        out["stand_ins"] = done.stand_ins
        out["announced"] = (await until("announcement", watcher)).text
        await watcher.close()
        return out

    out = serve(room, body, hello_seconds=0.3)
    assert out["silent"] == 1008
    assert out["stand_ins"] == ["cambodia", "russia", "china", "us", "asean"]
    assert "the AI played for" in out["announced"]


def test_a_team_that_drops_reconnects_and_finds_its_orders_and_messages(tmp_path: Path) -> None:
    room = new_room(turn_seconds=None)

    async def body(host: Host, address: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first = Connection(f"ws://{address}", "cambodia", room.codes["cambodia"])
        await first.join()
        view = (await until("state", first)).view
        visit = next(m for m in view.legal if m[0] == "state_visit")
        await first.send(Orders(moves=[visit]).dump())
        await first.send(Note(to="china", text="see you in Beijing").dump())
        await until("message", first)
        assert first.ws is not None
        first.ws.transport.abort()  # the laptop's wifi drops: no close frame
        again = Connection(f"ws://{address}", "cambodia", room.codes["cambodia"])
        await again.join()
        view = await until_state(again, lambda v: True)
        out["orders"] = view.my_orders.moves if view.my_orders else None
        out["messages"] = [m.text for m in view.messages]
        out["visit"] = visit
        # a second connection with the same code replaces the first
        third = Connection(f"ws://{address}", "cambodia", room.codes["cambodia"])
        await third.join()
        out["replaced"] = (await until("error", again)).code
        await third.close()
        await again.close()
        return out

    out = serve(room, body, tmp_path / "c.json")
    assert out["orders"] == [out["visit"]]
    assert out["messages"] == ["see you in Beijing"]
    assert out["replaced"] == "replaced"


def test_the_instructor_console_acts_on_the_running_class() -> None:
    from sim.net.console import execute, parse_command

    room = new_room(turn_seconds=None)

    async def body(host: Host, address: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        team = Connection(f"ws://{address}", "us", room.codes["us"])
        await team.join()
        await execute(host, parse_command("tell us a word from the instructor", room))
        out["told"] = (await until("message", team)).sender
        await execute(host, parse_command("pause", room))
        out["paused"] = (await until_state(team, lambda v: v.paused)).paused
        await execute(host, parse_command("resume", room))
        await execute(host, parse_command("play", room))
        out["round"] = (await until("round", team)).round
        await execute(host, parse_command("end", room))
        out["over"] = (await until("over", team)).reason
        await execute(host, parse_command("rewind 1", room))  # the instructor takes the end back
        out["again"] = (await until_state(team, lambda v: not v.finished)).round
        await execute(host, parse_command("play", room))
        out["next"] = (await until("round", team)).round
        await team.close()
        return out

    out = serve(room, body)
    assert out == {
        "told": "instructor",
        "paused": True,
        "round": 1,
        "over": "the instructor ended the game",
        "again": 1,
        "next": 2,
    }
