"""``numnet export``: write a model as an ONNX file (``--onnx``) or as a NumPy-only inference package (``--numpy``)."""

from __future__ import annotations

import argparse
import os

from numnet._argtypes import check_input_elements, input_dim
from numnet._command import Command
from numnet.commands._common import _build_model, load_model_file
from numnet.errors import ArgumentError

__all__ = ["COMMAND", "add_arguments", "run"]


def _opset(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int opset, got {text!r}") from None
    if not 13 <= value <= 21:
        raise argparse.ArgumentTypeError(f"expected an opset in [13, 21], got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet export``."""
    p.add_argument("model", help="a saved model file (numnet train's model.safetensors, a checkpoint) or a model name "
                                 "from numnet.models.MODELS (exported with its initial weights)")
    p.add_argument("--onnx", metavar="OUT.onnx", default=None, help="write an ONNX file")
    p.add_argument("--numpy", metavar="OUT_DIR", default=None,
                   help="write a folder with model.py (the forward pass in plain NumPy, no numnet needed) and "
                        "weights.npz")
    p.add_argument("--opset", type=_opset, default=17, help="ONNX opset, 13 to 21 (default: 17)")
    p.add_argument("--static-batch", action="store_true",
                   help="fix the batch size to --batch-size (default: a symbolic batch dimension)")
    p.add_argument("--batch-size", type=input_dim, default=1, help="batch size of the traced example (default: 1)")
    p.add_argument("--input-shape", type=input_dim, nargs="+", default=None, metavar="D",
                   help="one sample's shape without the batch dimension (default: from the model file or the model)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file or folder")


def run(args: argparse.Namespace) -> int:
    """``numnet export``: trace the model once on zeros of its input shape and write the requested files."""
    import numpy as np

    from numnet.io import load_metadata
    from numnet.models import input_shape_of
    from numnet.tensor import Tensor

    if args.onnx is None and args.numpy is None:
        raise ArgumentError("numnet export: expected --onnx OUT.onnx and/or --numpy OUT_DIR")
    for target in (args.onnx, args.numpy):
        if target is not None and os.path.exists(target) and not args.overwrite:
            raise ArgumentError(f"numnet export: {target!r} exists (pass --overwrite to replace it)")
    if args.onnx is not None and os.path.isdir(args.onnx):
        raise ArgumentError(f"numnet export: --onnx {args.onnx!r} is a directory, expected a file name")
    if args.numpy is not None and os.path.isfile(args.numpy):
        raise ArgumentError(f"numnet export: --numpy {args.numpy!r} is a file, expected a folder")
    metadata = None
    if os.path.isfile(args.model) or args.model.endswith((".safetensors", ".pt")):
        model = load_model_file(args.model)
        metadata = load_metadata(args.model)
    else:
        model = _build_model(args.model)
    if args.input_shape:
        check_input_elements(args.input_shape, "--input-shape")
    shape = tuple(args.input_shape) if args.input_shape else tuple(input_shape_of(model, metadata))
    check_input_elements((args.batch_size,) + shape, "the example input")
    # a small random example (zeros would hide nothing, but random values also exercise every branch equally)
    example = Tensor(np.random.default_rng(0).standard_normal((args.batch_size,) + shape).astype(np.float32))
    dynamic = not args.static_batch
    if args.onnx is not None:
        from numnet.onnx import export

        export(model, example, args.onnx, opset=args.opset, dynamic_batch=dynamic)
        print(f"wrote {args.onnx} (ONNX opset {args.opset}, input 'input' of shape "
              f"({'batch' if dynamic else args.batch_size}, {', '.join(map(str, shape))}))")
    if args.numpy is not None:
        from numnet.onnx import export_numpy

        files = export_numpy(model, example, args.numpy, dynamic_batch=dynamic, metadata=metadata)
        print(f"wrote {', '.join(files)} (run: python {files[0]} IMAGES.npy)")
    return 0


COMMAND = Command("export", "write a model as an ONNX file or a NumPy-only inference package", add_arguments, run)
