"""Networked class: a round on the host with 6 teams and 30 viewers connected, against the same round played locally.

Prints figures only (never run as a test): `python benchmarks/bench_net.py [GAMES]`. The host runs
in this process on 127.0.0.1 with real websocket clients (6 teams that pass, 30 viewers); a round's network
time runs from the last team's orders leaving its client until every one of the 36 clients holds the new
state. The local time is the same round (same seed, same orders) played on a GameSession. Medians of the
rounds of several games; the ratio compares work measured in the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.net.classroom import Classroom
from sim.net.client import Connection
from sim.net.host import Host
from sim.net.messages import Orders
from sim.play.session import GameSession
from sim.ui.library import load_setup

SCENARIO = "medvedev_visit_2015"
VIEWERS = 30


async def network_rounds(seed: int) -> list[float]:
    setup = load_setup(SCENARIO)
    room = Classroom.new(setup, SCENARIO, seed, turn_seconds=None)
    host = Host(room, log=lambda text: None)
    port = await host.serve(0, "127.0.0.1")
    url = f"ws://127.0.0.1:{port}"
    teams = [Connection(url, a, room.codes[a]) for a in setup.actor_ids]
    viewers = [Connection(url, None, room.viewer_code) for _ in range(VIEWERS)]
    for conn in (*teams, *viewers):
        await conn.join()
    clients = [*teams, *viewers]
    times: list[float] = []

    async def state_of_round(conn: Connection, n: int) -> None:
        while True:
            message = await conn.receive()
            if message.type == "state" and message.view.round == n and not any(s.submitted for s in message.view.seats):
                return

    while not room.finished:
        n = room.round + 1
        for team in teams[:-1]:
            await team.send(Orders().dump())
        while len(room.orders) < len(teams) - 1:
            await asyncio.sleep(0.001)
        waits = [asyncio.create_task(state_of_round(c, n)) for c in clients]
        start = time.perf_counter()
        await teams[-1].send(Orders().dump())
        await asyncio.gather(*waits)
        times.append(time.perf_counter() - start)
    for conn in clients:
        await conn.close()
    await host.close()
    return times


def local_rounds(seed: int) -> list[float]:
    setup = load_setup(SCENARIO)
    session = GameSession.start(setup, SCENARIO, seed, None)
    for actor in setup.actor_ids:
        session.switch(actor, "human")
    times = []
    while not session.finished:
        start = time.perf_counter()
        session.play_round({a: () for a in session.humans()})
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    games = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    net: list[float] = []
    local: list[float] = []
    for seed in range(games):
        net += asyncio.run(network_rounds(seed))
        local += local_rounds(seed)
    n, m = statistics.median(net), statistics.median(local)
    print(f"{SCENARIO}: {len(net)} rounds in {games} games; 6 teams + {VIEWERS} viewers on 127.0.0.1")
    print(f"round played locally (GameSession.play_round):          {m * 1000:8.2f} ms (median)")
    print(f"round on the host, last orders sent -> all 36 hold state: {n * 1000:8.2f} ms (median)")
    print(f"ratio network / local: {n / m:.1f}x")


if __name__ == "__main__":
    main()
