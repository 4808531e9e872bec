"""The scenario format's scripted parts: events and their effects, objectives, expected outcomes, scripts and sweeps."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from sim.core.events import EVENT_TARGETS
from sim.core.world import INTERESTS
from sim.scenario.fields import Condition, Identifier, MetricRef, Strict

#: State entries an event may set or add to (the keys of StateChange), with their number of actors: the core's.
STATE_ENTRIES: dict[str, int] = EVENT_TARGETS


def _only_one(kind: str, given: list[str], options: tuple[str, ...] | list[str]) -> None:
    if len(given) != 1:
        raise ValueError(f"{kind} needs exactly one of {', '.join(options)}; got {', '.join(given) or 'none'}")


class StateChange(Strict):
    """One entry of the world state and the number to set it to (``set:``) or add to it (``add:``)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={
            "description": "Exactly one state entry (with its pair or actor) and a value.",
            "minProperties": 2,
            "maxProperties": 3,
        },
    )

    relations: list[str] | None = Field(
        None, description="How a regards b, -1..1: [a, b].", examples=[["cambodia", "russia"]]
    )
    trade: list[str] | None = Field(
        None, description="Exports a -> b, USD bn per year: [a, b].", examples=[["cambodia", "eu"]]
    )
    tariff: list[str] | None = Field(
        None, description="a's tariff on b's goods, 0..1: [a, b].", examples=[["eu", "cambodia"]]
    )
    sanctions: list[str] | None = Field(
        None, description="a's sanctions on b, 0..1: [a, b].", examples=[["us", "russia"]]
    )
    debt: list[str] | None = Field(
        None, description="What a owes b, USD bn: [a, b].", examples=[["cambodia", "russia"]]
    )
    pressure: list[str] | None = Field(
        None, description="Public pressure (criticism) a puts on b, 0..1: [a, b].", examples=[["eu", "cambodia"]]
    )
    gdp: str | None = Field(None, description="GDP of an actor, USD bn per year.", examples=["russia"])
    capability: str | None = Field(None, description="Capability of an actor, 0..1.", examples=["russia"])
    value: float = Field(description="The value to set, or the amount to add (negative subtracts).", examples=[0.75])
    symmetric: bool = Field(False, description="Also change the mirrored pair [b, a].", examples=[True])

    @model_validator(mode="after")
    def _one_entry(self) -> StateChange:
        given = [k for k in STATE_ENTRIES if getattr(self, k) is not None]
        _only_one("a state change", given, list(STATE_ENTRIES))
        if self.symmetric and STATE_ENTRIES[given[0]] != 2:
            raise ValueError(f"symmetric applies to pairs; {given[0]} names one actor")
        return self

    def entry(self) -> tuple[str, tuple[str, ...]]:
        """(state entry, actor ids)."""
        name = next(k for k in STATE_ENTRIES if getattr(self, k) is not None)
        subject = getattr(self, name)
        return name, (subject,) if isinstance(subject, str) else tuple(subject)


class AgreementChange(Strict):
    pair: list[str] = Field(description="The two actors: [a, b].", examples=[["cambodia", "russia"]])
    sector: str = Field(description="The agreement sector (one of the scenario's sectors).", examples=["trade"])


class PositionChange(Strict):
    actor: str = Field(description="Whose stance changes.", examples=["cambodia"])
    dimension: str = Field(description="The policy dimension.", examples=["democracy"])
    value: float = Field(description="New stance (-1..1) to set, or the amount to add.", examples=[-0.2])


class ForcedMove(Strict):
    actor: str = Field(description="Who makes the move (this round, on top of its own choices).", examples=["russia"])
    action: str = Field(description="The action, from the catalogue.", examples=["cancel_debt"])
    target: str | None = Field(
        None, description="The actor the move is aimed at (targeted actions).", examples=["cambodia"]
    )
    sector: str | None = Field(None, description="The sector, for sign_agreement.", examples=["trade"])


class InterestChange(Strict):
    actor: str = Field(description="Whose interests change.", examples=["cambodia"])
    interest: Literal["economy", "security", "autonomy", "influence", "values"] = Field(
        description="Which interest.", examples=["economy"]
    )
    value: float = Field(ge=0, le=1, description="Its new weight, 0..1.", examples=[0.5])


class PolicyChange(Strict):
    actor: str = Field(description="Whose choice rule changes.", examples=["russia"])
    tau: float | None = Field(None, ge=0, le=10, description="New softmax temperature (0 = greedy).", examples=[0.05])
    actions_per_round: int | None = Field(None, ge=0, le=6, description="New number of moves a round.", examples=[3])


EFFECT_KINDS: tuple[str, ...] = (
    "set",
    "add",
    "sign_agreement",
    "end_agreement",
    "set_position",
    "add_position",
    "force_move",
    "set_interest",
    "set_policy",
    "end_scenario",
)


class Effect(Strict):
    """One effect of an event: exactly one key, Paradox style (``- set: {...}``)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={"description": "Exactly one effect.", "minProperties": 1, "maxProperties": 1},
    )

    set: StateChange | None = Field(
        None, description="Set one state entry.", examples=[{"sanctions": ["us", "russia"], "value": 0.75}]
    )
    add: StateChange | None = Field(
        None,
        description="Add to one state entry (kept in its range).",
        examples=[{"relations": ["cambodia", "russia"], "value": 0.1, "symmetric": True}],
    )
    sign_agreement: AgreementChange | None = Field(
        None,
        description="Sign an agreement in a sector.",
        examples=[{"pair": ["cambodia", "russia"], "sector": "trade"}],
    )
    end_agreement: AgreementChange | None = Field(
        None, description="End an agreement in a sector.", examples=[{"pair": ["cambodia", "eu"], "sector": "trade"}]
    )
    set_position: PositionChange | None = Field(
        None,
        description="Set an actor's stance on a dimension.",
        examples=[{"actor": "cambodia", "dimension": "democracy", "value": -0.6}],
    )
    add_position: PositionChange | None = Field(
        None,
        description="Shift an actor's stance on a dimension.",
        examples=[{"actor": "eu", "dimension": "democracy", "value": 0.05}],
    )
    force_move: ForcedMove | None = Field(
        None,
        description="Make an actor play a move this round.",
        examples=[{"actor": "russia", "action": "cancel_debt", "target": "cambodia"}],
    )
    set_interest: InterestChange | None = Field(
        None,
        description="Change the weight of one of an actor's interests.",
        examples=[{"actor": "cambodia", "interest": "economy", "value": 0.5}],
    )
    set_policy: PolicyChange | None = Field(
        None, description="Change how an actor chooses.", examples=[{"actor": "russia", "tau": 0.05}]
    )
    end_scenario: str | None = Field(
        None, min_length=1, description="End the run now, with this reason.", examples=["Cambodia joins a bloc"]
    )

    @model_validator(mode="after")
    def _one_effect(self) -> Effect:
        _only_one("an effect", [k for k in EFFECT_KINDS if getattr(self, k) is not None], EFFECT_KINDS)
        return self

    def kind(self) -> str:
        return next(k for k in EFFECT_KINDS if getattr(self, k) is not None)


class EventModel(Strict):
    """A scripted or conditional event: trigger, text for the log, effects."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={"anyOf": [{"required": ["at_round"]}, {"required": ["when"]}]},
    )

    id: Identifier = Field(description="Identifier of the event (unique in the scenario).", examples=["debt_offer"])
    title: str = Field(min_length=1, description="Headline in the event log.", examples=["Russia offers a write-off"])
    text: str = Field("", description="What happened, shown in the log and the game.", examples=["Moscow offers..."])
    at_round: int | None = Field(None, ge=1, le=400, description="Fire in this round.", examples=[1])
    when: Condition | None = Field(
        None,
        description="Fire in a round where this condition holds (with at_round: only in that round, if it holds).",
        examples=[{"alignment": ["cambodia", "russia"], "above": 0.55}],
    )
    chance: float = Field(
        1.0, ge=0, le=1, description="Probability per eligible round (drawn from the run's generator).", examples=[0.5]
    )
    repeat: bool = Field(
        False,
        description="false (default): fire once; true: fire in every round the trigger holds.",
        examples=[False],
    )
    effects: list[Effect] = Field(
        default_factory=list,
        description="What the event does, in order (none: a news item only).",
        examples=[[{"force_move": {"actor": "russia", "action": "cancel_debt", "target": "cambodia"}}]],
    )

    @model_validator(mode="after")
    def _has_trigger(self) -> EventModel:
        if self.at_round is None and self.when is None:
            raise ValueError("an event needs a trigger: at_round, when, or both")
        return self


class ObjectiveModel(Strict):
    """A goal of a playable actor; the debrief reports it met or missed, and a weighted score."""

    id: Identifier = Field(description="Identifier of the objective (unique for the actor).", examples=["stay_hedged"])
    description: str = Field(
        min_length=1, description="The goal in the player's words.", examples=["Keep your hedging index at 0.6 or more"]
    )
    condition: Condition = Field(
        description="When the goal counts as met.", examples=[{"hedging": "cambodia", "at_least": 0.6}]
    )
    timing: Literal["final", "always", "ever"] = Field(
        "final",
        description="Must hold at the end (final), in every round (always), or in at least one round (ever).",
        examples=["always"],
    )
    weight: float = Field(1.0, gt=0, le=100, description="Weight in the actor's score.", examples=[2.0])


class ScriptStep(Strict):
    """A move fixed by the scenario (the only moves of a ``scripted`` actor)."""

    round: int = Field(ge=1, le=400, description="The round of the move.", examples=[1])
    action: str = Field(description="The action, from the catalogue.", examples=["state_visit"])
    target: str | None = Field(None, description="The actor the move is aimed at.", examples=["cambodia"])
    sector: str | None = Field(None, description="The sector, for sign_agreement.", examples=["trade"])
    reason: str = Field("scripted by the scenario", description="Shown as the move's reason.", examples=["treaty"])


class ObjectiveRef(Strict):
    """One objective of one actor, named by the actor and the objective's id."""

    actor: str = Field(description="The actor whose objective it is.", examples=["cambodia"])
    objective: str = Field(description="The objective's id.", examples=["stay_hedged"])


#: What an expectation states something about: a condition, a metric, an event, an objective.
EXPECTATION_SUBJECTS: tuple[str, ...] = ("holds", "mean", "fires", "met")
#: Subjects compared with at_least / at_most: a share of runs.
SHARE_SUBJECTS: tuple[str, ...] = ("holds", "fires", "met")


class Expectation(Strict):
    """What the scenario should show over many seeds; `python run.py check` tests it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={
            "description": "Either `holds` (a condition), `fires` (an event) or `met` (an objective) with "
            "at_least / at_most (a share of runs), or `mean` (a metric) with above / below (a value) or "
            "above_base_by / below_base_by (against the base)."
        },
    )

    id: Identifier = Field(description="Identifier of the expectation.", examples=["russia_warms"])
    description: str = Field("", description="The claim in words.", examples=["Cancelling the debt warms Cambodia"])
    holds: Condition | None = Field(
        None,
        description="A condition on each run's final state (or every / any round, see timing).",
        examples=[{"primary_partner": "cambodia", "is": "china"}],
    )
    timing: Literal["final", "always", "ever", "average"] = Field(
        "final",
        description="For holds: at the end (final), in every round (always), or in at least one round (ever). "
        "For mean: the value at the end (final) or its average over the rounds played (average).",
        examples=["final"],
    )
    mean: MetricRef | None = Field(
        None,
        description="A metric whose value in each run (final, or averaged over the rounds) is averaged over the runs.",
        examples=[{"alignment": ["cambodia", "russia"]}],
    )
    fires: str | None = Field(
        None,
        description="An event's id: the share of runs in which it fires (in any round).",
        examples=["eba_decision"],
    )
    met: ObjectiveRef | None = Field(
        None,
        description="An objective: the share of runs in which it is met (by its own timing).",
        examples=[{"actor": "cambodia", "objective": "stay_hedged"}],
    )
    at_least: float | None = Field(
        None, ge=0, le=1, description="Share of runs where holds / fires / met is true, at least.", examples=[0.8]
    )
    at_most: float | None = Field(
        None, ge=0, le=1, description="Share of runs where holds / fires / met is true, at most.", examples=[0.1]
    )
    above: float | None = Field(None, description="The mean is above this value.", examples=[0.5])
    below: float | None = Field(None, description="The mean is below this value.", examples=[0.0])
    above_base_by: float | None = Field(
        None, ge=0, description="The mean exceeds the base scenario's (same seeds) by more than this.", examples=[0.02]
    )
    below_base_by: float | None = Field(
        None, ge=0, description="The mean falls short of the base scenario's by more than this.", examples=[0.02]
    )

    @model_validator(mode="after")
    def _one_form(self) -> Expectation:
        subjects = [k for k in EXPECTATION_SUBJECTS if getattr(self, k) is not None]
        _only_one("an expectation", subjects, EXPECTATION_SUBJECTS)
        share = [k for k in ("at_least", "at_most") if getattr(self, k) is not None]
        level = [k for k in ("above", "below", "above_base_by", "below_base_by") if getattr(self, k) is not None]
        subject = subjects[0]
        if subject in SHARE_SUBJECTS:
            if level:
                raise ValueError(f"{subject} is compared with at_least / at_most (a share of runs), not {level[0]}")
            if subject != "holds" and self.timing != "final":
                when = (
                    "fires counts a run where the event fired in any round"
                    if subject == "fires"
                    else ("met uses the objective's own timing")
                )
                raise ValueError(f"timing applies to holds and mean; {when}: leave timing out")
            if self.timing == "average":
                raise ValueError("timing: average applies to mean; holds takes final, always or ever")
            _only_one(subject, share, ("at_least", "at_most"))
        else:
            if share:
                raise ValueError(f"mean is compared with above / below / above_base_by / below_base_by, not {share[0]}")
            if self.timing in ("always", "ever"):
                raise ValueError(f"timing: {self.timing} applies to holds; mean takes final or average")
            _only_one("mean", level, ("above", "below", "above_base_by", "below_base_by"))
        return self

    @property
    def comparator(self) -> str:
        return next(
            k
            for k in ("at_least", "at_most", "above", "below", "above_base_by", "below_base_by")
            if getattr(self, k) is not None
        )

    @property
    def threshold(self) -> float:
        return float(getattr(self, self.comparator))

    @property
    def is_share(self) -> bool:
        """Whether the expectation is about a share of runs (holds, fires, met) rather than a mean."""
        return self.mean is None

    @property
    def against_base(self) -> bool:
        return self.comparator in ("above_base_by", "below_base_by")


class SweepRange(Strict):
    low: float = Field(description="First value.", examples=[0.0])
    high: float = Field(description="Last value.", examples=[1.0])
    steps: int = Field(ge=2, le=1000, description="Number of evenly spaced values, ends included.", examples=[5])


class SweepParameter(Strict):
    """One parameter the batch runner varies: a dotted path into the scenario and its values."""

    path: str = Field(
        pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$",
        description="Dotted path into the scenario data (list items by number).",
        examples=["actors.russia.policy.tau"],
    )
    values: list[float | int | bool | str] | None = Field(
        None, min_length=1, description="The values to try.", examples=[[0.05, 0.15, 0.5]]
    )
    range: SweepRange | None = Field(
        None, description="Evenly spaced values from low to high.", examples=[{"low": 0.0, "high": 1.0, "steps": 5}]
    )

    @model_validator(mode="after")
    def _one_form(self) -> SweepParameter:
        _only_one(
            "a sweep parameter", [k for k in ("values", "range") if getattr(self, k) is not None], ("values", "range")
        )
        return self

    def points(self) -> list[float | int | bool | str]:
        """The values in order; a range of whole numbers with whole steps gives ints (for fields such as rounds)."""
        if self.values is not None:
            return list(self.values)
        assert self.range is not None
        low, high, steps = self.range.low, self.range.high, self.range.steps
        step = (high - low) / (steps - 1)
        points = [low + k * step for k in range(steps - 1)] + [high]
        if all(float(x).is_integer() for x in (low, high, step)):
            return [round(x) for x in points]
        return [round(x, 12) if math.isfinite(x) else x for x in points]


class Sweep(Strict):
    runs: int = Field(
        100, ge=1, le=1_000_000, description="Seeds per parameter point (batch --runs default).", examples=[200]
    )
    parameters: list[SweepParameter] = Field(
        default_factory=list,
        description="Parameters to vary; the batch runner crosses their values.",
        examples=[[{"path": "actors.russia.policy.tau", "values": [0.05, 0.15, 0.5]}]],
    )


__all__ = [
    "EFFECT_KINDS",
    "EXPECTATION_SUBJECTS",
    "INTERESTS",
    "SHARE_SUBJECTS",
    "STATE_ENTRIES",
    "AgreementChange",
    "Effect",
    "EventModel",
    "Expectation",
    "ForcedMove",
    "InterestChange",
    "ObjectiveModel",
    "ObjectiveRef",
    "PolicyChange",
    "PositionChange",
    "ScriptStep",
    "StateChange",
    "Sweep",
    "SweepParameter",
    "SweepRange",
]
