"""What a run leaves behind: moves with their reasons, fired events, and one record per round."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np

from sim.core.actions import action
from sim.core.scoring import KuikHedging
from sim.core.world import INTERESTS, WorldState

INTEREST_PHRASES: dict[str, str] = {
    "economy": "economic gain",
    "security": "security ties",
    "autonomy": "diversifying partners",
    "influence": "influence",
    "values": "its values",
    "reciprocity": "answering past moves",
    "regime": "regime security",
}
#: Names of the terms of a move's gain: the interests, then reciprocity and regime security.
TERM_NAMES: tuple[str, ...] = (*INTERESTS, "reciprocity", "regime")
#: How a proposal or request was answered.
Answer = Literal["", "accepted", "refused", "pending", "expired"]


@dataclass(frozen=True, slots=True, init=False)
class Move:
    """One move of one actor in one round, with the reason the actor had for it."""

    actor: int
    action: str
    target: int | None = None
    sector: int | None = None
    expected_gain: float = 0.0  # estimated utility change minus cost, when chosen
    terms: tuple[float, ...] = ()  # estimated utility change per term (TERM_NAMES order), if it takes effect
    cost: float = 0.0
    note: str = ""  # the reason given from outside (player, script, event); AI reasons derive from terms
    source: str = "ai"  # ai | human | scripted | event
    applied: bool = True  # False when the precondition no longer held at resolution, or it was refused
    ask: str | None = None  # a conditional offer: the move the target must make in return
    answer: Answer = ""  # for proposals and requests: how the target answered
    answer_reason: str = ""  # the target's reason, in words
    accept_chance: float = 1.0  # the chance of acceptance the proposer expected

    def __init__(
        self,
        actor: int,
        action: str,
        target: int | None = None,
        sector: int | None = None,
        expected_gain: float = 0.0,
        terms: tuple[float, ...] = (),
        cost: float = 0.0,
        note: str = "",
        source: str = "ai",
        applied: bool = True,
        ask: str | None = None,
        answer: Answer = "",
        answer_reason: str = "",
        accept_chance: float = 1.0,
    ) -> None:
        # What the generated __init__ of a frozen dataclass does (each field set through
        # object.__setattr__), through the slots' own setters: the same object in half the time (a round
        # makes and amends a few dozen moves). The defaults are the fields' (tests/test_actions.py checks).
        s = _MOVE_SLOTS
        s[0](self, actor)
        s[1](self, action)
        s[2](self, target)
        s[3](self, sector)
        s[4](self, expected_gain)
        s[5](self, terms)
        s[6](self, cost)
        s[7](self, note)
        s[8](self, source)
        s[9](self, applied)
        s[10](self, ask)
        s[11](self, answer)
        s[12](self, answer_reason)
        s[13](self, accept_chance)

    @property
    def needs_answer(self) -> bool:
        return self.ask is not None or action(self.action).needs_answer

    @property
    def reason(self) -> str:
        """Why the actor made this move: the leading terms of its estimated gain, or the note; and the answer."""
        text = self.note or explain(np.asarray(self.terms), self.cost, self.expected_gain)
        if self.answer == "accepted":
            return f"{text}; accepted: {self.answer_reason}" if self.answer_reason else f"{text}; accepted"
        if self.answer == "refused":
            return f"{text}; refused: {self.answer_reason}" if self.answer_reason else f"{text}; refused"
        if self.answer in ("pending", "expired"):
            return f"{text}; {self.answer}"
        return text if self.applied else text + " (no effect: no longer possible when resolved)"


#: The setters of Move's slots, in field order (Move.__init__).
_MOVE_SLOTS = tuple(getattr(Move, f.name).__set__ for f in fields(Move))


def amended(
    m: Move, applied: bool | None = None, answer: Answer | None = None, answer_reason: str | None = None
) -> Move:
    """``dataclasses.replace(m, ...)`` for the fields resolution changes, at half its cost (a round amends
    every answered or unresolved move)."""
    return Move(
        m.actor,
        m.action,
        m.target,
        m.sector,
        m.expected_gain,
        m.terms,
        m.cost,
        m.note,
        m.source,
        m.applied if applied is None else applied,
        m.ask,
        m.answer if answer is None else answer,
        m.answer_reason if answer_reason is None else answer_reason,
        m.accept_chance,
    )


def explain(terms: np.ndarray, cost: float, gain: float) -> str:
    """A short human-readable reason from the interest terms of a move's estimated gain.

    Figures are utility points (1 point = 0.001 of utility), the unit the debrief and docs use.
    """
    if len(terms) == 0:
        return "no reason recorded"
    pts = np.asarray(terms) * 1000.0
    order = np.argsort(-np.abs(pts))
    pros = [k for k in order if pts[k] > 0.05][:2]
    notable = 0.1 * max((pts[k] for k in pros), default=0.0)
    cons = [k for k in order if pts[k] < -max(notable, 0.05)][:1]
    if not pros:
        return f"exploratory move (expected net {gain * 1000:+.1f} pts)"
    text = "for " + " and ".join(f"{INTEREST_PHRASES[TERM_NAMES[k]]} ({pts[k]:+.1f})" for k in pros)
    if cons:
        text += f", despite {INTEREST_PHRASES[TERM_NAMES[cons[0]]]} ({pts[cons[0]]:+.1f})"
    return text + f"; cost {cost * 1000:.1f}, net {gain * 1000:+.1f} pts"


@dataclass(frozen=True, slots=True)
class FiredEvent:
    id: str
    title: str
    text: str
    round: int


@dataclass(slots=True)
class RoundRecord:
    """The state and scores after one round (round 0 is the starting state)."""

    round: int
    label: str
    moves: tuple[Move, ...]
    events: tuple[FiredEvent, ...]
    alignment: np.ndarray
    hedging: np.ndarray
    bloc_tilt: np.ndarray
    primary_partner: np.ndarray
    utility: np.ndarray
    outcome: str
    world: WorldState
    kuik: KuikHedging
    rng_state: dict = field(repr=False, default_factory=dict)  # generator state at the end of the round
