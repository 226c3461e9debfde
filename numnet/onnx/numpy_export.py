"""``numnet.onnx.export_numpy``: a trained model as one readable NumPy program and one ``.npz`` of weights.

The model is traced and lowered exactly as for ONNX (:mod:`numnet.onnx.trace`, :mod:`numnet.onnx._lower`), and
each ONNX operator becomes one line calling a plain-NumPy kernel of the same name (``Conv``, ``MaxPool``, ``Gemm``,
...) from :mod:`numnet.onnx._numpy_kernels`. The written ``model.py`` holds the source of exactly the kernels it
uses, so it needs NumPy and nothing else — no numnet, no onnx — and reads like the network it is:

.. code-block:: python

    # conv1 (Conv2d)
    v0 = Conv(input, W["conv1.weight"], W["conv1.bias"], strides=[1, 1], pads=[2, 2, 2, 2], ...)
"""

from __future__ import annotations

import io
import keyword
import os
import re
from typing import Any, Mapping

import numpy as np

from numnet.errors import ArgumentError, ExportError
from numnet.nn.module import Module
from numnet.onnx._lower import Lowered, lower
from numnet.onnx.trace import BATCH, trace

# constants up to this many elements that are not the model's own weights are written inline in the code
_INLINE = 16


def _literal(arr: np.ndarray) -> str:
    """Python source for a small constant array, with its dtype."""
    dt = f"np.{arr.dtype.name}" if arr.dtype.kind != "b" else "np.bool_"
    if arr.ndim == 0:
        v = arr.item()
        return f"{dt}({v!r})"
    return f"np.array({arr.tolist()!r}, dtype={dt})"


def _identifier(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name)
    if not base or base[0].isdigit() or keyword.iskeyword(base):
        base = f"v_{base}"
    ident, k = base, 1
    while ident in taken:
        k += 1
        ident = f"{base}_{k}"
    taken.add(ident)
    return ident


def _value_repr(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return repr(int(v))
    if isinstance(v, (list, tuple)):
        return repr([_plain(x) for x in v])
    return repr(_plain(v))


def _plain(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def generate(low: Lowered, module_types: Mapping[str, str], card: Any = None) -> tuple[str, dict[str, np.ndarray]]:
    """The source of ``model.py`` and the arrays of ``weights.npz`` for a lowered model."""
    from numnet import __version__
    from numnet.onnx import _numpy_kernels

    op_types = sorted({nd.op_type for nd in low.nodes})
    kernels = _numpy_kernels.source_for(op_types)
    kernels = "\n".join(line for line in kernels.splitlines() if line.strip() != "import numpy as np").strip()

    taken = {"np", "W", "os", "sys", "forward", "predict", "load_weights", "main", "INPUT_SHAPE", "CLASSES", "MEAN",
             "STD", "HERE"} | set(op_types)
    var: dict[str, str] = {}
    for name, _, _ in low.inputs:
        var[name] = _identifier(name, taken)
    weights: dict[str, np.ndarray] = {}
    wkey: dict[str, str] = {}
    for name, arr in low.initializers.items():
        if arr.size <= _INLINE and ("::" in name or name.startswith("const_")):
            continue
        key = name.replace("::", "_")
        while key in weights:
            key += "_"
        weights[key] = arr
        wkey[name] = key

    def ref(name: str) -> str:
        if name == "":
            return "None"
        if name in var:
            return var[name]
        if name in wkey:
            return f"W[{wkey[name]!r}]"
        if name in low.initializers:
            return _literal(low.initializers[name])
        raise ExportError(f"export_numpy: value {name!r} is used before it is computed (a bug; please report it)")

    body: list[str] = []
    scope = None
    for nd in low.nodes:
        if nd.scope != scope:
            scope = nd.scope
            body.append(f"    # {scope} ({module_types.get(scope, '')})" if scope else "    # (the model itself)")
        args = [ref(v) for v in nd.inputs]
        while args and args[-1] == "None":
            args.pop()
        args += [f"{k}={_value_repr(v)}" for k, v in sorted(nd.attrs.items())]
        out = nd.outputs[0] if nd.outputs[0] in ("output",) or nd.outputs[0].startswith("output_") else \
            f"v{len(var) - len(low.inputs)}"
        out = _identifier(out, taken)
        var[nd.outputs[0]] = out
        body.append(f"    {out} = {nd.op_type}({', '.join(args)})")
    results = [var[name] for name, _, _ in low.outputs]
    body.append(f"    return {', '.join(results)}" if len(results) > 1 else f"    return {results[0]}")

    in_names = [var[n] for n, _, _ in low.inputs]
    shapes = [tuple("N" if d is BATCH else d for d in s) for _, s, _ in low.inputs]
    sample = tuple(d for d in low.inputs[0][1][1:])
    classes = list(card.classes) if card is not None and card.classes else None
    mean = list(card.mean) if card is not None and card.mean else None
    std = list(card.std) if card is not None and card.std else None
    shape_doc = ", ".join(f"{n}: {np.dtype(dt).name} array of shape ({', '.join(map(str, s))})"
                          for n, s, (_, _, dt) in zip(in_names, shapes, low.inputs))
    header = f'''"""{low.model_type or "A model"} exported by numnet {__version__} (numnet export --numpy): inference with NumPy alone.

The forward pass below is the model written out one ONNX operator per line; the kernels above it are plain NumPy.
Weights are in weights.npz beside this file.

Usage:
    python model.py images.npy       # prints the predicted class of each image (an .npy array of shape (N, ...))
    import model; out = model.forward(x)

forward({", ".join(in_names)}) takes {shape_doc}{" (N: any batch size)" if any("N" in s for s in shapes) else ""}.
"""

import os
import sys

import numpy as np

INPUT_SHAPE = {sample!r}
CLASSES = {classes!r}
MEAN = {mean!r}   # per-channel normalisation applied by predict() (the model card of the trained model)
STD = {std!r}
HERE = os.path.dirname(os.path.abspath(__file__))

'''
    footer = f'''

def load_weights(path=None):
    """The weights as a dict of arrays (no pickle is ever read)."""
    with np.load(path or os.path.join(HERE, "weights.npz"), allow_pickle=False) as f:
        return {{k: f[k] for k in f.files}}


_WEIGHTS = None


def forward({", ".join(in_names)}, W=None):
    """The model's outputs for {", ".join(in_names)} (eval mode: dropout off, batch norm with stored statistics)."""
    global _WEIGHTS
    if W is None:
        if _WEIGHTS is None:
            _WEIGHTS = load_weights()
        W = _WEIGHTS
{chr(10).join(body)}


def predict(images):
    """Class indices (and names, if known) of a batch of images; normalised with MEAN/STD when the card has them."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == len(INPUT_SHAPE):
        x = x[None]
    if MEAN is not None and STD is not None:
        shape = (1, -1) + (1,) * (x.ndim - 2)
        x = (x - np.asarray(MEAN, np.float32).reshape(shape)) / np.asarray(STD, np.float32).reshape(shape)
    out = forward(x)
    out = out[0] if isinstance(out, tuple) else out
    idx = np.argmax(out.reshape(len(x), -1), axis=1)
    return idx, ([CLASSES[i] for i in idx] if CLASSES else None)


def main(argv):
    if len(argv) != 1:
        print("usage: python model.py IMAGES.npy", file=sys.stderr)
        return 2
    idx, names = predict(np.load(argv[0], allow_pickle=False))
    for k, i in enumerate(idx):
        print(k, int(i), names[k] if names else "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''
    return header + "# " + "-" * 100 + " kernels\n" + kernels + "\n" + footer, weights


def export_numpy(model: Module, example_input: Any, out_dir: str | os.PathLike, dynamic_batch: bool = True,
                 metadata: Mapping[str, str] | None = None) -> list[str]:
    """Write ``out_dir/model.py`` (the forward pass in plain NumPy) and ``out_dir/weights.npz``.

    Args:
        model: the Module (traced once in eval mode on ``example_input``; see :func:`numnet.onnx.export`).
        example_input: a Tensor or array (or tuple) of the model's input shape, batch first.
        out_dir: the folder to write (created if missing).
        dynamic_batch: accept any batch size (default) or only the example's.
        metadata: a model file's metadata (:func:`numnet.load_metadata`); its model card's classes and
            normalisation go into ``predict``.

    Returns:
        The two paths written.

    Raises:
        ExportError: as :func:`numnet.onnx.export`.
    """
    from numnet.io.atomic import atomic_write_bytes
    from numnet.io.model_card import read_card

    if not isinstance(model, Module):
        raise ExportError(f"export_numpy: expected model to be a numnet Module, got {type(model).__name__}")
    if not isinstance(out_dir, (str, os.PathLike)):
        raise ArgumentError(f"export_numpy: expected out_dir to be a path, got {type(out_dir).__name__}")
    card = read_card(metadata, "metadata") if metadata else None
    graph = trace(model, example_input, dynamic_batch=dynamic_batch)
    low = lower(graph, opset=18)
    module_types = {name: type(m).__name__ for name, m in model.named_modules()}
    source, weights = generate(low, module_types, card)
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, **weights)
    py, npz = os.path.join(out_dir, "model.py"), os.path.join(out_dir, "weights.npz")
    atomic_write_bytes(npz, buf.getvalue())
    atomic_write_bytes(py, source.encode("utf-8"))
    return [py, npz]
