"""The student's window in a networked class: the ordinary game window, fed by a remote session.

``play_remote`` joins the host (:class:`sim.net.remote.RemoteSession`), opens the usual window on the round
screen with the student's actor as the only human, and keeps the websocket running until the window closes.
Each time the student ends the turn the orders go to the host; the window shows "busy" until the host has
played the round (every team in, or the turn timer), then the new round, computed by replaying the host's log.
The title bar shows the round, the teams in and the countdown; the host's messages show as notes; the messages
panel (M) lists the team's private messages and writes to another team, as do lines typed in the terminal as
``@ACTOR text``. When the instructor ends the game early, the window switches to the debrief (:class:`Follow`).
"""

from __future__ import annotations

import sys
import threading

import pygame

from sim.core import MoveError
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
    _read_messages(session)
    follow = Follow(app, session)
    try:
        while app.running:
            follow.frame()
            app.frame()
        app.quit()
    finally:
        session.close()
    return 0


class Follow:
    """What the host does between the student's turns reaches the window, checked once a frame.

    The title bar shows the round, the teams in and the countdown; messages and announcements show as notes
    (and in the terminal); and when the game is over on the host, the instructor having ended it early, the
    window builds its last view again (the game over) and switches to the debrief, over any panel open.
    """

    def __init__(self, app: App, session: RemoteSession) -> None:
        self.app = app
        self.session = session
        self.seen = 0  # messages and announcements already shown
        self.caption = ""
        self.debriefed = False

    def frame(self) -> None:
        app, session = self.app, self.session
        line = f"Pivot -- {session.status_line()}"  # the round, teams in, the countdown, in the title bar
        if line != self.caption:
            self.caption = line
            pygame.display.set_caption(line)
        news = session.news(self.seen)  # private messages and announcements from the host, as notes
        if news:
            self.seen += len(news)
            shown = [text for text in news if not text.startswith("Message to ")]  # not the copy of one's own
            if shown and app.top.name != "messages":  # the panel lists them itself
                hint = "  (M: messages)" if shown[-1].startswith("Message from") else ""
                app.toast(shown[-1] + hint, seconds=10.0)
            for text in news:
                print(text, flush=True)
        g = app.game
        if g is None or not session.finished or g.busy or self.debriefed:
            return
        if not g.finished:  # over on the host, not in the window's view yet: build the view of the game over
            g.refresh(f"Game over: {session.ended}" if session.ended else "Game over")
            return
        self.debriefed = True
        app.toast("", seconds=0.0)  # notes from the game no longer matter: the debrief says how it ended
        while len(app.stack) > 1 and app.top.name != "debrief":
            app.pop()  # a panel open (messages, the summary...) closes: the class is over
        if app.top.name != "debrief":
            round_scene = app.find_named("round")
            if round_scene is not None:
                round_scene.open_debrief()
            else:
                app.navigate("debrief")


def _read_messages(session: RemoteSession) -> None:
    """Lines typed in the terminal beside the window as ``@ACTOR text`` go to that team, privately."""
    if sys.stdin is None or not sys.stdin.isatty():
        return
    print("To write to another team, type here: @ACTOR your message (for example: @china shall we talk trade?)")

    def read() -> None:
        for line in sys.stdin:
            to, _, text = line.strip().partition(" ")
            if not to.startswith("@") or not text.strip():
                print("type @ACTOR and your message, for example: @china shall we talk trade?", flush=True)
                continue
            try:
                session.tell(to[1:], text.strip())
                print(f"sent to {to[1:]}", flush=True)
            except MoveError as exc:
                print(exc, flush=True)

    threading.Thread(target=read, daemon=True, name="pivot-messages").start()
