"""Batches from a dataset: :class:`DataLoader` (collation in :mod:`numnet.data.collate`, worker processes in
:mod:`numnet.data._workers`; both names are importable from here too).

Fast path: a dataset with the batch protocol (``get_batch(indices)``, see :mod:`numnet.data.dataset`) is indexed once
per batch with the whole index array — no Python loop over samples. Any other dataset is read sample by sample and the
samples are stacked by ``collate_fn`` (default :func:`default_collate`).

Worker processes (``num_workers > 0``): each worker gets batches of indices on its own queue, loads and collates them,
and puts the batch on one shared result queue; the main process hands batches out in sampler order whatever order
they arrive in. Workers are started (``fork`` on Linux) when iteration starts and stopped at the end of the epoch
(kept with ``persistent_workers=True``), on an error, on ``break`` (when the iterator is garbage-collected) and on
KeyboardInterrupt.
"""

from __future__ import annotations

import multiprocessing
import sys
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from numnet import _validation as V
from numnet.data.dataset import IterableDataset
from numnet.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from numnet.errors import ArgumentError, DTypeError
from numnet.data._workers import WorkerInfo, _Fetch, _MultiProcessIter, _SingleProcessIter, get_worker_info  # noqa: F401
from numnet.data.collate import default_collate, default_convert  # noqa: F401  (public here too)


class DataLoader:
    """Iterate over a dataset in batches, PyTorch's ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``; with ``get_batch`` for the fast path) or an
            :class:`~numnet.data.IterableDataset`.
        batch_size: samples per batch (the last batch may be smaller unless ``drop_last``); ``None`` turns batching
            off: every sample is yielded alone, through ``collate_fn`` (default :func:`default_convert`).
        shuffle: reshuffle the samples at the start of every epoch (every ``iter(loader)``); makes a
            :class:`~numnet.data.RandomSampler`. Default (None) means False.
        sampler: where the indices come from (a :class:`~numnet.data.Sampler` or any iterable of indices);
            exclusive with ``shuffle``.
        batch_sampler: yields whole lists of indices; exclusive with ``batch_size``, ``shuffle``, ``sampler`` and
            ``drop_last``.
        num_workers: how many worker processes load batches (0: load in the calling process). Batches come out in
            sampler order whatever ``num_workers`` is.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`). Giving one disables the
            fast path, so it always receives the list of samples.
        pin_memory: accepted for PyTorch compatibility; does nothing (there is no GPU memory to copy to).
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        timeout: seconds to wait for a batch from the workers before raising RuntimeError (0: wait for ever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after it is seeded.
        multiprocessing_context: a start method name (``"fork"``, ``"spawn"``, ``"forkserver"``) or a
            ``multiprocessing`` context; default ``"fork"`` where the platform has it (Linux), else the system
            default. With ``"spawn"`` the dataset and functions must be picklable (defined at module level).
        generator: the ``np.random.Generator`` for shuffling and for the workers' base seed. Default: numnet's
            default generator (:func:`numnet.random.default_generator`), looked up at the start of each epoch, so
            :func:`numnet.manual_seed` (and restoring a checkpoint's RNG state) reproduces the order.
        prefetch_factor: batches requested ahead per worker (default 2 when ``num_workers > 0``).
        persistent_workers: keep the worker processes from one epoch to the next.
        transform: (numnet's extra) a batch transform applied to the first element of every batch (the inputs,
            ``(N, C, H, W)``), e.g. :class:`~numnet.data.transforms.Normalize`.

    Yields:
        a tuple of numnet Tensors per batch, e.g. ``(images float32 (N, 1, 28, 28), labels int64 (N,))`` for the
        image sets (or whatever ``collate_fn`` returns).

    Worker seeding (as PyTorch): at the start of each epoch with workers, after the epoch's order is drawn, one
    ``base_seed`` is drawn from the loader's generator; worker ``k`` reseeds numnet's default generator,
    ``np.random`` (mod 2**32) and Python's ``random`` with ``base_seed + k`` before ``worker_init_fn``. The same
    seed and the same ``num_workers`` give the same batches, random transforms included. Unlike PyTorch, no seed
    is drawn when ``num_workers=0``, so the main process's random stream is the one numnet always had.

    Raises:
        ArgumentError: a bad value (``batch_size``/``num_workers``/``timeout``/``prefetch_factor``) or options that
            exclude each other (PyTorch's rules, with PyTorch's messages).
        DTypeError: an argument of the wrong kind.

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
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        transform: Callable[[Any], Any] | None = None,
    ) -> None:
        who = "DataLoader"
        if batch_size is not None:
            V.integer(batch_size, who, "batch_size", minimum=1)
        V.integer(num_workers, who, "num_workers", minimum=0)
        V.real(timeout, who, "timeout", low=0.0)
        if prefetch_factor is not None:
            V.integer(prefetch_factor, who, "prefetch_factor", minimum=1)
        for name, fn in (("collate_fn", collate_fn), ("transform", transform), ("worker_init_fn", worker_init_fn)):
            if fn is not None:
                V.function(fn, who, name)
        if generator is not None:
            V.instance(generator, np.random.Generator, who, "generator", "a numpy.random.Generator or None")
        for name, flag in (("pin_memory", pin_memory), ("drop_last", drop_last),
                           ("persistent_workers", persistent_workers)):
            if not isinstance(flag, (bool, np.bool_)):
                raise DTypeError(V.expected(who, name, "a bool", flag))
        if shuffle is not None and not isinstance(shuffle, (bool, np.bool_)):
            raise DTypeError(V.expected(who, "shuffle", "a bool or None", shuffle))
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and (not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__")):
            raise DTypeError(V.expected(who, "dataset", "a dataset (with __len__ and __getitem__, or an "
                                        "IterableDataset)", got=type(dataset).__name__))
        # PyTorch's checks, in PyTorch's order and words.
        if num_workers == 0 and prefetch_factor is not None:
            raise ArgumentError("DataLoader: prefetch_factor option could only be specified in multiprocessing. "
                                "Let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ArgumentError("DataLoader: persistent_workers option needs num_workers > 0")
        if iterable:
            for name, value in (("shuffle", shuffle not in (None, False)), ("sampler", sampler is not None),
                                ("batch_sampler", batch_sampler is not None)):
                if value:
                    raise ArgumentError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                        f"but got {name}={locals()[name]!r}")
        if sampler is not None and shuffle:
            raise ArgumentError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ArgumentError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                    "sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ArgumentError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                                "with drop_last")
        for name, obj in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if obj is not None and not hasattr(obj, "__iter__"):
                raise DTypeError(V.expected(who, name, "a Sampler or an iterable of indices",
                                            got=type(obj).__name__))
        if multiprocessing_context is not None:
            if isinstance(multiprocessing_context, str):
                V.choice(multiprocessing_context, who, "multiprocessing_context",
                         multiprocessing.get_all_start_methods())
            elif not hasattr(multiprocessing_context, "Process"):
                raise DTypeError(V.expected(who, "multiprocessing_context", "a start method name or a "
                                            "multiprocessing context", got=type(multiprocessing_context).__name__))

        self.dataset = dataset
        self.num_workers = int(num_workers)
        self.prefetch_factor = (2 if prefetch_factor is None else int(prefetch_factor)) if num_workers else None
        self.pin_memory = bool(pin_memory)
        self.pin_memory_device = pin_memory_device
        self.timeout = float(timeout)
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = bool(persistent_workers)
        self.shuffle = bool(shuffle)
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.transform = transform
        self._iterator: _MultiProcessIter | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (isinstance(self.dataset, IterableDataset)
                                                  and self.batch_size is not None)

    @property
    def _index_sampler(self) -> Iterable:
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    @property
    def fast(self) -> bool:
        """Whether batches come from the dataset's ``get_batch`` (one fancy-index per batch)."""
        return (self.collate_fn is None and self.batch_sampler is not None
                and callable(getattr(self.dataset, "get_batch", None)))

    def _fetcher(self) -> _Fetch:
        return _Fetch(self.dataset, self._auto_collation, self.collate_fn, self.fast, self.transform,
                      self.batch_size, self.drop_last)

    def _rng(self) -> np.random.Generator:
        if self.generator is not None:
            return self.generator
        from numnet import random as nrandom

        return nrandom.default_generator()

    def _context(self) -> Any:
        ctx = self.multiprocessing_context
        if ctx is None:
            ctx = "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin" else None
        return multiprocessing.get_context(ctx) if ctx is None or isinstance(ctx, str) else ctx

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self._index_sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        # The epoch's order is drawn here, when iteration starts (not lazily at the first batch).
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None or self._iterator.shut:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._start_epoch()
            return self._iterator
        return _MultiProcessIter(self)

    def __del__(self) -> None:
        it = self.__dict__.get("_iterator")
        if it is not None:
            it._shutdown()

    def __repr__(self) -> str:
        size = f"len={len(self.dataset)}" if hasattr(self.dataset, "__len__") else "stream"
        return (f"DataLoader(dataset={type(self.dataset).__name__}({size}), "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last}, "
                f"num_workers={self.num_workers})")
