"""Metrics of a batch by name: resolve what a user typed to a summary column, and say it in words.

A metric is a numeric summary column (``alignment__cambodia__russia``, ``hedging__cambodia``,
``gdp__russia``, ``sanctions__us__russia``, ``objective_score__cambodia``, ...) or an outcome share written
``outcome=LABEL`` (1 for a run whose outcome is LABEL, else 0, so its mean is the share). Names are
matched forgiving case, punctuation and the order of an alignment pair, so ``alignment.russia.cambodia``
and ``Alignment__Cambodia__Russia`` find the same column.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa

from sim.errors import BatchError

#: Column families a user can compare, for messages (A and B are actor ids).
FAMILIES = (
    "alignment__A__B",
    "hedging__A",
    "kuik_hedging__A",
    "bloc_tilt__A",
    "gdp__A",
    "utility__A",
    "threat__A",
    "objective_score__A",
    "sanctions__A__B",
    "tariffs__A__B",
    "debt__A__B",
    "trade__A__B",
    "agreements__A__B",
    "n_blocs",
    "rounds_played",
    "outcome=LABEL",
)

_NOUNS = {
    "hedging": "hedging index",
    "kuik_hedging": "Kuik hedging index",
    "bloc_tilt": "bloc tilt (West − East)",
    "gdp": "GDP (USD bn)",
    "utility": "utility",
    "threat": "domestic threat",
    "objective_score": "objective score (0–100)",
}
_PAIRS = {
    "sanctions": "sanctions on",
    "tariffs": "tariff on",
    "debt": "debt to",
    "trade": "exports to",
    "agreements": "agreements with",
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def numeric_columns(schema: pa.Schema) -> list[str]:
    """The summary columns that hold numbers (metrics), in schema order, without ids and parameters."""
    skip = {"point", "seed_index", "seed", "root_seed", "run_seed"}
    return [
        f.name
        for f in schema
        if (pa.types.is_floating(f.type) or pa.types.is_integer(f.type))
        and f.name not in skip
        and not f.name.startswith("param")
        and not f.name.startswith(("bloc.", "bloc__"))
        and not f.name.startswith("mean_")
    ]


def resolve_metric(text: str, columns: Sequence[str], labels: Iterable[str] = ()) -> str:
    """The column (or ``outcome=LABEL``) a metric name means; BatchError naming what is allowed otherwise."""
    text = text.strip()
    if text.lower().startswith("outcome=") or text.lower().startswith("outcome:"):
        label = text.split(text[7], 1)[1].strip()
        known = list(labels)
        if known and label not in known:
            close = difflib.get_close_matches(label, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise BatchError(f"metric {text!r}: no run has the outcome {label!r}{hint}; outcomes: {', '.join(known)}")
        return f"outcome={label}"
    if text in columns:
        return text
    by_norm = {_norm(c): c for c in columns}
    key = _norm(text)
    if key in by_norm:
        return by_norm[key]
    parts = key.split("_")
    for k in range(1, len(parts) - 1):  # a pair named the other way round: alignment.russia.cambodia
        for j in range(k + 1, len(parts)):
            swapped = "_".join([*parts[:k], *parts[j:], *parts[k:j]])
            if swapped in by_norm and by_norm[swapped].startswith("alignment"):
                return by_norm[swapped]
    close = difflib.get_close_matches(text, list(columns), n=1, cutoff=0.7)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise BatchError(
        f"metric {text!r}: no such column in the results{hint}; a metric is one of "
        f"{', '.join(FAMILIES)} (A, B: actor ids)"
    )


def describe(metric: str, names: Mapping[str, str]) -> str:
    """A metric in words: 'Cambodia–Russia alignment', 'share of runs ending "China-leaning hedger"'."""
    if metric.startswith("outcome="):
        return f"the share of runs ending '{metric.split('=', 1)[1]}'"
    parts = re.split(r"__|\.", metric)

    def name(actor: str) -> str:
        return names.get(actor, actor)

    def owner(actor: str) -> str:
        full = name(actor)
        return f"{full}'" if full.endswith("s") else f"{full}'s"

    if parts[0] == "alignment" and len(parts) == 3:
        return f"{name(parts[1])}–{name(parts[2])} alignment"
    if parts[0] in _PAIRS and len(parts) == 3:
        return f"{owner(parts[1])} {_PAIRS[parts[0]]} {name(parts[2])}"
    if parts[0] in _NOUNS and len(parts) == 2:
        return f"{owner(parts[1])} {_NOUNS[parts[0]]}"
    return metric
