"""Print the base scenario's initial alignment beside the 2015 UNGA voting agreement, with rank correlations.

Used to write the table in docs/model.md (a test checks the figures there): `python tools/unga_comparison.py`.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.core.scoring import alignment, policy_affinity  # noqa: E402
from sim.scenario import build_setup, load_scenario  # noqa: E402

CODES = {"KH": "cambodia", "RU": "russia", "CN": "china", "US": "us", "EU": "eu", "ASEAN9": "asean"}


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""

    def ranks(x: list[float]) -> np.ndarray:
        values = np.asarray(x)
        order = values.argsort()
        r = np.empty(len(values))
        r[order] = np.arange(len(values), dtype=float)
        for v in np.unique(values):
            r[values == v] = r[values == v].mean()
        return r

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def comparison() -> tuple[list[tuple[str, str, float, float, float]], float, float]:
    setup = build_setup(load_scenario(ROOT / "scenarios" / "medvedev_visit_2015.yaml"))
    A = alignment(setup.world, setup.scoring.weights)
    P = policy_affinity(setup.world.positions, setup.world.salience)
    rows = []
    with (ROOT / "docs" / "reference" / "unga_agreement_2015.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["period"] != "calendar-2015":
                continue
            i, j = setup.index(CODES[row["actor_a"]]), setup.index(CODES[row["actor_b"]])
            rows.append((CODES[row["actor_a"]], CODES[row["actor_b"]], float(row["agreement_index"]), A[i, j], P[i, j]))
    unga = [r[2] for r in rows]
    return rows, spearman(unga, [r[3] for r in rows]), spearman(unga, [r[4] for r in rows])


def main() -> None:
    rows, rho_alignment, rho_policy = comparison()
    print("| pair | UNGA agreement 2015 | initial alignment A | policy affinity P |")
    print("|---|---|---|---|")
    for a, b, u, al, p in rows:
        print(f"| {a}–{b} | {u:.3f} | {al:+.2f} | {p:.2f} |")
    print(
        f"\nSpearman rank correlation with UNGA agreement: alignment {rho_alignment:.2f}, "
        f"policy affinity {rho_policy:.2f} (15 pairs)"
    )


if __name__ == "__main__":
    main()
