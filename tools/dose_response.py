"""Fact (a) at a fine grid of Western sanction levels, with what Russia spends its moves on at each level.

    python tools/dose_response.py [--runs 60] [--seed 2015] [--levels 0,0.125,0.25,0.375,0.5,0.625,0.75,1]
                                  [--counter 0.5] [--ablation gross-reciprocity]

For each level (US and EU sanctions on Russia, Russia's counter-sanctions at ``--counter`` times it, half by
default as in ``sim.batch.facts``), prints Russia's applied cooperative moves toward Cambodia and ASEAN over
the game, the paired difference from the first level with its 95 % interval, where Russia's applied
cooperation goes (to the US and EU, and the share of it that goes to Cambodia and ASEAN), and Russia's most
frequent moves per game.

``--ablation gross-reciprocity`` is an experiment, not the model: the standing record a sanctions regime
sustains (``sim.core.dynamics.standing_memory``: -0.8 x the part of the sanctions one suffers that one has not
answered in kind) is replaced, for this process only, by the first version's -0.8 x the whole of them, under
which an actor keeps answering sanctions it has already matched. docs/model.md section 8 compares the two.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.batch.facts import COOPERATIVE, russia_courts_asia
from sim.batch.plan import run_seed
from sim.core import AlignmentModel, dynamics
from sim.core.setup import ModelSetup
from sim.core.world import tr
from sim.scenario import build_setup, load_scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "medvedev_visit_2015.yaml"


def gross_standing_memory(sanctions: np.ndarray) -> np.ndarray:
    """The ablation's standing record: every sanction suffered is remembered, answered or not."""
    return dynamics.STANDING_SANCTION * tr(sanctions)


def sanctioned(setup: ModelSetup, level: float, counter: float) -> ModelSetup:
    """US and EU sanctions on Russia at ``level``, Russia's on them at ``counter`` x level, memory as they sustain."""
    world = setup.world.copy()
    ru = setup.index("russia")
    for west in ("us", "eu"):
        world.sanctions[setup.index(west), ru] = level
        world.sanctions[ru, setup.index(west)] = counter * level
    world.memory[:] = dynamics.standing_memory(world.sanctions)
    return replace(setup, world=world, calibration=setup.calibration or setup.world)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--levels", default="0,0.125,0.25,0.375,0.5,0.625,0.75,1")
    parser.add_argument("--counter", type=float, default=0.5, help="Russia's counter-sanctions per unit of level")
    parser.add_argument("--ablation", choices=["gross-reciprocity"], help="an experiment on the model (see above)")
    args = parser.parse_args()
    if args.ablation == "gross-reciprocity":
        dynamics.standing_memory = gross_standing_memory
    base = build_setup(load_scenario(BASE))
    control: np.ndarray | None = None
    for level in (float(x) for x in args.levels.split(",")):
        setup = sanctioned(base, level, args.counter)
        ru = setup.index("russia")
        asia = {setup.index("cambodia"), setup.index("asean")}
        west = {setup.index("us"), setup.index("eu")}
        counts, moves = [], Counter()
        to_west, shares = [], []
        for k in range(args.runs):
            model = AlignmentModel(setup, run_seed(args.seed, k), collect=False)
            model.run()
            counts.append(russia_courts_asia(model))
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
