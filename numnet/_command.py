"""The one :class:`Command` type every ``numnet`` subcommand is registered with: :mod:`numnet.cli` (lesson, bench),
:mod:`numnet.commands` (train, evaluate, predict, summary), :mod:`numnet.viz.cli` (plot and its pictures) and
:mod:`numnet.explore`. Only the standard library here, so any registry may import it."""

from __future__ import annotations

import argparse
from typing import Callable, NamedTuple

__all__ = ["Command"]


class Command(NamedTuple):
    """One subcommand: its name, one-line help, argument declaration and implementation.

    ``add_arguments(parser)`` declares the options on the command's own ``argparse`` sub-parser; ``run(args)`` does
    the work and returns the exit status (``None`` counts as 0). Heavy modules belong inside ``run``, so building the
    parser (``numnet --help``) stays fast.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], "int | None"]
