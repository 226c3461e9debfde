"""num_workers > 0: real worker processes, order, seeding, errors, and no leaked processes."""

import multiprocessing
import os
import signal
import time

import numpy as np
import pytest

import numnet
from numnet.data import DataLoader, Dataset, TensorDataset, get_worker_info


class Slow(Dataset):
    """Deterministic, generic (no get_batch); records which process loaded each sample."""

    def __init__(self, n=20, fail_at=None):
        self.n, self.fail_at = n, fail_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"bad sample {i}")
        if i % 3 == 0:
            time.sleep(0.002)  # make workers finish out of order
        return np.full(2, i, np.float32), i, os.getpid()


class Noisy(Dataset):
    """A random 'transform': draws from numnet's default generator and np.random."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        return float(numnet.random.default_generator().random()) + float(np.random.random()), i


class Sleepy(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(0.2)
        return i


def _children():
    return {p.pid for p in multiprocessing.active_children()}


def _batches(loader):
    return [tuple(np.asarray(t._data if hasattr(t, "data") else t) for t in b[:2]) for b in loader]


def test_workers_give_the_same_batches_as_the_main_process():
    before = _children()
    for kwargs in (dict(batch_size=3), dict(batch_size=4, drop_last=True),
                   dict(batch_size=3, shuffle=True, generator=np.random.default_rng(5))):
        ref = _batches(DataLoader(Slow(), num_workers=0, **{**kwargs, "generator": np.random.default_rng(5)}
                                  if "generator" in kwargs else kwargs))
        got = _batches(DataLoader(Slow(), num_workers=2, **{**kwargs, "generator": np.random.default_rng(5)}
                                  if "generator" in kwargs else kwargs))
        assert len(ref) == len(got)
        for (a, b), (c, d) in zip(ref, got):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    fast = _batches(DataLoader(TensorDataset(np.arange(10.0), np.arange(10)), batch_size=4, num_workers=2))
    assert [b[1].tolist() for b in fast] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert _children() == before


def test_samples_are_loaded_in_other_processes():
    pids = set()
    for _, _, pid in DataLoader(Slow(12), batch_size=2, num_workers=2):
        pids.update(pid.tolist())
    assert os.getpid() not in pids and len(pids) == 2


def test_worker_seeding_is_reproducible_and_worker_init_fn_runs():
    def run(seed, workers):
        numnet.manual_seed(seed)
        return [b[0].tolist() for b in DataLoader(Noisy(), batch_size=2, num_workers=workers)]

    a, b, c = run(3, 2), run(3, 2), run(4, 2)
    assert a == b and a != c
    assert len({round(v, 12) for batch in a for v in batch}) == 12  # workers do not repeat each other's draws

    seen = []

    class Info(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            info = get_worker_info()
            return info.id, info.num_workers, info.seed, int(os.environ.get("NUMNET_TEST_WID", -1))

    def init(wid):
        os.environ["NUMNET_TEST_WID"] = str(wid)

    out = list(DataLoader(Info(), batch_size=1, num_workers=2, worker_init_fn=init,
                          generator=np.random.default_rng(0)))
    wids = [int(b[0]) for b in out]
    assert wids == [0, 1, 0, 1] and [int(b[3]) for b in out] == wids
    seeds = {int(b[0]): int(b[2]) for b in out}
    assert seeds[1] == seeds[0] + 1
    assert get_worker_info() is None and seen == []


def test_worker_error_names_worker_and_sample_and_leaves_no_process():
    before = _children()
    with pytest.raises(ValueError, match=r"Caught ValueError in DataLoader worker process \d while loading "
                                         r"sample 7(.|\n)*bad sample 7"):
        list(DataLoader(Slow(fail_at=7), batch_size=2, num_workers=2))
    time.sleep(0.1)
    assert _children() == before


def test_break_gc_persistent_and_keyboard_interrupt_shut_down():
    before = _children()
    loader = DataLoader(Slow(40), batch_size=2, num_workers=2)
    for _ in loader:
        break
    assert _children() == before
    it = iter(loader)
    next(it)
    assert len(_children() - before) == 2
    del it
    assert _children() == before

    persistent = DataLoader(Slow(8), batch_size=2, num_workers=2, persistent_workers=True)
    list(persistent)
    kept = _children() - before
    assert len(kept) == 2
    assert [b[1].tolist() for b in persistent] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert _children() - before == kept  # the same processes, kept across epochs
    del persistent
    assert _children() == before

    # Ctrl-C while the main process waits for a batch: the iterator shuts its workers down itself. (Slow items, so
    # that the interrupt lands inside next(), not in the loop body: there the iterator lives on, as in PyTorch, until
    # it is released.)
    it = iter(DataLoader(Sleepy(40), batch_size=2, num_workers=2))
    next(it)
    old = signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(KeyboardInterrupt):
            while True:
                next(it)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert _children() == before


class Hang(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(3)
        return i


def test_timeout_and_options():
    before = _children()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(DataLoader(Hang(), num_workers=1, timeout=0.3))
    assert _children() == before
    loader = DataLoader(Slow(4), batch_size=2, num_workers=1, pin_memory=True, prefetch_factor=1,
                        multiprocessing_context="fork")
    assert loader.pin_memory and len(list(loader)) == 2
