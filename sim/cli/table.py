"""Plain-text rendering of a run document: round-by-round moves with reasons, then a final summary."""

from __future__ import annotations

from typing import Any

from sim.core import ModelSetup
from sim.errors import one_line


def render_table(doc: dict[str, Any], setup: ModelSetup) -> str:
    names = {a.id: a.name for a in setup.actors}
    focal = doc["focal"]
    powers = [setup.actor_ids[k] for k in setup.scoring.powers if setup.actor_ids[k] != focal]
    others = [a for a in doc["actors"] if a != focal and a not in powers]
    partners = powers + others
    out: list[str] = []
    out.append(f"{doc['title']}  [{doc['scenario']}]  seed {doc['seed']}")
    out.append("")
    header = f"{names[focal]}'s alignment to: " + ", ".join(names[p] for p in partners)
    out.append(header)
    start = doc["start"]["alignment"][focal]
    out.append("  start     " + "  ".join(f"{names[p][:10]:>10} {start[p]:+.2f}" for p in partners))
    for rnd in doc["rounds"]:
        out.append("")
        out.append(f"Round {rnd['round']:>2}  {rnd['label']}")
        for event in rnd["events"]:
            out.append(f"  EVENT {event['title']}: {event['text']}")
        for move in rnd["moves"]:
            target = f" -> {names[move['target']]}" if move["target"] else ""
            sector = f" ({move['sector']})" if move["sector"] else ""
            ask = f", if it will {move['ask']}" if move.get("ask") else ""
            out.append(f"  {names[move['actor']]:<16} {move['action']}{sector}{target}{ask}")
            out.append(f"  {'':<16}   why: {move['reason']}")
        row = rnd["alignment"][focal]
        out.append("  alignment " + "  ".join(f"{names[p][:10]:>10} {row[p]:+.2f}" for p in partners))
    final = doc["final"]
    out.append("")
    out.append(
        f"Final state after round {final['round']}"
        + (f" (ended: {final['ended_by_event']})" if final["ended_by_event"] else "")
    )
    ids = doc["actors"]
    width = max(len(a) for a in ids) + 2
    label = max(9, width - 2)  # row labels as wide as the longest id, so 17-actor worlds stay in columns
    out.append(f"  {'alignment':<{label}} " + "".join(f"{a:>{width}}" for a in ids))
    for a in ids:
        cells = "".join(f"{'':>{width}}" if a == b else f"{final['alignment'][a][b]:>+{width}.2f}" for b in ids)
        out.append(f"  {a:<{label}} {cells}")
    out.append("")
    out.append(f"  {'actor':<{label + 1}}{'hedging':>9}{'bloc tilt':>11}  primary partner")
    for a in ids:
        ind = final["indices"][a]
        out.append(f"  {a:<{label + 1}}{ind['hedging']:>9.2f}{ind['bloc_tilt']:>+11.2f}  {ind['primary_partner']}")
    blocs = final["blocs"]
    out.append("")
    out.append(
        f"  blocs ({len(blocs)}, landscape theory): "
        + "  |  ".join(" + ".join(names[a] for a in members) for members in blocs)
    )
    west, east = setup.scoring.bloc_names
    out.append(f"  bloc tilt = mean alignment to {west} minus {east}; hedging 1 = evenly spread over the powers")
    out.append(f"Outcome for {names[focal]}: {final['outcome']}")
    for actor, report in doc.get("objectives", {}).items():
        out.append("")
        out.append(f"Objectives of {names[actor]}: score {report['score']:.0f}/100, grade {report['grade']}")
        for o in report["objectives"]:
            mark = "met   " if o["met"] else "missed"
            out.append(f"  {mark} {o['description']} (weight {o['weight']:g})")
    # Scenario text reaches the terminal here: escape anything that could act on it (ESC, BEL, U+202E...).
    return "\n".join(one_line(line) for line in out) + "\n"
