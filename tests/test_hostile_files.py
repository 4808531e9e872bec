"""Untrusted scenario files: only safe loading, refused tags, alias bombs, size and depth limits.

Fuzzing of the same loader is in tests/test_fuzz.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.strict_yaml import MAX_BYTES, parse

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "medvedev_visit_2015.yaml"
#: Ways to run code while reading a file: PyYAML's non-safe loaders (any yaml.load/load_all call, even with
#: SafeLoader, since only strict_yaml's compose-only reader is allowed), pickle-like deserialisers, eval/exec.
UNSAFE = re.compile(
    r"yaml\.(unsafe_load|full_load|load_all|load|unsafe_load_all|full_load_all)\s*\(|UnsafeLoader|FullLoader|"
    r"Loader\s*=\s*yaml\.Loader|yaml\.Loader\b|yaml\.constructor|add_constructor|"
    r"\bpickle\.|\bcPickle\b|\bdill\.|\bcloudpickle\.|\bmarshal\.loads?\(|\bshelve\.|read_pickle\(|"
    r"allow_pickle\s*=\s*True|\beval\(|\bexec\(|\bcompile\([^)]*['\"]exec['\"]|__import__\("
)
#: Everything that ships or runs user files: the package, the tools, the entry point and the benchmarks.
SCANNED = [
    *sorted(p for folder in ("sim", "tools", "benchmarks") for p in (ROOT / folder).rglob("*.py")),
    ROOT / "run.py",
]


def test_no_unsafe_loader_or_eval_anywhere_in_the_code() -> None:
    offenders = []
    for path in SCANNED:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if UNSAFE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    assert len(SCANNED) > 80 and ROOT / "sim" / "scenario" / "strict_yaml.py" in SCANNED


@pytest.mark.parametrize(
    "line",
    [
        "data = yaml.load(text)",
        "data = yaml.load(text, Loader=yaml.Loader)",
        "data = yaml.load(text, Loader=yaml.SafeLoader)",
        "docs = yaml.load_all(handle)",
        "data = yaml.unsafe_load(text)",
        "data = yaml.full_load(text)",
        "loader = yaml.FullLoader(text)",
        "loader = yaml.UnsafeLoader(text)",
        "yaml.add_constructor('!x', build)",
        "state = pickle.load(handle)",
        "state = pickle.loads(blob)",
        "state = cloudpickle.loads(blob)",
        "frame = pd.read_pickle(path)",
        "arr = np.load(path, allow_pickle=True)",
        "value = eval(text)",
        "exec(code)",
        "code = compile(text, 'f', 'exec')",
        "mod = __import__(name)",
    ],
)
def test_the_unsafe_pattern_catches_every_unsafe_loader(line: str) -> None:
    """The scan above can fail: each of these lines would be reported."""
    assert UNSAFE.search(line)


@pytest.mark.parametrize("line", ["import yaml", "from yaml.composer import Composer", "yaml.YAMLError", "json.load(f"])
def test_the_unsafe_pattern_leaves_safe_code_alone(line: str) -> None:
    assert not UNSAFE.search(line)


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


@pytest.fixture(params=["libyaml", "pure-python"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both YAML paths: libyaml's C parser (when installed) and PyYAML's own, used where libyaml is missing."""
    import yaml

    if request.param == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml here")
    if request.param == "pure-python":
        monkeypatch.setattr(yaml, "__with_libyaml__", False)
    return str(request.param)


def test_deep_nesting_is_refused_without_recursion_error(reader: str) -> None:
    assert "nesting" in _error("a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert "nesting deeper than 64" in _error("a: " + "{b: " * 500 + "1" + "}" * 500 + "\n")
    assert "nesting deeper than 64" in _error("a:\n" + "".join(" " * k + "- \n" for k in range(0, 400, 2)))


def test_alias_bomb_is_refused_on_both_readers(reader: str) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + k)}: &{chr(98 + k)} [" + ", ".join([f"*{chr(97 + k)}"] * 10) + "]" for k in range(8)]
    line = _error("\n".join(lines) + "\n")
    assert "refused" in line and ("alias" in line or "values after expanding" in line)


def test_python_tags_are_refused_on_both_readers(reader: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    assert "is not allowed" in _error(f"a: !!python/object/apply:os.system ['touch {marker}']\n")
    assert "is not allowed" in _error("a: !!python/object/new:subprocess.Popen [['true']]\n")
    assert not marker.exists()


def test_deep_block_indentation_is_refused() -> None:
    text = "".join(" " * k + f"k{k}:\n" for k in range(200)) + " " * 200 + "v: 1\n"
    assert "nesting deeper than" in _error(text)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "larger than 2 MiB" in str(caught.value)


def test_size_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over 2 MiB is never parsed, nor read past its first 2 MiB + 1 byte, whatever it holds."""
    from sim.scenario import strict_yaml

    def never(text: str) -> None:
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(strict_yaml, "_compose", never)
    path = tmp_path / "bomb.yaml"
    path.write_text("a: " + "[" * (MAX_BYTES + 10))  # would be refused as too deep, if it were parsed
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == f"{path}: file larger than 2 MiB: refused"
    with pytest.raises(ScenarioError, match="text larger than 2 MiB: refused"):
        parse("é" * (MAX_BYTES // 2 + 1), "text.yaml")  # over 2 MiB as UTF-8, under it in characters


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "not UTF-8" in str(caught.value)


def test_a_directory_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
