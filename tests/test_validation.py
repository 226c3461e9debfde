"""numnet._validation: one test per argument rule — what it accepts and returns, and the error class and message
(``<op>: expected <name> to be <what>, got <value!r>``) for the wrong kind (DTypeError) and a wrong value
(ArgumentError)."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest

import numnet
from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError


def _raises(exc, text):
    return pytest.raises(exc, match="^" + re.escape(text) + "$")


def test_expected_is_the_one_message_style():
    assert V.expected("conv2d", "stride", "an int >= 1", 0) == "conv2d: expected stride to be an int >= 1, got 0"
    assert V.expected("f", "x", "a thing", got="dtype int8") == "f: expected x to be a thing, got dtype int8"
    assert V.expected("", "input", "a Tensor", "s") == "expected input to be a Tensor, got 's'"


def test_is_int_refuses_bools():
    assert V.is_int(3) and V.is_int(np.int64(3)) and V.is_int(np.uint8(0))
    assert not any(V.is_int(v) for v in (True, np.bool_(False), 3.0, "3", None))


def test_tensor():
    t = numnet.tensor([1, 2])
    assert V.tensor(t, "relu") is t
    assert V.tensor(t, "relu", kinds="fiu") is t
    with _raises(DTypeError, "relu: expected input to be a numnet.Tensor, got numpy.ndarray; "
                             "convert it with numnet.tensor(...)"):
        V.tensor(np.zeros(2), "relu")
    with _raises(DTypeError, "relu: expected x to be a numnet.Tensor, got list; convert it with numnet.tensor(...)"):
        V.tensor([1.0], "relu", "x")
    with _raises(DTypeError, "relu: expected input to be a numeric Tensor, got dtype bool"):
        V.tensor(numnet.tensor([True]), "relu", kinds="fiu")


def test_float_tensor():
    t = numnet.zeros(2)
    assert V.float_tensor(t, "sigmoid") is t
    with _raises(DTypeError, "sigmoid: expected input to be a floating-point Tensor, got dtype int64; "
                             "convert it with .float()"):
        V.float_tensor(numnet.tensor(np.arange(2)), "sigmoid")
    with pytest.raises(DTypeError, match="convert it with numnet.tensor"):
        V.float_tensor(np.zeros(2), "sigmoid")


def test_integer():
    assert V.integer(np.int32(4), "op", "n") == 4 and type(V.integer(np.int32(4), "op", "n")) is int
    assert V.integer(-3, "op", "n") == -3
    assert V.integer(0, "op", "n", minimum=0) == 0
    with _raises(ArgumentError, "op: expected n to be an int >= 1, got 0"):
        V.integer(0, "op", "n", minimum=1)
    for bad in (2.0, True, None, "2"):
        with _raises(DTypeError, f"op: expected n to be an int >= 1, got {bad!r}"):
            V.integer(bad, "op", "n", minimum=1)


def test_int_or_pair():
    assert V.int_or_pair(3, "op", "k") == (3, 3)
    assert V.int_or_pair([2, np.int64(5)], "op", "k", minimum=1) == (2, 5)
    assert V.int_or_pair((0, 0), "op", "p", minimum=0) == (0, 0)
    with _raises(ArgumentError, "op: expected k to be an int >= 1 or a pair of them, got (1, 0)"):
        V.int_or_pair((1, 0), "op", "k", minimum=1)
    with _raises(ArgumentError, "op: expected k to be an int >= 1 or a pair of them, got (2, 2, 2)"):
        V.int_or_pair((2, 2, 2), "op", "k", minimum=1)
    for bad in (1.5, (1, 2.0), True, (True, 1), None, "3"):
        with _raises(DTypeError, f"op: expected k to be an int >= 1 or a pair of them, got {bad!r}"):
            V.int_or_pair(bad, "op", "k", minimum=1)


def test_real():
    assert V.real(1, "op", "x") == 1.0 and type(V.real(np.float32(0.5), "op", "x")) is float
    assert V.real(math.inf, "op", "lr", low=0.0, finite=False) == math.inf
    assert V.real(0.0, "op", "x", low=0.0) == 0.0
    with _raises(ArgumentError, "op: expected x to be a finite number > 0, got 0.0"):
        V.real(0.0, "op", "x", low=0.0, low_open=True)
    with _raises(ArgumentError, "op: expected x to be a number in [0, 1), got 1.0"):
        V.real(1.0, "op", "x", 0.0, 1.0, high_open=True)
    with _raises(ArgumentError, "op: expected x to be a finite number <= 2, got 3"):
        V.real(3, "op", "x", high=2)
    with _raises(ArgumentError, "op: expected x to be a finite number, got inf"):
        V.real(math.inf, "op", "x")
    with _raises(ArgumentError, "op: expected x to be a number >= 0, got nan"):
        V.real(math.nan, "op", "x", low=0.0, finite=False)
    for bad in ("1", True, None, [1.0]):
        with _raises(DTypeError, f"op: expected x to be a finite number, got {bad!r}"):
            V.real(bad, "op", "x")


def test_probability():
    assert V.probability(0, "dropout") == 0.0 and V.probability(1, "dropout") == 1.0
    with _raises(ArgumentError, "dropout: expected p to be a number in [0, 1], got 1.5"):
        V.probability(1.5, "dropout")
    with _raises(DTypeError, "dropout: expected p to be a number in [0, 1], got 'half'"):
        V.probability("half", "dropout")


def test_choice():
    assert V.choice("sum", "mse_loss", "reduction", ("none", "mean", "sum")) == "sum"
    for bad in ("avg", 1, None):
        with _raises(ArgumentError, f"mse_loss: expected reduction to be one of 'none', 'mean', 'sum', got {bad!r}"):
            V.choice(bad, "mse_loss", "reduction", ("none", "mean", "sum"))


def test_dim():
    assert V.dim(-1, 3, "softmax") == 2 and V.dim(np.int64(1), 3, "softmax") == 1
    assert V.dim(0, 0, "softmax") == 0 and V.dim(-1, 0, "softmax") == 0  # a 0-d tensor has dims -1 and 0
    with _raises(ArgumentError, "softmax: expected dim to be an int in [-2, 1], got 2 (the tensor has 2 dimension(s))"):
        V.dim(2, 2, "softmax")
    with _raises(DTypeError, "softmax: expected dim to be an int in [-2, 1], got 1.0"):
        V.dim(1.0, 2, "softmax")


def test_float_dtype():
    assert V.float_dtype(None, "Linear") == np.float32
    assert V.float_dtype(None, "to", default=np.float64) == np.float64
    assert V.float_dtype("float16", "Linear") == np.float16
    with _raises(DTypeError, "Linear: expected dtype to be a floating-point dtype, got int32"):
        V.float_dtype(np.int32, "Linear")
    with _raises(DTypeError, "Linear: expected dtype to be a floating-point dtype, got 'complexish'"):
        V.float_dtype("complexish", "Linear")


def test_boolean():
    assert V.boolean(np.bool_(True), "Linear", "bias") is True
    for bad in (1, 0, None, "True"):
        with _raises(DTypeError, f"Linear: expected bias to be True or False, got {bad!r}"):
            V.boolean(bad, "Linear", "bias")


def test_function_and_instance():
    assert V.function(len, "Lambda", "fn") is len
    with _raises(DTypeError, "Lambda: expected fn to be callable, got int"):
        V.function(3, "Lambda", "fn")
    g = np.random.default_rng(0)
    assert V.instance(g, np.random.Generator, "DataLoader", "generator", "a numpy.random.Generator") is g
    with _raises(DTypeError, "DataLoader: expected generator to be a numpy.random.Generator, got int"):
        V.instance(0, np.random.Generator, "DataLoader", "generator", "a numpy.random.Generator")


def test_module_imports_only_numpy_and_errors():
    """So every layer of numnet, numnet.tensor included, can use it without an import cycle."""
    tree = ast.parse(Path(V.__file__).read_text())
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            top.add(node.module)
    assert top <= {"__future__", "math", "numbers", "typing", "numpy", "numnet.errors"}, top


# ---- issue 13: root-cause validation fixes found by the API fuzzer (tests/fuzz)
import math as _math  # noqa: E402

import numpy as _np  # noqa: E402
import pytest as _pytest  # noqa: E402

import numnet as _nn  # noqa: E402
import numnet.functional as _F  # noqa: E402
from numnet import errors as _E  # noqa: E402
from numnet import optim as _optim  # noqa: E402


@_pytest.mark.parametrize("call", [
    lambda: _nn.zeros(2.9), lambda: _nn.zeros(None), lambda: _nn.ones(True),
    lambda: _nn.ones(2, 3).reshape(2.9, 3), lambda: _nn.ones(2, 3).reshape(None),
    lambda: _nn.ones(2, 3).reshape("a", 6), lambda: _nn.ones(2, 3).view(2.5, 3),
    lambda: _nn.ones(1, 3).expand(3, 4.7), lambda: _F.pad(_nn.ones(2, 3), (1.9, 1)),
    lambda: _nn.ones(2, 3).sum(0, keepdim=1), lambda: _nn.ones(2, 3).max(0, keepdim="a"),
    lambda: _nn.cat(None), lambda: _nn.stack(None), lambda: _nn.cat([_np.ones(2)]),
    lambda: _nn.ones(2).to(False), lambda: _nn.manual_seed(2.5),
    lambda: _nn.ones(2) + "a",
])
def test_fuzz_wrong_kinds_are_dtype_errors(call):
    with _pytest.raises(_E.DTypeError):
        call()


@_pytest.mark.parametrize("call", [
    lambda: _nn.tensor([1, 2]) + 2 ** 63, lambda: _nn.ones(2) * 10 ** 400, lambda: _nn.tensor([2 ** 63]),
    lambda: _nn.tensor([[1, 2 ** 70]]), lambda: _nn.nn.Dropout(p=10 ** 400),
    lambda: _optim.SGD([_nn.zeros(2, requires_grad=True)], lr=10 ** 400), lambda: _nn.manual_seed(2 ** 64),
    lambda: _nn.zeros(2 ** 63), lambda: _nn.eye(2 ** 63),
    lambda: _F.interpolate(_nn.ones(1, 1, 2, 2), scale_factor=_math.nan),
])
def test_fuzz_bad_values_are_argument_errors(call):
    with _pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, _E.NumnetError)


def test_fuzz_shapes_and_indexing_are_numnet_errors():
    x = _nn.ones(2, 3)
    with _pytest.raises(_E.ShapeError):
        x.clamp(min=_nn.ones(5))
    with _pytest.raises(_E.ShapeError):
        x[0] = _nn.ones(5)
    for call in (lambda: x.__setitem__(10, 1.0), lambda: x[10]):
        with _pytest.raises(_E.IndexOutOfRangeError) as info:
            call()
        assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)
    with _pytest.raises(_E.DTypeError):
        x["a"]
    with _pytest.raises(_E.DeviceError):
        x.to("cuda")


def test_fuzz_manual_seed_negative_wraps_like_torch():
    _nn.manual_seed(-1)
    a = _nn.rand(3)
    _nn.manual_seed(2 ** 64 - 1)
    assert bool((_nn.rand(3) == a).all())


def test_fuzz_multisteplr_milestones_must_be_a_sequence():
    opt = _optim.SGD([_nn.zeros(2, requires_grad=True)], lr=0.1)
    with _pytest.raises(_E.DTypeError):
        _optim.lr_scheduler.MultiStepLR(opt, milestones=5)


def test_fuzz_adaptive_avg_pool_keeps_inf_in_its_window():
    x = _np.ones((1, 1, 4, 4), _np.float32)
    x[0, 0, 0, 0] = _np.inf
    out = _F.adaptive_avg_pool2d(_nn.tensor(x), 2).numpy()
    assert _np.isinf(out[0, 0, 0, 0]) and (out.ravel()[1:] == 1).all()


def test_fuzz_dataloader_dicts_with_different_keys():
    from numnet.data import DataLoader
    with _pytest.raises(_E.NumnetError, match="keys"):
        list(DataLoader([{"a": 1}, {"b": 2}], batch_size=2))


def test_fuzz_arange_start_must_be_a_number():
    with _pytest.raises(_E.DTypeError):
        _nn.arange(None, 5)


def test_fuzz_ints_beyond_int64_are_numnet_errors():
    x = _nn.ones(2, 3)
    for call in (lambda: x[2 ** 63], lambda: x.__setitem__(0, 10 ** 400), lambda: x.clamp(10 ** 400),
                 lambda: _F.conv2d(_nn.ones(1, 1, 3, 3), _nn.ones(1, 1, 1, 1), padding=10 ** 400),
                 lambda: _nn.nn.Conv2d(1, 1, 2 ** 63)):
        with _pytest.raises(_E.NumnetError):
            call()


def test_fuzz_adaptive_output_size_beyond_int64():
    with _pytest.raises(_E.ArgumentError):
        _F.adaptive_avg_pool2d(_nn.ones(1, 1, 4, 4), 10 ** 400)


def test_sizes_no_array_can_hold_are_refused_by_crop_and_interpolate():
    import numnet.nn.functional as F
    import numnet.transforms as T
    with pytest.raises(ArgumentError, match="CenterCrop: expected size to be a size whose pixel count"):
        T.CenterCrop(10 ** 400)
    with pytest.raises(ShapeError, match="interpolate: scale_factor=1e[+]300 on input size [(]4, 4[)]"):
        F.interpolate(numnet.ones(1, 1, 4, 4), scale_factor=1e300)


def test_calls_pytorch_refuses_are_refused_too():
    """Found by the fuzzer as "silently accepted" (tests/fuzz): each raises in PyTorch, so numnet raises its own."""
    import numnet.nn.functional as F
    x = numnet.ones(2, 3)
    with pytest.raises(ArgumentError, match="arange: expected step to have the sign of end - start"):
        numnet.arange(1.5, 5, -1)
    with pytest.raises(ArgumentError, match="arange: expected step to have the sign"):
        numnet.arange(5, step=-1)
    assert numnet.arange(5, 1, -1).tolist() == [5, 4, 3, 2] and numnet.arange(3, 3).numel() == 0
    with pytest.raises(DTypeError, match="dropout: expected training to be True or False, got 2.9"):
        F.dropout(x, 0.5, 2.9)
    with pytest.raises(DTypeError, match="dropout2d: expected training to be True or False"):
        F.dropout2d(numnet.ones(1, 2, 3, 3), 0.5, [1, 2])
    with pytest.raises(DTypeError, match="pad: expected value to be a number"):
        F.pad(x, (0, 2, 1, 0), value=numnet.ones(5))
    assert np.isnan(F.pad(x, (1, 0), value=float("nan")).numpy()[0, 0])
    with pytest.raises(DTypeError, match=r"type: expected dtype to be a dtype, a type or a type name, got a Tensor"):
        x.type(numnet.ones(2, dtype=numnet.int64))
    assert x.type(numnet.float64).dtype == numnet.float64
    with pytest.raises(DTypeError, match="setitem: expected value to be a number, a sequence or a Tensor, got None"):
        x[None] = None
