"""The CLI starts light: ``--help`` of the program and of every command imports no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT

from sim.cli import COMMAND_MODULES

#: Libraries that cost tenths of a second each (asyncio: a twentieth, with ssl) and that no ``--help`` needs.
HEAVY = ("pandas", "scipy", "pygame", "matplotlib", "mesa", "networkx", "pydantic", "asyncio")

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


def _last_line(code: str) -> str:
    """The last line a fresh interpreter running ``code`` in the project prints (it must succeed)."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_command_starts_without_importing_the_other_commands() -> None:
    code = (
        "import sys, runpy; sys.argv = ['run.py', 'schema', '--help']\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('sim.cli.') and m.endswith('_cmd')))"
    )
    assert _last_line(code) == "['sim.cli.schema_cmd']"


#: A run that writes no table needs none of these; Mesa imports them at load time (sim.core.mesa_import).
TABLE_LIBRARIES = ("pandas", "pyarrow", "scipy", "scipy.spatial", "networkx", "matplotlib")


def test_run_without_a_table_file_loads_no_table_library() -> None:
    code = (
        "import contextlib, io, json, runpy, sys\n"
        "sys.argv = ['run.py', 'run', 'medvedev_visit_2015', '--seed', '3', '--rounds', '2', '--format', 'json']\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n        runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "    except SystemExit as exc:\n        assert exc.code in (0, None), exc.code\n"
        "document = json.loads(out.getvalue())\n"
        f"print(json.dumps([len(document['rounds']), sorted(m for m in {TABLE_LIBRARIES!r} if m in sys.modules)]))"
    )
    rounds, loaded = json.loads(_last_line(code))
    assert rounds == 2
    assert loaded == []


def test_mesa_features_behind_deferred_imports_still_work() -> None:
    """What Mesa bound to pandas, scipy.spatial and networkx at import resolves to the real thing on use."""
    code = (
        "import sys\n"
        "import numpy as np\n"
        "import sim.core\n"
        "assert 'pandas' not in sys.modules and 'scipy.spatial' not in sys.modules\n"
        "import mesa, mesa.agent, mesa.discrete_space.grid as grid, mesa.discrete_space.network as network\n"
        "tree = grid.KDTree(np.array([[0.0, 0.0], [1.0, 1.0]]))\n"
        "distance, index = tree.query([0.9, 0.8])\n"
        "assert int(index) == 1, index\n"
        "import pandas, networkx\n"
        "assert mesa.agent.pd.Series is pandas.Series and type(sys.modules['pandas']).__name__ == 'module'\n"
        "assert network.nx.Graph is networkx.Graph\n"
        "model = mesa.Model(rng=1)\n"
        "collector = mesa.DataCollector(model_reporters={'steps': lambda m: m.steps})\n"
        "collector.collect(model)\n"
        "frame = collector.get_model_vars_dataframe()\n"
        "assert isinstance(frame, pandas.DataFrame) and list(frame.columns) == ['steps']\n"
        "print('ok')"
    )
    assert _last_line(code) == "ok"


def test_the_cli_holds_blas_to_one_thread_unless_the_environment_says_otherwise() -> None:
    """A command's process (and the workers it starts, which inherit its environment) runs numpy's BLAS on one
    thread, set before numpy loads; a value the user set is kept."""
    probe = (
        "import os, sys\nfrom sim.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('numpy' in sys.modules, os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-3:] == ["False", "1", "1"]
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-3:] == ["False", "2", "1"]
