"""The game as played: a session log (scenario + seed + commands) shared by the window, the CLI and the network host.

No pygame here. ``sim.play.session`` holds :class:`GameSession`, saving, loading and rewinding.
"""
