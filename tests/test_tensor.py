"""Tensor basics (numnet/tensor.py and its mixins, numnet/dtypes.py, numnet/random.py): creation and dtype rules,
properties, conversion, comparisons, dtype promotion, creation helpers, activation methods, layering, random
reproducibility, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
from numnet.tensor import promote_types, result_type


# ---------------------------------------------------------------------- creation and dtype rules
@pytest.mark.parametrize("data", [1.5, [1.0, 2.0], [[1, 2.5]], (0.1, 0.2)])
def test_python_floats_become_float32_like_torch(data):
    t = numnet.tensor(data)
    ref = torch.tensor(data)
    assert t.dtype == np.float32 and str(ref.dtype) == "torch.float32"
    assert np.array_equal(t._data, ref.numpy())


@pytest.mark.parametrize("data,dtype", [(3, np.int64), ([1, 2], np.int64), (True, np.bool_), ([True, False], np.bool_)])
def test_python_ints_and_bools(data, dtype):
    assert numnet.tensor(data).dtype == dtype
    assert str(torch.tensor(data).dtype).replace("torch.", "") == np.dtype(dtype).name


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32, np.uint8])
def test_numpy_arrays_keep_their_dtype(dtype):
    arr = np.arange(4).astype(dtype)
    assert numnet.tensor(arr).dtype == dtype
    assert numnet.as_tensor(arr).dtype == dtype
    assert numnet.tensor(np.float64(2.5)).dtype == np.float64


def test_explicit_dtype_does_not_round_through_float32():
    t = numnet.tensor([0.1, 1 / 3], dtype=numnet.float64)
    assert t.dtype == np.float64 and t.tolist() == [0.1, 1 / 3]
    assert numnet.tensor([1.7, 2.2], dtype=np.int64).tolist() == [1, 2]
    assert numnet.tensor(np.ones(2), dtype="float32").dtype == np.float32


def test_tensor_copies_but_as_tensor_and_from_numpy_share():
    arr = np.zeros(3)
    t, a, f = numnet.tensor(arr), numnet.as_tensor(arr), numnet.from_numpy(arr)
    arr[0] = 7
    assert t._data[0] == 0 and a._data[0] == 7 and f._data[0] == 7
    assert numnet.as_tensor(t) is t
    with pytest.raises(numnet.DTypeError, match="from_numpy: expected np.ndarray, got list"):
        numnet.from_numpy([1.0])


def test_requires_grad_on_creation_and_in_place():
    x = numnet.tensor([1.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    y = numnet.zeros(2).requires_grad_()
    assert y.requires_grad
    assert numnet.tensor(np.ones(2), dtype=np.float64, requires_grad=True).requires_grad


def test_creation_helpers_follow_torch_defaults():
    assert numnet.zeros(2, 3).shape == (2, 3) and numnet.zeros(2, 3).dtype == np.float32
    assert numnet.ones((2, 3)).tolist() == [[1, 1, 1], [1, 1, 1]]
    assert numnet.full((2,), 3).dtype == np.int64 and numnet.full((2,), 1.5).dtype == np.float32
    assert numnet.full((2,), True).dtype == np.bool_
    assert numnet.full((2,), 1.5, dtype=np.float64).dtype == np.float64
    assert numnet.arange(5).dtype == np.int64 and numnet.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert numnet.arange(0, 1, 0.25).dtype == np.float32 and numnet.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert numnet.zeros_like(numnet.ones(2, dtype=np.float64)).dtype == np.float64
    assert numnet.ones_like(numnet.zeros(3), requires_grad=True).requires_grad
    with pytest.raises(numnet.ShapeError, match=r"zeros: expected non-negative sizes, got \(2, -1\)"):
        numnet.zeros(2, -1)


# ---------------------------------------------------------------------- properties and conversion
def test_properties():
    x = numnet.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.dtype == np.float32 and x.is_floating_point() and not numnet.tensor([1]).is_floating_point()
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(numnet.tensor(1.0))


def test_numpy_item_tolist():
    x = numnet.tensor([[1.5, 2.0]])
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x._data
    assert numnet.tensor([[2.5]]).item() == 2.5 and isinstance(numnet.tensor([3]).item(), int)
    assert x.tolist() == [[1.5, 2.0]]
    assert float(numnet.tensor(2.0)) == 2.0 and int(numnet.tensor(3)) == 3
    assert [10, 20, 30][numnet.tensor(1)] == 20  # __index__


def test_numpy_of_tensor_requiring_grad_raises():
    x = numnet.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"numpy: cannot call numpy\(\) on a tensor that requires grad; "
                                           r"use .detach\(\).numpy\(\)"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0]


def test_item_of_many_elements_raises():
    with pytest.raises(numnet.ShapeError, match=r"item: only a one-element tensor can be converted to a Python "
                                                r"scalar, got shape \(2,\)"):
        numnet.tensor([1.0, 2.0]).item()


def test_bool_of_many_elements_raises():
    with pytest.raises(numnet.ShapeError, match=r"bool: the truth value of a tensor with 2 elements"):
        bool(numnet.tensor([1.0, 2.0]))
    assert bool(numnet.tensor([1.0])) and (numnet.tensor([1.0, 2.0]) > 0).all()


def test_clone_copies_and_keeps_the_graph():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c._data is not x._data and c.requires_grad
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3, 3]
    d = numnet.tensor([1.0]).clone()
    assert not d.requires_grad


def test_to_and_casts():
    x = numnet.tensor([1.5, -2.5], requires_grad=True)
    assert x.to(np.float32) is x and x.to("cpu") is x
    d = x.double()
    assert d.dtype == np.float64 and d.requires_grad
    (d * 2).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2, 2]
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad
    assert x.int().dtype == np.int32 and x.bool().dtype == np.bool_ and numnet.tensor([1]).float().dtype == np.float32


def test_repr():
    assert repr(numnet.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "dtype=float64" in repr(numnet.tensor(np.zeros(1)))
    assert "requires_grad=True" in repr(numnet.tensor([1.0], requires_grad=True))
    assert "grad_fn=<MulBackward0>" in repr(numnet.tensor([1.0], requires_grad=True) * 2)


def test_zero_and_setitem():
    x = numnet.ones(3)
    x[1] = 5
    assert x.tolist() == [1, 5, 1] and x.zero_().tolist() == [0, 0, 0]


# ---------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparisons_give_bool_without_grad(op):
    a = np.array([1.0, 2.0, 3.0])
    x = numnet.tensor(a, requires_grad=True)
    for other in (2.0, numnet.tensor([3.0, 2.0, 1.0]), np.array([3.0, 2.0, 1.0])):
        ours = eval(f"x {op} other")
        ref = eval(f"ta {op} tother", {"ta": torch.tensor(a),
                                        "tother": torch.tensor(np.asarray(other._data if isinstance(other, numnet.Tensor)
                                                                          else other))})
        assert ours.dtype == np.bool_ and not ours.requires_grad and ours.tolist() == ref.tolist()


def test_comparison_with_none_and_reversed_numpy_operand():
    x = numnet.tensor([1.0])
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (np.array([0.0, 2.0]) < numnet.tensor([1.0, 1.0])).tolist() == [True, False]
    with pytest.raises(numnet.ShapeError, match=r"lt: shapes \(2,\) and \(3,\) cannot be broadcast"):
        numnet.ones(2) < numnet.ones(3)


# ---------------------------------------------------------------------- promotion rules
@pytest.mark.parametrize("a,b", [(np.float32, np.float64), (np.int64, np.float32), (np.int32, np.int64),
                                 (np.bool_, np.int32), (np.uint8, np.int8), (np.bool_, np.float16),
                                 (np.float16, np.float32), (np.uint8, np.float32)])
def test_promote_types_matches_torch(a, b):
    ta, tb = (getattr(torch, np.dtype(d).name) for d in (a, b))
    assert promote_types(a, b).name == str(torch.promote_types(ta, tb)).replace("torch.", "")


def test_result_type_prefers_tensors_with_dimensions():
    f32 = numnet.zeros(2)
    f64_0d = numnet.tensor(np.float64(1))
    i64 = numnet.tensor([1, 2])
    assert result_type(f32, f64_0d) == np.float32
    assert result_type(i64, f64_0d) == np.float64
    assert result_type(f64_0d, numnet.tensor(np.float32(1))) == np.float64


def test_dtype_rules_live_in_numnet_dtypes_and_stay_importable_from_tensor():
    import sys

    from numnet import dtypes

    tensor_module = sys.modules["numnet.tensor"]  # ``numnet.tensor`` the attribute is the creation function
    assert tensor_module.promote_types is dtypes.promote_types and tensor_module.result_type is dtypes.result_type
    assert dtypes.promote_types("int64", "float32") == np.float32


def test_dtypes_docstring_examples_run():
    import doctest

    from numnet import dtypes

    result = doctest.testmod(dtypes, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------------- activation methods = their F.* twins
def _outcome(fn):
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are what is compared
        return type(exc), str(exc)
    return out.dtype, out._data.tolist()


@pytest.mark.parametrize("name,args", [("relu", ()), ("sigmoid", ()), ("tanh", ()), ("softmax", (1,)),
                                       ("log_softmax", (0,)), ("softmax", (-1,)), ("softmax", (None,)),
                                       ("log_softmax", (True,)), ("softmax", (1.0,)), ("softmax", (2,)),
                                       ("log_softmax", (np.int64(-2),))])
@pytest.mark.parametrize("data", [np.array([[-1.0, 0.5], [2.0, -3.0]], dtype=np.float32),
                                  np.array([[-1.0, 0.5]], dtype=np.float64), np.array([[1, -2]]),
                                  np.array([[True, False]])])
def test_activation_methods_match_functional(name, args, data):
    """Tensor.relu & co call numnet/ops directly; results and errors (type and message) equal F.*'s."""
    import numnet.functional as F

    x = numnet.tensor(data)
    method, function = _outcome(lambda: getattr(x, name)(*args)), _outcome(lambda: getattr(F, name)(x, *args))
    assert method == function


def test_activation_methods_differentiate():
    from numnet.testing import gradcheck

    x = numnet.tensor([[0.5, -1.0, 2.0]], dtype=np.float64, requires_grad=True)
    for name, args in [("relu", ()), ("sigmoid", ()), ("tanh", ()), ("softmax", (1,)), ("log_softmax", (1,))]:
        gradcheck(lambda t, n=name, a=args: getattr(t, n)(*a), [x], name=name)


def test_tensor_layer_imports_nothing_above_ops():
    """tensor.py, its mixins and the dtype/dim helpers import only autograd, errors, ops and each other."""
    import ast
    from pathlib import Path

    root = Path(numnet.__file__).parent
    allowed = {"numnet", "numnet.autograd", "numnet.errors", "numnet._validation", "numnet.dtypes", "numnet._dims", "numnet.ops",
               "numnet._tensor_activation", "numnet._tensor_reduce", "numnet._tensor_shape", "numnet._tensor_math",
               "numnet._tensor_select", "numnet._tensor_inplace", "numnet._tensor_index", "numnet.tensor",
               "numnet.device", "numnet.random"}
    for name in ["tensor.py", "dtypes.py", "_dims.py", "_tensor_activation.py", "_tensor_reduce.py",
                 "_tensor_shape.py", "_tensor_math.py", "_tensor_select.py", "_tensor_inplace.py", "_tensor_index.py"]:
        for node in ast.walk(ast.parse((root / name).read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("numnet"):
                mods = [node.module] if node.module != "numnet" else [f"numnet.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names if a.name.startswith("numnet")]
            else:
                continue
            for mod in mods:
                assert mod in allowed or mod.startswith("numnet.ops."), f"{name} imports {mod}"


# ---------------------------------------------------------------------- random
def test_manual_seed_makes_randn_reproducible():
    numnet.manual_seed(123)
    a = numnet.randn(3, 4)
    b = numnet.randn(3, 4)
    numnet.manual_seed(123)
    assert np.array_equal(numnet.randn(3, 4)._data, a._data) and np.array_equal(numnet.randn((3, 4))._data, b._data)
    assert not np.array_equal(a._data, b._data)
    assert a.dtype == np.float32 and numnet.randn(2, dtype=np.float64).dtype == np.float64
    numnet.manual_seed(123)
    assert np.array_equal(numnet.randn(3, 4, dtype=np.float64)._data, np.random.default_rng(123).standard_normal((3, 4)))


def test_manual_seed_reseeds_the_same_generator_object():
    g = numnet.random.default_generator()
    numnet.manual_seed(7)
    assert numnet.random.default_generator() is g
    first = g.random()
    numnet.manual_seed(7)
    assert g.random() == first


def test_rng_state_round_trip():
    numnet.manual_seed(1)
    state = numnet.get_rng_state()
    a = numnet.rand(5)
    numnet.set_rng_state(state)
    assert np.array_equal(numnet.rand(5)._data, a._data)
    assert ((a._data >= 0) & (a._data < 1)).all()


def test_randint_forms_and_errors():
    numnet.manual_seed(0)
    x = numnet.randint(10, (100,))
    y = numnet.randint(-3, 3, size=(4, 5))
    assert x.dtype == np.int64 and x.shape == (100,) and 0 <= x._data.min() and x._data.max() < 10
    assert y.shape == (4, 5) and -3 <= y._data.min() and y._data.max() < 3
    with pytest.raises(numnet.ArgumentError, match="randint: expected low < high, got low=5, high=5"):
        numnet.randint(5, 5, (2,))
    with pytest.raises(numnet.ArgumentError, match=r"randint: expected randint\(high, size\)"):
        numnet.randint(5)
    perm = numnet.random.randperm(6)
    assert sorted(perm.tolist()) == list(range(6))


def test_explicit_generator():
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert np.array_equal(numnet.randn(4, generator=g1)._data, numnet.randn(4, generator=g2)._data)
    assert numnet.randn(2, requires_grad=True).requires_grad
