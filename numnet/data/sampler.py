"""Samplers: which dataset indices a :class:`~numnet.data.DataLoader` reads, and in what order (PyTorch's
``torch.utils.data`` samplers).

A sampler is an iterable of indices with a ``__len__``; a batch sampler is an iterable of lists of indices. Random
samplers take an ``np.random.Generator``; without one they draw from numnet's default generator
(:func:`numnet.random.default_generator`), looked up when iteration starts, so :func:`numnet.manual_seed` reproduces
them. Orders are numnet's own (NumPy's RNG, not PyTorch's), but lengths, replacement and weighting follow PyTorch.
"""

from __future__ import annotations

from typing import Any, Generic, Iterable, Iterator, Sequence, Sized, TypeVar

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError

T = TypeVar("T")


def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    if generator is not None:
        return generator
    from numnet import random as nrandom

    return nrandom.default_generator()


def _check_generator(generator: Any, who: str) -> None:
    if generator is not None:
        V.instance(generator, np.random.Generator, who, "generator", "a numpy.random.Generator or None")


class Sampler(Generic[T]):
    """Base class of samplers: subclasses define ``__iter__`` (yielding indices) and usually ``__len__``.

    Example:
        >>> class Evens(Sampler):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(0, self.n, 2))
        ...     def __len__(self): return (self.n + 1) // 2
        >>> list(Evens(5))
        [0, 2, 4]
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass  # PyTorch accepts and ignores data_source here

    def __iter__(self) -> Iterator[T]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Example:
        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        V.sized(data_source, "SequentialSampler", "data_source")
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices into ``data_source``: a fresh permutation per epoch, or draws with replacement.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw ``num_samples`` indices independently (True), or permutations (False).
        num_samples: how many indices per epoch; default ``len(data_source)``. Without replacement and more than
            ``len(data_source)``, whole permutations are chained and the last one cut, as in PyTorch.
        generator: an ``np.random.Generator``; default numnet's default generator.

    Raises:
        DTypeError: ``replacement`` not a bool, ``num_samples`` not an int, a generator of another kind.
        ArgumentError: ``num_samples`` <= 0.

    Example:
        >>> sorted(RandomSampler(range(4), generator=np.random.default_rng(0)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: np.random.Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise DTypeError(V.expected("RandomSampler", "replacement", "a bool", replacement))
        if num_samples is not None:
            V.integer(num_samples, "RandomSampler", "num_samples", minimum=1)
        _check_generator(generator, "RandomSampler")
        V.sized(data_source, "RandomSampler", "data_source")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self) -> int:
        # Read from the dataset every time: its length may change between epochs (PyTorch does the same).
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        g = _generator(self.generator)
        k = self.num_samples
        if n == 0:
            return iter(())
        if self.replacement:
            idx = g.integers(0, n, size=k)
        else:
            reps = -(-k // n)
            idx = np.concatenate([g.permutation(n) for _ in range(reps)])[:k]
        return iter(idx.tolist())

    def __len__(self) -> int:
        return self.num_samples


class DistributedSampler(Sampler[int]):
    """This rank's share of a data set for data-parallel training (``torch.utils.data.distributed``'s sampler).

    Every rank sees ``num_samples`` indices, so all ranks take the same number of steps:

    - ``num_samples = ⌈len/R⌉`` (the index list padded by repeating its start), or with ``drop_last`` and a
      remainder, ``⌈(len − R)/R⌉`` (the tail dropped);
    - rank r takes ``indices[r : R·num_samples : R]``.

    With ``shuffle`` the index list is a permutation seeded by ``seed + epoch``, the same on every rank; call
    :meth:`set_epoch` before each epoch for a new one (``fit(distributed=True)`` does). It is numnet's generator,
    so the order differs from PyTorch's ``randperm`` (without ``shuffle`` the shards are identical to PyTorch's).

    Args:
        dataset: the data set (only its length is used).
        num_replicas: the number of ranks R; default :func:`numnet.distributed.world_size`.
        rank: this rank; default :func:`numnet.distributed.rank`.
        shuffle: a new permutation each epoch (default True).
        seed: the base seed, the same on every rank (default 0).
        drop_last: drop the tail instead of padding (default False).

    Raises:
        DTypeError: a dataset without a length, non-int ``num_replicas``/``rank``/``seed``, non-bool flags.
        ArgumentError: ``num_replicas`` < 1, or ``rank`` not in ``[0, num_replicas)``.

    Example:
        >>> list(DistributedSampler(range(10), num_replicas=4, rank=1, shuffle=False))
        [1, 5, 9]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        from numnet.distributed import _comm

        who = "DistributedSampler"
        V.sized(dataset, who, "dataset")
        num_replicas = _comm.world_size() if num_replicas is None else num_replicas
        rank = _comm.rank() if rank is None else rank
        V.integer(num_replicas, who, "num_replicas", minimum=1)
        V.integer(rank, who, "rank")
        if not 0 <= rank < num_replicas:
            raise ArgumentError(V.expected(who, "rank", f"in [0, {num_replicas - 1}]", rank))
        V.integer(seed, who, "seed")
        V.boolean(shuffle, who, "shuffle")
        V.boolean(drop_last, who, "drop_last")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, int(seed), drop_last, 0

    @property
    def num_samples(self) -> int:
        n, r = len(self.dataset), self.num_replicas
        if self.drop_last and n % r:
            return -(-(n - r) // r)
        return -(-n // r)

    @property
    def total_size(self) -> int:
        return self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of ``seed + epoch`` from the next iteration on (call it with the same epoch on every
        rank)."""
        V.integer(epoch, "DistributedSampler.set_epoch", "epoch")
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        total = self.total_size
        if not self.drop_last and total > n and n:
            pad = total - n
            indices += (indices * -(-pad // n))[:pad]
        else:
            indices = indices[:total]
        return iter(indices[self.rank:total:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a random order (a new permutation of them every epoch), without replacement.

    Example:
        >>> sorted(SubsetRandomSampler([7, 3, 5]))
        [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int], generator: np.random.Generator | None = None) -> None:
        _check_generator(generator, "SubsetRandomSampler")
        V.sized(indices, "SubsetRandomSampler", "indices")
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        # Drawn now, not at the first next(): the epoch's order is fixed when iteration starts.
        perm = _generator(self.generator).permutation(len(self.indices))
        return iter([self.indices[i] for i in perm.tolist()])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices in ``[0, len(weights))``, index ``i`` drawn with probability
    ``weights[i] / sum(weights)`` (the weights need not sum to one).

    Args:
        weights: a 1-d sequence of non-negative, finite weights, not all zero.
        num_samples: how many indices per epoch (an int >= 1).
        replacement: draw with replacement (default, as in PyTorch). Without it, ``num_samples`` may not exceed the
            number of non-zero weights, and each index appears at most once.
        generator: an ``np.random.Generator``; default numnet's default generator.

    Raises:
        ShapeError: weights that are not 1-d.
        ArgumentError: negative, non-finite or all-zero weights; too many samples without replacement.

    Example:
        >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=np.random.default_rng(0))
        >>> list(s)
        [1, 1, 1, 1]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        who = "WeightedRandomSampler"
        V.integer(num_samples, who, "num_samples", minimum=1)
        if not isinstance(replacement, bool):
            raise DTypeError(V.expected(who, "replacement", "a bool", replacement))
        _check_generator(generator, who)
        w = V.real_array(weights, who, "weights")
        if w.ndim != 1:
            raise ShapeError(V.expected(who, "weights", "a 1-d sequence", got=f"shape {w.shape}"))
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ArgumentError(V.expected(who, "weights", "finite, non-negative and not all zero",
                                           got=np.array2string(w, threshold=8)))
        if not replacement and num_samples > int(np.count_nonzero(w)):
            raise ArgumentError(f"{who}: cannot draw {num_samples} samples without replacement from "
                                f"{int(np.count_nonzero(w))} non-zero weights")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        idx = _generator(self.generator).choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(idx.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    Example:
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not hasattr(type(sampler), "__iter__") or isinstance(sampler, (str, bytes)):
            raise DTypeError(V.expected("BatchSampler", "sampler", "a sampler or an iterable of indices",
                                        got=type(sampler).__name__))
        V.integer(batch_size, "BatchSampler", "batch_size", minimum=1)
        if not isinstance(drop_last, bool):
            raise DTypeError(V.expected("BatchSampler", "drop_last", "a bool", drop_last))
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        # iter(sampler) now, so a random sampler draws its order when iteration starts.
        return self._batches(iter(self.sampler))

    def _batches(self, it: Iterator[int]) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in it:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
           "WeightedRandomSampler"]
