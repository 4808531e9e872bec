"""A game in progress as an event-sourced log: scenario + seed + the commands given, replayed to any round.

Runs are deterministic (one numpy Generator per run), so the log *is* the game: replaying its
commands on a fresh model reaches exactly the same state. Rewinding to round k replays the log
truncated after the k-th round (a branch, recorded in ``forks``); saving writes the log as
versioned JSON (atomically); loading replays it and checks it reaches the state it was saved in.
No pygame here: the front end drives a :class:`GameSession`, and tests drive it directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sim import __version__
from sim.atomic import WriteError, make_folder, write_text
from sim.core import AlignmentModel, ModelSetup, MoveError
from sim.core.events import Event
from sim.errors import SaveError, one_line, unsafe_character
from sim.files import refuse_special
from sim.scenario import ScenarioError
from sim.scenario.names import ACTOR_ID
from sim.seeds import MAX_SEED, seed_problem

SAVE_FORMAT = "pivot-save"
SAVE_VERSION = 1

#: One order as the log keeps it: (action id, target actor id or None, sector id or None).
#: One order as the log keeps it: (action id, target actor id or None, sector id or None[, ask or None]); a
#: fourth element makes a conditional offer ("give this if you do that"). Saves from before issue 12 hold three.
Order = tuple[str, str | None, str | None] | tuple[str, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class Command:
    """One thing done to the game, in order: ``control`` / ``fire`` / ``orders`` before a round, ``step`` plays it."""

    op: Literal["control", "fire", "orders", "step"]
    actor: str | None = None
    controller: str | None = None  # for control: "ai" | "human"
    event: str | None = None  # for fire: the event id
    moves: tuple[Order, ...] = ()  # for orders
    answers: tuple[tuple[int, bool], ...] = ()  # for orders: answers to the proposals waiting (position, accept)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op}
        if self.actor is not None:
            out["actor"] = self.actor
        if self.controller is not None:
            out["controller"] = self.controller
        if self.event is not None:
            out["event"] = self.event
        if self.op == "orders":
            out["moves"] = [list(m) for m in self.moves]
            if self.answers:
                out["answers"] = [[k, accept] for k, accept in self.answers]
        return out

    @classmethod
    def from_json(cls, data: Any) -> Command:
        if not isinstance(data, dict) or data.get("op") not in ("control", "fire", "orders", "step"):
            raise SaveError(f"unreadable command {data!r}; expected an object with op control|fire|orders|step")
        moves = data.get("moves", [])
        if not isinstance(moves, list) or not all(
            isinstance(m, list)
            and len(m) in (3, 4)
            and isinstance(m[0], str)
            and all(part is None or isinstance(part, str) for part in m[1:])
            for m in moves
        ):
            raise SaveError(f"unreadable orders {moves!r}; expected [[action, target, sector(, ask)], ...]")
        answers = data.get("answers", [])
        if not isinstance(answers, list) or not all(
            isinstance(a, list)
            and len(a) == 2
            and isinstance(a[0], int)
            and not isinstance(a[0], bool)
            and a[0] >= 0
            and isinstance(a[1], bool)
            for a in answers
        ):
            raise SaveError(f"unreadable answers {answers!r}; expected [[proposal position, true|false], ...]")
        return cls(
            op=data["op"],
            actor=data.get("actor"),
            controller=data.get("controller"),
            event=data.get("event"),
            moves=tuple(tuple(m) for m in moves),
            answers=tuple((int(a[0]), bool(a[1])) for a in answers),
        )


@dataclass(frozen=True, slots=True)
class Fork:
    """A rewind: play went back from ``from_round`` to ``to_round`` and continued from there."""

    to_round: int
    from_round: int


@dataclass(slots=True)
class GameLog:
    """Everything needed to rebuild a game: the scenario, the seed, the player and the commands in order."""

    scenario: str  # library name or path (see sim.ui.library.reference)
    scenario_id: str
    seed: int
    player: str | None  # the actor the student plays; None when watching the AI
    commands: list[Command] = field(default_factory=list)
    forks: list[Fork] = field(default_factory=list)

    def rounds(self) -> int:
        return sum(1 for c in self.commands if c.op == "step")

    def truncated(self, round_number: int) -> list[Command]:
        """The commands up to and including the step that played ``round_number`` (0: none)."""
        out: list[Command] = []
        steps = 0
        for c in self.commands:
            if steps == round_number:
                break
            out.append(c)
            steps += c.op == "step"
        return out


class GameSession:
    """A model plus the log that rebuilds it; every change to the game goes through here and is logged."""

    def __init__(self, setup: ModelSetup, log: GameLog) -> None:
        self.setup = setup
        self.log = GameLog(log.scenario, log.scenario_id, log.seed, log.player, [], list(log.forks))
        self.model = AlignmentModel(setup, rng=log.seed)
        if log.player is not None:  # the student's actor starts in human hands (implied by the log's player)
            self.model.set_controller(log.player, "human")
        for command in log.commands:
            self._apply(command)
            self.log.commands.append(command)

    # -- starting ------------------------------------------------------------------------------------

    @classmethod
    def start(cls, setup: ModelSetup, scenario: str, seed: int, player: str | None) -> GameSession:
        """A new game; ``player`` is the actor the student controls (None: watch the AI)."""
        if player is not None and player not in setup.actor_ids:
            raise ValueError(f"unknown actor {player!r}; this scenario has {', '.join(setup.actor_ids)}")
        return cls(setup, GameLog(scenario, setup.scenario_id, seed, player))

    # -- reading -------------------------------------------------------------------------------------

    @property
    def round(self) -> int:
        return self.model.round

    @property
    def finished(self) -> bool:
        return self.model.finished

    @property
    def ended(self) -> str | None:
        """Why the game ended before its last round (the event that ended it), or None."""
        return self.model.ended

    def humans(self) -> list[str]:
        """Actors controlled by people this round, in scenario order (the hot-seat order)."""
        return [c.actor_id for c in self.model.countries if c.controller == "human"]

    def played_here(self) -> set[str]:
        """Actors a person at this machine controlled at some point of this branch (hot seat included)."""
        ids = {c.actor for c in self.log.commands if c.op == "control" and c.controller == "human" and c.actor}
        return ids | set(self.humans())

    def controller(self, actor: str) -> str:
        return self.model.countries[self.setup.index(actor)].controller

    def event(self, event_id: str) -> Event:
        for e in self.setup.events:
            if isinstance(e, Event) and e.id == event_id:
                return e
        raise KeyError(event_id)

    def digest(self) -> str:
        """A fingerprint of the current state (alignment and world arrays), to check a replay arrived."""
        last = self.model.history[-1]
        h = hashlib.sha256()
        h.update(str(last.round).encode())
        for array in (last.alignment, *last.world.arrays().values()):
            h.update(np.round(np.asarray(array, dtype=float), 9).tobytes())
        return h.hexdigest()

    # -- changing the game (every change is logged) ---------------------------------------------------

    def switch(self, actor: str, controller: Literal["ai", "human"]) -> None:
        """Hand an actor to a person or to the AI from the next round on (hot seat)."""
        self._do(Command("control", actor=actor, controller=controller))

    def fire(self, event_id: str) -> None:
        """Fire one of the scenario's events now (the instructor panel); it shows in this round's log."""
        self._do(Command("fire", event=event_id))

    def check_orders(self, actor: str, moves: Sequence[Order], answers: Mapping[int, bool] | None = None) -> None:
        """Raise MoveError if ``actor`` may not give these orders and answers now; the game is left as it was.

        The network host checks a team's orders when they arrive, rounds before they are played.
        """
        if actor not in self.setup.actor_ids:
            raise MoveError(f"unknown actor {actor!r}; this scenario has {', '.join(self.setup.actor_ids)}")
        model = self.model
        i = self.setup.index(actor)
        # model.submit keeps what it checked for the next step; put back what was there so nothing unlogged stays.
        kept = (model._orders.get(i), model._answers.get(i))
        try:
            model.submit(actor, moves, dict(answers or {}))
        finally:
            for store, value in ((model._orders, kept[0]), (model._answers, kept[1])):
                if value is None:
                    store.pop(i, None)
                else:
                    store[i] = value  # type: ignore[assignment]

    def play_round(
        self,
        orders: Mapping[str, Sequence[Order]] | None = None,
        answers: Mapping[str, Mapping[int, bool]] | None = None,
        stand_ins: Sequence[str] = (),
    ) -> None:
        """Give every human actor its orders (missing: no moves) and answers to the proposals waiting for it
        (by position in ``model.proposals_to(actor)``; missing: they expire), and play the next round.

        ``stand_ins`` are human actors whose seat the AI plays for this round only (a team that did not
        submit in time): logged as a hand-over to the AI, the AI's answers to what waits for them, the
        round, and the hand-back, so a replay of the log plays them the same way.

        Raises MoveError (and changes nothing) if an order or answer is not allowed now.
        """
        if self.finished:
            raise MoveError("the game is over")
        orders = dict(orders or {})
        answers = dict(answers or {})
        humans = self.humans()
        for actor in stand_ins:
            if actor not in humans:
                raise MoveError(f"{actor} is not played by a person this round; the AI cannot stand in for it")
            if actor in orders or actor in answers:
                raise MoveError(f"{actor} has orders of its own; the AI stands in only for a missing team")
        if stand_ins:
            for actor in (*orders, *answers):
                if actor not in humans:
                    raise MoveError(f"{actor} is not played by a person this round")
            for actor in humans:  # check every team's orders before logging anything
                if actor not in stand_ins:
                    self.check_orders(actor, tuple(orders.get(actor, ())), answers.get(actor))
            advice = {a: self.model.recommended_answers(a) for a in stand_ins}
            for actor in stand_ins:
                self._do(Command("control", actor=actor, controller="ai"))
            for actor in stand_ins:
                self._do(Command("orders", actor=actor, answers=tuple(sorted(advice[actor].items()))))
            self.play_round(orders, answers)
            for actor in stand_ins:
                self._do(Command("control", actor=actor, controller="human"))
            return
        commands = [
            Command(
                "orders",
                actor=actor,
                moves=tuple(orders.get(actor, ())),
                answers=tuple(sorted(dict(answers.get(actor, {})).items())),
            )
            for actor in self.humans()
        ]
        for actor in (*orders, *answers):
            if actor not in self.humans():
                raise MoveError(f"{actor} is not played by a person this round")
        for command in commands:  # validate all before recording any
            self.model.submit(command.actor or "", command.moves, dict(command.answers))
        for command in commands:
            self.log.commands.append(command)
        self._do(Command("step"))

    def rewind(self, round_number: int, keep_controllers: bool = True) -> GameSession:
        """A new session at the start of play after ``round_number`` (a branch of this one, recorded as a fork).

        Who controls each actor stays as it is now (hand-overs are recorded after the fork, so a class that
        switched to hot seat keeps it); ``keep_controllers=False`` restores the assignments of that round.
        """
        if not 0 <= round_number <= self.round:
            raise ValueError(f"can rewind to rounds 0..{self.round}, not {round_number}")
        log = GameLog(
            self.log.scenario,
            self.log.scenario_id,
            self.log.seed,
            self.log.player,
            self.log.truncated(round_number),
            [*self.log.forks, Fork(round_number, self.round)],
        )
        branch = GameSession(self.setup, log)
        if keep_controllers:
            for c in self.model.countries:
                now = c.controller
                if now in ("ai", "human") and branch.controller(c.actor_id) != now:
                    branch.switch(c.actor_id, now)
        return branch

    # -- saving ----------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "engine": f"pivot {__version__}",
            "scenario": self.log.scenario,
            "scenario_id": self.log.scenario_id,
            "seed": self.log.seed,
            "player": self.log.player,
            "round": self.round,
            "digest": self.digest(),
            "commands": [c.to_json() for c in self.log.commands],
            "forks": [{"to_round": f.to_round, "from_round": f.from_round} for f in self.log.forks],
        }

    def save(self, path: str | Path) -> Path:
        """Write the game to ``path`` atomically (an earlier file there stays intact if anything fails).

        A full disk or a read-only folder raises SaveError with one line naming the file and the cause.
        """
        target = Path(path)
        text = json.dumps(self.to_json(), indent=1)
        try:
            make_folder(target.parent if str(target.parent) else ".")
            write_text(target, text)
        except WriteError as exc:
            raise SaveError(str(exc)) from None
        return target

    # -- internals -------------------------------------------------------------------------------------

    def _do(self, command: Command) -> None:
        self._apply(command)
        self.log.commands.append(command)

    def _apply(self, command: Command) -> None:
        model = self.model
        match command.op:
            case "control":
                if command.actor not in self.setup.actor_ids or command.controller not in ("ai", "human"):
                    raise MoveError(f"cannot hand {command.actor!r} to {command.controller!r}")
                model.set_controller(command.actor, command.controller)  # type: ignore[arg-type]
            case "fire":
                try:
                    event = self.event(command.event or "")
                except KeyError:
                    known = ", ".join(e.id for e in self.setup.events if isinstance(e, Event)) or "none"
                    raise MoveError(f"unknown event {command.event!r}; this scenario's events: {known}") from None
                model.fire(event)
            case "orders":
                model.submit(command.actor or "", command.moves, dict(command.answers))
            case "step":
                if model.finished:
                    raise MoveError("the game is over")
                model.step()


#: Saves larger than this are refused before parsing (a long game's save is a few hundred KB).
MAX_SAVE_BYTES = 8 * 1024 * 1024
#: JSON nesting deeper than this is refused before parsing (a save nests four levels).
MAX_SAVE_DEPTH = 16
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def _shown(value: Any) -> str:
    text = one_line(repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _field_error(p: Path, field_name: str, what: str, value: Any) -> SaveError:
    return SaveError(f"{p}: {field_name}: {what} (got {_shown(value)})")


def _depth(raw: bytes) -> int:
    """The deepest nesting of [ and { in JSON bytes (strings skipped), without parsing them."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b"", raw)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def read_save(path: str | Path) -> dict[str, Any]:
    """The checked contents of a save file (raises SaveError with a one-line reason).

    Refused before parsing: FIFOs, sockets and devices (never opened), files over MAX_SAVE_BYTES, and
    nesting deeper than MAX_SAVE_DEPTH. Every field is then checked: ``file: field: what is wrong (got X)``.
    """
    p = Path(path)
    refuse_special(p, SaveError, "a save file")
    try:
        with open(p, "rb") as handle:
            raw = handle.read(MAX_SAVE_BYTES + 1)
    except FileNotFoundError:
        raise SaveError(f"{p}: no such save file") from None
    except IsADirectoryError:
        raise SaveError(f"{p}: is a folder, not a save file") from None
    except OSError as exc:
        raise SaveError(f"{p}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_SAVE_BYTES:
        raise SaveError(f"{p}: larger than {MAX_SAVE_BYTES // (1024 * 1024)} MiB: not a Pivot save file, refused")
    if _depth(raw) > MAX_SAVE_DEPTH:
        raise SaveError(f"{p}: nested deeper than {MAX_SAVE_DEPTH} levels: not a Pivot save file, refused")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SaveError(f"{p}: cannot be read (not UTF-8 text at byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SaveError(f"{p}:{exc.lineno}:{exc.colno}: not a Pivot save file (damaged JSON: {exc.msg})") from None
    except (RecursionError, ValueError) as exc:  # nesting the scan missed; numbers of thousands of digits
        raise SaveError(f"{p}: not a Pivot save file ({one_line(str(exc))[:80]})") from None
    if not isinstance(data, dict) or data.get("format") != SAVE_FORMAT:
        raise SaveError(f'{p}: not a Pivot save file (no "format": "{SAVE_FORMAT}")')
    version = data.get("version")
    if not isinstance(version, int) or version > SAVE_VERSION or version < 1:
        raise SaveError(f"{p}: save format version {version!r} is not supported (this Pivot reads 1..{SAVE_VERSION})")
    _check_fields(p, data)
    return data


def _check_fields(p: Path, data: dict[str, Any]) -> None:
    """Each field of a save: its kind and range, one located line for the first that is wrong."""
    scenario = data.get("scenario")
    if not isinstance(scenario, str) or not scenario.strip() or len(scenario) > 4096:
        raise _field_error(p, "scenario", "must be a scenario file or library name", scenario)
    if unsafe_character(scenario):
        raise _field_error(p, "scenario", "holds a control or invisible character", scenario)
    seed = data.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed_problem(seed):
        raise _field_error(p, "seed", f"must be a whole number from 0 to {MAX_SEED}", seed)
    player = data.get("player")
    if player is not None and (not isinstance(player, str) or not ACTOR_ID.match(player)):
        raise _field_error(p, "player", "must be an actor id (lower-case letters, digits, _) or null", player)
    for key in ("scenario_id", "digest", "engine"):
        if key in data and data[key] is not None and (not isinstance(data[key], str) or len(data[key]) > 200):
            raise _field_error(p, key, "must be a short text", data[key])
    if "round" in data and (not isinstance(data["round"], int) or isinstance(data["round"], bool) or data["round"] < 0):
        raise _field_error(p, "round", "must be a whole number >= 0", data["round"])
    commands = data.get("commands")
    if not isinstance(commands, list):
        raise _field_error(p, "commands", "must be a list of commands", commands)
    for k, command in enumerate(commands):
        try:
            Command.from_json(command)
        except SaveError as exc:
            raise SaveError(f"{p}: commands[{k}]: {exc}") from None
        for key in ("actor", "controller", "event"):
            value = command.get(key)
            if value is not None and not isinstance(value, str):
                raise _field_error(p, f"commands[{k}].{key}", "must be a text or absent", value)
    forks = data.get("forks", [])
    if not isinstance(forks, list):
        raise _field_error(p, "forks", "must be a list of rewinds", forks)
    for k, fork in enumerate(forks):
        ok = isinstance(fork, dict) and all(
            isinstance(fork.get(key), int) and not isinstance(fork.get(key), bool) and fork[key] >= 0
            for key in ("to_round", "from_round")
        )
        if not ok:
            raise _field_error(p, f"forks[{k}]", "must be {to_round: N, from_round: M}, whole numbers >= 0", fork)


def load_session(path: str | Path, load_setup: Any) -> GameSession:
    """Rebuild a saved game by replaying its log; ``load_setup(ref)`` loads the scenario it names.

    Raises SaveError (never anything else) when the file is unreadable, foreign, or no longer replays
    to the state it was saved in (for example because the scenario file changed since).
    """
    data = read_save(path)
    p = Path(path)
    try:
        setup = load_setup(data["scenario"])
    except ScenarioError as exc:
        first = exc.problems[0] if exc.problems else exc
        raise SaveError(f"{p}: its scenario {data['scenario']!r} cannot be loaded: {first}") from None
    player = data.get("player")
    if player is not None and player not in setup.actor_ids:
        raise _field_error(
            p, "player", f"not an actor of this scenario (its actors: {', '.join(setup.actor_ids)})", player
        )
    if data.get("scenario_id") not in (None, setup.scenario_id):
        raise SaveError(
            f"{p}: saved for scenario {data['scenario_id']!r}, but {data['scenario']!r} is now {setup.scenario_id!r}"
        )
    try:
        commands = [Command.from_json(c) for c in data["commands"]]
        forks = [Fork(int(f["to_round"]), int(f["from_round"])) for f in data.get("forks", [])]
    except (SaveError, KeyError, TypeError, ValueError) as exc:
        raise SaveError(f"{p}: damaged save: {exc}") from None
    log = GameLog(data["scenario"], setup.scenario_id, data["seed"], data.get("player"), commands, forks)
    try:
        session = GameSession(setup, log)
    except (MoveError, ValueError, IndexError) as exc:
        raise SaveError(f"{p}: the saved game no longer replays on this scenario ({exc})") from None
    if "digest" in data and data["digest"] != session.digest():
        raise SaveError(
            f"{p}: the saved game replays to a different state (the scenario or Pivot changed since it was saved)"
        )
    return session


def default_save_dir() -> Path:
    """Where the game keeps saves: $PIVOT_SAVE_DIR, else ~/.pivot/saves."""
    return Path(os.environ.get("PIVOT_SAVE_DIR") or Path.home() / ".pivot" / "saves")


def list_saves(folder: Path) -> list[Path]:
    """Save files in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob("*.json") if p.is_file()]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def orders_from(moves: Iterable[Order]) -> tuple[Order, ...]:
    return tuple(tuple(m) for m in moves)  # type: ignore[misc]
