"""Architecture boundaries: the core and the scenario layer never load pygame, the CLI imports the UI lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_module_does_not_load_pygame() -> None:
    """One fresh interpreter imports each module in turn and checks after each: the first to pull pygame in is named
    (a module imported later finds the earlier ones' imports done, and pygame not among them)."""
    modules = ["sim.core", "sim.scenario", "sim.runs", "sim.cli", "sim.batch"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    if 'pygame' in sys.modules:\n"
        "        sys.exit(name + ' loads pygame')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_core_imports_nothing_outside_the_core_and_numpy_mesa() -> None:
    # functools: read-only index constants made once per size (world.diagonal_index); itertools: pricing's
    # grouping of consecutive rows. Neither does I/O or keeps state.
    allowed = {
        "__future__",
        "collections",
        "dataclasses",
        "enum",
        "functools",
        "itertools",
        "typing",
        "math",
        "mesa",
        "numpy",
    }
    for path in (ROOT / "sim" / "core").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                top = name.split(".")[0]
                # sim.errors holds only exception types (standard library alone): the core's MoveError joins
                # the project's one error family without the core depending on any other package.
                # mesa_import.py alone reaches the import machinery (importlib, sys, types): it imports Mesa with
                # placeholders for the libraries Mesa loads and a run never uses; no file I/O, no model state.
                machinery = path.name == "mesa_import.py" and top in {"importlib", "sys", "types"}
                assert top in allowed or machinery or name.startswith("sim.core") or name == "sim.errors", (
                    f"{path.name} imports {name}"
                )


def test_every_module_says_what_it_does_in_its_first_line() -> None:
    for path in (ROOT / "sim").rglob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc, f"{path} has no module docstring"
        assert len(doc.splitlines()[0]) > 10


def test_no_module_uses_python_s_random_module_or_numpy_s_global_generator() -> None:
    """Determinism: every draw comes from the run's one numpy Generator, never from a global stream."""
    for path in (ROOT / "sim").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name != "random" for a in node.names), f"{path} imports random"
            elif isinstance(node, ast.ImportFrom):
                assert node.module != "random", f"{path} imports from random"
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                inner = node.value
                if isinstance(inner.value, ast.Name) and inner.value.id in ("np", "numpy") and inner.attr == "random":
                    allowed = {"default_rng", "Generator", "SeedSequence", "PCG64", "BitGenerator"}
                    assert node.attr in allowed, f"{path}:{node.lineno} uses numpy.random.{node.attr} (global state)"


def test_the_scenario_package_has_no_import_cycle() -> None:
    """Overrides edit data, observed holds the calibration rule, the loader validates, calibration builds setups:
    no module of sim.scenario imports (even inside a function) a module that imports it back."""
    package = ROOT / "sim" / "scenario"
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim.scenario."):
                deps.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[2] for a in node.names if a.name.startswith("sim.scenario.")}
        graph[path.stem] = deps - {path.stem}

    def cycle_from(start: str, node: str, seen: tuple[str, ...]) -> tuple[str, ...] | None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return (*seen, nxt)
            if nxt not in seen:
                found = cycle_from(start, nxt, (*seen, nxt))
                if found:
                    return found
        return None

    for module in sorted(graph):
        cycle = cycle_from(module, module, (module,))
        assert cycle is None, " -> ".join(cycle)
    assert "loader" not in graph["overrides"] and "calibration" not in graph["loader"]
