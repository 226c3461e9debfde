"""numnet.ops.parallel: pieces of a kernel on threads, BLAS held to one thread meanwhile and given its count back,
errors raised after every piece finished, a fresh pool after a fork; and OpenBLAS's idle-thread timeout that numnet
sets at import (numnet/_runtime.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController, threadpool_limits

import numnet
import numnet.functional as F
from numnet.ops import conv as conv_ops
from numnet.ops import parallel


@pytest.fixture(autouse=True)
def _short_idle_spin(monkeypatch):
    """As after numnet is imported first (it sets OpenBLAS's idle timeout short); pytest may import NumPy first."""
    monkeypatch.setattr(numnet._runtime, "blas_idle_short", True)


def _blas_threads() -> int:
    return min(lib.num_threads for lib in ThreadpoolController().select(user_api="blas").lib_controllers)


def test_run_returns_every_part_in_order_on_several_threads():
    seen = []

    def piece(i):
        seen.append((i, threading.get_ident(), _blas_threads()))
        time.sleep(0.01)
        return i * i

    assert parallel.run(piece, [1, 2, 3]) == [1, 4, 9]
    assert len({ident for _, ident, _ in seen}) == 3  # each part on its own thread, the first on this one
    assert [i for i, ident, _ in seen if ident == threading.get_ident()] == [1]
    assert all(n == 1 for *_, n in seen)  # BLAS at one thread while the parts run


def test_blas_gets_its_thread_count_back_even_when_a_part_raises():
    with threadpool_limits(2):
        done = []

        def piece(i):
            if i == 1:
                raise ValueError("part 1 failed")
            time.sleep(0.05)
            done.append(i)
            return i

        with pytest.raises(ValueError, match="part 1 failed"):
            parallel.run(piece, [0, 1, 2])
        assert sorted(done) == [0, 2]  # the other parts finished before the error came out
        assert _blas_threads() == 2


def test_threads_follow_blas_and_the_setting(monkeypatch):
    with threadpool_limits(1):
        assert parallel.threads() == 1
    with threadpool_limits(2):
        assert parallel.threads() == 2
        with numnet.kernels.using(conv_threads=1):
            assert parallel.threads() == 1
        seen = []
        worker = threading.Thread(target=lambda: seen.append(parallel.threads()))
        worker.start()
        worker.join()
        assert seen == [1]  # off the main thread: BLAS's count cannot be held to one for the workers
        monkeypatch.setattr(numnet._runtime, "blas_idle_short", False)  # OpenBLAS's workers spin: share nothing
        assert parallel.threads() == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_child_gets_a_pool_of_its_own():
    parallel.run(lambda i: i, [0, 1])  # the parent's pool exists
    pid = os.fork()
    if pid == 0:  # the child: the parent's worker thread is gone; run must not wait for it
        ok = parallel.run(lambda i: i + 1, [0, 1]) == [1, 2]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_a_banded_conv_shares_its_bands_between_threads_and_matches_one_thread(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 0)  # the banded path at this size
    monkeypatch.setattr(conv_ops, "_BAND_BYTES", 1)  # one output row per band
    parts = []
    real = parallel.run
    monkeypatch.setattr(parallel, "run", lambda fn, p: parts.append(len(p)) or real(fn, p))
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3, 9, 7)).astype(np.float32), rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    results = {}
    for threads in (1, "auto"):
        xs, ws = numnet.tensor(x, requires_grad=True), numnet.tensor(w, requires_grad=True)
        with threadpool_limits(2), numnet.kernels.using(conv_layout="chwn", conv_threads=threads):
            out = F.conv2d(xs, ws, padding=1)
            out.sum().backward()
        results[threads] = (out.detach().numpy(), xs.grad.numpy(), ws.grad.numpy())
    assert numnet.ops.compiled.available()  # numba is in the test extra: the bands are shared only with it
    assert parts == [1, 1, 2, 2]  # forward and backward, one thread then two
    for a, b in zip(results[1], results["auto"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def _env_after_import(first: str, env: dict) -> str:
    code = (f"import {first}, os; import numnet; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset'), "
            "numnet._runtime.blas_idle_short)")
    full = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_numnet_sets_openblas_idle_timeout_only_before_numpy_and_when_unset():
    assert _env_after_import("sys", {}) == "20 True"  # numnet first: set for OpenBLAS to read at load
    assert _env_after_import("sys", {"OPENBLAS_THREAD_TIMEOUT": "28"}) == "28 False"  # the user's value is kept
    assert _env_after_import("numpy", {}) == "unset False"  # NumPy first: too late, left alone, nothing shared
    assert _env_after_import("numpy", {"OPENBLAS_THREAD_TIMEOUT": "16"}) == "16 True"  # set short by the user


def test_with_threads_to_share_them_bands_start_at_a_lower_size():
    # 64 samples, 16→16 channels, 16×16, k3: 9.4 MiB of columns, between _SHARED_BANDS_BYTES and _CHUNK_BYTES
    x = numnet.tensor(np.random.default_rng(1).standard_normal((64, 16, 16, 16)).astype(np.float32),
                      requires_grad=True)
    w = numnet.tensor(np.random.default_rng(2).standard_normal((16, 16, 3, 3)).astype(np.float32),
                      requires_grad=True)
    assert conv_ops._SHARED_BANDS_BYTES < 144 * 16 * 16 * 64 * 4 < conv_ops._CHUNK_BYTES
    banded = {}
    for threads in ("auto", 1):
        with threadpool_limits(2), numnet.kernels.using(conv_threads=threads):
            out = F.conv2d(x, w, padding=1)
            banded[threads] = out._ctx.banded
    assert banded == {"auto": True, 1: False}


def test_callers_on_several_threads_at_once_leave_blas_its_thread_count():
    # a threaded server running split kernels side by side: A enters, B enters, A leaves, B leaves. B must not
    # restore the one thread it found while A was inside
    a_in, b_in, a_done = threading.Event(), threading.Event(), threading.Event()

    def a_part(i):
        if i == 0:
            a_in.set()
            assert b_in.wait(5)

    def b_part(i):
        if i == 0:
            b_in.set()
            assert a_done.wait(5)

    def a():
        parallel.run(a_part, [0, 1])
        a_done.set()

    with threadpool_limits(2):
        ta = threading.Thread(target=a)
        ta.start()
        assert a_in.wait(5)
        parallel.run(b_part, [0, 1])
        ta.join()
        assert _blas_threads() == 2
