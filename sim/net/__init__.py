"""The networked classroom: each team on its own machine, secret simultaneous orders, an instructor's console.

:mod:`sim.net.messages` is the protocol (versioned pydantic messages), :mod:`sim.net.classroom` the host's
authority over one :class:`~sim.play.session.GameSession`, :mod:`sim.net.host` the websockets server,
:mod:`sim.net.client` the clients (bots and the remote session the game window drives) and
:mod:`sim.net.console` the instructor's console logic. Nothing here imports pygame.
"""
