"""numnet.onnx._numpy_kernels against onnx's reference evaluator (and onnxruntime for the heavy ops), plus the
standalone source that source_for generates."""

import ast
import builtins
import inspect
import math
import time

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import helper
from onnx.reference import ReferenceEvaluator

from numnet.onnx import _numpy_kernels as K

RNG_SEED = 0
I64_MAX = np.iinfo(np.int64).max
I64_MIN = np.iinfo(np.int64).min


def rand(*shape, dtype=np.float32, seed=None, low=None, high=None):
    rng = np.random.default_rng(RNG_SEED if seed is None else seed)
    if low is not None:
        return rng.uniform(low, high, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def i64(*values):
    return np.array(values, dtype=np.int64)


def one_node_model(op, inputs, attrs, out_dtype, out_rank, opset=17):
    """A model with one ``op`` node whose inputs are graph inputs (None -> an omitted optional input); the output
    is declared with symbolic dims only, so its shape comes from the runtime, not from the kernel under test."""
    names, infos, feeds = [], [], {}
    for i, value in enumerate(inputs):
        if value is None:
            names.append("")
            continue
        value = np.asarray(value)
        name = f"in{i}"
        names.append(name)
        infos.append(helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(value.dtype), value.shape))
        feeds[name] = value
    while names and names[-1] == "":
        names.pop()
    node = helper.make_node(op, names, ["y"], **attrs)
    out_type = helper.np_dtype_to_tensor_dtype(np.dtype(out_dtype))
    out = helper.make_tensor_value_info("y", out_type, [f"d{i}" for i in range(out_rank)])
    graph = helper.make_graph([node], "one_node", infos, [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = helper.find_min_ir_version_for(model.opset_import)
    return model, feeds


def check(
    op, inputs, attrs=None, *, args=None, kwargs=None, opset=17, rtol=1e-5, atol=1e-6, runtime=False, reference=True
):
    """Run the kernel and the reference evaluator (and onnxruntime if ``runtime``) on the same node; compare values,
    shapes and dtypes. ``args``/``kwargs`` override how the kernel is called (e.g. axes passed positionally where the
    opset-17 node takes them as an attribute). ``reference=False`` only where the reference evaluator is wrong."""
    attrs = attrs or {}
    ours = K.KERNELS[op](*(inputs if args is None else args), **(attrs if kwargs is None else kwargs))
    assert isinstance(ours, np.ndarray), type(ours)
    model, feeds = one_node_model(op, inputs, attrs, ours.dtype, ours.ndim, opset)
    onnx.checker.check_model(model)
    expected = [ReferenceEvaluator(model).run(None, feeds)[0]] if reference else []
    if runtime:
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        expected.append(session.run(None, feeds)[0])
    assert expected, "compare with something"
    for want in expected:
        want = np.asarray(want)
        assert ours.dtype == want.dtype, (ours.dtype, want.dtype)
        assert ours.shape == want.shape, (ours.shape, want.shape)
        if ours.dtype.kind in "fc":
            np.testing.assert_allclose(ours, want, rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(ours, want)
    return ours


# ----------------------------------------------------------------------------------------------------------------
# Convolution and pooling
# ----------------------------------------------------------------------------------------------------------------

CONV_CASES = [
    ((2, 3, 7, 7), (4, 3, 3, 3), {}),
    ((2, 3, 8, 7), (4, 3, 3, 3), dict(strides=[2, 2], pads=[1, 1, 1, 1])),
    ((1, 4, 9, 9), (6, 2, 3, 3), dict(group=2, pads=[0, 1, 2, 1], strides=[1, 2])),
    ((1, 4, 9, 8), (4, 1, 3, 3), dict(group=4, dilations=[2, 2], pads=[2, 2, 2, 2])),  # depthwise
    ((1, 4, 8, 8), (8, 1, 3, 3), dict(group=4, strides=[2, 2], pads=[1, 1, 1, 1])),  # depthwise, multiplier 2
    ((2, 3, 10, 10), (5, 3, 5, 5), dict(strides=[2, 2], dilations=[2, 1], pads=[1, 0, 0, 2])),
    ((1, 2, 6, 6), (3, 2, 2, 2), dict(auto_pad="SAME_UPPER", strides=[2, 2], kernel_shape=[2, 2])),
    ((1, 2, 7, 7), (3, 2, 4, 4), dict(auto_pad="SAME_LOWER")),
    ((1, 2, 7, 7), (3, 2, 3, 3), dict(auto_pad="VALID", strides=[2, 2])),
    ((1, 1, 28, 28), (6, 1, 5, 5), dict(pads=[2, 2, 2, 2], strides=[1, 1], dilations=[1, 1], group=1)),
    ((2, 3, 10), (4, 3, 3), dict(strides=[2], pads=[1, 2])),  # 1-D works too
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, w_shape, attrs", CONV_CASES)
def test_conv(x_shape, w_shape, attrs, bias):
    inputs = [rand(*x_shape, seed=1), rand(*w_shape, seed=2), rand(w_shape[0], seed=3) if bias else None]
    check("Conv", inputs, attrs)


@pytest.mark.parametrize("x_shape, w_shape, attrs", [CONV_CASES[i] for i in (1, 2, 3, 6)])
def test_conv_onnxruntime(x_shape, w_shape, attrs):
    inputs = [rand(*x_shape, seed=1), rand(*w_shape, seed=2), rand(w_shape[0], seed=3)]
    check("Conv", inputs, attrs, runtime=True)


def test_conv_float64():
    inputs = [rand(2, 4, 7, 6, seed=1, dtype=np.float64), rand(6, 2, 3, 3, seed=2, dtype=np.float64)]
    check("Conv", inputs, dict(group=2, pads=[1, 0, 0, 1], strides=[2, 1]), rtol=1e-12, atol=1e-12)


CONV_TRANSPOSE_CASES = [
    ((1, 3, 5, 5), (3, 4, 3, 3), {}),
    ((2, 2, 4, 5), (2, 3, 3, 3), dict(strides=[2, 2], pads=[1, 1, 1, 1])),
    ((1, 4, 4, 4), (4, 2, 3, 3), dict(group=2, strides=[2, 2], output_padding=[1, 1], pads=[1, 0, 1, 0])),
    ((1, 2, 5, 5), (2, 3, 3, 3), dict(dilations=[2, 2], strides=[2, 1], pads=[0, 1, 2, 1])),
    ((1, 4, 4, 4), (4, 1, 2, 2), dict(group=4, strides=[2, 2])),  # depthwise
    ((1, 2, 3, 4), (2, 3, 4, 4), dict(strides=[2, 2], pads=[1, 1, 1, 1])),  # the usual 2x upsampling
    ((1, 2, 3, 3), (2, 2, 3, 3), dict(strides=[2, 2], output_padding=[1, 0], dilations=[1, 2])),
    ((1, 2, 3, 3), (2, 2, 3, 3), dict(strides=[2, 2], output_shape=[6, 6])),
    ((1, 2, 3, 3), (2, 2, 3, 3), dict(strides=[2, 2], auto_pad="SAME_UPPER")),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, w_shape, attrs", CONV_TRANSPOSE_CASES)
def test_conv_transpose(x_shape, w_shape, attrs, bias):
    groups = attrs.get("group", 1)
    inputs = [rand(*x_shape, seed=4), rand(*w_shape, seed=5), rand(w_shape[1] * groups, seed=6) if bias else None]
    # onnx's reference ConvTranspose is wrong for group > 1 (it splits W by output instead of input channels and
    # adds the whole bias to each group) and fails with output_shape; onnxruntime is the oracle for those.
    trusted = groups == 1 and "output_shape" not in attrs
    check("ConvTranspose", inputs, attrs, reference=trusted, runtime=not trusted or not bias)


POOL_CASES = [
    ((1, 2, 7, 7), dict(kernel_shape=[3, 3])),
    ((2, 3, 8, 9), dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
    ((1, 2, 7, 7), dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)),
    ((1, 2, 7, 8), dict(kernel_shape=[3, 3], strides=[2, 2], pads=[0, 1, 1, 0], ceil_mode=1)),
    ((1, 2, 8, 8), dict(kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 1, 1], ceil_mode=0)),
    ((1, 2, 6, 6), dict(kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)),
    ((1, 2, 7, 7), dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")),
    ((1, 2, 6, 7), dict(kernel_shape=[2, 3], strides=[2, 2], auto_pad="SAME_LOWER")),
    ((2, 2, 9), dict(kernel_shape=[3], strides=[2], pads=[1, 1])),  # 1-D
]
DILATED_POOL_CASES = [
    ((1, 2, 7, 7), dict(kernel_shape=[2, 2], dilations=[2, 2])),
    ((1, 2, 9, 8), dict(kernel_shape=[3, 3], strides=[2, 2], dilations=[2, 1], pads=[1, 1, 1, 1], ceil_mode=1)),
    ((1, 2, 8, 8), dict(kernel_shape=[2, 2], strides=[2, 2], dilations=[2, 2], ceil_mode=1)),
]


@pytest.mark.parametrize("x_shape, attrs", POOL_CASES + DILATED_POOL_CASES)
def test_max_pool(x_shape, attrs):
    # onnx's reference MaxPool gets the SAME_LOWER output shape wrong (one column short); onnxruntime agrees with
    # the spec's ceil(in / stride).
    trusted = attrs.get("auto_pad") != "SAME_LOWER"
    check("MaxPool", [rand(*x_shape, seed=7)], attrs, reference=trusted, runtime="auto_pad" in attrs)


def test_max_pool_padding_never_wins():
    x = -np.ones((1, 1, 3, 3), np.float32) * 100  # all negative: a zero pad would win
    y = check("MaxPool", [x], dict(kernel_shape=[2, 2], pads=[1, 1, 1, 1]))
    assert (y == -100).all()


@pytest.mark.parametrize("count_include_pad", [0, 1])
@pytest.mark.parametrize("x_shape, attrs", POOL_CASES)
def test_average_pool(x_shape, attrs, count_include_pad):
    if "auto_pad" in attrs and count_include_pad:
        attrs = {k: v for k, v in attrs.items() if k != "auto_pad"} | {"pads": [1, 0, 1, 1]}
    check("AveragePool", [rand(*x_shape, seed=8)], attrs | {"count_include_pad": count_include_pad})


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
@pytest.mark.parametrize("attrs", [POOL_CASES[1][1], POOL_CASES[3][1] | {"count_include_pad": 1}])
def test_pools_float64(op, attrs):
    if op == "MaxPool":
        attrs = {k: v for k, v in attrs.items() if k != "count_include_pad"}
    check(op, [rand(2, 3, 9, 8, seed=9, dtype=np.float64)], attrs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "op, attrs",
    [("MaxPool", POOL_CASES[3][1]), ("MaxPool", DILATED_POOL_CASES[1][1]), ("MaxPool", POOL_CASES[1][1])]
    + [("AveragePool", POOL_CASES[i][1] | {"count_include_pad": c}) for i in (1, 3, 5) for c in (0, 1)],
)
def test_pools_onnxruntime(op, attrs):
    check(op, [rand(2, 3, 9, 8, seed=9)], attrs, runtime=True)


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 4), (1, 4, 1, 1), (2, 3, 6)])
def test_global_pools(op, shape):
    # onnx's reference GlobalMaxPool drops the channel axis of a 3-D input; onnxruntime is the oracle there
    check(op, [rand(*shape, seed=10)], reference=len(shape) == 4 or op != "GlobalMaxPool", runtime=True)


# ----------------------------------------------------------------------------------------------------------------
# Linear algebra and normalization
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("transA, transB", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("c_shape", [None, (5,), (3, 5), (1, 5), (3, 1)])
def test_gemm(transA, transB, c_shape):
    a = rand(*((4, 3) if transA else (3, 4)), seed=11)
    b = rand(*((5, 4) if transB else (4, 5)), seed=12)
    c = None if c_shape is None else rand(*c_shape, seed=13)
    check("Gemm", [a, b, c], dict(alpha=0.5, beta=2.0, transA=transA, transB=transB))
    check("Gemm", [a, b, c], dict(transA=transA, transB=transB), runtime=True)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4,))],
)
def test_matmul(a_shape, b_shape):
    check("MatMul", [rand(*a_shape, seed=14), rand(*b_shape, seed=15)])


@pytest.mark.parametrize(
    "equation, shapes",
    [
        ("ij,jk->ik", [(3, 4), (4, 5)]),
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
        ("ij->ji", [(3, 4)]),
        ("i,i->", [(5,), (5,)]),
        ("bhqd, bhkd -> bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
        ("...ij,...j->...i", [(2, 3, 4), (2, 4)]),
    ],
)
def test_einsum(equation, shapes):
    check("Einsum", [rand(*s, seed=16 + i) for i, s in enumerate(shapes)], dict(equation=equation))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (4, 3), (2, 3, 6)])
def test_batch_normalization(shape, dtype):
    c = shape[1]
    inputs = [rand(*shape, seed=20, dtype=dtype), rand(c, seed=21, dtype=dtype), rand(c, seed=22, dtype=dtype),
              rand(c, seed=23, dtype=dtype), rand(c, seed=24, low=0.5, high=2, dtype=dtype)]
    check("BatchNormalization", inputs, dict(epsilon=1e-3), runtime=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis, bias", [(-1, True), (-1, False), (1, True), (2, False)])
def test_layer_normalization(axis, bias, dtype):
    x = rand(2, 3, 4, 5, seed=25, dtype=dtype)
    shape = x.shape[axis % 4 :]
    inputs = [x, rand(*shape, seed=26, dtype=dtype), rand(*shape, seed=27, dtype=dtype) if bias else None]
    check("LayerNormalization", inputs, dict(axis=axis, epsilon=1e-4))


# ----------------------------------------------------------------------------------------------------------------
# Activations and element-wise maths
# ----------------------------------------------------------------------------------------------------------------

UNARY_CASES = [
    ("Relu", {}, None),
    ("LeakyRelu", {}, None),
    ("LeakyRelu", dict(alpha=0.2), None),
    ("Sigmoid", {}, None),
    ("Tanh", {}, None),
    ("Erf", {}, None),
    ("Elu", {}, None),
    ("Elu", dict(alpha=0.5), None),
    ("Selu", {}, None),
    ("Selu", dict(alpha=1.5, gamma=2.0), None),
    ("Celu", {}, None),
    ("Celu", dict(alpha=2.0), None),
    ("Softplus", {}, None),
    ("Softsign", {}, None),
    ("HardSigmoid", {}, None),
    ("HardSigmoid", dict(alpha=0.3, beta=0.4), None),
    ("HardSwish", {}, None),
    ("Neg", {}, None),
    ("Exp", {}, None),
    ("Log", {}, (0.01, 10)),
    ("Sqrt", {}, (0, 10)),
    ("Abs", {}, None),
    ("Sign", {}, None),
    ("Sin", {}, None),
    ("Cos", {}, None),
    ("Tan", {}, (-1.2, 1.2)),
    ("Reciprocal", {}, (0.1, 5)),
    ("Floor", {}, None),
    ("Ceil", {}, None),
    ("Round", {}, None),
    ("Identity", {}, None),
]


@pytest.mark.parametrize("dtype, shape", [(np.float32, (3, 4, 5)), (np.float64, (2, 7))])
@pytest.mark.parametrize("op, attrs, interval", UNARY_CASES)
def test_unary(op, attrs, interval, dtype, shape):
    if interval is None:
        x = rand(*shape, seed=30, dtype=dtype) * 3
    else:
        x = rand(*shape, seed=30, dtype=dtype, low=interval[0], high=interval[1])
    check(op, [x], attrs)


def test_activations_extreme_values():
    x = np.array([-1e4, -100.0, -30.0, -1e-8, 0.0, 1e-8, 30.0, 100.0, 1e4], np.float32)
    for op in ["Sigmoid", "Softplus", "Elu", "Selu", "Celu", "Erf", "Tanh", "HardSwish", "Softsign"]:
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # stable formulas: no overflow on the way
            K.KERNELS[op](x)
        with np.errstate(all="ignore"):  # the reference evaluator's formulas do overflow (and recover) here
            check(op, [x])


def test_round_half_to_even():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4999, -0.50001, 3.7], np.float32)
    y = check("Round", [x])
    np.testing.assert_array_equal(y, [-2, -2, -0, 0, 2, 2, 0, -1, 4])


def test_erf_matches_math_erf_in_float64():
    x = np.concatenate([np.linspace(-7, 7, 20001), np.logspace(-300, 0.7, 500), [np.inf, -np.inf, 0.0]])
    want = np.array([math.erf(v) for v in x])
    got = K.Erf(x)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-300)
    assert np.isnan(K.Erf(np.array([np.nan]))).all()
    x32 = np.linspace(-5, 5, 4001, dtype=np.float32)
    want32 = np.array([math.erf(v) for v in x32.astype(np.float64)]).astype(np.float32)
    np.testing.assert_allclose(K.Erf(x32), want32, rtol=1e-7, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Pow"])
@pytest.mark.parametrize("a_shape, b_shape", [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 2))])
def test_binary(op, a_shape, b_shape, dtype):
    a = rand(*a_shape, seed=31, dtype=dtype, low=0.5, high=3) if op == "Pow" else rand(*a_shape, seed=31, dtype=dtype)
    b = rand(*b_shape, seed=32, dtype=dtype, low=0.5, high=3)
    check(op, [a, b])


def test_pow_integer_exponent_keeps_base_dtype():
    check("Pow", [rand(3, 4, seed=33), i64(2, 3, 1, 0)])


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integer_div_and_mod(dtype):
    a = np.array([7, -7, 7, -7, 0, 9, -1], dtype)
    b = np.array([2, 2, -2, -2, 3, 4, 5], dtype)
    check("Div", [a, b])
    check("Mod", [a, b])
    check("Mod", [a, b], dict(fmod=1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_mod(dtype):
    a = rand(3, 5, seed=34, dtype=dtype) * 5
    b = rand(3, 5, seed=35, dtype=dtype, low=0.5, high=2) * np.where(np.arange(5) % 2, 1, -1).astype(dtype)
    check("Mod", [a, b], dict(fmod=1))


@pytest.mark.parametrize("op", ["Max", "Min"])
@pytest.mark.parametrize("shapes", [[(3, 4)], [(3, 4), (3, 4)], [(2, 3, 4), (4,), (3, 1)]])
def test_max_min_variadic(op, shapes):
    check(op, [rand(*s, seed=40 + i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("op", ["Greater", "Less", "Equal"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_comparisons(op, dtype):
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype)
    b = np.array([3, 2, 1], dtype)
    check(op, [a, b])


def test_not_and_where():
    cond = np.array([[True, False, True], [False, False, True]])
    check("Not", [cond])
    check("Where", [cond, rand(2, 3, seed=50), rand(3, seed=51)])
    check("Where", [cond[0], np.arange(3, dtype=np.int64), np.array(-1, np.int64)])


def test_prelu():
    x = rand(2, 3, 4, 4, seed=52)
    check("PRelu", [x, rand(3, 1, 1, seed=53)])
    check("PRelu", [x, np.array([0.25], np.float32)])


@pytest.mark.parametrize("bounds", [(None, None), (-0.5, None), (None, 0.5), (-0.5, 0.5), (0.3, -0.3)])
def test_clip(bounds):
    lo, hi = (None if v is None else np.array(v, np.float32) for v in bounds)
    check("Clip", [rand(3, 4, seed=54), lo, hi])


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_softmax(op, axis):
    check(op, [rand(2, 3, 4, seed=55) * 10], dict(axis=axis))
    check(op, [rand(4, 5, seed=56, dtype=np.float64) * 100], dict(axis=axis % 2), rtol=1e-12)


@pytest.mark.parametrize("to", [1, 6, 7, 9, 10, 11])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_cast(to, dtype):
    x = (rand(3, 4, seed=57, dtype=np.float64) * 5).astype(dtype)
    x.flat[0] = 0
    check("Cast", [x], dict(to=to))


def test_dropout_is_identity():
    x = rand(3, 4, seed=58)
    check("Dropout", [x])
    check("Dropout", [x, np.array(0.5, np.float32)])


# ----------------------------------------------------------------------------------------------------------------
# Shape and indexing
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis):
    check("Concat", [rand(2, 3, 4, seed=60), rand(2, 3, 4, seed=61), rand(2, 3, 4, seed=62)], dict(axis=axis))


@pytest.mark.parametrize("shape", [(4, 6), (0, -1), (-1,), (2, 0, 2, -1), (24,), (1, 1, -1)])
def test_reshape(shape):
    check("Reshape", [rand(2, 3, 4, seed=63), i64(*shape)])


def test_reshape_allowzero():
    check("Reshape", [rand(0, 3, seed=64), i64(3, 0)], dict(allowzero=1))


@pytest.mark.parametrize("axis", [0, 1, 2, 3, -1])
def test_flatten(axis):
    check("Flatten", [rand(2, 3, 4, seed=65)], dict(axis=axis))


@pytest.mark.parametrize("perm", [None, [0, 2, 1], [2, 0, 1]])
def test_transpose(perm):
    check("Transpose", [rand(2, 3, 4, seed=66)], {} if perm is None else dict(perm=perm))


@pytest.mark.parametrize(
    "mode, pads, value",
    [
        ("constant", [0, 1, 2, 1, 0, 2], None),
        ("constant", [1, 0, 0, 0, 2, 1], 1.5),
        ("constant", [0, -1, 1, 0, 1, -2], 0.0),  # negative pads crop (only onnxruntime supports that)
        ("reflect", [0, 2, 1, 0, 1, 2], None),
        ("edge", [1, 1, 3, 1, 0, 2], None),
    ],
)
def test_pad(mode, pads, value):
    inputs = [rand(2, 3, 4, seed=67), i64(*pads)] + ([] if value is None else [np.array(value, np.float32)])
    cropping = min(pads) < 0
    check("Pad", inputs, dict(mode=mode), reference=not cropping, runtime=cropping)


@pytest.mark.parametrize(
    "starts, ends, axes, steps",
    [
        ([1], [3], None, None),
        ([0, 1], [2, -1], [0, 2], None),
        ([-1], [I64_MIN], [1], [-1]),  # reverse an axis
        ([10], [-10], [2], [-2]),  # out of range, clamped
        ([-100, 2], [100, I64_MAX], [0, -1], [1, 2]),
        ([3], [0], [1], [-1]),
        ([2], [1], [0], [1]),  # empty
        ([0, 0, 4], [2, 3, -6], [0, 1, 2], [1, 2, -3]),
    ],
)
def test_slice(starts, ends, axes, steps):
    inputs = [rand(3, 4, 6, seed=68), i64(*starts), i64(*ends)]
    inputs += [None if axes is None else i64(*axes), None if steps is None else i64(*steps)]
    check("Slice", inputs)


@pytest.mark.parametrize(
    "indices, axis",
    [(i64(0, 2, -1), 0), (i64(1), 1), (np.array(-2, np.int64), 2), (np.array([[0, 1], [3, -4]], np.int32), 2)],
)
def test_gather(indices, axis):
    check("Gather", [rand(3, 4, 5, seed=69), indices], dict(axis=axis))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather_elements(axis):
    data = rand(3, 4, seed=70)
    dim = data.shape[axis]
    indices = np.random.default_rng(1).integers(-dim, dim, size=(2, 4) if axis == 0 else (3, 2))
    # onnx's reference GatherElements rejects a negative axis when the shapes differ; onnxruntime does not
    check("GatherElements", [data, indices.astype(np.int64)], dict(axis=axis), reference=axis >= 0, runtime=axis < 0)


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_scatter_elements(reduction, axis):
    data = rand(3, 4, seed=71)
    if reduction == "none":  # distinct indices per slice, or the winner is unspecified
        indices = np.array([[2, 0, 1, 1], [0, 1, 2, 0]]) if axis == 0 else np.array([[3, 0], [1, -2], [0, 2]])
    else:
        indices = np.array([[2, 2, 1, 1], [2, 1, -1, 1]]) if axis == 0 else np.array([[3, 3], [1, 1], [0, -4]])
    updates = rand(*indices.shape, seed=72)
    opset = 18 if reduction in ("max", "min") else 17  # max and min reductions arrived in opset 18
    attrs = dict(axis=axis, reduction=reduction)
    check("ScatterElements", [data, indices.astype(np.int64), updates], attrs, opset=opset)


@pytest.mark.parametrize("in_shape, shape", [((3, 1), (2, 1, 4)), ((3, 4), (4,)), ((1,), (2, 3)), ((2, 3), (1, 1))])
def test_expand(in_shape, shape):
    check("Expand", [rand(*in_shape, seed=73), i64(*shape)])


@pytest.mark.parametrize("repeats", [(1, 1), (2, 3), (1, 0)])
def test_tile(repeats):
    check("Tile", [rand(2, 3, seed=74), i64(*repeats)])


@pytest.mark.parametrize("axes", [(0,), (-1,), (0, 3), (1, -1)])
def test_unsqueeze(axes):
    check("Unsqueeze", [rand(2, 3, seed=75), i64(*axes)])


@pytest.mark.parametrize("axes", [None, (0,), (-1,), (0, 2)])
def test_squeeze(axes):
    check("Squeeze", [rand(1, 3, 1, 1, seed=76), None if axes is None else i64(*axes)])


# ----------------------------------------------------------------------------------------------------------------
# Reductions
# ----------------------------------------------------------------------------------------------------------------

REDUCE_OPS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceLogSumExp", "ReduceL2",
              "ReduceL1"]


@pytest.mark.parametrize("keepdims", [0, 1])
@pytest.mark.parametrize("axes", [None, (1,), (0, 2), (-1,), (-3, -2)])
@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce(op, axes, keepdims):
    x = rand(2, 3, 4, seed=77, dtype=np.float32)
    axes_input = None if axes is None else i64(*axes)
    if op == "ReduceSum":  # the only reduction that takes axes as an input in opset 13-17
        check(op, [x, axes_input], dict(keepdims=keepdims))
    else:  # opset 17 has axes as an attribute; the kernel always takes them positionally
        attrs = dict(keepdims=keepdims) | ({} if axes is None else dict(axes=list(axes)))
        check(op, [x], attrs, args=[x, axes_input], kwargs=dict(keepdims=keepdims))


@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce_empty_axes(op):
    x = rand(2, 3, seed=78, dtype=np.float64)
    # opset 18 moved axes to an input for all of them, with noop_with_empty_axes
    check(op, [x, np.zeros(0, np.int64)], dict(noop_with_empty_axes=1), opset=18)
    check(op, [x, np.zeros(0, np.int64)], dict(noop_with_empty_axes=0, keepdims=0), opset=18)
    check(op, [x, i64(1)], dict(noop_with_empty_axes=1), opset=18)


def test_reduce_log_sum_exp_is_stable():
    x = np.array([[1000.0, 1000.0], [-np.inf, -np.inf]], np.float32)
    with np.errstate(divide="ignore"):  # log(0) = -inf for the all -inf row is the right answer
        y = K.ReduceLogSumExp(x, i64(1), keepdims=0)
    np.testing.assert_allclose(y, [1000 + np.log(2), -np.inf], rtol=1e-6)


@pytest.mark.parametrize("exclusive, reverse", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumsum(axis, exclusive, reverse):
    check("CumSum", [rand(3, 4, seed=79), np.array(axis, np.int64)], dict(exclusive=exclusive, reverse=reverse))
    ints = np.arange(12, dtype=np.int32).reshape(3, 4)
    check("CumSum", [ints, np.array(axis, np.int32)], dict(exclusive=exclusive, reverse=reverse))


# ----------------------------------------------------------------------------------------------------------------
# Resize
# ----------------------------------------------------------------------------------------------------------------

EMPTY = np.zeros(0, np.float32)

RESIZE_CASES = [
    (dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"), [1, 1, 2, 2], None),
    (dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"), [1, 1, 1.5, 2.5], None),
    (dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"), None, [2, 3, 9, 6]),
    (dict(mode="nearest"), [1, 1, 2, 3], None),  # half_pixel + round_prefer_floor, the defaults
    (dict(mode="nearest", nearest_mode="round_prefer_ceil"), None, [2, 3, 7, 11]),
    (dict(mode="nearest", nearest_mode="ceil", coordinate_transformation_mode="align_corners"), None, [2, 3, 7, 9]),
    (dict(mode="linear", coordinate_transformation_mode="half_pixel"), [1, 1, 2, 2], None),
    (dict(mode="linear", coordinate_transformation_mode="half_pixel"), [1, 1, 0.5, 1.5], None),
    (dict(mode="linear", coordinate_transformation_mode="half_pixel"), None, [2, 3, 5, 13]),
    (dict(mode="linear", coordinate_transformation_mode="align_corners"), [1, 1, 2, 2], None),
    (dict(mode="linear", coordinate_transformation_mode="align_corners"), None, [2, 3, 7, 1]),
    (dict(mode="linear", coordinate_transformation_mode="pytorch_half_pixel"), None, [2, 3, 1, 10]),
    (dict(mode="linear", coordinate_transformation_mode="asymmetric"), [1, 1, 3, 2], None),
]


@pytest.mark.parametrize("attrs, scales, sizes", RESIZE_CASES)
def test_resize(attrs, scales, sizes):
    x = rand(2, 3, 4, 5, seed=80)
    scales_in = None if scales is None else np.array(scales, np.float32)
    sizes_in = None if sizes is None else i64(*sizes)
    check("Resize", [x, None, scales_in, sizes_in], attrs)
    if sizes is None:  # an empty roi tensor, as exporters write it, means no roi
        check("Resize", [x, EMPTY, scales_in], attrs)


@pytest.mark.parametrize("attrs, scales, sizes", [RESIZE_CASES[i] for i in (0, 2, 6, 8, 9, 11)])
def test_resize_onnxruntime(attrs, scales, sizes):
    x = rand(2, 3, 4, 5, seed=81)
    if scales is not None:
        check("Resize", [x, EMPTY, np.array(scales, np.float32)], attrs, runtime=True)
    else:
        check("Resize", [x, EMPTY, None, i64(*sizes)], attrs, runtime=True)


# ----------------------------------------------------------------------------------------------------------------
# The registry and the generated source
# ----------------------------------------------------------------------------------------------------------------

REQUIRED_OPS = """
Conv ConvTranspose MaxPool AveragePool GlobalAveragePool GlobalMaxPool Gemm MatMul BatchNormalization
LayerNormalization Relu LeakyRelu Sigmoid Tanh Erf Elu Selu Celu Softplus Softsign HardSigmoid HardSwish PRelu
Softmax LogSoftmax Clip Add Sub Mul Div Pow Neg Exp Log Sqrt Abs Sin Cos Tan Reciprocal Floor Ceil Round Max Min
Where Greater Less Equal Not Cast Concat Reshape Flatten Transpose Pad Slice Gather GatherElements ScatterElements
Expand Tile Unsqueeze Squeeze Identity ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceLogSumExp ReduceL2
CumSum Einsum Mod Resize Dropout Sign ReduceL1 Shape
""".split()


@pytest.mark.parametrize("attrs", [{}, dict(start=1), dict(start=-2), dict(end=-1), dict(start=1, end=3)])
def test_shape(attrs):
    check("Shape", [rand(2, 3, 4, 5, seed=5, dtype=np.float32)], attrs, opset=17)


def test_registry_has_every_op_named_after_it():
    assert set(K.KERNELS) == set(REQUIRED_OPS)
    for name, fn in K.KERNELS.items():
        assert fn.__name__ == name and fn.__doc__


def test_module_imports_only_numpy():
    for mod in K.SOURCES:  # the files source_for copies kernels from
        with open(mod.__file__, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert [ast.unparse(n) for n in top] == ["import numpy as np"]


def _exec_source(op_types):
    src = K.source_for(op_types)
    ns = {}
    exec(compile(src, "model.py", "exec"), ns)
    return src, ns


def _global_names(code):
    """Names a code object (and the functions/comprehensions nested in it) looks up as globals."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _global_names(const)
    return names


def test_source_for_is_standalone_and_works():
    ops = ["Conv", "Relu", "MaxPool", "Gemm", "Flatten", "Cast"]
    src, ns = _exec_source(ops)
    assert src.startswith("import numpy as np\n")
    imports = [n for n in ast.walk(ast.parse(src)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(n) for n in imports] == ["import numpy as np"]  # nothing else, not even inside functions
    # Only the requested kernels, plus helpers (private names) and np.
    public = {k for k in ns if not k.startswith("_") and k != "np"}
    assert public == set(ops)
    assert {"_conv", "_windows", "_pad_spatial", "_spatial_pads", "_pool_setup", "_ONNX_DTYPES"} <= set(ns)
    assert "_erf" not in ns and "_resize_coordinates" not in ns
    # A LeNet-style forward through the exec'd kernels equals the module's.
    x = rand(2, 1, 12, 12, seed=90, dtype=np.float64)
    w, b = rand(4, 1, 5, 5, seed=91, dtype=np.float64), rand(4, seed=92, dtype=np.float64)
    fc = rand(10, 4 * 6 * 6, seed=93, dtype=np.float64)
    results = []
    for kernels in (ns, K.KERNELS):
        h = kernels["Conv"](x, w, b, strides=[1, 1], pads=[2, 2, 2, 2], dilations=[1, 1], group=1)
        h = kernels["MaxPool"](kernels["Relu"](h), kernel_shape=[2, 2], strides=[2, 2])
        h = kernels["Gemm"](kernels["Flatten"](h, axis=1), fc, None, transB=1)
        results.append(kernels["Cast"](h, to=1))
    assert results[0].dtype == np.float32
    np.testing.assert_array_equal(results[0], results[1])


def test_source_for_takes_helpers_transitively_but_no_other_kernel():
    # ConvTranspose is built on _conv (itself using _windows and _pad_spatial), not on the Conv kernel.
    src, ns = _exec_source(["ConvTranspose"])
    direct = {n.id for n in ast.walk(ast.parse(inspect.getsource(K.ConvTranspose))) if isinstance(n, ast.Name)}
    assert "_conv" in direct and "_windows" not in direct  # so _windows below really comes in through _conv
    assert {"_conv", "_windows", "_pad_spatial", "_spatial_pads"} <= set(ns)
    assert "Conv" not in ns and "def Conv(" not in src
    assert K.source_for(["ConvTranspose", "ConvTranspose"]) == src
    assert K.source_for(["Relu", "Erf"]) == K.source_for(["Erf", "Relu"])  # a stable order


@pytest.mark.parametrize("op", sorted(REQUIRED_OPS))
def test_source_for_each_kernel_resolves_every_global(op):
    _, ns = _exec_source([op])
    assert {k for k in ns if not k.startswith("_") and k != "np"} == {op}
    for name, obj in ns.items():
        if callable(obj) and hasattr(obj, "__code__"):
            unresolved = {n for n in _global_names(obj.__code__) if n not in ns and not hasattr(builtins, n)}
            # co_names also holds attribute names (np.pad, x.reshape); only our own names must resolve here
            missing = {n for n in unresolved if n in K.KERNELS or n.startswith("_")}
            assert not missing, (name, missing)


def test_source_for_rejects_unknown_op_types():
    with pytest.raises(KeyError, match="LSTM.*NonMaxSuppression|NonMaxSuppression.*LSTM"):
        K.source_for(["Conv", "LSTM", "NonMaxSuppression"])


def test_lenet_and_resnet_forward_is_fast():
    """A LeNet-5 and a ResNet-14-like forward on 7 images of 28x28 through the kernels, each well under a second."""
    rng = np.random.default_rng(3)

    def w(*shape):
        return (rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32)

    x = rng.standard_normal((7, 1, 28, 28)).astype(np.float32)
    start = time.perf_counter()
    h = K.Relu(K.Conv(x, w(6, 1, 5, 5), w(6, 1), pads=[2, 2, 2, 2]))
    h = K.MaxPool(h, kernel_shape=[2, 2], strides=[2, 2])
    h = K.MaxPool(K.Relu(K.Conv(h, w(16, 6, 5, 5), w(16, 1).ravel())), kernel_shape=[2, 2], strides=[2, 2])
    h = K.Relu(K.Gemm(K.Flatten(h), w(120, 400), w(120, 1).ravel(), transB=1))
    h = K.Gemm(K.Relu(K.Gemm(h, w(84, 120), None, transB=1)), w(10, 84), None, transB=1)
    lenet = time.perf_counter() - start
    assert h.shape == (7, 10) and h.dtype == np.float32

    def bn(h):
        c = h.shape[1]
        return K.BatchNormalization(h, np.ones(c, np.float32), np.zeros(c, np.float32), np.zeros(c, np.float32),
                                    np.ones(c, np.float32))

    start = time.perf_counter()
    h = K.Relu(bn(K.Conv(x, w(16, 1, 3, 3), None, pads=[1, 1, 1, 1])))
    channels = 16
    for out, stride in [(16, 1), (16, 1), (32, 2), (32, 1), (64, 2), (64, 1)]:
        y = K.Relu(bn(K.Conv(h, w(out, channels, 3, 3), None, pads=[1, 1, 1, 1], strides=[stride, stride])))
        y = bn(K.Conv(y, w(out, out, 3, 3), None, pads=[1, 1, 1, 1]))
        skip = h if stride == 1 and out == channels else bn(K.Conv(h, w(out, channels, 1, 1), None, strides=[2, 2]))
        h, channels = K.Relu(K.Add(y, skip)), out
    h = K.Gemm(K.Flatten(K.GlobalAveragePool(h)), w(10, 64), None, transB=1)
    resnet = time.perf_counter() - start
    assert h.shape == (7, 10) and h.dtype == np.float32
    assert lenet < 1.0 and resnet < 1.0, (lenet, resnet)
