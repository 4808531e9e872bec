"""Paths the user names that must be regular files or folders: FIFOs, sockets and devices are refused unopened.

Opening a FIFO blocks until someone writes to it, and reading a device (``/dev/zero``) never ends, so
every path Pivot reads or writes by the user's word -- a scenario, an ``extends:`` base, a save, a
results folder -- is checked with ``stat`` (which never opens it) before anything else.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_kind(path: str | os.PathLike[str]) -> str | None:
    """What ``path`` is when it is neither a regular file nor a folder ("a named pipe (FIFO)"), else None
    (also None when it does not exist: the caller's own check says so)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None


def refuse_special(path: str | os.PathLike[str], error: type[Exception], what: str = "a file") -> None:
    """Raise ``error`` (one line) when ``path`` is a FIFO, socket or device, without opening it."""
    kind = special_kind(path)
    if kind is not None:
        raise error(f"{Path(path)}: is {kind}, not {what}: refused without reading it")
