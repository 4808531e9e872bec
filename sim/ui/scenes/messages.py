"""The messages panel of a networked class: read the team's private messages and write to another team (M).

It works on any session that can talk (``conversation()`` and ``tell()``, as
:class:`sim.net.remote.RemoteSession` does); a game on one machine has nobody to write to, and the round
screen says so instead of opening it. Sending waits for the host's answer on a thread of its own, so the
window keeps drawing; the panel then says the message went, or why the host refused it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import pygame

from sim.ui import theme as th
from sim.ui.scenes.base import key_name
from sim.ui.scenes.overlays import Overlay
from sim.ui.widgets import draw_text, line_height, scrollbar, text_width, wrap

if TYPE_CHECKING:
    from sim.ui.app import App

#: The host takes messages of 1 to this many characters (sim.net.classroom.MAX_TEXT).
MAX_CHARS = 500


@runtime_checkable
class Talking(Protocol):
    """A session whose team can write to the other teams (a networked class)."""

    actor: str

    def conversation(self) -> list[tuple[str, str, str, int]]: ...

    def tell(self, to: str, text: str) -> None: ...


def talking(app: App) -> Talking | None:
    """The game's session when its team can write to others, else None."""
    session = app.game.session if app.game is not None else None
    return session if isinstance(session, Talking) else None


class MessagesOverlay(Overlay):
    """The conversation (newest at the bottom) and a line to write to one team: ←/→ or Tab choose it, Enter sends."""

    name = "messages"
    title = "Messages"
    max_size = (900, 620)
    takes_text = True

    def __init__(self, app: App, to: str | None = None) -> None:
        super().__init__(app)
        session = talking(app)
        assert session is not None, "the messages panel needs a networked game"
        self.session = session
        g = app.game
        assert g is not None
        self.teams = [(a.id, a.name, a.colour) for a in g.view.actors if a.id != session.actor]
        ids = [t[0] for t in self.teams]
        self.to = ids.index(to) if to in ids else 0
        self.typed = ""
        self.scroll = 0  # lines scrolled up from the newest
        self.status = ""  # "Sending…", "Sent to China", or the host's refusal
        self.status_bad = False
        self._sending: threading.Thread | None = None
        self._lines: list[tuple[str, str, str, int]] = []
        if app.toast_text.startswith("Message from"):
            app.toast("", seconds=0.0)  # the note about a message: the panel shows it now

    # -- what it shows ---------------------------------------------------------------------------------

    def names(self) -> dict[str, str]:
        out = {t[0]: t[1] for t in self.teams}
        out[self.session.actor] = "you"
        return out

    def state(self) -> tuple:
        return (self.to, self.typed, self.status, self.status_bad, len(self._lines), self.scroll)

    def update(self, dt: float) -> None:
        super().update(dt)
        self._lines = self.session.conversation()

    # -- input -----------------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        key = key_name(event)
        if key in ("tab", "left", "right") and self.teams:
            step = -1 if key == "left" else 1
            self.to = (self.to + step) % len(self.teams)
        elif key == "return":
            self.send()
        elif key == "backspace":
            self.typed = self.typed[:-1]
        elif key in ("page up", "up"):
            self.scroll += 3 if key == "page up" else 1
        elif key in ("page down", "down"):
            self.scroll = max(0, self.scroll - (3 if key == "page down" else 1))
        elif event.type == pygame.MOUSEWHEEL:
            self.scroll = max(0, self.scroll + event.y)
        elif (
            event.type == pygame.KEYDOWN
            and event.unicode
            and event.unicode.isprintable()
            and key != "escape"
            and not event.mod & pygame.KMOD_CTRL
        ):
            self.typed = (self.typed + event.unicode)[:MAX_CHARS]
        else:
            super().handle(event)

    def send(self) -> None:
        """Send the typed line to the chosen team (on a thread: the host answers over the network)."""
        text = self.typed.strip()
        if not text or not self.teams or (self._sending is not None and self._sending.is_alive()):
            return
        to, name = self.teams[self.to][0], self.teams[self.to][1]
        self.status, self.status_bad = f"Sending to {name}…", False

        def run() -> None:
            try:
                self.session.tell(to, text)
            except Exception as exc:  # the host refused it, or the connection is gone: say so, keep the text
                self.status, self.status_bad = f"Not sent: {exc}", True
                return
            self.status, self.status_bad = f"Sent to {name}", False
            if self.typed.strip() == text:
                self.typed = ""

        self._sending = threading.Thread(target=run, daemon=True, name="pivot-message")
        self._sending.start()

    def wait_sent(self, timeout: float = 15.0) -> None:
        """Block until the message being sent has its answer (tests only)."""
        if self._sending is not None:
            self._sending.join(timeout)

    # -- drawing ---------------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface) -> None:
        m = self.m
        inner = self.frame(surface, "Esc closes · ←→ or Tab: to whom · Enter sends")
        lh, sh = line_height(m.body), line_height(m.small)
        # Bottom: to whom, the line being typed, what became of the last message.
        status_top = inner.bottom - sh
        box = pygame.Rect(inner.left, status_top - m.px(8) - lh - m.px(12), inner.width, lh + m.px(12))
        chips_top = box.top - m.px(8) - lh - m.px(8)
        x = inner.left
        label = draw_text(surface, "TO", (x, chips_top + m.px(6)), m.small, th.MUTED, bold=True)
        x = label.right + m.px(10)
        for k, (_, name, colour) in enumerate(self.teams):
            w = text_width(name, m.small, True) + m.px(30)
            if x + w > inner.right:
                break
            chip = pygame.Rect(x, chips_top, w, lh + m.px(4))
            on = k == self.to
            pygame.draw.rect(surface, th.PANEL_HI if on else th.PANEL, chip, border_radius=m.px(5))
            pygame.draw.rect(surface, th.ACCENT if on else th.BORDER, chip, width=2 if on else 1, border_radius=m.px(5))
            swatch = (chip.left + m.px(8), chip.centery - m.px(5), m.px(10), m.px(10))
            pygame.draw.rect(surface, colour, swatch, border_radius=m.px(2))
            draw_text(surface, name, (chip.left + m.px(22), chip.centery), m.small, th.TEXT if on else th.MUTED,
                      bold=on, anchor="midleft")  # fmt: skip
            x = chip.right + m.px(6)
        pygame.draw.rect(surface, th.mix(th.PANEL, th.BG, 0.5), box, border_radius=m.px(6))
        pygame.draw.rect(surface, th.ACCENT, box, width=1, border_radius=m.px(6))
        name = self.teams[self.to][1] if self.teams else "nobody"
        shown = self.typed + "▏" if self.typed else f"Type a message to {name}, then Enter"
        colour = th.TEXT if self.typed else th.FAINT
        room = box.width - 2 * m.px(10)
        while self.typed and text_width(shown, m.body) > room:  # the end of a long line stays in view
            shown = "…" + shown[2:]
        draw_text(surface, shown, (box.left + m.px(10), box.centery), m.body, colour, anchor="midleft")
        if self.status:
            draw_text(surface, self.status, (inner.left, status_top), m.small, th.BAD if self.status_bad else th.MUTED,
                      max_width=inner.width)  # fmt: skip
        # Above: the conversation, newest at the bottom.
        area = pygame.Rect(inner.left, inner.top, inner.width, chips_top - m.px(12) - inner.top)
        pygame.draw.line(surface, th.BORDER, (area.left, area.bottom + m.px(4)), (area.right, area.bottom + m.px(4)))
        self._draw_conversation(surface, area)

    def _draw_conversation(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        m = self.m
        lh, sh = line_height(m.body), line_height(m.small)
        if not self._lines:
            text = (
                "No messages yet. Messages are private: only the team you write to (and the game record) sees them. "
                "The instructor's messages and announcements show here too."
            )
            y = area.top
            for line in wrap(text, m.body, area.width):
                draw_text(surface, line, (area.left, y), m.body, th.MUTED)
                y += lh
            return
        draw_text(surface, "Private: only the team you write to (and the game record) sees a message.",
                  (area.left, area.top), m.small, th.FAINT, max_width=area.width)  # fmt: skip
        area = pygame.Rect(area.left, area.top + sh + m.px(6), area.width, area.height - sh - m.px(6))
        names = self.names()
        colours = {t[0]: t[2] for t in self.teams}
        blocks: list[tuple[str, list[str], th.RGB, th.RGB]] = []
        for sender, to, text, round_number in self._lines:
            if sender == "host":
                head, colour = f"Round {round_number} · announcement", th.ACCENT
            else:
                who = names.get(sender, sender.capitalize())
                whom = names.get(to, to.capitalize())
                head = f"Round {round_number} · {who} → {whom}"
                colour = colours.get(sender, th.ACCENT if sender == self.session.actor else th.MUTED)
            body = th.TEXT if sender != "host" else th.MUTED
            blocks.append((head, wrap(text, m.body, area.width - m.px(16)), colour, body))
        heights = [sh + len(lines) * lh + m.px(8) for _, lines, _, _ in blocks]
        total = sum(heights)
        self.scroll = min(self.scroll, max(0, len(blocks) - 1))
        end = len(blocks) - self.scroll  # the newest block shown
        clip = surface.get_clip()
        surface.set_clip(area)
        y = min(area.bottom, area.top + sum(heights[:end]))  # from the top while they fit, else newest at the bottom
        for k in range(end - 1, -1, -1):
            head, lines, colour, body = blocks[k]
            y -= heights[k]
            if y + heights[k] < area.top:
                break
            pygame.draw.rect(surface, colour, (area.left, y + m.px(3), m.px(4), heights[k] - m.px(10)))
            draw_text(surface, head, (area.left + m.px(12), y), m.small, th.MUTED, bold=True)
            yy = y + sh
            for line in lines:
                draw_text(surface, line, (area.left + m.px(12), yy), m.body, body)
                yy += lh
        surface.set_clip(clip)
        shown_below = sum(heights[end:])
        scrollbar(surface, area, max(0, total - area.height - shown_below), total, m)
