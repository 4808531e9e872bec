"""The game teaches: the move picker, previews in words, the diplomacy view, the turn summary, event cards, the
tutorial's guide, help with a glossary, sources, and layouts that hold at every size and text size."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest
from ui_driver import SCENARIO, SIZES, click_at, frame, make_app, move_to, press, settle, start

from sim.core.preview import Previewer
from sim.play.session import GameSession
from sim.ui import theme as th
from sim.ui import viewmodel as vm
from sim.ui.app import App
from sim.ui.glossary import GLOSSARY
from sim.ui.scenes.round import RoundScene
from sim.ui.scenes.teaching import (
    DiplomacyOverlay,
    EventCardOverlay,
    HandoverOverlay,
    HelpOverlay,
    SourcesOverlay,
    SummaryOverlay,
)

pytestmark = pytest.mark.ui


# -- the move picker ---------------------------------------------------------------------------------------


def test_the_picker_shows_ten_moves_at_1280x720_and_uses_the_room_at_1920x1080(tmp_path: Path) -> None:
    shown = {}
    for size in ((1280, 720), (1920, 1080)):
        a = make_app(tmp_path, size)
        try:
            shown[size] = start(a).visible_moves()
        finally:
            a.quit()
    assert shown[(1280, 720)] >= 10
    assert shown[(1920, 1080)] > shown[(1280, 720)]


def test_moves_are_grouped_by_partner_and_by_kind(app: App) -> None:
    scene = start(app)
    headings = [it.heading for it in scene.items() if it.heading]
    assert "With China" in headings and "With Russia" in headings
    assert len(headings) == len(set(headings))  # each partner's moves together
    press(app, pygame.K_g, "g")
    kinds = [it.heading for it in scene.items() if it.heading]
    assert "Sign agreement" in kinds and "State visit" in kinds and len(kinds) == len(set(kinds))


def test_typing_filters_the_moves_and_escape_clears_the_filter(app: App) -> None:
    scene = start(app)
    everything = len(scene.options())
    press(app, pygame.K_SLASH, "/")
    for ch in "china":
        press(app, pygame.key.key_code(ch), ch)
    assert scene.filter == "china" and scene.typing
    listed = scene.options()
    assert 0 < len(listed) < everything and all(o.target_name == "China" for o in listed)
    press(app, pygame.K_h, "h")  # a letter goes to the filter while typing, it does not open the players panel
    assert isinstance(app.top, RoundScene) and scene.filter == "chinah" and not scene.options()
    press(app, pygame.K_ESCAPE)
    assert scene.filter == "" and len(scene.options()) == everything and isinstance(app.top, RoundScene)


def test_the_wheel_over_the_list_keeps_the_highlighted_move_in_view(app: App) -> None:
    scene = start(app)
    lst = scene._rects["list"]
    move_to(app, lst.center)
    for _ in range(3):
        pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-3, flipped=False))
        frame(app)
    assert scene.list_scroll > 0
    visible = [k for _, k in scene._rows]
    assert scene.selected in visible  # the preview always describes a move the student can see
    assert scene.highlighted() is scene.options()[scene.selected]


def test_the_preview_speaks_in_words_and_shows_numbers_on_x(app: App) -> None:
    scene = start(app)
    assert vm.closeness_word(0.004) == "a little closer" and vm.closeness_word(-0.02) == "cooler"
    assert vm.closeness_word(0.05) == "much closer" and vm.closeness_word(0.0005) == ""
    visit = next(o for o in scene.options() if o.action == "state_visit" and o.target == "china")
    words = vm.effect_words(visit.effect, scene.view.actors)
    assert words.startswith("China: ") and "closer" in words
    press(app, pygame.K_x, "x")
    assert scene.numbers
    press(app, pygame.K_x, "x")
    assert not scene.numbers


def test_the_preview_of_both_orders_is_the_cores_preview_of_the_two_moves_together(app: App) -> None:
    scene = start(app)
    opts = scene.options()
    first = next(o for o in opts if o.action == "state_visit" and o.target == "china")
    second = next(o for o in opts if o.action == "state_visit" and o.target == "us")
    scene.selected = opts.index(first)
    press(app, pygame.K_RETURN)
    scene.selected = scene.options().index(second)
    frame(app)
    together = scene._together[1]
    model = app.game.session.model
    setup = model.setup
    core = Previewer(model, setup.index("cambodia")).preview(
        [("state_visit", setup.index("china"), None, None), ("state_visit", setup.index("us"), None, None)]
    )
    assert together is not None and together.alignment == core.alignment and together.hedging == core.hedging
    # Together is not simply the sum of the two: the core scores the combined world.
    single = Previewer(model, setup.index("cambodia")).preview([("state_visit", setup.index("china"), None, None)])
    assert dict(single.alignment) == dict(first.effect.alignment)


# -- diplomacy, summaries, events, the guide ---------------------------------------------------------------


def test_a_whole_game_through_the_diplomacy_view(app: App) -> None:
    scene = start(app)
    proposed = []
    while not app.game.finished:
        china = scene.view.actor("china").index
        click_at(app, scene.mapview.spots[china])  # click China on the map
        assert isinstance(app.top, DiplomacyOverlay) and app.top.view.actor.id == "china"
        d = app.top.view
        assert d.interests and d.recent and -1.0 <= d.regard_of_you <= 1.0
        if d.offers:
            best = d.offers[0]
            assert "points by its own interests" in best.why and 0.0 <= best.chance <= 1.0
            press(app, pygame.K_RETURN)  # propose the first (most likely) deal: it joins the orders
            assert isinstance(app.top, RoundScene), app.toast_text
            assert scene.orders and scene.orders[-1].order == best.option.order, (
                app.toast_text,
                app.game.session.round,
            )
            proposed.append(best.option.order)
        else:
            press(app, pygame.K_ESCAPE)
        press(app, pygame.K_SPACE, " ")
        settle(app)
        for _ in range(3):  # close any event card
            if app.top.name in ("event", "summary"):
                press(app, pygame.K_RETURN)
    assert proposed
    history = app.game.session.model.history
    setup = app.game.session.setup
    mine = [m for r in history for m in r.moves if m.source == "human"]
    assert mine and all(m.target == setup.index("china") for m in mine)
    log = [line.reason for line in app.game.view.log if line.kind == "move" and line.text.startswith("Cambodia")]
    assert log and all(log)  # every proposal's answer is in the log with its reason


def test_arrows_in_the_diplomacy_view_go_to_the_next_actor(app: App) -> None:
    start(app)
    press(app, pygame.K_a, "a")
    first = app.top.view.actor.id
    press(app, pygame.K_RIGHT)
    assert isinstance(app.top, DiplomacyOverlay) and app.top.view.actor.id != first


def test_the_turn_summary_opens_after_each_round_in_sentences(tmp_path: Path) -> None:
    a = make_app(tmp_path, turn_summary=True)
    try:
        scene = start(a)
        opts = scene.options()
        scene.selected = next(k for k, o in enumerate(opts) if o.action == "state_visit" and o.target == "china")
        press(a, pygame.K_RETURN)
        press(a, pygame.K_SPACE, " ")
        settle(a)
        assert isinstance(a.top, SummaryOverlay)
        summary = a.game.view.summary
        assert 1 <= len(summary) <= 3 and all(s.startswith("Cambodia moved") for s in summary)
        full = vm.turn_summary(a.game.session.model, 0, count=6)
        assert full[: len(summary)] == summary  # the three largest changes, largest first
        china = [s for s in full if " China (" in s]
        assert china and "you: state visit" in china[0]  # the student's own move is named as a cause
        press(a, pygame.K_RETURN)
        assert a.top is scene
        press(a, pygame.K_t, "t")
        assert isinstance(a.top, SummaryOverlay)
    finally:
        a.quit()


def test_an_event_shows_as_a_card_with_title_text_and_who_it_affects(tmp_path: Path) -> None:
    a = make_app(tmp_path, instructor_pin="7")
    try:
        start(a, "debt_cancellation")
        a.instructor_unlocked = True
        press(a, pygame.K_i, "i")
        press(a, pygame.K_RETURN)  # the first event: "Moscow's offer"
        settle(a)
        assert isinstance(a.top, EventCardOverlay)
        card = a.top.card
        assert card.title == "Moscow's offer" and "Soviet-era debt" in card.text
        assert "Russia" in card.affects and "Cambodia" in card.affects
        assert a.toast_text == ""  # no toast over the card
        press(a, pygame.K_RETURN)
        assert isinstance(a.top, RoundScene)
    finally:
        a.quit()


def test_the_tutorial_speaks_before_each_decision(app: App) -> None:
    scene = start(app, "tutorial")
    seen = []
    while not app.game.finished:
        guide = scene.view.guide
        assert len(guide) == 1 and scene.guide_open
        seen.append(guide[0].title)
        press(app, pygame.K_SPACE, " ")
        settle(app)
        for _ in range(3):
            if app.top.name in ("event", "summary"):
                press(app, pygame.K_RETURN)
    assert seen == ["Guide: a visit", "Guide: a public row", "Guide: agreements", "Guide: the last round"]
    assert not scene.view.guide  # nothing after the game ended
    # The guide's cards are not shown again as event cards after their round.
    assert all(not c.id.startswith("guide") for c in scene.view.fired)


def test_hot_seat_hands_over_through_a_screen_that_hides_the_orders(app: App) -> None:
    scene = start(app)
    app.game.switch("russia", "human")
    settle(app)
    press(app, pygame.K_RETURN)  # Cambodia orders a move
    press(app, pygame.K_SPACE, " ")
    settle(app)
    assert isinstance(app.top, HandoverOverlay)
    assert scene.orders == []  # Russia's player does not inherit (or see) Cambodia's orders
    press(app, pygame.K_RETURN)
    assert app.top is scene and scene.view.actors[scene.view.player].id == "russia"


def test_hovering_a_term_in_the_status_bar_explains_it(app: App) -> None:
    scene = start(app)
    assert "Hedging" in scene.terms
    move_to(app, scene.terms["Hedging"].center)
    assert scene.hover_term == "Hedging"
    from sim.ui.glossary import explain

    assert "Kuik" in explain("Hedging") and explain("Tilt West–East") == explain("Tilt")


def hover_a_term(app: App) -> str:
    """Move the mouse onto a glossary term the top scene drew (not one it explains itself); the explained term."""
    frame(app, 2)  # a document panel takes the height of its text once drawn
    top = app.top
    spots = [(r, t) for r, t in top.term_spots if not any(r.colliderect(own) for own in top.terms.values())]
    assert spots, f"the {top.name} scene shows no glossary term"
    spot, term = spots[len(spots) // 2]
    move_to(app, spot.center)
    assert app.explaining == term, (top.name, term)
    m = app.metrics
    below = spot.bottom + m.px(4) + m.px(12) < app.size[1] // 2 and spot.left + m.px(420) < app.size[0]
    if below:  # the box's left border, under the term (a box that would leave the window is moved instead)
        assert tuple(app.screen.get_at((spot.left, spot.bottom + m.px(4) + m.px(12))))[:3] == th.ACCENT
    return term


def test_hovering_a_term_explains_it_in_every_scene(app: App) -> None:
    app.start_game(SCENARIO, "cambodia", seed=5)
    frame(app)
    explained = {"briefing": hover_a_term(app)}
    press(app, pygame.K_RETURN)
    settle(app)
    press(app, pygame.K_RETURN)  # a move chosen, the turn ended: the log and the preview name terms
    press(app, pygame.K_SPACE, " ")
    settle(app)
    explained["round"] = hover_a_term(app)
    app.navigate("summary")
    explained["summary"] = hover_a_term(app)
    press(app, pygame.K_ESCAPE)
    china = next(a.index for a in app.game.view.actors if a.id == "china")
    app.navigate("diplomacy", actor=china)
    explained["diplomacy"] = hover_a_term(app)
    press(app, pygame.K_ESCAPE)
    press(app, pygame.K_F1)
    explained["help"] = hover_a_term(app)
    assert all(term in GLOSSARY for term in explained.values()), explained


def test_moving_off_a_term_hides_its_explanation(app: App) -> None:
    app.start_game(SCENARIO, "cambodia", seed=5)
    hover_a_term(app)
    move_to(app, (1, app.size[1] - 1))
    assert app.explaining == ""


def test_f1_help_scrolls_and_has_the_glossary(tmp_path: Path) -> None:
    a = make_app(tmp_path, (1024, 600), text_size="huge")
    try:
        start(a)
        press(a, pygame.K_F1)
        help_ = a.top
        assert isinstance(help_, HelpOverlay)
        frame(a)
        texts = " ".join(t for _, t in help_.blocks())
        assert "Hedging:" in texts and "Tilt:" in texts and "Outcome:" in texts
        assert help_.content > help_._area.height
        press(a, pygame.K_PAGEDOWN)
        assert help_.scroll > 0
    finally:
        a.quit()


def test_sources_open_as_full_citations(app: App) -> None:
    start(app)
    press(app, pygame.K_b, "b")
    assert isinstance(app.top, SourcesOverlay)
    text = " ".join(t for _, t in app.top.blocks())
    assert "Khmer Times" in text and "[1]" in text


def test_the_debrief_names_the_moves_that_mattered(base_setup) -> None:
    session = GameSession.start(base_setup, SCENARIO, 11, "cambodia")
    while not session.finished:
        session.play_round({"cambodia": [("state_visit", "china", None), ("criticise", "us", None)]})
    lessons = vm.counterfactuals(session, "cambodia")
    assert 1 <= len(lessons) <= 3
    assert all(t.startswith("Had you passed instead of") for t in lessons)
    beside = vm.history_beside(session.model, base_setup.index("cambodia"))
    assert len(beside) == 4 and all(isinstance(shown, bool) for _, shown in beside)


# -- layouts that hold ---------------------------------------------------------------------------------------


def _no_overlap(rects: dict[str, pygame.Rect], window: pygame.Rect, what: str) -> None:
    names = [k for k, r in rects.items() if r.width > 0 and r.height > 0]
    for k in names:
        assert window.contains(rects[k]), f"{what}: {k} {rects[k]} leaves the window {window.size}"
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not rects[a].colliderect(rects[b]), f"{what}: {a} {rects[a]} overlaps {b} {rects[b]}"


@pytest.mark.parametrize(
    ("size", "text"),
    [(size, text) for size in SIZES for text in ("normal", "large", "huge")] + [((800, 480), "normal")],
)
def test_no_laid_out_rectangle_overlaps_another_at_any_size(tmp_path: Path, size: tuple[int, int], text: str) -> None:
    a = make_app(tmp_path, size, text_size=text)
    try:
        window = pygame.Rect((0, 0), size)
        menu = a.top
        _no_overlap(menu.panels(), window, f"menu {size} {text}")
        _no_overlap({b.id: b.rect for b in menu.buttons}, window, f"menu buttons {size} {text}")
        scene = start(a)
        _no_overlap(scene.panels(), window, f"round {size} {text}")
        parts = scene.parts()
        parts.update({f"button:{b.id}": b.rect for b in scene.buttons})
        parts.pop("buttons")
        _no_overlap(parts, window, f"round parts {size} {text}")
        orders = scene.panels()["orders"]
        assert all(orders.contains(r) for r in parts.values()), "a picker part leaves its panel"
        assert scene.visible_moves() >= 3
        for _ in range(a.game.session.setup.rounds):
            press(a, pygame.K_SPACE, " ")
            settle(a)
        frame(a, 3)
        debrief = a.top
        assert debrief.name == "debrief"
        _no_overlap(debrief.panels(), window, f"debrief {size} {text}")
        _no_overlap({b.id: b.rect for b in debrief.buttons}, window, f"debrief buttons {size} {text}")
    finally:
        a.quit()


def test_the_debrief_explains_its_terms_on_hover(app: App) -> None:
    start(app, "tutorial")
    while not app.game.finished:
        press(app, pygame.K_SPACE, " ")
        settle(app)
    frame(app, 3)
    debrief = app.top
    assert debrief.name == "debrief"
    hedging = next(t for t in debrief.terms if t.startswith("Hedging"))
    assert "Outcome" in debrief.terms and any(t.startswith("Tilt") for t in debrief.terms)
    anchor = debrief.terms[hedging]
    move_to(app, anchor.center)
    below = (anchor.left + 4, anchor.bottom + app.top.m.px(4) + 2)
    assert tuple(app.screen.get_at(below))[:3] in ((31, 43, 60), (230, 159, 0))  # the tooltip's box is drawn there
