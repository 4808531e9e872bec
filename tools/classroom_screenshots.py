"""Screenshots for docs/classroom.md: a student's window and the instructor's console, mid-game, off-screen.

Run: `python tools/classroom_screenshots.py [OUT_DIR]` (default docs/figures). A host runs on 127.0.0.1 in a
background thread with bots in five seats; Cambodia's window joins through a remote session and plays one
round, opens its messages panel (M) and follows the instructor ending the class early to the debrief; the
windows are drawn with SDL's dummy driver (no display needed).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame

from sim.net.classroom import Classroom
from sim.net.client import run_bot
from sim.net.host import Host
from sim.ui.console import ConsoleWindow
from sim.ui.library import load_setup
from sim.ui.remote import Follow, open_remote

SCENARIO = "medvedev_visit_2015"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "figures"
    room = Classroom.new(load_setup(SCENARIO), SCENARIO, 2015, turn_seconds=240)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def make() -> Host:
        return Host(room, log=lambda text: None)

    host = asyncio.run_coroutine_threadsafe(make(), loop).result()
    port = asyncio.run_coroutine_threadsafe(host.serve(0, "127.0.0.1"), loop).result()
    address = f"127.0.0.1:{port}"
    for k, actor in enumerate(room.setup.actor_ids):
        if actor not in ("cambodia", "asean"):
            asyncio.run_coroutine_threadsafe(run_bot(address, actor, room.codes[actor], "random", seed=k), loop)
    app, session = open_remote(address, "cambodia", room.codes["cambodia"])
    visit = next(m for m in room.view("cambodia").legal if m[0] == "state_visit")
    asyncio.run_coroutine_threadsafe(host.instructor(lambda r: r.hand("asean", "ai")), loop).result(30)
    assert app.game is not None
    app.game.confirm_orders([(visit[0], visit[1], visit[2])])
    app.game.wait(60)
    for _ in range(5):
        app.frame()
    out.mkdir(parents=True, exist_ok=True)
    app.screenshot(out / "classroom_student.png")
    # The messages panel (M): a note from China's team and the instructor's, a reply being typed to China.
    follow = Follow(app, session)
    asyncio.run_coroutine_threadsafe(
        host.instructor(lambda r: r.note("china", "cambodia", "Would Phnom Penh back the port deal if we fund it?")),
        loop,
    ).result(30)
    asyncio.run_coroutine_threadsafe(host.tell("cambodia", "Two minutes left in this round."), loop).result(30)
    session.tell("russia", "Thank you for the debt talks; we will answer after the round.")
    while follow.seen < 3:
        follow.frame()
        app.frame()
    app.navigate("messages", to="china")
    for ch in "Only with an open tender and local jobs":
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_a, unicode=ch, mod=0, scancode=0))
    for _ in range(3):
        follow.frame()
        app.frame()
    app.screenshot(out / "classroom_messages.png")
    # The instructor ends the class early: the window switches to the debrief.
    asyncio.run_coroutine_threadsafe(host.instructor(lambda r: r.end()), loop).result(30)
    while app.top.name != "debrief":
        follow.frame()
        app.frame()
        if app.game.busy:
            app.game.wait(30)
    app.top.wait_for_lessons(60)
    for _ in range(3):
        app.frame()
    app.screenshot(out / "classroom_ended.png")
    app.quit()
    session.close()

    async def console() -> None:
        room.note("instructor", "china", "Remember: Beijing wants the port deal before the summit.")
        room.announce("Round 2 is open: 4 minutes")
        window = ConsoleWindow(host, (1600, 900))
        window.output = ["told china: Remember: Beijing wants the port deal before the summit."]
        window.draw()
        window.screenshot(str(out / "classroom_console.png"))

    asyncio.run_coroutine_threadsafe(console(), loop).result(60)
    names = ("classroom_student.png", "classroom_messages.png", "classroom_ended.png", "classroom_console.png")
    print(f"wrote {', '.join(str(out / n) for n in names)}")


if __name__ == "__main__":
    main()
