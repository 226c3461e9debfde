"""Batches from a dataset: :class:`DataLoader` and :func:`default_collate`.

Fast path: a dataset with the batch protocol (``get_batch(indices)``, see :mod:`numnet.data.dataset`) is indexed once
per batch with the whole index array — no Python loop over samples. Any other dataset is read sample by sample and the
samples are stacked by ``collate_fn`` (default :func:`default_collate`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor


def _stack(arrays: list[np.ndarray]) -> np.ndarray:
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ShapeError(f"default_collate: samples have different shapes {sorted(shapes)}; all samples of a batch "
                         f"must have the same shape (pass a collate_fn to batch them differently)")
    return np.stack(arrays)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the samples' structure.

    Tensors and arrays are stacked along a new first axis; Python ints become an int64 Tensor, Python floats a
    float32 Tensor (numnet's rule for Python floats), bools a bool Tensor, NumPy scalars keep their dtype; tuples and
    lists are collated position by position, dicts key by key; strings are kept as a list.

    Args:
        batch: a non-empty list of samples of the same structure.

    Returns:
        the batch, with numnet Tensors in place of the stacked leaves.

    Raises:
        ArgumentError: an empty batch, or tuples of different lengths.
        ShapeError: arrays of different shapes.
        DTypeError: a sample type that cannot be batched.

    Example:
        >>> x, y = default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 2)])
        >>> x.shape, y.dtype
        ((2, 3), dtype('int64'))
    """
    if len(batch) == 0:
        raise ArgumentError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor(_stack([b.data if isinstance(b, Tensor) else np.asarray(b) for b in batch]))
    if isinstance(elem, np.ndarray):
        return Tensor(_stack([np.asarray(b.data if isinstance(b, Tensor) else b) for b in batch]))
    if isinstance(elem, np.generic):
        return Tensor(np.asarray(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return Tensor(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor(np.asarray(batch, dtype=np.float32))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        lengths = {len(b) for b in batch}
        if len(lengths) > 1:
            raise ArgumentError(f"default_collate: samples have different lengths {sorted(lengths)}")
        fields = [default_collate(list(col)) for col in zip(*batch)]
        if hasattr(elem, "_fields"):  # namedtuple
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise DTypeError(f"default_collate: cannot batch samples of type {type(elem).__name__}; "
                     f"expected Tensors, arrays, numbers, strings, or tuples/lists/dicts of them "
                     f"(pass a collate_fn for other types)")


class DataLoader:
    """Iterate over a dataset in (optionally shuffled) batches.

    Args:
        dataset: a dataset (``__getitem__`` and ``__len__``; with ``get_batch`` for the fast path).
        batch_size: samples per batch (the last batch may be smaller unless ``drop_last``).
        shuffle: reshuffle the samples at the start of every epoch (every ``iter(loader)``).
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`). Giving one disables the
            fast path, so it always receives the list of samples.
        generator: the ``np.random.Generator`` for shuffling. Default: numnet's default generator
            (:func:`numnet.random.default_generator`), looked up at the start of each epoch, so
            :func:`numnet.manual_seed` (and restoring a checkpoint's RNG state) reproduces the order.
        transform: a batch transform applied to the first element of every batch (the inputs, ``(N, C, H, W)``),
            e.g. :class:`~numnet.data.transforms.Normalize`.

    Yields:
        a tuple of numnet Tensors per batch, e.g. ``(images float32 (N, 1, 28, 28), labels int64 (N,))`` for the
        image sets (or whatever ``collate_fn`` returns).

    Raises:
        ArgumentError: a ``batch_size`` that is not a positive integer, a non-callable ``collate_fn``/``transform``,
            or a ``generator`` that is not an ``np.random.Generator``.

    Note:
        Samples are loaded in the calling process (PyTorch's ``num_workers``/``sampler`` are not supported).

    Example:
        >>> from numnet.data import TensorDataset
        >>> ds = TensorDataset(np.zeros((10, 3), np.float32), np.arange(10))
        >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=np.random.default_rng(0))
        >>> len(loader), [tuple(x.shape) for x, _ in loader]
        (3, [(4, 3), (4, 3), (2, 3)])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: np.random.Generator | None = None,
        transform: Callable[[Any], Any] | None = None,
    ) -> None:
        V.integer(batch_size, "DataLoader", "batch_size", minimum=1)
        if collate_fn is not None:
            V.function(collate_fn, "DataLoader", "collate_fn")
        if transform is not None:
            V.function(transform, "DataLoader", "transform")
        if generator is not None:
            V.instance(generator, np.random.Generator, "DataLoader", "generator", "a numpy.random.Generator or None")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise DTypeError(V.expected("DataLoader", "dataset", "a dataset (with __len__ and __getitem__)",
                                        got=type(dataset).__name__))
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        self.transform = transform

    @property
    def fast(self) -> bool:
        """Whether batches come from the dataset's ``get_batch`` (one fancy-index per batch)."""
        return self.collate_fn is None and callable(getattr(self.dataset, "get_batch", None))

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        if self.generator is not None:
            g = self.generator
        else:
            from numnet import random as nrandom

            g = nrandom.default_generator()
        return g.permutation(n).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[Any]:
        # The permutation is drawn here, when the epoch starts (not lazily at the first batch).
        return self._batches(self._order(), self.fast)

    def _batches(self, order: np.ndarray, fast: bool) -> Iterator[Any]:
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, len(order)), self.batch_size):
            idx = order[start:start + self.batch_size]
            if fast:
                arrays = list(self.dataset.get_batch(idx))
                if self.transform is not None and arrays:
                    arrays[0] = self.transform(arrays[0])
                yield tuple(a if isinstance(a, Tensor) else Tensor(a) for a in arrays)
            else:
                collate = self.collate_fn or default_collate
                batch = collate([self.dataset[int(i)] for i in idx])
                if self.transform is not None:
                    if isinstance(batch, tuple) and batch:
                        batch = (self.transform(batch[0]),) + tuple(batch[1:])
                    elif isinstance(batch, list) and batch:
                        batch = [self.transform(batch[0])] + batch[1:]
                    else:
                        batch = self.transform(batch)
                yield batch

    def __repr__(self) -> str:
        return (f"DataLoader(dataset={type(self.dataset).__name__}(len={len(self.dataset)}), "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})")
