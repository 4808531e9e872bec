"""rgb_array frames are the front end's round screen drawn off-screen, for PivotEnv and PivotParallelEnv alike."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from sim import rl
from sim.core import AlignmentModel
from sim.play.session import GameSession
from sim.ui import layout
from sim.ui import viewmodel as vm
from sim.ui.theme import Metrics

pytestmark = pytest.mark.ui
ROOT = Path(__file__).resolve().parents[1]
W, H = layout.FRAME_SIZE


def colours_in(frame: np.ndarray, box: layout.Box, step: int = 3) -> set[tuple[int, ...]]:
    patch = frame[box.y + 2 : box.bottom - 2 : step, box.x + 2 : box.right - 2 : step]
    return {tuple(int(c) for c in px) for px in patch.reshape(-1, 3)}


def boxes(size: tuple[int, int] = layout.FRAME_SIZE) -> dict[str, layout.Box]:
    return layout.frame_layout(*size, Metrics.for_size(*size).scale)


def masked_step(env: rl.PivotEnv, info: dict, rng: np.random.Generator) -> dict:
    return env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))[-1]


def test_pivot_env_rgb_array_is_the_round_screen_with_every_panel_and_actor(base_setup) -> None:
    env = rl.PivotEnv(base_setup, render_mode="rgb_array")
    _, info = env.reset(seed=1)
    masked_step(env, info, np.random.default_rng(0))
    frame = env.render()
    assert isinstance(frame, np.ndarray) and frame.shape == (H, W, 3) and frame.dtype == np.uint8
    assert len(colours_in(frame, layout.Box(0, 0, W, H), step=7)) > 40  # not one colour: text, panels, map
    for name, box in boxes().items():
        assert len(colours_in(frame, box)) > 12, f"the {name} panel looks empty"
    on_map = colours_in(frame, boxes()["map"], step=1)
    for actor in base_setup.actors:  # every actor's marker, in its own colour, on the map
        assert vm.hex_to_rgb(actor.colour) in on_map, actor.id
    # The log lists this round's moves, each with a chip in its actor's colour, and the learner's among them.
    assert vm.hex_to_rgb(base_setup.actors[0].colour) in colours_in(frame, boxes()["log"], step=1)


def test_frames_change_as_rounds_are_played_and_a_warm_renderer_draws_what_a_fresh_one_does(base_setup) -> None:
    from sim.ui.offscreen import RoundFrame

    env = rl.PivotEnv(base_setup, render_mode="rgb_array")
    _, info = env.reset(seed=2)
    rng = np.random.default_rng(2)
    frames = [env.render()]
    for _ in range(4):
        info = masked_step(env, info, rng)
        frames.append(env.render())
    for before, after in itertools.pairwise(frames):
        for name in ("status", "chart", "log"):
            b = boxes()[name]
            region = (slice(b.y, b.bottom), slice(b.x, b.right))
            assert not np.array_equal(before[region], after[region]), f"the {name} panel did not change"
    # The map's layers and the text are cached between frames: a fresh renderer must draw the same picture.
    model = env.episode._model()
    assert np.array_equal(frames[-1], RoundFrame(layout.FRAME_SIZE).render(model, 0))


def test_an_event_fired_after_a_frame_shows_in_the_next_frames_log(base_setup) -> None:
    from sim.core.events import Event
    from sim.ui.offscreen import RoundFrame

    model = AlignmentModel(base_setup, rng=4)
    model.step()
    warm = RoundFrame(layout.FRAME_SIZE)
    before = warm.render(model, 0)
    model.fire(Event("summit", "A summit in Vientiane", "Leaders meet.", ()))  # joins the last round's record
    after = warm.render(model, 0)
    log = boxes()["log"]
    region = (slice(log.y, log.bottom), slice(log.x, log.right))
    assert not np.array_equal(before[region], after[region])
    assert np.array_equal(after, RoundFrame(layout.FRAME_SIZE).render(model, 0))


def test_parallel_env_renders_the_round_screen_from_the_single_learners_or_the_focal_actors_view(base_setup) -> None:
    from sim.ui.offscreen import frame_view, render_round

    one = rl.PivotParallelEnv(base_setup, learners=["us"], render_mode="rgb_array")
    one.reset(seed=3)
    frame = one.render()
    model = one.episode._model()
    assert frame.shape == (H, W, 3) and np.array_equal(frame, render_round(model, 3))
    assert frame_view(model).player == 3 and frame_view(model).humans == (3,)
    everyone = rl.PivotParallelEnv(base_setup, render_mode="rgb_array")
    _, infos = everyone.reset(seed=3)
    rng = np.random.default_rng(3)
    everyone.step({a: int(rng.choice(np.flatnonzero(infos[a]["action_mask"]))) for a in everyone.agents})
    frame = everyone.render()
    view = frame_view(everyone.episode._model())
    assert frame.shape == (H, W, 3) and view.player == base_setup.scoring.focal and len(view.humans) == 6
    assert not np.array_equal(frame, render_round(everyone.episode._model(), 3))  # another point of view


def test_the_frame_size_can_be_chosen_and_a_bad_size_or_focus_is_refused(base_setup) -> None:
    from sim.ui.offscreen import render_round

    env = rl.PivotEnv(base_setup, render_mode="rgb_array", frame_renderer=rl.RoundScreen(size=(1920, 1080)))
    env.reset(seed=0)
    big = env.render()
    assert big.shape == (1080, 1920, 3)
    on_map = colours_in(big, boxes((1920, 1080))["map"], step=1)
    assert vm.hex_to_rgb(base_setup.actors[0].colour) in on_map
    with pytest.raises(ValueError, match="at least 640x360"):
        rl.RoundScreen(size=(320, 200))
    with pytest.raises(ValueError, match=r"\(width, height\)"):
        rl.RoundScreen(size="large")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"focus must be an actor index 0\.\.5"):
        render_round(env.episode._model(), 9)


def test_gymnasium_check_env_passes_with_rgb_array_rendering() -> None:
    env = gymnasium.make("Pivot/medvedev_visit_2015-v0", invalid_action="pass", render_mode="rgb_array")
    check_env(env.unwrapped)  # renders through the passive checker, with the spec's other modes too
    assert env.unwrapped.render().shape == (H, W, 3)
    env.close()


def test_the_model_view_and_log_match_the_sessions_and_name_learners_moves(base_setup) -> None:
    watching = GameSession.start(base_setup, "medvedev_visit_2015", seed=5, player=None)
    watching.play_round({})
    model = watching.model
    focal = base_setup.scoring.focal
    assert vm.round_view(watching) == vm.model_round_view(model, focal)  # the session adds nothing when watching
    learner = AlignmentModel(base_setup, rng=5)
    learner.countries[0].controller = "human"
    learner.submit("cambodia", [("state_visit", "china", None)])
    learner.step()
    log = vm.history_log(learner, outside_note="chosen by the learning agent")
    moves = [line for line in log if line.kind == "move" and line.round == 1]
    assert moves[0].actor == 0 and moves[0].reason == "chosen by the learning agent"
    assert all(line.reason and line.reason != "chosen by the learning agent" for line in moves[1:])  # the AI's
    assert [line.text for line in log] == [line.text for line in vm.history_log(learner)]


def test_without_pygame_rgb_array_falls_back_to_the_numpy_frame_with_one_warning(base_setup, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pygame", None)  # `import pygame` now raises ImportError
    monkeypatch.delitem(sys.modules, "sim.ui.offscreen", raising=False)
    env = rl.PivotEnv(base_setup, render_mode="rgb_array")
    env.reset(seed=0)
    with pytest.warns(RuntimeWarning, match="cannot draw the round screen with pygame"):
        frame = env.render()
    assert frame.shape == (360, 720, 3) and np.array_equal(frame, rl.matrix_frame(env.episode._model(), 0))
    assert env.frame_renderer.fallback is not None and "pygame" in env.frame_renderer.fallback
    env.step(0)
    assert env.render().shape == (360, 720, 3)  # no second warning (warnings are errors in this suite)


def test_rendering_leaves_an_open_game_window_alone_and_survives_its_closing(base_setup) -> None:
    import pygame

    from sim.ui.app import App
    from sim.ui.offscreen import render_round

    app = App((1024, 640))
    try:
        app.start_game("medvedev_visit_2015", None, seed=1)
        app.frame(dt=1 / 60)
        screen = app.screen
        model = AlignmentModel(base_setup, rng=1)
        first = render_round(model, 0)
        assert pygame.display.get_surface() is screen and screen.get_size() == (1024, 640)
        assert app.frame(dt=1 / 60) and app.size == (1024, 640)
    finally:
        app.quit()  # pygame.quit(): the fonts the frames used are gone
    assert np.array_equal(render_round(model, 0), first)


@pytest.mark.parametrize("display", ["", ":4242"])
def test_sim_rl_loads_pygame_only_to_draw_and_never_opens_a_display(display: str) -> None:
    code = (
        "import os, sys, sim.rl\n"
        "env = sim.rl.PivotEnv(render_mode='rgb_array'); env.reset(seed=0); env.step(0)\n"
        "assert 'pygame' not in sys.modules\n"
        "frame = env.render()\n"
        "import pygame\n"
        "print(frame.shape, os.environ.get('SDL_VIDEODRIVER'), pygame.display.get_init())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY")}
    if display:
        env["DISPLAY"] = display  # a display that does not exist: opening a window would fail
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    driver = "None" if display else "dummy"
    assert result.stdout.strip() == f"(720, 1280, 3) {driver} False"
    assert "pygame-ce" not in result.stdout + result.stderr  # no support banner in a trainer's output


def test_the_rendering_example_in_the_guide_runs() -> None:
    guide = (ROOT / "docs" / "rl.md").read_text().split("## Rendering", 1)[1].split("\n## ", 1)[0]
    (block,) = [b.split("```", 1)[0] for b in guide.split("```python\n")[1:]]
    namespace: dict = {}
    exec(compile(block, "docs/rl.md", "exec"), namespace)
    assert namespace["frame"].shape == (H, W, 3) and namespace["big"].frame_renderer.size == (1920, 1080)


def test_the_classroom_projector_names_the_players_teams_not_learning_agents(base_setup) -> None:
    from sim.ui.offscreen import frame_view, render_round, who_plays

    env = rl.PivotParallelEnv(base_setup, learners=["cambodia", "russia", "china"], render_mode="rgb_array")
    _, infos = env.reset(seed=3)
    model = env.episode._model()
    view = frame_view(model, 0, noun="team")
    assert who_plays(view, "team") == ("3 teams · Cambodia's view", "Teams: 3 actors · AI: the other 3")
    assert who_plays(view) == ("3 learning agents · Cambodia's view", "Learning: 3 actors · AI: the other 3")
    env.step({a: int(np.flatnonzero(infos[a]["action_mask"])[-1]) for a in env.agents})  # a move, not a pass
    notes = {line.reason for line in frame_view(model, 0, noun="team").log if line.reason}
    assert "chosen by the team" in notes and "chosen by the learning agent" not in notes
    assert not np.array_equal(render_round(model, 0, noun="team"), render_round(model, 0))
