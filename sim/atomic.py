"""Atomic file output: every file Pivot writes goes through here (temp file beside it, fsync, rename).

A write either replaces the file whole or leaves it as it was: the data goes to a hidden temporary file
in the same folder, is flushed to disk, and is renamed over the target (``os.replace`` is atomic on
one file system). A failure -- full disk, read-only folder, Ctrl-C -- removes the temporary file and
leaves any earlier file at the path byte for byte as it was. Operating-system failures become a
:class:`WriteError` whose text is one line naming the file and the cause in plain words.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sim.errors import PivotError

# New files get the usual permissions (mkstemp would make them private to the owner).
_UMASK = os.umask(0o022)
os.umask(_UMASK)

TEMP_SUFFIX = ".tmp"

_CAUSES = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the folder is read-only",
    errno.EACCES: "permission denied (the folder is not writable)",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "file too large (the file-size limit was reached)",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
}


def cause(exc: BaseException) -> str:
    """The reason an OSError happened, in plain words (``no space left on device``)."""
    code = getattr(exc, "errno", None)
    if code in _CAUSES:
        return _CAUSES[code]
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


class WriteError(PivotError, OSError):
    """A file that could not be written; ``str()`` is one line: the file, the cause, and what was kept."""

    def __init__(self, path: str | Path, exc: BaseException, *, existed: bool = False, action: str = "written") -> None:
        code = getattr(exc, "errno", None)
        super().__init__(code or errno.EIO, cause(exc), str(path))
        self.path = Path(path)
        self.existed = existed
        self.action = action

    def __str__(self) -> str:
        kept = "the earlier file is unchanged" if self.existed else "no partial file was left"
        if self.action != "written":
            return f"{self.path}: could not be {self.action}: {self.strerror}"
        return f"{self.path}: could not be written: {self.strerror}; {kept}"


def make_folder(path: str | Path) -> Path:
    """Create a folder (and its parents) for output; a failure is a one-line WriteError."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a file stands where the folder should be
        raise WriteError(folder, OSError(errno.ENOTDIR, "exists and is not a folder"), action="created") from exc
    except OSError as exc:
        raise WriteError(folder, exc, action="created") from None
    return folder


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it is synced and renamed to ``path``.

    ``mode`` is ``"w"`` (UTF-8 text, ``\\n`` line ends) or ``"wb"``. Any exception inside the block
    (including KeyboardInterrupt) discards the temporary file; OSErrors become :class:`WriteError`.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_file: mode must be 'w' or 'wb', not {mode!r}")
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    existed = target.exists()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise WriteError(target, exc, existed=existed) from None
    try:
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o666 & ~_UMASK)
        binary = "b" in mode
        handle: IO[Any]
        with os.fdopen(fd, mode, encoding=None if binary else "utf-8", newline=None if binary else "\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise WriteError(target, exc, existed=existed) from None
    except BaseException:
        _discard(tmp)
        raise
    _sync_folder(folder)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically."""
    with atomic_file(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Replace ``path`` with UTF-8 ``text`` atomically."""
    with atomic_file(path, "w") as handle:
        handle.write(text)
    return Path(path)


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a crash right after it must not bring the old file back)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def append_line(path: str | Path, line: str) -> None:
    """Append one line to a journal file and sync it: the one kind of write that is not a replacement.

    A journal only grows, so each record is one ``write`` of a whole line with ``O_APPEND`` (every
    writer's line lands after the last); a crash can at worst leave the last line torn, which the
    journal's reader detects by the line's own checksum. A failure is a one-line WriteError.
    """
    target = Path(path)
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666 & ~_UMASK)
    except OSError as exc:
        raise WriteError(target, exc, existed=target.exists()) from None
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(errno.EIO, f"only {written} of {len(data)} bytes were written")
        os.fsync(fd)
    except OSError as exc:
        raise WriteError(target, exc, existed=True, action="appended to") from None
    finally:
        os.close(fd)
