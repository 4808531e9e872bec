"""Every file Pivot writes goes through sim.atomic: a source guard, and the helper's promises tested directly."""

from __future__ import annotations

import ast
import errno
import os
import stat
from pathlib import Path

import pytest

from sim.atomic import WriteError, atomic_file, make_folder, write_bytes, write_text
from tests.conftest import ROOT

#: Calls whose destination argument (position) must be a handle opened by ``atomic_file``.
DESTINATION_ARG = {"to_csv": 0, "to_parquet": 0, "savefig": 0, "write_table": 1, "dump": 1, "save": 1, "imsave": 0}
#: Calls that write or move files by path: only sim/atomic.py may use them.
BY_PATH = {"write_text", "write_bytes", "replace", "rename", "mkstemp", "NamedTemporaryFile", "copy", "copyfile"}
ATOMIC_OPENERS = {"atomic_file", "atomic_write"}
IN_MEMORY = {"BufferOutputStream", "BytesIO"}


def _sources() -> list[Path]:
    files = [*sorted((ROOT / "sim").rglob("*.py")), *sorted((ROOT / "tools").glob("*.py")), ROOT / "run.py"]
    return [f for f in files if f != ROOT / "sim" / "atomic.py"]


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _write_mode(call: ast.Call) -> bool:
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax+")


def bare_writes(source: str) -> list[tuple[int, str]]:
    """Lines that write a final path without the atomic helper (the handles it yields are fine)."""
    tree = ast.parse(source)
    handles = {
        item.optional_vars.id
        for node in ast.walk(tree)
        if isinstance(node, ast.With)
        for item in node.items
        if isinstance(item.context_expr, ast.Call)
        and _name(item.context_expr.func) in ATOMIC_OPENERS
        and isinstance(item.optional_vars, ast.Name)
    }
    # In-memory sinks (encode first, then write the bytes through the atomic helper) are no final path.
    handles |= {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _name(node.value.func) in IN_MEMORY
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in ("open", "fdopen") and _write_mode(node):
            found.append((node.lineno, f"{name}(..., write mode)"))
        elif isinstance(node.func, ast.Attribute) and name in BY_PATH:
            owner = _name(node.func.value)
            if name == "replace" and owner != "os":
                continue  # str.replace, DataFrame.replace, dataclasses.replace...
            if name in ("copy", "copyfile") and owner != "shutil":
                continue  # array.copy(), dict.copy()...
            if name == "rename" and owner != "os" and (node.keywords or len(node.args) != 1):
                continue  # DataFrame.rename(columns=...)
            found.append((node.lineno, f".{name}(...)"))
        elif name in DESTINATION_ARG:
            k = DESTINATION_ARG[name]
            if name == "save" and not (isinstance(node.func, ast.Attribute) and _name(node.func.value) == "image"):
                continue  # session.save(path) & co. write through the helper themselves
            if len(node.args) <= k:
                continue  # to_csv() without a destination returns text
            dest = node.args[k]
            if not (isinstance(dest, ast.Name) and dest.id in handles):
                found.append((node.lineno, f"{name}(...) to a path"))
    return found


def test_the_guard_catches_bare_writes() -> None:
    bad = """
import json, os
open(p, "w").write("x")
path.write_text("x")
frame.to_parquet(path)
fig.savefig(out / "a.png")
pq.write_table(table, path)
pygame.image.save(screen, "x.png")
os.replace(a, b)
shutil.copy(a, b)
"""
    assert len(bare_writes(bad)) == 8
    good = """
with atomic_file(path, "wb") as handle:
    frame.to_parquet(handle)
    fig.savefig(handle, format="png")
    pq.write_table(table, handle)
text = frame.to_csv(index=False)
name = name.replace(".", "_")
open(path, "rb").read()
"""
    assert bare_writes(good) == []


def test_no_module_writes_a_final_path_outside_the_atomic_helper() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _sources()
        for line, what in bare_writes(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "write these through sim.atomic (atomic_file / write_text / write_bytes):\n" + "\n".join(
        offenders
    )


def test_a_write_replaces_the_file_whole_with_the_usual_permissions(tmp_path: Path) -> None:
    target = write_text(tmp_path / "a.txt", "first\n")
    write_bytes(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask(), "not the private 0600 of a temp file"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_a_failure_mid_write_keeps_the_earlier_file_and_leaves_no_temp(tmp_path: Path, failure: type) -> None:
    target = write_text(tmp_path / "a.csv", "old,file\n")
    with pytest.raises(failure), atomic_file(target) as handle:
        handle.write("half a new fi")
        raise failure()
    assert target.read_text() == "old,file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_os_errors_become_one_line_naming_the_file_and_the_cause(tmp_path: Path) -> None:
    with pytest.raises(WriteError) as info:
        write_text(tmp_path / "missing" / "a.txt", "x")
    where = tmp_path / "missing" / "a.txt"
    assert str(info.value) == f"{where}: could not be written: the folder does not exist; no partial file was left"
    assert isinstance(info.value, OSError) and info.value.errno == errno.ENOENT
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteError, match=r"file: could not be created: a part of the path is not a folder"):
        make_folder(tmp_path / "file")
    with pytest.raises(ValueError, match="mode"):
        atomic_file(tmp_path / "b", "a").__enter__()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
