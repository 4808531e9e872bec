"""Column names of results tables: SQL-friendly (parts joined by ``__``), and the mapping from the old dotted names.

A name is its parts joined by ``__``: ``alignment__cambodia__china``, ``hedging__cambodia``,
``param__actors__russia__policy__tau`` (a swept path's dots become ``__`` too), so SQL needs no quotes.
Folders written before this naming (``alignment.cambodia.china``, ``param.actors.russia.policy.tau``,
``seed``) are still read: :func:`modern_name` maps each old name to its new one as parts are read.
docs/research.md ("Columns of the results tables") lists every column.
"""

from __future__ import annotations

import numpy as np

from sim.batch.plan import run_seed
from sim.core.reporters import SEPARATOR, column

#: Old names that changed for another reason than their dots.
RENAMED = {"seed": "root_seed"}


def param_column(path: str) -> str:
    """The column of a swept or overridden scenario path: ``param__`` + the path with ``__`` for dots."""
    return column("param", *path.split("."))


def modern_name(name: str) -> str:
    """The current name of a column written under any earlier naming (identity for current names)."""
    return RENAMED.get(name, name.replace(".", SEPARATOR))


def run_seed_value(root_seed: int, seed_index: int) -> int:
    """The ``run_seed`` column: 63 bits drawn from the run's own stream (child ``seed_index`` of the root seed).

    It tells runs apart and pairs them across sweep points (same index, same stream); it is not a
    ``--seed`` for ``run`` (replay a run with its ``reproduce`` command: ``--seed ROOT --seed-index K``).
    """
    return int(run_seed(root_seed, seed_index).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


__all__ = ["SEPARATOR", "column", "modern_name", "param_column", "run_seed_value"]
