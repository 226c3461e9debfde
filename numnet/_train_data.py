"""The training loop's data plumbing: loaders from arrays or datasets, ``(x, y)`` from a batch, pass sizes, and
the model's train/eval modes saved and restored around an evaluation pass.

Private to :mod:`numnet.train` (whose functions take a DataLoader, a dataset, an ``(x, y)`` pair or an array).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet.errors import ArgumentError
from numnet.tensor import Tensor


def _is_arraylike(x: Any) -> bool:
    return isinstance(x, (np.ndarray, Tensor))


def _as_loader(data: Any, batch_size: int | None, shuffle: bool, who: str, default_batch_size: int) -> Any:
    """An iterable of batches from a DataLoader, a dataset, an ``(x, y)`` pair or a single array ``x``."""
    from numnet.data import DataLoader, TensorDataset

    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ArgumentError(f"{who}: expected batch_size to be a positive integer, got {batch_size!r}")
    if isinstance(data, DataLoader):
        if batch_size is not None:
            raise ArgumentError(f"{who}: batch_size is set by the DataLoader; do not pass batch_size with one")
        return data
    bs = int(batch_size) if batch_size is not None else default_batch_size
    if _is_arraylike(data):
        return DataLoader(TensorDataset(data), batch_size=bs, shuffle=shuffle)
    if isinstance(data, (tuple, list)) and 1 <= len(data) <= 2 and all(_is_arraylike(a) for a in data):
        return DataLoader(TensorDataset(*data), batch_size=bs, shuffle=shuffle)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, (tuple, list, str)):
        return DataLoader(data, batch_size=bs, shuffle=shuffle)
    if isinstance(data, (list, tuple)) or (hasattr(data, "__iter__") and hasattr(data, "__len__")):
        if batch_size is not None:
            raise ArgumentError(f"{who}: batch_size cannot be used with an iterable of ready-made batches")
        return data  # a re-iterable collection of (x, y) batches
    raise ArgumentError(f"{who}: expected a DataLoader, a dataset, an (x, y) pair of arrays/Tensors or an array, "
                        f"got {type(data).__name__}")


def _unpack(batch: Any, who: str) -> tuple[Tensor, Tensor | None]:
    """``(x, y)`` Tensors from a batch: an ``(x, y)`` pair, a 1-tuple ``(x,)`` or a bare ``x``."""
    if isinstance(batch, (tuple, list)):
        if len(batch) == 2:
            x, y = batch
        elif len(batch) == 1:
            x, y = batch[0], None
        else:
            raise ArgumentError(f"{who}: expected batches of (inputs, targets), got a batch of {len(batch)} items")
    else:
        x, y = batch, None
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if y is not None and not isinstance(y, Tensor):
        y = Tensor(np.asarray(y))
    return x, y


def _num_samples(loader: Any) -> int | None:
    """How many samples one pass over ``loader`` yields, when that is known."""
    dataset = getattr(loader, "dataset", None)
    bs = getattr(loader, "batch_size", None)
    if dataset is None or not hasattr(dataset, "__len__"):
        return None
    n = len(dataset)
    if getattr(loader, "drop_last", False) and bs:
        n = (n // bs) * bs
    return n


def _len_or_none(x: Any) -> int | None:
    try:
        return len(x)
    except TypeError:
        return None


def _default_generator() -> np.random.Generator:
    """numnet's generator, which a DataLoader without its own ``generator`` shuffles with."""
    from numnet.random import default_generator

    return default_generator()


def _modes(model: Any) -> list[tuple[Any, bool]]:
    """Every submodule with its ``training`` flag, to restore exactly after evaluation."""
    modules = list(model.modules()) if hasattr(model, "modules") else [model]
    return [(m, bool(getattr(m, "training", True))) for m in modules]


def _restore_modes(saved: list[tuple[Any, bool]]) -> None:
    for m, training in saved:
        if getattr(m, "training", None) is not training:
            m.training = training
