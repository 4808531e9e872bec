"""Notebook-style example: how much do Western sanctions on Russia move Cambodia's alignment, and how sure are we?

Run it as a script (``python docs/examples/research_sanctions.py [RUNS [FOLDER]]``) or cell by cell in Jupyter or
VS Code (the ``# %%`` markers). It plays a linked sweep of US and EU sanctions on Russia, compares every
level with no sanctions on the metrics of the question, draws the figures with ``sim.batch.plots`` and
writes them next to the results as PNG (200 dpi) and PDF.
"""

# %% Setup: where the results go and how many runs per point
import sys
from pathlib import Path

from sim.batch import plots, run_batch
from sim.batch.compare import compare, comparison_frame, text_table

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 100  # the guide uses 400 per point
OUT = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("results/western-sanctions")

# %% One batch: US and EU sanctions on Russia move together from 0 to 1 in five steps (common seeds)
runs = run_batch(
    "medvedev_visit_2015",
    runs=RUNS,
    seed=2015,
    sweep={"sanctions.us.russia,sanctions.eu.russia": "0:1:5"},  # a key with a comma links the paths
    trajectories=True,
    workers=1,  # in this process; several workers re-import a script, so put it under `if __name__ == "__main__":`
    out=OUT,
    resume=(OUT / "plan.json").exists(),
)
columns = ["alignment__cambodia__russia", "alignment__cambodia__china"]
print(runs.groupby("param__sanctions__us__russia")[columns].mean())

# %% The answer: each sanctions level against none, paired by seed, with 95 % intervals and effect sizes
effects = compare(
    OUT, "point=0", metrics=["alignment.cambodia.russia", "alignment.cambodia.china", "outcome=China-leaning hedger"]
)
print(text_table(effects))
comparison_frame(effects).to_csv(OUT / "effects.csv", index=False)

# %% Figures as matplotlib objects: style them further in a notebook, or save them for a paper
figures = {
    "effects": plots.effects_figure(effects),
    "fan_none_vs_full": plots.fan(OUT, points=[0, 4]),
    "outcomes": plots.outcomes(OUT),
    "response": plots.response(OUT, "sanctions.us.russia"),
    "heatmap_full": plots.heatmap(OUT, point=4),
}
for name, fig in figures.items():
    for path in plots.save_formats(fig, OUT / name, ("png", "pdf")):
        print(path)
