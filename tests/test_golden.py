"""Golden run: a stored seeded run of the base scenario; any change of behaviour shows up here.

When a change of the model is intended, regenerate the file in the same commit and say why:
    python run.py run medvedev_visit_2015 --seed 2015 --format json | python -c "import json, sys; \
        d = json.load(sys.stdin); [d.pop(k) for k in ('scenario_hash', 'overrides')]; \
        print(json.dumps(d, indent=2, ensure_ascii=False))" > tests/golden/medvedev_visit_2015_seed2015.json
(the file holds the run, not the provenance keys the CLI adds).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.runs import play, run_document

GOLDEN = Path(__file__).parent / "golden" / "medvedev_visit_2015_seed2015.json"


def _compare(actual, expected, path: str = "") -> None:  # type: ignore[no-untyped-def]
    if isinstance(expected, dict):
        assert set(actual) == set(expected), path
        for key in expected:
            _compare(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), path
        for k, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _compare(a, e, f"{path}[{k}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=1e-6), path
    elif path.endswith(".engine"):
        return
    else:
        assert actual == expected, path


def test_base_scenario_seed_2015_matches_the_golden_run(base_setup) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(json.dumps(run_document(play(base_setup, 2015), 2015)))
    _compare(document, json.loads(GOLDEN.read_text()))
