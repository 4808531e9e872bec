"""The action catalogue: one declarative entry per move (CAMEO code, Goldstein weight, cost, precondition, effect).

Each entry follows the Axelrod pattern of one small, documented unit with declared properties.
Goldstein weights are the GDELT ``CAMEO.goldsteinscale.txt`` values, cross-checked against the
ICEWS codebook table (see ``docs/reference/cameo_goldstein.csv``; a test keeps the two in step).
Effects are *primitive changes* of the world state, declared as data, so one generic function
applies them (:func:`apply_move`) and one vectorised estimator prices them for every actor and
target at once (:mod:`sim.core.utility`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core.preconditions import CellArrays, CellAt, Cells, Flag, Precondition, Value, verdicts
from sim.core.setup import DynamicsParams
from sim.core.world import GDP_FLOOR, WorldState, clip

Category = Literal["diplomatic", "economic", "security", "none"]
Stance = Literal["cooperative", "conflictual", "neutral"]

#: Sanctions no longer block contacts outright (the first wave's hard block at 0.5 made fact (a) a step):
#: a cooperative move between a pair under sanctions s_ij and s_ji costs ``1 + SANCTION_FRICTION * (s_ij +
#: s_ji) / 2`` times its catalogue cost, for the mover and for a consenting target alike, so contacts become
#: smoothly costlier and less likely to be accepted as sanctions rise (modelling judgement: at the 2015
#: levels, 0.5 and 0.25 counter-sanctions, a contact with the West costs 2.5 times as much, the political
#: price of meeting a sanctioned government).
SANCTION_FRICTION = 4.0
#: A proposer does not offer an agreement to a state it regards worse than this ("hostile"; judgement).
AGREEMENT_MIN_REGARD = -0.5
#: Defence cooperation needs the pair's mean regard at or above this (security ties need trust; judgement).
CLOSE_REGARD = 0.25
#: A crackdown is open to governments whose stance on the values dimension is below this (judgement:
#: liberal democracies do not dissolve opposition parties).
CRACKDOWN_MAX_STANCE = 0.3
#: How much one move adds to its target's memory of the mover, per Goldstein point / 10 (judgement: about
#: four moves of the same kind in a quarter saturate the record, so one quarter's moves do not lock a pair
#: into a spiral of reward or retaliation).
MEMORY_STEP = 0.25
#: Goldstein weight of a refusal: CAMEO 120 "Reject" (-4.0); a refused proposal is coded as the target
#: rejecting the proposer.
REFUSAL_GOLDSTEIN = -4.0


def _other(c: Cells) -> Flag:
    """Any other actor."""
    return c.not_self


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of move. Effects are per unit of magnitude (a scenario can scale them per actor)."""

    id: str
    label: str
    cameo: str  # CAMEO event code the move is coded as
    goldstein: float  # Goldstein (1992) weight of that code, -10..+10
    category: Category
    stance: Stance
    cost: float  # utility points the mover pays (domestic and diplomatic effort); modelling judgement
    description: str
    precondition: Precondition  # a rule over the pair's cells (sim.core.preconditions), read by both engines
    targeted: bool = True
    sector_based: bool = False  # candidates are (target, sector) pairs
    fixed_sector: str | None = None  # always signs in this sector (defence cooperation)
    tariff_change: float = 0.0  # added to the mover's tariff on the target's goods
    sanction_change: float = 0.0  # added to the mover's sanctions on the target
    debt_relief: float = 0.0  # share of the target's debt to the mover written off
    aid_amount: float = 0.0  # USD bn transferred to the target this quarter
    pressure_change: float = 0.0  # public pressure the mover puts on the target
    consent: bool = False  # a proposal: takes effect only if the target accepts it in the same round
    grants: str | None = None  # a request: the move the target makes towards the requester if it accepts
    domestic: bool = False  # a move at home (no target): crackdown
    threat_change: float = 0.0  # domestic: change of the mover's regime threat
    stance_change: float = 0.0  # domestic: change of the mover's stance on the values dimension
    opt_in: bool = False  # off unless the scenario's actions: section names it (keeps existing worlds as they were)

    @property
    def signs_agreement(self) -> bool:
        return self.sector_based or self.fixed_sector is not None

    @property
    def needs_answer(self) -> bool:
        """Proposals and requests wait for the target's answer; other moves resolve unilaterally."""
        return self.consent or self.grants is not None


def _precondition_sign(c: Cells) -> Flag:
    """The proposer does not regard the target as hostile."""
    return c.not_self & (c.rel_ij >= AGREEMENT_MIN_REGARD)


def _precondition_close(c: Cells) -> Flag:
    """The pair's mean regard is warm enough for security ties."""
    return c.not_self & ((c.rel_ij + c.rel_ji) / 2 >= CLOSE_REGARD)


def _precondition_owed(c: Cells) -> Flag:
    """The target owes the mover."""
    return c.not_self & (c.debt_ji > 0.0)


#: Aid flows only to economies at most this share of the donor's (judgement: development aid goes to far
#: smaller economies; the EU, the US, China and Russia fund Cambodia, not one another).
AID_MAX_RECIPIENT_SHARE = 0.05


def _far_smaller(recipient: Value, donor: Value) -> Flag:
    """Whether an economy of GDP ``recipient`` may receive aid from one of GDP ``donor``."""
    return recipient <= AID_MAX_RECIPIENT_SHARE * donor


def _precondition_richer(c: Cells) -> Flag:
    """The target is a far smaller economy than the mover (the mover could give it aid)."""
    return c.not_self & _far_smaller(c.gdp_j, c.gdp_i)


def _precondition_poorer(c: Cells) -> Flag:
    """The mover is a far smaller economy than the target (the target could give it aid)."""
    return c.not_self & _far_smaller(c.gdp_i, c.gdp_j)


def _precondition_crackdown(c: Cells) -> Flag:
    """A move at home, by a government whose values stance is illiberal enough."""
    return c.is_self & (c.stance_i < CRACKDOWN_MAX_STANCE)


CATALOGUE: tuple[Action, ...] = (
    Action(
        id="pass",
        label="Pass",
        cameo="",
        goldstein=0.0,
        category="none",
        stance="neutral",
        cost=0.0,
        description="Make no further move this round.",
        precondition=_other,
        targeted=False,
    ),
    Action(
        # 042 Make a visit (+1.9); the host's side is 043 Host a visit (+2.8).
        id="state_visit",
        label="State visit",
        cameo="042",
        goldstein=1.9,
        category="diplomatic",
        stance="cooperative",
        cost=0.002,
        description="A leader visits the target; warms the host's regard of the visitor.",
        precondition=_other,
    ),
    Action(
        # 057 Sign formal agreement (+8.0): coded only when actually signed, typically reciprocal.
        id="sign_agreement",
        label="Sign agreement",
        cameo="057",
        goldstein=8.0,
        category="diplomatic",
        stance="cooperative",
        cost=0.004,
        sector_based=True,
        consent=True,
        description="Propose a cooperation agreement in one sector; it is signed only if the target accepts.",
        precondition=_precondition_sign,
    ),
    Action(
        # 061 Cooperate economically (+6.4): tariff cuts and market opening (no dedicated CAMEO code).
        id="open_trade",
        label="Open trade",
        cameo="061",
        goldstein=6.4,
        category="economic",
        stance="cooperative",
        cost=0.003,
        tariff_change=-0.05,
        description="Cut the mover's tariff on the target's goods by 5 points.",
        precondition=lambda c: c.not_self & (c.tariff_ij > 0.0),
    ),
    Action(
        # 1211 Reject economic cooperation (-4.0): raising barriers has no dedicated code.
        id="raise_tariffs",
        label="Raise tariffs",
        cameo="1211",
        goldstein=-4.0,
        category="economic",
        stance="conflictual",
        cost=0.003,
        tariff_change=0.05,
        description="Raise the mover's tariff on the target's goods by 5 points.",
        precondition=lambda c: c.not_self & (c.tariff_ij < 1.0),
    ),
    Action(
        # 163 Impose embargo, boycott, or sanctions (-8.0).
        id="impose_sanctions",
        label="Impose sanctions",
        cameo="163",
        goldstein=-8.0,
        category="economic",
        stance="conflictual",
        cost=0.006,
        sanction_change=0.25,
        description="Raise the mover's sanctions on the target by a quarter of the full scale.",
        precondition=lambda c: c.not_self & (c.sanctions_ij < 1.0),
    ),
    Action(
        # 085 Ease economic sanctions, boycott, embargo (+7.0).
        id="lift_sanctions",
        label="Lift sanctions",
        cameo="085",
        goldstein=7.0,
        category="economic",
        stance="cooperative",
        cost=0.006,
        sanction_change=-0.25,
        description="Lower the mover's sanctions on the target by a quarter of the full scale.",
        precondition=lambda c: c.not_self & (c.sanctions_ij > 0.0),
    ),
    Action(
        # 071 Provide economic aid (+7.4): the CAMEO codebook codes debt relief as 071.
        id="cancel_debt",
        label="Cancel debt",
        cameo="071",
        goldstein=7.4,
        category="economic",
        stance="cooperative",
        cost=0.01,
        debt_relief=1.0,
        consent=True,
        description="Offer to write off everything the target owes the mover.",
        precondition=_precondition_owed,
    ),
    Action(
        # 0331 Express intent to provide economic aid (+5.2): a partial write-off "in principle",
        # as Medvedev's reported agreement to forgive ~70 % in Nov 2015.
        id="restructure_debt",
        label="Restructure debt",
        cameo="0331",
        goldstein=5.2,
        category="economic",
        stance="cooperative",
        cost=0.004,
        debt_relief=0.3,
        consent=True,
        description="Offer to write off 30 % of what the target owes the mover, the rest to be repaid.",
        precondition=_precondition_owed,
    ),
    Action(
        # 071 Provide economic aid (+7.4).
        id="provide_aid",
        label="Provide aid",
        cameo="071",
        goldstein=7.4,
        category="economic",
        stance="cooperative",
        cost=0.004,
        aid_amount=0.05,
        description=(
            "Grant USD 50 m of aid this quarter to a far smaller economy"
            " (the EU gave Cambodia about EUR 40-59 m a year in 2015-16)."
        ),
        precondition=_precondition_richer,
    ),
    Action(
        # 111 Criticize or denounce (-2.0); 1122 Accuse of human rights abuses has the same weight.
        id="criticise",
        label="Criticise",
        cameo="111",
        goldstein=-2.0,
        category="diplomatic",
        stance="conflictual",
        cost=0.001,
        pressure_change=0.3,
        description="Publicly criticise the target (for example over human rights).",
        precondition=_other,
    ),
    Action(
        # 019 Express accord (+3.4).
        id="joint_statement",
        label="Joint statement",
        cameo="019",
        goldstein=3.4,
        category="diplomatic",
        stance="cooperative",
        cost=0.001,
        consent=True,
        description="Propose a joint statement of shared views; issued only if the target accepts.",
        precondition=_precondition_sign,
    ),
    Action(
        # 062 Cooperate militarily (+7.4): joint exercises, arms deals framed as cooperation.
        id="defence_cooperation",
        label="Defence cooperation",
        cameo="062",
        goldstein=7.4,
        category="security",
        stance="cooperative",
        cost=0.006,
        fixed_sector="defence",
        consent=True,
        description="Propose defence cooperation (exercises, training, equipment); needs warm relations.",
        precondition=_precondition_close,
    ),
    Action(
        # 0231 Appeal for economic aid (+3.4): the CAMEO codebook codes debt relief as aid (071).
        id="request_debt_relief",
        label="Ask for debt relief",
        cameo="0231",
        goldstein=3.4,
        category="economic",
        stance="cooperative",
        cost=0.001,
        grants="cancel_debt",
        description="Ask a creditor to write off what you owe it; it decides by its own interests.",
        precondition=lambda c: c.not_self & (c.debt_ij > 0.0),
    ),
    Action(
        # 0231 Appeal for economic aid (+3.4).
        id="request_aid",
        label="Ask for aid",
        cameo="0231",
        goldstein=3.4,
        category="economic",
        stance="cooperative",
        cost=0.001,
        grants="provide_aid",
        description="Ask a far larger economy for a quarter's aid (USD 50 m).",
        precondition=_precondition_poorer,
    ),
    Action(
        # 0254 Appeal for easing of economic sanctions, boycott, or embargo (-0.3).
        id="request_sanctions_relief",
        label="Ask to lift sanctions",
        cameo="0254",
        goldstein=-0.3,
        category="economic",
        stance="conflictual",  # the scale codes 0254 just below zero: an appeal that implies a grievance
        cost=0.001,
        grants="lift_sanctions",
        description="Ask a state that sanctions you to ease its sanctions by a quarter of the scale.",
        precondition=lambda c: c.not_self & (c.sanctions_ji > 0.0),
    ),
    Action(
        # 172 Impose administrative sanctions (-5.0): restrictions on political freedoms at home (1721 in
        # the full codebook, coded -5.0 as its parent). The mover is its own target; foreign governments
        # that hold liberal values react to it (sim.core.domestic).
        id="crackdown",
        label="Crack down on the opposition",
        cameo="172",
        goldstein=-5.0,
        category="diplomatic",
        stance="conflictual",
        cost=0.004,
        targeted=False,
        domestic=True,
        threat_change=-0.3,
        stance_change=-0.15,
        description="Restrict the opposition at home: the regime is safer, liberal governments look on coldly.",
        precondition=_precondition_crackdown,
    ),
    Action(
        # 1621 Reduce or stop economic assistance (-5.6). Opt-in: a scenario enables it under actions:
        # (actions: {cut_aid: {enabled_for: [eu]}}), or an event forces it; the worlds written before it
        # existed play as they did. Last in the catalogue, so the catalogue indices that name random draws
        # (sim.core.streams) stay those of the worlds written before it (their runs are unchanged).
        id="cut_aid",
        label="Cut aid",
        cameo="1621",
        goldstein=-5.6,
        category="economic",
        stance="conflictual",
        cost=0.004,
        aid_amount=-0.05,
        opt_in=True,
        description=(
            "Suspend USD 50 m of aid a quarter to a far smaller economy: its GDP loses the transfer, and it"
            " resents the loss as it would welcome a gift."
        ),
        precondition=_precondition_richer,
    ),
)

ACTION_IDS: tuple[str, ...] = tuple(a.id for a in CATALOGUE)
#: The one move that does nothing; a drawn pass ends an AI actor's turn.
PASS = "pass"
#: Moves that contradict each other on the same target within one round (either order).
OPPOSITES: dict[str, str] = {
    "impose_sanctions": "lift_sanctions",
    "lift_sanctions": "impose_sanctions",
    "open_trade": "raise_tariffs",
    "raise_tariffs": "open_trade",
}
#: Conditional offers, "X if you Y": what a proposer may give (X) and what it may ask in return (Y).
#: Both halves take effect only if the target accepts the package (modelling judgement: the packages the
#: 2015 visit and the EU's aid conditionality put on the table: "aid if you sign a joint statement",
#: "debt relief for defence cooperation", and the weaker side's "defence cooperation if you write off
#: the debt"). A package never gives and asks the same move.
OFFER_GIVES: tuple[str, ...] = (
    "provide_aid",
    "restructure_debt",
    "cancel_debt",
    "lift_sanctions",
    "open_trade",
    "joint_statement",
    "defence_cooperation",
)
OFFER_ASKS: tuple[str, ...] = (
    "joint_statement",
    "defence_cooperation",
    "cancel_debt",
    "restructure_debt",
    "lift_sanctions",
    "open_trade",
)
ACTION_INDEX: dict[str, int] = {a.id: k for k, a in enumerate(CATALOGUE)}
GOLDSTEIN: np.ndarray = np.array([a.goldstein for a in CATALOGUE])


def action(action_id: str) -> Action:
    """The catalogue entry with this id (KeyError if unknown)."""
    return CATALOGUE[ACTION_INDEX[action_id]]


_PRECONDITIONS: tuple[Precondition, ...] = tuple(a.precondition for a in CATALOGUE)


def preconditions(cells: CellArrays) -> np.ndarray:
    """(A, *cells.shape) bool: every catalogue action's precondition on these cells, in catalogue order (the
    pass's rule is read too, though the feasibility ignores it; actions sharing a rule read it once)."""
    return verdicts(_PRECONDITIONS, cells)


def move_allowed(
    world: WorldState,
    actor: int,
    action_id: str,
    target: int | None,
    sector: int | None,
    sectors: tuple[str, ...],
    not_self: np.ndarray | None = None,
    values_dimension: int = 0,
) -> bool:
    """Whether the precondition of a move holds on this state (used at resolution and for human orders).

    The action's rule reads one cell (:class:`sim.core.preconditions.CellAt`), no mask; ``not_self`` is not
    read (kept so that callers holding the off-diagonal mask need not change).
    """
    act = action(action_id)
    if act.domestic:
        return bool(act.precondition(CellAt(world, actor, actor, values_dimension)))
    if not act.targeted:
        return True
    if target is None or not 0 <= target < len(world.gdp) or target == actor:
        return False
    if not act.precondition(CellAt(world, actor, target, values_dimension)):
        return False
    if act.signs_agreement:
        s = agreement_sector(act, sector, sectors)
        return s is not None and not world.agreements.item(actor, target, s)
    return True


def agreement_sector(act: Action, sector: int | None, sectors: tuple[str, ...]) -> int | None:
    """The sector index an agreement-signing move uses (None when it signs nothing or is unknown)."""
    if act.fixed_sector is not None:
        return sectors.index(act.fixed_sector) if act.fixed_sector in sectors else None
    if act.sector_based and sector is not None and 0 <= sector < len(sectors):
        return sector
    return None


def apply_move(
    world: WorldState,
    actor: int,
    action_id: str,
    target: int | None,
    sector: int | None,
    magnitude: float,
    alignment: np.ndarray,
    params: DynamicsParams,
    sectors: tuple[str, ...],
    baseline: np.ndarray | None = None,
    values_dimension: int = 0,
) -> None:
    """Apply one (already allowed, already accepted) move to the world in place.

    Besides the action's own effect, the move changes regard by its Goldstein weight (docs/model.md
    section 4): the target's regard of the mover by gamma*g, the mover's regard of the target
    by rho*gamma*g (reciprocity), and every third party k's regard of the mover by
    sigma*A[k, target]*gamma*g (spillover: friends of a sanctioned state resent the sanctioner).
    A transfer (aid, debt relief) adds gratitude in proportion to its size over the recipient's GDP.
    Gratitude and ``lasting_share`` of the direct change move ``baseline``, the regard relations decay toward.
    The target remembers the move (``memory[target, actor] += g / 10``). A domestic move (crackdown)
    changes the mover's threat and values stance; liberal observers react (:func:`apply_domestic`).
    """
    act = action(action_id)
    if act.domestic:
        apply_domestic(world, actor, act, magnitude, params, values_dimension, baseline)
        return
    if not act.targeted or target is None:
        return
    i, j, m = actor, target, magnitude
    # Scalar cells are read as Python floats (.item): the same double arithmetic as numpy scalars, cheaper;
    # clips to [0, 1] are conditional expressions, the value min(max(x, 0.0), 1.0) gives (see change_regard).
    transfer = 0.0
    if act.tariff_change:
        x = world.tariff.item(i, j) + m * act.tariff_change
        world.tariff[i, j] = 1.0 if x > 1.0 else 0.0 if x < 0.0 else x
    if act.sanction_change:
        x = world.sanctions.item(i, j) + m * act.sanction_change
        world.sanctions[i, j] = 1.0 if x > 1.0 else 0.0 if x < 0.0 else x
    if act.debt_relief:
        relief = world.debt.item(j, i) * min(m * act.debt_relief, 1.0)
        world.debt[j, i] -= relief
        transfer += relief
    if act.aid_amount:
        # A cut never leaves a GDP below the floor.
        world.gdp[j] = max(world.gdp.item(j) + m * act.aid_amount, GDP_FLOOR)
        transfer += m * act.aid_amount
    if act.pressure_change:
        x = world.pressure.item(i, j) + m * act.pressure_change
        world.pressure[i, j] = 1.0 if x > 1.0 else 0.0 if x < 0.0 else x
    if act.sector_based or act.fixed_sector is not None:
        s = agreement_sector(act, sector, sectors)
        if s is not None:
            world.agreements[i, j, s] = world.agreements[j, i, s] = True
    gdp_j = world.gdp.item(j)
    gratitude = params.gratitude * transfer / gdp_j if gdp_j > 0 else 0.0
    change_regard(world, i, j, act.goldstein, alignment, params, baseline, gratitude)


def change_regard(
    world: WorldState,
    actor: int,
    target: int,
    goldstein: float,
    alignment: np.ndarray,
    params: DynamicsParams,
    baseline: np.ndarray | None = None,
    gratitude: float = 0.0,
) -> None:
    """The regard and memory change of an event ``actor -> target`` with this Goldstein weight."""
    i, j = actor, target
    delta = params.goldstein_scale * goldstein
    # Clipping to [-1, 1] is written as conditional expressions: the value min(max(r, -1.0), 1.0) gives for
    # every float (NaN and -0.0 included), at a third of the cost of two builtin calls.
    if delta or gratitude:
        # Column i (everyone's regard of the mover) in Python floats: the same double operations, in the
        # same order, as ``column += spill * A[:, j]; column[i] = 0; column[j] += ...; clip`` on the array,
        # in three numpy calls instead of nine (a round applies a dozen moves to a handful of actors).
        spill = params.spillover * delta
        relations = world.relations
        column = [r + spill * a for r, a in zip(relations[:, i].tolist(), alignment[:, j].tolist(), strict=True)]
        column[i] = 0.0
        column[j] += delta + gratitude - spill * alignment.item(j, j)
        relations[:, i] = [1.0 if r > 1.0 else -1.0 if r < -1.0 else r for r in column]
        r = relations.item(i, j) + params.reciprocity * delta
        relations[i, j] = 1.0 if r > 1.0 else -1.0 if r < -1.0 else r
        if baseline is not None:
            # Gratitude for a transfer is remembered; of the event itself only lasting_share is.
            lasting = params.lasting_share * delta
            r = baseline.item(j, i) + lasting + gratitude
            baseline[j, i] = 1.0 if r > 1.0 else -1.0 if r < -1.0 else r
            r = baseline.item(i, j) + params.reciprocity * lasting
            baseline[i, j] = 1.0 if r > 1.0 else -1.0 if r < -1.0 else r
    r = world.memory.item(j, i) + MEMORY_STEP * goldstein / 10.0
    world.memory[j, i] = 1.0 if r > 1.0 else -1.0 if r < -1.0 else r


def apply_refusal(
    world: WorldState,
    proposer: int,
    refuser: int,
    alignment: np.ndarray,
    params: DynamicsParams,
    baseline: np.ndarray | None = None,
) -> None:
    """A refused proposal or request: coded as the refuser rejecting the proposer (CAMEO 120, -4.0)."""
    change_regard(world, refuser, proposer, REFUSAL_GOLDSTEIN, alignment, params, baseline)


def liberal_disapproval(positions: np.ndarray, actor: int, values_dimension: int) -> np.ndarray:
    """(N,) how far each actor stands above ``actor`` on the values dimension, halved (0 for those below)."""
    x = positions[:, values_dimension]
    out = np.maximum(x - x[actor], 0.0) / 2.0
    out[actor] = 0.0
    return out


def apply_domestic(
    world: WorldState,
    actor: int,
    act: Action,
    magnitude: float,
    params: DynamicsParams,
    values_dimension: int,
    baseline: np.ndarray | None = None,
) -> None:
    """A domestic move: the mover's threat and values stance change; observers react by their values gap.

    Each other actor k lowers its regard of the mover by gamma*|g|*gap_k and remembers it in proportion
    to gap_k, where gap_k is half of how far k stands above the mover on the values dimension (before
    the move): a crackdown costs regard in Washington and Brussels, not in Beijing (modelling judgement,
    the reactions to the 2017 dissolution of Cambodia's opposition party).
    """
    i, m = actor, magnitude
    gap = liberal_disapproval(world.positions, i, values_dimension)
    world.threat[i] = min(max(world.threat[i] + m * act.threat_change, 0.0), 1.0)
    stance = world.positions[i, values_dimension] + m * act.stance_change
    world.positions[i, values_dimension] = min(max(stance, -1.0), 1.0)
    delta = params.goldstein_scale * act.goldstein * gap
    world.relations[:, i] = clip(world.relations[:, i] + delta, -1.0, 1.0)
    world.relations[i, i] = 0.0
    if baseline is not None:
        baseline[:, i] = clip(baseline[:, i] + params.lasting_share * delta, -1.0, 1.0)
    world.memory[:, i] = clip(world.memory[:, i] + MEMORY_STEP * act.goldstein / 10.0 * gap * 2.0, -1.0, 1.0)
    world.memory[i, i] = 0.0
