"""numnet.functional: ``pad`` with PyTorch's four modes (``constant`` from ``numnet.creation.pad``; ``reflect``,
``replicate`` and ``circular`` through :class:`numnet.ops.padding.IndexPadOp`)."""

from __future__ import annotations

from typing import Optional, Sequence

from numnet import _validation as V
from numnet import creation
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops.padding import IndexPadOp, pad_index
from numnet.tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: Optional[float] = None) -> Tensor:  # noqa: A002
    r"""Pad the last ``len(pad) // 2`` dims; ``pad = (left, right, top, bottom, …)`` from the last dim back.

    Math (one padded axis of length ``n``, padding ``(a, b)``, output position ``t``, ``j = t − a``):
    ``constant`` writes ``value`` (0) outside ``[0, n)``; ``reflect`` reads ``x[|j|]`` mirrored at the far edge
    (``x[2(n − 1) − |j|]``), the edge itself not repeated; ``replicate`` reads ``x[clamp(j, 0, n − 1)]``;
    ``circular`` reads ``x[j mod n]``. The gradient of every output goes to the element it read.

    Args:
        input: a Tensor. For the non-constant modes, floating point with 1 or 2 leading dims before the padded
            ones (PyTorch's rule: ``(C, …)`` or ``(N, C, …)``), at most 3 padded dims.
        pad: an even number of ints >= 0 (numnet does not crop with negative padding).
        mode: ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        value: the fill of ``'constant'`` (default 0); only that mode takes one.

    Shape:
        dim ``−1 − i`` grows by ``pad[2i] + pad[2i + 1]``.

    Raises:
        ArgumentError: odd or too long ``pad``, negative entries, unknown mode, a value with a non-constant mode,
            reflect padding >= the dim size or circular padding > the dim size.
        ShapeError: a non-constant mode on an input of the wrong rank.  DTypeError: non-int padding.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.pad(numnet.tensor([[[1.0, 2.0, 3.0]]]), (2, 1), mode="reflect")
        tensor([[[3., 2., 1., 2., 3., 2.]]])
    """
    op = "pad"
    x = V.tensor(input, op)
    mode = V.choice(mode, op, "mode", _MODES)
    if not isinstance(pad, (tuple, list)):
        raise DTypeError(V.expected(op, "pad", "a sequence of ints", pad))
    pads = V.sizes(tuple(pad), op, "pad")
    if value is not None and not isinstance(value, bool) and not V._is_real(value):  # NaN and inf pad, as in torch
        raise DTypeError(V.expected(op, "value", "a number", value))
    if mode == "constant":
        return creation.pad(x, pad, mode, value)
    if value is not None and value != 0:
        raise ArgumentError(f"pad: padding mode {mode!r} doesn't take in a value argument, got value={value!r}")
    k = len(pads) // 2
    if len(pads) % 2 or not 1 <= k <= 3:
        raise ArgumentError(V.expected(op, "pad", f"2, 4 or 6 ints for mode={mode!r}", pad))
    if any(p < 0 for p in pads):
        raise ArgumentError(V.expected(op, "pad", "non-negative ints (numnet does not crop)", pad))
    if x.ndim not in (k + 1, k + 2):
        raise ShapeError(f"pad: mode={mode!r} with {len(pads)} padding values expects a {k + 1}-D or {k + 2}-D "
                         f"input, got {x.ndim}-D input of shape {tuple(x.shape)}")
    V.float_tensor(x, op)
    grown = list(x.shape)
    for i in range(k):
        grown[x.ndim - 1 - i] += pads[2 * i] + pads[2 * i + 1]
    V.element_count(grown, op, f"padding {pads}")  # before any index array of that length is made
    maps = []
    for i in range(k):  # dim −1 − i takes pads[2i], pads[2i + 1]
        n = x.shape[x.ndim - 1 - i]
        a, b = pads[2 * i], pads[2 * i + 1]
        if mode == "reflect" and (a >= n or b >= n):
            raise ArgumentError(f"pad: reflect padding {(a, b)} must be smaller than the size {n} of dim "
                                f"{x.ndim - 1 - i} (input shape {tuple(x.shape)})")
        if mode == "circular" and (a > n or b > n):
            raise ArgumentError(f"pad: circular padding {(a, b)} must be at most the size {n} of dim "
                                f"{x.ndim - 1 - i} (input shape {tuple(x.shape)})")
        maps.append(pad_index(n, a, b, mode))
    return IndexPadOp.apply(x, maps=tuple(reversed(maps)))
