"""The classroom protocol: every message between a host and its clients, as versioned pydantic models (JSON text).

A message is one JSON object with a ``type`` and a ``version`` (:data:`PROTOCOL_VERSION`). Clients send
``hello`` (join a seat with its code, or watch with the viewers' code), ``orders`` (moves, proposals and
answers exactly as :meth:`GameSession.play_round` takes them, or ``ai: true`` to let the AI play the seat this
round), ``message`` (a private note to another team) and ``ping``. The host sends ``welcome``, ``state`` (the
game as that seat may see it), ``round`` (what a round did), ``message``, ``announcement``, ``error``,
``pong`` and ``over``. :func:`parse_client` turns raw text into one client message or raises
:class:`ProtocolError` with a short code and one line saying what is wrong.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

PROTOCOL_VERSION = 1
#: A client message longer than this (bytes of UTF-8) is refused with an error; the longest real one,
#: a full set of orders with answers, is under 1 KiB.
MAX_MESSAGE_BYTES = 16 * 1024
#: Longest private message between teams, in characters.
MAX_TEXT = 500
#: Most moves one ``orders`` message may carry (a scenario allows a few per round; the model checks the real budget).
MAX_MOVES = 16
#: Id-like fields (actor, action, sector, code) longer than this are refused.
MAX_ID = 64


class ProtocolError(Exception):
    """A message the host cannot take: ``code`` is a short slug a program can test, ``detail`` one line for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = PROTOCOL_VERSION

    def dump(self) -> str:
        """The message as the JSON text sent over the wire."""
        return self.model_dump_json()


Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
#: One order on the wire: [action, target actor id or null, sector id or null(, asked action or null)].
WireOrder = Annotated[list[Id | None], Field(min_length=3, max_length=4)]


# -- client -> host ----------------------------------------------------------------------------------


class Hello(_Message):
    """Join: ``actor`` with that seat's code, or ``actor: null`` with the viewers' code to watch."""

    type: Literal["hello"] = "hello"
    actor: Id | None
    code: Annotated[str, Field(min_length=1, max_length=MAX_ID)]


class Orders(_Message):
    """A seat's orders for the coming round; sent again before the round plays, it replaces the earlier ones."""

    type: Literal["orders"] = "orders"
    actor: Id | None = None  # optional; when given it must be the seat this connection joined as
    moves: Annotated[list[WireOrder], Field(max_length=MAX_MOVES)] = []
    answers: Annotated[list[tuple[int, bool]], Field(max_length=64)] = []  # (proposal position, accept)
    ai: bool = False  # let the AI play this seat for this round (moves and answers must then be empty)

    @field_validator("moves")
    @classmethod
    def _actions_named(cls, moves: list[list[str | None]]) -> list[list[str | None]]:
        for k, move in enumerate(moves):
            if move[0] is None:
                raise ValueError(f"move {k} names no action")
        return moves

    def order_tuples(self) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
        return tuple((str(m[0]), m[1], m[2], m[3] if len(m) > 3 else None) for m in self.moves)

    def answer_map(self) -> dict[int, bool]:
        return dict(self.answers)


class Note(_Message):
    """A private message to another team (or, from the host, delivered to one)."""

    type: Literal["message"] = "message"
    to: Id
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class Ping(_Message):
    type: Literal["ping"] = "ping"
    token: int = 0


ClientMessage = Annotated[Hello | Orders | Note | Ping, Field(discriminator="type")]
_CLIENT = TypeAdapter(ClientMessage)
CLIENT_TYPES = ("hello", "orders", "message", "ping")


def parse_client(raw: str | bytes) -> Hello | Orders | Note | Ping:
    """One client message from the wire, or ProtocolError (``too-big``, ``not-json``, ``unknown-type``,
    ``version``, ``malformed``) saying what is wrong."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError("too-big", f"a message may be at most {MAX_MESSAGE_BYTES} bytes; this one is {size}")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise ProtocolError("not-json", f"not a JSON object ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise ProtocolError("not-json", "a message is one JSON object")
    kind = data.get("type")
    if kind not in CLIENT_TYPES:
        raise ProtocolError(
            "unknown-type", f"unknown message type {str(kind)[:40]!r}; known: {', '.join(CLIENT_TYPES)}"
        )
    version = data.get("version")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            "version", f"protocol version {str(version)[:20]} is not spoken here (this host: {PROTOCOL_VERSION})"
        )
    try:
        return _CLIENT.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"][1:]) or kind
        raise ProtocolError("malformed", f"{kind}: {where}: {first['msg']}") from None


# -- host -> client ----------------------------------------------------------------------------------


class Seat(BaseModel):
    """One actor as every client sees it: who plays it and whether its orders are in."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    controller: str  # human | ai | scripted
    submitted: bool = False
    connected: bool = False


class Welcome(_Message):
    type: Literal["welcome"] = "welcome"
    actor: str | None  # None: a viewer
    scenario: str
    scenario_id: str
    title: str
    seed: int
    rounds: int
    seats: list[Seat]


class Error(_Message):
    type: Literal["error"] = "error"
    code: str
    detail: str


class Pong(_Message):
    type: Literal["pong"] = "pong"
    token: int = 0


class Announcement(_Message):
    type: Literal["announcement"] = "announcement"
    text: str
    round: int


class Delivered(_Message):
    """A private message as it reaches its sender and its addressee (and the game record)."""

    type: Literal["message"] = "message"
    sender: str  # an actor id or "instructor"
    to: str
    text: str
    round: int


class MoveInfo(BaseModel):
    """One move of a round as a client may see it."""

    model_config = ConfigDict(frozen=True)

    actor: str
    action: str
    target: str | None
    sector: str | None
    ask: str | None
    answer: str  # "" (no answer needed) | accepted | refused | pending | expired
    applied: bool
    source: str


class Proposal(BaseModel):
    """A proposal waiting for this seat's answer; answer it by ``position`` in ``orders.answers``."""

    model_config = ConfigDict(frozen=True)

    position: int
    sender: str
    action: str
    sector: str | None
    ask: str | None
    advice: bool  # what the AI would answer


class View(BaseModel):
    """The game as one seat may see it: the public state, and its own moves, proposals and messages."""

    model_config = ConfigDict(frozen=True)

    actor: str | None
    round: int
    rounds: int
    finished: bool
    paused: bool
    seconds_left: float | None  # None: no turn timer, or paused
    seats: list[Seat]
    alignment: list[float]  # the scenario's alignment score of each actor, scenario order
    gdp: list[float]
    last_moves: list[MoveInfo]
    events: list[str]  # titles of the events of the last round
    legal: list[list[str | None]] = []  # the orders this seat may give now, [action, target, sector, ask]
    budget: int = 0  # most moves a round
    proposals: list[Proposal] = []
    my_orders: Orders | None = None
    objective_score: float | None = None
    messages: list[Delivered] = []
    announcements: list[Announcement] = []


class State(_Message):
    type: Literal["state"] = "state"
    view: View


class RoundDone(_Message):
    type: Literal["round"] = "round"
    round: int
    moves: list[MoveInfo]
    events: list[str]
    stand_ins: list[str]  # seats the AI played this round
    digest: str


class Log(_Message):
    """The game log so far (the commands of the rounds played, the instructor's events and hand-overs):
    a client replays it on its own copy of the scenario to show the game in the ordinary window.
    Orders of the coming round are not in it until the round is played."""

    type: Literal["log"] = "log"
    round: int
    commands: list[dict[str, Any]]


class Over(_Message):
    """The end of the game: each seat's objective score (0..100) and grade, for the debrief."""

    type: Literal["over"] = "over"
    round: int
    scores: dict[str, float]
    grades: dict[str, str]
    reason: str


HostMessage = Annotated[
    Welcome | Error | Pong | Announcement | Delivered | State | RoundDone | Log | Over, Field(discriminator="type")
]
_HOST = TypeAdapter(HostMessage)


def parse_host(raw: str | bytes) -> Any:
    """One host message (for clients); raises ProtocolError if the host sent something this client cannot read."""
    try:
        return _HOST.validate_json(raw)
    except ValidationError as exc:
        raise ProtocolError("malformed", f"unreadable host message: {exc.errors()[0]['msg']}") from None
