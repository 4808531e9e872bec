"""Building blocks of the scenario format: the strict base model, identifiers, and conditions as data."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.conditions import CATEGORICAL, COMPARATORS, METRICS

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Identifier = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        min_length=1,
        max_length=40,
        description="A lower-case identifier: letters, digits and underscores.",
        examples=["cambodia"],
    ),
]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0)]


class Strict(BaseModel):
    """Base of every section: unknown fields are errors (typos must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class StateMetrics(Strict):
    """The numeric metrics of the state that conditions and expectations name, each with its actor or pair."""

    alignment: list[str] | None = Field(
        None, description="Alignment of a pair [a, b], -1..1.", examples=[["cambodia", "russia"]]
    )
    relations: list[str] | None = Field(None, description="How a regards b, -1..1.", examples=[["cambodia", "us"]])
    trade: list[str] | None = Field(None, description="Exports a -> b, USD bn/yr.", examples=[["cambodia", "eu"]])
    trade_change: list[str] | None = Field(
        None, description="Exports a -> b relative to the start (0.2 = +20 %).", examples=[["cambodia", "eu"]]
    )
    debt: list[str] | None = Field(None, description="What a owes b, USD bn.", examples=[["cambodia", "russia"]])
    sanctions: list[str] | None = Field(None, description="a's sanctions on b, 0..1.", examples=[["us", "russia"]])
    tariff: list[str] | None = Field(None, description="a's tariff on b's goods, 0..1.", examples=[["eu", "cambodia"]])
    agreements: list[str] | None = Field(
        None, description="Number of sectors with an agreement.", examples=[["cambodia", "russia"]]
    )
    gdp: str | None = Field(None, description="GDP of an actor, USD bn.", examples=["russia"])
    gdp_change: str | None = Field(None, description="GDP relative to the start (0.05 = +5 %).", examples=["russia"])
    capability: str | None = Field(None, description="Capability of an actor, 0..1.", examples=["china"])
    hedging: str | None = Field(
        None, description="Diversification (entropy) hedging index of an actor, 0..1.", examples=["cambodia"]
    )
    kuik_hedging: str | None = Field(
        None,
        description="Kuik's hedging index of an actor, 0..1: engages every power, none dominates.",
        examples=["cambodia"],
    )
    bloc_tilt: str | None = Field(None, description="Bloc tilt of an actor, -2..2.", examples=["cambodia"])
    utility: str | None = Field(None, description="Utility of an actor.", examples=["russia"])
    threat: str | None = Field(
        None, description="Domestic threat to an actor's ruling group, 0 (secure) .. 1.", examples=["cambodia"]
    )

    def _check_pair(self, metric: str) -> None:
        subject = getattr(self, metric)
        if METRICS[metric] == 2 and len(subject) != 2:
            raise ValueError(f"{metric} takes a pair [a, b] (got {subject})")


class Condition(StateMetrics):
    """A comparison on one metric, or all / any / not of other conditions."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        populate_by_name=True,
        json_schema_extra={
            "description": "Exactly one metric key (with its actors) and one "
            "comparator, or exactly one of all / any / not.",
            "minProperties": 1,
            "maxProperties": 2,
        },
    )

    all: list[Condition] | None = Field(
        None, description="Every condition holds.", examples=[[{"hedging": "cambodia", "at_least": 0.6}]]
    )
    any: list[Condition] | None = Field(
        None, description="At least one condition holds.", examples=[[{"round": True, "at_least": 4}]]
    )
    not_: Condition | None = Field(
        None,
        alias="not",
        description="The condition does not hold.",
        examples=[{"primary_partner": "cambodia", "is": "china"}],
    )
    round: bool | None = Field(None, description="The round number (write `round: true`).", examples=[True])
    primary_partner: str | None = Field(
        None, description="The power an actor is most aligned with (use is/is_not).", examples=["cambodia"]
    )
    above: float | None = Field(None, description="Metric > value.", examples=[0.4])
    below: float | None = Field(None, description="Metric < value.", examples=[0.0])
    at_least: float | None = Field(None, description="Metric >= value.", examples=[0.6])
    at_most: float | None = Field(None, description="Metric <= value.", examples=[0.2])
    equals: float | None = Field(None, description="Metric == value.", examples=[0.0])
    is_: str | None = Field(None, alias="is", description="A categorical metric is this actor.", examples=["china"])
    is_not: str | None = Field(None, description="A categorical metric is not this actor.", examples=["us"])

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combinators = [k for k in ("all", "any", "not_") if getattr(self, k) is not None]
        metrics = [k for k in METRICS if getattr(self, k) is not None]
        comparators = [k for k in COMPARATORS if getattr(self, "is_" if k == "is" else k) is not None]
        if combinators:
            if len(combinators) > 1 or metrics or comparators:
                raise ValueError("a condition with all/any/not must have nothing else beside it")
            return self
        if len(metrics) != 1:
            raise ValueError(
                f"a condition needs exactly one metric (one of {', '.join(METRICS)}); got "
                f"{', '.join(metrics) or 'none'}"
            )
        if not comparators:
            raise ValueError(f"a condition needs a comparator (one of {', '.join(COMPARATORS)})")
        if len(comparators) > 1:
            first, second = (f"{{{metrics[0]}: ..., {op}: ...}}" for op in comparators[:2])
            raise ValueError(
                f"a condition takes one comparator, got {', '.join(comparators)}; to require both, "
                f"write all: [{first}, {second}]"
            )
        metric, op = metrics[0], comparators[0]
        categorical = metric == "primary_partner"
        if categorical != (op in ("is", "is_not")):
            raise ValueError(
                "primary_partner is compared with is / is_not; numbers with above/below/at_least/at_most/equals"
            )
        self._check_pair(metric)
        return self

    def metric(self) -> tuple[str, tuple[str, ...], str, float | str]:
        """(metric, actor ids, comparator, value) of a comparison."""
        metric = next(k for k in METRICS if getattr(self, k) is not None)
        op = next(k for k in COMPARATORS if getattr(self, "is_" if k == "is" else k) is not None)
        subject = getattr(self, metric)
        actors: tuple[str, ...] = (
            () if metric == "round" else ((subject,) if isinstance(subject, str) else tuple(subject))
        )
        return metric, actors, op, getattr(self, "is_" if op == "is" else op)


#: Metrics a mean can be taken of (numbers; primary_partner is an actor and round is the same in every run).
NUMERIC_METRICS: tuple[str, ...] = tuple(m for m in METRICS if m not in CATEGORICAL and m != "round")


class MetricRef(StateMetrics):
    """One numeric metric of the state, named by its key and its actor(s), without a comparison."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={
            "description": "Exactly one metric key with its actor or pair.",
            "minProperties": 1,
            "maxProperties": 1,
        },
    )

    @model_validator(mode="after")
    def _one_metric(self) -> MetricRef:
        given = [k for k in NUMERIC_METRICS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"name exactly one metric (one of {', '.join(NUMERIC_METRICS)}); got {', '.join(given) or 'none'}"
            )
        self._check_pair(given[0])
        return self

    def metric(self) -> tuple[str, tuple[str, ...]]:
        """(metric, actor ids)."""
        name = next(k for k in NUMERIC_METRICS if getattr(self, k) is not None)
        subject = getattr(self, name)
        return name, (subject,) if isinstance(subject, str) else tuple(subject)
