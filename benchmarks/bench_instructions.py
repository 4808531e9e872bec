"""Instructions per 12-round base run (callgrind), for this checkout and optionally another: a steady figure.

Timings on a shared machine scatter by more than a few per cent; instruction counts do not. This plays 5 and
then 25 runs of the base scenario (construction included, after one warm-up run) under
``valgrind --tool=callgrind`` and reports the difference over 20 runs, so start-up and imports cancel out:

    python benchmarks/bench_instructions.py                      # this checkout
    python benchmarks/bench_instructions.py --against ../old     # and another checkout, with the ratio

Needs valgrind (``apt-get install valgrind``); each count takes a minute or two. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Plays the base scenario: one warm-up run, then ``n`` runs (argv: checkout root, n).
PLAY = """
import sys
from pathlib import Path
root = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(root))
from sim.core import AlignmentModel
from sim.scenario import build_setup, load_scenario
setup = build_setup(load_scenario(root / "scenarios" / "medvedev_visit_2015.yaml"))
AlignmentModel(setup, rng=100, collect=False).run()
for seed in range(int(sys.argv[2])):
    AlignmentModel(setup, rng=seed, collect=False).run()
"""


def instructions(checkout: Path, runs: int) -> int:
    """Instructions callgrind counts for the whole process playing ``runs`` runs in ``checkout``."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": ""}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", PLAY]
    result = subprocess.run(
        [*command, str(checkout), str(runs)], cwd="/", env=env, capture_output=True, text=True, check=False
    )
    found = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed in {checkout}:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def per_run(checkout: Path) -> float:
    """Instructions per run: (25 runs - 5 runs) / 20."""
    return (instructions(checkout, 25) - instructions(checkout, 5)) / 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout (a directory) to count and compare")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:  # make bench runs every benchmark: say so and go on
        print("bench_instructions: skipped, it needs valgrind (apt-get install valgrind)")
        return
    here = per_run(ROOT)
    print(f"this checkout: {here / 1e6:.1f} M instructions per 12-round base run")
    if args.against is not None:
        other = per_run(args.against)
        print(f"{args.against}: {other / 1e6:.1f} M instructions per run; this checkout is {here / other:.2f}x it")


if __name__ == "__main__":
    main()
