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


# Bounds of the command line's size options (docs/reliability.md): an image side, one input's element count and a
# batch, so a typo cannot ask for gigabytes before anything useful happens.
MAX_IMAGE_SIDE = 4096
MAX_INPUT_ELEMENTS = 2**24  # one input (C·H·W): 16 Mi values, e.g. 3×2048×2048 or 4×2048×2048
MAX_BATCH_SIZE = 65536

image_side = int_range(1, MAX_IMAGE_SIDE, f"an image side in [1, {MAX_IMAGE_SIDE}] pixels")
batch_size = int_range(1, MAX_BATCH_SIZE, f"a batch size in [1, {MAX_BATCH_SIZE}]")
input_dim = int_range(1, MAX_INPUT_ELEMENTS, f"a positive size of at most {MAX_INPUT_ELEMENTS}")


def check_input_elements(shape: "tuple[int, ...] | list[int]", option: str) -> None:
    """Raise a one-line CLI error when one input of ``shape`` has more than :data:`MAX_INPUT_ELEMENTS` values."""
    from numnet.errors import ArgumentError

    n = 1
    for d in shape:
        n *= int(d)
    if n > MAX_INPUT_ELEMENTS:
        raise ArgumentError(f"{option} {' '.join(map(str, shape))} is {n:,} values per input; at most "
                            f"{MAX_INPUT_ELEMENTS:,} are allowed")
