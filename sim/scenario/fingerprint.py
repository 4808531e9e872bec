"""Content hashes of scenarios: what a run or a batch plan was played from, independent of key order and layout."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(data: Any) -> str:
    """sha256 of the canonical JSON of a scenario's merged data (key order and layout do not matter)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_hash(data: Any, observed: Any = None) -> str:
    """The content hash of a plan's scenario: its data, and the observed state when it has its own."""
    return content_hash(data if observed is None else {"scenario": data, "observed": observed})
