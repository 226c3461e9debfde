"""The ``numnet`` command line: ``numnet <command> [options]``.

Each subcommand is a :class:`~numnet._command.Command` (name, one-line help, ``add_arguments(parser)``,
``run(args) -> int``) in :data:`_COMMANDS`. The commands live beside what they drive and each module exports its
``COMMAND`` (or, for :mod:`numnet.commands`, the list ``COMMANDS``): lesson and bench here, train / evaluate /
predict / summary in :mod:`numnet.commands`, plot in :mod:`numnet.viz.cli`, explore in :mod:`numnet.explore`.

To add a command, write those two functions — import heavy modules inside ``run`` so ``numnet --help`` stays fast —
and put ``Command("name", "one-line help", add_arguments, run)`` in :data:`_COMMANDS`. Nothing else changes:
:func:`main` builds the parser from the list.

Errors never print a traceback. A bad argument, or a :class:`numnet.errors.NumnetError`, ``FileNotFoundError``,
``ValueError`` or ``OSError`` raised by a command, prints one line ``numnet: error: ...`` to standard error and exits
with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn, Sequence

from numnet import __version__
from numnet import explore as _explore
from numnet._command import Command
from numnet.commands import COMMANDS as _TRAINING_COMMANDS
from numnet.errors import ArgumentError, NumnetError
from numnet.viz import cli as _viz_cli

# numnet.explore, numnet.commands and numnet.viz.cli import only argparse and small helpers at module level; NumPy-
# heavy work, matplotlib and Flask are imported inside each command's run, so building the parser stays fast.

__all__ = ["main", "build_parser", "Command"]

PROG = "numnet"
USAGE_ERROR = 2


class _UsageError(Exception):
    """Raised instead of argparse's exit, so :func:`main` prints one line and returns 2."""


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (``numnet: error: ...``) and do not exit the interpreter."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


# ---------------------------------------------------------------------------------------------------- lesson
def _lesson_arguments(parser: argparse.ArgumentParser) -> None:
    """``numnet lesson`` takes no options."""


def _lesson_run(args: argparse.Namespace) -> int:
    from numnet.lesson import print_lesson

    print_lesson()
    return 0


# ---------------------------------------------------------------------------------------------------- bench
def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="fewer rounds and a 1,000-step RSS run (a smoke test)")
    parser.add_argument("--out", default="benchmarks/RESULTS.md", help="report path (default: %(default)s)")


def _bench_run(args: argparse.Namespace) -> int:
    import importlib.util

    missing = [m for m in ("torch", "dezero", "threadpoolctl") if importlib.util.find_spec(m) is None]
    if missing:  # the contenders are test-time references, never numnet dependencies
        raise ArgumentError(f"bench: the reference contenders are not installed: {', '.join(missing)}; "
                            "run `make bench`, or `pip install 'numnet[test]' dezero`")
    from numnet.bench.run import main as bench_main

    return bench_main((["--quick"] if args.quick else []) + ["--out", args.out])


# ---------------------------------------------------------------------------------------------------- registry
_COMMANDS: list[Command] = [
    Command("lesson", "print the NumPy lesson: each formula, its example, and the same numbers from the library",
            _lesson_arguments, _lesson_run),
    *_TRAINING_COMMANDS,
    _viz_cli.COMMAND,
    _explore.COMMAND,
    Command("bench", "benchmark numnet against PyTorch and Dezero in one run; writes RESULTS.md",
            _bench_arguments, _bench_run),
]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per entry of :data:`_COMMANDS`."""
    parser = _Parser(
        prog=PROG,
        description="numnet: a deep-learning library in NumPy.",
        epilog=f"Run '{PROG} <command> --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for cmd in _COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(_run=cmd.run)
    return parser


def _error(message: str) -> int:
    text = " ".join(str(message).split()) or "unknown error"
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return USAGE_ERROR


def _abort_if_distributed(exc: BaseException) -> None:
    """Under ``mpirun -n N`` (N > 1), an error on one rank must end every rank (the others would wait for it in
    the next allreduce): print it with the rank's number and abort the job."""
    import importlib

    if "numnet.distributed._comm" not in sys.modules:
        return
    comm = importlib.import_module("numnet.distributed._comm")
    if comm.is_initialized() and comm.get_comm().size > 1:
        print(f"{PROG}: error: {exc}", file=sys.stderr, flush=True)
        comm.abort_job(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit status.

    0 on success (and for ``--help``), 2 with a one-line ``numnet: error: ...`` on standard error for a bad argument
    or a user-facing error raised by the command.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as e:
        return _error(str(e))
    except SystemExit as e:  # --help / --version
        return e.code if isinstance(e.code, int) else 0
    try:
        status = args._run(args)
    except BrokenPipeError:  # e.g. `numnet lesson | head`: the reader left, nothing to report
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # silence the flush at exit
        except (OSError, ValueError):
            pass
        return 1
    except (NumnetError, FileNotFoundError, ValueError, OSError) as e:
        _abort_if_distributed(e)
        return _error(str(e) or type(e).__name__)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 0 if status is None else int(status)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
