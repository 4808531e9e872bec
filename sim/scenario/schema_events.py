"""The scenario format's story: events and their effects, objectives, and the moves a script fixes."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from sim.core.events import EVENT_TARGETS
from sim.core.world import INTERESTS
from sim.scenario.fields import Condition, Identifier, Strict

#: State entries an event may set or add to (the keys of StateChange), with their number of actors: the core's.
STATE_ENTRIES: dict[str, int] = EVENT_TARGETS


def only_one(kind: str, given: list[str], options: tuple[str, ...] | list[str]) -> None:
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
        only_one("a state change", given, list(STATE_ENTRIES))
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
        only_one("an effect", [k for k in EFFECT_KINDS if getattr(self, k) is not None], EFFECT_KINDS)
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


__all__ = [
    "EFFECT_KINDS",
    "INTERESTS",
    "STATE_ENTRIES",
    "AgreementChange",
    "Effect",
    "EventModel",
    "ForcedMove",
    "InterestChange",
    "ObjectiveModel",
    "PolicyChange",
    "PositionChange",
    "ScriptStep",
    "StateChange",
]
