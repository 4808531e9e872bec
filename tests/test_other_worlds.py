"""Another world: Europe 1936 with 17 states, and the partition into blocs it ends in over many seeds.

Historical check (Axelrod & Bennett 1993, scenarios/europe_1936.yaml): landscape theory on 1936 data put
all but two of 17 European states on their Second World War side. The scenario's starting alignment is
held to the same standard here; the runs are held to the intended behaviour of the engine: Europe does
not melt into one bloc, and Germany and France stay apart.
"""

from __future__ import annotations

import pytest

from sim.core import AlignmentModel, ModelSetup, RoundRecord
from sim.core.blocs import Partition, partition_by_capability
from sim.scenario import build_setup, load_scenario
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.slow
SEEDS = range(40)  # ~0.2 s a run of 17 actors x 12 rounds, plus ~25 ms a partition: ~10 s in all
AXIS = {"germany", "italy", "hungary", "romania", "austria"}  # Austria: annexed by Germany in 1938
ALLIES = {"uk", "france", "ussr", "poland", "czechoslovakia", "yugoslavia", "greece", "belgium", "netherlands"}


@pytest.fixture(scope="module")
def setup() -> ModelSetup:
    return build_setup(load_scenario(SCENARIOS / "europe_1936.yaml"))


def blocs(record: RoundRecord) -> Partition:
    return partition_by_capability(record.alignment, record.world.capability)


@pytest.fixture(scope="module")
def finals(setup: ModelSetup) -> list[Partition]:
    return [blocs(AlignmentModel(setup, rng=seed, collect=False).run()[-1]) for seed in SEEDS]


def test_the_1936_start_splits_into_the_two_war_camps_with_at_most_two_states_misplaced(setup: ModelSetup) -> None:
    start = blocs(AlignmentModel(setup, rng=0, collect=False).history[0])
    ids = setup.actor_ids
    side = {a: start.labels[i] for i, a in enumerate(ids)}
    axis_side = side["germany"]
    assert start.k == 2 and side["france"] != axis_side
    misplaced = {a for a in AXIS if side[a] != axis_side} | {a for a in ALLIES if side[a] == axis_side}
    assert len(misplaced) <= 2, misplaced  # measured: {romania}; Portugal (neutral) also sits with the Axis


def test_blocs_are_reported_for_every_actor(finals: list[Partition], setup: ModelSetup) -> None:
    n = len(setup.actor_ids)
    assert all(len(p.labels) == n and 1 <= p.k <= n for p in finals)


def test_europe_does_not_melt_into_one_bloc(finals: list[Partition], setup: ModelSetup) -> None:
    """Consent, relative gains and reciprocity keep opposed camps apart (with unilateral agreements, before
    issue 12, 40 of 40 seeds ended in one bloc with Germany and France together)."""
    ids = setup.actor_ids
    germany, france = ids.index("germany"), ids.index("france")
    one_bloc = sum(p.k == 1 for p in finals)
    apart = sum(p.labels[germany] != p.labels[france] for p in finals)
    print(f"europe_1936 over {len(finals)} seeds: one bloc {one_bloc}, Germany and France apart {apart}")
    assert one_bloc <= 0.25 * len(finals), f"{one_bloc} of {len(finals)} runs end in one bloc"
    assert apart >= 0.6 * len(finals), f"Germany and France apart in only {apart} of {len(finals)} runs"
