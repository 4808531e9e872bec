"""The vector engine: many runs of a scenario played as one set of arrays with a leading runs axis (numpy only).

``VectorEngine(setup, keys_for(seeds)).run()`` plays R runs; run r reproduces
``AlignmentModel(setup, rng=seeds[r])`` draw for draw (docs/vector.md).
"""

from sim.vector.engine import (
    RoundBatch,
    UnsupportedScenarioError,
    VectorEngine,
    check_supported,
    keys_for,
    largest_batch,
    unsupported_features,
)

__all__ = [
    "RoundBatch",
    "UnsupportedScenarioError",
    "VectorEngine",
    "check_supported",
    "keys_for",
    "largest_batch",
    "unsupported_features",
]
