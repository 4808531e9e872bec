"""A results folder as a dataset: readable whole per table by pandas, pyarrow and duckdb, exported, and old folders.

summaries/ and trajectories/ are separate datasets; column names need no quoting in SQL; ``root_seed``
says it is the plan's seed and ``run_seed`` tells runs apart; folders written with the old dotted names
are still read (under the new names) by ``load_results``, ``report`` and ``export``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from sim.batch import load_results, run_batch
from sim.batch.columns import modern_name, param_column, run_seed_value
from sim.batch.store import JOURNAL_FILE, Journal, _line_check
from sim.core.reporters import column
from tests.conftest import run_cli

SWEEP = {"actors.russia.policy.tau": [0.05, 0.5]}
RUNS, ROUNDS, SEED = 5, 3, 17
SQL_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dataset") / "results"
    run_batch(
        "medvedev_visit_2015",
        runs=RUNS,
        seed=SEED,
        rounds=ROUNDS,
        sweep=SWEEP,
        workers=1,
        out=out,
        trajectories=True,
        chunk_size=3,
    )
    return out


def test_each_table_reads_whole_with_pandas_pyarrow_and_duckdb(folder: Path) -> None:
    runs = 2 * RUNS
    expected = {"summaries": runs, "trajectories": runs * (ROUNDS + 1)}
    for table, rows in expected.items():
        assert len(pd.read_parquet(folder / table)) == rows
        assert pq.read_table(folder / table).num_rows == rows
        assert ds.dataset(folder / table, format="parquet").count_rows() == rows
        query = f"SELECT * FROM read_parquet('{folder / table}/*.parquet')"
        assert len(duckdb.sql(query).df()) == rows, "SELECT * over one table's parts: one schema"
        assert len(load_results(folder, table)) == rows


def test_column_names_need_no_quotes_in_sql(folder: Path) -> None:
    for table in ("summaries", "trajectories"):
        names = pq.read_schema(next((folder / table).glob("part-*.parquet"))).names
        assert all(SQL_NAME.match(n) for n in names), [n for n in names if not SQL_NAME.match(n)]
    tau = param_column("actors.russia.policy.tau")
    assert tau == "param__actors__russia__policy__tau"
    means = duckdb.sql(
        f"SELECT {tau}, avg(alignment__cambodia__china) AS china, count(*) AS n "
        f"FROM read_parquet('{folder}/summaries/*.parquet') GROUP BY {tau} ORDER BY {tau}"
    ).fetchall()
    frame = load_results(folder)
    assert [row[0] for row in means] == [0.05, 0.5] and [row[2] for row in means] == [RUNS, RUNS]
    by_pandas = frame.groupby(tau)["alignment__cambodia__china"].mean().tolist()
    assert [row[1] for row in means] == pytest.approx(by_pandas)


def test_root_seed_and_run_seed(folder: Path) -> None:
    frame = load_results(folder)
    assert (frame["root_seed"] == SEED).all() and "seed" not in frame.columns
    assert frame["run_seed"].tolist() == [run_seed_value(SEED, k) for k in frame["seed_index"]]
    per_index = frame.groupby("seed_index")["run_seed"].nunique()
    assert (per_index == 1).all(), "the same seed index plays the same stream at every point (paired runs)"
    assert frame["run_seed"].nunique() == RUNS
    assert frame["run_seed"].between(0, 2**63 - 1).all()


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_export_one_table(folder: Path, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"runs{suffix}"
    result = run_cli("export", str(folder), "--to", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"wrote {target} (summaries {2 * RUNS} rows)\n"
    exported = pd.read_parquet(target) if suffix == ".parquet" else pd.read_csv(target)
    expected = load_results(folder)
    assert list(exported.columns) == list(expected.columns)
    assert exported["run_id"].tolist() == expected["run_id"].tolist()
    np.testing.assert_allclose(exported["hedging__cambodia"], expected["hedging__cambodia"])
    rounds = run_cli("export", str(folder), "--to", str(tmp_path / f"rounds{suffix}"), "--table", "trajectories")
    assert rounds.returncode == 0 and f"trajectories {2 * RUNS * (ROUNDS + 1)} rows" in rounds.stderr


def test_export_every_table_to_duckdb(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "batch.duckdb"
    result = run_cli("export", str(folder), "--to", str(target))
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM summaries").fetchall() == [(2 * RUNS,)]
        assert con.sql("SELECT count(*) FROM trajectories").fetchall() == [(2 * RUNS * (ROUNDS + 1),)]
        joined = con.sql(
            "SELECT count(*) FROM trajectories t JOIN summaries s USING (run_id) WHERE t.round = s.rounds_played"
        ).fetchall()
        assert joined == [(2 * RUNS,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.duckdb"], "no scratch file is left behind"


def test_export_refuses_what_it_cannot_write(folder: Path, tmp_path: Path) -> None:
    bad = run_cli("export", str(folder), "--to", str(tmp_path / "runs.xlsx"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "the file must end in .parquet, .csv, .duckdb" in bad.stderr
    missing = run_cli("export", str(tmp_path / "nothing"), "--to", str(tmp_path / "x.csv"))
    assert missing.returncode == 1 and "not a batch results folder" in missing.stderr
    assert not (tmp_path / "x.csv").exists()


def _old_name(name: str) -> str | None:
    """The name an earlier version wrote (None: the column did not exist)."""
    if name == "run_seed":
        return None
    return "seed" if name == "root_seed" else name.replace("__", ".")


def _as_written_before(folder: Path, target: Path) -> Path:
    """A copy of ``folder`` with every part rewritten under the old dotted names (journal checksums updated)."""
    shutil.copytree(folder, target)
    journal = Journal(target)
    state = journal.read()
    for event in state.events:
        if event["event"] != "part":
            continue
        path = target / event["part"]
        table = pq.read_table(path)
        keep = [n for n in table.column_names if _old_name(n) is not None]
        old = table.select(keep).rename_columns([_old_name(n) for n in keep])
        sink = pa.BufferOutputStream()
        pq.write_table(old, sink)
        payload = sink.getvalue().to_pybytes()
        path.write_bytes(payload)
        event["sha256"] = hashlib.sha256(payload).hexdigest()
    lines = []
    for event in state.events:
        record = {k: v for k, v in event.items() if k != "check"}
        lines.append(json.dumps({**record, "check": _line_check(record)}, ensure_ascii=True) + "\n")
    (target / JOURNAL_FILE).write_text("".join(lines))
    return target


def test_old_folders_are_read_under_the_new_names(folder: Path, tmp_path: Path) -> None:
    old = _as_written_before(folder, tmp_path / "old")
    assert "alignment.cambodia.china" in pq.read_schema(next((old / "summaries").glob("part-*.parquet"))).names
    now, before = load_results(folder), load_results(old)
    assert list(before.columns) == [c for c in now.columns if c != "run_seed"]
    pd.testing.assert_frame_equal(before, now.drop(columns="run_seed"))
    chosen = load_results(old, "summaries", ["hedging__cambodia", "root_seed"])
    assert list(chosen.columns) == ["point", "seed_index", "hedging__cambodia", "root_seed"]
    exported = run_cli("export", str(old), "--to", str(tmp_path / "old.parquet"))
    assert exported.returncode == 0, exported.stderr
    assert "alignment__cambodia__china" in pd.read_parquet(tmp_path / "old.parquet").columns
    report = run_cli("report", str(old))
    assert report.returncode == 0, report.stderr


def test_the_documented_mapping_is_the_code_s() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "research.md").read_text()
    section = text.split("## Columns of the results tables", 1)[1].split("\n## ", 1)[0]
    for old, new in [
        ("seed", "root_seed"),
        ("alignment.cambodia.china", "alignment__cambodia__china"),
        ("param.actors.russia.policy.tau", "param__actors__russia__policy__tau"),
        ("mean_alignment.china", "mean_alignment__china"),
    ]:
        assert modern_name(old) == new
    assert "`seed` → `root_seed`" in section
    assert column("alignment", "a", "b") == "alignment__a__b"


def test_every_summary_and_trajectory_column_is_documented(folder: Path) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "research.md").read_text()
    section = text.split("## Columns of the results tables", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_<>]+)`", section, flags=re.MULTILINE))
    for table in ("summaries", "trajectories"):
        for name in pq.read_schema(next((folder / table).glob("part-*.parquet"))).names:
            generic = re.sub(r"^(param)__.*$", r"\1__<path>", name)
            generic = re.sub(r"^(alignment)__[a-z0-9_]+$", r"\1__<a>__<b>", generic)
            generic = re.sub(r"^([a-z_]+?)__(cambodia|russia|china|us|eu|asean)$", r"\1__<actor>", generic)
            assert generic in documented, f"{table}.{name} ({generic}) is not in docs/research.md's column table"
