"""Fuzzing untrusted input: scenario files, save files and --sweep/--set text give a result or Pivot's own error.

Never anything else: no traceback, no other exception type, and every error line names its file (and,
for a scenario, its line and column). Example counts are fixed below (FUZZ_EXAMPLES, over 2,000 in all)
so the suite's time stays predictable, and every fuzzer checks, from Hypothesis's own statistics, that it
really ran that many; hypothesis keeps the failures it finds in .hypothesis/ and replays them first.
Each crash found here was fixed in the code and is kept as an @example. For a longer hunt,
multiply every count: ``PIVOT_FUZZ_SCALE=20 .venv/bin/python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.statistics import collector

from sim.batch.plan import parse_sets, parse_sweep
from sim.core import ModelSetup
from sim.play.session import GameSession, SaveError, load_session
from sim.scenario import Scenario, ScenarioError, build_setup, load_scenario
from sim.scenario.loader import validate_document
from sim.scenario.overrides import OverrideError, parse_scalar, parse_values, split_assignment
from sim.scenario.strict_yaml import parse
from sim.ui import library
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TEXTS = {p.name: p.read_text() for p in SCENARIOS}

#: Examples per test; each test asserts that Hypothesis ran at least its count (see fuzz()).
FUZZ_EXAMPLES = {
    "random_yaml_pieces": 400,
    "random_text": 200,
    "random_documents": 300,
    "mutated_scenarios": 700,
    "mutated_saves": 250,
    "random_saves": 100,
    "sweep_values": 400,
    "assignments": 200,
    "batch_cli": 60,
}


SCALE = max(1, int(os.environ.get("PIVOT_FUZZ_SCALE", "1")))


def examples_run(statistics: dict[str, Any]) -> int:
    """Valid examples Hypothesis ran in its reuse and generate phases, from its own run statistics."""
    return sum(
        case["status"] == "valid"
        for phase in ("reuse-phase", "generate-phase")
        for case in statistics.get(phase, {}).get("test-cases", [])
    )


def counted(wanted: int, test: Any) -> Any:
    """``test`` (a Hypothesis test) that fails unless Hypothesis's statistics show ``wanted`` valid examples run."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        noted: list[dict[str, Any]] = []
        outer = collector.value  # the pytest plugin's (for --hypothesis-show-statistics): keep it informed

        def note(statistics: dict[str, Any]) -> None:
            noted.append(statistics)
            if outer is not None:
                outer(statistics)

        with collector.with_value(note):
            test(*args, **kwargs)
        assert noted, "Hypothesis reported no statistics"
        ran = examples_run(noted[-1])
        assert ran >= wanted, f"Hypothesis ran {ran} examples, not {wanted}: {noted[-1].get('stopped-because')}"

    return run


def fuzz(name: str) -> Any:
    """Settings for the fuzzer ``name``, and the check that it ran its FUZZ_EXAMPLES count."""
    wanted = FUZZ_EXAMPLES[name] * SCALE

    def decorate(test: Any) -> Any:
        configured = settings(
            max_examples=wanted,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        )(test)
        return counted(wanted, configured)

    return decorate


def test_the_fuzzers_ask_for_at_least_2000_examples_and_the_count_check_can_fail() -> None:
    """The counts add up to 2,000+, and a fuzzer that cannot find its count (two booleans, 5 wanted) fails."""
    assert sum(FUZZ_EXAMPLES.values()) >= 2000

    @settings(max_examples=5, database=None)
    @given(st.booleans())
    def two_values(flag: bool) -> None:
        assert flag in (True, False)

    with pytest.raises(AssertionError, match=r"Hypothesis ran 2 examples, not 5"):
        counted(5, two_values)()
    counted(2, two_values)()


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    """A fresh folder per example, so an example never sees another's files (and extends finds the library)."""
    with tempfile.TemporaryDirectory(prefix="pivot-fuzz-") as name:
        yield Path(name)


# -- scenario files --------------------------------------------------------------------------------------

#: `file:line:col: ...` or `file: ...`, on one line.
LOCATED = re.compile(r"^(?P<file>[^\n]+?)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<message>[^\n]+)$")
LIBRARY_FILES = {str(p) for p in SCENARIOS} | {f"scenarios/{p.name}" for p in SCENARIOS}


def assert_loads_or_fails_cleanly(load: Callable[[], Scenario], files: set[str]) -> Scenario | None:
    """``load()`` gives a scenario that builds, or a ScenarioError whose every line is located in ``files``."""
    try:
        scenario = load()
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError lists at least one problem"
        for problem in exc.problems:
            match = LOCATED.match(str(problem))
            assert match, f"not one located line: {problem!s}"
            assert match["file"] in files | LIBRARY_FILES, f"names a file it should not: {problem!s}"
        event("refused: " + ("YAML" if "YAML" in str(exc) else "schema"))
        return None
    event("loaded")
    assert isinstance(scenario, Scenario)
    build_setup(scenario)  # a valid scenario must also build
    return scenario


def _parse_and_validate(text: str) -> None:
    assert_loads_or_fails_cleanly(lambda: validate_document(parse(text, "fuzz.yaml")), {"fuzz.yaml"})


YAML_PIECES = st.sampled_from(
    [
        *("a", "meta", "actors", "rounds", "scoring", "gdp", "extends", "events", "sweep", "id", "title"),
        *(":", ": ", "-", "- ", "\n", "  ", "\t", "[", "]", "{", "}", ",", "?", "|", ">", "<<", "\\", "'", '"'),
        *("&x", "*x", "!!", "!t", "!!python/object/apply:os.system", "!!binary", "#", "%YAML 1.1\n", "---\n"),
        *("...\n", "1", "1e3", "-0.5", ".inf", "-.inf", ".nan", "1e999", "9" * 120, "0x1F", "0o17", "yes", "no"),
        *("null", "~", "\x00", "\x85", "é", "\u2028", "\ufeff", "medvedev_visit_2015", "../x.yaml", "/etc/passwd"),
    ]
)


@fuzz("random_yaml_pieces")
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
@example("a: " + "9" * 5000)  # int() of > 4,300 digits raised ValueError
@example("a: 0o" + "7" * 5000)
@example("a: \ud800")  # a lone surrogate: UnicodeEncodeError inside libyaml
@example("\x00")  # PyYAML's ReaderError: a message over two lines, without a position
def test_random_yaml_documents_load_or_fail_cleanly(text: str) -> None:
    _parse_and_validate(text)


@fuzz("random_text")
@given(st.text(max_size=300))
def test_random_text_loads_or_fails_cleanly(text: str) -> None:
    _parse_and_validate(text)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["cambodia", "russia", "china", "us", "eu", "asean", "2015-Q4", "state_visit", "final"]),
)
KEYS = st.one_of(
    st.sampled_from(
        [
            *("meta", "id", "title", "actors", "relations", "scoring", "rounds", "trade", "sanctions", "events"),
            *("objectives", "briefing", "expect", "sweep", "calendar", "dynamics", "policy", "tau", "gdp"),
            *("cambodia", "russia", "china", "at_round", "effects", "condition", "path", "values", "focal"),
        ]
    ),
    st.text(min_size=1, max_size=8),
)
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5))


@fuzz("random_documents")
@given(st.dictionaries(KEYS, DATA, max_size=8), st.booleans())
@example({"bool": None}, False)  # a key named like a pydantic union branch was dropped from the location
@example({"\n": None}, False)  # a key with a line break broke the error over two lines
def test_random_scenario_shaped_documents_load_or_fail_cleanly(data: dict[str, Any], flow: bool) -> None:
    _parse_and_validate(yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True))


HOSTILE_VALUES = [
    *("!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!custom x", "!!str 1", "!!binary aGk="),
    *("&anchor 1", "*anchor", "*undefined", "<<: *a", "1e999", "-1e999", ".nan", ".inf", "-.inf", "9" * 200),
    *("0x" + "f" * 300, "-0", "1_000", "0.1e-400", "[]", "{}", "[[[[[[", "~", "''", '"\\x00"', "|", ">-"),
    *("yes", "no", "on", "2015-Q4", "2015-11-24", "medvedev_visit_2015", "../../x.yaml", "/etc/passwd"),
    *("https://example.org/x.yaml", "\t1", "true", "-1", "1e308", "0.0000001", "1000000000"),
]


@st.composite
def mutated_scenario(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped scenario with 1 to 4 edits: lines deleted, doubled, replaced or swapped; characters flipped;
    values swapped or replaced by hostile ones (tags, anchors, aliases, tabs, huge numbers, NaN, inf)."""
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "double", "replace", "swap", "flip", "swap_values", "hostile", "insert"]))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "double":
            lines.insert(i, lines[i])
        elif op == "replace":
            lines[i] = lines[draw(st.integers(0, len(lines) - 1))]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "flip" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            char = draw(st.one_of(st.sampled_from(list(":-[]{}&*!#|>'\"\t ,?%@`\\0.e")), st.characters()))
            lines[i] = lines[i][:k] + char + lines[i][k + 1 :]
        elif op in ("swap_values", "hostile"):
            valued = [k for k, line in enumerate(lines) if re.match(r"^\s*[-\w]+: \S", line)]
            if valued:
                a = valued[draw(st.integers(0, len(valued) - 1))]
                key, _, value = lines[a].partition(": ")
                if op == "hostile":
                    value = draw(st.sampled_from(HOSTILE_VALUES))
                else:
                    b = valued[draw(st.integers(0, len(valued) - 1))]
                    value = lines[b].partition(": ")[2]
                lines[a] = f"{key}: {value}"
        elif op == "insert":
            indent = " " * draw(st.integers(0, 8))
            lines.insert(i, indent + draw(st.sampled_from(HOSTILE_VALUES)))
    return name, "\n".join(lines) + "\n"


@fuzz("mutated_scenarios")
@given(mutated_scenario())
@example(("medvedev_visit_2015.yaml", "rounds: " + "9" * 5000 + "\n"))
# a syntax error, then a control character past libyaml's first 16 KiB: the slower reader's ReaderError escaped
@example(("tutorial.yaml", "a: b\n!!x\n  c: d\n" + "#" * 20_000 + "\n\x1f\n"))
# a lone surrogate (st.characters() draws them): written as the invalid UTF-8 bytes a real file would hold
@example(("medvedev_visit_2015.yaml", TEXTS["medvedev_visit_2015.yaml"].replace("title:", "title: \ud800", 1)))
def test_mutated_shipped_scenarios_load_or_fail_cleanly(case: tuple[str, str]) -> None:
    name, text = case
    with folder() as here:
        path = here / name
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        assert_loads_or_fails_cleanly(lambda: load_scenario(path), {str(path)})


# -- save files -------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _cached_setup(ref: str) -> ModelSetup:
    return library.load_setup(ref)


def load_setup(ref: Any) -> ModelSetup:
    """The game's own loader, cached for library names (loading a scenario is most of a replay's time)."""
    if isinstance(ref, str) and ref in {p.stem for p in SCENARIOS}:
        return _cached_setup(ref)
    return library.load_setup(ref)


@lru_cache(maxsize=1)
def real_save() -> str:
    """A save written by a short game: a player's orders, an AI round, a hand-over, an event, a rewind."""
    setup = _cached_setup("tutorial")
    session = GameSession.start(setup, "tutorial", seed=5, player="cambodia")
    session.play_round({"cambodia": [("state_visit", "china", None)]})
    session.switch("russia", "human")
    session.play_round({"cambodia": [("open_trade", "eu", None)], "russia": []})
    if setup.events:
        session.fire(setup.events[0].id)
    session.play_round({"cambodia": [], "russia": []})
    session = session.rewind(2)
    with folder() as here:
        return session.save(here / "game.json").read_text()


def assert_save_loads_or_fails_cleanly(text: str) -> None:
    with folder() as here:
        path = here / "game.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            session = load_session(path, load_setup)
        except SaveError as exc:
            message = str(exc)
            assert message.startswith(f"{path}:") and "\n" not in message, message
            event("refused")
            return
        event("loaded")
        assert isinstance(session, GameSession) and 0 <= session.round <= session.setup.rounds


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
SAVE_KEYS = ["format", "version", "scenario", "scenario_id", "seed", "player", "round", "digest", "commands", "forks"]
ODD_VALUES = st.one_of(
    JSON,
    st.sampled_from(
        [
            *(-1, 2**70, 1.5, True, "", "\x00", "../../etc/passwd", "/dev/zero", "tutorial", "medvedev_visit_2015"),
            *("x" * 5000, "cambodia", "nobody", "human", "ai", "step", "orders", "fire", "control"),
            *({"op": "step"}, {"op": "orders", "actor": "cambodia", "moves": [["state_visit", "china", None]]}),
            *({"op": "orders", "actor": 3, "moves": [["x", 1, 2]]}, {"op": "control", "actor": "us"}),
            *({"op": "fire", "event": None}, {"to_round": "a", "from_round": 1}, [{"op": "step"}] * 30),
        ]
    ),
)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _paths(value, (*at, k))


@st.composite
def mutated_save(draw: st.DrawFn) -> str:
    """A real save with 1 to 3 edits to its JSON (a value replaced or deleted, a key added) or to its text."""
    data = json.loads(real_save())
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        where = draw(st.sampled_from(paths))
        parent = data
        for key in where[:-1]:
            parent = parent[key]
        op = draw(st.sampled_from(["replace", "delete", "add"]))
        if op == "replace":
            parent[where[-1]] = copy.deepcopy(draw(ODD_VALUES))  # a drawn value is never edited in place
        elif op == "delete":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(SAVE_KEYS))] = copy.deepcopy(draw(ODD_VALUES))
        else:
            parent.insert(where[-1], copy.deepcopy(draw(ODD_VALUES)))
    text = json.dumps(data, indent=1)
    if draw(st.booleans()):  # damage the text as a broken download or editor would
        k = draw(st.integers(0, len(text)))
        text = text[:k] + draw(st.text(max_size=4)) + text[k + draw(st.integers(0, 6)) :]
    return text


def _save_with_sector(sector: object) -> str:
    """The real save with its first order's sector replaced (a hand-edited or damaged file)."""
    data = json.loads(real_save())
    data["commands"][0]["moves"][0][2] = sector
    return json.dumps(data)


def _save_with_target(target: object) -> str:
    """The real save with its first order's target replaced."""
    data = json.loads(real_save())
    data["commands"][0]["moves"][0][1] = target
    return json.dumps(data)


@fuzz("mutated_saves")
@given(mutated_save())
@example(_save_with_target(True))  # a bool target was read as actor 1 and failed deep in the rules (TypeError)
@example(_save_with_target(99))  # an actor number past the scenario's actors
@example(_save_with_sector(2**70))  # a sector number past int64 reached the model's draw names (OverflowError)
@example(_save_with_sector(-1))  # a negative sector number is refused, not read as the last sector
def test_mutated_save_files_load_or_fail_cleanly(text: str) -> None:
    assert_save_loads_or_fails_cleanly(text)


def test_the_real_save_loads() -> None:
    session = load_session_text(real_save())
    assert session.round == 2 and session.humans() == ["cambodia", "russia"]


def load_session_text(text: str) -> GameSession:
    with folder() as here:
        path = here / "game.json"
        path.write_text(text)
        return load_session(path, load_setup)


@fuzz("random_saves")
@given(st.one_of(JSON.map(json.dumps), st.dictionaries(st.sampled_from(SAVE_KEYS), ODD_VALUES).map(json.dumps)))
def test_random_json_save_files_load_or_fail_cleanly(text: str) -> None:
    assert_save_loads_or_fails_cleanly(text)


# -- --sweep and --set -----------------------------------------------------------------------------------

NUMBERISH = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e400", "-1e308", "1e308", "9" * 200, ".5", "5.", "+3", "-0", "nan", "inf", "0x10", ""]),
    st.text(alphabet="0123456789.eE+-:, ", max_size=12),
)
VALUES = st.one_of(
    st.lists(NUMBERISH, min_size=1, max_size=4).map(",".join),
    st.tuples(NUMBERISH, NUMBERISH, NUMBERISH).map(":".join),
    st.text(max_size=30),
)


@fuzz("sweep_values")
@given(VALUES)
@example("9" * 5000)  # int() of > 4,300 digits raised ValueError
@example("1:2:" + "9" * 5000)
@example("-1e308:1e308:3")  # linspace overflowed (a RuntimeWarning, an error under pytest)
def test_sweep_values_give_a_list_or_an_override_error(text: str) -> None:
    try:
        values = parse_values(text)
    except OverrideError as exc:
        assert "\n" not in str(exc) and str(exc)
        event("refused")
        return
    event("values")
    assert 1 <= len(values) <= 10_000
    assert all(v is None or isinstance(v, (bool, int, float, str)) for v in values)


PATHS = st.one_of(
    st.sampled_from(["actors.russia.policy.tau", "sanctions.us.russia", "rounds", "events.0.chance", "a..b", ""]),
    st.text(max_size=20),
)


@fuzz("assignments")
@given(st.tuples(PATHS, st.sampled_from(["=", "", "==", " = "]), VALUES).map("".join))
@example("rounds=" + "9" * 5000)
def test_sweep_and_set_assignments_parse_or_fail_in_one_line(text: str) -> None:
    try:
        path, values = split_assignment(text)
    except OverrideError as exc:
        assert "\n" not in str(exc)
    else:
        assert path and "=" not in path
        with contextlib.suppress(OverrideError):
            parse_scalar(values)
    for parser, origin in ((parse_sweep, "--sweep"), (lambda t: parse_sets([t]), "--set")):
        try:
            parser(text)
        except ScenarioError as exc:
            assert len(exc.problems) == 1 and str(exc).startswith(f"{origin} ") and "\n" not in str(exc)


def run_main(*argv: str) -> tuple[int, str, str]:
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own exit on a bad option
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def blocked_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file where batch wants a results folder: a sweep that plans is refused there, before anything runs."""
    path = tmp_path_factory.mktemp("batch") / "not_a_folder"
    path.write_text("")
    return path


@fuzz("batch_cli")
@given(st.one_of(VALUES, st.tuples(PATHS, st.just("="), VALUES).map("".join)))
@example("actors.russia.policy.tau=0.05,0.5")
@example("rounds=" + "9" * 5000)
@example("sanctions.us.russia=-1e308:1e308:3")
def test_batch_sweep_option_gives_one_line_never_a_traceback(blocked_out: Path, text: str) -> None:
    argv = ["batch", "tutorial", "--runs", "1", "--seed", "1", "--sweep", text, "--out", str(blocked_out)]
    code, _, err = run_main(*argv)
    lines = err.strip().splitlines()
    event(f"exit {code}: " + ("planned, then refused the --out file" if "not_a_folder" in err else "refused"))
    assert code in (1, 2), err
    assert len(lines) == 1 and "Traceback" not in err, err
    if code == 2 and not text.startswith("-"):  # argparse reads a leading '-' as an option
        assert lines[0].startswith("error: ")
