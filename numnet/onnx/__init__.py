"""numnet.onnx: models that travel.

- :func:`export` traces one forward pass of any :class:`~numnet.nn.Module` and writes an ONNX file.
- :func:`load` reads an ONNX CNN (from numnet, ``torch.onnx.export`` or elsewhere) into a trainable numnet Module.
- :func:`export_numpy` writes a standalone inference package: one readable ``.py`` file that needs only NumPy, and
  one ``.npz`` of weights.

The ``onnx`` package is needed only for :func:`export` and :func:`load` (``pip install 'numnet[onnx]'``); it is
imported lazily, so ``import numnet`` never pulls it in. See docs/interop.md.
"""


def load(src):  # noqa: ANN001, ANN201 - typed in numnet.onnx.importer.load
    """Read an ONNX model (a path, its bytes or an ``onnx.ModelProto``) into a trainable numnet Module.

    See :func:`numnet.onnx.importer.load` and docs/onnx-import.md.
    """
    from numnet.onnx.importer import load as _load  # lazy: `import numnet` never imports onnx

    return _load(src)
