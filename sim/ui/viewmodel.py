"""The view model: plain, immutable snapshots of a game that the scenes draw (built from the core, no pygame).

Scenes never read the model: after every change the session's state is turned into a
:class:`RoundView` (or a :class:`DebriefView`) here, off the draw path, and the scenes only paint
it. Everything a student sees — the map's actors and links, the alignment series, the event log
with each move's reason, the move picker with each move's expected effect on the player's indices,
the status bar and the objectives — is computed and tested here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import CATALOGUE, AlignmentModel, ModelSetup
from sim.core.actions import ACTION_INDEX, OFFER_ASKS, OFFER_GIVES, agreement_sector, apply_move
from sim.core.legal import LegalMove, legal_moves
from sim.core.objectives import Objective, ObjectiveReport
from sim.core.record import RoundRecord
from sim.core.scoring import kuik_hedging, policy_affinity, score
from sim.core.utility import CandidateTable, price_candidates
from sim.core.world import INTERESTS
from sim.ui.session import Fork, GameSession

RGB = tuple[int, int, int]

#: Interest names as the briefing states them.
INTEREST_WORDS: dict[str, tuple[str, str]] = {
    "economy": ("Economy", "trade, growth and what you owe"),
    "security": ("Security", "security agreements, and not being sanctioned"),
    "autonomy": ("Autonomy", "spreading your partnerships so no single power dominates"),
    "influence": ("Influence", "how closely the others align with you, weighted by their power"),
    "values": ("Values", "democracy and human rights, with partners and pressure on others"),
}


def hex_to_rgb(colour: str) -> RGB:
    text = colour.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return (136, 136, 136)


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


# -- builders ----------------------------------------------------------------------------------------


def actor_views(model: AlignmentModel, player: int | None) -> tuple[ActorView, ...]:
    setup = model.setup
    powers = set(setup.scoring.powers)
    return tuple(
        ActorView(
            index=i,
            id=a.id,
            name=a.name,
            colour=hex_to_rgb(a.colour),
            lon=a.lon,
            lat=a.lat,
            kind=a.kind,
            controller=model.countries[i].controller,
            is_player=i == player,
            is_power=i in powers,
        )
        for i, a in enumerate(setup.actors)
    )


def links(model: AlignmentModel, player: int) -> tuple[LinkView, ...]:
    """Every pair of actors with its symmetric alignment and two-way trade (width log-scaled to the largest)."""
    last = model.history[-1]
    A = last.alignment
    sym = (A + A.T) / 2.0
    trade = last.world.trade + last.world.trade.T
    n = A.shape[0]
    top = float(np.log1p(trade.max())) if trade.size else 1.0
    out = []
    for i in range(n):
        for j in range(i + 1, n):
            width = float(np.log1p(trade[i, j])) / top if top > 0 else 0.0
            out.append(LinkView(i, j, float(sym[i, j]), float(trade[i, j]), width, player in (i, j)))
    return tuple(out)


def series(model: AlignmentModel, player: int, forks: tuple[Fork, ...] = ()) -> Series:
    history = model.history
    partners = [p for p in model.setup.scoring.powers if p != player] or [
        j for j in range(model.setup.n_actors) if j != player
    ]
    lines = tuple((j, tuple(float(r.alignment[player, j]) for r in history)) for j in partners)
    return Series(tuple(r.label for r in history), lines, tuple(f.to_round for f in forks))


def objective_lines(report: ObjectiveReport) -> tuple[ObjectiveLine, ...]:
    return tuple(
        ObjectiveLine(s.objective.description, s.objective.timing, s.objective.weight, s.met, s.rounds_held)
        for s in report.statuses
    )


def planned_objectives(setup: ModelSetup, player: int) -> tuple[ObjectiveLine, ...]:
    return tuple(
        ObjectiveLine(o.description, o.timing, o.weight, False, 0)
        for o in setup.objectives
        if isinstance(o, Objective) and o.actor == player
    )


def log_lines(session: GameSession) -> tuple[LogLine, ...]:
    """The game's log, newest round first: each round's events, then its moves with their reasons."""
    return history_log(session.model, tuple(session.log.forks), _controls_by_round(session))


def history_log(
    model: AlignmentModel,
    forks: tuple[Fork, ...] = (),
    controls: dict[int, list[str]] | None = None,
    outside_note: str | None = None,
) -> tuple[LogLine, ...]:
    """The log of a model's history, newest round first: each round's forks and hand-overs (when given),
    its events, then its moves with their reasons (see :func:`round_log`)."""
    controls = controls or {}
    out: list[LogLine] = []
    for record in reversed(model.history):
        here = tuple(f for f in forks if f.to_round == record.round)
        out.extend(round_log(model.setup, record, here, tuple(controls.get(record.round, ())), outside_note))
    return tuple(out)


def round_log(
    setup: ModelSetup,
    record: RoundRecord,
    forks: tuple[Fork, ...] = (),
    controls: tuple[str, ...] = (),
    outside_note: str | None = None,
) -> tuple[LogLine, ...]:
    """One round's part of the log: its header, the forks back to it and hand-overs after it, its events, then
    its moves with their reasons. ``outside_note`` replaces the reason of moves chosen from outside the model
    (controller "human"), e.g. "chosen by the learning agent"."""
    names = [a.name for a in setup.actors]
    r = record.round
    head = "Start" if r == 0 else f"Round {r} · {record.label}"
    out = [LogLine(r, record.label, "header", None, head)]
    for f in forks:
        out.append(LogLine(r, record.label, "fork", None, f"Branch: play went back here from round {f.from_round}"))
    for text in controls:
        out.append(LogLine(r, record.label, "control", None, text))
    for e in record.events:
        out.append(LogLine(r, record.label, "event", None, e.title, e.text))
    for m in record.moves:
        reason = m.reason
        if outside_note is not None and m.source == "human":
            reason = outside_note if m.applied else f"{outside_note} (no effect: no longer possible when resolved)"
        out.append(
            LogLine(
                r,
                record.label,
                "move",
                m.actor,
                f"{names[m.actor]}: {describe_move(setup, m.action, m.target, m.sector, m.ask)}",
                reason,
                m.applied,
            )
        )
    return tuple(out)


def _controls_by_round(session: GameSession) -> dict[int, list[str]]:
    """Hand-overs between people and the AI, by the round after which they were made."""
    names = {a.id: a.name for a in session.setup.actors}
    out: dict[int, list[str]] = {}
    r = 0
    for c in session.log.commands:
        if c.op == "step":
            r += 1
        elif c.op == "control":
            who = "a player" if c.controller == "human" else "the AI"
            out.setdefault(r, []).append(f"{names.get(c.actor or '', c.actor)} is now played by {who}")
        elif c.op == "fire":
            out.setdefault(r, []).append(f"Instructor fired event '{c.event}'")
    return out


def describe_move(
    setup: ModelSetup, action_id: str, target: int | None, sector: int | None, ask: str | None = None
) -> str:
    act = CATALOGUE[ACTION_INDEX[action_id]]
    text = act.label
    if target is not None:
        text += f" → {setup.actors[target].name}"
    s = agreement_sector(act, sector, setup.sectors)
    if act.sector_based and s is not None:
        text += f" ({sector_label(setup, s)})"
    if ask is not None:
        text += f", if they {CATALOGUE[ACTION_INDEX[ask]].label.lower()} in return"
    return text


def sector_label(setup: ModelSetup, s: int) -> str:
    return setup.sectors[s].replace("_", " ").capitalize()


def move_options(model: AlignmentModel, player: int) -> tuple[MoveOption, ...]:
    """Every move the player may make now, with its expected effect on the player's indices.

    The moves are the core's legal moves (:func:`sim.core.legal.legal_moves`, the same the AI and the RL
    envs use); the effect of each is its immediate effect if it takes effect (for a proposal or request:
    if the target accepts, with both halves of a conditional offer), applied to a copy of the world and
    scored before anyone replies; ``chance`` is how likely the target is to accept, by its interests now.
    """
    setup = model.setup
    world = model.world
    sc = setup.scoring
    before = score(world, sc.weights, sc.powers, sc.bloc_a, sc.bloc_b, model.affinity)
    A_now = model.history[-1].alignment
    partners = [p for p in sc.powers if p != player]
    names = [a.name for a in setup.actors]
    moves = [m for m in legal_moves(world, setup, player) if m.action != "pass"]
    before_kuik = float(kuik_hedging(before.alignment, sc.powers).hedging[player])
    table = price_candidates(model._context(), setup, model.policy.interests, model.policy.tau) if moves else None
    out: list[MoveOption] = []
    for m in moves:
        act = CATALOGUE[ACTION_INDEX[m.action]]
        w = world.copy()
        steps = [(player, m.action, m.target, m.sector)]
        if act.grants is not None and m.target is not None:
            steps.append((m.target, act.grants, player, None))
        if m.ask is not None and m.target is not None:
            steps.append((m.target, m.ask, player, None))
        for who, action_id, target, sector in steps:
            magnitude = float(setup.action_magnitude[ACTION_INDEX[action_id], who])
            apply_move(
                w, who, action_id, target, sector, magnitude, A_now, setup.dynamics, setup.sectors,
                values_dimension=sc.values_dimension,
            )  # fmt: skip
        affinity = policy_affinity(w.positions, w.salience) if act.domestic else model.affinity
        after = score(w, sc.weights, sc.powers, sc.bloc_a, sc.bloc_b, affinity)
        effect = Effect(
            hedging=float(kuik_hedging(after.alignment, sc.powers).hedging[player] - before_kuik),
            bloc_tilt=float(after.bloc_tilt[player] - before.bloc_tilt[player]),
            alignment=tuple((p, float(after.alignment[player, p] - before.alignment[player, p])) for p in partners),
            primary_partner=int(after.primary_partner[player]),
        )
        chance = None
        if m.needs_answer and m.target is not None and table is not None:
            chance = _chance(table, player, m)
        s = agreement_sector(act, m.sector, setup.sectors) if act.sector_based else None
        label = act.label if s is None else f"{act.label}: {sector_label(setup, s)}"
        if m.ask is not None:
            label = f"Offer {act.label.lower()} for {CATALOGUE[ACTION_INDEX[m.ask]].label.lower()}"
        out.append(
            MoveOption(
                action=act.id,
                target=None if m.target is None else setup.actor_ids[m.target],
                sector=None if m.sector is None else setup.sectors[m.sector],
                label=label,
                target_name="" if m.target is None else names[m.target],
                category=act.category if act.category != "none" else "diplomatic",
                stance=act.stance,
                description=act.description
                if m.ask is None
                else f"{act.description} Only if they {CATALOGUE[ACTION_INDEX[m.ask]].label.lower()} in return.",
                effect=effect,
                ask=m.ask,
                chance=chance,
            )
        )
    return tuple(out)


def _chance(table: CandidateTable, player: int, m: LegalMove) -> float:
    """The chance the target accepts ``m`` now, as the AI's answer rule (logistic at its temperature) gives it."""
    j = int(m.target)  # type: ignore[arg-type]
    a = ACTION_INDEX[m.action]
    if m.ask is not None:
        return float(table.offer_accept_chance[OFFER_GIVES.index(m.action), OFFER_ASKS.index(m.ask), player, j])
    if CATALOGUE[a].sector_based and m.sector is not None:
        return float(table.sector_accept_chance[player, j, m.sector])
    return float(table.accept_chance[a, player, j])


def answer_options(model: AlignmentModel, player: int) -> tuple[MoveOption, ...]:
    """Proposals waiting for the player's answer, each as an accept and a refuse option (they cost no move)."""
    setup = model.setup
    names = [a.name for a in setup.actors]
    advice = model.recommended_answers(player)
    out: list[MoveOption] = []
    for k, m in enumerate(model.proposals_to(player)):
        act = CATALOGUE[ACTION_INDEX[m.action]]
        what = act.label.lower()
        if act.grants is not None:
            what = f"asks you to {CATALOGUE[ACTION_INDEX[act.grants]].label.lower()}"
        elif m.ask is not None:
            what = f"offers to {what} if you {CATALOGUE[ACTION_INDEX[m.ask]].label.lower()}"
        else:
            what = f"proposes: {what}" + ("" if m.sector is None else f" ({sector_label(setup, m.sector)})")
        hint = "your advisers say accept" if advice.get(k) else "your advisers say refuse"
        for accept in (True, False):
            out.append(
                MoveOption(
                    action=m.action,
                    target=setup.actor_ids[m.actor],
                    sector=None if m.sector is None else setup.sectors[m.sector],
                    label=f"{'Accept' if accept else 'Refuse'}: {names[m.actor]} {what}",
                    target_name=names[m.actor],
                    category="answers",
                    stance="cooperative" if accept else "conflictual",
                    description=f"{names[m.actor]} {what} ({hint}). Answering costs no move.",
                    effect=Effect(0.0, 0.0, (), int(model.history[-1].primary_partner[player])),
                    ask=m.ask,
                    answer=k,
                    accept=accept,
                )
            )
    return tuple(out)


def status(model: AlignmentModel, player: int) -> Status:
    setup = model.setup
    last = model.history[-1]
    report = model.objective_report(player)
    has = any(isinstance(o, Objective) and o.actor == player for o in setup.objectives)
    return Status(
        scenario_title=setup.title,
        quarter=last.label if model.round > 0 else f"before {setup.round_labels[0]}",
        round=model.round,
        rounds=setup.rounds,
        score=report.score,
        grade=report.grade if has else "–",
        has_objectives=has,
        outcome=last.outcome if player == setup.scoring.focal else outcome_word(model, player),
        hedging=float(last.kuik.hedging[player]),
        bloc_tilt=float(last.bloc_tilt[player]),
        bloc_names=setup.scoring.bloc_names,
        primary_partner=setup.actors[int(last.primary_partner[player])].name,
        finished=model.finished,
        ended_by_event=model.ended,
    )


def outcome_word(model: AlignmentModel, player: int) -> str:
    """For an actor other than the focal one, whose outcome labels the scenario does not define: its leaning."""
    last = model.history[-1]
    partner = model.setup.actors[int(last.primary_partner[player])].name
    return f"closest to {partner}"


def round_view(session: GameSession, viewpoint: str | None = None) -> RoundView:
    """The round screen's snapshot as ``viewpoint`` sees it (default: the hot-seat player, else the focal actor)."""
    model = session.model
    setup = model.setup
    humans = session.humans()
    watching = not humans
    who = viewpoint or (humans[0] if humans else session.log.player) or setup.actor_ids[setup.scoring.focal]
    player = setup.index(who)
    return model_round_view(
        model,
        player,
        humans=tuple(setup.index(h) for h in humans),
        forks=tuple(session.log.forks),
        log=log_lines(session),
        options=()
        if watching or model.finished or who not in humans
        else move_options(model, player) + answer_options(model, player),
    )


def model_round_view(
    model: AlignmentModel,
    player: int,
    *,
    humans: tuple[int, ...] = (),
    forks: tuple[Fork, ...] = (),
    log: tuple[LogLine, ...] | None = None,
    options: tuple[MoveOption, ...] = (),
) -> RoundView:
    """The round screen's snapshot of a bare model from ``player``'s point of view (no session needed).

    ``humans``: actors played from outside (none: watching the AI); ``log``: default :func:`history_log`;
    ``options``: the move picker's entries (none unless given: they are the costly part).
    """
    setup = model.setup
    report = model.objective_report(player)
    return RoundView(
        actors=actor_views(model, player),
        player=player,
        links=links(model, player),
        series=series(model, player, forks),
        log=history_log(model, forks) if log is None else log,
        options=options,
        moves_per_round=int(model.policy.actions_per_round[player]),
        status=status(model, player),
        objectives=objective_lines(report),
        humans=humans,
        events=tuple((e.id, e.title, e.text) for e in setup.events),
        watching=not humans,
    )


def briefing_view(setup: ModelSetup, actor_id: str) -> BriefingView:
    """The briefing of one actor: the scenario's text, or one written from the summary and the actor's interests."""
    i = setup.index(actor_id)
    text = setup.briefings.get(actor_id, "").strip()
    generated = not text
    if generated:
        text = generated_briefing(setup, i)
    model_actor = ActorView(
        i,
        actor_id,
        setup.actors[i].name,
        hex_to_rgb(setup.actors[i].colour),
        setup.actors[i].lon,
        setup.actors[i].lat,
        setup.actors[i].kind,
        "human",
        True,
        i in setup.scoring.powers,
    )
    return BriefingView(
        title=setup.title,
        actor=model_actor,
        text=text,
        generated=generated,
        objectives=planned_objectives(setup, i),
        rounds=setup.rounds,
        first_quarter=setup.round_labels[0] if setup.round_labels else "",
    )


def generated_briefing(setup: ModelSetup, i: int) -> str:
    """A Markdown-light briefing from the scenario summary and the actor's interest weights."""
    actor = setup.actors[i]
    weights = setup.interests[i]
    order = np.argsort(-weights)
    top = [INTERESTS[k] for k in order if weights[k] > 0][:3]
    powers = [setup.actors[p].name for p in setup.scoring.powers if p != i]
    lines = [f"# {actor.name}", "", setup.summary or setup.title, "", "## What you care about"]
    lines += [
        f"- **{INTEREST_WORDS[k][0]}** ({weights[INTERESTS.index(k)]:.0%} of your aims): {INTEREST_WORDS[k][1]}"
        for k in top
    ]
    lines += [
        "",
        "## How to play",
        f"Each quarter you choose up to {int(setup.actions_per_round[i])} moves. Every other actor moves at the same "
        "time, by its own interests. The map and the chart show how your alignment with "
        f"{', '.join(powers)} shifts; the log tells you why each actor did what it did.",
    ]
    return "\n".join(lines)


def debrief_view(session: GameSession, viewpoint: str | None = None) -> DebriefView:
    model = session.model
    setup = model.setup
    who = viewpoint or session.log.player or setup.actor_ids[setup.scoring.focal]
    player = setup.index(who)
    report = model.objective_report(player)
    last = model.history[-1]
    has = any(isinstance(o, Objective) and o.actor == player for o in setup.objectives)
    return DebriefView(
        title=setup.title,
        actor=actor_views(model, player)[player],
        outcome=last.outcome if player == setup.scoring.focal else outcome_word(model, player),
        objectives=objective_lines(report),
        has_objectives=has,
        score=report.score,
        grade=report.grade if has else "–",
        series=series(model, player, tuple(session.log.forks)),
        utility=float(last.utility[player] - model.history[0].utility[player]) * 1000.0,
        position=final_position(model, player),
        rounds_played=model.round,
        ended_by_event=model.ended,
        forks=tuple(session.log.forks),
        also_played=also_played(session, who),
    )


def also_played(session: GameSession, player: str) -> tuple[str, ...]:
    """Names of the actors other than ``player`` that a person controlled at some point of this game's branch."""
    setup = session.setup
    ids = {c.actor for c in session.log.commands if c.op == "control" and c.controller == "human"}
    ids |= set(session.humans())
    ids.discard(player)
    return tuple(a.name for a in setup.actors if a.id in ids)


def final_position(model: AlignmentModel, player: int) -> tuple[tuple[str, str, str], ...]:
    """The player's indices at the start and at the end, as the debrief lists them."""
    setup = model.setup
    first, last = model.history[0], model.history[-1]
    a, b = setup.scoring.bloc_names
    name = [x.name for x in setup.actors]
    return (
        (
            "Hedging (Kuik's index)",
            f"{first.kuik.hedging[player]:.2f}",
            f"{last.kuik.hedging[player]:.2f}",
        ),
        (f"Tilt {a} − {b}", _signed(first.bloc_tilt[player]), _signed(last.bloc_tilt[player])),
        ("Closest partner", name[int(first.primary_partner[player])], name[int(last.primary_partner[player])]),
        ("Utility gained (points)", "0.0", _signed((last.utility[player] - first.utility[player]) * 1000, 1)),
    )


def _signed(value: float, digits: int = 2) -> str:
    """A signed number with a typographic minus."""
    return f"{value:+.{digits}f}".replace("-", "−")


def standing(value: float, sample: list[float] | np.ndarray, what: str, who: str) -> str:
    """One sentence placing ``value`` in ``sample``: how many games it beats, ties and trails."""
    x = np.asarray(sample, dtype=float)
    below, tied, above = int((x < value).sum()), int((x == value).sum()), int((x > value).sum())
    games = f"{x.size} game{'s' if x.size != 1 else ''} in which the AI played {who}"
    if tied == 0:
        return f"Your {what} beats {below} of {games} ({percentile(value, x):.0f}th percentile)."
    parts = [f"beats {below}"] if below else []
    parts.append(f"equals {tied}")
    if above:
        parts.append(f"trails {above}")
    return f"Your {what} {', '.join(parts[:-1])}{' and ' if len(parts) > 1 else ''}{parts[-1]} of {games}."


def percentile(value: float, sample: list[float] | np.ndarray) -> float:
    """Share of the sample (0..100) strictly below ``value``, with ties counted half (mid-rank)."""
    x = np.asarray(sample, dtype=float)
    if x.size == 0:
        return float("nan")
    return float(100.0 * ((x < value).sum() + 0.5 * (x == value).sum()) / x.size)
