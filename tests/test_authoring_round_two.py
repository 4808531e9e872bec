"""Authoring, round two (issue 18): scenarios that check what they promise, human seats headless, new actors,
time-shifted overlays and plain messages, each driven through `validate`, `check`, `run` and `batch` as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.scenario.lint import scenario_warnings
from sim.scenario.loader import load_document, validate_document
from sim.scenario.reachability import swept_paths_overridden_by_events
from tests.conftest import BASE_FILE, run_cli

HEAD = f"extends: {BASE_FILE.stem}\nmeta: {{id: lesson, title: Lesson}}\n"


def write(tmp_path: Path, text: str, name: str = "lesson.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def warnings_of(path: Path) -> list[str]:
    document = load_document(path)
    return [str(w) for w in scenario_warnings(validate_document(document), document)]


# -- 1. reachability ---------------------------------------------------------------------------------------

UNREACHABLE = (
    HEAD
    + """\
events:
  - id: impossible
    title: Impossible
    when: {alignment: [cambodia, russia], above: 1.5}
  - id: contradiction
    title: Contradiction
    at_round: 3
    when: {round: true, at_least: 5}
  - id: too_late
    title: Too late
    when: {all: [{round: true, at_least: 20}, {hedging: cambodia, above: 0.1}]}
  - id: fine
    title: Fine
    when: {round: true, at_least: 5}
objectives:
  cambodia:
    - id: asean_first
      description: ASEAN becomes your first partner
      condition: {primary_partner: cambodia, is: asean}
expect:
  - id: fantasy
    mean: {alignment: [cambodia, china]}
    above: 1.2
"""
)


def test_validate_warns_about_what_can_never_fire_or_be_met_and_strict_refuses_it(tmp_path: Path) -> None:
    path = write(tmp_path, UNREACHABLE)
    found = warnings_of(path)
    assert (
        f"{path}:6:11: events.0.when: warning: event 'impossible' can never fire: alignment > 1.5 never holds "
        "(alignment runs from -1 to 1)" in found
    )
    assert any(
        w.startswith(
            f"{path}:10:11: events.1.when: warning: event 'contradiction' can never fire: round >= 5 never "
            "holds in round 3"
        )
        for w in found
    ), found
    assert any("event 'too_late' can never fire: round >= 20 never holds in rounds 1..12" in w for w in found)
    assert not any("'fine'" in w for w in found)
    assert any(
        "objective 'asean_first' of cambodia can never be met: the primary partner is always one of the powers" in w
        for w in found
    )
    assert any("expectation 'fantasy' can never be met: alignment is at most 1, never above 1.2" in w for w in found)
    assert len(found) == 5

    plain = run_cli("validate", str(path))
    assert plain.returncode == 0 and plain.stdout.strip().endswith("(5 warnings)")
    assert all(line in plain.stderr.splitlines() for line in found)
    strict = run_cli("validate", "--strict", str(path))
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert f"{path}: 5 warnings: not valid with --strict" in strict.stderr


def test_the_library_validates_strictly_except_its_known_findings() -> None:
    result = run_cli("validate", "--strict", "medvedev_visit_2015", "tutorial", "debt_cancellation", "trade_opening")
    assert result.returncode == 0, result.stderr


def test_a_swept_value_that_an_event_overrides_is_warned_about(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEAD
        + """\
events:
  - id: tighten
    title: Tighter sanctions
    at_round: 1
    effects:
      - set: {sanctions: [us, russia], value: 0.75}
  - id: write_off
    title: Write-off
    at_round: 4
    effects:
      - set: {debt: [cambodia, russia], value: 1.0}
      - force_move: {actor: russia, action: cancel_debt, target: cambodia}
sweep:
  parameters:
    - path: sanctions.us.russia
      values: [0.0, 1.0]
    - path: events.1.effects.0.set.value
      values: [0.5, 1.5]
    - path: actors.russia.policy.tau
      values: [0.05, 0.5]
""",
    )
    scenario = validate_document(load_document(path))
    found = swept_paths_overridden_by_events(scenario)
    assert [(o.path, o.event, o.effect, o.changes_nothing) for o in found] == [
        ("sanctions.us.russia", 0, 0, True),
        ("events.1.effects.0.set.value", 1, 1, True),
    ]
    warnings = warnings_of(path)
    assert any(
        w.startswith(
            f"{path}:17:13: sweep.parameters.0.path: warning: sanctions.us.russia is swept, but event "
            "'tighten' sets it again in round 1, before any move: so the sweep changes nothing"
        )
        for w in warnings
    ), warnings
    assert any("the same event forces cancel_debt (effects.1)" in w for w in warnings)
    # Batch runs given on the command line can ask the same question of their own paths.
    assert [o.path for o in swept_paths_overridden_by_events(scenario, ["actors.russia.policy.tau"])] == []


# -- 2. check reports events and objectives; fires / met expectations --------------------------------------

FIRES = (
    HEAD
    + """\
rounds: 6
events:
  - id: coin
    title: A coin is tossed
    at_round: 2
    chance: 0.5
  - id: sure
    title: Certain
    at_round: 1
expect:
  - id: coin_often
    fires: coin
    at_least: 0.2
  - id: coin_rare
    fires: coin
    at_most: 0.1
  - id: secure
    met: {actor: cambodia, objective: regime_secure}
    at_least: 0.0
"""
)


def test_check_reports_event_and_objective_rates_and_tests_fires_and_met(tmp_path: Path) -> None:
    path = write(tmp_path, FIRES)
    result = run_cli("check", str(path), "--runs", "30", "--workers", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert any(line.startswith("  PASS  coin_often: event coin fires, in at least 0.2 of runs: 0.") for line in out)
    assert any(line.startswith("  FAIL  coin_rare: event coin fires, in at most 0.1 of runs: 0.") for line in out)
    assert any(
        line.startswith("  PASS  secure: objective cambodia.regime_secure met, in at least 0 of runs") for line in out
    )
    assert "events fired (share of runs, 95 % interval):" in out
    sure = next(line for line in out if line.startswith("  sure "))
    assert sure.split()[1:4] == ["1.00", "[0.89,", "1.00]"]
    coin = next(line for line in out if line.startswith("  coin "))
    share = float(coin.split()[1])
    assert 0.2 < share < 0.8, "a 50 % event fires in about half of 30 runs"
    assert "objectives met (share of runs, 95 % interval):" in out
    assert any(line.startswith("  cambodia.regime_secure ") for line in out)
    assert out[-1] == "3 expectations: 2 shown, 1 not shown"


def test_fires_and_met_name_events_and_objectives_that_exist(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEAD + "expect:\n  - id: x\n    met: {actor: cambodia, objective: regime_secur}\n    at_least: 0.5\n"
        "  - id: y\n    fires: coin\n    timing: always\n    at_least: 0.5\n",
    )
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(
        "expect.1: timing applies to holds and mean; fires counts a run where the event fired" in x for x in lines
    )
    path.write_text(
        HEAD + "expect:\n  - id: x\n    met: {actor: cambodia, objective: regime_secur}\n    at_least: 0.5\n"
    )
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert "expect.0.met.objective: unknown objective of cambodia 'regime_secur' (did you mean 'regime_secure'?)" in (
        result.stderr
    )


# -- 3. human seats headless ----------------------------------------------------------------------------------

HUMANS = HEAD + "rounds: 3\nactors:\n  cambodia: {controller: human}\n  us: {controller: human}\n"


def cambodia_moves(stdout: str) -> int:
    document = json.loads(stdout)
    return sum(1 for r in document["rounds"] for m in r["moves"] if m["actor"] == "cambodia" and m["source"] == "ai")


def test_run_lets_the_ai_play_human_seats_by_default_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, HUMANS)
    played = run_cli("run", str(path), "--seed", "3", "--format", "json")
    assert played.returncode == 0, played.stderr
    assert "note: cambodia, us: controller: human; the AI plays them here (--humans ai)" in played.stderr
    assert cambodia_moves(played.stdout) > 0
    idle = run_cli("run", str(path), "--seed", "3", "--format", "json", "--humans", "pass")
    assert idle.returncode == 0 and "they make no moves (--humans pass)" in idle.stderr
    assert cambodia_moves(idle.stdout) == 0
    refused = run_cli("run", str(path), "--seed", "3", "--humans", "error")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        "error: run: cambodia, us have controller: human and nobody plays here; use --humans ai (the AI plays "
        "them) or --humans pass (they make no moves)"
    ]


def test_check_and_batch_play_human_seats_with_the_ai(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HUMANS + "expect:\n  - id: cambodia_moves\n    mean: {relations: [russia, cambodia]}\n    above: -1\n",
    )
    checked = run_cli("check", str(path), "--runs", "5", "--workers", "1")
    assert checked.returncode == 0 and "the AI plays them here (--humans ai)" in checked.stderr
    out = tmp_path / "batch"
    batch = run_cli(
        "batch", str(path), "--runs", "2", "--seed", "1", "--workers", "1", "--out", str(out), "--progress", "none"
    )
    assert batch.returncode == 0, batch.stderr
    assert "the AI plays them here (--humans ai)" in batch.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert "actors.cambodia.controller" in json.dumps(plan), "the plan records that the AI played the human seats"


# -- 4. new actors -----------------------------------------------------------------------------------------------


def test_a_new_actor_without_relations_or_trade_is_warned_about_with_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "actors:\n  japan: {name: Japan, gdp: 4444, capability: 0.1}\n")
    found = warnings_of(path)
    assert len(found) == 2
    assert found[0].startswith(
        f"{path}:4:3: actors.japan: warning: new actor 'japan' has no relations: every pair "
        "with it starts at regard 0 (neutral)"
    )
    assert "new actor 'japan' has no trade pairs: its exports and imports start at 0" in found[1]
    path.write_text(
        HEAD + "actors:\n  japan: {name: Japan, gdp: 4444, capability: 0.1}\nrelations:\n  japan: {cambodia: 0.4}\n"
        "trade:\n  japan: {cambodia: 1.0}\n"
    )
    assert warnings_of(path) == []


# -- 5. overlays that move in time, citations, inherited sources --------------------------------------------------


def test_moving_the_calendar_warns_about_dated_inherited_texts(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + 'calendar: {start: "2017-Q3"}\nbriefing: {cambodia: "Phnom Penh, 2017."}\n')
    found = [w for w in warnings_of(path) if "inherited text" in w]
    assert all(w.split(":")[0].endswith("scenarios/medvedev_visit_2015.yaml") for w in found), "located in the base"
    assert any("briefing.russia: warning: inherited text names" in w and "'November 2015'" in w for w in found)
    assert any("this scenario starts in 2017-Q3 (its base in 2015-Q4)" in w for w in found)
    assert not any("briefing.cambodia" in w for w in found), "a briefing written in this file is its author's choice"
    assert warnings_of(write(tmp_path, HEAD + "rounds: 8\n", "same_time.yaml")) == []


def test_citations_are_checked_and_sources_are_inherited_from_the_base(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEAD.replace("title: Lesson}", "title: Lesson, sources: [{id: my-src, citation: Mine}]}")
        + 'briefing:\n  cambodia: "Moscow wants friends [kt-2015]; so do we [my-src]; see [nonexistent-source]."\n',
    )
    scenario = validate_document(load_document(path))
    ids = [s.id for s in scenario.meta.sources]
    assert "kt-2015" in ids and ids[-1] == "my-src", "the base's sources are inherited, the overlay's added"
    found = warnings_of(path)
    assert len(found) == 1 and "cites [nonexistent-source], which meta.sources does not list" in found[0]
    assert found[0].startswith(f"{path}:")


# -- 6. messages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meta:\n  id: lesson\n   title: Lesson\n", ":3:4: line 3 is indented one space deeper than line 2"),
        ("meta:\n    id: lesson\n  title: L\n", ":3:3: line 3 is indented 2 spaces, which lines up with no key"),
    ],
)
def test_indentation_slips_are_explained_in_plain_words(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, f"extends: {BASE_FILE.stem}\n" + text.replace("\n", "\n", 1))
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    line = result.stderr.strip()
    assert "block end" not in line and "mapping values" not in line
    shifted = expected.replace(":3:", ":4:").replace("line 3", "line 4").replace("line 2", "line 3")
    assert shifted in line, line


# -- 7. vocabulary: cutting aid ----------------------------------------------------------------------------------


def test_cut_aid_is_opt_in_and_an_event_can_force_it(tmp_path: Path) -> None:
    from sim.core.actions import ACTION_INDEX, action
    from sim.scenario import build_setup, load_scenario

    cut = action("cut_aid")
    assert (cut.cameo, cut.goldstein, cut.stance) == ("1621", -5.6, "conflictual")
    k = ACTION_INDEX["cut_aid"]
    assert not build_setup(load_scenario(BASE_FILE)).action_enabled[k].any(), "existing worlds play as before"
    path = write(
        tmp_path,
        HEAD
        + "rounds: 2\nactions:\n  cut_aid: {enabled_for: [eu]}\nevents:\n  - id: suspend\n    title: Aid suspended\n"
        "    at_round: 1\n    effects:\n      - force_move: {actor: eu, action: cut_aid, target: cambodia}\n",
    )
    setup = build_setup(load_scenario(path))
    assert setup.action_enabled[k].tolist() == [a == "eu" for a in setup.actor_ids]
    played = run_cli("run", str(path), "--seed", "1", "--format", "json")
    assert played.returncode == 0, played.stderr
    first = json.loads(played.stdout)["rounds"][0]["moves"]
    forced = [m for m in first if m["action"] == "cut_aid" and m["source"] == "event"]
    assert forced and forced[0]["actor"] == "eu" and forced[0]["target"] == "cambodia" and forced[0]["applied"]


def test_batch_summary_and_report_show_the_focal_actors_trade_by_partner(tmp_path: Path) -> None:
    out = tmp_path / "trade"
    result = run_cli(
        "batch", "trade_opening", "--runs", "2", "--seed", "1", "--workers", "1", "--progress", "none",
        "--sweep", "actions.open_trade.magnitude=1,2", "--rounds", "4", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    exports = [x for x in lines if x.startswith("  mean final exports to (USD bn a year): ")]
    imports = [x for x in lines if x.startswith("  mean final imports from (USD bn a year): ")]
    assert len(exports) == len(imports) == 2, result.stdout
    assert "China 0." in exports[0] and "European Union 3." in exports[0] and "Russia" in imports[0]
    report = run_cli("report", str(out))
    assert report.returncode == 0, report.stderr
    html = (out / "report.html").read_text()
    assert "Mean final trade of Cambodia by partner" in html and "<th>to European Union</th>" in html


def test_a_met_expectation_after_a_holds_one_is_measured(tmp_path: Path) -> None:
    from sim.batch.expectations import measure_run
    from sim.runs import play
    from sim.scenario import build_setup

    path = write(
        tmp_path,
        HEAD + "rounds: 2\nexpect:\n  - id: first\n    holds: {round: true, at_least: 1}\n    at_least: 0.5\n"
        "  - id: then\n    met: {actor: cambodia, objective: regime_secure}\n    at_least: 0.0\n",
    )
    scenario = validate_document(load_document(path))
    model = play(build_setup(scenario), 5)
    held, met = measure_run(model, tuple(scenario.expect))
    assert held == 1.0 and met in (0.0, 1.0)
    assert met == float(model.objective_report("cambodia").statuses[-1].met)
