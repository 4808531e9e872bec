"""A batch plan as plain data: one scenario (by content hash) x parameter points x seeds from a SeedSequence.

Run ``(point p, seed index k)`` plays the scenario with point p's overrides and the random stream
``SeedSequence(seed, spawn_key=(k,))`` -- the k-th child of ``SeedSequence(seed).spawn``. Every point uses
the same children (common random numbers), so differences between points are not seed noise. The plan
is written to ``DIR/plan.json`` before any run, and its fingerprint decides whether a folder's runs may
be resumed or mixed: the number of seeds may grow (``--runs``, ``--until-ci``), nothing else may change.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim import __version__, seeds
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.fingerprint import content_hash, scenario_hash
from sim.scenario.loader import validate_overrides, validate_point
from sim.scenario.overrides import (
    OverrideError,
    Value,
    format_value,
    parse_scalar,
    parse_values,
    split_assignment,
)
from sim.scenario.schema import Scenario
from sim.scenario.strict_yaml import Document
from sim.seeds import seed_problem

PLAN_FORMAT = "pivot-batch-plan/1"
DEFAULT_RUNS = 100


run_seed = seeds.run_seed  # run k's seed, from its one home (sim.seeds)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One swept scenario value: its dotted path and the values it takes."""

    path: str
    values: tuple[Value, ...]
    origin: str = ""  # where it was asked for: "--sweep ..." or "file:line:col: sweep.parameters.k"
    linked: tuple[str, ...] = ()  # more paths that take the same value at every point (--sweep-together)

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path this parameter sets: its own, then the linked ones."""
        return (self.path, *self.linked)

    @property
    def label(self) -> str:
        """How the parameter is named in tables and figures: its paths joined by '+'."""
        return "+".join(self.paths)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"path": self.path, "values": list(self.values)}
        if self.linked:  # only when used, so plans written before linked sweeps keep their fingerprint
            doc["linked"] = list(self.linked)
        return doc


@dataclass(frozen=True, slots=True)
class ScenarioRef:
    """The scenario a plan plays: as the user named it, its id, content hash and merged raw data.

    ``observed`` is the raw data of the observed state the runs are calibrated to, when it is not ``data``
    itself (an overlay calibrated to its base: sim.scenario.calibration); every point's overrides are
    counterfactuals of it, and the hash covers it.
    """

    source: str
    id: str
    hash: str
    data: dict[str, Any] = field(repr=False, compare=False)
    file: str = ""  # the file it was read from (for positions in messages)
    observed: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, document: Document, source: str, scenario_id: str) -> ScenarioRef:
        """The reference of a loaded (merged) document, with its observed state if it has its own."""
        observed = document.observed
        return cls(source, scenario_id, scenario_hash(document.data, observed), document.data, document.file, observed)

    def document(self) -> Document:
        observed = None if self.observed is None else copy.deepcopy(self.observed)
        return Document(self.file or self.source, copy.deepcopy(self.data), {}, {}, observed=observed)


@dataclass(slots=True)
class Plan:
    """Runs = scenario x points (the grid of parameters) x seed indices 0..runs[p]-1."""

    scenario: ScenarioRef
    seed: int
    fixed: dict[str, Value]  # overrides applied at every point (--set, --rounds)
    parameters: tuple[Parameter, ...]
    runs: list[int]  # seeds per point; may grow, never shrink
    trajectories: bool = False
    engine: str = f"pivot {__version__}"
    # Explicit points (one row of values per point, in the parameters' order) instead of their grid:
    # sensitivity designs sample the space rather than crossing every value.
    design: tuple[tuple[Value, ...], ...] | None = None
    _points: list[dict[str, Value]] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def points(self) -> list[dict[str, Value]]:
        """Every point's parameter values: the design's rows, or every combination of the parameters'
        values with the first parameter varying slowest."""
        if self._points is None:
            rows = self.design if self.design is not None else itertools.product(*(p.values for p in self.parameters))
            if not self.parameters:
                self._points = [{}]
            else:
                self._points = [
                    {path: value for p, value in zip(self.parameters, row, strict=True) for path in p.paths}
                    for row in rows
                ]
        return self._points

    @property
    def paths(self) -> list[str]:
        """Every swept path, linked ones included (one ``param.PATH`` column each)."""
        return [path for p in self.parameters for path in p.paths]

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def total_runs(self) -> int:
        return sum(self.runs)

    def overrides(self, point: int) -> dict[str, Value]:
        """Everything a point changes in the scenario data (fixed values first, then the point's)."""
        return {**self.fixed, **self.points[point]}

    def identity(self) -> dict[str, Any]:
        """What makes two folders' runs the same runs (everything but how many seeds)."""
        return {
            "engine": self.engine,
            "scenario_hash": self.scenario.hash,
            "seed": self.seed,
            "fixed": self.fixed,
            "parameters": [p.to_json() for p in self.parameters],
            "trajectories": self.trajectories,
            "design": None if self.design is None else [list(row) for row in self.design],
        }

    @property
    def fingerprint(self) -> str:
        return content_hash(self.identity())[:16]

    def differences(self, other: Plan) -> list[str]:
        """Human-readable differences in identity between two plans."""
        mine, theirs = self.identity(), other.identity()
        out = []
        for key, value in mine.items():
            if theirs[key] != value:
                before, after = (str(v)[:12] if key == "scenario_hash" else json.dumps(v) for v in (theirs[key], value))
                out.append(f"{key} {before} there vs {after} now")
        return out

    def reproduce_command(self, point: int, seed_index: int | str) -> str:
        """The `python run.py run ...` line that replays one run of this plan exactly."""
        words = ["python", "run.py", "run", self.scenario.source, "--seed", str(self.seed)]
        words += ["--seed-index", str(seed_index)]
        for path, value in self.overrides(point).items():
            words += ["--set", f"{path}={format_value(value)}"]
        return " ".join(shlex.quote(w) for w in words)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "engine": self.engine,
            "fingerprint": self.fingerprint,
            "scenario": {"source": self.scenario.source, "id": self.scenario.id, "hash": self.scenario.hash},
            "seed": self.seed,
            "seeds": "run (point p, seed index k) uses numpy SeedSequence(seed, spawn_key=(k,)), "
            "the k-th child of SeedSequence(seed).spawn; the same k at every point",
            "fixed": self.fixed,
            "parameters": [p.to_json() for p in self.parameters],
            "points": [{"point": k, "values": values} for k, values in enumerate(self.points)],
            "runs": list(self.runs),
            "trajectories": self.trajectories,
            "design": None if self.design is None else [list(row) for row in self.design],
        }

    @classmethod
    def from_json(
        cls, doc: Mapping[str, Any], data: dict[str, Any], file: str = "", observed: dict[str, Any] | None = None
    ) -> Plan:
        """A plan read back from plan.json, with the scenario data (and observed state, if any) saved beside it."""
        if doc.get("format") != PLAN_FORMAT:
            raise ValueError(f"not a Pivot batch plan (format {doc.get('format')!r}, expected {PLAN_FORMAT!r})")
        ref = doc["scenario"]
        plan = cls(
            scenario=ScenarioRef(ref["source"], ref["id"], ref["hash"], data, file, observed),
            seed=int(doc["seed"]),
            fixed=dict(doc["fixed"]),
            parameters=tuple(
                Parameter(p["path"], tuple(p["values"]), "plan.json", tuple(p.get("linked", ())))
                for p in doc["parameters"]
            ),
            runs=[int(n) for n in doc["runs"]],
            trajectories=bool(doc["trajectories"]),
            engine=str(doc["engine"]),
            design=None if doc.get("design") is None else tuple(tuple(row) for row in doc["design"]),
        )
        if len(plan.runs) != plan.n_points:
            raise ValueError(f"plan lists runs for {len(plan.runs)} points but its parameters make {plan.n_points}")
        return plan


# -- building a plan from what the user asked for ------------------------------------------------------


def parse_sweep(text: str) -> Parameter:
    """``--sweep PATH=VALUES`` -> Parameter (VALUES: a,b,c or low:high:steps)."""
    origin = f"--sweep {text}"
    try:
        path, values = split_assignment(text)
        parsed = parse_values(values)
        check_sweep_values(values, parsed)
    except OverrideError as exc:
        raise ScenarioError([Problem(origin, None, None, "", str(exc))]) from None
    return Parameter(path, tuple(parsed), origin)


def parse_sweep_together(text: str) -> Parameter:
    """``--sweep-together PATH,PATH,...=VALUES`` -> one Parameter whose paths all take each value together."""
    origin = f"--sweep-together {text}"
    try:
        paths_text, values = split_assignment_many(text)
        parsed = parse_values(values)
        check_sweep_values(values, parsed)
    except OverrideError as exc:
        raise ScenarioError([Problem(origin, None, None, "", str(exc))]) from None
    return linked_parameter(paths_text, tuple(parsed), origin)


def linked_parameter(paths: Sequence[str], values: tuple[Value, ...], origin: str) -> Parameter:
    """A Parameter over several paths that move together (refusing a path named twice)."""
    if len(set(paths)) != len(paths):
        raise ScenarioError([Problem(origin, None, None, "", "each path may appear once in a linked sweep")])
    return Parameter(paths[0], values, origin, tuple(paths[1:]))


def split_assignment_many(text: str) -> tuple[list[str], str]:
    """``a,b,c=VALUES`` -> ([a, b, c], VALUES text); every path is checked for shape."""
    head, sep, values = text.partition("=")
    paths = [p.strip() for p in head.split(",") if p.strip()]
    if not sep or not values.strip() or not paths:
        raise OverrideError(
            f"expected PATH,PATH=VALUES, e.g. sanctions.us.russia,sanctions.eu.russia=0:1:5 (got {text!r})"
        )
    if len(paths) < 2:
        raise OverrideError(f"--sweep-together links two or more paths (got only {paths[0]}); use --sweep for one")
    for path in paths:
        split_assignment(f"{path}=0")
    return paths, values


def check_sweep_values(text: str, values: Sequence[Value]) -> None:
    """Refuse a sweep that cannot mean what it says: no values, a repeated value (its runs would be counted
    twice), or a low:high:steps range whose high is below its low (write it low to high)."""
    if not values:
        raise OverrideError("a sweep needs at least one value: a,b,c or low:high:steps")
    parts = text.split(":")
    if len(parts) == 3 and len(values) > 1:
        low, high = values[0], values[-1]
        if isinstance(low, int | float) and isinstance(high, int | float) and high < low:
            raise OverrideError(
                f"high {parts[1].strip()} is below low {parts[0].strip()} in low:high:steps: "
                f"write {parts[1].strip()}:{parts[0].strip()}:{parts[2].strip()}"
            )
    seen: set[str] = set()
    for value in values:
        key = format_value(value)
        if key in seen:
            raise OverrideError(f"the value {key} is listed twice: each sweep value may appear once (got {text!r})")
        seen.add(key)


def parse_sets(texts: Sequence[str]) -> dict[str, Value]:
    """``--set PATH=VALUE`` options -> overrides (later ones win)."""
    out: dict[str, Value] = {}
    for text in texts:
        try:
            path, value = split_assignment(text)
            out[path] = parse_scalar(value)
        except OverrideError as exc:
            raise ScenarioError([Problem(f"--set {text}", None, None, "", str(exc))]) from None
    return out


def sweep_section(document: Document, scenario: Scenario) -> tuple[tuple[Parameter, ...], int | None]:
    """The parameters and runs of the scenario's own `sweep:` section (validated with the rest of the file)."""
    if not isinstance(document.data, dict) or "sweep" not in document.data:
        return (), None
    parameters = []
    for k, item in enumerate(scenario.sweep.parameters):
        line, col = document.where(("sweep", "parameters", k))
        origin = f"{document.file}:{line}:{col}: sweep.parameters.{k}"
        parameters.append(Parameter(item.path, tuple(item.points()), origin, linked=tuple(item.together)))
    runs = scenario.sweep.runs if "runs" in (document.data.get("sweep") or {}) else None
    return tuple(parameters), runs


def build_plan(
    document: Document,
    source: str,
    *,
    seed: int,
    runs: int | None = None,
    sweeps: Sequence[Parameter] = (),
    fixed: Mapping[str, Value] | None = None,
    trajectories: bool = False,
) -> Plan:
    """Check every point of the grid against the schema and return the plan (nothing runs yet).

    Without ``sweeps``, the scenario's own `sweep:` section is used; ``runs`` defaults to its
    `sweep.runs`, else DEFAULT_RUNS seeds per point.
    """
    problem = seed_problem(seed)
    if problem:
        raise ScenarioError([Problem("--seed", None, None, "", problem)])
    base = validate_point(document)
    section, section_runs = sweep_section(document, base)
    parameters = tuple(sweeps) if sweeps else section
    seen: dict[str, str] = {}
    for p in parameters:
        for path in p.paths:
            if path in seen:
                raise ScenarioError([Problem(p.origin, None, None, "", f"{path} is already swept by {seen[path]}")])
            seen[path] = p.origin
    fixed = dict(fixed or {})
    if fixed:
        validate_overrides(document, fixed, "--set " + " ".join(f"{k}={format_value(v)}" for k, v in fixed.items()))
    for p in parameters:  # each value alone, so an error names the one that is wrong
        for value in p.values:
            for path in p.paths:
                validate_overrides(document, {**fixed, path: value}, f"{p.origin} ({path}={format_value(value)})")
    per_point = runs if runs is not None else (section_runs or DEFAULT_RUNS)
    plan = Plan(
        scenario=ScenarioRef.of(document, source, base.meta.id),
        seed=seed,
        fixed=fixed,
        parameters=parameters,
        runs=[],
        trajectories=trajectories,
    )
    plan.runs = [per_point] * plan.n_points
    if len(plan.paths) > 1:  # combinations can break rules that single values keep (salience sums, ...)
        for k, overrides in enumerate(plan.points):
            validate_overrides(document, {**fixed, **overrides}, f"sweep point {k} {overrides}")
    return plan


# -- chunks of work ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive seed indices of one or more points, sent to a worker as one task."""

    segments: tuple[tuple[int, int, int], ...]  # (point, first seed index, stop)

    @property
    def size(self) -> int:
        return sum(stop - start for _, start, stop in self.segments)

    @property
    def name(self) -> str:
        """A name unique to the runs it holds (so a retried chunk overwrites, never duplicates)."""
        point, start, _ = self.segments[0]
        digest = hashlib.sha1(repr(self.segments).encode()).hexdigest()[:8]
        return f"part-p{point:05d}-s{start:09d}-n{self.size:05d}-{digest}"

    def runs(self) -> Iterator[tuple[int, int]]:
        for point, start, stop in self.segments:
            for k in range(start, stop):
                yield point, k

    def split(self) -> list[Chunk]:
        """One chunk per run (to isolate a run that kills its worker)."""
        return [Chunk(((p, k, k + 1),)) for p, k in self.runs()]


def pending_chunks(runs: Sequence[int], done: Sequence[np.ndarray], size: int) -> Iterator[Chunk]:
    """Chunks of at most ``size`` runs covering every unfinished (point, seed index), in plan order.

    Small points share a chunk, so that per-task overhead stays small when each point has few seeds.
    """
    segments: list[tuple[int, int, int]] = []
    filled = 0
    for point, n in enumerate(runs):
        finished = done[point]
        k = 0
        while k < n:
            if k < len(finished) and finished[k]:
                k += 1
                continue
            stop = k
            while stop < n and stop - k < size - filled and not (stop < len(finished) and finished[stop]):
                stop += 1
            segments.append((point, k, stop))
            filled += stop - k
            k = stop
            if filled >= size:
                yield Chunk(tuple(segments))
                segments, filled = [], 0
    if segments:
        yield Chunk(tuple(segments))


def chunk_size_for(pending: int, workers: int) -> int:
    """Runs per chunk: about eight chunks per worker for load balance, 8..250 runs so overhead stays small."""
    return max(8, min(250, -(-pending // max(1, workers * 8))))
