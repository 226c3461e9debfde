"""``numnet summary``: a model's layer table (output shapes, parameters, multiply-adds), from a zoo name or a file."""

from __future__ import annotations

import argparse
import os

from numnet._argtypes import check_input_elements, input_dim
from numnet._command import Command
from numnet.commands._common import _build_model, load_model_file

__all__ = ["COMMAND", "add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet summary``."""
    p.add_argument("--model", default="lenet5", help="a model name from numnet.models.MODELS (default: lenet5), or a saved "
                                                    "model file")
    p.add_argument("--input-shape", type=input_dim, nargs="+", default=None, metavar="D",
                   help="one sample's shape without the batch dimension (default: from the model file or the model, "
                        "else 1 28 28)")


def run(args: argparse.Namespace) -> int:
    """``numnet summary``: print the layer table of a model (output shapes, parameters, multiply-adds)."""
    from numnet.io import load_metadata
    from numnet.models import input_shape_of

    if args.input_shape:
        check_input_elements(args.input_shape, "--input-shape")
    metadata = None
    if os.path.isfile(args.model) or args.model.endswith(".safetensors"):
        model = load_model_file(args.model)
        metadata = load_metadata(args.model)
    else:
        model = _build_model(args.model)
    shape = tuple(args.input_shape) if args.input_shape else input_shape_of(model, metadata)
    check_input_elements(shape, "the input shape")
    table = model.summary(shape, print_fn=None)
    print(table)
    return 0


COMMAND = Command("summary", "print a model's layers, output shapes, parameters and multiply-adds", add_arguments, run)
