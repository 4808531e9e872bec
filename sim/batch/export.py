"""Export a results folder as one file: a table as Parquet or CSV, or every table into one DuckDB database.

The folder's parts are read as ``load_results`` reads them (verified against the journal, one row per
run or per run and round, sorted, old column names mapped to the current ones), so an export never
counts a part still being written or a run twice. Every file is written atomically.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.atomic import atomic_file, cause
from sim.batch.store import TRAJECTORIES, BatchError, Table, load_results

FORMATS = (".parquet", ".csv", ".duckdb")


def export_results(folder: str | Path, to: str | Path, table: Table = "summaries") -> dict[str, int]:
    """Write ``folder``'s ``table`` to ``to`` (.parquet or .csv), or all its tables (.duckdb); rows per table."""
    folder, to = Path(folder), Path(to)
    suffix = to.suffix.lower()
    if suffix not in FORMATS:
        allowed = ", ".join(FORMATS)
        raise BatchError(f"{to}: export writes {allowed} files (chosen by the suffix), not {suffix or 'no suffix'}")
    if suffix == ".duckdb":
        return _duckdb(folder, to)
    frame = load_results(folder, table)
    with atomic_file(to, "w" if suffix == ".csv" else "wb") as handle:
        if suffix == ".csv":
            frame.to_csv(handle, index=False)
        else:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), handle, compression="zstd")
    return {table: len(frame)}


def _duckdb(folder: Path, to: Path) -> dict[str, int]:
    try:
        import duckdb  # noqa: PLC0415 - optional (the research extra)
    except ImportError:
        raise BatchError("exporting to .duckdb needs the duckdb package: pip install 'pivot-sim[research]'") from None
    tables: list[Table] = ["summaries", "trajectories"] if (folder / TRAJECTORIES).is_dir() else ["summaries"]
    frames = {name: load_results(folder, name) for name in tables}
    parent = to.parent if str(to.parent) else Path(".")
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{to.name}.", dir=parent))
    except OSError as exc:
        raise BatchError(f"{to}: cannot write here ({cause(exc)})") from None
    try:
        database = scratch / to.name
        with duckdb.connect(str(database)) as con:
            for name, frame in frames.items():
                con.register("frame", frame)
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
                con.unregister("frame")
        with atomic_file(to, "wb") as handle, database.open("rb") as source:
            shutil.copyfileobj(source, handle)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {name: len(frame) for name, frame in frames.items()}
