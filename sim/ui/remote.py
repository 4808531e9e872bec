"""The student's window in a networked class: the ordinary game window, fed by a remote session.

``play_remote`` joins the host (:class:`sim.net.remote.RemoteSession`), opens the usual window on the round
screen with the student's actor as the only human, and keeps the websocket running until the window closes.
Each time the student ends the turn the orders go to the host; the window shows "busy" until the host has
played the round (every team in, or the turn timer), then the new round, computed by replaying the host's log.
"""

from __future__ import annotations

import pygame

from sim.net.remote import RemoteSession
from sim.ui import library
from sim.ui.app import App, Settings
from sim.ui.game import Game


def open_remote(address: str, actor: str, code: str, settings: Settings | None = None) -> tuple[App, RemoteSession]:
    """The window on a joined seat (the caller runs ``app.run()``); JoinError if the host refuses or is away."""
    session = RemoteSession.connect(address, actor, code, library.load_setup)
    settings = settings or Settings(baseline_runs=0)
    app = App(settings=settings)
    app.last_scenario = session.log.scenario
    app.set_game(Game(session, baseline_runs=0))
    app.navigate("round")
    app.toast(f"Joined {address} as {actor}: your orders go to the host when you end the turn", seconds=6.0)
    return app, session


def play_remote(address: str, actor: str, code: str) -> int:
    app, session = open_remote(address, actor, code)  # JoinError: the join command reports it in one line
    print(f"The game window is open as {actor}; closing it leaves the seat (join again with the same code).")
    seen, caption = 0, ""
    try:
        while app.running:
            line = f"Pivot -- {session.status_line()}"  # the round, teams in, the countdown, in the title bar
            if line != caption:
                caption = line
                pygame.display.set_caption(caption)
            news = session.news(seen)  # private messages and announcements from the host, as toasts
            if news:
                seen += len(news)
                app.toast(news[-1], seconds=10.0)
                for line in news:
                    print(line, flush=True)
            app.frame()
        app.quit()
    finally:
        session.close()
    return 0
