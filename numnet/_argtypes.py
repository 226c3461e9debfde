"""argparse value types shared by the ``numnet`` subcommands (errors become one-line ``numnet: error:`` messages)."""

from __future__ import annotations

import argparse
from typing import Callable


def int_range(low: int, high: int | None = None, what: str | None = None) -> Callable[[str], int]:
    """An argparse type accepting integers in [low, high] (no upper bound when ``high`` is None)."""
    if what is None:
        what = {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")
        if high is not None:
            what = f"an integer in [{low}, {high}]"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


positive_int = int_range(1)
non_negative_int = int_range(0)
port = int_range(0, 65535, "a port number in [0, 65535]")
