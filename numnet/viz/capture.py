"""Look inside a model without matplotlib: every layer's output for one input, and the first convolution layer.

:func:`activations` is what :func:`numnet.viz.plot_feature_maps` draws; a web explorer or a notebook can call it
directly to get the arrays.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from numnet.autograd import no_grad
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor

__all__ = ["activations", "first_conv", "is_conv", "is_pool", "leaf_modules"]


def _is_module(obj: Any) -> bool:
    from numnet.nn import Module

    return isinstance(obj, Module)


def is_conv(module: Any) -> bool:
    """True for a convolution layer: a leaf module whose ``weight`` is 4-D ``(C_out, C_in, kH, kW)``."""
    w = getattr(module, "_parameters", {}).get("weight")
    return w is not None and getattr(w, "ndim", 0) == 4


def is_pool(module: Any) -> bool:
    """True for a pooling layer (``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, ...)."""
    return "Pool" in type(module).__name__


def leaf_modules(model: Any) -> list[tuple[str, Any]]:
    """``(path, module)`` of every module without children, in registration order (``features.0``, ...)."""
    return [(name, m) for name, m in model.named_modules() if not m._modules and name]


def first_conv(model_or_layer: Any) -> tuple[str, Any]:
    """The first convolution layer of a model (registration order), or the layer itself; ``(path, layer)``.

    Raises:
        DTypeError: not a numnet Module.
        ArgumentError: the model has no convolution layer.
    """
    if not _is_module(model_or_layer):
        raise DTypeError(f"first_conv: expected a numnet.nn.Module, got {type(model_or_layer).__name__}")
    if is_conv(model_or_layer):
        return "", model_or_layer
    for name, m in model_or_layer.named_modules():
        if is_conv(m):
            return name, m
    raise ArgumentError(f"first_conv: {type(model_or_layer).__name__} has no convolution layer "
                        "(a module with a 4-D weight)")


def _model_dtype(model: Any) -> np.dtype:
    for p in model.parameters():
        if p._data.dtype.kind == "f":
            return p._data.dtype
    return np.dtype(np.float32)


def _as_batch(x: Any, who: str) -> np.ndarray:
    """One input as a batch of one: ``(H, W)`` → ``(1, 1, H, W)``, ``(C, H, W)`` → ``(1, C, H, W)``."""
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise DTypeError(f"{who}: the input must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[None, None]
    elif arr.ndim == 3:
        arr = arr[None]
    elif arr.ndim != 4 or arr.shape[0] != 1:
        raise ShapeError(f"{who}: expected one image (H, W), (C, H, W) or (1, C, H, W), got shape {arr.shape}")
    return arr


def _first_array(out: Any) -> np.ndarray | None:
    """The array a layer returned (the first element of a tuple, e.g. MaxPool2d with return_indices)."""
    if isinstance(out, (tuple, list)) and out:
        out = out[0]
    if isinstance(out, Tensor):
        return np.array(out._data, copy=True)
    if isinstance(out, np.ndarray):
        return out.copy()
    return None


def activations(model: Any, x: Any, layers: list[str] | None = None,
                include: Callable[[Any], bool] | None = None) -> list[tuple[str, np.ndarray]]:
    """Run ``model`` on one input and return every leaf layer's output, in the order the layers ran.

    Each leaf module (a module without children: Conv2d, ReLU, MaxPool2d, Linear, ...) gets a temporary forward
    hook, so this works for any model, not only Sequentials; hooks are removed and each module's train/eval mode is
    restored afterwards. The model runs in eval mode without gradients. A layer called twice appears twice, the
    second time as ``name#2``.

    Args:
        model: a numnet Module.
        x: one input: ``(H, W)``, ``(C, H, W)`` or ``(1, C, H, W)``, array or Tensor; cast to the model's float dtype.
        layers: keep only these layer paths (as in ``named_modules()``, e.g. ``["features.0", "features.2"]``).
        include: keep only layers for which ``include(module)`` is true (e.g. :func:`is_conv`).

    Returns:
        ``[(name, array), ...]`` with each output's batch of one: ``(1, C, H, W)`` for conv/pool layers,
        ``(1, F)`` for linear ones; arrays are copies.

    Raises:
        DTypeError: not a Module, or a non-numeric input.
        ShapeError: the input is not one image.
        ArgumentError: a name in ``layers`` is not a leaf layer of the model.

    Example:
        >>> from numnet.models import LeNet5
        >>> [(n, a.shape) for n, a in activations(LeNet5(), np.zeros((28, 28)))][:3]
        [('features.0', (1, 6, 28, 28)), ('features.1', (1, 6, 28, 28)), ('features.2', (1, 6, 14, 14))]
    """
    who = "activations"
    if not _is_module(model):
        raise DTypeError(f"{who}: expected a numnet.nn.Module, got {type(model).__name__}")
    batch = _as_batch(x, who)
    leaves = leaf_modules(model) or [(type(model).__name__, model)]
    if layers is not None:
        known = {name for name, _ in leaves}
        unknown = [n for n in layers if n not in known]
        if unknown:
            raise ArgumentError(f"{who}: no leaf layer named {unknown}; the model's layers are {sorted(known)}")
        wanted = set(layers)
        leaves = [(n, m) for n, m in leaves if n in wanted]
    if include is not None:
        leaves = [(n, m) for n, m in leaves if include(m)]

    recorded: list[tuple[str, np.ndarray]] = []
    calls: dict[str, int] = {}

    def hook_for(name: str) -> Callable[[Any, tuple, Any], None]:
        def hook(module: Any, inputs: tuple, output: Any) -> None:
            arr = _first_array(output)
            if arr is None:
                return
            calls[name] = calls.get(name, 0) + 1
            recorded.append((name if calls[name] == 1 else f"{name}#{calls[name]}", arr))

        return hook

    modes = [(m, m.training) for m in model.modules()]
    handles = [m.register_forward_hook(hook_for(n)) for n, m in leaves]
    try:
        model.eval()
        with no_grad():
            model(Tensor(batch.astype(_model_dtype(model), copy=False)))
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    return recorded
