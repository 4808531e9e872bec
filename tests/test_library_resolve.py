"""sim.library: one folder and one rule for scenario names, used alike by the CLI, batch, game and RL."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import library
from sim.batch.engine import scenario_path as batch_path
from sim.cli.common import resolve_scenario as cli_path
from sim.rl.registration import scenario_path as rl_path
from sim.scenario import ScenarioError
from sim.scenario.extends import LIBRARY as EXTENDS_LIBRARY
from sim.ui import library as ui_library
from sim.ui.mapdata import MAP_FILE
from sim.ui.theme import FONT_BOLD, FONT_REGULAR
from tests.conftest import ROOT, SCENARIOS


def test_a_checkout_reads_the_top_level_folders() -> None:
    assert not library.PACKAGED
    assert library.SCENARIO_DIR == SCENARIOS
    assert library.ASSETS_DIR == ROOT / "assets"
    assert library.SCHEMA_FILE.is_file()
    assert (library.SCENARIO_DIR / f"{library.DEFAULT_SCENARIO}.yaml").is_file()
    assert EXTENDS_LIBRARY == ui_library.SCENARIO_DIR == library.SCENARIO_DIR
    assert MAP_FILE.is_file() and FONT_REGULAR.is_file() and FONT_BOLD.is_file()
    assert library.names() == sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("resolve", [library.resolve, cli_path, batch_path, rl_path, ui_library.resolve])
def test_every_caller_resolves_names_and_paths_alike(resolve, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert resolve("tutorial") == SCENARIOS / "tutorial.yaml"
    assert resolve(Path("my.yaml")) == Path("my.yaml")  # a path is returned as given: reading it reports it
    assert resolve("sub/tutorial") == Path("sub/tutorial")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tutorial").write_text("a file of that name here wins over the library\n")
    assert resolve("tutorial") == Path("tutorial")
    with pytest.raises(
        ScenarioError,
        match=r"medvedev_visit_2105: no such scenario file or library scenario "
        r"\(did you mean 'medvedev_visit_2015'\?\); library: asean_russia_summit_2016, ",
    ):
        resolve("medvedev_visit_2105")


def test_library_membership_follows_links(tmp_path: Path) -> None:
    assert library.in_library(SCENARIOS / "tutorial.yaml")
    link = tmp_path / "t.yaml"
    link.symlink_to(SCENARIOS / "tutorial.yaml")
    assert library.in_library(link)
    assert not library.in_library(tmp_path / "other.yaml")
    assert ui_library.reference(SCENARIOS / "tutorial.yaml") == "tutorial"
    assert ui_library.reference(tmp_path / "other.yaml") == str((tmp_path / "other.yaml").resolve())


def test_new_writes_into_the_library_in_a_checkout() -> None:
    assert library.new_scenario_folder() == SCENARIOS
