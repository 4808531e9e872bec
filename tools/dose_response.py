"""Fact (a) at a fine grid of Western sanction levels, with what Russia spends its moves on at each level.

    python tools/dose_response.py [--runs 60] [--seed 2015] [--levels 0,0.125,0.25,0.375,0.5,0.625,0.75,1]

For each level (US and EU sanctions on Russia, Russia's counter-sanctions at half), prints Russia's
applied cooperative moves toward Cambodia and ASEAN over the game, the paired difference from the first
level with its 95 % interval, where Russia's applied cooperation goes (to the US and EU, and the share of it
that goes to Cambodia and ASEAN), and Russia's most frequent moves per game.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.batch import facts
from sim.batch.facts import COOPERATIVE
from sim.batch.plan import run_seed
from sim.core import AlignmentModel
from sim.scenario import build_setup, load_scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "medvedev_visit_2015.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--levels", default="0,0.125,0.25,0.375,0.5,0.625,0.75,1")
    args = parser.parse_args()
    base = build_setup(load_scenario(BASE))
    control: np.ndarray | None = None
    for level in (float(x) for x in args.levels.split(",")):
        setup = facts.with_western_sanctions(base, level)
        ru = setup.index("russia")
        asia = {setup.index("cambodia"), setup.index("asean")}
        west = {setup.index("us"), setup.index("eu")}
        counts, moves = [], Counter()
        to_west, shares = [], []
        for k in range(args.runs):
            model = AlignmentModel(setup, run_seed(args.seed, k), collect=False)
            model.run()
            counts.append(facts.russia_courts_asia(model))
            cooperation = [
                m.target
                for record in model.history
                for m in record.moves
                if m.actor == ru and m.applied and m.action in COOPERATIVE
            ]
            to_west.append(sum(t in west for t in cooperation))
            shares.append(sum(t in asia for t in cooperation) / max(len(cooperation), 1))
            for record in model.history:
                for m in record.moves:
                    if m.actor == ru and m.applied:
                        moves[(m.action, "" if m.target is None else setup.actors[m.target].id)] += 1
        values = np.array(counts)
        control = values if control is None else control
        diff = values - control
        half = 1.96 * diff.std(ddof=1) / np.sqrt(args.runs) if args.runs > 1 else 0.0
        top = ", ".join(f"{a} {t}".strip() + f" {n / args.runs:.2f}" for (a, t), n in moves.most_common(6))
        print(
            f"{level:5.3f}  courts Asia {values.mean():5.2f}  effect {diff.mean():+5.2f} ± {half:4.2f}"
            f"  to the West {np.mean(to_west):5.2f}  Asia's share {np.mean(shares):.2f}  | {top}"
        )


if __name__ == "__main__":
    main()
