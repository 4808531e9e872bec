"""Builds the round screen's view model in a separate process, so the window's frames do not share the GIL with it.

Building a :class:`~sim.ui.views.RoundView` (every move the player may make, each with its previewed effect)
takes several times as long as playing the round itself, and it is pure Python: on the model's worker
thread it would hold the GIL while the window draws. So the worker plays the round (a few milliseconds), and
this process, which keeps a replica of the game, builds the view and sends it back (a few milliseconds to
unpickle). The debrief's counterfactual replays (seconds of Python) run here too. The replica is rebuilt
from the game's log, which is deterministic, and checked against the session's digest before it is used;
anything unexpected falls back to doing the work in the window's process, as before. No pygame here.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import signal
from collections.abc import Callable
from typing import Any

from sim.core import ModelSetup
from sim.play.session import GameLog, GameSession
from sim.ui import viewmodel as vm
from sim.ui.views import RoundView

#: How long the worker thread waits for the process (its start-up included) before building the view itself.
WAIT_SECONDS = 30.0
#: How long the debrief waits for the counterfactual replays in the process before replaying them itself.
LESSONS_SECONDS = 300.0

#: The process's scenario and its replica of the game (set by the initializer and by ``build``).
_STATE: dict[str, Any] = {}


def _start(setup: ModelSetup) -> None:
    """The process's initializer: Ctrl-C belongs to the window; remember the scenario.

    It keeps the window's priority (the AI-only comparison games run at the lowest): it works only while the
    student waits for the round, and it runs on the other core than the window's frames.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE["setup"] = setup


def _replica(log: GameLog, digest: str) -> GameSession:
    """This process's replica of the game ``log`` describes, caught up (or rebuilt) and checked by ``digest``.

    The replica catches up by applying the commands it has not seen; after a rewind (another branch) or for
    another game it is rebuilt by replaying the log. Raises RuntimeError when its state is not the session's
    (the digests differ): the caller then does the work itself.
    """
    setup: ModelSetup = _STATE["setup"]
    replica: GameSession | None = _STATE.pop("replica", None)
    same_game = replica is not None and (replica.log.seed, replica.log.player, replica.log.forks) == (
        log.seed,
        log.player,
        log.forks,
    )
    done = replica.log.commands if replica is not None else []
    if replica is None or not same_game or log.commands[: len(done)] != done:
        replica = GameSession(setup, log)
    else:
        for command in log.commands[len(done) :]:
            replica._do(command)
    if replica.digest() != digest:
        raise RuntimeError("the view process's replica is not the game's state")
    _STATE["replica"] = replica
    return replica


def build(log: GameLog, digest: str, viewpoint: str | None) -> RoundView:
    """The view of the game ``log`` describes, from ``viewpoint``, built on this process's replica of it."""
    return vm.round_view(_replica(log, digest), viewpoint)


def lessons(log: GameLog, digest: str, player: str) -> tuple[str, ...]:
    """The debrief's moves that mattered (:func:`sim.ui.viewmodel.counterfactuals`), replayed in this process."""
    return vm.counterfactuals(_replica(log, digest), player)


class ViewProcess:
    """The processes that build one game's views (one, started at once so it is ready by the first round) and its
    debrief's counterfactual replays (a second one is started when a view is wanted while they run)."""

    def __init__(self, setup: ModelSetup) -> None:
        self._pool: cf.ProcessPoolExecutor | None = None
        self._ready: cf.Future[int] | None = None
        self.served = 0  # the views and replays the process did (the others were done in-process)
        with contextlib.suppress(OSError, NotImplementedError):  # no processes here: views are built in-process
            self._pool = cf.ProcessPoolExecutor(
                max_workers=2, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=(setup,)
            )
            self._ready = self._pool.submit(int)  # start the process now, not at the first round

    def _run(self, work: Callable[..., Any], session: GameSession, arg: str | None, seconds: float) -> Any:
        """``work(log, digest, arg)`` in the process; None when it cannot be done there (then it is done here):
        no process, a session of another kind, or the process still starting (a quick first round does not wait
        for it; on a loaded machine a start takes seconds)."""
        if self._pool is None or self._ready is None or not self._ready.done() or type(session) is not GameSession:
            return None
        log = GameLog(
            session.log.scenario,
            session.log.scenario_id,
            session.log.seed,
            session.log.player,
            list(session.log.commands),
            list(session.log.forks),
        )
        try:
            result = self._pool.submit(work, log, session.digest(), arg).result(seconds)
        except Exception:  # a broken or slow process must not stop the game
            return None
        self.served += 1
        return result

    def view(self, session: GameSession, viewpoint: str | None) -> RoundView:
        """The view of ``session`` from ``viewpoint``: built by the process, or here if it cannot."""
        view = self._run(build, session, viewpoint, WAIT_SECONDS)
        return view if view is not None else vm.round_view(session, viewpoint)

    def counterfactuals(self, session: GameSession, player: str) -> tuple[str, ...]:
        """The debrief's moves that mattered for ``player``: replayed in the process, or here if it cannot."""
        found = self._run(lessons, session, player, LESSONS_SECONDS)
        return found if found is not None else vm.counterfactuals(session, player)

    def wait_started(self, timeout: float = 60.0) -> bool:
        """Block until the process has started (tests); False if it could not."""
        if self._ready is None:
            return False
        with contextlib.suppress(Exception):
            self._ready.result(timeout)
            return True
        return False

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
