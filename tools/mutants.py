"""A curated mutation suite: behaviour-breaking edits of Pivot, each with the tests that must catch it.

Every mutant is one exact text replacement in one file. ``make mutants`` (this script) copies the checked-out
tree to a temporary folder, runs the killers once on the unchanged copy (they must pass), then applies each
mutant in turn and runs only its killing tests: a mutant is *killed* when every test it lists fails. A
mutant that survives, a killer that passes on the mutant, or a mutation whose text is no longer in its
file (the code moved on: update the mutant) makes the run fail. The list and its killers are in
docs/reliability.md ("Mutants").

Usage: python tools/mutants.py [--list] [--only NAME ...] [--jobs N] [--discover NAME TEST_PATH ...]
``--discover`` applies one mutant and runs the given test paths, printing every test that fails: the way
to find a mutant's killers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.atomic import write_text  # noqa: E402  (files are replaced whole, as everywhere in Pivot)


@dataclass(frozen=True, slots=True)
class Mutant:
    """One behaviour-breaking edit: replace ``old`` (which must occur exactly once) by ``new`` in ``file``."""

    name: str
    what: str
    file: str
    old: str
    new: str
    killers: tuple[str, ...]


MUTANTS: tuple[Mutant, ...] = (
    # -- the model -----------------------------------------------------------------------------------------
    Mutant(
        "move-application-no-op",
        "moves are chosen and recorded as applied, but change nothing in the world",
        "sim/core/actions.py",
        '    """\n    act = action(action_id)\n    if act.domestic:\n        apply_domestic(',
        '    """\n    return\n    act = action(action_id)\n    if act.domestic:\n        apply_domestic(',
        (
            "tests/test_actions.py::test_state_visit_warms_the_hosts_regard_of_the_visitor",
            "tests/test_stylized_facts.py::test_d_a_debt_write_off_warms_cambodia_to_russia_to_the_end",
            "tests/test_golden.py::test_base_scenario_seed_2015_matches_the_golden_run",
        ),
    ),
    Mutant(
        "sanctions-gdp-drag-removed",
        "sanctions suffered no longer lower GDP (only their effect on trade remains)",
        "sim/core/dynamics.py",
        "    growth -= per_run(params.sanction_gdp_drag, 2) * (suffered - base.last_sanctions_received)\n",
        "",
        # One copy of the dynamics serves both engines, so the equivalence test no longer sees a difference, and
        # the golden run keeps its calibrated sanctions (the drag is relative to them): fact (f) catches it.
        ("tests/test_stylized_facts.py::test_f_sanctions_leave_russias_gdp_lower",),
    ),
    Mutant(
        "relations-never-decay",
        "regard no longer drifts back toward its baseline between moves (no memory)",
        "sim/core/dynamics.py",
        "    world.relations += per_run(params.relation_memory, world.relations.ndim)"
        " * (base.relations - world.relations)\n",
        "",
        ("tests/test_golden.py::test_base_scenario_seed_2015_matches_the_golden_run",),
    ),
    Mutant(
        "cambodia-autonomy-interest-zero",
        "the base scenario's Cambodia stops caring for diversification (its autonomy weight moved to the economy)",
        "scenarios/medvedev_visit_2015.yaml",
        "interests: {economy: 0.35, security: 0.10, autonomy: 0.35, influence: 0.10, values: 0.10}",
        "interests: {economy: 0.70, security: 0.10, autonomy: 0.00, influence: 0.10, values: 0.10}",
        (
            "tests/test_stylized_facts.py::test_b_cambodias_autonomy_interest_weighs_in_its_choices",
            "tests/test_library.py::test_base_numbers_are_pinned_by_the_golden_run",
        ),
    ),
    # -- scoring -------------------------------------------------------------------------------------------
    Mutant(
        "scoring-sanctions-raise-alignment",
        "sanction pressure adds to alignment instead of lowering it",
        "sim/core/scoring.py",
        "- per_run(weights.sanctions, ndim) * ",
        "+ per_run(weights.sanctions, ndim) * ",
        ("tests/test_golden.py::test_base_scenario_seed_2015_matches_the_golden_run",),
    ),
    Mutant(
        "kuik-hedging-without-risk-contingency",
        "Kuik's hedging index ignores lopsided ties (risk contingency dropped)",
        "sim/core/scoring.py",
        "np.sqrt(return_max * risk)",
        "np.sqrt(return_max)",
        ("tests/test_golden.py::test_base_scenario_seed_2015_matches_the_golden_run",),
    ),
    # -- batch seeding -------------------------------------------------------------------------------------
    Mutant(
        "batch-workers-seeded-k-plus-1",
        "the batch runner plays run k with seed child k+1 (what `run --seed-index k` and `check` play differ)",
        "sim/batch/runner.py",
        "rng=np.random.default_rng(run_seed(task.seed, k))",
        "rng=np.random.default_rng(run_seed(task.seed, k + 1))",
        (
            "tests/test_batch_engine.py::test_the_reproduce_command_replays_a_batch_run_exactly[mesa]",
            "tests/test_batch_engine.py::test_a_row_is_the_run_its_seed_index_and_point_describe",
            "tests/test_expectations.py::test_check_plays_the_batch_runner_s_runs_on_any_executor",
        ),
    ),
    Mutant(
        "run-seed-not-the-kth-child",
        "run k's seed is child k+1 of SeedSequence(seed) everywhere (batch, check, facts, run --seed-index)",
        "sim/seeds.py",
        "return np.random.SeedSequence(seed, spawn_key=(seed_index,))",
        "return np.random.SeedSequence(seed, spawn_key=(seed_index + 1,))",
        ("tests/test_one_home.py::test_every_command_draws_and_derives_seeds_in_one_place",),
    ),
    # -- atomic writes -------------------------------------------------------------------------------------
    Mutant(
        "atomic-write-in-place",
        "files are written in place instead of to a temporary file renamed over the target",
        "sim/atomic.py",
        'fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=folder)',
        "fd, tmp = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666), str(target)",
        ("tests/test_atomic_writes.py::test_a_failure_mid_write_keeps_the_earlier_file_and_leaves_no_temp",),
    ),
    Mutant(
        "atomic-temp-file-left-behind",
        "a failed write leaves its temporary file",
        "sim/atomic.py",
        "def _discard(tmp: str) -> None:\n    with contextlib.suppress(OSError):\n        os.unlink(tmp)",
        "def _discard(tmp: str) -> None:\n    return",
        ("tests/test_atomic_writes.py::test_a_failure_mid_write_keeps_the_earlier_file_and_leaves_no_temp",),
    ),
    # -- loader positions ----------------------------------------------------------------------------------
    Mutant(
        "loader-value-line-off-by-one",
        "a schema error names the line above the offending value",
        "sim/scenario/strict_yaml.py",
        "self.value_marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))",
        "self.value_marks.setdefault(path, (node.start_mark.line, node.start_mark.column + 1))",
        ("tests/test_scenario_mistakes.py::test_mistake_gives_the_exact_located_message",),
    ),
    Mutant(
        "loader-duplicate-keys-accepted",
        "a key given twice in a mapping is accepted (the last one silently wins)",
        "sim/scenario/strict_yaml.py",
        "                if key in out:\n                    raise self.fail(",
        "                if False:\n                    raise self.fail(",
        ("tests/test_scenario_mistakes.py::test_mistake_gives_the_exact_located_message",),
    ),
    Mutant(
        "extends-may-leave-the-folder",
        "an `extends:` with `..` that leaves the file's folder is followed instead of refused",
        "sim/scenario/extends.py",
        "    if name == os.pardir or name.startswith(os.pardir + os.sep):\n",
        "    if False:\n",
        ("tests/test_extends.py::test_extends_outside_the_folder_or_library_is_refused_in_one_located_line",),
    ),
    # -- save files and statistics -------------------------------------------------------------------------
    Mutant(
        "save-digest-not-checked",
        "a save that replays to a different state than it recorded is loaded anyway",
        "sim/play/session.py",
        'if "digest" in data and data["digest"] != session.digest():',
        'if "digest" in data and data["digest"] != session.digest() and False:',
        ("tests/test_ui_session.py::test_a_save_that_no_longer_replays_to_its_state_is_refused",),
    ),
    Mutant(
        "wilson-interval-too-narrow",
        "the Wilson interval of every share (check, batch tables, facts) uses half the z value (a 68 % interval "
        "called 95 %)",
        "sim/batch/intervals.py",
        "    p = successes / n\n    denominator = 1.0 + z * z / n",
        "    p = successes / n\n    z = z / 2\n    denominator = 1.0 + z * z / n",
        ("tests/test_expectations.py::test_wilson_interval_matches_published_values",),
    ),
    # -- the UI's key handling -----------------------------------------------------------------------------
    Mutant(
        "ui-enter-does-not-add-the-move",
        "Enter on the round screen no longer adds the chosen move to the orders",
        "sim/ui/scenes/round.py",
        '        elif key == "return":',
        '        elif key == "kp_enter":',
        ("tests/test_ui_app.py::test_menu_briefing_twelve_rounds_of_chosen_moves_then_the_debrief",),
    ),
    Mutant(
        "ui-log-keys-misnamed",
        "PgUp/PgDn on the round screen listen for 'pagedown'/'pageup', names pygame never gives (the old bug)",
        "sim/ui/scenes/round.py",
        '        elif key in ("page down", "page up"):\n'
        '            self.log_scroll += (1 if key == "page down" else -1)',
        '        elif key in ("pagedown", "pageup"):\n            self.log_scroll += (1 if key == "pagedown" else -1)',
        ("tests/test_ui_fixes.py::test_page_down_and_up_scroll_the_round_log",),
    ),
    # -- the RL masks --------------------------------------------------------------------------------------
    Mutant(
        "rl-mask-ignores-the-budget",
        "a learner that has passed (or used its moves) this round still sees every move as possible",
        "sim/rl/episode.py",
        "            mask[closed, 1:] = False\n",
        "",
        ("tests/test_rl_env.py::test_a_learner_that_has_passed_sees_only_pass_until_the_round_is_played",),
    ),
    Mutant(
        "rl-mask-allows-every-plain-move",
        "the mask marks every plain action on every actor possible, ignoring the rules",
        "sim/core/legal.py",
        "plain = feasible[list(PLAIN_ACTIONS)].transpose(1, 0, 2).reshape(n, -1)",
        "plain = np.ones_like(feasible[list(PLAIN_ACTIONS)].transpose(1, 0, 2).reshape(n, -1))",
        ("tests/test_rl_env.py::test_mask_marks_exactly_the_moves_the_rules_allow_now",),
    ),
)


# -- running -----------------------------------------------------------------------------------------------


def tracked_files() -> list[str]:
    """The files of the checkout (tracked, and new files not ignored), as they are on disk."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@contextmanager
def copy_of_tree() -> Iterator[Path]:
    """A throw-away copy of the checkout, so that mutating it never touches the working tree."""
    with tempfile.TemporaryDirectory(prefix="pivot-mutants-") as name:
        here = Path(name)
        for file in tracked_files():
            (here / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / file, here / file)
        yield here


def apply(mutant: Mutant, tree: Path) -> str:
    """Apply ``mutant`` in ``tree``; returns the original text (ValueError if its text is not there once)."""
    path = tree / mutant.file
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise ValueError(
            f"{mutant.name}: the text to mutate occurs {count} times in {mutant.file} (must be once): update the mutant"
        )
    write_text(path, text.replace(mutant.old, mutant.new))
    return text


FAILED = re.compile(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", re.MULTILINE)  # parameter ids may hold spaces


def run_tests(tree: Path, tests: Sequence[str], timeout: float = 900) -> tuple[int, set[str], str]:
    """Run pytest on ``tests`` in ``tree``: exit code, the node ids that failed or errored, and the output."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "no:randomly"]
    command += ["--hypothesis-seed=0", *tests]
    try:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        return -1, set(), f"timed out after {timeout:.0f} s: {exc}"
    output = done.stdout + done.stderr
    return done.returncode, set(FAILED.findall(output)), output


def caught_by(killer: str, failed: set[str]) -> bool:
    """Whether the killer (a node id, maybe of a parametrised test) is among the failed node ids."""
    return any(f == killer or f.startswith(killer + "[") for f in failed)


@dataclass(frozen=True, slots=True)
class Verdict:
    mutant: Mutant
    killed: bool
    survivors: tuple[str, ...]  # killers that passed on the mutant
    seconds: float
    problem: str = ""

    def line(self) -> str:
        if self.problem:
            return f"ERROR    {self.mutant.name}: {self.problem}"
        if self.killed:
            return f"killed   {self.mutant.name} ({len(self.mutant.killers)} killers, {self.seconds:.0f} s)"
        return f"SURVIVED {self.mutant.name}: these tests pass on it: {', '.join(self.survivors)}"


def judge(mutant: Mutant, tree: Path) -> Verdict:
    start = time.monotonic()
    try:
        original = apply(mutant, tree)
    except ValueError as exc:
        return Verdict(mutant, False, (), 0.0, str(exc))
    try:
        code, failed, output = run_tests(tree, mutant.killers)
    finally:
        write_text(tree / mutant.file, original)
    seconds = time.monotonic() - start
    if code not in (0, 1):  # 2 interrupted, 3 internal error, 4 usage (a killer that does not exist), 5 none
        tail = "\n".join(output.strip().splitlines()[-5:])
        return Verdict(mutant, False, (), seconds, f"pytest exited {code}:\n{tail}")
    survivors = tuple(k for k in mutant.killers if not caught_by(k, failed))
    return Verdict(mutant, not survivors, survivors, seconds)


def run_suite(mutants: Sequence[Mutant], jobs: int) -> int:
    killers = sorted({k for m in mutants for k in m.killers})
    with copy_of_tree() as tree:
        print(f"baseline: {len(killers)} killing tests on the unchanged tree", flush=True)
        code, failed, output = run_tests(tree, killers)
        if code != 0:
            print(output[-3000:])
            print(f"the killing tests must pass on the unchanged tree first; failed: {sorted(failed)}")
            return 1
        trees = [tree]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            extra = [stack_enter(copy_of_tree()) for _ in range(max(1, jobs) - 1)]
            trees += [t for t, _ in extra]
            slots = list(range(len(trees)))
            verdicts: list[Verdict] = []
            queue = list(mutants)

            def worker(slot: int) -> list[Verdict]:
                out = []
                while queue:
                    try:
                        mutant = queue.pop(0)
                    except IndexError:
                        break
                    verdict = judge(mutant, trees[slot])
                    print(verdict.line(), flush=True)
                    out.append(verdict)
                return out

            for result in pool.map(worker, slots):
                verdicts += result
            for _, exit_ in extra:
                exit_()
    bad = [v for v in verdicts if not v.killed]
    print(f"{len(verdicts) - len(bad)} of {len(verdicts)} mutants killed")
    return 1 if bad else 0


def stack_enter(manager):  # type: ignore[no-untyped-def]
    """Enter a context manager by hand; returns its value and a function that exits it."""
    value = manager.__enter__()
    return value, lambda: manager.__exit__(None, None, None)


def discover(name: str, tests: Sequence[str]) -> int:
    mutant = by_name(name)
    with copy_of_tree() as tree:
        apply(mutant, tree)
        code, failed, output = run_tests(tree, tests, timeout=3600)
    print(output.strip().splitlines()[-1] if output.strip() else "")
    print(f"{mutant.name}: {len(failed)} tests fail (pytest exit {code})")
    for node in sorted(failed):
        print(f"  {node}")
    return 0


def markdown() -> str:
    """The table of docs/reliability.md's "Mutants" section (tests/test_doc_examples.py keeps them in step)."""
    rows = ["| mutant | what it breaks | tests that must catch it |", "|---|---|---|"]
    for m in MUTANTS:
        killers = ", ".join(f"`{k.removeprefix('tests/')}`" for k in m.killers)
        rows.append(f"| `{m.name}` (`{m.file}`) | {m.what} | {killers} |")
    return "\n".join(rows)


def by_name(name: str) -> Mutant:
    for mutant in MUTANTS:
        if mutant.name == name:
            return mutant
    raise SystemExit(f"no mutant named {name!r}; --list shows them")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the mutants and their killers, then stop")
    parser.add_argument("--markdown", action="store_true", help="print the table for docs/reliability.md")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--jobs", type=int, default=2, help="mutants judged at once, each in its own copy")
    parser.add_argument("--discover", nargs="+", metavar=("NAME", "TEST"), help="which of TESTs fail on NAME")
    args = parser.parse_args(argv)
    if args.list:
        for m in MUTANTS:
            print(f"{m.name}: {m.what} ({m.file})")
            for k in m.killers:
                print(f"    {k}")
        return 0
    if args.markdown:
        print(markdown())
        return 0
    if args.discover:
        return discover(args.discover[0], args.discover[1:] or ["tests"])
    chosen = [by_name(n) for n in args.only] if args.only else list(MUTANTS)
    return run_suite(chosen, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
