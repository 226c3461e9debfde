"""Argument validation of F.conv2d and the pooling functions: numnet's own errors, with messages naming the op,
what was expected and what was received."""

from __future__ import annotations

import re

import numpy as np
import pytest

import numnet
import numnet.functional as F
from numnet.errors import ArgumentError, DTypeError, NumnetError, ShapeError


def _t(*shape, dtype=np.float32):
    return numnet.tensor(np.zeros(shape, dtype=dtype))


X = _t(2, 3, 8, 8)
W = _t(6, 3, 3, 3)


def raises(exc, text):
    """pytest.raises matching ``text`` literally."""
    return pytest.raises(exc, match=re.escape(text))


# ---------------------------------------------------------------------------------------------------- conv2d
CONV_ERRORS = [
    ("ndim", lambda: F.conv2d(_t(3, 8), W), ShapeError,
     "conv2d: expected input of shape (N, C, H, W) or (C, H, W), got 2-D input of shape (3, 8)"),
    ("ndim5", lambda: F.conv2d(_t(1, 2, 3, 8, 8), W), ShapeError, "got 5-D input of shape (1, 2, 3, 8, 8)"),
    ("weight_ndim", lambda: F.conv2d(X, _t(6, 3, 3)), ShapeError,
     "conv2d: expected weight of shape (C_out, C_in/groups, kH, kW), got 3-D weight of shape (6, 3, 3)"),
    ("channels", lambda: F.conv2d(_t(1, 3, 28, 28), _t(6, 1, 5, 5)), ShapeError,
     "conv2d: input has 3 channels but weight expects 1 (weight shape (6, 1, 5, 5))"),
    ("channels_groups", lambda: F.conv2d(_t(1, 4, 8, 8), _t(6, 1, 3, 3), groups=2), ShapeError,
     "conv2d: input has 4 channels but weight expects 2 (weight shape (6, 1, 3, 3), groups=2)"),
    ("kernel_too_big", lambda: F.conv2d(_t(1, 3, 5, 5), _t(6, 3, 7, 7)), ShapeError,
     "conv2d: kernel size 7 x 7 is larger than the padded input 5 x 5"),
    ("dilated_kernel_too_big", lambda: F.conv2d(_t(1, 3, 5, 5), W, dilation=3), ShapeError,
     "conv2d: kernel size 3 x 3 (dilated to 7 x 7) is larger than the padded input 5 x 5"),
    ("stride0", lambda: F.conv2d(X, W, stride=0), ArgumentError,
     "conv2d: expected stride to be an int >= 1 or a pair of them, got 0"),
    ("stride_neg", lambda: F.conv2d(X, W, stride=(1, -2)), ArgumentError,
     "conv2d: expected stride to be an int >= 1 or a pair of them, got (1, -2)"),
    ("stride_type", lambda: F.conv2d(X, W, stride=1.5), DTypeError,
     "conv2d: expected stride to be an int >= 1 or a pair of them, got 1.5"),
    ("padding_neg", lambda: F.conv2d(X, W, padding=-1), ArgumentError,
     "conv2d: expected padding to be an int >= 0 or a pair of them, got -1"),
    ("padding_str", lambda: F.conv2d(X, W, padding="full"), ArgumentError,
     "conv2d: expected padding to be an int >= 0, a pair of them, 'valid' or 'same', got 'full'"),
    ("dilation0", lambda: F.conv2d(X, W, dilation=0), ArgumentError,
     "conv2d: expected dilation to be an int >= 1 or a pair of them, got 0"),
    ("groups0", lambda: F.conv2d(X, W, groups=0), ArgumentError, "conv2d: expected groups to be an int >= 1, got 0"),
    ("groups_in", lambda: F.conv2d(X, _t(6, 1, 3, 3), groups=2), ArgumentError,
     "conv2d: groups=2 must divide the input channels, got 3 input channels"),
    ("groups_out", lambda: F.conv2d(_t(1, 4, 8, 8), _t(3, 2, 3, 3), groups=2), ArgumentError,
     "conv2d: groups=2 must divide the output channels, got 3 output channels (weight shape (3, 2, 3, 3))"),
    ("bias_len", lambda: F.conv2d(X, W, _t(5)), ShapeError,
     "conv2d: bias must have shape (6,) to match the weight's 6 output channels, got shape (5,)"),
    ("bias_ndim", lambda: F.conv2d(X, W, _t(6, 1)), ShapeError, "got shape (6, 1)"),
    ("int_input", lambda: F.conv2d(_t(2, 3, 8, 8, dtype=np.int64), W), DTypeError,
     "conv2d: expected input to be a floating-point Tensor, got dtype int64; convert it with .float()"),
    ("int_weight", lambda: F.conv2d(X, _t(6, 3, 3, 3, dtype=np.int32)), DTypeError,
     "conv2d: expected weight to be a floating-point Tensor, got dtype int32"),
    ("dtype_mismatch", lambda: F.conv2d(X, _t(6, 3, 3, 3, dtype=np.float64)), DTypeError,
     "conv2d: input dtype float32 and weight dtype float64 differ"),
    ("bias_dtype", lambda: F.conv2d(X, W, _t(6, dtype=np.float64)), DTypeError,
     "conv2d: input dtype float32 and bias dtype float64 differ"),
    ("not_tensor", lambda: F.conv2d([[1.0]], W), DTypeError,
     "conv2d: expected input to be a numnet.Tensor, got list; convert it with numnet.tensor(...)"),
]


# ---------------------------------------------------------------------------------------------------- pooling
POOL_ERRORS = [
    ("max_ndim", lambda: F.max_pool2d(_t(8, 8), 2), ShapeError,
     "max_pool2d: expected input of shape (N, C, H, W) or (C, H, W), got 2-D input of shape (8, 8)"),
    ("avg_ndim", lambda: F.avg_pool2d(_t(1, 1, 1, 8, 8), 2), ShapeError,
     "avg_pool2d: expected input of shape (N, C, H, W) or (C, H, W), got 5-D input"),
    ("adaptive_ndim", lambda: F.adaptive_avg_pool2d(_t(8), 2), ShapeError,
     "adaptive_avg_pool2d: expected input of shape (N, C, H, W) or (C, H, W), got 1-D input of shape (8,)"),
    ("max_padding", lambda: F.max_pool2d(X, 3, padding=2), ArgumentError,
     "max_pool2d: expected padding to be at most half of kernel_size=3, got 2"),
    ("avg_padding", lambda: F.avg_pool2d(X, (2, 4), padding=(1, 3)), ArgumentError,
     "avg_pool2d: expected padding to be at most half of kernel_size=(2, 4), got (1, 3)"),
    ("max_padding_neg", lambda: F.max_pool2d(X, 3, padding=-1), ArgumentError,
     "max_pool2d: expected padding to be an int >= 0 or a pair of them, got -1"),
    ("max_stride0", lambda: F.max_pool2d(X, 2, stride=0), ArgumentError,
     "max_pool2d: expected stride to be an int >= 1 or a pair of them, got 0"),
    ("avg_stride_neg", lambda: F.avg_pool2d(X, 2, stride=(2, -1)), ArgumentError,
     "avg_pool2d: expected stride to be an int >= 1 or a pair of them, got (2, -1)"),
    ("max_kernel0", lambda: F.max_pool2d(X, 0), ArgumentError,
     "max_pool2d: expected kernel_size to be an int >= 1 or a pair of them, got 0"),
    ("max_dilation0", lambda: F.max_pool2d(X, 2, dilation=0), ArgumentError,
     "max_pool2d: expected dilation to be an int >= 1 or a pair of them, got 0"),
    ("max_too_small", lambda: F.max_pool2d(_t(1, 1, 5, 5), 7), ShapeError,
     "max_pool2d: input of size 5 x 5 is too small for kernel_size=(7, 7), stride=(7, 7), padding=(0, 0), "
     "dilation=(1, 1): the output would be 0 x 0"),
    ("avg_too_small", lambda: F.avg_pool2d(_t(1, 1, 5, 2), 3), ShapeError,
     "avg_pool2d: input of size 5 x 2 is too small"),
    ("max_int", lambda: F.max_pool2d(_t(1, 1, 4, 4, dtype=np.int64), 2), DTypeError,
     "max_pool2d: expected input to be a floating-point Tensor, got dtype int64"),
    ("avg_int", lambda: F.avg_pool2d(_t(1, 1, 4, 4, dtype=np.uint8), 2), DTypeError,
     "avg_pool2d: expected input to be a floating-point Tensor, got dtype uint8"),
    ("adaptive_int", lambda: F.adaptive_max_pool2d(_t(1, 1, 4, 4, dtype=np.int32), 2), DTypeError,
     "adaptive_max_pool2d: expected input to be a floating-point Tensor, got dtype int32"),
    ("divisor0", lambda: F.avg_pool2d(X, 2, divisor_override=0), ArgumentError,
     "avg_pool2d: expected divisor_override to be a non-zero int or None, got 0"),
    ("adaptive_size0", lambda: F.adaptive_avg_pool2d(X, 0), ArgumentError,
     "adaptive_avg_pool2d: expected output_size to be an int >= 1 or a pair of (int >= 1 or None), got 0"),
    ("adaptive_size_len", lambda: F.adaptive_max_pool2d(X, (1, 2, 3)), ArgumentError,
     "adaptive_max_pool2d: expected output_size to be an int >= 1 or a pair of (int >= 1 or None), got (1, 2, 3)"),
    ("kernel_type", lambda: F.max_pool2d(X, (2, 2, 2)), ArgumentError,
     "max_pool2d: expected kernel_size to be an int >= 1 or a pair of them, got (2, 2, 2)"),
]


@pytest.mark.parametrize("name,call,exc,text", CONV_ERRORS + POOL_ERRORS,
                         ids=[c[0] for c in CONV_ERRORS + POOL_ERRORS])
def test_conv2d_and_pool_errors(name, call, exc, text):
    with raises(exc, text) as info:
        call()
    assert isinstance(info.value, NumnetError)


def test_errors_are_builtin_exception_types_too():
    with pytest.raises(ValueError):
        F.conv2d(X, W, stride=0)
    with pytest.raises(TypeError):
        F.conv2d(_t(2, 3, 8, 8, dtype=np.int64), W)


def test_boundary_cases_that_are_valid():
    # kernel exactly the padded input size; padding exactly half the kernel; 'same' on a 1-pixel input
    assert F.conv2d(_t(1, 3, 5, 5), _t(2, 3, 7, 7), padding=1).shape == (1, 2, 1, 1)
    assert F.max_pool2d(X, 3, padding=1).shape == (2, 3, 3, 3)
    assert F.avg_pool2d(X, 4, padding=2).shape == (2, 3, 3, 3)
    assert F.conv2d(_t(1, 3, 1, 1), _t(2, 3, 3, 3), padding="same", stride=2).shape == (1, 2, 1, 1)
    assert F.adaptive_avg_pool2d(X, (None, None)).shape == X.shape
    with pytest.raises(DTypeError, match="adaptive_avg_pool2d: expected output_size"):  # bare None: refused, as torch
        F.adaptive_avg_pool2d(X, None)
