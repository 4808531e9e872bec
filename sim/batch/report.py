"""Plots, an outcome table and a self-contained HTML report from a batch results folder (matplotlib, Agg).

Figures (drawn by sim.batch.plots, saved as PNG at 200 dpi, SVG and PDF): overlaid fan charts of the
focal actor's alignment to each power over rounds for chosen points (needs --trajectories), outcome
shares with 95 % intervals per point, the response of key indices to each swept parameter, and the mean
final alignment matrix per chosen point. The HTML embeds every PNG with a caption and links the others.
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

from sim.atomic import make_folder
from sim.batch import plots
from sim.batch.columns import column, param_column
from sim.batch.engine import base_setup, plan_warnings
from sim.batch.intervals import wilson
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
from sim.batch.summary import Focus, Tally
from sim.scenario.overrides import format_value

FIGURES = "figures"
MAX_HEATMAPS = 6  # heat maps for at most this many points (the --points, else first, last and between)
FORMATS = ("png", "svg", "pdf")


@dataclass
class Report:
    """What `report` wrote: the HTML file, the PNGs (each with an SVG and a PDF beside it), and notes."""

    html: Path
    figures: list[Path] = field(default_factory=list)
    table: Path | None = None  # outcome_shares.csv: share, 95 % interval and mean alignments per point
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    png: Path
    caption: str


def write_report(folder: str | Path, points: Sequence[int] | None = None) -> Report:
    """Draw every figure the folder's data allows and write ``report.html`` beside them.

    ``points`` are the sweep points whose fan charts are overlaid and whose alignment matrices are drawn
    (default: the first and the last point).
    """
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
    chosen = sorted({0, plan.n_points - 1}) if points is None else list(dict.fromkeys(points))
    bad = [k for k in chosen if not 0 <= k < plan.n_points]
    if bad:
        raise BatchError(f"--points {','.join(map(str, bad))}: the plan has points 0 to {plan.n_points - 1}")
    figures_dir = make_folder(folder / FIGURES)
    report = Report(folder / "report.html")
    if writer is not None:
        report.notes.append(
            f"a batch is still writing this folder ({writer.describe()}): this report shows the "
            f"{tally.finished} runs finished so far"
        )
    report.notes += [f"warning: {w}" for w in plan_warnings(plan, setup)]
    sections: list[Section] = []
    name = focus.names[focus.focal]

    def add(heading: str, fig: Any, stem: str, caption: str) -> None:
        paths = plots.save_formats(fig, figures_dir / stem, FORMATS)
        sections.append(Section(heading, paths[0], caption))

    if (folder / TRAJECTORIES).exists():
        wanted = ["run_id", "round", "label", "point", *focus.power_columns()]
        traj = load_results(folder, "trajectories", wanted)
        traj = traj[traj["point"].isin(chosen)]
        which = "; ".join(f"point {k}: {plots.point_label(plan, k)} ({tally.points[k].ok:,} runs)" for k in chosen)
        add(
            "Alignment over rounds",
            plots.fan_figure(traj, plan, focus, colours, chosen),
            "fan_alignment",
            f"{name}'s alignment to each power after every quarter: the median run (line) and the band holding "
            f"the middle 50 % of runs{' (and 90 %, lighter)' if len(chosen) == 1 else ''}; {which}. "
            f"Choose other points with report --points.",
        )
        del traj
    else:
        report.notes.append(
            "no fan charts: this batch has no per-round records (run the batch with --trajectories to get them)"
        )

    runs = sorted({t.ok for t in tally.points})
    per = f"{runs[0]:,}" if len(runs) == 1 else f"{runs[0]:,} to {runs[-1]:,}"
    add(
        "Outcomes",
        plots.outcomes_figure(tally, plan),
        "outcomes",
        f"Share of runs ending with each outcome label for {name}, with 95 % Wilson intervals, "
        f"{'per sweep point, ' if plan.n_points > 1 else ''}{per} runs{' per point' if plan.n_points > 1 else ''}.",
    )

    summary_columns = [
        "status",
        "point",
        *(param_column(p) for p in plan.paths),
        column("hedging", focus.focal),
        column("kuik_hedging", focus.focal),
        column("bloc_tilt", focus.focal),
        *(alignment_column(focus.actors, a, b) for i, a in enumerate(focus.actors) for b in focus.actors[i + 1 :]),
    ]
    frame = load_results(folder, "summaries", summary_columns)
    ok_runs = int((frame["status"] == "ok").sum())
    varied = [p for p in plan.parameters if frame[param_column(p.path)].nunique() > 1]
    for p in varied:
        add(
            "Response to swept parameters",
            plots.response_figure(frame, plan, p, focus, colours),
            f"response_{_slug(p.path)}",
            f"Mean final Kuik hedging index, bloc tilt and alignment of {name} to each power against {p.label} "
            f"({ok_runs:,} runs; bands: 95 % interval of the mean"
            f"{'; other swept parameters pooled' if len(plan.parameters) > 1 else ''}). Each panel's axis spans at "
            f"least {plots.MIN_SPAN['alignment']} (alignment, tilt) or {plots.MIN_SPAN['hedging']} (hedging), so a "
            f"small change looks small; the note in the panel says how far the means move.",
        )
    if not varied:
        report.notes.append("no response plots: nothing was swept (use --sweep PATH=VALUES)")
    heat_points = chosen[:MAX_HEATMAPS] if plan.n_points > 1 else [0]
    for k in heat_points:
        subset = frame[frame["point"] == k]
        n_ok = int((subset["status"] == "ok").sum())
        where = f" — {plots.point_label(plan, k)}" if plan.n_points > 1 else ""
        add(
            "Final alignment matrix",
            plots.heatmap_figure(subset, focus, f"Mean final alignment, {n_ok:,} runs{where}"),
            f"heatmap_alignment_p{k}" if plan.n_points > 1 else "heatmap_alignment",
            f"Mean final alignment of every pair{f' at point {k} ({plots.point_label(plan, k)})' if where else ''}, "
            f"{n_ok:,} runs, in the game's hues (orange: opposed, light grey: 0, purple: aligned; darker is stronger).",
        )
    report.figures = [s.png for s in sections]
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
        cells = [f"<td>{k}</td><td>{e(plots.point_label(plan, k))}</td><td>{t.ok}</td><td>{t.failed}</td>"]
        for label in labels:
            lo, hi = wilson(t.outcomes[label], t.ok)
            share = t.outcomes[label] / t.ok if t.ok else float("nan")
            cells.append(f"<td>{share:.2f} <span class=ci>[{lo:.2f}, {hi:.2f}]</span></td>")
        for c in range(len(focus.powers)):
            mean, low, high = t.mean_ci(c)
            interval = f" <span class=ci>[{low:+.3f}, {high:+.3f}]</span>" if np.isfinite(low) else ""
            cells.append(f"<td>{mean:+.3f}{interval}</td>")
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
        rows.append(f"<tr><td>{k}</td><td>{e(plots.point_label(plan, k))}</td>{cells}</tr>")
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


def _figures(sections: list[Section]) -> str:
    e, out, current = html.escape, [], None
    for number, section in enumerate(sections, start=1):
        if section.heading != current:
            out.append(f"<h2>{e(section.heading)}</h2>")
            current = section.heading
        data = base64.b64encode(section.png.read_bytes()).decode("ascii")
        files = " ".join(
            f'<a href="{FIGURES}/{e(section.png.stem)}.{fmt}">{fmt.upper()}</a>' for fmt in FORMATS if fmt != "png"
        )
        cap = f"<figcaption><b>Figure {number}.</b> {e(section.caption)} <span class=ci>({files})</span></figcaption>"
        out.append(f'<figure><img alt="{e(section.png.stem)}" src="data:image/png;base64,{data}">{cap}</figure>')
    return "\n".join(out)


def _write_html(report: Report, folder: Path, plan: Plan, tally: Tally, sections: list[Section]) -> None:
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
        f"<h2>Outcome shares (95 % Wilson interval) and mean final alignment of {name} (95 % interval)</h2>",
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
