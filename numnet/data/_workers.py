"""DataLoader's worker processes (``num_workers > 0``): each worker gets batches of indices on its own queue, loads and
collates them, and puts the batch on one shared result queue; the main process hands batches out in sampler order
whatever order they arrive in. Workers are started (``fork`` on Linux) when iteration starts and stopped at the end of
the epoch (kept with ``persistent_workers=True``), on an error, on ``break`` (when the iterator is garbage-collected)
and on KeyboardInterrupt. The single-process iterator is here too, so that both share one fetch step.
"""

from __future__ import annotations

import os
import pickle
import queue
import random as _pyrandom
import signal
import time
import traceback
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

import numpy as np

from numnet.data.dataset import IterableDataset
from numnet.data.collate import default_collate, default_convert
from numnet.tensor import Tensor

if TYPE_CHECKING:  # the loader imports this module
    from numnet.data.dataloader import DataLoader


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
