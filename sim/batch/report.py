"""Plots, an outcome table and a self-contained HTML report from a batch results folder (matplotlib, Agg).

Figures: fan charts of the focal actor's alignment to each power over rounds (median, 50 % and 90 %
bands; needs --trajectories), the outcome distribution per sweep point, the response of key indices to
each swept parameter, and a heat map of the mean final alignment matrix. The HTML embeds every PNG.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.atomic import atomic_file, make_folder
from sim.batch.columns import column, param_column
from sim.batch.engine import base_setup
from sim.batch.lock import holder
from sim.batch.plan import Plan
from sim.batch.runner import alignment_column
from sim.batch.store import (
    MANIFEST_FILE,
    TRAJECTORIES,
    BatchError,
    check_records,
    iter_parts,
    load_results,
    read_plan,
    write_atomic,
)
from sim.batch.summary import Focus, PointTally, Tally, wilson
from sim.scenario.overrides import format_value

#: Okabe & Ito (2008) colour-blind-safe palette (black last).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
FIGURES = "figures"
MAX_FAN_POINTS = 6  # fan charts for at most this many sweep points (first, last and evenly between)
MAX_RESPONSE_BINS = 10  # sampled designs (sensitivity) are binned by value
MAX_OUTCOME_ROWS = 30  # more sweep points than this: one pooled outcome chart (the response plots show trends)


@dataclass
class Report:
    """What `report` wrote: the HTML file, the PNGs, and notes on what could not be drawn."""

    html: Path
    figures: list[Path] = field(default_factory=list)
    table: Path | None = None  # outcome_shares.csv: share, 95 % interval and mean alignments per point
    notes: list[str] = field(default_factory=list)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.25,
        }
    )
    return plt


def _colour(focus: Focus, setup_colours: dict[str, str], actor: str, k: int) -> str:
    colour = setup_colours.get(actor, "")
    return colour if colour and colour.lower() != "#888888" else PALETTE[k % len(PALETTE)]


def _line_colour(colour: str) -> str:
    """A darker shade for lines (pale colours such as yellow stay visible on white)."""
    import matplotlib.colors as mcolors

    r, g, b = mcolors.to_rgb(colour)
    light = 0.299 * r + 0.587 * g + 0.114 * b
    factor = 0.55 if light > 0.7 else 0.85
    return mcolors.to_hex((r * factor, g * factor, b * factor))


def _point_label(plan: Plan, k: int) -> str:
    values = plan.points[k]
    return ", ".join(f"{_short(p)}={_fmt(v)}" for p, v in values.items()) or "base scenario"


def _fmt(value: object) -> str:
    """A value for a label: floats to four significant digits (sampled designs have long ones)."""
    return f"{value:.4g}" if isinstance(value, float) else format_value(value)


def _short(path: str) -> str:
    """A readable short form of a dotted path for axis labels (actors.russia.policy.tau -> russia tau)."""
    parts = path.split(".")
    if parts[0] == "actors" and len(parts) >= 3:
        return f"{parts[1]} {parts[-1]}"
    return ".".join(parts[-3:]) if len(parts) > 3 else path


def _save(fig: Any, path: Path, plt: Any) -> Path:
    """Write the figure as a PNG atomically (an earlier PNG stays whole if the disk fills), then free it."""
    try:
        with atomic_file(path, "wb") as handle:
            fig.savefig(handle, format="png", bbox_inches="tight", facecolor="white")
    finally:
        plt.close(fig)
    return path


# -- figures ---------------------------------------------------------------------------------------------


def fan_chart(frame: pd.DataFrame, focus: Focus, colours: dict[str, str], title: str, path: Path) -> Path:
    """Focal actor's alignment to each power over rounds: median line, 50 % and 90 % bands."""
    plt = _pyplot()
    powers = list(focus.powers)
    cols = min(2, len(powers))
    rows = -(-len(powers) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.4 * rows), sharex=True, sharey=True, squeeze=False)
    labels = frame.drop_duplicates("round").sort_values("round")[["round", "label"]]
    rounds = labels["round"].to_numpy()
    grouped = frame.groupby("round")
    runs = frame["run_id"].nunique()
    for k, power in enumerate(powers):
        ax = axes[k // cols][k % cols]
        column = alignment_column(focus.actors, focus.focal, power)
        q = grouped[column].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack().reindex(rounds)
        colour = _colour(focus, colours, power, k)
        ax.fill_between(rounds, q[0.05], q[0.95], color=colour, alpha=0.22, linewidth=0, label="90 % of runs")
        ax.fill_between(rounds, q[0.25], q[0.75], color=colour, alpha=0.45, linewidth=0, label="50 % of runs")
        ax.plot(rounds, q[0.5], color=_line_colour(colour), linewidth=2.2, label="median")
        ax.axhline(0.0, color="#555555", linewidth=0.8, linestyle=":")
        ax.set_title(f"{focus.names[focus.focal]} – {focus.names[power]}", fontweight="bold")
        if k % cols == 0:
            ax.set_ylabel("alignment (−1 … +1)")
        if k == 0:
            ax.legend(loc="lower left", fontsize=8, frameon=False)
    for k in range(len(powers), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    step = max(1, len(rounds) // 8)
    for ax in axes[-1]:
        ax.set_xticks(rounds[::step])
        ax.set_xticklabels(labels["label"].to_numpy()[::step], rotation=45, ha="right")
        ax.set_xlabel("quarter")
    fig.suptitle(f"{title}\n{runs:,} runs: median, 50 % and 90 % bands", fontsize=12)
    fig.tight_layout()
    return _save(fig, path, plt)


def outcome_chart(tally: Tally, plan: Plan, path: Path) -> Path:
    """Share of each outcome label per sweep point (with 95 % intervals when there is one point)."""
    plt = _pyplot()
    focus = tally.focus
    labels = tally.labels()
    colours = {label: PALETTE[k % len(PALETTE)] for k, label in enumerate(labels)}
    name = focus.names[focus.focal]
    pooled = plan.n_points > MAX_OUTCOME_ROWS
    if plan.n_points == 1 or pooled:
        t = tally.points[0] if not pooled else _pool(tally)
        shares = np.array([t.outcomes[x] / t.ok if t.ok else 0.0 for x in labels])
        ci = np.array([wilson(t.outcomes[x], t.ok) for x in labels]).reshape(-1, 2)
        fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(labels) + 1.6))
        y = np.arange(len(labels))[::-1]
        ax.barh(y, shares, color=[colours[x] for x in labels], edgecolor="white")
        ax.errorbar(shares, y, xerr=[shares - ci[:, 0], ci[:, 1] - shares], fmt="none", ecolor="#222222", capsize=4)
        for yy, s, hi in zip(y, shares, ci[:, 1], strict=True):
            ax.text(hi + 0.01, yy, f"{s:.0%}", va="center", fontsize=9)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, min(1.0, max(ci[:, 1].max() + 0.12, 0.3)))
        ax.set_xlabel("share of runs (bars: 95 % Wilson interval)")
        where = f", all {plan.n_points} points pooled" if pooled else ""
        ax.set_title(f"Final outcome for {name} ({t.ok:,} runs{where})")
        ax.grid(axis="y", visible=False)
    else:
        points = list(range(plan.n_points))
        height = max(2.5, 0.42 * len(points) + 1.8)
        fig, ax = plt.subplots(figsize=(9, height))
        left = np.zeros(len(points))
        for label in labels:
            shares = np.array([t.outcomes[label] / t.ok if t.ok else 0.0 for t in tally.points])
            ax.barh(points, shares, left=left, color=colours[label], edgecolor="white", label=label)
            for p, (s, l0) in enumerate(zip(shares, left, strict=True)):
                if s >= 0.08:
                    ax.text(
                        l0 + s / 2, p, f"{s:.0%}", ha="center", va="center", fontsize=8, color=_text_on(colours[label])
                    )
            left += shares
        ax.set_yticks(points, [f"{_point_label(plan, k)}  (n={tally.points[k].ok})" for k in points], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of runs")
        ax.set_title(f"Final outcome for {name} per sweep point", pad=28)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(4, len(labels)), frameon=False, fontsize=9)
        ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return _save(fig, path, plt)


def _pool(tally: Tally) -> PointTally:
    pooled = PointTally(alignment_sum=np.zeros(len(tally.columns)))
    for t in tally.points:
        pooled.ok += t.ok
        pooled.failed += t.failed
        pooled.outcomes.update(t.outcomes)
    return pooled


def _text_on(colour: str) -> str:
    import matplotlib.colors as mcolors

    r, g, b = mcolors.to_rgb(colour)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.45 else "white"


def response_chart(
    frame: pd.DataFrame, plan: Plan, param: str, focus: Focus, colours: dict[str, str], path: Path
) -> Path:
    """Mean (and 95 % interval of the mean) of key indices against one swept parameter."""
    plt = _pyplot()
    x_column = param_column(param)
    data = frame[frame["status"] == "ok"].copy()
    numeric = pd.api.types.is_numeric_dtype(data[x_column]) and not pd.api.types.is_bool_dtype(data[x_column])
    if plan.design is not None and numeric and data[x_column].nunique() > MAX_RESPONSE_BINS:
        bins = pd.cut(data[x_column], MAX_RESPONSE_BINS)
        data["x"] = bins.apply(lambda b: b.mid).astype(float)
    else:
        data["x"] = data[x_column]
    name = focus.names[focus.focal]
    panels: list[tuple[str, list[tuple[str, str, str]]]] = [
        (f"{name}'s hedging index", [(column("hedging", focus.focal), "hedging", "#000000")]),
        (f"{name}'s bloc tilt (West − East)", [(column("bloc_tilt", focus.focal), "bloc tilt", "#000000")]),
        (
            f"{name}'s alignment to each power",
            [
                (alignment_column(focus.actors, focus.focal, p), focus.names[p], _colour(focus, colours, p, k))
                for k, p in enumerate(focus.powers)
            ],
        ),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.0))
    xs_all = sorted(data["x"].dropna().unique()) if numeric else list(dict.fromkeys(data["x"]))
    for ax, (title, series) in zip(axes, panels, strict=True):
        for col, label, colour in series:
            stats = data.groupby("x")[col].agg(["mean", "std", "count"]).reindex(xs_all)
            half = 1.96 * stats["std"].fillna(0) / np.sqrt(stats["count"].clip(lower=1))
            x = np.asarray(xs_all, dtype=float) if numeric else np.arange(len(xs_all))
            line = _line_colour(colour) if colour != "#000000" else colour
            ax.plot(x, stats["mean"], marker="o", color=line, linewidth=2, label=label)
            ax.fill_between(x, stats["mean"] - half, stats["mean"] + half, color=colour, alpha=0.2, linewidth=0)
        ax.set_title(title)
        ax.set_xlabel(param)
        if not numeric:
            ax.set_xticks(np.arange(len(xs_all)), [str(v) for v in xs_all])
        if len(series) > 1:
            ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    axes[0].set_ylabel("mean over runs (band: 95 % CI)")
    fig.suptitle(f"Response to {param} (final round; other swept parameters pooled)", fontsize=12)
    fig.tight_layout()
    return _save(fig, path, plt)


def heatmap_chart(frame: pd.DataFrame, focus: Focus, title: str, path: Path) -> Path:
    """Mean final alignment of every pair as an annotated matrix (diverging, colour-blind-safe)."""
    plt = _pyplot()
    import matplotlib.colors as mcolors

    ids = list(focus.actors)
    n = len(ids)
    ok = frame[frame["status"] == "ok"]
    matrix = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if i != j:
                matrix[i, j] = ok[alignment_column(ids, ids[i], ids[j])].mean()
    fig, ax = plt.subplots(figsize=(1.05 * n + 2.4, 0.95 * n + 1.4))
    image = ax.imshow(matrix, cmap="PuOr_r", vmin=-1, vmax=1)
    names = [focus.names[a] for a in ids]
    ax.set_xticks(range(n), names, rotation=35, ha="right")
    ax.set_yticks(range(n), names)
    ax.grid(False)
    for i in range(n):
        for j in range(n):
            if i == j:
                ax.text(j, i, "—", ha="center", va="center", fontsize=9, color="#999999")
                continue
            v = matrix[i, j]
            cell = mcolors.to_hex(image.cmap(image.norm(v)))
            ax.text(j, i, f"{v:+.2f}", ha="center", va="center", fontsize=9, color=_text_on(cell))
    fig.colorbar(image, ax=ax, label="mean final alignment", shrink=0.85)
    ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path, plt)


# -- the report ------------------------------------------------------------------------------------------


def write_report(folder: str | Path) -> Report:
    """Draw every figure the folder's data allows and write ``report.html`` beside them."""
    folder = Path(folder)
    plan = read_plan(folder)
    check_records(folder, plan)  # plan.json, scenario.json, manifest and journal as the batch recorded them
    writer = holder(folder)
    setup = base_setup(plan)
    focus = Focus.of(setup)
    colours = {a.id: a.colour for a in setup.actors}
    tally = Tally(plan, focus)
    for part in iter_parts(folder, "summaries", tally.needed_columns):
        tally.add(part)
    if tally.finished == 0:
        raise BatchError(f"{folder}: no finished runs yet: nothing to report")
    figures_dir = make_folder(folder / FIGURES)
    report = Report(folder / "report.html")
    if writer is not None:
        report.notes.append(
            f"a batch is still writing this folder ({writer.describe()}): this report shows the "
            f"{tally.finished} runs finished so far"
        )
    sections: list[tuple[str, Path, str]] = []
    name = focus.names[focus.focal]

    if (folder / TRAJECTORIES).exists():
        wanted = ["run_id", "round", "label", "point", *focus.power_columns()]
        traj = load_results(folder, "trajectories", wanted)
        chosen = _spread(sorted(traj["point"].unique().tolist()), MAX_FAN_POINTS)
        for k in chosen:
            title = f"{name}'s alignment to each power" + (f" — {_point_label(plan, k)}" if plan.n_points > 1 else "")
            suffix = f"_p{k}" if plan.n_points > 1 else ""
            png = fan_chart(traj[traj["point"] == k], focus, colours, title, figures_dir / f"fan_alignment{suffix}.png")
            sections.append(
                ("Alignment over rounds", png, f"Point {k}: {_point_label(plan, k)}" if plan.n_points > 1 else "")
            )
        if len(chosen) < plan.n_points:
            report.notes.append(f"fan charts drawn for {len(chosen)} of {plan.n_points} sweep points")
        del traj
    else:
        report.notes.append(
            "no fan charts: this batch has no per-round records (run the batch with --trajectories to get them)"
        )

    sections.append(("Outcomes", outcome_chart(tally, plan, figures_dir / "outcomes.png"), ""))

    summary_columns = [
        "status",
        *(param_column(p.path) for p in plan.parameters),
        column("hedging", focus.focal),
        column("bloc_tilt", focus.focal),
        *(alignment_column(focus.actors, a, b) for i, a in enumerate(focus.actors) for b in focus.actors[i + 1 :]),
    ]
    frame = load_results(folder, "summaries", summary_columns)
    varied = [p for p in plan.parameters if frame[param_column(p.path)].nunique() > 1]
    for p in varied:
        png = response_chart(frame, plan, p.path, focus, colours, figures_dir / f"response_{_slug(p.path)}.png")
        sections.append(("Response to swept parameters", png, ""))
    if not varied:
        report.notes.append("no response plots: nothing was swept (use --sweep PATH=VALUES)")
    pooled = " (all sweep points pooled)" if plan.n_points > 1 else ""
    heat_title = f"Mean final alignment, {int((frame['status'] == 'ok').sum()):,} runs{pooled}"
    sections.append(
        ("Final alignment matrix", heatmap_chart(frame, focus, heat_title, figures_dir / "heatmap_alignment.png"), "")
    )
    report.figures = [png for _, png, _ in sections]
    report.table = folder / "outcome_shares.csv"
    write_atomic(report.table, tally.frame().to_csv(index=False).encode("utf-8"))
    _write_html(report, folder, plan, tally, sections)
    return report


def _spread(items: Sequence[int], count: int) -> list[int]:
    if len(items) <= count:
        return list(items)
    picks = np.linspace(0, len(items) - 1, count).round().astype(int)
    return [items[k] for k in dict.fromkeys(picks.tolist())]


def _slug(path: str) -> str:
    return path.replace(".", "_")


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }
.ci { color: #666; font-size: 0.85em; } figure { margin: 1.2em 0; } img { max-width: 100%; }
code { background: #f4f4f4; padding: 1px 4px; } figcaption { color: #555; }
"""


def _outcome_table(plan: Plan, tally: Tally) -> str:
    e, focus, labels = html.escape, tally.focus, tally.labels()
    header = "".join(f"<th>{e(x)}</th>" for x in ["point", "parameters", "runs", "failed", *labels])
    header += "".join(f"<th>A({e(focus.names[p])})</th>" for p in focus.powers)
    rows = []
    for k, t in enumerate(tally.points):
        cells = [f"<td>{k}</td><td>{e(_point_label(plan, k))}</td><td>{t.ok}</td><td>{t.failed}</td>"]
        for label in labels:
            lo, hi = wilson(t.outcomes[label], t.ok)
            share = t.outcomes[label] / t.ok if t.ok else float("nan")
            cells.append(f"<td>{share:.2f} <span class=ci>[{lo:.2f}, {hi:.2f}]</span></td>")
        means = t.alignment_sum / t.ok if t.ok else np.full(len(focus.powers), np.nan)
        cells += [f"<td>{m:+.2f}</td>" for m in means]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{header}</tr>{''.join(rows)}</table>"


def _trade_table(plan: Plan, tally: Tally) -> str:
    """The focal actor's mean final exports to and imports from each partner, per point (a sweep's effect)."""
    e, focus = html.escape, tally.focus
    if not any(t.trade_runs for t in tally.points):
        return ""
    names = [focus.names.get(p, p) for p in tally.partners]
    header = "<th>point</th><th>parameters</th>" + "".join(f"<th>to {e(n)}</th>" for n in names)
    header += "".join(f"<th>from {e(n)}</th>" for n in names)
    rows = []
    for k in range(len(tally.points)):
        cells = "".join(f"<td>{m:.2f}</td>" for m in tally.trade_means(k))
        rows.append(f"<tr><td>{k}</td><td>{e(_point_label(plan, k))}</td>{cells}</tr>")
    title = f"Mean final trade of {e(focus.names[focus.focal])} by partner (USD bn a year: exports to, imports from)"
    return f"<h2>{title}</h2><table><tr>{header}</tr>{''.join(rows)}</table>"


def _plan_list(folder: Path, plan: Plan) -> str:
    e = html.escape
    try:
        sessions = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8")).get("sessions") or []
    except (OSError, ValueError):
        sessions = []
    if plan.design is not None:
        sweep = [f"{len(plan.points)} sampled points over {', '.join(p.path for p in plan.parameters)}"]
    else:
        sweep = [f"sweep {p.path}: {', '.join(format_value(v) for v in p.values)}" for p in plan.parameters]
    fixed = ", ".join(f"{k}={format_value(v)}" for k, v in plan.fixed.items()) or "none"
    items = [
        f"engine {plan.engine}; scenario {plan.scenario.source}, content hash {plan.scenario.hash[:16]}",
        f"root seed {plan.seed}; seeds per point: {', '.join(str(n) for n in sorted(set(plan.runs)))}; "
        f"plan fingerprint {plan.fingerprint}",
        f"fixed values: {fixed}",
        *(sweep or ["no sweep"]),
        *(f"ran: {s.get('command', '')} ({s.get('started', '')} to {s.get('ended', '')})" for s in sessions),
    ]
    return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"


def _figures(sections: list[tuple[str, Path, str]]) -> str:
    e, out, current = html.escape, [], None
    for heading, png, caption in sections:
        if heading != current:
            out.append(f"<h2>{e(heading)}</h2>")
            current = heading
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        cap = f"<figcaption>{e(caption)}</figcaption>" if caption else ""
        out.append(f'<figure><img alt="{e(png.stem)}" src="data:image/png;base64,{data}">{cap}</figure>')
    return "\n".join(out)


def _write_html(report: Report, folder: Path, plan: Plan, tally: Tally, sections: list[tuple[str, Path, str]]) -> None:
    """report.html: plan and provenance, the outcome table, notes, every figure inline, failed runs."""
    e = html.escape
    name = e(tally.focus.names[tally.focus.focal])
    notes = "".join(f"<li>{e(n)}</li>" for n in report.notes)
    replay = e(f"python run.py batch --plan {folder / 'plan.json'} --out NEW_FOLDER")
    parts = [
        "<!doctype html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>Pivot batch report: {e(plan.scenario.id)}</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Batch report: {e(plan.scenario.id)}</h1>",
        f"<p>Focal actor: <b>{name}</b>. {tally.finished:,} finished runs ({tally.failed} failed) "
        f"over {plan.n_points} point(s).</p>",
        "<h2>Plan</h2>",
        _plan_list(folder, plan),
        f"<p>Replay exactly: <code>{replay}</code></p>",
        f"<h2>Outcome shares (95 % Wilson interval) and mean final alignment of {name}</h2>",
        _outcome_table(plan, tally),
        _trade_table(plan, tally),
        f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "",
        _figures(sections),
        _failure_list(folder),
        "</body></html>",
    ]
    write_atomic(report.html, ("\n".join(parts) + "\n").encode("utf-8"))


def _failure_list(folder: Path) -> str:
    e = html.escape
    items: list[str] = []
    for part in iter_parts(folder, "summaries", ["status", "run_id", "error", "reproduce"]):
        for status, run_id, error, command in zip(
            *(part.column(c).to_pylist() for c in ("status", "run_id", "error", "reproduce")), strict=True
        ):
            if status != "ok" and len(items) < 20:
                items.append(f"<li>run {e(str(run_id))}: {e(str(error))}<br><code>{e(str(command))}</code></li>")
    return f"<h2>Failed runs</h2><ul>{''.join(items)}</ul>" if items else ""
