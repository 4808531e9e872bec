"""The view model's builders: a game's state turned into the view types of :mod:`sim.ui.views` (no pygame).

Scenes never read the model: after every change the session's state is turned into a
:class:`RoundView` (or a :class:`DebriefView`) here, off the draw path, and the scenes only paint
it. Everything a student sees — the map's actors and links, the alignment series, the event log
with each move's reason, the move picker with each move's expected effect on the player's indices,
the status bar and the objectives — is computed and tested here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace as dc_replace

import numpy as np

from sim.core import CATALOGUE, AlignmentModel, ModelSetup, MoveError
from sim.core.actions import ACTION_INDEX, OFFER_ASKS, OFFER_GIVES, agreement_sector
from sim.core.choice import accept_gain
from sim.core.legal import LegalMove, legal_moves
from sim.core.objectives import Objective, ObjectiveReport
from sim.core.preview import MovePreview, Previewer
from sim.core.record import RoundRecord
from sim.core.utility import CandidateTable
from sim.core.world import INTERESTS
from sim.play.session import Command, Fork, GameLog, GameSession
from sim.ui.views import (
    RGB,
    ActorView,
    BriefingView,
    DebriefView,
    DiplomacyView,
    Effect,
    EventCard,
    LinkView,
    LogLine,
    MoveOption,
    ObjectiveLine,
    Offer,
    RoundView,
    Series,
    Status,
)

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
            try:
                title = session.event(c.event or "").title
            except KeyError:
                title = c.event or ""
            out.setdefault(r, []).append(f"Instructor fired the event “{title}”")
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
    names = [a.name for a in setup.actors]
    moves = [m for m in legal_moves(world, setup, player) if m.action != "pass"]
    table = model.priced() if moves else None
    previewer = Previewer(model, player)
    out: list[MoveOption] = []
    for m in moves:
        act = CATALOGUE[ACTION_INDEX[m.action]]
        effect = effect_of(previewer.preview([(m.action, m.target, m.sector, m.ask)]))
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
                kind="Conditional offer" if m.ask is not None else act.label,
            )
        )
    return tuple(out)


def effect_of(p: MovePreview) -> Effect:
    return Effect(p.hedging, p.bloc_tilt, p.alignment, p.primary_partner)


def orders_effect(model: AlignmentModel, player: int, options: Sequence[MoveOption]) -> Effect:
    """The effect of several chosen moves together (each taking effect), computed by the core's preview."""
    setup = model.setup
    moves = [
        (
            o.action,
            None if o.target is None else setup.index(o.target),
            None if o.sector is None else setup.sectors.index(o.sector),
            o.ask,
        )
        for o in options
        if o.answer is None
    ]
    return effect_of(Previewer(model, player).preview(moves))


def closeness_word(change: float) -> str:
    """A change of alignment in a student's words: 'a little closer', 'cooler', 'much closer' ('' if none)."""
    size = abs(change)
    if size < 0.002:
        return ""
    word = "closer" if change > 0 else "cooler"
    if size < 0.01:
        return f"a little {word}"
    return word if size < 0.03 else f"much {word}"


def effect_words(effect: Effect, actors: Sequence[ActorView]) -> str:
    """A move's effect as a student reads it: 'China: a little closer · US: cooler', biggest change first."""
    parts = [(abs(d), f"{actors[p].name}: {closeness_word(d)}") for p, d in effect.alignment if closeness_word(d)]
    parts.sort(key=lambda x: -x[0])
    return " · ".join(t for _, t in parts) or "hardly any change to your ties"


def hedging_words(effect: Effect) -> str:
    """The change of the hedging index in words ('' when it is negligible)."""
    if abs(effect.hedging) < 0.003:
        return ""
    return (
        "you hedge more: your ties spread more evenly"
        if effect.hedging > 0
        else "you hedge less: you lean more to one side"
    )


def chance_words(chance: float) -> str:
    """The chance a proposal is accepted, in words and per cent."""
    word = (
        "very likely"
        if chance >= 0.75
        else "likely"
        if chance >= 0.5
        else "unlikely"
        if chance >= 0.25
        else "very unlikely"
    )
    return f"{word} to accept ({chance:.0%})"


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
                    kind="Answer",
                )
            )
    return tuple(out)


def status(model: AlignmentModel, player: int, *, finished: bool | None = None, ended: str | None = None) -> Status:
    """The status bar of ``player``; ``finished`` and ``ended`` (default: the model's) say the game is over, and why,
    when it ended outside the model (an instructor ending a networked class early)."""
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
        finished=model.finished if finished is None else finished,
        ended_by_event=model.ended if ended is None else ended,
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
        if watching or session.finished or who not in humans
        else move_options(model, player) + answer_options(model, player),
        finished=session.finished,
        ended=session.ended,
    )


def model_round_view(
    model: AlignmentModel,
    player: int,
    *,
    humans: tuple[int, ...] = (),
    forks: tuple[Fork, ...] = (),
    log: tuple[LogLine, ...] | None = None,
    options: tuple[MoveOption, ...] = (),
    finished: bool | None = None,
    ended: str | None = None,
) -> RoundView:
    """The round screen's snapshot of a bare model from ``player``'s point of view (no session needed).

    ``humans``: actors played from outside (none: watching the AI); ``log``: default :func:`history_log`;
    ``options``: the move picker's entries (none unless given: they are the costly part); ``finished`` and
    ``ended``: the game is over, and why, when that was decided outside the model (default: the model's).
    """
    setup = model.setup
    report = model.objective_report(player)
    last = model.history[-1]
    cards = tuple(event_card(setup, e.id, e.title, e.text) for e in last.events if not is_guide(e.id))
    coming = model.round + 1
    guide = tuple(
        event_card(setup, e.id, e.title, e.text)
        for e in setup.events
        if is_guide(e.id) and e.at_round == coming and not (model.finished if finished is None else finished)
    )
    return RoundView(
        actors=actor_views(model, player),
        player=player,
        links=links(model, player),
        series=series(model, player, forks),
        log=history_log(model, forks) if log is None else log,
        options=options,
        moves_per_round=int(model.policy.actions_per_round[player]),
        status=status(model, player, finished=finished, ended=ended),
        objectives=objective_lines(report),
        humans=humans,
        events=tuple((e.id, e.title, e.text) for e in setup.events),
        watching=not humans,
        fired=cards,
        guide=guide,
        summary=turn_summary(model, player, you=player in humans) if model.round > 0 else (),
    )


def is_guide(event_id: str) -> bool:
    """A guide event (id ``guide_...``, as the tutorial's) speaks before the decision of its round, not after."""
    return event_id.startswith("guide")


_PICTURES = (
    ("guide", ("guide",)),
    ("end", ("end", "coup", "collapse")),
    ("sanction", ("sanction", "eba", "tariff", "withdraw")),
    ("row", ("row", "critic", "protest", "dispute", "crackdown", "election")),
    ("visit", ("visit", "summit", "meeting")),
    ("trade", ("trade", "debt", "loan", "aid", "agreement", "invest", "offer")),
)


def event_card(setup: ModelSetup, event_id: str, title: str, text: str) -> EventCard:
    """The card of one of the scenario's events: who its effects touch, and which illustration suits it."""
    from sim.core.events import Event  # noqa: PLC0415

    touched: set[int] = set()
    for e in setup.events:
        if isinstance(e, Event) and e.id == event_id:
            for effect in e.effects:
                for name in ("actor", "target"):
                    value = getattr(effect, name, None)
                    if isinstance(value, int):
                        touched.add(value)
                for name in ("index", "pair"):
                    value = getattr(effect, name, None)
                    if isinstance(value, tuple):
                        pair = getattr(effect, "array", "relations") in ("relations", "agreements", "sanctions")
                        touched.update(v for v in value[: 2 if pair or name == "pair" else 1] if isinstance(v, int))
    mentioned = f"{title} {text}".lower()
    touched.update(k for k, a in enumerate(setup.actors) if a.name.lower().split(" (")[0] in mentioned)
    words = f"{event_id} {title}".lower()
    picture = next((p for p, keys in _PICTURES if any(k in words for k in keys)), "news")
    names = tuple(setup.actors[i].name for i in sorted(touched) if 0 <= i < setup.n_actors)
    return EventCard(event_id, title, text, names, picture)


def turn_summary(model: AlignmentModel, player: int, count: int = 3, you: bool = True) -> tuple[str, ...]:
    """The round just played in sentences: the ``count`` largest changes of the player's alignment to the others,
    each with what caused it (the moves between the two, the events), largest first."""
    setup = model.setup
    before, after = model.history[-2], model.history[-1]
    names = [a.name for a in setup.actors]
    me = names[player]
    changes = [
        (j, float(after.alignment[player, j] - before.alignment[player, j]))
        for j in range(setup.n_actors)
        if j != player
    ]
    changes.sort(key=lambda x: -abs(x[1]))
    out: list[str] = []
    for j, d in changes[:count]:
        if abs(d) < 0.001:
            break
        causes = []
        for m in after.moves:
            if not m.applied or m.action == "pass":
                continue
            if (m.actor == player and m.target == j) or (m.actor == j and m.target == player):
                who = ("you" if you else me) if m.actor == player else names[j]
                what = describe_move(setup, m.action, None, m.sector, m.ask).lower()
                causes.append(f"{who}: {what}")
        causes += [f"the event '{e.title}'" for e in after.events]
        direction = "closer to" if d > 0 else "further from"
        size = "much " if abs(d) >= 0.03 else "a little " if abs(d) < 0.01 else ""
        because = (
            "because of " + "; ".join(causes[:3])
            if causes
            else f"with no move between {'you' if you else 'them'}: the drift of trade, agreements, memory and the "
            "others' moves"
        )
        out.append(f"{me} moved {size}{direction} {names[j]} ({_signed(d, 3)}), {because}.")
    return tuple(out) or (f"Little changed for {me} this round.",)


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
        ended_by_event=session.ended,
        forks=tuple(session.log.forks),
        also_played=also_played(session, who),
    )


def also_played(session: GameSession, player: str) -> tuple[str, ...]:
    """Names of the actors other than ``player`` that a person controlled at some point of this game's branch."""
    setup = session.setup
    ids = session.played_here()
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


# -- the diplomacy view -------------------------------------------------------------------------------------


def regard_words(value: float) -> str:
    if value >= 0.5:
        return "warmly"
    if value >= 0.2:
        return "favourably"
    if value > -0.2:
        return "coolly"
    return "with hostility"


def diplomacy_view(model: AlignmentModel, player: int, other: int, options: Sequence[MoveOption]) -> DiplomacyView:
    """The diplomacy view of ``other`` for ``player``: built from the model now and the picker's ``options``."""
    setup = model.setup
    world = model.world
    weights = model.policy.interests[other]
    order = np.argsort(-weights)
    interests = tuple(
        f"{INTEREST_WORDS[INTERESTS[k]][0]} ({weights[k]:.0%}): {INTEREST_WORDS[INTERESTS[k]][1]}"
        for k in order
        if weights[k] > 0 and INTERESTS[k] in INTEREST_WORDS
    )
    names = [a.name for a in setup.actors]
    recent: list[str] = []
    for record in reversed(model.history[-4:]):
        for m in record.moves:
            if m.actor == other and m.target == player and m.action != "pass":
                what = describe_move(setup, m.action, None, m.sector, m.ask)
                status = "" if m.applied else " (no effect)"
                recent.append(f"{record.label}: {what}{status}")
    who = setup.actor_ids[other]
    table = model.priced()
    offers = []
    regard = float(world.relations[other, player])
    for o in options:
        if o.target != who or o.chance is None or o.answer is not None:
            continue
        lm = LegalMove(
            o.action,
            other,
            None if o.sector is None else setup.sectors.index(o.sector),
            o.ask,
        )
        gain = _accept_gain(table, player, lm) * 1000.0
        side = "gains" if gain >= 0 else "loses"
        why = (
            f"{names[other]} {side} {abs(gain):.1f} points by its own interests if it accepts, "
            f"and regards you {regard_words(regard)} ({_signed(regard)})"
        )
        offers.append(Offer(o, o.chance, why))
    offers.sort(key=lambda x: -x.chance)
    return DiplomacyView(
        actor=actor_views(model, player)[other],
        regard_of_you=regard,
        your_regard=float(world.relations[player, other]),
        alignment=float(model.history[-1].alignment[player, other]),
        interests=interests,
        recent=tuple(recent[:6]) or (f"No moves by {names[other]} towards you in the last rounds.",),
        offers=tuple(offers),
    )


def _accept_gain(table: CandidateTable, player: int, m: LegalMove) -> float:
    """The target's net gain from accepting ``m`` (what its answer rule weighs), in utility units
    (:func:`sim.core.choice.accept_gain`, the rule both engines read)."""
    sector, ask = -1 if m.sector is None else m.sector, -1 if m.ask is None else ACTION_INDEX[m.ask]
    i, j, a, s, y = (np.array([x]) for x in (player, int(m.target), ACTION_INDEX[m.action], sector, ask))  # type: ignore[arg-type]
    return float(accept_gain(table, None, i, j, a, s, y)[0])


# -- the debrief's teaching: moves that mattered, and what really happened ----------------------------------


def result_of(session: GameSession, player: int) -> float:
    """The player's result: the objective score when the scenario sets objectives, else the utility gained."""
    model = session.model
    setup = model.setup
    if any(isinstance(o, Objective) and o.actor == player for o in setup.objectives):
        return float(model.objective_report(player).score)
    return float(model.history[-1].utility[player] - model.history[0].utility[player]) * 1000.0


def counterfactuals(session: GameSession, player_id: str, count: int = 3) -> tuple[str, ...]:
    """The ``count`` moves of the player that mattered most for the result, each as a counterfactual sentence.

    Each of the player's moves is taken out of its round's orders in turn (as if the player had passed
    instead) and the game replayed from its log with the same seed, the AI reacting as it would have. Moves
    are ranked by how much the objective score changes, then by the utility gained (a score moves in steps,
    so many moves change only the utility). Moves whose removal makes a later order impossible are skipped.
    """
    setup = session.setup
    player = setup.index(player_id)
    has = any(isinstance(o, Objective) and o.actor == player for o in setup.objectives)
    actual = (result_of(session, player) if has else 0.0, utility_gained(session.model, player))
    commands = list(session.log.commands)
    found: list[tuple[tuple[float, float], str]] = []
    rnd = 0
    for k, c in enumerate(commands):
        if c.op == "step":
            rnd += 1
            continue
        if c.op != "orders" or c.actor != player_id:
            continue
        for q, move in enumerate(c.moves):
            changed = replace_orders(c, tuple(m for p, m in enumerate(c.moves) if p != q))
            log = GameLog(session.log.scenario, session.log.scenario_id, session.log.seed, session.log.player,
                          [*commands[:k], changed, *commands[k + 1 :]])  # fmt: skip
            try:
                other = GameSession(setup, log)
            except (MoveError, ValueError, KeyError):
                continue
            value = (result_of(other, player) if has else 0.0, utility_gained(other.model, player))
            target = None if move[1] is None else setup.index(move[1])
            sector = None if move[2] is None else setup.sectors.index(move[2])
            ask = move[3] if len(move) > 3 else None
            label = describe_move(setup, move[0], target, sector, ask)
            d_score, d_utility = actual[0] - value[0], actual[1] - value[1]
            if abs(d_score) >= 0.5:
                unit, now, then, diff = "score", actual[0], value[0], d_score
            elif abs(d_utility) >= 0.1:
                unit, now, then, diff = "utility gain (points)", actual[1], value[1], d_utility
            else:
                continue
            verdict = "this move helped you" if diff > 0 else "this move cost you"
            found.append(
                (
                    (abs(d_score), abs(d_utility)),
                    f"Had you passed instead of “{label}” in round {rnd + 1}, your {unit} would have been "
                    f"{_num(then)} instead of {_num(now)}: {verdict}.",
                )
            )
    found.sort(key=lambda x: (-x[0][0], -x[0][1]))
    return tuple(t for _, t in found[:count]) or ("No single move of yours changed the result by much.",)


def _num(value: float) -> str:
    return f"{value:.1f}".replace("-", "−")


def utility_gained(model: AlignmentModel, player: int) -> float:
    return float(model.history[-1].utility[player] - model.history[0].utility[player]) * 1000.0


def replace_orders(command: Command, moves: tuple) -> Command:
    return dc_replace(command, moves=moves)


#: What Cambodia's relations actually did in 2016–2020 (facts from /work/shared/reference/grounding.md), each
#: with the test of whether a game shows the same direction: (fact, source, check) where check reads the history.
HISTORY_2016_2020: tuple[tuple[str, str], ...] = (
    (
        "May 2016: at the ASEAN–Russia summit in Sochi, Cambodia and Russia sign eight more agreements "
        "(nuclear energy, extradition, telecoms).",
        "Cambodia Daily; BelTA, May 2016",
    ),
    (
        "2016 on: Cambodia votes with Russia on the UN's Crimea resolutions (it abstained in 2014).",
        "UN General Assembly votes, A/RES/71/205 (unvotes data)",
    ),
    ("Jan 2017: Russia has still not written off the Soviet-era debt of about US$1.5 bn.", "RBTH, Jan 2017"),
    (
        "2016–2018: China is Cambodia's largest investor (about two-thirds of approved investment in 2018) "
        "and trade with China keeps growing.",
        "Cambodia's Development Council via Khmer Times, 2018",
    ),
    (
        "Oct 2018 – Feb 2020: the EU starts and then decides a partial withdrawal of Cambodia's duty-free access "
        "(about a fifth of its exports to the EU), over human and labour rights.",
        "European Commission, 12 Feb 2020",
    ),
)


def history_beside(model: AlignmentModel, player: int) -> tuple[tuple[str, bool | None], ...]:
    """The hindcast's four directions of 2016–2020 (docs/model.md section 8a) and whether this game shows each.

    Only for a game of Cambodia's with China, the US and a West–East tilt; empty otherwise.
    """
    setup = model.setup
    ids = setup.actor_ids
    if "cambodia" not in ids or "china" not in ids or "us" not in ids:
        return ()
    kh, cn, us = ids.index("cambodia"), ids.index("china"), ids.index("us")
    first, last = model.history[0], model.history[-1]
    powers = [p for p in setup.scoring.powers if p != kh]
    least = min(powers, key=lambda p: last.alignment[kh, p]) if powers else None
    gap0 = first.alignment[kh, cn] - first.alignment[kh, us]
    gap1 = last.alignment[kh, cn] - last.alignment[kh, us]
    return (
        ("Cambodia's alignment with China rose", bool(last.alignment[kh, cn] > first.alignment[kh, cn])),
        ("the US ended as Cambodia's least-aligned power", least == us),
        ("the gap between China and the US widened", bool(gap1 > gap0)),
        ("Cambodia's tilt moved East", bool(last.bloc_tilt[kh] < first.bloc_tilt[kh])),
    )


def with_citations(text: str, sources: Sequence[tuple[str, str, str]]) -> str:
    """Markdown-light text with each source key such as ``[kt-2015]`` numbered (``[1]``) and the cited sources
    listed in full at the end (the order of the scenario's sources); unknown keys are left as they are."""
    number = {sid: k for k, (sid, _, _) in enumerate(sources, start=1)}
    used: list[int] = []

    def sub(match: re.Match[str]) -> str:
        keys = [k.strip() for k in match.group(1).split(",")]
        if not all(k in number for k in keys):
            return match.group(0)
        for k in keys:
            if number[k] not in used:
                used.append(number[k])
        return "[" + ", ".join(str(number[k]) for k in keys) + "]"

    out = re.sub(r"\[([A-Za-z0-9_.,\s-]+)\]", sub, text)
    if used:
        lines = [f"- [{n}] {sources[n - 1][1]} {sources[n - 1][2]}".rstrip() for n in sorted(used)]
        out += "\n\n## Sources\n" + "\n".join(lines)
    return out
