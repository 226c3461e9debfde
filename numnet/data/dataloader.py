"""Batches from a dataset: :class:`DataLoader`, :func:`default_collate`, :func:`get_worker_info`.

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
import os
import pickle
import queue
import random as _pyrandom
import signal
import sys
import time
import traceback
import weakref
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Sequence

import numpy as np

from numnet import _validation as V
from numnet.data.dataset import IterableDataset
from numnet.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
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

    PyTorch's rules: Tensors and arrays are stacked along a new first axis; Python ints become an int64 Tensor, Python
    floats a float32 Tensor (numnet's rule for Python floats; PyTorch makes float64), bools a bool Tensor, NumPy scalars keep their dtype; tuples and
    lists are collated position by position, dicts key by key; strings are kept as a list.

    Args:
        batch: a non-empty list of samples of the same structure.

    Returns:
        the batch, with numnet Tensors in place of the stacked leaves.

    Raises:
        ArgumentError: an empty batch, tuples of different lengths, or dicts with different keys.
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
        return Tensor(_stack([b._data if isinstance(b, Tensor) else np.asarray(b) for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUSV":  # PyTorch refuses string and object arrays too
            raise DTypeError(f"default_collate: cannot batch arrays of dtype {elem.dtype}; expected numeric arrays")
        return Tensor(_stack([np.asarray(b._data if isinstance(b, Tensor) else b) for b in batch]))
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
        keys = set(elem)
        for k, b in enumerate(batch):
            if not isinstance(b, Mapping) or set(b) != keys:
                got = sorted(map(str, b)) if isinstance(b, Mapping) else type(b).__name__
                raise ArgumentError(f"default_collate: sample {k} has keys {got}, but sample 0 has keys "
                                    f"{sorted(map(str, keys))}; every dict in a batch needs the same keys")
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




def default_convert(data: Any) -> Any:
    """Turn NumPy arrays (at any depth of tuples, lists and dicts) into numnet Tensors, leaving everything else.

    The ``collate_fn`` of a DataLoader with ``batch_size=None`` (no batching), as in PyTorch.

    Example:
        >>> default_convert({"x": np.zeros(2)})["x"].shape
        (2,)
    """
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OUSV":
        return Tensor(data)
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(d) for d in data)
    return data


class WorkerInfo(NamedTuple):
    """What :func:`get_worker_info` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker process: its ``WorkerInfo(id, num_workers, seed, dataset)`` (``dataset`` is the
    worker's own copy); in the main process: None. Use it in an ``IterableDataset.__iter__`` or a
    ``worker_init_fn`` to split the work between workers.
    """
    return _worker_info


def _seed_worker(seed: int) -> None:
    """Reseed every generator a dataset or transform might draw from: numnet's default one, NumPy's legacy global
    one (``np.random.*``, which only takes 32 bits) and Python's ``random``."""
    from numnet import random as nrandom

    nrandom.manual_seed(seed)
    np.random.seed(seed % 2**32)
    _pyrandom.seed(seed)


class _Fetch:
    """Loads one batch: the same code in the main process and in every worker."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable | None, fast: bool,
                 transform: Callable | None, batch_size: int | None, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.fast = fast
        self.transform = transform
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.iterable = isinstance(dataset, IterableDataset)

    def _apply_transform(self, batch: Any) -> Any:
        if self.transform is None:
            return batch
        if isinstance(batch, tuple) and batch:
            return (self.transform(batch[0]),) + tuple(batch[1:])
        if isinstance(batch, list) and batch:
            return [self.transform(batch[0])] + batch[1:]
        return self.transform(batch)

    def from_stream(self, it: Iterator[Any]) -> Any:
        """The next batch of an iterable dataset; StopIteration when the stream is done."""
        if not self.auto_collation:
            return (self.collate_fn or default_convert)(next(it))
        samples = []
        for sample in it:
            samples.append(sample)
            if len(samples) == self.batch_size:
                break
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            raise StopIteration
        return self._apply_transform((self.collate_fn or default_collate)(samples))

    def __call__(self, indices: Any) -> Any:
        if not self.auto_collation:
            try:
                sample = self.dataset[indices]
            except Exception as e:
                e._numnet_where = f"sample {indices!r}"  # type: ignore[attr-defined]
                raise
            return (self.collate_fn or default_convert)(sample)
        if self.fast:
            idx = np.asarray(indices)
            if idx.dtype.kind in "iu" and idx.ndim == 1:
                try:
                    arrays = list(self.dataset.get_batch(idx.astype(np.int64, copy=False)))
                except Exception as e:
                    e._numnet_where = f"samples {_short(indices)}"  # type: ignore[attr-defined]
                    raise
                if self.transform is not None and arrays:
                    arrays[0] = self.transform(arrays[0])
                return tuple(a if isinstance(a, Tensor) else Tensor(a) for a in arrays)
        samples = []
        for i in indices:
            try:
                samples.append(self.dataset[int(i) if isinstance(i, (np.integer, int)) else i])
            except Exception as e:
                e._numnet_where = f"sample {i!r}"  # type: ignore[attr-defined]
                raise
        try:
            batch = (self.collate_fn or default_collate)(samples)
        except Exception as e:
            e._numnet_where = f"the batch of samples {_short(indices)}"  # type: ignore[attr-defined]
            raise
        return self._apply_transform(batch)


def _short(indices: Any) -> str:
    items = list(indices)
    text = ", ".join(str(int(i)) if isinstance(i, (int, np.integer)) else repr(i) for i in items[:8])
    return f"[{text}{', ...' if len(items) > 8 else ''}]"


class _ExceptionWrapper:
    """An exception raised in a worker, carried to the main process (its type, where, and the worker traceback)."""

    def __init__(self, worker_id: int, exc: BaseException) -> None:
        self.worker_id = worker_id
        self.where = getattr(exc, "_numnet_where", "a batch")
        self.exc_type: type = type(exc)
        try:  # a class defined inside a function cannot travel through the queue
            pickle.loads(pickle.dumps(self.exc_type))
        except Exception:
            self.exc_type = RuntimeError
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self) -> None:
        msg = (f"Caught {self.exc_type.__name__} in DataLoader worker process {self.worker_id} while loading "
               f"{self.where}.\nOriginal {self.text}")
        try:
            exc = self.exc_type(msg)
        except Exception:
            exc = RuntimeError(msg)
        raise exc


class _StreamEnd:
    """A worker's iterable dataset copy is exhausted for this epoch."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


def _worker_loop(fetch: _Fetch, index_queue: Any, result_queue: Any, seed: int, worker_id: int, num_workers: int,
                 worker_init_fn: Callable | None, parent_pid: int) -> None:
    global _worker_info
    # Ctrl-C goes to the whole process group: the main process handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _seed_worker(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, fetch.dataset)
    init_error: _ExceptionWrapper | None = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception as e:
            e._numnet_where = "worker_init_fn"  # type: ignore[attr-defined]
            init_error = _ExceptionWrapper(worker_id, e)
    stream, stream_epoch, done = None, None, False
    while True:
        try:
            task = index_queue.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent_pid:  # the main process is gone: nobody will read our results
                break
            continue
        if task is None:
            break
        epoch, send_idx, indices = task
        if init_error is not None:
            result_queue.put((epoch, send_idx, init_error))
            continue
        try:
            if fetch.iterable:
                if stream_epoch != epoch:
                    stream, stream_epoch, done = iter(fetch.dataset), epoch, False
                if done:
                    raise StopIteration
                data: Any = fetch.from_stream(stream)
            else:
                data = fetch(indices)
        except StopIteration:
            done = True
            data = _StreamEnd(worker_id)
        except Exception as e:
            data = _ExceptionWrapper(worker_id, e)
        result_queue.put((epoch, send_idx, data))
    # Exiting must not wait for the main process to read what is still in the pipe.
    result_queue.cancel_join_thread()
    index_queue.cancel_join_thread()


class _SingleProcessIter:
    def __init__(self, loader: "DataLoader") -> None:
        self.fetch = loader._fetcher()
        self.stream = iter(loader.dataset) if self.fetch.iterable else None
        self.sampler_iter = None if self.fetch.iterable else iter(loader._index_sampler)

    def __iter__(self) -> "_SingleProcessIter":
        return self

    def __next__(self) -> Any:
        if self.stream is not None:
            return self.fetch.from_stream(self.stream)
        return self.fetch(next(self.sampler_iter))


class _MultiProcessIter:
    """Workers, their queues and the reordering of results; see the module docstring."""

    def __init__(self, loader: "DataLoader") -> None:
        # A persistent iterator is owned by its loader: a weak reference back avoids a cycle, so dropping the loader
        # stops the workers at once (without waiting for the cycle collector).
        self._loader: Any = weakref.ref(loader) if loader.persistent_workers else (lambda: loader)
        self.pid = os.getpid()
        self.shut = False
        self.workers: list[Any] = []
        self.index_queues: list[Any] = []
        n = loader.num_workers
        self.sampler_iter = None if isinstance(loader.dataset, IterableDataset) else iter(loader._index_sampler)
        # The seed is drawn after the epoch's order, so the order is the one num_workers=0 would give.
        base_seed = int(loader._rng().integers(0, 2**62))
        ctx = loader._context()
        self.result_queue = ctx.Queue()
        fetch = loader._fetcher()
        try:
            for wid in range(n):
                q = ctx.Queue()
                w = ctx.Process(target=_worker_loop, daemon=True,
                                args=(fetch, q, self.result_queue, base_seed + wid, wid, n, loader.worker_init_fn,
                                      self.pid))
                w.start()
                self.index_queues.append(q)
                self.workers.append(w)
        except BaseException:
            self._shutdown()
            raise
        self.persistent = loader.persistent_workers
        self.timeout = loader.timeout
        self.epoch = 0
        self._start_epoch(first=True)

    @property
    def loader(self) -> "DataLoader":
        return self._loader()

    def _start_epoch(self, first: bool = False) -> None:
        if not first:
            self.sampler_iter = (None if isinstance(self.loader.dataset, IterableDataset)
                                 else iter(self.loader._index_sampler))
        self.epoch += 1
        self.send_idx = 0
        self.rcvd_idx = 0
        self.task_worker: dict[int, int] = {}
        self.ready: dict[int, Any] = {}
        self.active = [True] * len(self.workers)
        self.next_worker = 0
        self.exhausted = False
        for _ in range(self.loader.prefetch_factor * len(self.workers)):
            self._put_task()

    def _put_task(self) -> None:
        if self.exhausted:
            return
        if self.sampler_iter is not None:
            try:
                indices = next(self.sampler_iter)
            except StopIteration:
                self.exhausted = True
                return
        else:
            indices = None
        n = len(self.workers)
        for _ in range(n):
            wid = self.next_worker
            self.next_worker = (self.next_worker + 1) % n
            if self.active[wid]:
                break
        else:
            self.exhausted = True
            return
        self.index_queues[wid].put((self.epoch, self.send_idx, indices))
        self.task_worker[self.send_idx] = wid
        self.send_idx += 1

    def __iter__(self) -> "_MultiProcessIter":
        return self

    def _get(self) -> tuple[int, int, Any]:
        timeout = self.timeout
        start = time.monotonic()
        while True:
            wait = 1.0 if not timeout else max(0.0, min(1.0, timeout - (time.monotonic() - start)))
            try:
                return self.result_queue.get(timeout=wait)
            except queue.Empty:
                pass
            if timeout and time.monotonic() - start >= timeout:
                raise RuntimeError(f"DataLoader timed out after {timeout} seconds")
            dead = [w for w in self.workers if not w.is_alive()]
            if dead:
                pids = ", ".join(f"{w.pid} (exit code {w.exitcode})" for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")

    def __next__(self) -> Any:
        try:
            while True:
                if self.rcvd_idx in self.ready:
                    data = self.ready.pop(self.rcvd_idx)
                    self.rcvd_idx += 1
                    self._put_task()
                    if isinstance(data, _StreamEnd):
                        self.active[data.worker_id] = False
                        continue
                    if isinstance(data, _ExceptionWrapper):
                        data.reraise()
                    return data
                if self.rcvd_idx >= self.send_idx:
                    if not self.persistent:
                        self._shutdown()
                    raise StopIteration
                epoch, idx, data = self._get()
                if epoch == self.epoch:  # results of an abandoned epoch (persistent workers) are dropped
                    self.ready[idx] = data
        except StopIteration:
            raise
        except BaseException:
            self._shutdown()
            raise

    def _shutdown(self) -> None:
        if self.shut or os.getpid() != self.pid:
            return
        self.shut = True
        for q in self.index_queues:
            try:
                q.put(None)
            except Exception:  # pragma: no cover - a queue already broken by a dead worker
                pass
        deadline = time.monotonic() + 2.0
        for w in self.workers:
            w.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.is_alive():
                w.terminate()
                w.join(timeout=1.0)
        for q in self.index_queues + [self.result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        self._shutdown()


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
