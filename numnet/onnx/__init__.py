"""numnet.onnx: models that travel.

- :func:`export` traces one forward pass of any :class:`~numnet.nn.Module` and writes an ONNX file.
- :func:`load` reads an ONNX CNN (from numnet, ``torch.onnx.export`` or elsewhere) into a trainable numnet Module.
- :func:`export_numpy` writes a standalone inference package: one readable ``.py`` file that needs only NumPy, and
  one ``.npz`` of weights.

The ``onnx`` package is needed only for :func:`export` and :func:`load` (``pip install 'numnet[onnx]'``); it is
imported lazily, so ``import numnet`` never pulls it in. See docs/interop.md.
"""

from __future__ import annotations

import os
from typing import Any, Iterable


def export(model: Any, example_input: Any, path: str | os.PathLike | None = None, opset: int = 17,
           dynamic_batch: bool = True, input_names: Iterable[str] | None = None) -> Any:
    """Write ``model`` as an ONNX file traced from one forward pass; see :func:`numnet.onnx._export.export`."""
    from numnet.onnx._export import export as _export

    return _export(model, example_input, path, opset=opset, dynamic_batch=dynamic_batch, input_names=input_names)


def export_numpy(model: Any, example_input: Any, out_dir: str | os.PathLike, dynamic_batch: bool = True,
                 metadata: Any = None) -> list[str]:
    """Write ``out_dir/model.py`` (plain NumPy) and ``out_dir/weights.npz``; see
    :func:`numnet.onnx.numpy_export.export_numpy`."""
    from numnet.onnx.numpy_export import export_numpy as _export_numpy

    return _export_numpy(model, example_input, out_dir, dynamic_batch=dynamic_batch, metadata=metadata)



def load(src: Any) -> Any:
    """Read an ONNX model (a path, its bytes or an ``onnx.ModelProto``) into a trainable numnet Module.

    See :func:`numnet.onnx.importer.load` and docs/interop.md.
    """
    from numnet.onnx.importer import load as _load  # lazy: `import numnet` never imports onnx

    return _load(src)
