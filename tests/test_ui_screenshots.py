"""`play --screenshot DIR` saves every scene at 1280x720, 1920x1080 and 1024x600, at normal and huge text, with real
content in the expected panels;
`play` without a display explains itself and runs headless; the CLI loads pygame only to play."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import pygame
import pytest

from sim.scenario import load_scenario
from sim.ui import layout
from sim.ui import theme as th
from sim.ui.theme import Metrics
from tests.conftest import BASE_FILE, SCENARIOS, run_cli, run_process

pytestmark = pytest.mark.ui
SCENES = (
    "menu",
    "settings",
    "tutorial_guide",
    "event_card",
    "briefing",
    "turn_summary",
    "round",
    "glossary_hover",
    "round_numbers",
    "round_filter",
    "diplomacy",
    "help",
    "sources",
    "instructor",
    "players",
    "rewind",
    "load",
    "leave",
    "handover",
    "debrief",
    "watch",
)
SIZES = ((1280, 720), (1920, 1080), (1024, 600))
TEXTS = ("normal", "huge")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shots")
    result = run_process("play", "--screenshot", str(out), "--seed", "7", timeout=900)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == len(SCENES) * len(SIZES) * len(TEXTS)
    return out


def colours_in(image: pygame.Surface, rect: pygame.Rect, step: int = 3) -> set[tuple[int, int, int]]:
    return {
        tuple(image.get_at((x, y)))[:3]
        for x in range(rect.left + 2, rect.right - 2, step)
        for y in range(rect.top + 2, rect.bottom - 2, step)
    }


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", SCENES)
def test_every_scene_is_saved_with_non_trivial_content(
    shots: Path, scene: str, size: tuple[int, int], text: str
) -> None:
    path = shots / f"{scene}_{size[0]}x{size[1]}_{text}.png"
    image = pygame.image.load(str(path))
    assert image.get_size() == size
    assert len(colours_in(image, image.get_rect(), step=7)) > 40  # not one colour: text, panels, map


@pytest.mark.parametrize("size", SIZES)
def test_the_round_screen_draws_each_of_its_panels(shots: Path, size: tuple[int, int]) -> None:
    w, h = size
    image = pygame.image.load(str(shots / f"round_{w}x{h}_normal.png"))
    boxes = layout.round_layout(w, h, Metrics.for_size(w, h).scale)
    for name, box in boxes.items():
        found = colours_in(image, pygame.Rect(box))
        assert len(found) > 12, f"{name} panel looks empty at {size}"
    # The map panel shows land, water and actors in their own colours.
    map_colours = colours_in(image, pygame.Rect(boxes["map"]), step=2)
    for colour in ((0, 158, 115), (213, 94, 0), (0, 114, 178)):  # Cambodia, China, United States
        assert colour in map_colours


def pixels(image: pygame.Surface, box: tuple[int, int, int, int]) -> np.ndarray:
    """The (height, width, 3) pixels of ``box``."""
    x, y, w, h = box
    return pygame.surfarray.array3d(image)[x : x + w, y : y + h].transpose(1, 0, 2).astype(int)


def has(px: np.ndarray, colour: tuple[int, int, int], tol: int = 6) -> bool:
    return bool((np.abs(px - colour).max(axis=2) <= tol).any())


def bands(px: np.ndarray, *colours: tuple[int, int, int], tol: int = 6, gap: int = 0) -> int:
    """How many separate runs of rows hold one of ``colours`` (lines of text, list marks).

    Runs closer than ``gap`` empty rows count as one (an anti-aliased glyph such as a check mark can leave
    a row without a pixel of its exact colour)."""
    rows = np.zeros(px.shape[0], dtype=bool)
    for colour in colours:
        rows |= (np.abs(px - colour).max(axis=2) <= tol).any(axis=1)
    hits = np.nonzero(rows)[0]
    if hits.size == 0:
        return 0
    return 1 + int((np.diff(hits) > gap + 1).sum())


def colour_of(actor: str) -> tuple[int, int, int]:
    code = load_scenario(BASE_FILE).actors[actor].colour.lstrip("#")
    return (int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16))


@pytest.mark.parametrize("size", SIZES)
def test_the_debrief_and_menu_draw_their_panels(shots: Path, size: tuple[int, int]) -> None:
    """Each panel shows its content: list rows, role buttons, one mark per objective, the chart's four powers."""
    w, h = size
    m = Metrics.for_size(w, h)
    actors = ("cambodia", "russia", "china", "us", "eu", "asean")
    objectives = len(load_scenario(BASE_FILE).objectives["cambodia"])
    load = lambda scene: pygame.image.load(str(shots / f"{scene}_{w}x{h}_normal.png"))  # noqa: E731

    menu, boxes = load("menu"), layout.menu_layout(w, h, m.scale)
    listed = pixels(menu, boxes["scenarios"])
    library = len(list(SCENARIOS.glob("*.yaml")))
    assert bands(listed, th.TEXT) >= min(library, 5), "the scenario list shows a title per card"
    assert has(listed, th.ACCENT), "the chosen scenario is outlined"
    details = pixels(menu, boxes["details"])
    assert all(has(details, colour_of(a)) for a in actors), "a role button in each playable actor's colour"
    assert has(details, th.ACCENT) and bands(details, th.TEXT) >= 4, "title, summary and the Start button"
    assert has(pixels(menu, boxes["header"]), th.TEXT), "the title"
    assert bands(pixels(menu, boxes["footer"]), th.TEXT) >= 1, "the footer's buttons"

    briefing, boxes = load("briefing"), layout.briefing_layout(w, h, m.scale)
    assert bands(pixels(briefing, boxes["briefing"]), th.TEXT) >= 8, "the briefing's paragraphs"
    x, y, _, bh = boxes["objectives"]
    assert has(pixels(briefing, boxes["objectives"]), colour_of("cambodia")), "the player's actor and colour"
    bullets = pixels(briefing, (x, y, m.pad + m.px(12), bh))
    assert bands(bullets, th.ACCENT) == objectives, "one bullet per objective"
    assert has(pixels(briefing, boxes["footer"]), th.ACCENT), "the Begin button"

    debrief, boxes = load("debrief"), layout.debrief_layout(w, h, m.scale)
    outcome = pixels(debrief, boxes["outcome"])
    assert has(outcome, colour_of("cambodia")) and has(outcome, th.ACCENT), "the actor's strip and the grade"
    assert has(outcome, th.TEXT) and has(outcome, th.MUTED), "the outcome label and its header"
    x, y, _, _ = boxes["objectives"]
    column_h = boxes["distribution"][1] + boxes["distribution"][3] - y  # objectives over the comparison
    marks = pixels(debrief, (x, y, m.pad + m.px(20), column_h))
    assert bands(marks, th.GOOD, th.BAD, gap=3) == objectives, "a met or missed mark per objective"
    left = pixels(debrief, (x, y, boxes["objectives"][2], column_h))
    assert has(left, th.mix(th.ALIGN_POS, th.PANEL, 0.25), tol=2), "the histogram of the AI-only games"
    chart = pixels(debrief, boxes["chart"])
    assert all(has(chart, colour_of(a)) for a in ("russia", "china", "us", "eu")), "a line per power"
    assert has(pixels(debrief, boxes["footer"]), th.ACCENT), "the Title menu button"


def test_play_without_a_display_explains_and_runs_headless() -> None:
    result = run_process("play", "--seed", "4", env={"SDL_VIDEODRIVER": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert result.returncode == 0
    assert "No display found" in result.stderr and "python run.py run medvedev_visit_2015 --seed 4" in result.stderr
    assert "seed 4" in result.stdout and "SDL" not in result.stderr


def test_play_rejects_an_unknown_actor_and_a_bad_save_in_one_line(tmp_path: Path) -> None:
    bad = run_cli("play", "--as", "atlantis")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "cambodia" in bad.stderr
    save = tmp_path / "x.json"
    save.write_text("[1, 2")
    result = run_cli("play", "--load", str(save))
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "not a Pivot save file" in result.stderr
    assert save.read_text() == "[1, 2"


def test_the_cli_imports_the_ui_only_to_play() -> None:
    import subprocess
    import sys

    code = "import sys, sim.cli; sim.cli.build_parser(); sys.exit(1 if 'pygame' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
