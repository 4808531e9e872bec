"""The action catalogue: every entry is consistent with its sources, and each action moves the state its way."""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.core import CATALOGUE, Action, ModelSetup, action
from sim.core.actions import ACTION_INDEX, agreement_sector, apply_move, move_allowed, preconditions
from sim.core.preconditions import CellArrays, CellAt, CellIndex, Precondition, verdicts
from sim.core.scoring import alignment
from sim.core.world import WorldState

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "cameo_goldstein.csv"
REQUIRED = {
    "state_visit",
    "sign_agreement",
    "open_trade",
    "raise_tariffs",
    "impose_sanctions",
    "lift_sanctions",
    "cancel_debt",
    "restructure_debt",
    "provide_aid",
    "criticise",
    "joint_statement",
    "defence_cooperation",
    "pass",
}


def goldstein_table() -> dict[str, float]:
    with REFERENCE.open() as handle:
        return {row["code"]: float(row["goldstein"]) for row in csv.DictReader(handle)}


def test_catalogue_has_every_required_action() -> None:
    assert {a.id for a in CATALOGUE} >= REQUIRED


@pytest.mark.parametrize("act", [a for a in CATALOGUE if a.targeted], ids=lambda a: a.id)
def test_goldstein_weight_matches_the_reference_table(act) -> None:  # type: ignore[no-untyped-def]
    assert act.goldstein == goldstein_table()[act.cameo], f"{act.id}: CAMEO {act.cameo}"


@pytest.mark.parametrize("act", CATALOGUE, ids=lambda a: a.id)
def test_every_entry_declares_consistent_properties(act) -> None:  # type: ignore[no-untyped-def]
    assert act.description and act.label
    assert act.cost >= 0
    assert act.category in ("diplomatic", "economic", "security", "none")
    if act.stance == "cooperative":
        assert act.goldstein > 0
    elif act.stance == "conflictual":
        assert act.goldstein < 0
    else:
        assert act.goldstein == 0 and not act.targeted


def _apply(
    setup: ModelSetup,
    actor: str,
    action_id: str,
    target: str,
    sector: str | None = None,
    world: WorldState | None = None,
) -> tuple[WorldState, WorldState]:
    before = (world or setup.world).copy()
    after = before.copy()
    i, j = setup.index(actor), setup.index(target)
    s = None if sector is None else setup.sectors.index(sector)
    assert move_allowed(after, i, action_id, j, s, setup.sectors), f"{action_id} should be allowed"
    A = alignment(after, setup.scoring.weights)
    apply_move(after, i, action_id, j, s, 1.0, A, setup.dynamics, setup.sectors)
    return before, after


def test_state_visit_warms_the_hosts_regard_of_the_visitor(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "russia", "state_visit", "cambodia")
    kh, ru = base_setup.index("cambodia"), base_setup.index("russia")
    assert after.relations[kh, ru] > before.relations[kh, ru]
    assert after.relations[kh, ru] - before.relations[kh, ru] > after.relations[ru, kh] - before.relations[ru, kh]


def test_sign_agreement_records_the_sector_for_both_sides(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "russia", "sign_agreement", "cambodia", "defence")
    kh, ru, s = base_setup.index("cambodia"), base_setup.index("russia"), base_setup.sectors.index("defence")
    assert not before.agreements[kh, ru, s] and after.agreements[kh, ru, s] and after.agreements[ru, kh, s]
    assert after.relations[kh, ru] > before.relations[kh, ru]


def test_sign_agreement_is_refused_when_already_signed(base_setup) -> None:  # type: ignore[no-untyped-def]
    kh, ru, s = base_setup.index("cambodia"), base_setup.index("russia"), base_setup.sectors.index("nuclear_energy")
    assert not move_allowed(base_setup.world, ru, "sign_agreement", kh, s, base_setup.sectors)


def test_open_trade_cuts_the_movers_tariff_on_the_target(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "us", "open_trade", "cambodia")
    us, kh = base_setup.index("us"), base_setup.index("cambodia")
    assert after.tariff[us, kh] == pytest.approx(before.tariff[us, kh] - 0.05)


def test_raise_tariffs_raises_the_movers_tariff_and_sours_regard(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "us", "raise_tariffs", "china")
    us, cn = base_setup.index("us"), base_setup.index("china")
    assert after.tariff[us, cn] == pytest.approx(before.tariff[us, cn] + 0.05)
    assert after.relations[cn, us] < before.relations[cn, us]


def test_impose_sanctions_raises_sanctions_and_friends_of_the_target_resent_it(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "us", "impose_sanctions", "china")
    us, cn, ru = base_setup.index("us"), base_setup.index("china"), base_setup.index("russia")
    assert after.sanctions[us, cn] == pytest.approx(before.sanctions[us, cn] + 0.25)
    assert after.relations[cn, us] < before.relations[cn, us]
    assert after.relations[ru, us] < before.relations[ru, us], "Russia is aligned with China: spillover"


def test_lift_sanctions_lowers_sanctions_and_warms_the_target(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "eu", "lift_sanctions", "russia")
    eu, ru = base_setup.index("eu"), base_setup.index("russia")
    assert after.sanctions[eu, ru] == pytest.approx(before.sanctions[eu, ru] - 0.25)
    assert after.relations[ru, eu] > before.relations[ru, eu]


def test_cancel_debt_writes_off_the_debt_and_raises_debtor_regard_of_creditor(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "russia", "cancel_debt", "cambodia")
    kh, ru = base_setup.index("cambodia"), base_setup.index("russia")
    assert before.debt[kh, ru] == pytest.approx(1.5) and after.debt[kh, ru] == 0.0
    assert after.relations[kh, ru] - before.relations[kh, ru] > 0.2, "gratitude for 8 % of GDP adds to the event"


def test_restructure_debt_writes_off_part_of_it(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "russia", "restructure_debt", "cambodia")
    kh, ru = base_setup.index("cambodia"), base_setup.index("russia")
    assert after.debt[kh, ru] == pytest.approx(0.7 * before.debt[kh, ru])
    assert after.relations[kh, ru] > before.relations[kh, ru]


def test_provide_aid_adds_to_the_recipients_gdp(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "eu", "provide_aid", "cambodia")
    kh, eu = base_setup.index("cambodia"), base_setup.index("eu")
    assert after.gdp[kh] == pytest.approx(before.gdp[kh] + 0.05)
    assert after.relations[kh, eu] > before.relations[kh, eu]


def test_provide_aid_needs_a_richer_donor(base_setup) -> None:  # type: ignore[no-untyped-def]
    kh, cn = base_setup.index("cambodia"), base_setup.index("china")
    assert not move_allowed(base_setup.world, kh, "provide_aid", cn, None, base_setup.sectors)


def test_criticise_adds_pressure_and_sours_the_targets_regard(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "us", "criticise", "cambodia")
    us, kh = base_setup.index("us"), base_setup.index("cambodia")
    assert after.pressure[us, kh] > before.pressure[us, kh]
    assert after.relations[kh, us] < before.relations[kh, us]


def test_joint_statement_warms_both_sides(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "cambodia", "joint_statement", "china")
    kh, cn = base_setup.index("cambodia"), base_setup.index("china")
    assert after.relations[cn, kh] > before.relations[cn, kh] and after.relations[kh, cn] > before.relations[kh, cn]


def test_joint_statement_needs_warm_relations(base_setup) -> None:  # type: ignore[no-untyped-def]
    us, ru = base_setup.index("us"), base_setup.index("russia")
    assert not move_allowed(base_setup.world, us, "joint_statement", ru, None, base_setup.sectors)


def test_defence_cooperation_signs_in_the_defence_sector(base_setup) -> None:  # type: ignore[no-untyped-def]
    before, after = _apply(base_setup, "russia", "defence_cooperation", "cambodia")
    kh, ru, s = base_setup.index("cambodia"), base_setup.index("russia"), base_setup.sectors.index("defence")
    assert not before.agreements[ru, kh, s] and after.agreements[ru, kh, s]


def test_pass_changes_nothing(base_setup) -> None:  # type: ignore[no-untyped-def]
    world = base_setup.world.copy()
    A = alignment(world, base_setup.scoring.weights)
    apply_move(world, 0, "pass", None, None, 1.0, A, base_setup.dynamics, base_setup.sectors)
    for name, array in world.arrays().items():
        assert np.array_equal(array, base_setup.world.arrays()[name])


def test_sanctions_no_longer_block_contacts_but_hostility_still_rules_out_proposals(base_setup) -> None:  # type: ignore[no-untyped-def]
    us, ru = base_setup.index("us"), base_setup.index("russia")
    assert move_allowed(base_setup.world, us, "state_visit", ru, None, base_setup.sectors)
    # Russia regards the US at -0.6: too hostile to propose an agreement (AGREEMENT_MIN_REGARD = -0.5).
    assert not move_allowed(base_setup.world, ru, "sign_agreement", us, 0, base_setup.sectors)


def test_action_lookup_by_id() -> None:
    assert action("cancel_debt").cameo == "071"
    with pytest.raises(KeyError):
        action("declare_war")


def _random_world(rng: np.random.Generator, n: int, sectors: int) -> WorldState:
    """A world whose cells sit on, either side of and far from every threshold a precondition reads."""

    def cells(shape: tuple[int, ...], values: list[float]) -> np.ndarray:
        return rng.choice(np.array(values), size=shape)

    zero_diag = lambda x: x - np.diag(np.diag(x))  # noqa: E731
    return WorldState(
        gdp=cells((n,), [1e-6, 0.5, 1.0, 10.0, 20.0, 200.0, 400.0]),
        capability=rng.random(n),
        positions=cells((n, 2), [-1.0, 0.0, 0.2999999, 0.3, 0.3000001, 1.0]),
        salience=np.full((n, 2), 0.5),
        relations=zero_diag(cells((n, n), [-1.0, -0.5000001, -0.5, -0.4999999, 0.0, 0.25, 0.2499999, 0.5, 1.0])),
        trade=zero_diag(rng.random((n, n))),
        tariff=cells((n, n), [0.0, 1e-12, 0.5, 1.0 - 1e-12, 1.0]),
        sanctions=zero_diag(cells((n, n), [0.0, 1e-12, 0.5, 1.0 - 1e-12, 1.0])),
        debt=zero_diag(cells((n, n), [0.0, 0.0, 1e-9, 3.0])),
        agreements=np.zeros((n, n, sectors), dtype=bool),
        pressure=np.zeros((n, n)),
        threat=rng.random(n),
        memory=np.zeros((n, n)),
    )


def _stacked(worlds: list[WorldState]) -> SimpleNamespace:
    """R worlds' arrays with a leading runs axis (what the vector engine's WorldBatch holds)."""
    return SimpleNamespace(**{name: np.stack([getattr(w, name) for w in worlds]) for name in worlds[0].arrays()})


def _every_reader(rule: Precondition, rng: np.random.Generator, rounds: int = 40) -> None:
    """One rule read on (N, N) matrices, (R, N, N) matrices, gathered (K,) cells and one cell at a time
    gives the same verdict for every pair of every world."""
    for _ in range(rounds):
        n, runs, vd = int(rng.integers(2, 7)), int(rng.integers(1, 4)), int(rng.integers(0, 2))
        worlds = [_random_world(rng, n, 1) for _ in range(runs)]
        batch = _stacked(worlds)
        each = np.stack([verdicts((rule,), CellArrays.matrices(w, vd))[0] for w in worlds])
        assert each.shape == (runs, n, n) and each.dtype == bool
        assert np.array_equal(verdicts((rule,), CellArrays.matrices(batch, vd))[0], each)
        r, i, j = (x.ravel() for x in np.indices((runs, n, n)))
        order = rng.permutation(r.size)
        r, i, j = r[order], i[order], j[order]
        gathered = verdicts((rule,), CellIndex.of(batch, vd, r, i, j).read(batch))[0]
        assert np.array_equal(gathered, each[r, i, j])
        for rr, w in enumerate(worlds):
            for a in range(n):
                for b in range(n):
                    one = rule(CellAt(w, a, b, vd))
                    assert isinstance(one, bool | np.bool_) and bool(one) == bool(each[rr, a, b]), (rr, a, b)


@pytest.mark.parametrize("act", CATALOGUE, ids=lambda a: a.id)
def test_each_precondition_gives_one_verdict_to_every_reader(act) -> None:  # type: ignore[no-untyped-def]
    """The catalogue states each precondition once; the pricing reads it over matrices, the vector
    resolution over gathered cells and move_allowed one cell at a time: all must agree, at the thresholds too."""
    _every_reader(act.precondition, np.random.default_rng(12))


@pytest.mark.parametrize("act", CATALOGUE, ids=lambda a: a.id)
def test_move_allowed_holds_where_the_precondition_and_the_move_s_own_rules_do(act) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(13)
    sectors = ("trade", "defence", "energy")
    for _ in range(30):
        n, vd = int(rng.integers(2, 7)), int(rng.integers(0, 2))
        world = _random_world(rng, n, len(sectors))
        world.agreements[...] = rng.random(world.agreements.shape) < 0.3
        mask = preconditions(CellArrays.matrices(world, vd))[ACTION_INDEX[act.id]]
        for i in range(n):
            if act.domestic:
                got = move_allowed(world, i, act.id, None, None, sectors, values_dimension=vd)
                assert got == bool(mask[i, i]), (act.id, i)
                continue
            for j in (None, -1, *range(n), n):
                for sector in (None, 0, 1, 2, 3):
                    got = move_allowed(world, i, act.id, j, sector, sectors, values_dimension=vd)
                    if not act.targeted:
                        expected = True
                    elif j is None or not 0 <= j < n or j == i:
                        expected = False
                    else:
                        s = agreement_sector(act, sector, sectors)
                        free = not act.signs_agreement or (s is not None and not world.agreements[i, j, s])
                        expected = bool(mask[i, j]) and free
                    assert got == expected, (act.id, i, j, sector)


def test_a_rule_of_one_s_own_is_read_alike_by_every_reader() -> None:
    """An Action made outside the catalogue gives its precondition as a rule over the cells; one that does
    not mention the pair (a verdict per mover only) is spread over the targets."""
    rules: list[Precondition] = [
        lambda c: c.not_self & (c.gdp_i > c.gdp_j) & (c.debt_ij + c.debt_ji > 0.0),
        lambda c: (c.stance_i >= 0.3) | (c.rel_ji < -0.5),
        lambda c: c.gdp_i > 10.0,
    ]
    for rule in rules:
        custom = Action(
            id="custom", label="Custom", cameo="", goldstein=0.0, category="none", stance="neutral", cost=0.0,
            description="a test's own move", precondition=rule,
        )  # fmt: skip
        _every_reader(custom.precondition, np.random.default_rng(14), rounds=15)
    # Rules shared by several actions are read once, and each action still gets its own row.
    world = _random_world(np.random.default_rng(15), 4, 1)
    cells = CellArrays.matrices(world, 0)
    both = verdicts((rules[0], rules[2], rules[0]), cells)
    assert both.shape == (3, 4, 4) and np.array_equal(both[0], both[2])
    assert np.array_equal(both[1], np.broadcast_to(world.gdp[:, None] > 10.0, (4, 4)))


def test_a_move_is_built_as_its_dataclass_fields_say() -> None:
    # Move writes its own __init__ (the slots' setters, for speed): its parameters are the fields, in
    # order, with the fields' defaults; the object is frozen, compares and hashes by its fields.
    import dataclasses
    import inspect

    from sim.core.record import Move, amended

    parameters = list(inspect.signature(Move.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Move)
    assert [p.name for p in parameters] == [f.name for f in fields]
    for p, f in zip(parameters, fields, strict=True):
        expected = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        assert p.default == expected, f.name
    values = (2, "sign_agreement", 3, 1, 0.5, (0.1, -0.2), 0.01, "why", "human", False, None, "refused", "no", 0.3)
    m = Move(*values)
    assert tuple(getattr(m, f.name) for f in fields) == values
    assert m == Move(**{f.name: v for f, v in zip(fields, values, strict=True)}) and hash(m) == hash(Move(*values))
    assert dataclasses.replace(m, applied=True) == amended(m, applied=True) != m
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.actor = 1  # type: ignore[misc]
