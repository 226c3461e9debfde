"""``numnet.backends``: PyTorch's backend switches, answered for a CPU-only library.

``mps.is_available()`` is False; ``cudnn.benchmark``/``cudnn.deterministic`` can be set (scripts set them) and do
nothing, since numnet's kernels are deterministic NumPy.
"""

from __future__ import annotations

import types

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = types.SimpleNamespace(benchmark=False, deterministic=False, enabled=False, is_available=lambda: False)

__all__ = ["cudnn", "mps"]
