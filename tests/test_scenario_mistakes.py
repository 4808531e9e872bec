"""Authoring mistakes, one named case each: the exact file, line, column and message a user sees, never a traceback.

Each case is a small file in tests/data/mistakes/ (NN_name.yaml) whose last lines state the mistake
(``# mistake:``) and every problem it must produce (``# expect:``), paths relative to the project root.
The guide's list of common mistakes (docs/scenario-authoring.md) is generated from the same files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import load_document, validate_document
from sim.scenario.strict_yaml import parse
from tests.conftest import BASE_FILE, ROOT, run_cli

MISTAKES = ROOT / "tests" / "data" / "mistakes"
CASES = sorted(p for p in MISTAKES.glob("*.yaml") if re.match(r"\d\d_", p.name))


def expected_lines(case: Path) -> list[str]:
    return [line.removeprefix("# expect: ") for line in case.read_text().splitlines() if line.startswith("# expect: ")]


def problems_of(relative: str) -> list[str]:
    try:
        validate_document(load_document(relative))
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_there_are_at_least_twenty_distinct_mistakes() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert "# mistake: " in case.read_text(), f"{case.name} does not say what the mistake is"
        assert expected_lines(case), f"{case.name} does not say what error it gives"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_mistake_gives_the_exact_located_message(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert problems_of(str(case.relative_to(ROOT))) == expected_lines(case)


def test_validate_reports_every_case_in_one_call_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli("validate", *(str(c.relative_to(ROOT)) for c in CASES), "tests/data/mistakes/small_base.yaml")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    for case in CASES:
        for line in expected_lines(case):
            assert line in errors, f"{case.name}: {line!r} missing from validate's output"
    assert result.stdout.splitlines() == [
        "tests/data/mistakes/small_base.yaml: valid: small_base 'Small base', 3 actors (2 playable), "
        "4 rounds from 2015-Q4, 0 events, 1 objective, 0 briefings, 0 expectations"
    ]
    assert errors[-1] == f"{len(CASES) + 1} files: 1 valid, {len(CASES)} with problems"


@pytest.mark.parametrize("word", ["no", "on", "yes", "off", "NO", "Yes"])
def test_yes_no_on_stay_text_where_text_is_meant(word: str, tmp_path: Path) -> None:
    """The Norway problem: in YAML 1.1 these are booleans; in scenario files they stay what was written."""
    path = tmp_path / "words.yaml"
    path.write_text(
        f"extends: {BASE_FILE.stem}\nmeta: {{id: words, title: {word}, summary: {word}}}\n"
        f"dimensions:\n  - {{id: democracy, label: {word}}}\n"
        "  - {id: sovereignty}\n  - {id: multipolarity}\n  - {id: open_trade}\n  - {id: security}\n"
    )
    scenario = load_scenario(path)
    assert scenario.meta.title == word and scenario.meta.summary == word
    assert scenario.dimensions[0].label == word


def test_booleans_are_true_and_false_only() -> None:
    data = parse("a: true\nb: False\nc: yes\nd: ~\ne: 1e3\nf: 0x1F\n", "x.yaml").data
    assert data == {"a": True, "b": False, "c": "yes", "d": None, "e": 1000.0, "f": 31}


_BASE_LINES = BASE_FILE.read_text().splitlines()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    line=st.integers(min_value=0, max_value=len(_BASE_LINES) - 1),
    how=st.sampled_from(["delete", "duplicate", "truncate", "tab", "garble", "negate", "quote"]),
    cut=st.integers(min_value=0, max_value=60),
)
def test_no_edit_of_the_base_file_gives_a_traceback(line: int, how: str, cut: int, tmp_path: Path) -> None:
    """Whatever one edit does to a valid file, loading either succeeds or raises ScenarioError with located lines."""
    lines = list(_BASE_LINES)
    text = lines[line]
    match how:
        case "delete":
            del lines[line]
        case "duplicate":
            lines.insert(line, text)
        case "truncate":
            lines[line] = text[:cut]
        case "tab":
            lines[line] = "\t" + text
        case "garble":
            lines[line] = text[:cut] + "{[:" + text[cut:]
        case "negate":
            lines[line] = re.sub(r"(\d+\.\d+)", r"-\1", text)
        case "quote":
            lines[line] = re.sub(r": (\S+)$", r': "\1"', text)
    path = tmp_path / "edited.yaml"
    path.write_text("\n".join(lines) + "\n")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert str(problem).startswith(str(path)) and problem.message


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=20),
    st.floats(min_value=-3, max_value=3, allow_nan=False),
    st.sampled_from(["cambodia", "russia", "us", "nobody", "trade", "cancel_debt", "state_visit", "", "x.y", "final"]),
)
_KEYS = st.sampled_from(
    [
        "id",
        "title",
        "at_round",
        "when",
        "effects",
        "set",
        "add",
        "force_move",
        "actor",
        "action",
        "target",
        "sector",
        "value",
        "relations",
        "pair",
        "sign_agreement",
        "condition",
        "hedging",
        "at_least",
        "all",
        "not",
        "timing",
        "mean",
        "holds",
        "above_base_by",
        "alignment",
        "path",
        "values",
        "range",
        "low",
        "high",
        "steps",
        "cambodia",
        "playable",
        "script",
        "round",
        "description",
        "weight",
        "end_scenario",
    ]
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None)
@given(
    section=st.sampled_from(["events", "objectives", "expect", "sweep", "briefing", "actors", "scoring"]), value=_VALUES
)
def test_random_sections_in_an_overlay_never_give_a_traceback(section: str, value: object) -> None:
    """Any structure under a section of an overlay is either valid or a list of located problems."""
    import json

    from sim.scenario.extends import merge

    base = load_document(BASE_FILE)
    text = f"extends: {BASE_FILE.name}\nmeta: {{id: fuzz, title: Fuzz}}\n{section}: {json.dumps(value)}\n"
    overlay = parse(text, str(BASE_FILE.parent / "fuzz.yaml"))
    try:
        scenario = validate_document(merge(base, overlay))
    except ScenarioError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
    else:
        from sim.scenario import build_setup

        build_setup(scenario)
