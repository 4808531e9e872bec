"""Print the stylized facts table of docs/model.md section 8: each fact in the base scenario and in the null world.

Usage: python tools/stylized_facts.py [--runs 200] [--seed 2015] [--workers N]
Effects are paired by seed (run k of SeedSequence(seed)); intervals are 95 %.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.batch import facts
from sim.batch.executors import make_executor
from sim.scenario import build_setup, load_scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "medvedev_visit_2015.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    base = build_setup(load_scenario(BASE))
    worlds = {"scenario": base, "null world": facts.null_world(base)}
    runs, seed = args.runs, args.seed
    with_executor = make_executor(workers=args.workers)
    try:
        print(f"| fact | measure | {' | '.join(worlds)} |")
        print("|---|---|" + "---|" * len(worlds))
        rows: list[tuple[str, str, list[str]]] = []
        curves = {name: facts.dose_response(w, runs, seed, with_executor) for name, w in worlds.items()}
        for k, level in enumerate(facts.DOSES[1:], start=1):
            rows.append(
                (
                    "(a)",
                    f"Russia's extra cooperative moves to KH+ASEAN, sanctions {level} vs 0",
                    [str(c[k]) for c in curves.values()],
                )
            )
        rows.append(
            (
                "(b)",
                "Cambodia's final Kuik hedging, its interests vs no autonomy interest",
                [
                    str(facts.paired(w, facts.without_autonomy(w), facts.cambodia_kuik, runs, seed, with_executor))
                    for w in worlds.values()
                ],
            )
        )
        rows.append(
            (
                "(c)",
                "US Cambodia's least-aligned power at the end (share)",
                [str(facts.share(w, facts.us_lowest, runs, seed, with_executor)) for w in worlds.values()],
            )
        )
        rows.append(
            (
                "(c)",
                "change of the China-minus-US alignment gap over the game",
                [str(facts.mean_of(w, facts.china_us_gap_change, runs, seed, with_executor)) for w in worlds.values()],
            )
        )
        rows.append(
            (
                "(d)",
                "final Cambodia-Russia alignment, debt written off in round 1 vs not",
                [
                    str(
                        facts.paired(
                            facts.with_debt_cancelled(w), w, facts.cambodia_russia_final, runs, seed, with_executor
                        )
                    )
                    for w in worlds.values()
                ],
            )
        )
        rows.append(
            (
                "(e)",
                "China Cambodia's primary partner at the end (share)",
                [str(facts.share(w, facts.china_primary, runs, seed, with_executor)) for w in worlds.values()],
            )
        )
        rows.append(
            (
                "(f)",
                "Russia's final GDP (USD bn), sanctions 0.5 vs 0",
                [
                    str(
                        facts.paired(
                            facts.with_western_sanctions(w, 0.5),
                            facts.with_western_sanctions(w, 0.0),
                            facts.russia_gdp,
                            runs,
                            seed,
                            with_executor,
                        )
                    )
                    for w in worlds.values()
                ],
            )
        )
        for fact, what, cells in rows:
            print(f"| {fact} | {what} | {' | '.join(cells)} |")
    finally:
        with_executor.close()


if __name__ == "__main__":
    main()
