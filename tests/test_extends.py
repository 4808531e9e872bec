"""`extends:`: a scenario merged onto its base key by key, every value located in the file that wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, build_setup, load_scenario
from sim.scenario.loader import load_document
from tests.conftest import BASE_FILE, ROOT


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "base.yaml",
        """\
meta: {id: base, title: Base, sources: [{id: a, citation: A}]}
rounds: 6
actors:
  home:
    name: Home
    gdp: 20
    capability: 0.02
    interests: {economy: 0.5, autonomy: 0.3}
    playable: true
  north: {name: North, gdp: 5000, capability: 0.4}
  south: {name: South, gdp: 4000, capability: 0.35}
relations:
  home: {north: 0.3, south: 0.4}
scoring:
  focal: home
  powers: [north, south]
  blocs: {n: [north], s: [south]}
briefing:
  home: Base briefing.
""",
    )


def test_mappings_merge_lists_and_values_replace(base: Path) -> None:
    over = write(
        base.parent,
        "over.yaml",
        """\
extends: base.yaml
meta: {id: over, title: Over}
actors:
  home: {interests: {economy: 0.2}}
  west: {name: West, gdp: 3000, capability: 0.3}
scoring: {powers: [south]}
""",
    )
    s = load_scenario(over)
    assert s.meta.id == "over" and s.meta.title == "Over"
    assert [x.id for x in s.meta.sources] == ["a"], "unset keys of a merged mapping come from the base"
    assert s.rounds == 6
    home = s.actors["home"]
    assert (home.interests.economy, home.interests.autonomy) == (0.2, 0.3), "nested mappings merge key by key"
    assert home.name == "Home" and home.gdp == 20
    assert list(s.actors) == ["home", "north", "south", "west"], "new keys follow the base's, in file order"
    assert s.scoring.powers == ["south"], "a list replaces the base's list whole"
    assert s.scoring.focal == "home"
    assert build_setup(s).n_actors == 4


def test_null_removes_an_inherited_value(base: Path) -> None:
    over = write(base.parent, "over.yaml", "extends: base.yaml\nmeta: {id: over, title: O}\nbriefing: {home: ~}\n")
    assert load_scenario(over).briefing == {}


def test_chain_of_three_files_resolves_relative_to_each_file(base: Path) -> None:
    (base.parent / "sub" / "deep").mkdir(parents=True)
    base.rename(base.parent / "sub" / "deep" / "base.yaml")
    middle = write(
        base.parent / "sub", "middle.yaml", "extends: deep/base.yaml\nmeta: {id: middle, title: M}\nrounds: 8\n"
    )
    top = write(base.parent, "top.yaml", "extends: sub/middle\nmeta: {id: top, title: T}\n")
    s = load_scenario(top)
    assert (s.meta.id, s.rounds, s.actors["home"].gdp) == ("top", 8, 20)
    assert s.extends == "sub/middle", "the merged scenario names its immediate base (.yaml may be left out)"
    assert load_scenario(middle).rounds == 8


def test_each_value_keeps_the_file_and_position_it_was_written_at(base: Path) -> None:
    over = write(base.parent, "over.yaml", "extends: base.yaml\nmeta: {id: over, title: Over}\nrounds: 9\n")
    doc = load_document(over)
    assert doc.file == str(over)
    assert doc.locate(("rounds",)) == (str(over), 3, 9)
    assert doc.locate(("actors", "home", "gdp")) == (str(base), 6, 10)
    assert doc.locate(("meta", "id")) == (str(over), 2, 12)
    assert doc.locate(("meta", "sources", 0, "id")) == (str(base), 1, 46)
    assert doc.locate(("actors", "north", "no_such_field")) == (str(base), 10, 10), "nearest located ancestor"


def test_an_error_in_an_inherited_value_names_the_base_file(base: Path) -> None:
    text = base.read_text().replace("gdp: 20", "gdp: -20")
    base.write_text(text)
    over = write(base.parent, "over.yaml", "extends: base.yaml\nmeta: {id: over, title: Over}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(over)
    assert [str(p) for p in info.value.problems] == [f"{base}:6:10: actors.home.gdp: must be >= 1e-06 (got -20)"]


def test_a_base_with_a_yaml_error_reports_it_in_the_base(base: Path) -> None:
    base.write_text("meta: {id: base\n")
    over = write(base.parent, "over.yaml", "extends: base.yaml\nmeta: {id: over, title: Over}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(over)
    assert str(info.value.problems[0]).startswith(f"{base}:2:1: YAML syntax error")


def test_a_file_that_extends_itself_is_a_cycle(tmp_path: Path) -> None:
    me = write(tmp_path, "me.yaml", "extends: me.yaml\nmeta: {id: me, title: Me}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(me)
    assert str(info.value) == f"{me}:1:10: extends: extends cycle: {me} -> {me} (a scenario cannot extend itself)"


@pytest.mark.parametrize(("value", "message"), [("[a.yaml]", "got a list"), ("''", "got empty text")])
def test_extends_must_be_a_path(tmp_path: Path, value: str, message: str) -> None:
    path = write(tmp_path, "x.yaml", f"extends: {value}\nmeta: {{id: x, title: X}}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}:1:10: extends: extends must be the path of a base scenario file")
    assert message in str(info.value)


def test_extending_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir()
    path = write(tmp_path, "x.yaml", "extends: folder.yaml\nmeta: {id: x, title: X}\n")
    with pytest.raises(ScenarioError, match="is a directory, not a scenario file"):
        load_scenario(path)


def test_library_overlays_resolve_against_the_base(base_scenario) -> None:  # type: ignore[no-untyped-def]
    s = load_scenario(ROOT / "scenarios" / "debt_cancellation.yaml")
    assert s.extends == "medvedev_visit_2015.yaml"
    assert s.actors == base_scenario.actors and s.trade == base_scenario.trade
    assert s.meta.id == "debt_cancellation" and s.events and not base_scenario.events


def test_the_base_file_is_not_an_overlay() -> None:
    doc = load_document(BASE_FILE)
    assert doc.files == {} and "extends" not in doc.data


# -- where a base may come from: this file's folder tree or the library, nothing else ---------------------


def refusal(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_document(path)
    assert len(info.value.problems) == 1
    return str(info.value)


def test_a_file_anywhere_builds_on_a_library_scenario_by_name(tmp_path: Path, base_scenario) -> None:  # type: ignore[no-untyped-def]
    for reference in ("medvedev_visit_2015", "medvedev_visit_2015.yaml"):
        path = write(tmp_path, "lesson.yaml", f"extends: {reference}\nmeta: {{id: lesson, title: L}}\nrounds: 5\n")
        s = load_scenario(path)
        assert (s.rounds, s.actors) == (5, base_scenario.actors)
        inherited_from = Path(load_document(path).files[("actors",)]).resolve()
        assert inherited_from == ROOT / "scenarios" / "medvedev_visit_2015.yaml"


def test_a_file_beside_the_scenario_wins_over_the_library(tmp_path: Path, base: Path) -> None:
    base.rename(tmp_path / "medvedev_visit_2015.yaml")
    path = write(tmp_path, "lesson.yaml", "extends: medvedev_visit_2015\nmeta: {id: lesson, title: L}\n")
    assert list(load_scenario(path).actors) == ["home", "north", "south"]


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("/etc/passwd", "is an absolute or home-folder path: refused"),
        ("{base}", "is an absolute or home-folder path: refused"),
        ("~/base.yaml", "is an absolute or home-folder path: refused"),
        ("../base.yaml", "leaves this file's folder: refused"),
        ("sub/../../base.yaml", "leaves this file's folder: refused"),
        ("../../../../../../etc/passwd", "leaves this file's folder: refused"),
        ("https://example.org/base.yaml", "is a URL: bases are read from files only, never fetched"),
        ("file:///etc/passwd", "is a URL"),
        ("ftp://host/base", "is a URL"),
        ("sub/http://x", "is a URL"),
    ],
)
def test_extends_outside_the_folder_or_library_is_refused_in_one_located_line(
    base: Path, reference: str, why: str
) -> None:
    lesson_folder = base.parent / "lessons"
    lesson_folder.mkdir()
    ref = reference.format(base=base)
    path = write(lesson_folder, "lesson.yaml", f"meta: {{id: lesson, title: L}}\nextends: '{ref}'\n")
    line = refusal(path)
    assert line == (f"{path}:2:10: extends: {ref!r} {why}" + line.split(why, 1)[1]) and line.endswith(
        "allowed: a file in this file's folder or below it (base.yaml, sub/base.yaml), "
        "or a library scenario by name (medvedev_visit_2015)"
    )


def test_a_link_pointing_outside_the_folder_is_refused(tmp_path: Path, base: Path) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "base.yaml").symlink_to(base)
    (folder / "sub").symlink_to(tmp_path, target_is_directory=True)
    for reference in ("base.yaml", "sub/base.yaml"):
        path = write(folder, "lesson.yaml", f"extends: {reference}\nmeta: {{id: lesson, title: L}}\n")
        line = refusal(path)
        assert line.startswith(f"{path}:1:10: extends: {reference!r} is a link to {base.resolve()}, outside")
        assert "allowed: " in line


def test_links_inside_the_folder_or_into_the_library_are_followed(tmp_path: Path, base: Path) -> None:
    (tmp_path / "same.yaml").symlink_to(base)
    (tmp_path / "lib.yaml").symlink_to(ROOT / "scenarios" / "medvedev_visit_2015.yaml")
    for reference, actor in (("same.yaml", "home"), ("lib.yaml", "cambodia")):
        path = write(tmp_path, "lesson.yaml", f"extends: {reference}\nmeta: {{id: lesson, title: L}}\n")
        assert actor in load_scenario(path).actors


def test_a_pipe_is_never_opened_as_a_base(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    path = write(tmp_path, "lesson.yaml", "extends: pipe.yaml\nmeta: {id: lesson, title: L}\n")
    assert "is not a regular file" in refusal(path)


def test_a_missing_library_name_is_suggested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # outside the project, the library's path is shown in full
    path = write(tmp_path, "lesson.yaml", "extends: medvedev_visit_2105\nmeta: {id: lesson, title: L}\n")
    assert refusal(path) == (
        f"{path}:1:10: extends: base scenario 'medvedev_visit_2105' not found (looked for "
        f"{tmp_path}/medvedev_visit_2105.yaml and the library's {ROOT}/scenarios/medvedev_visit_2105.yaml) "
        "(did you mean 'medvedev_visit_2015.yaml'?); library: "
        + ", ".join(sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")))
    )
