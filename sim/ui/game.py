"""The running game behind the scenes: a session changed off the draw path, its latest view, and hot-seat turns.

Every change (play a round, rewind, fire an event, hand an actor over, load) runs on one worker
thread; when it is done the worker has also built the new :class:`RoundView` (in a process of its own,
:mod:`sim.ui.viewproc`, when asked), which the main loop picks up in ``poll()`` once the scenes have prepared
its picture over a few frames (see ``coming``). The scenes only ever read ``game.view`` (an immutable snapshot),
so a frame never waits for the model and drawing cannot change the game. No pygame here.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sim.core import MoveError
from sim.play.session import GameSession, Order
from sim.ui import viewmodel as vm
from sim.ui.baseline import BaselineRuns
from sim.ui.viewproc import ViewProcess


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a finished job left: the session after it, the views to show, and a message for the player."""

    session: GameSession
    view: vm.RoundView
    message: str = ""
    error: str = ""


class Game:
    """A game in progress: the session, its latest view model, the orders being collected, the AI baseline."""

    def __init__(
        self,
        session: GameSession,
        *,
        baseline_runs: int = 100,
        executor: cf.Executor | None = None,
        view_process: bool = False,
    ) -> None:
        self.session = session
        self.view: vm.RoundView = vm.round_view(session)
        self.orders: dict[str, list[Order]] = {}  # hot seat: orders of the humans who already chose
        self.answers: dict[str, dict[int, bool]] = {}  # and their answers to proposals waiting for them
        self._executor = executor or cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pivot-model")
        self._future: cf.Future[Outcome] | None = None
        self.message = ""
        self.error = ""
        self.version = 0  # bumps whenever a new view arrives (scenes reset their scroll and selection)
        # The views after each change are built in a process of their own (the window's frames keep the GIL).
        self._views = ViewProcess(session.setup) if view_process else None
        self.baseline: BaselineRuns | None = None
        if baseline_runs > 0:
            player = session.log.player or session.setup.actor_ids[session.setup.scoring.focal]
            self.baseline = BaselineRuns(session.setup, session.log.seed, session.setup.index(player), baseline_runs)

    # -- state ---------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._future is not None

    @property
    def watching(self) -> bool:
        return self.view.watching

    @property
    def finished(self) -> bool:
        return self.view.status.finished

    def current_human(self) -> str | None:
        """Whose turn it is to choose moves (hot seat), or None when everyone human has chosen / nobody is."""
        if self.view.watching or self.view.status.finished:
            return None
        return self.view.actors[self.view.player].id

    @property
    def coming(self) -> vm.RoundView | None:
        """The view a finished job will show once ``poll()`` adopts it (None while it runs, when idle, or on error).

        The app reads it to prepare the new picture a few milliseconds a frame before adopting it
        (:meth:`sim.ui.app.App.frame`), so the frame that shows a new round has little left to draw.
        """
        future = self._future
        if future is None or not future.done() or future.cancelled() or future.exception() is not None:
            return None
        return future.result().view

    def poll(self) -> bool:
        """Adopt a finished job's result (never blocks); True when a new view arrived."""
        if self._future is None or not self._future.done():
            return False
        future, self._future = self._future, None
        try:
            outcome = future.result()
        except Exception as exc:  # a bug in a job must not freeze the game: say it, keep the last good state
            self.error = f"internal error: {exc}"
            return False
        self.session = outcome.session
        self.view = outcome.view
        self.message, self.error = outcome.message, outcome.error
        self.version += 1
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current job is done (tests, the screenshot tool and the benchmark only)."""
        if self._future is not None:
            cf.wait([self._future], timeout=timeout)
        self.poll()

    # -- changes (each runs on the worker) -------------------------------------------------------------

    def _submit(self, job: Callable[[GameSession], tuple[GameSession, str]], viewpoint: str | None = None) -> bool:
        if self.busy:
            return False
        session = self.session

        def run() -> Outcome:
            try:
                new, message = job(session)
            except (MoveError, ValueError, KeyError) as exc:
                return Outcome(session, vm.round_view(session, viewpoint), error=str(exc))
            who = viewpoint if new is session else None
            if who is None:  # hot seat: the first person who has not chosen yet
                waiting = [h for h in new.humans() if h not in self.orders]
                who = waiting[0] if waiting else None
            view = self._views.view(new, who) if self._views is not None else vm.round_view(new, who)
            return Outcome(new, view, message)

        self._future = self._executor.submit(run)
        return True

    def confirm_orders(self, orders: list[Order], answers: Mapping[int, bool] | None = None) -> bool:
        """The current human's orders (and answers to proposals) are final: hand over, or play the round."""
        who = self.current_human()
        if who is None or self.busy:
            return False
        self.orders[who] = list(orders)
        self.answers[who] = dict(answers or {})
        humans = [self.view.actors[i].id for i in self.view.humans]
        waiting = [h for h in humans if h not in self.orders]
        if waiting:
            nxt = waiting[0]
            return self._submit(lambda s: (s, f"Hot seat: {self._name(nxt)} chooses now"), viewpoint=nxt)
        collected, self.orders = dict(self.orders), {}
        answered, self.answers = dict(self.answers), {}

        def play(s: GameSession) -> tuple[GameSession, str]:
            s.play_round(collected, answered)
            return s, ""

        return self._submit(play)

    def step_ai(self) -> bool:
        """Watch mode: play the next round with every actor in the AI's hands."""
        if not self.view.watching or self.finished:
            return False

        def play(s: GameSession) -> tuple[GameSession, str]:
            s.play_round({})
            return s, ""

        return self._submit(play)

    def rewind(self, round_number: int, keep_controllers: bool = True) -> bool:
        """Go back to a round (a new branch); who plays whom stays as now unless ``keep_controllers`` is False."""
        self.orders = {}
        return self._submit(
            lambda s: (
                s.rewind(round_number, keep_controllers=keep_controllers),
                f"Rewound to round {round_number}: a new branch starts here",
            )
        )

    def fire(self, event_id: str) -> bool:
        def fire(s: GameSession) -> tuple[GameSession, str]:
            s.fire(event_id)
            return s, f"Event fired: {s.event(event_id).title}"

        return self._submit(fire, viewpoint=self.current_human())

    def switch(self, actor: str, controller: Literal["ai", "human"]) -> bool:
        self.orders.pop(actor, None)

        def switch(s: GameSession) -> tuple[GameSession, str]:
            s.switch(actor, controller)
            who = "a player" if controller == "human" else "the AI"
            return s, f"{self._name(actor)} is now played by {who}"

        return self._submit(switch)

    def counterfactuals(self, player: str) -> tuple[str, ...]:
        """The debrief's moves that mattered most for ``player`` (seconds of replays: call it off the frame; they run
        in the view process when there is one, so the window's frames keep the GIL)."""
        session = self.session
        if self._views is not None:
            return self._views.counterfactuals(session, player)
        return vm.counterfactuals(session, player)

    def refresh(self, message: str = "") -> bool:
        """Build the view again from the session as it is now (a networked game the host ended, for example)."""
        return self._submit(lambda s: (s, message), viewpoint=self.current_human())

    def save(self, path: Path) -> Path:
        """Save now (only between jobs, so the log is not changing underneath)."""
        if self.busy:
            self.wait()
        return self.session.save(path)

    def close(self) -> None:
        if self.baseline is not None:
            self.baseline.close()
        if self._views is not None:
            self._views.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _name(self, actor: str) -> str:
        return self.session.setup.actors[self.session.setup.index(actor)].name
