"""The action catalogue: one declarative entry per move (CAMEO code, Goldstein weight, cost, precondition, effect).

Each entry follows the Axelrod pattern of one small, documented unit with declared properties.
Goldstein weights are the GDELT ``CAMEO.goldsteinscale.txt`` values, cross-checked against the
ICEWS codebook table (see ``docs/reference/cameo_goldstein.csv``; a test keeps the two in step).
Effects are *primitive changes* of the world state, declared as data, so one generic function
applies them (:func:`apply_move`) and one vectorised estimator prices them for every actor and
target at once (:mod:`sim.core.utility`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.core.setup import DynamicsParams
from sim.core.world import WorldState

Category = Literal["diplomatic", "economic", "security", "none"]
Stance = Literal["cooperative", "conflictual", "neutral"]

#: Sanctions at or above this intensity rule out visits, agreements and aid between the pair
#: (modelling judgement: sectoral sanctions such as EU 2014/512/CFSP froze high-level contacts).
SANCTION_BLOCK = 0.5
#: Neither side may regard the other worse than this to sign: "not hostile" (modelling judgement).
AGREEMENT_MIN_REGARD = -0.5
#: A joint statement or defence cooperation needs closer regard (modelling judgement).
CLOSE_REGARD = 0.25


@dataclass(frozen=True, slots=True)
class PreconditionInputs:
    """What a precondition may look at: the world and a few derived arrays of the round."""

    world: WorldState
    not_self: np.ndarray  # (N, N) bool, off-diagonal


Precondition = Callable[[PreconditionInputs], np.ndarray]


def _pair_not_blocked(x: PreconditionInputs) -> np.ndarray:
    s = x.world.sanctions
    return (s < SANCTION_BLOCK) & (s.T < SANCTION_BLOCK)


def _always(x: PreconditionInputs) -> np.ndarray:
    return x.not_self


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
    precondition: Precondition
    targeted: bool = True
    sector_based: bool = False  # candidates are (target, sector) pairs
    fixed_sector: str | None = None  # always signs in this sector (defence cooperation)
    tariff_change: float = 0.0  # added to the mover's tariff on the target's goods
    sanction_change: float = 0.0  # added to the mover's sanctions on the target
    debt_relief: float = 0.0  # share of the target's debt to the mover written off
    aid_amount: float = 0.0  # USD bn transferred to the target this quarter
    pressure_change: float = 0.0  # public pressure the mover puts on the target

    @property
    def signs_agreement(self) -> bool:
        return self.sector_based or self.fixed_sector is not None


def _precondition_sign(x: PreconditionInputs) -> np.ndarray:
    r = x.world.relations
    return x.not_self & _pair_not_blocked(x) & (r >= AGREEMENT_MIN_REGARD) & (r.T >= AGREEMENT_MIN_REGARD)


def _precondition_close(x: PreconditionInputs) -> np.ndarray:
    r = x.world.relations
    return x.not_self & _pair_not_blocked(x) & ((r + r.T) / 2 >= CLOSE_REGARD)


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
        precondition=_always,
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
        precondition=lambda x: x.not_self & _pair_not_blocked(x),
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
        description="Sign a cooperation agreement in one sector (both sides must regard each other well).",
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
        precondition=lambda x: x.not_self & (x.world.tariff > 0.0),
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
        precondition=lambda x: x.not_self & (x.world.tariff < 1.0),
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
        precondition=lambda x: x.not_self & (x.world.sanctions < 1.0),
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
        precondition=lambda x: x.not_self & (x.world.sanctions > 0.0),
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
        description="Write off everything the target owes the mover.",
        precondition=lambda x: x.not_self & (x.world.debt.T > 0.0),
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
        description="Write off 30 % of what the target owes the mover, the rest to be repaid.",
        precondition=lambda x: x.not_self & (x.world.debt.T > 0.0),
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
        description="Grant USD 50 m of aid this quarter (the EU gave about EUR 40-59 m a year in 2015-16).",
        precondition=lambda x: x.not_self & _pair_not_blocked(x) & (x.world.gdp[:, None] > x.world.gdp[None, :]),
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
        precondition=_always,
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
        description="Issue a joint statement of shared views (needs warm relations).",
        precondition=_precondition_close,
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
        description="Agree defence cooperation (exercises, training, equipment).",
        precondition=_precondition_close,
    ),
)

ACTION_IDS: tuple[str, ...] = tuple(a.id for a in CATALOGUE)
ACTION_INDEX: dict[str, int] = {a.id: k for k, a in enumerate(CATALOGUE)}
GOLDSTEIN: np.ndarray = np.array([a.goldstein for a in CATALOGUE])


def action(action_id: str) -> Action:
    """The catalogue entry with this id (KeyError if unknown)."""
    return CATALOGUE[ACTION_INDEX[action_id]]


def move_allowed(
    world: WorldState,
    actor: int,
    action_id: str,
    target: int | None,
    sector: int | None,
    sectors: tuple[str, ...],
    not_self: np.ndarray | None = None,
) -> bool:
    """Whether the precondition of a move holds on this state (used at resolution and for human orders)."""
    act = action(action_id)
    if not act.targeted:
        return True
    n = world.n_actors
    if target is None or not 0 <= target < n or target == actor:
        return False
    mask = not_self if not_self is not None else ~np.eye(n, dtype=bool)
    if not bool(act.precondition(PreconditionInputs(world=world, not_self=mask))[actor, target]):
        return False
    if act.signs_agreement:
        s = agreement_sector(act, sector, sectors)
        return s is not None and not bool(world.agreements[actor, target, s])
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
) -> None:
    """Apply one (already allowed) move to the world in place.

    Besides the action's own effect, the move changes regard by its Goldstein weight (DESIGN.md
    section 4 step 3): the target's regard of the mover by gamma*g, the mover's regard of the target
    by rho*gamma*g (reciprocity), and every third party k's regard of the mover by
    sigma*A[k, target]*gamma*g (spillover: friends of a sanctioned state resent the sanctioner).
    A transfer (aid, debt relief) adds gratitude in proportion to its size over the recipient's GDP.
    Gratitude and ``lasting_share`` of the direct change move ``baseline``, the regard relations decay toward.
    """
    act = action(action_id)
    if not act.targeted or target is None:
        return
    i, j, m = actor, target, magnitude
    transfer = 0.0
    if act.tariff_change:
        world.tariff[i, j] = min(max(world.tariff[i, j] + m * act.tariff_change, 0.0), 1.0)
    if act.sanction_change:
        world.sanctions[i, j] = min(max(world.sanctions[i, j] + m * act.sanction_change, 0.0), 1.0)
    if act.debt_relief:
        relief = float(world.debt[j, i]) * min(m * act.debt_relief, 1.0)
        world.debt[j, i] -= relief
        transfer += relief
    if act.aid_amount:
        world.gdp[j] += m * act.aid_amount
        transfer += m * act.aid_amount
    if act.pressure_change:
        world.pressure[i, j] = min(max(world.pressure[i, j] + m * act.pressure_change, 0.0), 1.0)
    s = agreement_sector(act, sector, sectors)
    if s is not None:
        world.agreements[i, j, s] = world.agreements[j, i, s] = True
    delta = params.goldstein_scale * act.goldstein
    gratitude = params.gratitude * transfer / world.gdp[j] if world.gdp[j] > 0 else 0.0
    if delta or gratitude:
        column = world.relations[:, i]
        column += params.spillover * delta * alignment[:, j]
        column[i] = 0.0
        column[j] += delta + gratitude - params.spillover * delta * alignment[j, j]
        np.clip(column, -1.0, 1.0, out=column)
        world.relations[i, j] = min(max(world.relations[i, j] + params.reciprocity * delta, -1.0), 1.0)
        if baseline is not None:
            # Gratitude for a transfer is remembered; of the event itself only lasting_share is.
            lasting = params.lasting_share * delta
            baseline[j, i] = min(max(baseline[j, i] + lasting + gratitude, -1.0), 1.0)
            baseline[i, j] = min(max(baseline[i, j] + params.reciprocity * lasting, -1.0), 1.0)
