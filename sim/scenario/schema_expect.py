"""The scenario format's claims: expected outcomes (`expect:`), which `python run.py check` tests over many seeds."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from sim.scenario.fields import Condition, Identifier, MetricRef, Strict
from sim.scenario.schema_events import only_one


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
        only_one("an expectation", subjects, EXPECTATION_SUBJECTS)
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
            only_one(subject, share, ("at_least", "at_most"))
        else:
            if share:
                raise ValueError(f"mean is compared with above / below / above_base_by / below_base_by, not {share[0]}")
            if self.timing in ("always", "ever"):
                raise ValueError(f"timing: {self.timing} applies to holds; mean takes final or average")
            only_one("mean", level, ("above", "below", "above_base_by", "below_base_by"))
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


__all__ = ["EXPECTATION_SUBJECTS", "SHARE_SUBJECTS", "Expectation", "ObjectiveRef"]
