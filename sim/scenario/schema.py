"""The scenario format as pydantic v2 models: the single source of validation and of the JSON Schema."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from sim.core.actions import ACTION_IDS
from sim.scenario.fields import ID_PATTERN, Condition, Identifier, MetricRef, Signed, Strict, Unit
from sim.scenario.names import display_name_problem
from sim.scenario.schema_events import EventModel, ObjectiveModel, ScriptStep
from sim.scenario.schema_expect import Expectation
from sim.scenario.schema_sweep import Sweep


class Source(Strict):
    id: str = Field(description="Short key that comments in the file cite, e.g. [wb-gdp].", examples=["wb-gdp"])
    citation: str = Field(
        description="Who published what, and when.", examples=["World Bank WDI, NY.GDP.MKTP.CD, 2015"]
    )
    url: str | None = Field(None, description="Where to read it.", examples=["https://data.worldbank.org/"])


class Meta(Strict):
    id: Identifier = Field(
        description="Identifier of the scenario (the file's stem by convention).", examples=["medvedev_visit_2015"]
    )
    title: str = Field(min_length=1, description="Title shown in menus.", examples=["Medvedev in Phnom Penh, 2015"])
    summary: str = Field(
        "",
        description="One or two sentences shown under the title.",
        examples=["Russia's prime minister visits Cambodia as Western sanctions bite."],
    )
    author: str = Field("", description="Who wrote the scenario.", examples=["Pivot team"])
    version: str = Field("1.0", description="Version of the scenario file.", examples=["1.0"])
    sources: list[Source] = Field(
        default_factory=list,
        description="Sources cited by the file's comments.",
        examples=[[{"id": "wb-gdp", "citation": "World Bank WDI"}]],
    )


class Calendar(Strict):
    start: str = Field(
        "2015-Q4", pattern=r"^\d{4}-Q[1-4]$", description="Quarter of the first round.", examples=["2015-Q4"]
    )
    step: Literal["quarter"] = Field("quarter", description="Length of a round.", examples=["quarter"])


class Dimension(Strict):
    id: Identifier = Field(description="Identifier of the policy dimension.", examples=["democracy"])
    label: str = Field("", description="Human-readable name.", examples=["Democracy & human-rights promotion"])


class Sector(Strict):
    id: Identifier = Field(description="Identifier of the agreement sector.", examples=["nuclear_energy"])
    label: str = Field("", description="Human-readable name.", examples=["Nuclear energy"])
    security: bool = Field(False, description="Agreements here count toward the security interest.", examples=[True])
    trade: bool = Field(
        False, description="Agreements here raise equilibrium trade between the pair.", examples=[False]
    )


class MapPosition(Strict):
    lon: float = Field(ge=-180, le=180, description="Longitude of the actor's marker (degrees east).", examples=[104.9])
    lat: float = Field(ge=-90, le=90, description="Latitude of the actor's marker (degrees north).", examples=[11.55])


class Interests(Strict):
    economy: float = Field(0.2, ge=0, le=1, description="Weight of trade, growth and debt.", examples=[0.35])
    security: float = Field(
        0.2, ge=0, le=1, description="Weight of security ties and sanctions suffered.", examples=[0.1]
    )
    autonomy: float = Field(
        0.2, ge=0, le=1, description="Weight of diversified partnerships (1 - HHI).", examples=[0.35]
    )
    influence: float = Field(
        0.2, ge=0, le=1, description="Weight of others' alignment toward the actor.", examples=[0.1]
    )
    values: float = Field(
        0.2, ge=0, le=1, description="Weight of partners' closeness on the values dimension.", examples=[0.1]
    )


class Policy(Strict):
    tau: float = Field(
        0.15, ge=0, le=10, description="Softmax temperature relative to the best gain (0 = greedy).", examples=[0.15]
    )
    actions_per_round: int = Field(2, ge=0, le=6, description="Moves the actor may make each round.", examples=[2])
    reciprocity: float = Field(
        0.04,
        ge=0,
        le=1,
        description="Weight of answering what others did lately (reward cooperation, retaliate against harm).",
        examples=[0.04],
    )


class Domestic(Strict):
    threat: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Domestic threat to the ruling group at the start, 0 (secure) .. 1.",
        examples=[0.3],
    )
    regime_weight: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Weight of regime security (the ruling group's hold on power) beside the interests.",
        examples=[0.15],
    )
    elections: list[Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$")]] = Field(
        default_factory=list,
        description="Quarters with a national or local election (threat rises in and just before them).",
        examples=[["2017-Q2", "2018-Q3"]],
    )
    election_every: int = Field(
        0, ge=0, le=400, description="Quarters between elections after the listed ones (0 = no repeat).", examples=[20]
    )


class Actor(Strict):
    name: str = Field(min_length=1, description="Display name.", examples=["Cambodia"])

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        """Any printable Unicode, but no control, bidirectional-override or zero-width character."""
        problem = display_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    kind: Literal["state", "bloc", "organisation"] = Field(
        "state", description="What the actor is.", examples=["state"]
    )
    colour: str = Field(
        "#888888", pattern=r"^#[0-9a-fA-F]{6}$", description="Colour in the UI (#rrggbb).", examples=["#d55e00"]
    )
    map: MapPosition = Field(
        default_factory=lambda: MapPosition(lon=0.0, lat=0.0),
        description="Where the actor sits on the map.",
        examples=[{"lon": 104.9, "lat": 11.55}],
    )
    gdp: float = Field(ge=1e-6, le=1e6, description="GDP, current USD bn per year.", examples=[18.05])
    growth: float = Field(
        0.0, ge=-0.5, le=0.5, description="Baseline annual nominal GDP growth (0.05 = 5 %).", examples=[0.109]
    )
    capability: float = Field(
        ge=0, le=1, description="Composite power 0..1 (economy, military, reach).", examples=[0.02]
    )
    interests: Interests = Field(
        default_factory=Interests,
        description="Weights of the actor's interests.",
        examples=[{"economy": 0.35, "autonomy": 0.35}],
    )
    positions: dict[str, Signed] = Field(
        default_factory=dict,
        description="Stance on each policy dimension, -1..1 (missing = 0).",
        examples=[{"democracy": -0.5}],
    )
    salience: dict[str, Unit] = Field(
        default_factory=dict,
        description="How much each dimension matters; must sum to 1 (missing = equal).",
        examples=[{"democracy": 0.2, "sovereignty": 0.3}],
    )
    policy: Policy = Field(default_factory=Policy, description="How the AI chooses.", examples=[{"tau": 0.15}])
    domestic: Domestic = Field(
        default_factory=Domestic,
        description="Domestic politics: threat to the ruling group, regime-security weight, elections.",
        examples=[{"threat": 0.3, "regime_weight": 0.15, "elections": ["2017-Q2"]}],
    )
    controller: Literal["ai", "human", "scripted"] = Field(
        "ai", description="Who chooses the actor's moves.", examples=["ai"]
    )
    playable: bool = Field(
        False,
        description="Whether a student may play this actor (needed for objectives and a briefing).",
        examples=[True],
    )
    script: list[ScriptStep] = Field(
        default_factory=list,
        description="Moves fixed by the scenario, made whatever the controller (a scripted actor makes only these).",
        examples=[[{"round": 1, "action": "state_visit", "target": "cambodia"}]],
    )

    @field_validator("salience")
    @classmethod
    def _salience_sums_to_one(cls, salience: dict[str, float]) -> dict[str, float]:
        total = sum(salience.values())
        if salience and abs(total - 1.0) > 0.011:
            parts = " + ".join(f"{k} {v:g}" for k, v in salience.items())
            raise ValueError(f"salience must sum to 1 (got {parts} = {total:.3f})")
        return salience


class ActionOverride(Strict):
    magnitude: float | None = Field(None, ge=0, le=10, description="Multiplier of the action's effect.", examples=[1.5])
    cost: float | None = Field(None, ge=0, le=1, description="Utility cost of the move.", examples=[0.01])


class ActionSettings(ActionOverride):
    enabled_for: list[str] | None = Field(
        None, description="Only these actors may use the action.", examples=[["russia"]]
    )
    disabled_for: list[str] = Field(
        default_factory=list, description="These actors may not use the action.", examples=[["cambodia"]]
    )
    per_actor: dict[str, ActionOverride] = Field(
        default_factory=dict, description="Magnitude or cost for one actor.", examples=[{"russia": {"cost": 0.002}}]
    )


class Dynamics(Strict):
    trade_adjustment: float = Field(
        0.25, ge=0, le=1, description="Share of the gap to equilibrium trade closed a quarter.", examples=[0.25]
    )
    tariff_elasticity: float = Field(
        5.0, ge=0, le=20, description="Gravity trade elasticity to tariffs.", examples=[5.0]
    )
    sanction_trade_elasticity: float = Field(
        1.0, ge=0, le=20, description="Trade kept under full sanctions: exp(-x).", examples=[1.0]
    )
    agreement_trade_bonus: float = Field(
        0.12, ge=0, le=1, description="Equilibrium trade gain per trade agreement.", examples=[0.12]
    )
    gdp_trade_elasticity: float = Field(
        0.3, ge=0, le=5, description="Growth response to own trade growth.", examples=[0.3]
    )
    sanction_gdp_drag: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of GDP level lost per unit of capability-weighted sanctions suffered.",
        examples=[0.2],
    )
    growth_taper: float = Field(
        0.99,
        ge=0,
        le=1,
        description="Factor by which base growth shrinks each quarter (long runs converge).",
        examples=[0.99],
    )
    relation_memory: float = Field(
        0.08, ge=0, le=1, description="Share of the gap to baseline regard closed a quarter.", examples=[0.08]
    )
    pressure_memory: float = Field(
        0.5, ge=0, le=1, description="Share of public pressure that fades a quarter.", examples=[0.5]
    )
    goldstein_scale: float = Field(
        0.02, ge=0, le=0.2, description="Change in regard per Goldstein point.", examples=[0.02]
    )
    reciprocity: float = Field(
        0.5, ge=0, le=1, description="Mover's regard change as a share of the target's.", examples=[0.5]
    )
    spillover: float = Field(
        0.3, ge=0, le=1, description="Third parties' regard change per unit of alignment.", examples=[0.3]
    )
    credit_value: float = Field(
        0.25, ge=0, le=1, description="Value of a claim on a debtor, per unit of GDP.", examples=[0.25]
    )
    import_value: float = Field(
        0.25, ge=0, le=1, description="Weight of imports against exports in the economy interest.", examples=[0.25]
    )
    gratitude: float = Field(
        2.0, ge=0, le=20, description="Extra regard per unit of a transfer over the recipient's GDP.", examples=[2.0]
    )
    lasting_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of a move's direct regard change that shifts the baseline regard.",
        examples=[0.2],
    )
    baseline_memory: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Share of a shifted baseline's gap to the original closed a quarter.",
        examples=[0.02],
    )
    agreement_lapse: float = Field(
        0.05, ge=0, le=1, description="Chance per quarter that an agreement lapses.", examples=[0.05]
    )
    memory_decay: float = Field(
        0.25, ge=0, le=1, description="Share of the record of past moves forgotten a quarter.", examples=[0.25]
    )
    threat_memory: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Share of the gap between domestic threat and its baseline closed a quarter.",
        examples=[0.15],
    )
    election_threat: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Domestic threat added in an election quarter (half the quarter before).",
        examples=[0.2],
    )
    pressure_threat: float = Field(
        0.25,
        ge=0,
        le=5,
        description="Threat added per unit of partner-weighted foreign pressure and sanctions.",
        examples=[0.25],
    )
    shock_rate: float = Field(
        0.04,
        ge=0,
        le=1,
        description="Chance per quarter of a domestic shock (protests, scandal, downturn).",
        examples=[0.04],
    )
    shock_size: float = Field(0.25, ge=0, le=1, description="Largest threat a domestic shock adds.", examples=[0.25])
    threat_economy: float = Field(
        1.0,
        ge=0,
        le=10,
        description="A threatened government weighs the economy (1 + this x threat) times.",
        examples=[1.0],
    )


class ScoringWeightsModel(Strict):
    relations: float = Field(
        0.4, ge=0, le=5, description="Weight of symmetrised relations in alignment.", examples=[0.4]
    )
    policy: float = Field(0.3, ge=0, le=5, description="Weight of policy affinity.", examples=[0.3])
    trade: float = Field(0.15, ge=0, le=5, description="Weight of trade interdependence.", examples=[0.15])
    agreements: float = Field(0.2, ge=0, le=5, description="Weight of agreement density.", examples=[0.2])
    sanctions: float = Field(0.3, ge=0, le=5, description="Weight of sanction pressure (subtracted).", examples=[0.3])
    trade_squash: float = Field(5.0, gt=0, le=100, description="k in 1 - exp(-k x) for trade over GDP.", examples=[5.0])


class OutcomeRuleModel(Strict):
    label: str = Field(
        min_length=1, description="Outcome label reported when the condition holds.", examples=["balanced hedger"]
    )
    when: Condition = Field(
        description="Condition on the final state.", examples=[{"hedging": "cambodia", "at_least": 0.8}]
    )


class Scoring(Strict):
    weights: ScoringWeightsModel = Field(
        default_factory=ScoringWeightsModel,
        description="Weights of the alignment score.",
        examples=[{"relations": 0.4}],
    )
    focal: str = Field(description="The actor whose outcome a run reports.", examples=["cambodia"])
    powers: list[str] = Field(
        min_length=1,
        description="Great powers for hedging and primary partner.",
        examples=[["china", "us", "eu", "russia"]],
    )
    blocs: dict[str, list[str]] = Field(
        description="Exactly two blocs; bloc tilt = mean alignment to the first minus the second.",
        examples=[{"west": ["us", "eu"], "east": ["china", "russia"]}],
    )
    values_dimension: str | None = Field(
        None, description="Dimension the values interest reads (default: first).", examples=["democracy"]
    )
    outcomes: list[OutcomeRuleModel] = Field(
        default_factory=list,
        description="Outcome labels, first matching rule wins.",
        examples=[[{"label": "balanced hedger", "when": {"hedging": "cambodia", "at_least": 0.8}}]],
    )
    default_outcome: str = Field("unclassified", description="Label when no rule matches.", examples=["drifting"])

    @model_validator(mode="after")
    def _two_blocs(self) -> Scoring:
        if len(self.blocs) != 2:
            raise ValueError(f"blocs must name exactly two groups (got {len(self.blocs)})")
        return self


PairValues = dict[str, dict[str, float]]

DEFAULT_DIMENSIONS = [
    Dimension(id="democracy", label="Democracy & human-rights promotion"),
    Dimension(id="sovereignty", label="Sovereignty & non-interference"),
    Dimension(id="multipolarity", label="Multipolar (+) vs US-led (-) order"),
    Dimension(id="open_trade", label="Open trade"),
    Dimension(id="security", label="Security cooperation (counter-terrorism, money laundering)"),
]
DEFAULT_SECTORS = [
    Sector(id="counter_terrorism", label="Counter-terrorism", security=True),
    Sector(id="anti_money_laundering", label="Anti-money laundering", security=True),
    Sector(id="air_services", label="Air services", trade=True),
    Sector(id="nuclear_energy", label="Nuclear energy"),
    Sector(id="information_technology", label="Information technology", trade=True),
    Sector(id="healthcare", label="Healthcare"),
    Sector(id="culture", label="Culture"),
    Sector(id="trade", label="Trade & investment", trade=True),
    Sector(id="defence", label="Defence", security=True),
    Sector(id="education", label="Education"),
]


class Scenario(Strict):
    """A complete scenario file."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, title="Pivot scenario")

    extends: str | None = Field(
        None,
        min_length=1,
        description="The base scenario: a file in this file's folder or below it (relative path), or a library "
        "scenario by name; this file's values are merged onto it key by key (mappings merge, lists and single "
        "values replace). Absolute paths, .. out of the folder and URLs are refused.",
        examples=["medvedev_visit_2015.yaml"],
    )
    calibration: Literal["base", "self"] | None = Field(
        None,
        description="The observed state the dynamics (equilibrium trade, GDP level effects of sanctions) are "
        "calibrated to. base (the default for a file with extends): the base scenario's observed state, so a "
        "changed starting state is a counterfactual of the base; self: this file's own state, a new observed "
        "world. A file without extends always calibrates to itself. An overlay that adds or removes actors or "
        "sectors is a different world and calibrates to itself unless it says base (then it is an error). "
        "--set, --sweep and sensitivity samples never change the calibration.",
        examples=["self"],
    )
    meta: Meta = Field(
        description="Identity, summary and sources of the scenario.",
        examples=[{"id": "my_scenario", "title": "My scenario"}],
    )
    calendar: Calendar = Field(
        default_factory=Calendar, description="When the rounds happen.", examples=[{"start": "2015-Q4"}]
    )
    rounds: int = Field(12, ge=1, le=400, description="Number of rounds (quarters).", examples=[12])
    dimensions: list[Dimension] = Field(
        default_factory=lambda: list(DEFAULT_DIMENSIONS),
        min_length=1,
        description="Policy dimensions actors take positions on.",
        examples=[[{"id": "democracy"}]],
    )
    sectors: list[Sector] = Field(
        default_factory=lambda: list(DEFAULT_SECTORS),
        description="Sectors in which agreements can be signed.",
        examples=[[{"id": "trade", "trade": True}]],
    )
    actors: dict[str, Actor] = Field(
        min_length=2,
        description="The actors, by identifier.",
        examples=[
            {
                "cambodia": {"name": "Cambodia", "gdp": 18.05, "capability": 0.01},
                "russia": {"name": "Russia", "gdp": 1363.5, "capability": 0.14},
            }
        ],
    )
    relations: PairValues = Field(
        default_factory=dict,
        description="How a regards b, -1..1 (a: {b: v}); mirrored unless b: {a: ...} is given.",
        examples=[{"cambodia": {"china": 0.6}}],
    )
    trade: PairValues = Field(
        default_factory=dict, description="Exports a -> b, USD bn per year.", examples=[{"cambodia": {"eu": 3.9}}]
    )
    tariffs: PairValues = Field(
        default_factory=dict, description="a's tariff on b's goods, 0..1.", examples=[{"us": {"cambodia": 0.168}}]
    )
    sanctions: PairValues = Field(
        default_factory=dict, description="a's sanctions on b, 0..1.", examples=[{"us": {"russia": 0.5}}]
    )
    debt: PairValues = Field(
        default_factory=dict, description="What a owes b, USD bn.", examples=[{"cambodia": {"russia": 1.5}}]
    )
    agreements: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict,
        description="Sectors with a signed agreement (symmetric).",
        examples=[{"cambodia": {"russia": ["counter_terrorism"]}}],
    )
    actions: dict[str, ActionSettings] = Field(
        default_factory=dict,
        description=f"Per-action settings; actions: {', '.join(ACTION_IDS)}.",
        examples=[{"defence_cooperation": {"disabled_for": ["cambodia"]}}],
    )
    dynamics: Dynamics = Field(
        default_factory=Dynamics,
        description="Parameters of the between-move dynamics.",
        examples=[{"relation_memory": 0.08}],
    )
    scoring: Scoring = Field(
        description="How alignment is scored and runs are labelled.",
        examples=[{"focal": "cambodia", "powers": ["china", "us"], "blocs": {"west": ["us"], "east": ["china"]}}],
    )
    events: list[EventModel] = Field(
        default_factory=list,
        description="Scripted and conditional events, checked in this order at the start of each round.",
        examples=[
            [
                {
                    "id": "debt_offer",
                    "title": "Russia offers a write-off",
                    "at_round": 1,
                    "effects": [{"force_move": {"actor": "russia", "action": "cancel_debt", "target": "cambodia"}}],
                }
            ]
        ],
    )
    objectives: dict[str, list[ObjectiveModel]] = Field(
        default_factory=dict,
        description="Goals of each playable actor, by actor.",
        examples=[
            {
                "cambodia": [
                    {
                        "id": "stay_hedged",
                        "description": "Keep hedging at 0.6 or more",
                        "condition": {"hedging": "cambodia", "at_least": 0.6},
                        "timing": "always",
                    }
                ]
            }
        ],
    )
    briefing: dict[str, str] = Field(
        default_factory=dict,
        description="Text shown to the player of each playable actor before the game (Markdown-light: "
        "paragraphs, **bold**, lines starting with '- ').",
        examples=[{"cambodia": "You are Prime Minister Hun Sen's government..."}],
    )
    expect: list[Expectation] = Field(
        default_factory=list,
        description="What the scenario should show over many seeds; checked by `python run.py check`.",
        examples=[[{"id": "china_first", "holds": {"primary_partner": "cambodia", "is": "china"}, "at_least": 0.8}]],
    )
    sweep: Sweep = Field(
        default_factory=Sweep,
        description="Parameters and ranges for batch runs.",
        examples=[{"runs": 200, "parameters": [{"path": "actors.russia.policy.tau", "values": [0.05, 0.5]}]}],
    )


__all__ = [
    "DEFAULT_DIMENSIONS",
    "DEFAULT_SECTORS",
    "ID_PATTERN",
    "Actor",
    "Condition",
    "EventModel",
    "Expectation",
    "Identifier",
    "MetricRef",
    "ObjectiveModel",
    "Scenario",
    "ScriptStep",
    "Sweep",
    "quarter_labels",
]


def quarter_labels(start: str, rounds: int) -> tuple[str, ...]:
    """['2015-Q4', '2016-Q1', ...] for the rounds of a scenario."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", start)
    if match is None:
        raise ValueError(start)
    year, quarter = int(match.group(1)), int(match.group(2)) - 1
    labels = []
    for k in range(rounds):
        y, q = divmod(quarter + k, 4)
        labels.append(f"{year + y}-Q{q + 1}")
    return tuple(labels)
