"""Kernel settings (numnet/kernels.py): scoped like no_grad, restored in finally, thread-local, validated; and each
setting is read where the choice is made."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import numnet
import numnet.functional as F
from numnet import kernels


def test_defaults_and_settings():
    assert kernels.settings() == {"conv_layout": "auto", "conv_fold_bias": True, "conv_bands": True,
                                  "conv_threads": "auto", "pool_fast_path": True,
                                  "fuse_relu_pool": True, "compiled": "auto"}
    assert kernels.get("conv_layout") == "auto"
    snapshot = kernels.settings()
    snapshot["conv_layout"] = "chwn"  # a copy: changing it changes nothing
    assert kernels.get("conv_layout") == "auto"


def test_using_scopes_nests_and_restores_on_error():
    with kernels.using(conv_layout="chwn", pool_fast_path=False):
        assert kernels.get("conv_layout") == "chwn" and kernels.get("pool_fast_path") is False
        with kernels.using(conv_layout="batched"):
            assert kernels.get("conv_layout") == "batched" and kernels.get("pool_fast_path") is False
        assert kernels.get("conv_layout") == "chwn"
    assert kernels.settings() == kernels.DEFAULTS
    with pytest.raises(RuntimeError):
        with kernels.using(conv_fold_bias=False):
            raise RuntimeError("boom")
    assert kernels.get("conv_fold_bias") is True


@pytest.mark.parametrize("changes", [dict(conv_layout="nhwc"), dict(conv_fold_bias=1), dict(pool_fast_path="yes"),
                                     dict(fuse_relu_pool=None), dict(no_such_setting=True)])
def test_unknown_names_or_values_raise_argument_error_and_change_nothing(changes):
    with pytest.raises(numnet.ArgumentError, match="kernels: expected"):
        with kernels.using(**{"pool_fast_path": False, **changes}):
            pass  # pragma: no cover
    assert kernels.settings() == kernels.DEFAULTS
    with pytest.raises(numnet.ArgumentError, match="kernels: expected"):
        kernels.get("no_such_setting")
    with pytest.raises(ValueError):  # ArgumentError is a ValueError
        kernels.get("conv")


def test_settings_are_thread_local():
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def worker():
        seen["start"] = kernels.get("conv_layout")  # a new thread starts from the defaults
        with kernels.using(conv_layout="batched"):
            inside.set()
            release.wait(5)
            seen["inside"] = kernels.get("conv_layout")
        seen["after"] = kernels.get("conv_layout")

    with kernels.using(conv_layout="chwn"):
        t = threading.Thread(target=worker)
        t.start()
        inside.wait(5)
        assert kernels.get("conv_layout") == "chwn"  # the worker's setting does not leak into this thread
        release.set()
        t.join(5)
    assert seen == {"start": "auto", "inside": "batched", "after": "auto"}
    assert kernels.get("conv_layout") == "auto"


def test_each_setting_is_read_where_the_choice_is_made():
    rng = np.random.default_rng(0)
    x = numnet.tensor(rng.standard_normal((2, 4, 6, 6)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((16, 4, 3, 3)), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(16), requires_grad=True)
    for layout in ("batched", "chwn"):
        for fold in (True, False):
            with kernels.using(conv_layout=layout, conv_fold_bias=fold):
                ctx = F.conv2d(x, w, b, padding=1)._ctx
            assert ctx.layout.name == layout and ctx.folded is fold
    assert F.conv2d(x, w, b)._ctx.layout.name == "chwn"  # "auto": four input channels per group
    with kernels.using(pool_fast_path=False):
        assert F.max_pool2d(x, 2)._ctx.arg is not None  # the general path finds the arg-max in forward
        assert F.avg_pool2d(x, 2)._ctx.fast is False
    assert F.max_pool2d(x, 2)._ctx.arg is None and F.avg_pool2d(x, 2)._ctx.fast is True


def test_docstring_example_runs():
    import doctest

    result = doctest.testmod(kernels)
    assert result.attempted > 0 and result.failed == 0
