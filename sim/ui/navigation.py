"""Where a transition goes: scene names to scenes, so the app and the scenes ask for each other by name only.

``app.navigate("debrief")`` pushes the debrief; ``app.navigate("menu")`` replaces the stack. This module is the
one place that imports the concrete scenes; the app imports it, the scenes never import the app at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.ui.scenes import briefing, debrief, menu, messages, overlays, round, teaching
from sim.ui.scenes.base import Scene

if TYPE_CHECKING:
    from sim.ui.app import App

#: name -> (factory, replaces the whole stack)
SCENES: dict[str, tuple[Callable[..., Scene], bool]] = {
    "menu": (menu.MenuScene, True),
    "round": (round.RoundScene, True),
    "briefing": (briefing.BriefingScene, False),
    "debrief": (debrief.DebriefScene, False),
    "help": (teaching.HelpOverlay, False),
    "settings": (overlays.SettingsOverlay, False),
    "load": (overlays.LoadOverlay, False),
    "players": (overlays.PlayersOverlay, False),
    "rewind": (overlays.RewindOverlay, False),
    "leave": (overlays.LeaveOverlay, False),
    "pin": (overlays.PinOverlay, False),
    "instructor_panel": (overlays.InstructorOverlay, False),
    "handover": (teaching.HandoverOverlay, False),
    "summary": (teaching.SummaryOverlay, False),
    "event": (teaching.EventCardOverlay, False),
    "diplomacy": (teaching.DiplomacyOverlay, False),
    "sources": (teaching.SourcesOverlay, False),
    "messages": (messages.MessagesOverlay, False),
}


def go(app: App, name: str, **kwargs: Any) -> Scene | None:
    """Open the scene called ``name`` (the instructor panel through its PIN); returns it, or None."""
    if name == "instructor":
        if app.settings.instructor_pin is None:
            app.toast(
                "The instructor panel is locked. To use it, start the game with an instructor PIN: "
                "PIVOT_INSTRUCTOR_PIN=1234 python run.py play",
                seconds=6.0,
            )
            return None
        name = "instructor_panel" if app.instructor_unlocked else "pin"
    if name == "messages" and messages.talking(app) is None:
        app.toast("Messages go between the teams of a networked class (python run.py join): here nobody else plays.")
        return None
    factory, replaces = SCENES[name]
    scene = factory(app, **kwargs)
    if replaces:
        app.replace_all(scene)
    else:
        app.push(scene)
    return scene
