"""The view types: plain, immutable snapshots of a game that the scenes draw (no pygame, no model).

:mod:`sim.ui.viewmodel` builds them from the core; the scenes only read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.play.session import Fork

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class ActorView:
    index: int
    id: str
    name: str
    colour: RGB
    lon: float
    lat: float
    kind: str
    controller: str
    is_player: bool
    is_power: bool


@dataclass(frozen=True, slots=True)
class LinkView:
    """A pair of actors on the map: coloured by alignment, as wide as their trade."""

    a: int
    b: int
    alignment: float  # symmetric, -1..1
    trade: float  # two-way, USD bn per year
    width: float  # 0..1 of the widest line, log-scaled by trade
    involves_player: bool


@dataclass(frozen=True, slots=True)
class LogLine:
    round: int
    label: str
    kind: str  # move | event | fork | control | header
    actor: int | None
    text: str
    reason: str = ""
    applied: bool = True


@dataclass(frozen=True, slots=True)
class Effect:
    """Expected effect of a move on the player's indices (after the move, before replies and dynamics)."""

    hedging: float
    bloc_tilt: float
    alignment: tuple[tuple[int, float], ...]  # (power index, change of the player's alignment to it)
    primary_partner: int  # after the move


@dataclass(frozen=True, slots=True)
class MoveOption:
    """A move the player may make now: the order to submit, how to name it, and its expected effect."""

    action: str
    target: str | None
    sector: str | None
    label: str  # "Sign agreement: Air services"
    target_name: str
    category: str
    stance: str
    description: str
    effect: Effect  # if it takes effect (for a proposal: if the target accepts)
    ask: str | None = None  # a conditional offer: what the target must do in return
    chance: float | None = None  # for a proposal or request: the chance the target accepts, as the AI reckons it
    answer: int | None = None  # for an answer to a proposal waiting for the player: its position
    accept: bool = True  # for an answer: accept (True) or refuse
    kind: str = ""  # the kind of move, for grouping ("Sign agreement", "Conditional offer", "Answer")

    @property
    def order(self) -> tuple[str, str | None, str | None, str | None]:
        return (self.action, self.target, self.sector, self.ask)


@dataclass(frozen=True, slots=True)
class ObjectiveLine:
    description: str
    timing: str
    weight: float
    met: bool
    rounds_held: int


@dataclass(frozen=True, slots=True)
class Status:
    scenario_title: str
    quarter: str
    round: int
    rounds: int
    score: float
    grade: str
    has_objectives: bool
    outcome: str
    hedging: float
    bloc_tilt: float
    bloc_names: tuple[str, str]
    primary_partner: str
    finished: bool
    ended_by_event: str | None


@dataclass(frozen=True, slots=True)
class Series:
    """The player's alignment to each power over rounds 0..now, with the rounds' quarter labels."""

    labels: tuple[str, ...]
    lines: tuple[tuple[int, tuple[float, ...]], ...]  # (partner index, values)
    forks: tuple[int, ...]  # rounds a rewind went back to


@dataclass(frozen=True, slots=True)
class EventCard:
    """An event as the modal card shows it when it fires: title, text, who it affects, its illustration."""

    id: str
    title: str
    text: str
    affects: tuple[str, ...]  # actor names
    picture: str  # which illustration: "guide", "row", "visit", "sanctions", "trade", "end", "news"


@dataclass(frozen=True, slots=True)
class RoundView:
    """Everything the round screen shows for one moment of one game, from one actor's point of view."""

    actors: tuple[ActorView, ...]
    player: int  # whose point of view (the student's actor, the hot-seat player, or the focal actor)
    links: tuple[LinkView, ...]
    series: Series
    log: tuple[LogLine, ...]  # newest round first
    options: tuple[MoveOption, ...]
    moves_per_round: int
    status: Status
    objectives: tuple[ObjectiveLine, ...]
    humans: tuple[int, ...]
    events: tuple[tuple[str, str, str], ...]  # (id, title, text) of the scenario's events, for the instructor
    watching: bool
    fired: tuple[EventCard, ...] = ()  # events of the round just played (a card each), guides excepted
    guide: tuple[EventCard, ...] = ()  # guide events of the coming round: the tutorial speaks before the decision
    summary: tuple[str, ...] = ()  # the round just played in sentences: the largest changes and their causes

    def actor(self, actor_id: str) -> ActorView:
        return next(a for a in self.actors if a.id == actor_id)


@dataclass(frozen=True, slots=True)
class BriefingView:
    title: str
    actor: ActorView
    text: str  # Markdown-light
    generated: bool  # True when the scenario has no briefing for this actor and one was written from its data
    objectives: tuple[ObjectiveLine, ...]
    rounds: int
    first_quarter: str


@dataclass(frozen=True, slots=True)
class DebriefView:
    title: str
    actor: ActorView
    outcome: str
    objectives: tuple[ObjectiveLine, ...]
    has_objectives: bool
    score: float
    grade: str
    series: Series
    utility: float  # utility the player gained over the game (final minus start), points (1 point = 0.001)
    position: tuple[tuple[str, str, str], ...]  # (index, at the start, at the end) for the debrief
    rounds_played: int
    ended_by_event: str | None
    forks: tuple[Fork, ...]
    also_played: tuple[str, ...] = ()  # other actors a person controlled in this game (the score is not like for like)


@dataclass(frozen=True, slots=True)
class Offer:
    """A proposal or request the player could make to the actor, with its predicted answer and why."""

    option: MoveOption
    chance: float
    why: str


@dataclass(frozen=True, slots=True)
class DiplomacyView:
    """One actor as the player sees it: its regard, what it wants, its recent moves towards the player, and how it
    would answer each proposal or request the player could make now."""

    actor: ActorView
    regard_of_you: float  # its regard of the player, -1..1
    your_regard: float  # the player's regard of it
    alignment: float  # the player's alignment with it
    interests: tuple[str, ...]  # its interests in words, most important first
    recent: tuple[str, ...]  # its recent moves towards the player, newest first
    offers: tuple[Offer, ...]
