"""ModelSetup: the plain, validated data a run starts from (built by sim.scenario, read by the model)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from sim.core.conditions import Condition, MetricView, first_holding
from sim.core.world import WorldState

_T = TypeVar("_T")

if TYPE_CHECKING:  # events and objectives import modules that import this one
    from sim.core.events import Event
    from sim.core.objectives import Objective

Controller = Literal["ai", "human", "scripted"]


@dataclass(frozen=True, slots=True)
class ActorSpec:
    """Who an actor is (everything numeric lives in the world arrays)."""

    id: str
    name: str
    kind: str = "state"
    colour: str = "#888888"
    lon: float = 0.0
    lat: float = 0.0
    controller: Controller = "ai"
    playable: bool = False


#: A parameter a batch of runs may hold per run: a float, or in a batch whose runs differ in it, an (R,) array
#: (:func:`stack_params`; read it against arrays with a runs axis through :func:`per_run`).
RunFloat = float | np.ndarray


@dataclass(frozen=True, slots=True)
class DynamicsParams:
    """Between-move dynamics (docs/architecture.md section 4 step 4); sources in docs/model.md.

    A batch of runs whose setups differ in some of these holds those as (R,) arrays (:func:`stack_params`)."""

    trade_adjustment: RunFloat = 0.25  # share of the gap to equilibrium trade closed per quarter
    tariff_elasticity: RunFloat = 5.0  # gravity trade elasticity to tariffs (Head & Mayer 2014 median ~5)
    sanction_trade_elasticity: RunFloat = 1.0  # sanctions of 0.5 cut pair trade by ~40 % (EU-Russia 2013-15)
    agreement_trade_bonus: RunFloat = 0.12  # each trade-related agreement lifts equilibrium trade by 12 %
    gdp_trade_elasticity: RunFloat = 0.3  # growth response to own trade growth, scaled by trade/GDP
    sanction_gdp_drag: RunFloat = 0.2  # share of GDP level lost per unit of capability-weighted sanctions suffered
    growth_taper: RunFloat = 0.99  # base growth shrinks by this factor a quarter (half-life ~17 years)
    relation_memory: RunFloat = 0.08  # share of the gap to baseline regard closed per quarter
    pressure_memory: RunFloat = 0.5  # share of public pressure that fades per quarter
    goldstein_scale: RunFloat = 0.02  # change in regard per Goldstein point (gamma)
    reciprocity: RunFloat = 0.5  # the mover's own regard moves by this share of the target's
    spillover: RunFloat = 0.3  # third parties shift their regard of the mover by this share x alignment
    credit_value: RunFloat = 0.25  # utility value of a claim on a debtor, per unit of the creditor's GDP
    import_value: RunFloat = 0.25  # imports count this much of exports in the economy interest
    gratitude: RunFloat = 2.0  # extra regard per unit of a transfer (aid, debt relief) over the recipient's GDP
    lasting_share: RunFloat = 0.2  # share of a move's direct regard change that shifts the baseline regard
    baseline_memory: RunFloat = 0.02  # share of the gap between shifted and original baseline closed a quarter
    agreement_lapse: RunFloat = 0.05  # chance per quarter that an agreement lapses (MoUs typically run ~5 years)
    memory_decay: RunFloat = 0.25  # share of the record of past moves forgotten per quarter (half-life ~2.4 quarters)
    threat_memory: RunFloat = 0.15  # share of the gap between domestic threat and its baseline closed per quarter
    election_threat: RunFloat = 0.2  # threat added in an election quarter (half of it the quarter before)
    pressure_threat: RunFloat = 0.25  # threat added per unit of partner-weighted foreign pressure and sanctions
    shock_rate: RunFloat = 0.04  # chance per quarter of a domestic shock (protests, a scandal, a downturn)
    shock_size: RunFloat = 0.25  # largest threat a shock adds (uniform on 0..shock_size)
    threat_economy: RunFloat = 1.0  # a threatened government weighs the economy (1 + this x threat) times as much


@dataclass(frozen=True, slots=True)
class ScoringWeights:
    """Weights of the alignment score A (docs/architecture.md section 5); per run in a batch, as
    :class:`DynamicsParams`."""

    relations: RunFloat = 0.4
    policy: RunFloat = 0.3
    trade: RunFloat = 0.15
    agreements: RunFloat = 0.2
    sanctions: RunFloat = 0.3
    trade_squash: RunFloat = 5.0  # E = 1 - exp(-k * two-way trade / smaller GDP)


@dataclass(frozen=True, slots=True)
class DomesticSpec:
    """Each actor's domestic politics (docs/model.md section 6): what threatens its ruling group and how much
    it cares. Arrays are (N,); ``elections[i]`` lists the rounds in which actor i holds elections."""

    regime_weight: np.ndarray  # (N,) weight of regime security beside the interests (0 = no such interest)
    threat_baseline: np.ndarray  # (N,) the level threat returns to
    reciprocity: np.ndarray  # (N,) weight of answering what others did (sim.core.memory)
    elections: tuple[tuple[int, ...], ...]  # per actor, rounds with an election
    election_every: np.ndarray  # (N,) int, rounds between elections after the listed ones (0 = none)
    # election_due by round (the spec never changes during a run; every round of every run reads it).
    _due: dict[int, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def default(cls, n: int) -> DomesticSpec:
        return cls(
            regime_weight=np.zeros(n),
            threat_baseline=np.full(n, DEFAULT_THREAT),
            reciprocity=np.full(n, DEFAULT_RECIPROCITY),
            elections=tuple(() for _ in range(n)),
            election_every=np.zeros(n, dtype=int),
        )

    def election_due(self, round_number: int) -> np.ndarray:
        """(N,) 1 in an election round, 0.5 in the round before, else 0."""
        cached = self._due.get(round_number)
        if cached is None:
            cached = self._due[round_number] = self._election_due(round_number)
        return cached.copy()

    def _election_due(self, round_number: int) -> np.ndarray:
        out = np.zeros(len(self.elections))
        for i, listed in enumerate(self.elections):
            every = int(self.election_every[i])
            for offset, level in ((0, 1.0), (1, 0.5)):
                r = round_number + offset
                hit = r in listed or (every > 0 and any(r > e and (r - e) % every == 0 for e in listed))
                if hit:
                    out[i] = max(out[i], level)
        return out


#: Default domestic threat of an actor that declares none (judgement: a government secure in normal times).
DEFAULT_THREAT = 0.2
#: Default weight of reciprocity (judgement, docs/model.md section 4b): under a standing sanction of 0.5
#: (memory -0.4) a counter-sanction is worth about 13 utility points, the size of a typical move's gain.
DEFAULT_RECIPROCITY = 0.04


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    label: str
    when: Condition


@dataclass(frozen=True, slots=True)
class ScoringSpec:
    weights: ScoringWeights
    focal: int  # index of the actor whose outcome the run reports
    powers: tuple[int, ...]  # great powers for hedging and primary partner
    bloc_a: tuple[int, ...]  # bloc_tilt = mean alignment to bloc_a - mean alignment to bloc_b
    bloc_b: tuple[int, ...]
    bloc_names: tuple[str, str] = ("west", "east")
    outcomes: tuple[OutcomeRule, ...] = ()
    default_outcome: str = "unclassified"
    values_dimension: int = 0  # index of the democracy & human-rights dimension

    @property
    def outcome_labels(self) -> tuple[str, ...]:
        """The outcome rules' labels in order, then the default: what :meth:`outcome` indexes."""
        return (*(rule.label for rule in self.outcomes), self.default_outcome)

    def outcome(self, view: MetricView) -> int | np.ndarray:
        """The outcome's index in :attr:`outcome_labels`: the first rule whose condition holds, else the
        default (an int for one run's view, ``(R,)`` ints for R runs')."""
        return first_holding(tuple(rule.when for rule in self.outcomes), view)


@dataclass(frozen=True, slots=True)
class ScriptedMove:
    """A move fixed in advance (scripted controllers, forced moves, tests)."""

    round: int
    actor: int
    action: str
    target: int | None = None
    sector: int | None = None
    reason: str = "scripted by the scenario"


@dataclass(slots=True)
class ModelSetup:
    """Everything one run needs, as arrays and small frozen records."""

    scenario_id: str
    title: str
    actors: tuple[ActorSpec, ...]
    dimensions: tuple[str, ...]
    sectors: tuple[str, ...]
    security_sectors: tuple[int, ...]
    trade_sectors: tuple[int, ...]
    world: WorldState  # the initial state (never mutated by a run)
    baseline_relations: np.ndarray  # (N, N) regard decays toward this
    base_growth: np.ndarray  # (N,) quarterly nominal growth without shocks
    interests: np.ndarray  # (N, 5) weights over INTERESTS
    tau: np.ndarray  # (N,) softmax temperature, relative to the actor's best gain
    actions_per_round: np.ndarray  # (N,) int
    action_enabled: np.ndarray  # (A, N) bool
    action_magnitude: np.ndarray  # (A, N) multiplier of the catalogue effect
    action_cost: np.ndarray  # (A, N) utility cost; (R, A, N) in a batch whose runs' costs differ (stack_action_costs)
    dynamics: DynamicsParams
    scoring: ScoringSpec
    rounds: int
    round_labels: tuple[str, ...]  # label of the quarter each round plays, len == rounds
    scripted_moves: tuple[ScriptedMove, ...] = ()
    events: tuple[Event, ...] = field(default_factory=tuple)
    # The observed state the dynamics are calibrated to (default: ``world``). A counterfactual that
    # changes the starting state keeps the observed one here, so that growth and trade respond to it.
    # Which state that is for a scenario file, its overlays and overrides: sim.scenario.calibration.
    calibration: WorldState | None = None
    summary: str = ""
    briefings: dict[str, str] = field(default_factory=dict)  # actor id -> briefing text (Markdown-light)
    objectives: tuple[Objective, ...] = ()
    domestic: DomesticSpec | None = None  # default: DomesticSpec.default(n)
    # Values derived from this setup once and kept with it (derived()); not copied by dataclasses.replace.
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, name: str, make: Callable[[ModelSetup], _T]) -> _T:
        """``make(self)``, computed the first time ``name`` is asked for and kept with this setup.

        Setups are built, then only read, so a value derived from them stays true; a setup changed with
        ``dataclasses.replace`` starts with none (every round of every run reads, e.g., the pricing plan).
        """
        found = self._derived.get(name)
        if found is None:
            found = self._derived[name] = make(self)
        return found

    def observed(self) -> WorldState:
        """The state the dynamics are calibrated to: ``calibration``, else the starting state."""
        return self.calibration if self.calibration is not None else self.world

    def differences_beyond_runs(self, other: ModelSetup) -> list[str]:
        """The fields in which ``other`` differs from this setup beyond what a batch of runs holds per run
        (RUN_FIELDS: the starting state, the baseline of regard, interests, temperatures, actions per round,
        the action costs, the dynamics parameters and the scoring weights): runs of two setups that differ in
        nothing else can be played in one batch (sim.vector).
        Titles and texts are not compared; the observed state is ("calibration"). Values are compared as
        written out (:meth:`batch_key`): bit for bit, so 0.0 and -0.0 differ."""
        mine, theirs = self._field_keys(), other._field_keys()
        return [name for name, a, b in zip((*_COMPARED_FIELDS, "calibration"), mine, theirs, strict=True) if a != b]

    def batch_key(self) -> bytes:
        """The fields compared by :meth:`differences_beyond_runs` written out as bytes (kept with the setup):
        two setups with equal keys can play in one batch, found by a dict lookup."""
        return self.derived("batch key", lambda s: b"".join(s._field_keys()))

    def _field_keys(self) -> tuple[bytes, ...]:
        """Each compared field, then the observed state, written out as bytes (:func:`_key_parts`)."""

        def make(s: ModelSetup) -> tuple[bytes, ...]:
            out = []
            for value in (*(_compared(s, n) for n in _COMPARED_FIELDS), s.observed()):
                parts: list[bytes] = []
                _key_parts(value, parts)
                out.append(b"".join(len(p).to_bytes(8, "little") + p for p in parts))
            return tuple(out)

        return self.derived("field keys", make)

    def domestic_spec(self) -> DomesticSpec:
        return self.domestic if self.domestic is not None else DomesticSpec.default(self.n_actors)

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    def index(self, actor_id: str) -> int:
        return self.actor_ids.index(actor_id)


#: What a batch of runs holds per run, so that runs of setups differing only in these can play together
#: (the action costs as :func:`stack_action_costs` stacks them, the dynamics parameters and the scoring weights
#: as :func:`stack_params` does).
RUN_FIELDS = (
    "world",
    "baseline_relations",
    "interests",
    "tau",
    "actions_per_round",
    "action_cost",
    "dynamics",
    "scoring.weights",
)
# Compared neither way: texts no run reads, the observed state (compared as ModelSetup.observed), the cache.
_UNPLAYED_FIELDS = ("title", "summary", "briefings", "calibration", "_derived")
_COMPARED_FIELDS = tuple(f.name for f in fields(ModelSetup) if f.name not in RUN_FIELDS + _UNPLAYED_FIELDS)


def _key_parts(x: object, out: list[bytes]) -> None:
    """Append what ``x`` is to ``out``: arrays by dtype, shape and bytes,
    dataclasses by type and fields, tuples, lists and dicts by their items, anything else by type and repr."""
    if isinstance(x, np.ndarray):
        out += [b"array", str(x.dtype).encode(), repr(x.shape).encode(), np.ascontiguousarray(x).tobytes()]
    elif is_dataclass(x) and not isinstance(x, type):
        out += [b"dataclass", type(x).__qualname__.encode()]
        for f in fields(x):
            out.append(f.name.encode())
            _key_parts(getattr(x, f.name), out)
        out.append(b"end")
    elif isinstance(x, (tuple, list)):
        out += [type(x).__name__.encode(), str(len(x)).encode()]
        for item in x:
            _key_parts(item, out)
    elif isinstance(x, dict):
        out += [b"dict", str(len(x)).encode()]
        for key, value in x.items():
            _key_parts(key, out)
            _key_parts(value, out)
    else:
        out += [type(x).__qualname__.encode(), repr(x).encode()]


def _compared(setup: ModelSetup, name: str) -> object:
    """What of field ``name`` a batch cannot hold per run: the scoring spec without its weights, else the field."""
    if name == "scoring":
        return tuple((f.name, getattr(setup.scoring, f.name)) for f in fields(ScoringSpec) if f.name != "weights")
    return getattr(setup, name)


def stack_params[P: (DynamicsParams, ScoringWeights)](values: Sequence[P]) -> P:
    """The parameters of R runs as one record: a field equal (bit for bit) in every run keeps its float, a
    field that differs holds the runs' values as an (R,) array. The rules read a field through
    :func:`per_run`, and float arithmetic on an array's elements gives the bits it gives on the floats."""
    first = values[0]
    out: dict[str, RunFloat] = {}
    for f in fields(first):
        column = [getattr(v, f.name) for v in values]
        as_array = np.array(column, dtype=np.float64)
        same = all(np.float64(x).tobytes() == as_array[0].tobytes() for x in column)
        out[f.name] = getattr(first, f.name) if same else as_array
    return type(first)(**out)


def stack_action_costs(costs: Sequence[np.ndarray]) -> np.ndarray:
    """The action costs (A, N) of R runs as one array: the first run's where every run's are equal (bit for
    bit, as :func:`stack_params` compares), else the runs' costs stacked as (R, A, N). The pricing plan spreads
    either over the targets (sim.core.pricing), and a run's costs in an (R, A, N) stack are the bits of its own
    (A, N) array, so each run prices its moves as in a batch of its own."""
    first = costs[0]
    if all(c.dtype == first.dtype and c.shape == first.shape and c.tobytes() == first.tobytes() for c in costs):
        return first
    return np.stack([np.asarray(c, dtype=np.float64) for c in costs])


def held_per_run(setup: ModelSetup) -> list[str]:
    """What ``setup`` holds per run as a batch of runs makes it: ``action_cost`` where the runs' action costs
    differ (an (R, A, N) array, :func:`stack_action_costs`), then the dynamics parameters and scoring weights
    stacked as (R,) arrays (:func:`stack_params`), as ``dynamics.NAME`` / ``scoring.weights.NAME``: none in
    a setup of one run."""
    costs = ["action_cost"] if np.ndim(setup.action_cost) == 3 else []
    return costs + [
        f"{prefix}.{f.name}"
        for prefix, params in (("dynamics", setup.dynamics), ("scoring.weights", setup.scoring.weights))
        for f in fields(params)
        if isinstance(getattr(params, f.name), np.ndarray)
    ]


def per_run(value: RunFloat, ndim: int) -> RunFloat:
    """A parameter (:data:`RunFloat`) shaped to broadcast against arrays of ``ndim`` dimensions whose first axis
    is the runs: a float as it is, one value per run as (R, 1, ..., 1)."""
    if type(value) is float or not isinstance(value, np.ndarray) or ndim <= 1:
        return value
    return value.reshape(value.shape[:1] + (1,) * (ndim - 1))
