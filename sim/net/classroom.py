"""A networked class's state on the host: the session, the seats' codes, the orders in, messages and announcements.

:class:`Classroom` is the only authority of a networked game and holds no sockets and no clock: the
asyncio host (:mod:`sim.net.host`) and the instructor's console call it, and tests drive it directly.
Every change of the game goes through its :class:`~sim.play.session.GameSession`, so the game record it
saves (:meth:`Classroom.save`, an ordinary save file with a ``classroom`` section added) replays locally
to the same trajectory with ``run.py play --load FILE``. Join codes come from :mod:`secrets`, never from
the model's random generator.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.atomic import WriteError, make_folder, write_text
from sim.core import ModelSetup, MoveError
from sim.core.legal import MoveSpace, legal_moves
from sim.errors import SaveError
from sim.net.messages import (
    MAX_TEXT,
    Announcement,
    Delivered,
    MoveInfo,
    Orders,
    Over,
    Proposal,
    RoundDone,
    Seat,
    View,
)
from sim.play.session import GameSession, load_session

#: Letters of a join code: no 0/O, 1/I/L, so a code read off a projector is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4
INSTRUCTOR = "instructor"
#: Announcements and messages kept in a view (the most recent).
RECENT = 30


def new_code() -> str:
    """An unguessable join code such as ``7KQ4-M2XP-9RTW`` (12 letters of 31: about 59 bits, from secrets)."""
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH)) for _ in range(CODE_GROUPS))
    return "-".join(groups)


def same_code(given: str, expected: str) -> bool:
    """Compare codes in constant time; case, spaces and dashes as typed do not matter."""
    clean = given.upper().replace(" ", "").replace("-", "")
    return secrets.compare_digest(clean.encode(), expected.replace("-", "").encode())


class RefusedError(Exception):
    """A request the classroom does not take; nothing changed. ``code`` is the protocol's error slug."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(slots=True)
class Submitted:
    """A seat's orders for the coming round, as checked when they arrived."""

    moves: tuple[tuple[str, str | None, str | None, str | None], ...] = ()
    answers: dict[int, bool] = field(default_factory=dict)
    ai: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "moves": [list(m) for m in self.moves],
            "answers": [[k, v] for k, v in self.answers.items()],
            "ai": self.ai,
        }

    def as_orders(self, actor: str) -> Orders:
        return Orders(actor=actor, moves=[list(m) for m in self.moves], answers=list(self.answers.items()), ai=self.ai)


class Classroom:
    """One networked game: seats with codes, the orders submitted this round, messages and announcements."""

    def __init__(
        self,
        session: GameSession,
        codes: dict[str, str],
        viewer_code: str,
        *,
        round_limit: int | None = None,
        turn_seconds: float | None = None,
    ) -> None:
        self.session = session
        self.codes = dict(codes)
        self.viewer_code = viewer_code
        self.round_limit = round_limit
        self.turn_seconds = turn_seconds
        self.orders: dict[str, Submitted] = {}
        self.messages: list[Delivered] = []
        self.announcements: list[Announcement] = []
        self.paused = False
        self.ended: str | None = None
        self.stand_ins_last: list[str] = []
        self._space: MoveSpace | None = None  # the scenario's move slots, built once (views list legal moves)

    # -- starting ------------------------------------------------------------------------------------

    @classmethod
    def new(
        cls,
        setup: ModelSetup,
        scenario: str,
        seed: int,
        *,
        ai_seats: Sequence[str] = (),
        round_limit: int | None = None,
        turn_seconds: float | None = None,
    ) -> Classroom:
        """A new class: every actor a human seat with its own code, except ``ai_seats`` (played by the AI)."""
        unknown = [a for a in ai_seats if a not in setup.actor_ids]
        if unknown:
            raise ValueError(f"unknown actor {unknown[0]!r}; this scenario has {', '.join(setup.actor_ids)}")
        session = GameSession.start(setup, scenario, seed, None)
        for actor in setup.actor_ids:
            if actor not in ai_seats:
                session.switch(actor, "human")
        codes = {actor: new_code() for actor in setup.actor_ids}
        return cls(session, codes, new_code(), round_limit=round_limit, turn_seconds=turn_seconds)

    # -- reading -------------------------------------------------------------------------------------

    @property
    def setup(self) -> ModelSetup:
        return self.session.setup

    @property
    def round(self) -> int:
        return self.session.round

    @property
    def finished(self) -> bool:
        limit = self.round_limit is not None and self.session.round >= self.round_limit
        return self.ended is not None or self.session.finished or limit

    def humans(self) -> list[str]:
        return self.session.humans()

    def waiting_for(self) -> list[str]:
        """Human seats whose orders are not in yet."""
        return [a for a in self.humans() if a not in self.orders]

    def ready(self) -> bool:
        """Whether the round can be played now: every human seat has submitted, and the class is not paused."""
        return not self.finished and not self.paused and not self.waiting_for()

    def seats(self, connected: Sequence[str] = ()) -> list[Seat]:
        model = self.session.model
        return [
            Seat(
                id=c.actor_id,
                name=c.spec.name,
                controller=c.controller,
                submitted=c.actor_id in self.orders,
                connected=c.actor_id in connected,
            )
            for c in model.countries
        ]

    def code_for(self, actor: str | None) -> str:
        return self.viewer_code if actor is None else self.codes[actor]

    # -- what clients ask -----------------------------------------------------------------------------

    def join(self, actor: str | None, code: str) -> None:
        """Check a seat's code (``actor`` None: the viewers' code); RefusedError (wrong-code, unknown-actor) if not."""
        if actor is not None and actor not in self.codes:
            raise RefusedError("unknown-actor", f"no seat {actor!r}; seats: {', '.join(self.codes)}")
        if not same_code(code, self.code_for(actor)):
            raise RefusedError("wrong-code", f"that is not the code of {'the viewers' if actor is None else actor}")

    def submit(self, actor: str, orders: Orders) -> Submitted:
        """Take a seat's orders for the coming round (replacing earlier ones), checked against the rules now."""
        if orders.actor is not None and orders.actor != actor:
            raise RefusedError("not-your-seat", f"this connection plays {actor}, not {orders.actor}")
        if self.finished:
            raise RefusedError("game-over", "the game is over")
        if actor not in self.humans():
            raise RefusedError("seat-ai", f"{actor} is played by the AI now; the instructor can hand it back")
        if orders.ai and (orders.moves or orders.answers):
            raise RefusedError("malformed", "orders with ai: true carry no moves or answers (the AI chooses them)")
        moves = orders.order_tuples()
        answers = orders.answer_map()
        if not orders.ai:
            try:
                self.session.check_orders(actor, moves, answers)
            except MoveError as exc:
                raise RefusedError("illegal", str(exc)) from None
        done = Submitted(moves, answers, orders.ai)
        self.orders[actor] = done
        return done

    def note(self, sender: str, to: str, text: str) -> Delivered:
        """A private message from a seat (or the instructor) to a seat; kept in the game record."""
        if to not in self.codes:
            raise RefusedError("unknown-actor", f"no seat {to!r} to write to; seats: {', '.join(self.codes)}")
        if to == sender:
            raise RefusedError("malformed", "a message goes to another team")
        text = text.strip()
        if not text or len(text) > MAX_TEXT:
            raise RefusedError("malformed", f"a message holds 1 to {MAX_TEXT} characters")
        delivered = Delivered(sender=sender, to=to, text=text, round=self.round)
        self.messages.append(delivered)
        return delivered

    # -- playing --------------------------------------------------------------------------------------

    def announce(self, text: str) -> Announcement:
        note = Announcement(text=text, round=self.round)
        self.announcements.append(note)
        return note

    def play(self) -> RoundDone:
        """Play the round now: seats that submitted play their orders; the AI plays the others (announced)."""
        if self.finished:
            raise RefusedError("game-over", "the game is over")
        humans = self.humans()
        stand_ins = [a for a in humans if a not in self.orders or self.orders[a].ai]
        orders = {a: self.orders[a].moves for a in humans if a not in stand_ins}
        answers = {a: self.orders[a].answers for a in humans if a not in stand_ins}
        try:
            self.session.play_round(orders, answers, stand_ins=stand_ins)
        except MoveError as exc:  # orders checked on arrival no longer hold (an event fired since): AI for them
            late = [a for a in orders if self._still_illegal(a)]
            if not late:
                raise RefusedError("illegal", str(exc)) from None
            for a in late:
                self.orders.pop(a, None)
            self.announce(f"Orders of {', '.join(late)} no longer hold after an event; the AI plays them")
            return self.play()
        self.orders = {}
        self.stand_ins_last = stand_ins
        if stand_ins:
            self.announce(f"Round {self.round}: the AI played for {', '.join(stand_ins)} (no orders in time or asked)")
        if self.finished and self.ended is None:
            self.ended = "the last round was played"
        record = self.session.model.history[-1]
        return RoundDone(
            round=self.round,
            moves=[self._move_info(m) for m in record.moves],
            events=[e.title for e in record.events],
            stand_ins=stand_ins,
            digest=self.session.digest(),
        )

    def _still_illegal(self, actor: str) -> bool:
        submitted = self.orders[actor]
        try:
            self.session.check_orders(actor, submitted.moves, submitted.answers)
        except MoveError:
            return True
        return False

    # -- the instructor --------------------------------------------------------------------------------

    def fire(self, event_id: str) -> Announcement:
        try:
            self.session.fire(event_id)
        except MoveError as exc:
            raise RefusedError("unknown-event", str(exc)) from None
        return self.announce(f"Event: {self.session.event(event_id).title}")

    def hand(self, actor: str, controller: str) -> Announcement:
        """Hand a seat to the AI or back to its team, from the next round on."""
        if actor not in self.codes or controller not in ("ai", "human"):
            raise RefusedError("unknown-actor", f"cannot hand {actor!r} to {controller!r}")
        self.session.switch(actor, controller)  # type: ignore[arg-type]
        self.orders.pop(actor, None)
        who = "the AI" if controller == "ai" else "its team"
        name = self.setup.actors[self.setup.index(actor)].name
        return self.announce(f"{name} is played by {who} from now on")

    def rewind(self, round_number: int) -> Announcement:
        try:
            self.session = self.session.rewind(round_number)
        except ValueError as exc:
            raise RefusedError("rewind", str(exc)) from None
        self.orders = {}
        self.ended = None
        return self.announce(f"The instructor rewound the game to round {round_number}")

    def pause(self) -> Announcement:
        """Stop the clock: no round is played until :meth:`resume` (teams may still change their orders)."""
        if self.paused:
            raise RefusedError("paused", "the game is already paused")
        self.paused = True
        return self.announce("The instructor paused the game")

    def resume(self) -> Announcement:
        if not self.paused:
            raise RefusedError("paused", "the game is not paused")
        self.paused = False
        return self.announce("The game goes on")

    def end(self, reason: str = "the instructor ended the game") -> Over:
        self.ended = reason
        return self.over()

    def over(self) -> Over:
        model = self.session.model
        reports = {a: model.objective_report(a) for a in self.setup.actor_ids}
        return Over(
            round=self.round,
            scores={a: round(float(r.score), 2) for a, r in reports.items()},
            grades={a: r.grade for a, r in reports.items()},
            reason=self.ended or "",
        )

    # -- what each client sees ------------------------------------------------------------------------

    def _move_info(self, m: Any) -> MoveInfo:
        ids, sectors = self.setup.actor_ids, self.setup.sectors
        return MoveInfo(
            actor=ids[m.actor],
            action=m.action,
            target=None if m.target is None else ids[m.target],
            sector=None if m.sector is None else sectors[m.sector],
            ask=m.ask,
            answer=m.answer,
            applied=m.applied,
            source=m.source,
        )

    def _move_space(self) -> MoveSpace:
        if self._space is None or self._space.setup is not self.setup:
            self._space = MoveSpace(self.setup)
        return self._space

    def view(self, actor: str | None, seconds_left: float | None = None, connected: Sequence[str] = ()) -> View:
        """The game as ``actor`` may see it (None: a viewer, the projector): the public state, the moves of
        the last round that are not someone else's pending proposal, and only its own legal moves,
        proposals waiting, orders in and private messages."""
        model = self.session.model
        setup = self.setup
        last = model.history[-1]
        mine = None if actor is None else setup.index(actor)
        moves = [
            self._move_info(m)
            for m in last.moves
            if m.answer != "pending" or (mine is not None and mine in (m.actor, m.target))
        ]
        out: dict[str, Any] = {
            "actor": actor,
            "round": self.round,
            "rounds": min(setup.rounds, self.round_limit or setup.rounds),
            "finished": self.finished,
            "paused": self.paused,
            "seconds_left": seconds_left,
            "seats": self.seats(connected),
            "alignment": [float(x) for x in last.alignment.ravel()[: setup.n_actors]],
            "gdp": [float(x) for x in last.world.gdp],
            "last_moves": moves,
            "events": [e.title for e in last.events],
            "announcements": self.announcements[-RECENT:],
        }
        if actor is not None and mine is not None:
            ids, sectors = setup.actor_ids, setup.sectors
            human = actor in self.humans()
            advice = model.recommended_answers(actor) if human and not self.finished else {}
            out["legal"] = (
                [
                    [
                        lm.action,
                        None if lm.target is None else ids[lm.target],
                        None if lm.sector is None else sectors[lm.sector],
                        lm.ask,
                    ]
                    for lm in legal_moves(model.world, setup, mine, space=self._move_space())
                ]
                if human and not self.finished
                else []
            )
            out["budget"] = int(model.policy.actions_per_round[mine])
            out["proposals"] = [
                Proposal(
                    position=k,
                    sender=ids[m.actor],
                    action=m.action,
                    sector=None if m.sector is None else sectors[m.sector],
                    ask=m.ask,
                    advice=bool(advice.get(k, False)),
                )
                for k, m in enumerate(model.proposals_to(actor))
            ]
            out["my_orders"] = self.orders[actor].as_orders(actor) if actor in self.orders else None
            out["objective_score"] = float(model.objective_report(actor).score)
            out["messages"] = [d for d in self.messages if actor in (d.sender, d.to)][-RECENT:]
        return View(**out)

    # -- the record ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The game record: an ordinary save (``play --load`` replays it) plus the class's own state."""
        data = self.session.to_json()
        data["classroom"] = {
            "codes": self.codes,
            "viewer_code": self.viewer_code,
            "round_limit": self.round_limit,
            "turn_seconds": self.turn_seconds,
            "paused": self.paused,
            "ended": self.ended,
            "orders": {a: s.to_json() for a, s in self.orders.items()},
            "messages": [d.model_dump() for d in self.messages],
            "announcements": [a.model_dump() for a in self.announcements],
        }
        return data

    def save(self, path: str | Path) -> Path:
        """Write the record atomically (an earlier file stays whole if anything fails); SaveError in one line."""
        target = Path(path)
        try:
            make_folder(target.parent if str(target.parent) else ".")
            write_text(target, json.dumps(self.to_json(), indent=1))
        except WriteError as exc:
            raise SaveError(str(exc)) from None
        return target

    @classmethod
    def from_record(cls, path: str | Path, load_setup: Callable[[str], ModelSetup]) -> Classroom:
        """Carry on a class from its record (after a crash of the host): same seats, codes, orders and messages."""
        session = load_session(path, load_setup)
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        extra = data.get("classroom")
        if not isinstance(extra, dict):
            raise SaveError(f"{path}: a saved game, but not a networked class's record (no classroom section)")
        try:
            codes = {str(a): str(c) for a, c in extra["codes"].items()}
            if sorted(codes) != sorted(session.setup.actor_ids):
                raise ValueError("the codes do not name this scenario's seats")
            room = cls(
                session,
                codes,
                str(extra["viewer_code"]),
                round_limit=extra.get("round_limit"),
                turn_seconds=extra.get("turn_seconds"),
            )
            room.paused = bool(extra.get("paused", False))
            room.ended = extra.get("ended")
            room.messages = [Delivered.model_validate(d) for d in extra.get("messages", [])]
            room.announcements = [Announcement.model_validate(a) for a in extra.get("announcements", [])]
            for actor, s in extra.get("orders", {}).items():
                orders = Orders(actor=actor, moves=s["moves"], answers=[tuple(x) for x in s["answers"]], ai=s["ai"])
                room.submit(actor, orders)
        except (KeyError, TypeError, ValueError, AttributeError, RefusedError) as exc:
            raise SaveError(f"{path}: damaged classroom section ({str(exc)[:120]})") from None
        return room
