"""The training loop's data plumbing: loaders from arrays or datasets, ``(x, y)`` from a batch, pass sizes, and
the model's train/eval modes saved and restored around an evaluation pass.

Private to :mod:`numnet.train` (whose functions take a DataLoader, a dataset, an ``(x, y)`` pair or an array).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from numnet.errors import ArgumentError
from numnet.tensor import Tensor

LossFn = Callable[[Any, Any], Tensor]


def _is_arraylike(x: Any) -> bool:
    return isinstance(x, (np.ndarray, Tensor))


def _as_loader(data: Any, batch_size: int | None, shuffle: bool, who: str, default_batch_size: int) -> Any:
    """An iterable of batches from a DataLoader, a dataset, an ``(x, y)`` pair or a single array ``x``."""
    from numnet.data import DataLoader

    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ArgumentError(f"{who}: expected batch_size to be a positive integer, got {batch_size!r}")
    if isinstance(data, DataLoader):
        if batch_size is not None:
            raise ArgumentError(f"{who}: batch_size is set by the DataLoader; do not pass batch_size with one")
        return data
    bs = int(batch_size) if batch_size is not None else default_batch_size
    dataset = _as_dataset(data)
    if dataset is not None:
        return DataLoader(dataset, batch_size=bs, shuffle=shuffle)
    if isinstance(data, (list, tuple)) or (hasattr(data, "__iter__") and hasattr(data, "__len__")):
        if batch_size is not None:
            raise ArgumentError(f"{who}: batch_size cannot be used with an iterable of ready-made batches")
        return data  # a re-iterable collection of (x, y) batches
    raise ArgumentError(f"{who}: expected a DataLoader, a dataset, an (x, y) pair of arrays/Tensors or an array, "
                        f"got {type(data).__name__}")


def _as_dataset(data: Any) -> Any:
    """A dataset from a dataset, an ``(x, y)`` pair of arrays/Tensors or a single array; None for anything else."""
    from numnet.data import TensorDataset

    if _is_arraylike(data):
        return TensorDataset(data)
    if isinstance(data, (tuple, list)) and 1 <= len(data) <= 2 and all(_is_arraylike(a) for a in data):
        return TensorDataset(*data)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, (tuple, list, str)):
        return data
    return None


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


def _split_validation(data: Any, split: Any, who: str) -> tuple[Any, Any]:
    """Keras's ``validation_split``: the last ``split`` fraction of the samples, taken before any shuffling.

    Works for an ``(x, y)`` pair, a single array and a dataset (split into two :class:`~numnet.data.Subset`); a
    DataLoader or an iterable of batches has no samples to hold out, so it is refused (give ``val_data``).
    """
    from numnet import _validation as V
    from numnet.data import DataLoader, Subset

    split = V.real(split, who, "validation_split", 0.0, 1.0)
    if not 0.0 < split < 1.0:
        raise ArgumentError(V.expected(who, "validation_split", "a fraction strictly between 0 and 1", split))

    def cut(n: int) -> int:
        k = int(n * (1.0 - split))  # Keras: the first int(n·(1-split)) samples train, the rest validate
        if k < 1 or k >= n:
            raise ArgumentError(f"{who}: validation_split={split} of {n} samples leaves an empty training or "
                                f"validation set")
        return k

    if _is_arraylike(data):
        k = cut(len(data))
        return data[:k], data[k:]
    if isinstance(data, (tuple, list)) and 1 <= len(data) <= 2 and all(_is_arraylike(a) for a in data):
        k = cut(len(data[0]))
        return tuple(a[:k] for a in data), tuple(a[k:] for a in data)
    if isinstance(data, DataLoader) or not (hasattr(data, "__getitem__") and hasattr(data, "__len__")):
        raise ArgumentError(f"{who}: validation_split needs arrays or a dataset to hold samples out of; with a "
                            f"{type(data).__name__}, give val_data instead")
    n = len(data)
    k = cut(n)
    return Subset(data, range(k)), Subset(data, range(k, n))


def _class_weighted(loss_fn: Any, class_weight: Any, who: str) -> Any:
    """Keras's ``class_weight``: the training loss ``Σ_n w[y_n]·ℓ_n / N`` over a batch of ``N`` samples.

    ``ℓ_n`` are the per-sample losses of ``loss_fn`` with ``reduction="none"``: an ``nn`` loss module is copied
    with that reduction, a functional loss gets ``reduction="none"``. ``class_weight`` maps class index → weight
    (a dict, or a sequence indexed by class); classes not in a dict weigh 1.
    """
    import copy
    import functools

    if isinstance(class_weight, dict):
        items = list(class_weight.items())
    elif isinstance(class_weight, (list, tuple, np.ndarray)):
        items = list(enumerate(np.asarray(class_weight).tolist()))
    else:
        raise ArgumentError(f"{who}: expected class_weight to be a dict {{class index: weight}} or a sequence of "
                            f"weights, got {type(class_weight).__name__}")
    weights: dict[int, float] = {}
    for k, w in items:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ArgumentError(f"{who}: expected class_weight keys to be class indices >= 0, got {k!r}")
        if isinstance(w, bool) or not isinstance(w, (int, float, np.number)) or not np.isfinite(w) or w < 0:
            raise ArgumentError(f"{who}: expected class_weight[{k}] to be a finite weight >= 0, got {w!r}")
        weights[int(k)] = float(w)
    table = np.ones(max(weights, default=-1) + 1, np.float64)
    for k, w in weights.items():
        table[k] = w
    if hasattr(loss_fn, "reduction"):
        per_sample = copy.copy(loss_fn)
        per_sample.reduction = "none"
    else:
        per_sample = functools.partial(loss_fn, reduction="none")

    def weighted_loss(output: Tensor, target: Tensor) -> Tensor:
        y = np.asarray(target._data)
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ArgumentError(f"{who}: class_weight needs integer class targets (N,), got {y.dtype} {y.shape}")
        w = np.ones(y.shape, np.float64)
        known = y < table.size
        w[known] = table[y[known]]
        losses = per_sample(output, target)
        return (losses * Tensor(w.astype(losses.dtype))).sum() / max(len(y), 1)

    return weighted_loss


def _resolve_loss(loss: Any, who: str) -> LossFn | None:
    """A callable ``loss(output, target) -> Tensor`` from a callable or a name ("cross_entropy", "mse", "nll")."""
    if loss is None or callable(loss):
        return loss
    if isinstance(loss, str):
        import numnet.functional as F

        names = {"cross_entropy": "cross_entropy", "crossentropy": "cross_entropy", "mse": "mse_loss",
                 "mse_loss": "mse_loss", "nll": "nll_loss", "nll_loss": "nll_loss"}
        fn = getattr(F, names.get(loss.lower(), ""), None)
        if fn is not None:
            return fn
        raise ArgumentError(f"{who}: unknown loss {loss!r}; expected a callable (e.g. nn.CrossEntropyLoss()) or "
                            f"one of {sorted(set(names))}")
    raise ArgumentError(f"{who}: expected loss to be a callable or a name, got {type(loss).__name__}")
