"""Mesa users: the DataCollector's model reporters, and `mesa.batch_run` over the adapter, give batch's measures."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pandas as pd
import pytest

from sim.batch import run_batch, run_seed
from sim.core import AlignmentModel
from sim.core.reporters import column, model_reporters


def test_the_collector_reports_every_pair_and_actor_each_round(base_setup) -> None:  # type: ignore[no-untyped-def]
    model = AlignmentModel(base_setup, rng=4)
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    ids = base_setup.actor_ids
    n = len(ids)
    assert len(frame) == len(model.history) == base_setup.rounds + 1
    assert list(frame.columns) == list(model_reporters(ids))
    assert len(frame.columns) == 2 + n * (n - 1) // 2 + 3 * n
    for r, record in enumerate(model.history):
        row = frame.iloc[r]
        assert row["round"] == record.round and row["outcome"] == record.outcome
        for i in range(n):
            for j in range(i + 1, n):
                assert row[column("alignment", ids[i], ids[j])] == record.alignment[i, j]
            assert row[column("hedging", ids[i])] == record.hedging[i]
            assert row[column("kuik_hedging", ids[i])] == record.kuik.hedging[i]
            assert row[column("bloc_tilt", ids[i])] == record.bloc_tilt[i]


def test_mesa_batch_run_collects_the_measures_batch_stores() -> None:
    from mesa.batchrunner import batch_run

    from sim.batch.mesa_model import ScenarioModel

    ours = run_batch("medvedev_visit_2015", workers=1, runs=3, seed=5, rounds=3)
    method = multiprocessing.get_start_method(allow_none=True)
    try:  # batch_run sets the global start method; put it back for the other tests in this process
        rows = batch_run(
            ScenarioModel,
            parameters={"scenario": "medvedev_visit_2015", "rounds": 3},
            rng=[run_seed(5, k) for k in range(3)],
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
    finally:
        multiprocessing.set_start_method(method, force=True)
    theirs = pd.DataFrame(rows).drop_duplicates("RunId").sort_values("iteration").reset_index(drop=True)
    measures = [c for c in model_reporters(ScenarioModel().setup.actor_ids) if c != "round"]
    assert len(measures) == 1 + 15 + 18
    assert set(measures) <= set(ours.columns), "every Mesa measure is a batch column of the same name"
    assert theirs["outcome"].tolist() == ours["outcome"].tolist()
    numeric = [c for c in measures if c != "outcome"]
    np.testing.assert_array_equal(theirs[numeric].to_numpy(float), ours[numeric].to_numpy(float))
    assert (theirs["round"] == ours["rounds_played"]).all()


@pytest.mark.parametrize("parts", [("alignment", "a", "b"), ("hedging", "north_korea")])
def test_column_names_join_their_parts(parts: tuple[str, ...]) -> None:
    assert column(*parts) == "__".join(parts)
