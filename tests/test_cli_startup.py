"""The CLI starts light: ``--help`` of the program and of every command imports no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

from sim.cli import COMMAND_MODULES

#: Libraries that cost tenths of a second each and that no ``--help`` needs.
HEAVY = ("pandas", "scipy", "pygame", "matplotlib", "mesa", "networkx", "pydantic")

#: Runs ``run.py`` itself for ``--help``, then every command's ``--help`` in the same process, and after each
#: prints which heavy modules it had imported, so a failure names the command that pulled them in.
PROBE = """
import json, runpy, sys
heavy = json.loads(sys.argv[1])
seen = {}
def loaded():
    return sorted(m for m in heavy if m in sys.modules)
for argv in json.loads(sys.argv[2]):
    sys.argv = [sys.argv[0], *argv]
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as exc:
        assert exc.code in (0, None), (argv, exc.code)
    seen[" ".join(argv)] = loaded()
print(json.dumps(seen))
"""


def test_help_of_the_program_and_of_every_command_imports_no_heavy_library() -> None:
    commands = [module.removeprefix("sim.cli.").removesuffix("_cmd") for module in COMMAND_MODULES]
    argvs = [["--help"], *([command, "--help"] for command in commands)]
    code = PROBE.replace("sys.argv[0], *argv", repr(str(ROOT / "run.py")) + ", *argv")
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(HEAVY), json.dumps(argvs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert list(seen) == [" ".join(argv) for argv in argvs]
    assert {argv: mods for argv, mods in seen.items() if mods} == {}


def test_a_command_starts_without_importing_the_other_commands() -> None:
    code = (
        "import sys, runpy; sys.argv = ['run.py', 'schema', '--help']\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('sim.cli.') and m.endswith('_cmd')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['sim.cli.schema_cmd']"
