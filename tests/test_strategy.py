"""Consent, requests, conditional offers, reciprocity, smooth sanctions and domestic politics, as specified behaviours.

Each test names the rule it pins (docs/model.md sections 2, 4, 4a, 4b and 6a) and drives the public API
(``AlignmentModel.submit``, ``step``, ``proposals_to``, ``set_controller``) as a player or script would.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from sim.core import AlignmentModel, ModelSetup, MoveError
from sim.core.actions import (
    CATALOGUE,
    MEMORY_STEP,
    OFFER_ASKS,
    OFFER_GIVES,
    PASS,
    REFUSAL_GOLDSTEIN,
    action,
    apply_domestic,
    apply_refusal,
)
from sim.core.dynamics import standing_memory
from sim.core.legal import MoveSpace, legal_moves
from sim.core.utility import RoundContext, flatten, price_candidates, sanction_friction


def _humans(model: AlignmentModel) -> None:
    """Make every actor a human player: only the orders a test submits happen (the others pass)."""
    for a in model.setup.actor_ids:
        model.set_controller(a, "human")


def _moves(model: AlignmentModel, actor: str) -> list:  # type: ignore[type-arg]
    i = model.setup.index(actor)
    return [m for m in model.history[-1].moves if m.actor == i]


def test_an_agreement_takes_effect_only_when_the_target_accepts(base_setup: ModelSetup) -> None:
    ru, us = base_setup.index("russia"), base_setup.index("us")
    kh = base_setup.index("cambodia")
    trade = base_setup.sectors.index("defence")
    outcomes = {"accepted": 0, "refused": 0}
    setup = replace(base_setup, dynamics=replace(base_setup.dynamics, agreement_lapse=0.0))
    for seed in range(12):
        model = AlignmentModel(setup, rng=seed, collect=False)
        model.set_controller("cambodia", "human")
        model.submit("cambodia", [("sign_agreement", "us", "anti_money_laundering")])
        model.step()
        (move,) = _moves(model, "cambodia")
        assert move.answer in ("accepted", "refused") and move.answer_reason
        signed = bool(model.world.agreements[kh, us, base_setup.sectors.index("anti_money_laundering")])
        assert signed == (move.answer == "accepted") == move.applied
        outcomes[move.answer] += 1
    assert sum(outcomes.values()) == 12
    del ru, trade


def test_a_target_with_everything_to_lose_refuses_and_the_proposer_pays_in_regard(base_setup: ModelSetup) -> None:
    # China proposes a defence agreement to the US: security ties are worth nothing between actors with
    # opposed positions (compatibility 0), so the US gains nothing and pays the cost: it refuses.
    cn, us = base_setup.index("china"), base_setup.index("us")
    world = base_setup.world.copy()
    world.relations[cn, us] = world.relations[us, cn] = 0.3  # warm enough to propose
    setup = replace(base_setup, world=world)
    refused = 0
    for seed in range(10):
        model = AlignmentModel(setup, rng=seed, collect=False)
        model.set_controller("china", "human")
        before = float(model.world.relations[cn, us])
        model.submit("china", [("defence_cooperation", "us", None)])
        model.step()
        (move,) = _moves(model, "china")
        if move.answer == "refused":
            refused += 1
            assert not move.applied and not model.world.agreements[cn, us, base_setup.sectors.index("defence")]
            assert "refused" in move.reason
    assert refused >= 8
    del before


def test_a_refusal_is_coded_as_a_rejection_of_the_proposer(base_setup: ModelSetup) -> None:
    cn, us = base_setup.index("china"), base_setup.index("us")
    world = base_setup.world.copy()
    A = np.zeros((base_setup.n_actors, base_setup.n_actors))
    apply_refusal(world, cn, us, A, base_setup.dynamics)
    gamma = base_setup.dynamics.goldstein_scale
    assert world.relations[cn, us] == pytest.approx(base_setup.world.relations[cn, us] + gamma * REFUSAL_GOLDSTEIN)
    assert world.memory[cn, us] == pytest.approx(base_setup.world.memory[cn, us] + MEMORY_STEP * REFUSAL_GOLDSTEIN / 10)


def test_requests_ask_the_target_for_a_move_and_the_creditor_decides(base_setup: ModelSetup) -> None:
    kh, ru = base_setup.index("cambodia"), base_setup.index("russia")
    granted = 0
    for seed in range(20):
        model = AlignmentModel(base_setup, rng=seed, collect=False)
        _humans(model)
        model.set_controller("russia", "ai")
        model.submit("cambodia", [("request_debt_relief", "russia", None)])
        model.step()
        (move,) = _moves(model, "cambodia")
        assert move.answer in ("accepted", "refused")
        written_off = model.world.debt[kh, ru] == 0.0
        assert written_off == (move.answer == "accepted")
        granted += written_off
    assert granted < 20  # Russia weighs it: a write-off costs it a claim and political capital


@pytest.mark.parametrize(
    ("order", "courted"),
    [
        (("request_debt_relief", "russia", None), 1.0),
        (("joint_statement", "russia", None, "cancel_debt"), 0.6),
    ],
)
def test_courting_a_creditor_first_makes_it_write_off_the_debt(
    base_setup: ModelSetup, order: tuple[str, str, None] | tuple[str, str, None, str], courted: float
) -> None:
    """Reciprocity: Russia refuses a cold request, and grants it to a Cambodia that has lately cooperated with it."""
    kh, ru = base_setup.index("cambodia"), base_setup.index("russia")

    def granted(memory: float) -> int:
        count = 0
        for seed in range(20):
            world = base_setup.world.copy()
            world.memory[ru, kh] = memory
            model = AlignmentModel(replace(base_setup, world=world), rng=seed, collect=False)
            _humans(model)
            model.set_controller("russia", "ai")
            model.submit("cambodia", [order])
            model.step()
            count += model.world.debt[kh, ru] == 0.0
        return count

    assert granted(0.0) == 0
    assert granted(courted) >= 8


def test_a_conditional_offer_applies_both_halves_or_neither(base_setup: ModelSetup) -> None:
    ru, kh = base_setup.index("russia"), base_setup.index("cambodia")
    defence = base_setup.sectors.index("defence")
    world = base_setup.world.copy()
    world.relations[ru, kh] = world.relations[kh, ru] = 0.6
    setup = replace(base_setup, world=world, dynamics=replace(base_setup.dynamics, agreement_lapse=0.0))
    seen = set()
    for seed in range(16):
        model = AlignmentModel(setup, rng=seed, collect=False)
        _humans(model)
        model.set_controller("cambodia", "ai")
        model.submit("russia", [("cancel_debt", "cambodia", None, "defence_cooperation")])
        model.step()
        (move,) = _moves(model, "russia")
        assert move.ask == "defence_cooperation"
        both = model.world.debt[kh, ru] == 0.0 and bool(model.world.agreements[ru, kh, defence])
        neither = model.world.debt[kh, ru] > 0.0 and not model.world.agreements[ru, kh, defence]
        assert both or neither
        assert both == (move.answer == "accepted")
        seen.add(move.answer)
    assert "accepted" in seen


def test_a_conditional_offer_must_pair_a_gift_with_an_ask(base_setup: ModelSetup) -> None:
    model = AlignmentModel(base_setup, rng=0, collect=False)
    model.set_controller("russia", "human")
    with pytest.raises(MoveError, match="conditional offer"):
        model.submit("russia", [("criticise", "cambodia", None, "joint_statement")])


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (True, "unknown actor True"),  # a bool is an int to Python, not an actor
        (6, "unknown actor 6; known: 0..5 or an actor id"),
        (-1, "unknown actor -1; known: 0..5"),
        (2.0, "unknown actor 2.0; known: cambodia"),
        ("japan", "unknown actor 'japan'"),
    ],
)
def test_a_move_on_an_actor_that_is_not_one_is_refused_by_name(
    base_setup: ModelSetup, target: object, message: str
) -> None:
    model = AlignmentModel(base_setup, rng=0, collect=False)
    model.set_controller("russia", "human")
    with pytest.raises(MoveError, match=re.escape(message)):
        model.submit("russia", [("state_visit", target, None)])  # type: ignore[list-item]


def test_proposals_to_a_human_wait_for_the_answer_given_with_the_next_orders(base_setup: ModelSetup) -> None:
    kh, ru = base_setup.index("cambodia"), base_setup.index("russia")
    model = AlignmentModel(base_setup, rng=3, collect=False)
    for a in base_setup.actor_ids:
        model.set_controller(a, "human")
    model.submit("russia", [("cancel_debt", "cambodia", None)])
    model.step()
    (pending,) = model.proposals_to("cambodia")
    assert pending.action == "cancel_debt" and pending.actor == ru
    assert model.world.debt[kh, ru] > 0  # nothing happens before Cambodia answers
    with pytest.raises(MoveError, match="no proposal 3"):
        model.submit("cambodia", [], answers={3: True})
    model.submit("cambodia", [], answers={0: True})
    model.step()
    assert model.world.debt[kh, ru] == 0.0
    answered = [m for m in model.history[-1].moves if m.action == "cancel_debt"]
    assert answered[0].answer == "accepted" and "Cambodia decided" in answered[0].answer_reason
    assert model.proposals_to("cambodia") == []


def test_an_unanswered_proposal_expires_without_a_refusal(base_setup: ModelSetup) -> None:
    kh, ru = base_setup.index("cambodia"), base_setup.index("russia")
    model = AlignmentModel(base_setup, rng=3, collect=False)
    for a in base_setup.actor_ids:
        model.set_controller(a, "human")
    model.submit("russia", [("cancel_debt", "cambodia", None)])
    model.step()
    memory = float(model.world.memory[ru, kh])
    model.step()
    expired = [m for m in model.history[-1].moves if m.action == "cancel_debt"]
    assert expired[0].answer == "expired" and not expired[0].applied
    assert model.world.debt[kh, ru] > 0
    assert model.world.memory[ru, kh] >= memory * (1 - base_setup.dynamics.memory_decay) - 1e-12


def test_recommended_answers_follow_the_targets_own_gain(base_setup: ModelSetup) -> None:
    model = AlignmentModel(base_setup, rng=3, collect=False)
    for a in base_setup.actor_ids:
        model.set_controller(a, "human")
    model.submit("russia", [("cancel_debt", "cambodia", None)])
    model.step()
    assert model.recommended_answers("cambodia") == {0: True}  # a write-off is worth having


def test_the_priced_table_is_kept_while_the_state_is_and_made_again_when_it_changes(base_setup: ModelSetup) -> None:
    """model.priced(): one pricing per state, shared by answers, acceptance odds and the AI's next choices."""
    from sim.core.events import Event, SetPosition

    model = AlignmentModel(base_setup, rng=4, collect=False)
    first = model.priced()
    assert model.priced() is first  # nothing changed: the same table
    fresh = price_candidates(model._context(), base_setup, model.policy.interests, model.policy.tau)
    assert np.array_equal(first.gain, fresh.gain) and np.array_equal(first.accept_gain, fresh.accept_gain)
    model.step()
    assert model.table is first  # the round's AI choices were made from it
    after = model.priced()
    assert after is not first and model.priced() is after
    kh = base_setup.index("cambodia")
    event = Event(id="shift", title="A shift", text="", effects=(SetPosition(kh, 0, -0.9),))
    model.fire(event)  # the state changed outside a round: priced again, on the new state
    moved = model.priced()
    assert moved is not after
    again = price_candidates(model._context(), base_setup, model.policy.interests, model.policy.tau)
    assert np.array_equal(moved.gain, again.gain) and not np.array_equal(moved.gain, after.gain)


def test_sanction_friction_rises_smoothly_with_either_sides_intensity(base_setup: ModelSetup) -> None:
    us, ru = base_setup.index("us"), base_setup.index("russia")
    factors = []
    for level in np.linspace(0.0, 1.0, 9):
        world = base_setup.world.copy()
        world.sanctions[us, ru] = level
        factors.append(sanction_friction(world)[us, ru])
    steps = np.diff(factors)
    assert np.all(steps > 0) and np.allclose(steps, steps[0])  # linear, no threshold


def test_standing_sanctions_are_remembered_by_their_target(base_setup: ModelSetup) -> None:
    """The target remembers the part of the sanctions it has not answered in kind; the sanctioner, nothing."""
    us, ru = base_setup.index("us"), base_setup.index("russia")
    s = base_setup.world.sanctions
    assert s[us, ru] > s[ru, us] > 0  # 2015: US sanctions on Russia above Russia's counter-sanctions
    memory = standing_memory(s)
    assert memory[ru, us] == pytest.approx(-0.8 * (s[us, ru] - s[ru, us]))
    assert memory[us, ru] == 0.0
    assert np.array_equal(base_setup.world.memory, memory)


def test_counter_sanctions_of_the_same_intensity_settle_the_standing_grievance() -> None:
    """Specific reciprocity: matched sanctions leave no standing record; raising one side's renews the other's."""
    sanctions = np.zeros((3, 3))
    sanctions[0, 1] = 0.5
    assert standing_memory(sanctions)[1, 0] == pytest.approx(-0.4)
    sanctions[1, 0] = 0.5
    assert np.all(standing_memory(sanctions) == 0.0)
    sanctions[0, 1] = 0.75
    memory = standing_memory(sanctions)
    assert memory[1, 0] == pytest.approx(-0.2) and memory[0, 1] == 0.0


def test_a_sanctioned_actor_turns_its_moves_against_the_sanctioner(base_setup: ModelSetup) -> None:
    """Reciprocity: sanctioned by the US, China makes fewer cooperative and more conflictual moves toward it."""
    cn, us = base_setup.index("china"), base_setup.index("us")
    world = base_setup.world.copy()
    sanctioned = world.copy()
    sanctioned.sanctions[us, cn] = 0.5
    sanctioned.memory[:] = standing_memory(sanctioned.sanctions)

    def stance(w: object) -> float:
        """Conflictual minus cooperative moves of China toward the US over four rounds, per run."""
        setup = replace(base_setup, world=w, calibration=base_setup.world)
        total = 0
        for seed in range(15):
            history = AlignmentModel(setup, rng=seed, collect=False).run()
            for r in history[1:5]:
                for m in r.moves:
                    if m.actor == cn and m.target == us:
                        kind = action(m.action).stance
                        total += (kind == "conflictual") - (kind == "cooperative")
        return total / 15

    assert stance(sanctioned) > stance(world) + 0.5


def test_a_crackdown_secures_the_regime_and_costs_regard_only_where_values_differ(base_setup: ModelSetup) -> None:
    kh, us, eu, cn = (base_setup.index(a) for a in ("cambodia", "us", "eu", "china"))
    world = base_setup.world.copy()
    vd = base_setup.scoring.values_dimension
    before = world.copy()
    apply_domestic(world, kh, action("crackdown"), 1.0, base_setup.dynamics, vd, None)
    assert world.threat[kh] == pytest.approx(before.threat[kh] - 0.3)
    assert world.positions[kh, vd] == pytest.approx(before.positions[kh, vd] - 0.15)
    assert world.relations[us, kh] < before.relations[us, kh]
    assert world.relations[eu, kh] < before.relations[eu, kh]
    assert world.relations[cn, kh] == before.relations[cn, kh]  # China stands below Cambodia on values
    assert world.memory[us, kh] < before.memory[us, kh]


def test_crackdowns_arise_around_elections_not_from_a_script(base_setup: ModelSetup) -> None:
    """No event scripts a crackdown: Cambodia's AI chooses one when an election raises the threat.

    Paired by seed against the same scenario without elections, crackdowns in the election quarters and
    the quarters just before them are several times more frequent.
    """
    kh = base_setup.index("cambodia")
    assert not base_setup.events and not base_setup.scripted_moves
    spec = base_setup.domestic_spec()
    window = {e - d for e in spec.elections[kh] for d in (0, 1)}
    no_elections = replace(base_setup, domestic=replace(spec, elections=tuple(() for _ in spec.elections)))

    def in_window(setup: ModelSetup) -> int:
        return sum(
            m.actor == kh and m.action == "crackdown" and r.round in window
            for seed in range(30)
            for r in AlignmentModel(setup, rng=seed, collect=False).run()
            for m in r.moves
        )

    assert in_window(base_setup) > 2 * in_window(no_elections) + 5


def test_crackdowns_come_from_the_regime_interest(base_setup: ModelSetup) -> None:
    spec = base_setup.domestic_spec()
    without = replace(base_setup, domestic=replace(spec, regime_weight=np.zeros(base_setup.n_actors)))

    def crackdowns(setup: ModelSetup) -> int:
        return sum(
            m.action == "crackdown"
            for seed in range(20)
            for r in AlignmentModel(setup, rng=seed, collect=False).run()
            for m in r.moves
        )

    assert crackdowns(base_setup) > 3 * crackdowns(without) + 5


def test_legal_moves_are_exactly_what_the_ai_prices_and_submit_accepts(base_setup: ModelSetup) -> None:
    model = AlignmentModel(base_setup, rng=1, collect=False)
    model.run()  # a state with agreements signed, debt moved and threat changed
    world = model.world
    space = MoveSpace(base_setup)
    ctx: RoundContext = model._context()
    candidates = flatten(price_candidates(ctx, base_setup, model.policy.interests))
    for i in range(base_setup.n_actors):
        legal = {m.order() for m in legal_moves(world, base_setup, i, space=space)}
        lo, hi = candidates.start[i], candidates.start[i + 1]
        priced = set()
        for row in range(lo, hi):
            act = CATALOGUE[candidates.kind[row]]
            t, s, a = int(candidates.target[row]), int(candidates.sector[row]), int(candidates.ask[row])
            priced.add(
                (
                    act.id,
                    None if t < 0 or act.domestic else t,
                    None if s < 0 else s,
                    None if a < 0 else CATALOGUE[a].id,
                )
            )
        assert legal == priced
        for order in legal - {(PASS, None, None, None)}:
            model.set_controller(i, "human")
            model.submit(i, [order])  # every legal move is accepted by submit


def test_every_offer_slot_pairs_a_gift_with_an_ask() -> None:
    cooperative = {a.id for a in CATALOGUE if a.stance == "cooperative"}
    assert set(OFFER_GIVES) <= cooperative and set(OFFER_ASKS) <= cooperative
    space_asks = {(e.action, e.ask) for e in MoveSpace.__new__(MoveSpace).__class__.__mro__ and ()}
    del space_asks
