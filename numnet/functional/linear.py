"""Affine map and flattening: ``linear``, ``flatten``.

``linear`` composes the ``MatMul`` primitive (:mod:`numnet.ops.linalg`) with a broadcast ``Add``; ``flatten`` is a
reshape. Neither owns a derivative of its own.
"""

from __future__ import annotations

from numnet import _validation as V
from numnet.errors import DTypeError, ShapeError
from numnet.ops.elementwise import AddOp
from numnet.ops.linalg import MatMulOp
from numnet.ops.shape import PermuteOp
from numnet.tensor import Tensor

__all__ = ["linear", "flatten"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """Affine map of the last dimension, with PyTorch's weight layout ``(out_features, in_features)``.

    .. math:: y = x W^\\top + b

    Args:
        input: floating-point tensor ``(*, in_features)`` with at least one dimension.
        weight: ``(out_features, in_features)``, or ``(in_features,)`` for a single output feature that is
            squeezed away.
        bias: ``(out_features,)``, or None. With a 1-D weight a 0-d bias is accepted too (Note: PyTorch refuses it).

    Shape:
        ``(*, H_in) → (*, H_out)`` with ``H_in = in_features``, ``H_out = out_features``; with a 1-D weight
        ``(*, H_in) → (*)``. All three tensors must share one dtype.

    Raises:
        DTypeError: an argument is not a floating-point tensor, or the dtypes differ.
        ShapeError: the input's last dimension is not ``in_features``, or ``weight``/``bias`` have the wrong shape.

    Example:
        >>> import numnet, numnet.functional as F
        >>> x = numnet.tensor([[1.0, 2.0]])
        >>> w = numnet.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> F.linear(x, w, numnet.tensor([0.0, 0.0, 0.5]))
        tensor([[1. , 2. , 3.5]])
    """
    V.float_tensor(input, "linear")
    V.float_tensor(weight, "linear", "weight")
    if bias is not None:
        V.float_tensor(bias, "linear", "bias")
    dt = input._data.dtype
    if weight._data.dtype != dt or (bias is not None and bias._data.dtype != dt):
        raise DTypeError(f"linear: input, weight and bias must share one dtype, got input {input.dtype}, "
                         f"weight {weight.dtype}" + (f", bias {bias.dtype}" if bias is not None else ""))
    w_shape, in_shape = weight._data.shape, input._data.shape
    if len(w_shape) not in (1, 2):
        raise ShapeError(f"linear: expected weight of shape (out_features, in_features), got {tuple(weight.shape)}")
    if not in_shape:
        raise ShapeError("linear: expected input of shape (*, in_features), got a 0-d tensor")
    in_features = w_shape[-1]
    out_shape = () if len(w_shape) == 1 else (w_shape[0],)
    if in_shape[-1] != in_features:
        raise ShapeError(f"linear: input has {input.shape[-1]} features in its last dimension (input shape "
                         f"{tuple(input.shape)}) but weight expects in_features={in_features} "
                         f"(weight shape {tuple(weight.shape)})")
    if bias is not None and tuple(bias.shape) != out_shape:
        raise ShapeError(f"linear: bias must have shape {out_shape} (out_features), got {tuple(bias.shape)} "
                         f"(weight shape {tuple(weight.shape)})")
    if len(w_shape) == 1:
        out = input.matmul(weight)
        return out if bias is None else out + bias
    # Everything ``weight.T``, ``matmul`` and ``+`` would check holds now (one dtype, 2-D weight, matching
    # features, a bias of shape (out_features,)), so their primitives are applied directly: the same graph
    # (Permute, MatMul, Add) without the per-call argument handling.
    out = MatMulOp.apply(input, PermuteOp.apply(weight, dims=(1, 0)))
    return out if bias is None else AddOp.apply(out, bias)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dimensions ``start_dim`` … ``end_dim`` into one, like ``torch.flatten``.

    Note the default ``start_dim=0`` flattens everything; ``nn.Flatten`` (and a CNN's classifier head) uses
    ``start_dim=1`` to keep the batch axis. A 0-d input becomes shape ``(1,)``.

    Args:
        input: a tensor.
        start_dim: first dimension to flatten (negative counts from the end). Default 0.
        end_dim: last dimension to flatten. Default -1.

    Shape:
        ``(d0, …, d_s, …, d_e, …) → (d0, …, d_s·…·d_e, …)``.

    Raises:
        DTypeError: ``input`` is not a tensor.
        ArgumentError: a dimension out of range, or ``start_dim`` after ``end_dim``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.flatten(numnet.zeros(2, 3, 4), start_dim=1).shape
        (2, 12)
    """
    V.tensor(input, "flatten")
    return input.flatten(start_dim, end_dim)
