"""The instructor's console window for a networked class: who is in, the countdown, commands, a projector view.

The left column shows :func:`sim.net.console.status_lines` (round, countdown, each seat: orders in or
thinking, connected or not, the last announcements), the join codes, and a command line: type a console
command (``fire EVENT``, ``pause``, ``resume``, ``play``, ``rewind N``, ``ai ACTOR``, ``human ACTOR``,
``tell ACTOR TEXT``, ``end``) and press Enter; F5 plays the round now, F6 pauses or resumes, F8 ends the game.
The right column is the projector view: the round screen of the host's game (map, alignment chart, the log
of every move with its reason), drawn off-screen by :func:`sim.ui.offscreen.render_round`. The window runs
inside the host's asyncio loop (a frame, then ``await asyncio.sleep``), so the host keeps serving.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from sim.atomic import atomic_file, make_folder
from sim.net.classroom import RefusedError
from sim.net.console import HELP, codes_lines, execute, parse_command, run_typed_console, status_lines
from sim.net.host import Host
from sim.ui import theme as th
from sim.ui.offscreen import render_round

SIZE = (1600, 900)
LEFT = 620
FPS = 20
COLUMNS = (28, 130, 330, 470)  # x of a seat row's cells: id, name, orders, connection
SHORTCUTS = {pygame.K_F5: "play", pygame.K_F8: "end"}


class ConsoleWindow:
    """One window; ``frame()`` draws it and handles input (tests call it directly with the dummy driver)."""

    def __init__(self, host: Host, size: tuple[int, int] = SIZE) -> None:
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("Pivot -- instructor's console")
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.host = host
        self.typed = ""
        self.output: list[str] = ["Type a command and press Enter. F5: play the round now, F6: pause/resume, F8: end."]
        self.running = True
        self._projector: tuple[int, tuple[int, int], pygame.Surface] | None = None

    async def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                line, self.typed = self.typed, ""
                await self.run(line)
            elif event.key == pygame.K_BACKSPACE:
                self.typed = self.typed[:-1]
            elif event.key == pygame.K_ESCAPE:
                self.typed = ""
            elif event.key == pygame.K_F6:
                await self.run("resume" if self.host.room.paused else "pause")
            elif event.key in SHORTCUTS:
                await self.run(SHORTCUTS[event.key])
        elif event.type == pygame.TEXTINPUT and len(self.typed) < 200:
            self.typed += event.text

    async def run(self, line: str) -> None:
        """Carry out one typed command; its answer (or why it cannot be done) shows under the prompt."""
        try:
            self.output = await execute(self.host, parse_command(line, self.host.room))
        except RefusedError as exc:
            self.output = [exc.detail]

    def projector(self, size: tuple[int, int]) -> pygame.Surface:
        """The round screen of the host's game, redrawn only when the game changed."""
        session = self.host.room.session
        key = len(session.log.commands)
        if self._projector is None or self._projector[:2] != (key, size):
            pixels = render_round(session.model, None, size, noun="team")
            surface = pygame.surfarray.make_surface(pixels.swapaxes(0, 1))
            self._projector = (key, size, surface)
        return self._projector[2]

    def draw(self) -> None:
        width, height = self.screen.get_size()
        self.screen.fill(th.BG)
        text = th.font(16)
        bold = th.font(18, bold=True)
        y = 16
        room = self.host.room
        lines = status_lines(room, self.host.seconds_left(), self.host.connected())
        for k, line in enumerate(lines):
            self._line((bold if k < 2 else text), line, y, (235, 235, 235))
            y += 26
        y += 10
        self.screen.blit(bold.render("Join codes", True, (235, 235, 235)), (16, y))
        y += 26
        for line in codes_lines(room):
            self._line(text, line, y, (200, 200, 200))
            y += 24
        y = height - 40 - 24 * min(len(self.output), 8)
        for line in self.output[-8:]:
            self.screen.blit(text.render(line[:90], True, (230, 200, 120)), (16, y))
            y += 24
        prompt = text.render("> " + self.typed + "_", True, (255, 255, 255))
        pygame.draw.rect(self.screen, (45, 48, 58), (8, height - 36, LEFT - 16, 30))
        self.screen.blit(prompt, (16, height - 32))
        right = max(640, width - LEFT - 16)
        view_size = (right, max(360, right * 9 // 16))
        self.screen.blit(self.projector(view_size), (LEFT, 16))
        pygame.display.flip()

    def _line(self, font: pygame.font.Font, line: str, y: int, colour: tuple[int, int, int]) -> None:
        """One line; a table row (columns apart by two spaces or more) is set in columns."""
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) < 3:
            self.screen.blit(font.render(line, True, colour), (16, y))
            return
        for x, cell in zip(COLUMNS, cells, strict=False):
            self.screen.blit(font.render(cell, True, colour), (x, y))

    async def frame(self) -> None:
        for event in pygame.event.get():
            await self.handle(event)
        self.draw()

    def screenshot(self, path: str | Path) -> Path:
        """Save the console as a PNG, atomically."""
        path = Path(path)
        make_folder(path.parent)
        with atomic_file(path, "wb") as handle:
            pygame.image.save(self.screen, handle, "console.png")
        return path


async def run_console_window(host: Host) -> None:
    """Show the console until the game is over and the window is closed (closing it early ends nothing)."""
    window = ConsoleWindow(host)
    pygame.key.start_text_input()
    print(HELP, flush=True)
    try:
        while window.running:
            await window.frame()
            await asyncio.sleep(1 / FPS)
            if host.done.is_set() and not window.running:
                break
    finally:
        pygame.quit()
    if not host.done.is_set():  # the window was closed mid-game: keep serving, commands in the terminal
        await run_typed_console(host)
