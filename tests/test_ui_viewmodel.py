"""The view model the scenes draw: built from the core without pygame, and saying what the core says."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.core import AlignmentModel, MoveError
from sim.core.actions import ACTION_INDEX
from sim.core.conditions import Compare
from sim.core.objectives import Objective
from sim.core.scoring import kuik_hedging, score
from sim.play.session import GameSession
from sim.ui import layout, markup
from sim.ui import viewmodel as vm
from sim.ui.mapdata import MEMBERS, load_map, project


@pytest.fixture
def session(base_setup) -> GameSession:
    return GameSession.start(base_setup, "medvedev_visit_2015", seed=3, player="cambodia")


def test_every_offered_move_is_accepted_by_the_model(session: GameSession) -> None:
    options = vm.round_view(session).options
    assert len(options) > 20
    for option in options:
        model = AlignmentModel(session.setup, rng=0)
        model.submit("cambodia", [option.order])  # raises MoveError if the picker offered an impossible move


def test_the_picker_leaves_out_moves_the_scenario_disables_or_the_rules_forbid(session: GameSession) -> None:
    options = vm.round_view(session).options
    actions = {o.action for o in options}
    assert "impose_sanctions" not in actions  # disabled for Cambodia in the scenario
    assert "cancel_debt" not in actions  # Cambodia is owed nothing
    w = session.model.world
    for o in options:
        if o.action == "sign_agreement":
            j, s = session.setup.index(o.target), session.setup.sectors.index(o.sector)
            assert not w.agreements[0, j, s]  # only sectors not yet signed
    with pytest.raises(MoveError):
        AlignmentModel(session.setup, rng=0).submit("cambodia", [("impose_sanctions", "china", None)])


def test_the_preview_is_the_moves_immediate_effect_on_the_players_indices(session: GameSession) -> None:
    setup = session.setup
    sc = setup.scoring
    option = next(o for o in vm.round_view(session).options if o.action == "state_visit" and o.target == "us")
    model = session.model
    before = score(model.world, sc.weights, sc.powers, sc.bloc_a, sc.bloc_b, model.affinity)
    # Playing the move alone, with everyone else passing, in a model whose dynamics are switched off:
    quiet = replace(
        setup,
        dynamics=replace(
            setup.dynamics,
            trade_adjustment=0.0,
            relation_memory=0.0,
            baseline_memory=0.0,
            agreement_lapse=0.0,
            pressure_memory=0.0,
        ),
        base_growth=np.zeros(setup.n_actors),
    )
    m = AlignmentModel(quiet, rng=1)
    for c in m.countries:
        m.set_controller(c.index, "human")
    m.submit("cambodia", [option.order])
    m.step()
    after = m.history[-1]
    us = setup.index("us")
    kuik_before = kuik_hedging(before.alignment, sc.powers).hedging[0]
    assert option.effect.hedging == pytest.approx(after.kuik.hedging[0] - kuik_before, abs=2e-3)
    change_to_us = dict(option.effect.alignment)[us]
    assert change_to_us > 0
    assert change_to_us == pytest.approx(after.alignment[0, us] - before.alignment[0, us], abs=2e-3)


def test_links_cover_every_pair_with_trade_scaled_widths(session: GameSession) -> None:
    links = vm.round_view(session).links
    n = session.setup.n_actors
    assert len(links) == n * (n - 1) // 2
    assert max(lk.width for lk in links) == pytest.approx(1.0)
    assert all(0.0 <= lk.width <= 1.0 and -1.0 <= lk.alignment <= 1.0 for lk in links)
    assert sum(lk.involves_player for lk in links) == n - 1


def test_the_chart_series_and_log_grow_with_the_rounds(session: GameSession) -> None:
    for _ in range(3):
        session.play_round({"cambodia": [vm.round_view(session).options[0].order]})
    view = vm.round_view(session)
    assert view.series.labels[0] == "start" and len(view.series.labels) == 4
    assert {j for j, _ in view.series.lines} == set(session.setup.scoring.powers)
    headers = [line for line in view.log if line.kind == "header"]
    assert [h.round for h in headers] == [3, 2, 1, 0]  # newest first
    moves = [line for line in view.log if line.kind == "move"]
    assert len(moves) == sum(len(r.moves) for r in session.model.history)
    assert all(line.reason for line in moves)  # every move says why
    assert view.status.round == 3 and view.status.quarter == session.setup.round_labels[2]


def test_watch_mode_offers_no_moves(base_setup) -> None:
    s = GameSession.start(base_setup, "medvedev_visit_2015", seed=3, player=None)
    view = vm.round_view(s)
    assert view.watching and view.options == () and view.humans == ()
    assert view.actors[view.player].id == "cambodia"  # the focal actor's point of view


def test_briefing_falls_back_to_one_written_from_the_scenario(base_setup) -> None:
    assert "cambodia" in base_setup.briefings, "the base scenario's own brief is used as written"
    assert not vm.briefing_view(base_setup, "cambodia").generated
    base_setup = replace(base_setup, briefings={})
    brief = vm.briefing_view(base_setup, "cambodia")
    assert brief.generated and "Economy" in brief.text and "Autonomy" in brief.text
    assert base_setup.summary.split(":")[0] in brief.text
    written = replace(base_setup, briefings={"cambodia": "# Your brief\nStay **neutral**."})
    brief = vm.briefing_view(written, "cambodia")
    assert not brief.generated and brief.text.startswith("# Your brief")


def test_objectives_show_in_the_briefing_status_and_debrief(base_setup) -> None:
    goal = Objective("hedge", 0, "Keep hedging at 0.8 or more", Compare("hedging", (0,), "at_least", 0.8), 2.0, "final")
    setup = replace(base_setup, objectives=(goal,))
    assert [o.description for o in vm.briefing_view(setup, "cambodia").objectives] == [goal.description]
    s = GameSession.start(setup, "medvedev_visit_2015", seed=3, player="cambodia")
    s.play_round({})
    view = vm.round_view(s)
    assert view.status.has_objectives and len(view.objectives) == 1
    met = view.objectives[0].met
    assert view.status.score == (100.0 if met else 0.0)
    debrief = vm.debrief_view(s)
    assert debrief.score == view.status.score and debrief.grade in "ABCDE"


def test_percentile_counts_ties_half() -> None:
    assert vm.percentile(5, [1, 2, 5, 9]) == pytest.approx(62.5)
    assert vm.percentile(0, [1, 2]) == 0.0 and vm.percentile(3, [1, 2]) == 100.0


@given(st.text(alphabet="ab **#-\n", max_size=200), st.integers(min_value=20, max_value=300))
def test_wrapped_text_never_exceeds_its_width(text: str, width: int) -> None:
    def measure(t: str, bold: bool, kind: str) -> int:
        return len(t) * (8 if bold else 7)

    for line in markup.layout(text, width, measure, indent=10):
        w = sum(measure(r.text, r.bold, line.kind) for r in line.runs)
        assert w <= (width - 10 if line.kind == "bullet" else width)


def test_markup_reads_headings_bullets_and_bold() -> None:
    blocks = markup.parse("# Title\n\nSome **bold** text\nwraps on.\n- one\n- two")
    assert [b.kind for b in blocks] == ["h1", "gap", "p", "bullet", "bullet"]
    assert [r.bold for r in blocks[2].runs] == [False, True, False]


@pytest.mark.parametrize(("w", "h"), [(1280, 720), (1920, 1080), (1024, 600), (2560, 1440)])
def test_round_layout_panels_tile_the_window_without_overlap(w: int, h: int) -> None:
    boxes = layout.round_layout(w, h, min(w / 1280, h / 720))
    for name, b in boxes.items():
        assert b.x >= 0 and b.y >= 0 and b.right <= w and b.bottom <= h, name
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            A, B = boxes[a], boxes[b]
            assert A.right <= B.x or B.right <= A.x or A.bottom <= B.y or B.bottom <= A.y, (a, b)


def test_the_map_asset_has_the_actors_countries_and_projects_them_inside_its_bounds(base_setup) -> None:
    world = load_map()
    isos = {c.iso for c in world.countries}
    assert len(world.countries) > 150 and "public domain" in world.source
    assert all(code in isos for codes in MEMBERS.values() for code in codes if code not in ("MLT", "SGP", "BRN"))
    x0, y0, x1, y1 = world.bounds
    for a in base_setup.actors:
        x, y = project(a.lon, a.lat)
        assert x0 <= x <= x1 and y0 <= y <= y1


def test_action_ids_in_the_view_are_catalogue_ids(session: GameSession) -> None:
    assert all(o.action in ACTION_INDEX for o in vm.round_view(session).options)


def test_standing_says_how_many_ai_games_the_player_beats_ties_and_trails() -> None:
    assert vm.standing(80, [80] * 40, "objective score", "Cambodia") == (
        "Your objective score equals 40 of 40 games in which the AI played Cambodia."
    )
    assert vm.standing(80, [70] * 10 + [80] * 5 + [90] * 25, "score", "Cambodia").startswith(
        "Your score beats 10, equals 5 and trails 25 of 40 games"
    )
    assert vm.standing(81.5, [70, 90, 60], "utility gain", "Cambodia").endswith("(67th percentile).")
