"""Screenshots for docs/classroom.md: a student's window and the instructor's console, mid-game, off-screen.

Run: `python tools/classroom_screenshots.py [OUT_DIR]` (default docs/figures). A host runs on 127.0.0.1 in a
background thread with bots in five seats; Cambodia's window joins through a remote session and plays one
round; both windows are drawn with SDL's dummy driver (no display needed).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.net.classroom import Classroom
from sim.net.client import run_bot
from sim.net.host import Host
from sim.ui.console import ConsoleWindow
from sim.ui.library import load_setup
from sim.ui.remote import open_remote

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
    print(f"wrote {out / 'classroom_student.png'} and {out / 'classroom_console.png'}")


if __name__ == "__main__":
    main()
