"""numnet.onnx: models that travel.

- :func:`export` traces one forward pass of any :class:`~numnet.nn.Module` and writes an ONNX file.
- :func:`load` reads an ONNX CNN (from numnet, ``torch.onnx.export`` or elsewhere) into a trainable numnet Module.
- :func:`export_numpy` writes a standalone inference package: one readable ``.py`` file that needs only NumPy, and
  one ``.npz`` of weights.

The ``onnx`` package is needed only for :func:`export` and :func:`load` (``pip install 'numnet[onnx]'``); it is
imported lazily, so ``import numnet`` never pulls it in. See docs/interop.md.
"""
