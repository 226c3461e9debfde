"""Datasets: anything with ``__getitem__`` and ``__len__``, plus the array-backed :class:`TensorDataset`.

**Batch protocol.** A dataset may also define ``get_batch(indices) -> tuple[np.ndarray, ...]``, returning whole
batches by fancy-indexing its arrays with an integer index array. :class:`~numnet.data.DataLoader` uses it when present
(no per-sample Python loop); otherwise it calls ``dataset[i]`` per sample and collates. :class:`TensorDataset`,
:class:`Subset` (of a dataset that has it) and the image sets in :mod:`numnet.datasets` all implement it.
"""

from __future__ import annotations

import math
from typing import Any, Generic, Sequence, TypeVar

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor

T = TypeVar("T")


class Dataset(Generic[T]):
    """Base class of map-style datasets: subclasses define ``__getitem__(index)`` and ``__len__()``.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 4
        ...     def __getitem__(self, i): return float(i), i * i
        >>> len(Squares()), Squares()[3]
        (4, (3.0, 9))
    """

    def __getitem__(self, index: int) -> T:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T]):
    """Base class of iterable-style datasets: subclasses define ``__iter__`` yielding samples (a stream, not indexed).

    A :class:`~numnet.data.DataLoader` batches the stream in order; samplers and ``shuffle`` do not apply. With
    ``num_workers > 0`` every worker iterates its own copy of the dataset, so ``__iter__`` should split the work
    with :func:`~numnet.data.get_worker_info` (as in PyTorch), or each sample is loaded once per worker.

    Example:
        >>> class Count(IterableDataset):
        ...     def __iter__(self): return iter(range(3))
        >>> list(Count())
        [0, 1, 2]
    """

    def __iter__(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Any) -> Any:
        raise DTypeError("IterableDataset: cannot concatenate with +; chain the iterables instead")


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other: index ``i`` goes to the dataset that holds it.

    Args:
        datasets: a non-empty sequence of map-style datasets.

    Attributes:
        cumulative_sizes: the running totals of the datasets' lengths (PyTorch's name).

    Raises:
        ArgumentError: no datasets.
        DTypeError: an :class:`IterableDataset` among them.

    Example:
        >>> c = ConcatDataset([TensorDataset(np.arange(3)), TensorDataset(np.arange(10, 12))])
        >>> len(c), int(c[3][0]), c.cumulative_sizes
        (5, 10, [3, 5])
    """

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        if not hasattr(type(datasets), "__iter__") or isinstance(datasets, (str, bytes, Dataset)):
            raise DTypeError(V.expected("ConcatDataset", "datasets", "a sequence of datasets",
                                        got=type(datasets).__name__))
        self.datasets = list(datasets)
        if not self.datasets:
            raise ArgumentError("ConcatDataset: expected datasets to be a non-empty sequence, got none")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise DTypeError("ConcatDataset: does not support IterableDataset")
        sizes = [V.sized(d, "ConcatDataset", f"datasets[{i}]") for i, d in enumerate(self.datasets)]
        self.cumulative_sizes: list[int] = np.cumsum(sizes).tolist()

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> Any:
        i = _check_index(index, len(self), "ConcatDataset")
        k = int(np.searchsorted(self.cumulative_sizes, i, side="right"))
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][i - start]


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    arr = np.asarray(x)
    return arr.astype(np.float32) if arr.dtype == np.float64 else arr  # Python floats → float32, like numnet.tensor


def _check_index(index: Any, n: int, who: str) -> int:
    i = V.integer(index, who, "index")
    if not -n <= i < n:
        raise IndexError(f"{who}: index {i} is out of range for a dataset of length {n}")
    return i % n


class TensorDataset(Dataset):
    """A dataset over arrays (or numnet Tensors) that share their first dimension; sample ``i`` is
    ``tuple(a[i] for a in arrays)``.

    Args:
        *tensors: numnet Tensors or NumPy arrays (anything ``np.asarray`` accepts), all of length N. Their dtypes are
            kept (Python floats become float32).

    Shape:
        each input ``(N, *)``; a sample is a tuple of ``(*)`` Tensors.

    Raises:
        ArgumentError: no arrays given.
        ShapeError: a 0-d array, or the arrays' first dimensions differ.

    Example:
        >>> ds = TensorDataset(np.zeros((5, 3), np.float32), np.arange(5))
        >>> len(ds), ds[2][0].shape, int(ds[2][1])
        (5, (3,), 2)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ArgumentError("TensorDataset: expected at least one array or tensor, got none")
        arrays = tuple(_as_array(t) for t in tensors)
        for k, a in enumerate(arrays):
            if a.ndim == 0:
                raise ShapeError(f"TensorDataset: argument {k} is 0-dimensional; expected shape (N, *)")
        sizes = [a.shape[0] for a in arrays]
        if any(s != sizes[0] for s in sizes):
            raise ShapeError(f"TensorDataset: all arrays must have the same first dimension N, got sizes {sizes}")
        self.arrays: tuple[np.ndarray, ...] = arrays

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The arrays as numnet Tensors (sharing memory)."""
        return tuple(Tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(Tensor(a[i]) for a in self.arrays)

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        """The samples at ``indices`` (an int array), stacked: one fancy-indexing per array."""
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: any dataset.
        indices: a sequence of integer indices into ``dataset``.

    Raises:
        ArgumentError: an index is not an integer or is out of range.

    Example:
        >>> s = Subset(TensorDataset(np.arange(10)), [7, 3])
        >>> len(s), int(s[0][0])
        (2, 7)
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if not np.issubdtype(idx.dtype, np.integer):
            raise DTypeError(V.expected("Subset", "indices", "a 1-d sequence of ints", got=f"dtype {idx.dtype}"))
        if idx.ndim != 1:
            raise ShapeError(V.expected("Subset", "indices", "a 1-d sequence of ints", got=f"shape {idx.shape}"))
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise ArgumentError(V.expected("Subset", "indices", f"in [{-n}, {n}) for a dataset of length {n}",
                                           got=f"min {idx.min()} and max {idx.max()}"))
        self.dataset = dataset
        self.indices: np.ndarray = (idx % n if n else idx).astype(np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        i = _check_index(index, len(self), "Subset")
        return self.dataset[int(self.indices[i])]

    def __getattr__(self, name: str) -> Any:
        # Expose the parent's batch protocol only when the parent has it (so hasattr(subset, "get_batch") is honest).
        if name == "get_batch" and hasattr(self.__dict__.get("dataset"), "get_batch"):
            return self._get_batch
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        return self.dataset.get_batch(self.indices[indices])


def _split_lengths(lengths: Sequence[int | float], n: int) -> list[int]:
    if not isinstance(lengths, (list, tuple)):
        raise DTypeError(V.expected("random_split", "lengths", "a list of ints or of fractions",
                                    got=type(lengths).__name__))
    if len(lengths) == 0:
        raise ArgumentError("random_split: lengths is empty")
    if all(V.is_int(x) for x in lengths):
        out = [int(x) for x in lengths]
        if any(x < 0 for x in out):
            raise ArgumentError(V.expected("random_split", "lengths", "ints >= 0", out))
        if sum(out) != n:
            raise ArgumentError(f"random_split: lengths {out} sum to {sum(out)}, but the dataset has {n} samples")
        return out
    fracs = [float(x) for x in lengths]
    if any(not 0.0 <= f <= 1.0 for f in fracs) or not math.isclose(sum(fracs), 1.0, abs_tol=1e-6):
        raise ArgumentError(
            f"random_split: lengths must be integers summing to {n} or fractions in [0, 1] summing to 1, "
            f"got {list(lengths)}"
        )
    # PyTorch's rule: floor each share, then hand the remainder out one by one, round-robin from the first split.
    out = [int(math.floor(n * f)) for f in fracs]
    for i in range(n - sum(out)):
        out[i % len(out)] += 1
    return out


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: integers summing to ``len(dataset)``, or fractions summing to 1 (each share is floored, then the
            remaining samples go one each to the first splits, as in PyTorch).
        generator: the ``np.random.Generator`` for the permutation; default numnet's
            (:func:`numnet.random.default_generator`, so :func:`numnet.manual_seed` reproduces it).

    Returns:
        a list of :class:`Subset`.

    Raises:
        ArgumentError: lengths that do not add up.

    Example:
        >>> train, val = random_split(TensorDataset(np.arange(10)), [0.8, 0.2], np.random.default_rng(0))
        >>> len(train), len(val)
        (8, 2)
    """
    from numnet import random as nrandom

    n = V.sized(dataset, "random_split")
    sizes = _split_lengths(lengths, n)
    g = generator if generator is not None else nrandom.default_generator()
    perm = g.permutation(n)
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
