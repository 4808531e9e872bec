"""Untrusted scenario files: only safe loading, refused tags, alias bombs, size and depth limits, fuzzing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import validate_document
from sim.scenario.strict_yaml import MAX_BYTES, parse

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "medvedev_visit_2015.yaml"
UNSAFE = re.compile(
    r"yaml\.(unsafe_load|full_load|load_all|load)\s*\(|UnsafeLoader|FullLoader|yaml\.Loader\b|\beval\(|\bexec\(|"
    r"pickle\.loads?\(|marshal\.loads?\("
)


def test_no_unsafe_loader_or_eval_anywhere_in_the_package() -> None:
    offenders = []
    for path in (ROOT / "sim").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if UNSAFE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        parse(text, "hostile.yaml")
    assert len(caught.value.problems) == 1
    return str(caught.value.problems[0])


def test_python_object_tag_is_refused_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    line = _error(f'meta: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert line.startswith("hostile.yaml:1:7: meta: tag '!!python/object/apply:os.system' is not allowed")
    assert not marker.exists()


@pytest.mark.parametrize(
    "tag", ["!!python/name:os.system", "!custom", "!!binary aGk=", "!!set {a}", "!!timestamp 2015-11-24"]
)
def test_every_non_plain_tag_is_refused(tag: str) -> None:
    assert "is not allowed" in _error(f"a: {tag}\n")


def test_billion_laughs_is_refused_before_expansion() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        prev = chr(ord("a") + k - 1)
        cur = chr(ord("a") + k)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    line = _error("\n".join(lines) + "\n")
    assert "refused" in line and ("alias" in line or "values after expanding" in line)


def test_many_aliases_expanding_to_a_huge_tree_are_refused() -> None:
    text = "base: &b " + "[" * 8 + "1" + "]" * 8 + "\n" + "\n".join(f"k{i}: *b" for i in range(150))
    parse(text, "ok.yaml")  # 150 aliases of a small node are fine
    big = "base: &b [" + ",".join(["0"] * 2000) + "]\n" + "\n".join(f"k{i}: *b" for i in range(150))
    assert "refused" in _error(big)


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    assert "nesting" in _error("a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert "nesting deeper than 64" in _error("a: " + "{b: " * 500 + "1" + "}" * 500 + "\n")


def test_deep_block_indentation_is_refused() -> None:
    text = "".join(" " * k + f"k{k}:\n" for k in range(200)) + " " * 200 + "v: 1\n"
    assert "nesting deeper than" in _error(text)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "larger than 2 MiB" in str(caught.value)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "not UTF-8" in str(caught.value)


def test_a_directory_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


# -- fuzzing: the loader returns a Scenario or raises ScenarioError, never anything else ---------------

YAML_PIECES = st.sampled_from(
    [
        "a",
        "meta",
        "actors",
        ":",
        ": ",
        "-",
        "- ",
        "\n",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&x",
        "*x",
        "!!",
        "!t",
        "'",
        '"',
        "#",
        "1",
        "1e3",
        "-0.5",
        ".inf",
        ".nan",
        "yes",
        "no",
        "null",
        "~",
        "|",
        ">",
        "<<",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
        "\\",
        "\x00",
        "é",
        "\u2028",
        "rounds",
        "scoring",
        "gdp",
        "0x1F",
        "0o17",
    ]
)
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_text(text: str) -> None:
    try:
        validate_document(parse(text, "fuzz.yaml"))
    except ScenarioError as exc:
        assert exc.problems and all(str(p).startswith("fuzz.yaml") for p in exc.problems)


@SETTINGS
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
def test_random_yaml_documents_load_or_fail_cleanly(text: str) -> None:
    _load_text(text)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_loads_or_fails_cleanly(text: str) -> None:
    _load_text(text)


BASE_TEXT = BASE.read_text()


@SETTINGS
@given(
    position=st.integers(min_value=0, max_value=len(BASE_TEXT)),
    cut=st.integers(min_value=0, max_value=40),
    insert=st.one_of(YAML_PIECES, st.text(max_size=8)),
)
def test_mutated_base_scenario_loads_or_fails_cleanly(position: int, cut: int, insert: str) -> None:
    _load_text(BASE_TEXT[:position] + insert + BASE_TEXT[position + cut :])
