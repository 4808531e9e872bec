"""Run the property-based test modules many times in a row, each with a fresh Hypothesis database and seed.

    python tools/hypothesis_soak.py [--times 20] [--first-seed 1] [MODULE ...]

A flaky property (one that fails only for some draws, such as the lone surrogate the fuzz test once met)
shows up here: every repetition starts from an empty example database (HYPOTHESIS_STORAGE_DIRECTORY in a new
temporary folder) and another ``--hypothesis-seed``. The modules default to every test module that imports
hypothesis, without the tests marked slow. Prints one line per repetition and exits 1 at the first failure,
naming the seed that reproduces it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def property_modules() -> list[str]:
    """The test modules that use Hypothesis."""
    uses = ("from hypothesis", "import hypothesis")
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").glob("test_*.py")
        if any(word in path.read_text(encoding="utf-8") for word in uses)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("modules", nargs="*", help="test modules (default: every one that uses hypothesis)")
    args = parser.parse_args()
    modules = args.modules or property_modules()
    print(f"{len(modules)} modules: {' '.join(Path(m).stem for m in modules)}", flush=True)
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    for k in range(args.times):
        seed = args.first_seed + k
        with tempfile.TemporaryDirectory(prefix="pivot-hypothesis-") as fresh:
            env["HYPOTHESIS_STORAGE_DIRECTORY"] = fresh
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider",
                 f"--hypothesis-seed={seed}", *modules],
                cwd=ROOT, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
        last = (result.stdout.strip().splitlines() or [""])[-1]
        print(f"{k + 1:2d}/{args.times}  seed {seed:<4d} {time.monotonic() - started:6.0f} s  {last}", flush=True)
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-2000:], sep="\n")
            print(f"failed with --hypothesis-seed={seed} and a fresh database")
            return 1
    print(f"all {args.times} repetitions passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
