"""Parameter overrides by dotted path (``actors.russia.policy.tau``) on a scenario's raw data, as sweeps use them."""

from __future__ import annotations

from typing import Any


class OverrideError(ValueError):
    """A dotted path that cannot be followed through the data (one-line message)."""


def apply_override(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with the value at ``path`` replaced (the original is not changed).

    Mapping keys that do not exist yet are created, so a default can be overridden
    (``dynamics.relation_memory`` when the file leaves ``dynamics`` empty); list items are
    addressed by number (``events.0.chance``). Whether the result is a valid scenario is for
    validation to say, with the usual located message.
    """
    parts = path.split(".")
    if not parts or any(not p for p in parts):
        raise OverrideError(f"{path!r} is not a dotted path such as actors.russia.policy.tau")
    root: dict[str, Any] = dict(data)
    node: Any = root
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if last:
                node[part] = value
                break
            child = node.get(part)
            child = {} if child is None else _copy(child, where)
            node[part] = child
            node = child
        elif isinstance(node, list):
            if not part.isdigit():
                raise OverrideError(f"{where}: {'.'.join(parts[:depth])} is a list; address its items by number")
            k = int(part)
            if k >= len(node):
                raise OverrideError(f"{where}: the list has {len(node)} item(s), numbered from 0")
            if last:
                node[k] = value
                break
            node[k] = _copy(node[k], where)
            node = node[k]
        else:
            raise OverrideError(f"{where}: {'.'.join(parts[:depth])} is a single value, not a section")
    return root


def _copy(node: Any, where: str) -> Any:
    if isinstance(node, dict):
        return dict(node)
    if isinstance(node, list):
        return list(node)
    return node
