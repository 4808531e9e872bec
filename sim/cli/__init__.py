"""Command-line interface: `python run.py COMMAND ...`; every user error is one line and a non-zero exit."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from sim import __version__
from sim.atomic import cause
from sim.cli.common import CliError, PivotArgumentParser, program, shield_from_interrupts
from sim.errors import PivotError

#: Modules that each add one sub-command (``register(subparsers)`` sets ``handler`` on its parser).
COMMAND_MODULES: tuple[str, ...] = (
    "sim.cli.play_cmd",
    "sim.cli.run_cmd",
    "sim.cli.validate_cmd",
    "sim.cli.schema_cmd",
    "sim.cli.new_cmd",
    "sim.cli.scenarios_cmd",
    "sim.cli.batch_cmd",
    "sim.cli.report_cmd",
    "sim.cli.export_cmd",
    "sim.cli.check_cmd",
    "sim.cli.sensitivity_cmd",
    "sim.cli.compare_cmd",
    "sim.cli.discover_cmd",
    "sim.cli.leverage_cmd",
    "sim.cli.host_cmd",
    "sim.cli.join_cmd",
    "sim.cli.completion_cmd",
)

DESCRIPTION = (
    "Pivot: play and study how Cambodia hedges between China, Russia, the US, the EU and ASEAN. "
    "Without a command, opens the game on the default scenario."
)


def command_module(name: str) -> str | None:
    """The module that registers command NAME (``sim.cli.NAME_cmd``), or None for a name that is no command."""
    module = f"sim.cli.{name}_cmd"
    return module if module in COMMAND_MODULES else None


def build_parser(prog: str | None = None, only: str | None = None) -> PivotArgumentParser:
    """The whole command line; ``only`` (a module of COMMAND_MODULES) registers that one command alone.

    ``python run.py COMMAND ...`` parses with ``only`` set, so starting one command imports no other's module.
    """
    parser = PivotArgumentParser(prog=prog or program(), description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"pivot {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", title="commands", metavar="COMMAND", parser_class=PivotArgumentParser
    )
    for name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(name).register(subparsers)
    return parser


#: The numeric libraries' thread pools, each held to one thread unless the environment says otherwise.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Hold numpy's BLAS to one thread in this process and the worker processes it starts, unless the
    environment sets it: a command computes on one core and a batch runs a worker process per core, and the
    model's matrices (N x N, N the actors) are too small for a BLAS thread to pay. A second thread only spins
    beside the first: a 256-run batch of 48 actors took 40 s of CPU for 25 s of wall time with it, 26 s for
    26 s without, and the bloc partition of 48 actors half the time (docs/vector.md, "Many actors"). Takes effect
    only before numpy is imported, as the CLI does; the same BLAS calls give the same bits either way."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    one_blas_thread()
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version")):
            args_list = ["play", *args_list]
        parser = build_parser(only=command_module(args_list[0]))
        args = parser.parse_args(args_list)
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return 2
        return int(handler(args) or 0)
    except PivotError as exc:  # every project error: scenario, batch, save, move, CLI, write
        for line in exc.lines():
            print(line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        shield_from_interrupts()
        print("interrupted: stopped before finishing; files are written whole or not at all", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # reading or creating something failed outside the commands' own checks
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{cause(exc)}", file=sys.stderr)
        return 1


__all__ = ["CliError", "build_parser", "main"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
