"""One writer per results folder: ``DIR/.lock`` names the process that writes it (PID, host, start time).

A writer (``batch``, fresh or ``--resume``; ``sensitivity``) takes the lock before it changes anything
in the folder and keeps it until it exits. The lock is an ``flock`` on the file ``DIR/.lock``, which the
kernel releases when its holder dies however it dies (``kill -9`` included), plus a line of JSON inside
that says who holds it. So:

- a second writer is refused at once, in one line naming the holder;
- a lock file left by a dead process (its ``flock`` is free) is stale: the next writer takes it over and
  says whose it was;
- a reader (``report``, ``load_results``) asks :func:`holder` whether a batch is still running, without
  taking anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sim.errors import BatchError, FolderLockedError

LOCK_FILE = ".lock"


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds (or held) a folder's lock."""

    pid: int
    host: str
    started: str
    command: str = ""

    def describe(self) -> str:
        return f"PID {self.pid} on {self.host}, started {self.started}"

    @classmethod
    def of_text(cls, text: str) -> Holder | None:
        try:
            doc: Any = json.loads(text)
            return cls(int(doc["pid"]), str(doc["host"]), str(doc["started"]), str(doc.get("command", "")))
        except (ValueError, KeyError, TypeError):
            return None


def locked_message(folder: Path, who: Holder | None) -> str:
    """The one line that refuses a second writer, naming the first."""
    held = f"by {who.describe()}" if who and who.pid else "by another process"
    return (
        f"{folder} is being written {held}: one writer per results folder; wait for it to finish "
        f"(or stop it), or choose another --out"
    )


def _me(command: str) -> Holder:
    return Holder(os.getpid(), socket.gethostname(), datetime.now(UTC).isoformat(timespec="seconds"), command)


class FolderLock:
    """The write lock of one results folder; use as a context manager, or ``acquire()`` / ``release()``."""

    def __init__(self, folder: str | Path, command: str = "") -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.command = command
        self.stale: Holder | None = None  # the dead holder whose lock this one took over
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock or raise FolderLockedError naming the live holder (never waits)."""
        if self._fd is not None:
            return self
        for _ in range(100):  # the file may be replaced between open and flock: try again on the new one
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise BatchError(f"{self.path}: cannot create the folder's lock: {exc.strerror}") from None
            try:
                _flock_briefly(fd)
            except BlockingIOError:
                who = _holder_of(fd)
                os.close(fd)
                raise FolderLockedError(locked_message(self.folder, who)) from None
            except OSError as exc:
                os.close(fd)
                raise BatchError(f"{self.path}: cannot lock the folder: {exc.strerror}") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the holder removed it as we opened it: lock the file that is there now
                os.close(fd)
                continue
            old = _read_fd(fd)
            self.stale = Holder.of_text(old) if old.strip() else None
            me = json.dumps(_as_dict(_me(self.command)), ensure_ascii=True)
            os.ftruncate(fd, 0)
            os.pwrite(fd, (me + "\n").encode("utf-8"), 0)
            self._fd = fd
            return self
        raise BatchError(f"{self.path}: the lock kept changing hands; try again")

    def release(self) -> None:
        """Remove the lock file (only while holding it), then let go."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def stale_note(self) -> str | None:
        """One line about the dead holder whose lock was taken over, if any."""
        if self.stale is None:
            return None
        return (
            f"{self.folder}: took over a stale lock left by {self.stale.describe()} "
            f"(that process is gone; its finished parts are kept)"
        )

    def __del__(self) -> None:  # a store dropped without close() (a notebook) must not keep the folder
        self.release()

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def _as_dict(holder: Holder) -> dict[str, Any]:
    return {"pid": holder.pid, "host": holder.host, "started": holder.started, "command": holder.command}


def _flock_briefly(fd: int) -> None:
    """An exclusive flock, retried for a tenth of a second: a reader asking who holds the lock holds it
    shared for an instant, and must not make a writer give up."""
    for _ in range(10):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(0.01)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _holder_of(fd: int) -> Holder | None:
    """Who holds the lock, read from its file; a writer that has just taken it may not have said yet."""
    for _ in range(20):
        who = Holder.of_text(_read_fd(fd))
        if who is not None:
            return who
        time.sleep(0.01)
    return None


def _read_fd(fd: int) -> str:
    try:
        return os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        return ""


def holder(folder: str | Path) -> Holder | None:
    """Who is writing ``folder`` now, or None when no live process holds its lock (a reader's question)."""
    path = Path(folder) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not os.path.isfile(path):
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder_of(fd) or Holder(0, "?", "?")
        except OSError:
            return None
        return None  # nobody holds it: a stale file
    finally:
        os.close(fd)
