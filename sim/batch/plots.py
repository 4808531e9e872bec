"""Figures of a batch as matplotlib Figure objects (for notebooks and papers); `report` saves them to files.

Every function returns a ``matplotlib.figure.Figure`` and draws nothing on screen; ``save_figure`` writes
one as PNG (200 dpi), SVG or PDF by the file's suffix, atomically. Colours follow the game: actors in
their scenario colours, alignment on the game's diverging scale (orange negative, grey 0, purple
positive; sim/ui/theme.py), other series in the Okabe & Ito (2008) colour-blind-safe palette.

    from sim.batch import plots
    fig = plots.fan(folder, points=[0, 4])          # overlaid fan charts of two sweep points
    fig = plots.outcomes(folder)                     # outcome shares with 95 % intervals per point
    fig = plots.response(folder, "sanctions.us.russia")
    fig = plots.heatmap(folder, point=0)
    fig.savefig("fan.pdf")
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.atomic import atomic_file
from sim.batch.columns import column as column_name
from sim.batch.columns import param_column
from sim.batch.intervals import Z95, wilson
from sim.batch.plan import Parameter, Plan
from sim.batch.runner import alignment_column
from sim.batch.summary import Focus, PointTally, Tally
from sim.scenario.overrides import format_value

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.batch.compare import Comparison

#: Okabe & Ito (2008) colour-blind-safe palette (black last).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: The game's alignment hues (sim/ui/theme.py ALIGN_NEG, ALIGN_POS: orange opposed, purple aligned). On paper
#: they run from a light grey at 0 to a darker shade of each hue at ±1, so that 0.3 and 0.9 look different
#: (the game's scale saturates at ±0.6, which suits a map but hides the differences a heat map shows).
ALIGN_NEG, ALIGN_MID, ALIGN_POS = "#B34700", "#F2F2F2", "#5B44B8"
DPI = 200
#: Smallest y-span of a response panel, per metric family: a change smaller than this is drawn small.
MIN_SPAN = {"alignment": 0.2, "hedging": 0.1, "kuik_hedging": 0.1, "bloc_tilt": 0.2}


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend with the report's style (no window is ever opened)."""
    import matplotlib  # noqa: PLC0415 (matplotlib loads only when a figure is drawn)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": DPI,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.25,
            "svg.fonttype": "none",
            "pdf.fonttype": 42,
        }
    )
    return plt


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG (200 dpi), SVG or PDF (by suffix) atomically, then close it."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"{path}: a figure is saved as .png, .svg or .pdf")
    plt = pyplot()
    try:
        with atomic_file(path, "wb") as handle:
            fig.savefig(handle, format=fmt, dpi=DPI, bbox_inches="tight", facecolor="white")
    finally:
        plt.close(fig)
    return path


def save_formats(fig: Figure, stem: Path, formats: Sequence[str] = ("png", "svg", "pdf")) -> list[Path]:
    """Write ``fig`` once per format (``stem.png``, ``stem.svg``, ``stem.pdf``); returns the paths, PNG first."""
    plt = pyplot()
    out = []
    try:
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            with atomic_file(path, "wb") as handle:
                fig.savefig(handle, format=fmt, dpi=DPI, bbox_inches="tight", facecolor="white")
            out.append(path)
    finally:
        plt.close(fig)
    return out


def alignment_cmap() -> Any:
    """The game's alignment hues as a diverging colormap over -1..1: linear in lightness, no saturation."""
    from matplotlib.colors import LinearSegmentedColormap  # noqa: PLC0415

    return LinearSegmentedColormap.from_list("pivot_alignment", [(0.0, ALIGN_NEG), (0.5, ALIGN_MID), (1.0, ALIGN_POS)])


def actor_colour(colours: dict[str, str], actor: str, k: int) -> str:
    colour = colours.get(actor, "")
    return colour if colour and colour.lower() != "#888888" else PALETTE[k % len(PALETTE)]


def line_colour(colour: str) -> str:
    """A darker shade for lines (pale colours such as yellow stay visible on white)."""
    import matplotlib.colors as mcolors  # noqa: PLC0415

    r, g, b = mcolors.to_rgb(colour)
    light = 0.299 * r + 0.587 * g + 0.114 * b
    factor = 0.55 if light > 0.7 else 0.85
    return mcolors.to_hex((r * factor, g * factor, b * factor))


def text_on(colour: str) -> str:
    import matplotlib.colors as mcolors  # noqa: PLC0415

    r, g, b = mcolors.to_rgb(colour)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.45 else "white"


def fmt(value: object) -> str:
    """A value for a label: floats to four significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else format_value(value)


def short(path: str) -> str:
    """A readable short form of a dotted path (actors.russia.policy.tau -> russia tau)."""
    if "+" in path:  # a linked sweep: each of its paths
        return " + ".join(short(p) for p in path.split("+"))
    parts = path.split(".")
    if parts[0] == "actors" and len(parts) >= 3:
        return f"{parts[1]} {parts[-1]}"
    return ".".join(parts[-3:]) if len(parts) > 3 else path


def point_label(plan: Plan, k: int) -> str:
    """A point named by its parameters (a linked sweep once, by its first path)."""
    values = plan.points[k]
    cells = [f"{short(p.label) if p.linked else short(p.path)}={fmt(values[p.path])}" for p in plan.parameters]
    return ", ".join(cells) or "base scenario"


def axis_parameter(plan: Plan) -> Parameter | None:
    """The one numeric parameter that orders a plan's points (for an x axis), or None."""
    if plan.design is not None or len(plan.parameters) != 1:
        return None
    p = plan.parameters[0]
    return p if all(isinstance(v, int | float) and not isinstance(v, bool) for v in p.values) else None


# -- fan charts ------------------------------------------------------------------------------------------


def fan_figure(
    traj: pd.DataFrame, plan: Plan, focus: Focus, colours: dict[str, str], points: Sequence[int] | None = None
) -> Figure:
    """Focal actor's alignment to each power over the quarters: one panel per power, the chosen points
    overlaid on shared axes (median and 50 % band of the runs; one point also gets its 90 % band)."""
    plt = pyplot()
    chosen = list(points) if points is not None else sorted(traj["point"].unique().tolist())
    powers = list(focus.powers)
    cols = min(2, len(powers))
    rows = -(-len(powers) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.4 * cols, 3.5 * rows), sharex=True, sharey=True, squeeze=False)
    labels = traj.drop_duplicates("round").sort_values("round")[["round", "label"]]
    rounds = labels["round"].to_numpy()
    single = len(chosen) == 1
    runs = {k: traj.loc[traj["point"] == k, "run_id"].nunique() for k in chosen}
    styles = ("-", "--", "-.", ":")
    for i, power in enumerate(powers):
        ax = axes[i // cols][i % cols]
        column = alignment_column(focus.actors, focus.focal, power)
        for n, k in enumerate(chosen):
            q = traj[traj["point"] == k].groupby("round")[column].quantile([0.05, 0.25, 0.5, 0.75, 0.95])
            q = q.unstack().reindex(rounds)
            colour = actor_colour(colours, power, i) if single else PALETTE[n % len(PALETTE)]
            name = "median" if single else f"{point_label(plan, k)} (n={runs[k]})"
            if single:
                ax.fill_between(rounds, q[0.05], q[0.95], color=colour, alpha=0.2, linewidth=0, label="90 % of runs")
            ax.fill_between(
                rounds, q[0.25], q[0.75], color=colour, alpha=0.4 if single else 0.22, linewidth=0,
                label="50 % of runs" if single else None,
            )  # fmt: skip
            ax.plot(rounds, q[0.5], color=line_colour(colour), linewidth=2, linestyle=styles[n % 4], label=name)
        ax.axhline(0.0, color="#555555", linewidth=0.8, linestyle=":")
        ax.set_ylim(-1.02, 1.02)
        ax.set_title(f"{focus.names[focus.focal]} – {focus.names[power]}", fontweight="bold")
        if i % cols == 0:
            ax.set_ylabel("alignment (−1 … +1)")
    for i in range(len(powers), rows * cols):
        axes[i // cols][i % cols].set_visible(False)
    step = max(1, len(rounds) // 8)
    for ax in axes[-1]:
        ax.set_xticks(rounds[::step])
        ax.set_xticklabels(labels["label"].to_numpy()[::step], rotation=45, ha="right")
        ax.set_xlabel("quarter")
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(3, len(names)), frameon=False, fontsize=8)
    band = "median, 50 % and 90 % bands" if single else "median (line) and 50 % band of the runs per point"
    total = sum(runs.values())
    fig.suptitle(f"{focus.names[focus.focal]}'s alignment to each power: {band} ({total:,} runs)", fontsize=12)
    fig.tight_layout(rect=(0, 0.06 + 0.02 * ((len(names) - 1) // 3), 1, 1))
    return fig


# -- outcome shares --------------------------------------------------------------------------------------


def pool(tally: Tally) -> PointTally:
    pooled = PointTally(sums=np.zeros(len(tally.tracked)), squares=np.zeros(len(tally.tracked)))
    for t in tally.points:
        pooled.ok += t.ok
        pooled.failed += t.failed
        pooled.outcomes.update(t.outcomes)
    return pooled


def outcomes_figure(tally: Tally, plan: Plan) -> Figure:
    """Share of each outcome label with its 95 % Wilson interval: bars for one point; for several, one
    panel per label with the share at each point (against the swept value when one parameter orders them)."""
    plt = pyplot()
    focus = tally.focus
    labels = tally.labels()
    colours = {label: PALETTE[k % len(PALETTE)] for k, label in enumerate(labels)}
    name = focus.names[focus.focal]
    if plan.n_points == 1:
        t = tally.points[0]
        shares = np.array([t.outcomes[x] / t.ok if t.ok else 0.0 for x in labels])
        ci = np.array([wilson(t.outcomes[x], t.ok) for x in labels]).reshape(-1, 2)
        fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(labels) + 1.6))
        y = np.arange(len(labels))[::-1]
        ax.barh(y, shares, color=[colours[x] for x in labels], edgecolor="white")
        ax.errorbar(shares, y, xerr=[shares - ci[:, 0], ci[:, 1] - shares], fmt="none", ecolor="#222222", capsize=4)
        for yy, s, hi in zip(y, shares, ci[:, 1], strict=True):
            ax.text(hi + 0.01, yy, f"{s:.0%}", va="center", fontsize=9)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of runs (bars: 95 % Wilson interval)")
        ax.set_title(f"Final outcome for {name} ({t.ok:,} runs)")
        ax.grid(axis="y", visible=False)
        fig.tight_layout()
        return fig
    axis = axis_parameter(plan)
    points = list(range(plan.n_points))
    x = np.array([float(plan.points[k][axis.path]) for k in points]) if axis else np.arange(len(points))  # type: ignore[arg-type]
    cols = min(3, len(labels))
    rows = -(-len(labels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.3 * rows + 0.6), squeeze=False, sharey=True)
    for i, label in enumerate(labels):
        ax = axes[i // cols][i % cols]
        share = np.array([t.outcomes[label] / t.ok if t.ok else np.nan for t in tally.points])
        ci = np.array([wilson(t.outcomes[label], t.ok) for t in tally.points])
        colour = colours[label]
        ax.errorbar(
            x, share, yerr=[share - ci[:, 0], ci[:, 1] - share], fmt="o-" if axis else "o", color=line_colour(colour),
            ecolor=colour, capsize=3, linewidth=1.6, markersize=4,
        )  # fmt: skip
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(label)
        if axis is None:
            ax.set_xticks(x, [str(k) for k in points], fontsize=8)
            ax.set_xlabel("sweep point")
        else:
            ax.set_xlabel(short(axis.label))
        if i % cols == 0:
            ax.set_ylabel("share of runs")
    for i in range(len(labels), rows * cols):
        axes[i // cols][i % cols].set_visible(False)
    runs = sorted({t.ok for t in tally.points})
    n = f"{runs[0]:,} runs per point" if len(runs) == 1 else f"{runs[0]:,} to {runs[-1]:,} runs per point"
    fig.suptitle(f"Final outcome for {name}: share of runs with 95 % Wilson intervals ({n})", fontsize=12)
    fig.tight_layout()
    return fig


# -- responses -------------------------------------------------------------------------------------------


def _family(name: str) -> str:
    """The kind of a metric: its first part (alignment, hedging, ...; outcome for an outcome share)."""
    return re.split(r"__|\.|=", name, maxsplit=1)[0]


def response_figure(
    frame: pd.DataFrame, plan: Plan, param: Parameter, focus: Focus, colours: dict[str, str], bins: int = 10
) -> Figure:
    """Mean (band: 95 % interval of the mean) of the focal actor's hedging, bloc tilt and alignment to each
    power against one swept parameter, other parameters pooled. A panel's y axis spans at least a
    meaningful part of the metric's range (MIN_SPAN), and says how far the means move."""
    plt = pyplot()
    column = param_column(param.path)
    data = frame[frame["status"] == "ok"].copy()
    numeric = pd.api.types.is_numeric_dtype(data[column]) and not pd.api.types.is_bool_dtype(data[column])
    if plan.design is not None and numeric and data[column].nunique() > bins:
        data["x"] = pd.cut(data[column], bins).apply(lambda b: b.mid).astype(float)
    else:
        data["x"] = data[column]
    name = focus.names[focus.focal]
    panels: list[tuple[str, list[tuple[str, str, str]]]] = [
        (
            f"{name}'s Kuik hedging index (0 … 1)",
            [(column_name("kuik_hedging", focus.focal), "Kuik hedging", "#000000")],
        ),
        (f"{name}'s bloc tilt (West − East)", [(column_name("bloc_tilt", focus.focal), "bloc tilt", "#000000")]),
        (
            f"{name}'s alignment to each power",
            [
                (alignment_column(focus.actors, focus.focal, p), focus.names[p], actor_colour(colours, p, k))
                for k, p in enumerate(focus.powers)
            ],
        ),
    ]
    panels = [(t, [s for s in series if s[0] in data.columns]) for t, series in panels]
    panels = [(t, series) for t, series in panels if series]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.2), squeeze=False)
    xs_all = sorted(data["x"].dropna().unique()) if numeric else list(dict.fromkeys(data["x"]))
    runs = len(data)
    for ax, (title, series) in zip(axes[0], panels, strict=True):
        low_all, high_all, moves = [], [], []
        for col, label, colour in series:
            stats = data.groupby("x")[col].agg(["mean", "std", "count"]).reindex(xs_all)
            half = Z95 * stats["std"].fillna(0) / np.sqrt(stats["count"].clip(lower=1))
            x = np.asarray(xs_all, dtype=float) if numeric else np.arange(len(xs_all))
            line = line_colour(colour) if colour != "#000000" else colour
            ax.plot(x, stats["mean"], marker="o", color=line, linewidth=2, label=label)
            ax.fill_between(x, stats["mean"] - half, stats["mean"] + half, color=colour, alpha=0.2, linewidth=0)
            low_all.append(float((stats["mean"] - half).min()))
            high_all.append(float((stats["mean"] + half).max()))
            moves.append(float(stats["mean"].max() - stats["mean"].min()))
        span = MIN_SPAN.get(_family(series[0][0]), 0.0)
        low, high = min(low_all), max(high_all)
        if high - low < span:
            mid = (low + high) / 2
            ax.set_ylim(mid - span / 2, mid + span / 2)
        ax.text(
            0.02, 0.03, f"means move by at most {max(moves):.3g} over the sweep", transform=ax.transAxes,
            fontsize=8, color="#444444",
        )  # fmt: skip
        ax.set_title(title)
        ax.set_xlabel(short(param.label))
        if not numeric:
            ax.set_xticks(np.arange(len(xs_all)), [str(v) for v in xs_all])
        if len(series) > 1:
            ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    axes[0][0].set_ylabel("mean over runs (band: 95 % CI of the mean)")
    pooled = "; other swept parameters pooled" if len(plan.parameters) > 1 else ""
    fig.suptitle(f"Response to {short(param.label)} (final round, {runs:,} runs{pooled})", fontsize=12)
    fig.tight_layout()
    return fig


# -- alignment matrix ------------------------------------------------------------------------------------


def heatmap_figure(frame: pd.DataFrame, focus: Focus, title: str) -> Figure:
    """Mean final alignment of every pair as an annotated matrix on the game's alignment colours."""
    plt = pyplot()
    import matplotlib.colors as mcolors  # noqa: PLC0415

    ids = list(focus.actors)
    n = len(ids)
    ok = frame[frame["status"] == "ok"]
    matrix = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if i != j:
                matrix[i, j] = ok[alignment_column(ids, ids[i], ids[j])].mean()
    fig, ax = plt.subplots(figsize=(1.05 * n + 2.4, 0.95 * n + 1.4))
    image = ax.imshow(matrix, cmap=alignment_cmap(), vmin=-1, vmax=1)
    names = [focus.names[a] for a in ids]
    ax.set_xticks(range(n), names, rotation=35, ha="right")
    ax.set_yticks(range(n), names)
    ax.grid(False)
    for i in range(n):
        for j in range(n):
            if i == j:
                ax.text(j, i, "—", ha="center", va="center", fontsize=9, color="#999999")
                continue
            cell = mcolors.to_hex(image.cmap(image.norm(matrix[i, j])))
            ax.text(j, i, f"{matrix[i, j]:+.2f}", ha="center", va="center", fontsize=9, color=text_on(cell))
    fig.colorbar(image, ax=ax, label="mean final alignment (−1 opposed … +1 aligned)", shrink=0.85)
    ax.set_title(title)
    fig.tight_layout()
    return fig


# -- comparisons -----------------------------------------------------------------------------------------


def _effect_axis(results: Sequence[Comparison]) -> str | None:
    """A numeric path whose value differs between the arms B (the x axis of a line of effects), or None."""
    arms = {c.b: c.b_values for c in results}
    if len(arms) < 2:
        return None
    common = set.intersection(*(set(v) for v in arms.values()))
    for path in [p for p in next(iter(arms.values())) if p in common]:
        values = [v[path] for v in arms.values()]
        if all(isinstance(x, int | float) and not isinstance(x, bool) for x in values) and len(set(values)) == len(
            values
        ):
            return path
    return None


def effects_figure(results: Sequence[Comparison]) -> Figure:
    """Each metric's difference B − A with its 95 % interval. When the arms B are points along one swept
    value, one panel per kind of metric with the difference against that value (shared axes, zero line);
    otherwise one panel per metric with one row per arm B (panels of the same kind share their axis)."""
    plt = pyplot()
    axis = _effect_axis(results)
    if axis is not None:
        return _effect_lines(results, axis, plt)
    metrics = list(dict.fromkeys(c.description for c in results))
    arms = list(dict.fromkeys(c.b for c in results))
    cols = min(2, len(metrics))
    rows = -(-len(metrics) // cols)
    families = {_family(c.metric) for c in results}
    fig, axes = plt.subplots(
        rows, cols, figsize=(6.2 * cols, (0.38 * len(arms) + 1.5) * rows), squeeze=False, sharex=len(families) == 1
    )
    for i, metric in enumerate(metrics):
        ax = axes[i // cols][i % cols]
        block = [c for c in results if c.description == metric]
        y = np.arange(len(block))[::-1]
        diff = np.array([c.difference for c in block])
        low = np.array([c.ci_low for c in block])
        high = np.array([c.ci_high for c in block])
        colour = [PALETTE[0] if c.detected else "#888888" for c in block]
        for yy, d, lo, hi, col in zip(y, diff, low, high, colour, strict=True):
            ax.errorbar([d], [yy], xerr=[[d - lo], [hi - d]], fmt="none", ecolor=col, capsize=3, linewidth=1.6)
        ax.scatter(diff, y, color=colour, zorder=3, s=22)
        ax.axvline(0, color="#444444", linewidth=0.9)
        ax.set_yticks(y, [c.b for c in block], fontsize=8)
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel("difference B − A (95 % CI)")
        ax.grid(axis="y", visible=False)
    for i in range(len(metrics), rows * cols):
        axes[i // cols][i % cols].set_visible(False)
    first = results[0]
    how = f"paired by seed, {first.n_pairs:,} pairs" if first.paired else f"{first.n_a:,} and {first.n_b:,} runs"
    fig.suptitle(f"Effect against A = {first.a} ({how}; blue: interval excludes 0)", fontsize=11)
    fig.tight_layout()
    return fig


def _effect_lines(results: Sequence[Comparison], axis: str, plt: Any) -> Figure:
    families = list(dict.fromkeys(_family(c.metric) for c in results))
    fig, axes = plt.subplots(1, len(families), figsize=(6.4 * len(families), 4.2), squeeze=False)
    first = results[0]
    for ax, family in zip(axes[0], families, strict=True):
        block = [c for c in results if _family(c.metric) == family]
        for k, metric in enumerate(dict.fromkeys(c.metric for c in block)):
            series = sorted((c for c in block if c.metric == metric), key=lambda c: float(c.b_values[axis]))
            x = [float(c.b_values[axis]) for c in series]
            diff = np.array([c.difference for c in series])
            low = np.array([c.ci_low for c in series])
            high = np.array([c.ci_high for c in series])
            colour = PALETTE[k % len(PALETTE)]
            ax.plot(x, diff, marker="o", color=line_colour(colour), linewidth=2, label=series[0].description)
            ax.fill_between(x, low, high, color=colour, alpha=0.22, linewidth=0)
        ax.axhline(0, color="#444444", linewidth=0.9)
        same = [p for p, v in first.b_values.items() if v == first.b_values[axis]]  # linked paths move with it
        ax.set_xlabel(" = ".join(short(p) for p in same))
        ax.set_ylabel("difference from A (band: 95 % CI)")
        ax.legend(fontsize=8, frameon=False)
    how = f"paired by seed, {first.n_pairs:,} pairs per level" if first.paired else "independent samples"
    fig.suptitle(f"Effect against A = {first.a} ({how})", fontsize=11)
    fig.tight_layout()
    return fig


# -- sensitivity -----------------------------------------------------------------------------------------


def sobol_figure(indices: pd.DataFrame, title: str) -> Figure:
    """S1 and ST per parameter and metric, bars clipped to [0, 1] with their 95 % intervals (clipped ends
    marked with an arrow); the dummy parameter, when present, is drawn in grey as the noise floor."""
    plt = pyplot()
    metrics = list(dict.fromkeys(indices["metric"]))
    params = list(dict.fromkeys(indices["parameter"]))
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.8 * cols, (0.5 * len(params) + 1.8) * rows + 0.6), squeeze=False)
    y = np.arange(len(params))
    height = 0.38
    for k, metric in enumerate(metrics):
        ax = axes[k // cols][k % cols]
        block = indices[indices["metric"] == metric].set_index("parameter").reindex(params)
        for s, (col, label, colour) in enumerate(
            (("S1", "first order S1", PALETTE[0]), ("ST", "total ST", PALETTE[1]))
        ):
            value = block[col].to_numpy(dtype=float)
            low = block.get(f"{col}_low", block[col] - block[f"{col}_conf"]).to_numpy(dtype=float)
            high = block.get(f"{col}_high", block[col] + block[f"{col}_conf"]).to_numpy(dtype=float)
            shown = np.clip(value, 0, 1)
            colours = ["#AAAAAA" if p == "dummy" else colour for p in params]
            pos = y + (s - 0.5) * height
            ax.barh(pos, shown, height, color=colours, label=label, edgecolor="white")
            lo, hi = np.clip(low, 0, 1), np.clip(high, 0, 1)
            ax.errorbar(shown, pos, xerr=[shown - lo, hi - shown], fmt="none", ecolor="#333333", capsize=2.5, lw=1)
            for yy, v in zip(pos, value, strict=True):
                if math.isfinite(v) and (v < -0.005 or v > 1.005):  # as the warnings count them
                    ax.annotate(f"{v:+.2f}", (min(max(v, 0), 1), yy), fontsize=7, color="#B00000", va="center",
                                xytext=(3, 0), textcoords="offset points")  # fmt: skip
        ax.set_yticks(y, [short(p) for p in params])
        ax.invert_yaxis()
        ax.set_xlim(0, 1.08)
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel("Sobol index (share of variance), clipped to [0, 1]")
        ax.grid(axis="y", visible=False)
    for k in range(len(metrics), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    from matplotlib.patches import Patch  # noqa: PLC0415

    handles = [Patch(color=PALETTE[0], label="first order S1"), Patch(color=PALETTE[1], label="total ST")]
    if "dummy" in params:
        handles.append(Patch(color="#AAAAAA", label="dummy (noise floor)"))
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False)
    fig.suptitle(title + "\nbars: 95 % bootstrap intervals; red numbers: estimates outside [0, 1]", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


# -- notebook helpers: a folder in, a figure out ---------------------------------------------------------


def _context(folder: str | Path) -> tuple[Plan, Focus, dict[str, str]]:
    from sim.batch.engine import base_setup  # noqa: PLC0415
    from sim.batch.store import read_plan  # noqa: PLC0415

    plan = read_plan(folder)
    setup = base_setup(plan)
    return plan, Focus.of(setup), {a.id: a.colour for a in setup.actors}


def tally_of(folder: str | Path) -> Tally:
    """The per-point outcome totals of a results folder."""
    from sim.batch.store import iter_parts  # noqa: PLC0415

    plan, focus, _ = _context(folder)
    tally = Tally(plan, focus)
    for part in iter_parts(folder, "summaries", tally.needed_columns):
        tally.add(part)
    return tally


def fan(folder: str | Path, points: Sequence[int] | None = None) -> Figure:
    """Overlaid fan charts of ``points`` (default: the first and last) of a batch run with --trajectories."""
    from sim.batch.store import load_results  # noqa: PLC0415

    plan, focus, colours = _context(folder)
    chosen = list(points) if points is not None else sorted({0, plan.n_points - 1})
    wanted = ["run_id", "round", "label", "point", *focus.power_columns()]
    traj = load_results(folder, "trajectories", wanted)
    return fan_figure(traj[traj["point"].isin(chosen)], plan, focus, colours, chosen)


def outcomes(folder: str | Path) -> Figure:
    """Outcome shares with 95 % intervals per point."""
    tally = tally_of(folder)
    return outcomes_figure(tally, tally.plan)


def response(folder: str | Path, path: str | None = None) -> Figure:
    """The response of the focal actor's indices to one swept parameter (default: the first)."""
    from sim.batch.store import load_results  # noqa: PLC0415

    plan, focus, colours = _context(folder)
    if not plan.parameters:
        raise ValueError(f"{folder}: nothing was swept")
    param = next((p for p in plan.parameters if path is None or path in p.paths), None)
    if param is None:
        raise ValueError(f"{path} is not swept in {folder}; swept: {', '.join(plan.paths)}")
    frame = load_results(folder, "summaries")
    return response_figure(frame, plan, param, focus, colours)


def heatmap(folder: str | Path, point: int | None = None) -> Figure:
    """The mean final alignment matrix of one point (default: every point pooled)."""
    from sim.batch.store import load_results  # noqa: PLC0415

    plan, focus, _ = _context(folder)
    frame = load_results(folder, "summaries")
    if point is not None:
        frame = frame[frame["point"] == point]
    where = f" — {point_label(plan, point)}" if point is not None and plan.n_points > 1 else ""
    runs = int((frame["status"] == "ok").sum())
    return heatmap_figure(frame, focus, f"Mean final alignment, {runs:,} runs{where}")
