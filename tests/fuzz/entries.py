"""The entry points the API fuzzer calls: one ``Entry`` a line (or a few). ``L`` is numnet's or torch's namespace
(see harness.Lib); each slot lists good values, to which the fuzzer adds the bad-argument pool."""

from __future__ import annotations

import operator

import numpy as np

from tests.fuzz.entries_nn import F_ENTRIES, NN_ENTRIES
from tests.fuzz.entries_train import TRAIN_ENTRIES
from tests.fuzz.harness import DT, Arr, Entry, f32, i64

X = f32(2, 3)
X4 = f32(1, 2, 6, 6, seed=2)
W4 = f32(3, 2, 3, 3, seed=4)
INF4 = Arr(np.where(np.arange(36).reshape(1, 1, 6, 6) == 7, np.inf, 1.0).astype(np.float32), "inf-in-one-window")
RG = Arr(np.ones((2, 3), np.float32), "ones(2,3)+grad", requires_grad=True)
SIZES = [2, 3, 0, (2, 3), [1, 2]]
DIMS = [0, 1, -1, None]
SCALARS = [2, 0.5, -3, 2 ** 62, 2 ** 63 - 1, 1e30]
BOOLS = [True, False]


def _tuple(r):
    return tuple(r) if isinstance(r, tuple) else r


def _setitem(L, x, idx, value):
    x[idx] = value
    return x


def _backward(L, x, grad):
    y = (x * 2).sum() if grad is None or getattr(grad, "ndim", 1) == 0 else x * 2
    y.backward(grad)
    return x.grad


def _seed(L, seed):
    L.lib.manual_seed(seed)
    return None


def binop(op):
    return lambda L, x, s: op(x, s)


ENTRIES: list[Entry] = [
    # ---- creation
    Entry("tensor", lambda L, d: L.lib.tensor(d), [[[1, 2], [[1.5, 2], [3, 4]], 1.5, [[1, 2], [3]], [2 ** 63 - 1],
                                                   [True, False], np.arange(3)]]),
    Entry("zeros", lambda L, *s: L.lib.zeros(*s), [SIZES, [3, 2.5]]),
    Entry("ones", lambda L, s, dt: L.lib.ones(s, dtype=dt), [SIZES, [DT("float32"), DT("float64"), "abc"]]),
    Entry("empty", lambda L, *s: L.lib.empty(*s).shape, [SIZES]),
    Entry("full", lambda L, s, v: L.lib.full(s, v), [[(2,), (2, 3)], [1.5, 2, -1.0]]),
    Entry("arange", lambda L, a, b, c: L.lib.arange(a, b, c), [[0, 1.5], [5, 3], [1, 0.5, 2]]),
    Entry("linspace", lambda L, a, b, n: L.lib.linspace(a, b, n), [[0, 1.0], [1, 5], [5, 1, 0]]),
    Entry("eye", lambda L, n: L.lib.eye(n), [[3, 0, 1]]),
    Entry("rand", lambda L, *s: L.lib.rand(*s), [SIZES], compare="shape"),
    Entry("randn", lambda L, *s: L.lib.randn(*s), [SIZES], compare="shape"),
    Entry("randint", lambda L, lo, hi, s: L.lib.randint(lo, hi, s), [[0, 2], [5, 10], [(3,), (2, 2)]],
          compare="shape"),
    Entry("cat", lambda L, ts, d: L.lib.cat(ts, d), [[[X, X], [X, f32(1, 3)], (X,)], DIMS[:3]]),
    Entry("stack", lambda L, ts, d: L.lib.stack(ts, d), [[[X, X], (X,)], [0, 2, -1]]),
    Entry("manual_seed", _seed, [[0, 123, 2 ** 32]]),
    # ---- Tensor operators with scalars of every kind
    *[Entry(f"Tensor.{name}", binop(op), [[X, i64(2, 3)], SCALARS + [X]], fixed=1)
      for name, op in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                       ("truediv", operator.truediv), ("radd", lambda a, b: b + a))],
    # ---- reductions
    *[Entry(f"Tensor.{name}", (lambda n: lambda L, x, d, k: getattr(x, n)(d, keepdim=k) if d is not None
                               else getattr(x, n)())(name), [[X], DIMS, BOOLS], fixed=1)
      for name in ("sum", "mean", "amax", "argmax")],
    Entry("Tensor.max", lambda L, x, d, k: _tuple(x.max(d, keepdim=k)), [[X], [0, 1, -1], BOOLS], fixed=1),
    Entry("Tensor.logsumexp", lambda L, x, d, k: x.logsumexp(d, keepdim=k), [[X], [0, 1, -1], BOOLS], fixed=1),
    # ---- shape methods
    Entry("Tensor.reshape", lambda L, x, *s: x.reshape(*s), [[X], [3, -1, 6, (3, 2)], [2, 1, -1]], fixed=1),
    Entry("Tensor.view", lambda L, x, *s: x.view(*s), [[X], [3, -1, 6], [2, -1]], fixed=1),
    Entry("Tensor.expand", lambda L, x, *s: x.expand(*s), [[f32(1, 3)], [2, -1, 4], [3, -1]], fixed=1),
    Entry("Tensor.permute", lambda L, x, *d: x.permute(*d), [[X], [1, 0, -1], [0, 1]], fixed=1),
    Entry("Tensor.squeeze", lambda L, x, d: x.squeeze(d), [[f32(1, 3)], DIMS], fixed=1),
    Entry("Tensor.unsqueeze", lambda L, x, d: x.unsqueeze(d), [[X], [0, 2, -1, -3]], fixed=1),
    Entry("Tensor.transpose", lambda L, x, a, b: x.transpose(a, b), [[X], [0, 1], [1, -1]], fixed=1),
    Entry("Tensor.flatten", lambda L, x, a: x.flatten(a), [[X], [0, 1, -1]], fixed=1),
    # ---- indexing
    Entry("Tensor.getitem", lambda L, x, i: x[i], [[X], [0, 1, -1, slice(0, 1), (0, 1), Ellipsis]], fixed=1),
    Entry("Tensor.setitem", _setitem, [[X], [0, 1, (0, 1), slice(None)], [1.0, f32(3), 0]], fixed=1),
    # ---- clamp, to, type, backward
    Entry("Tensor.clamp", lambda L, x, lo, hi: x.clamp(lo, hi), [[X], [-0.5, None, f32(3)], [0.5, None, 1]], fixed=1),
    Entry("Tensor.to", lambda L, x, a: x.to(a), [[X], [DT("float64"), DT("int64"), "cpu"]], fixed=1),
    Entry("Tensor.type", lambda L, x, a: x.type(a), [[X], [DT("float64"), DT("int64")]], fixed=1),
    Entry("Tensor.backward", _backward, [[RG], [None, Arr(np.ones((2, 3), np.float32), "ones(2,3)")]], fixed=1),
    # ---- functional
    Entry("F.conv2d", lambda L, x, w, s, p: L.F.conv2d(x, w, None, s, p), [[X4], [W4], [1, 2, (1, 2)], [0, 1]]),
    Entry("F.max_pool2d", lambda L, x, k, s: L.F.max_pool2d(x, k, s), [[X4], [2, 3, (2, 2)], [None, 1, 2]]),
    Entry("F.avg_pool2d", lambda L, x, k, s: L.F.avg_pool2d(x, k, s), [[X4], [2, 3], [None, 1, 2]]),
    Entry("F.adaptive_avg_pool2d", lambda L, x, s: L.F.adaptive_avg_pool2d(x, s), [[X4, INF4], [1, 2, 4, (2, 3)]]),
    Entry("F.pad", lambda L, x, p, v: L.F.pad(x, p, value=v), [[X, X4], [(1, 1), (0, 2, 1, 0)], [0.0, 1.5]]),
    Entry("F.relu", lambda L, x: L.F.relu(x), [[X, X4]]),
    Entry("F.leaky_relu", lambda L, x, a: L.F.leaky_relu(x, a), [[X], [0.01, 0.2]]),
    Entry("F.softmax", lambda L, x, d: L.F.softmax(x, d), [[X], [0, 1, -1]]),
    Entry("F.log_softmax", lambda L, x, d: L.F.log_softmax(x, d), [[X], [0, 1, -1]]),
    Entry("F.cross_entropy", lambda L, x, t: L.F.cross_entropy(x, t), [[X], [Arr(np.array([0, 2]), "target(2)")]]),
    Entry("F.mse_loss", lambda L, a, b: L.F.mse_loss(a, b), [[X], [f32(2, 3, seed=5)]]),
    Entry("F.interpolate", lambda L, x, s, m: L.F.interpolate(x, size=s, mode=m), [[X4], [3, (4, 8), 12],
                                                                                  ["nearest", "bilinear"]]),
    Entry("F.interpolate[scale]", lambda L, x, f: L.F.interpolate(x, scale_factor=f), [[X4], [2, 0.5, 1.5]]),
    Entry("F.one_hot", lambda L, t, n: L.F.one_hot(t, n), [[i64(4)], [3, 5, -1]]),
    Entry("F.dropout", lambda L, x, p, t: L.F.dropout(x, p, t), [[X], [0.0, 0.5], BOOLS], compare="shape"),
    Entry("F.linear", lambda L, x, w: L.F.linear(x, w), [[X], [f32(4, 3)]]),
]

M = f32(3, 4, seed=3)
B3 = f32(2, 3, 4, seed=4)
MASK = Arr(np.array([[True, False, True], [False, False, True]]), "mask(2,3)")
IDX = Arr(np.array([[0, 1, 1], [1, 0, 1]]), "idx(2,3)")
POS = Arr(np.abs(np.random.default_rng(9).standard_normal((2, 3))).astype(np.float32) + 0.1, "pos(2,3)")


def method(name):
    """``x.<name>(*args)``; the first slot is the tensor (fixed to good values)."""
    return lambda L, x, *args: getattr(x, name)(*args)


def _inplace(name):
    def call(L, x, *args):
        y = x.clone()
        getattr(y, name)(*args)
        return y
    return call


TENSOR_ENTRIES: list[Entry] = [
    Entry("Tensor.pow", method("pow"), [[X, POS, i64(2, 3)], [2, 0.5, -1, 3, 0, X]], fixed=1),
    Entry("Tensor.rpow", lambda L, x, b: b ** x, [[X, i64(2, 3)], [2, 0.5, 3]], fixed=1),
    *[Entry(f"Tensor.{n}", method(n), [[X, POS]], fixed=1)
      for n in ("exp", "log", "sqrt", "abs", "neg", "sin", "sign", "round", "floor", "t", "tolist")],
    Entry("Tensor.item", method("item"), [[f32(1), f32(1, 1), X]], fixed=1),
    Entry("Tensor.matmul", method("matmul"), [[X, B3], [M, f32(3), f32(2, 4, 5)]], fixed=1),
    Entry("Tensor.mm", method("mm"), [[X], [M]], fixed=1),
    Entry("Tensor.bmm", method("bmm"), [[B3], [f32(2, 4, 2, seed=5)]], fixed=1),
    Entry("Tensor.dot", method("dot"), [[f32(3)], [f32(3, seed=6)]], fixed=1),
    Entry("Tensor.outer", method("outer"), [[f32(3)], [f32(2, seed=6)]], fixed=1),
    Entry("Tensor.repeat", method("repeat"), [[X], [2, 1, (2, 1)], [1, 3]], fixed=1),
    Entry("Tensor.tile", method("tile"), [[X], [(2,), (2, 1), [1, 2, 2]]], fixed=1),
    Entry("Tensor.chunk", lambda L, x, n, d: tuple(x.chunk(n, d)), [[X], [2, 3, 1], [0, 1, -1]], fixed=1),
    Entry("Tensor.split", lambda L, x, n, d: tuple(x.split(n, d)), [[X], [1, 2, [1, 2]], [0, 1, -1]], fixed=1),
    Entry("Tensor.flip", method("flip"), [[X], [0, (0, 1), [-1]]], fixed=1),
    Entry("Tensor.roll", method("roll"), [[X], [1, -2, (1, 1)], [0, 1, (0, 1)]], fixed=1),
    Entry("Tensor.narrow", method("narrow"), [[X], [0, 1], [0, 1], [1, 2]], fixed=1),
    Entry("Tensor.unbind", lambda L, x, d: tuple(x.unbind(d)), [[X], [0, 1, -1]], fixed=1),
    Entry("Tensor.movedim", method("movedim"), [[B3], [0, (0, 1)], [2, (1, 2)]], fixed=1),
    Entry("Tensor.swapaxes", method("swapaxes"), [[B3], [0, 1], [2, -1]], fixed=1),
    *[Entry(f"Tensor.{n}", (lambda n: lambda L, x, d: getattr(x, n)(d))(n), [[X], [0, 1, -1]], fixed=1)
      for n in ("cumsum", "cumprod", "softmax", "argsort")],
    *[Entry(f"Tensor.{n}", (lambda n: lambda L, x, d, k: getattr(x, n)(d, keepdim=k))(n),
            [[X], [0, 1, -1], [True, False]], fixed=1) for n in ("prod", "std", "var", "amin", "argmin", "all",
                                                                 "any")],
    Entry("Tensor.min", lambda L, x, d, k: tuple(x.min(d, keepdim=k)), [[X], [0, 1, -1], BOOLS], fixed=1),
    Entry("Tensor.topk", lambda L, x, k, d, lg: tuple(x.topk(k, d, lg)), [[X], [1, 2], [0, 1, -1], BOOLS], fixed=1),
    Entry("Tensor.sort", lambda L, x, d, desc: tuple(x.sort(d, desc)), [[X], [0, 1, -1], BOOLS], fixed=1),
    Entry("Tensor.gather", method("gather"), [[X], [0, 1, -1], [IDX]], fixed=1),
    Entry("Tensor.scatter", method("scatter"), [[X], [0, 1], [IDX], [f32(2, 3, seed=8), 1.5]], fixed=1),
    Entry("Tensor.scatter_add", method("scatter_add"), [[X], [0, 1], [IDX], [f32(2, 3, seed=8)]], fixed=1),
    Entry("Tensor.index_select", method("index_select"), [[X], [0, 1], [Arr(np.array([0, 1]), "index(2)")]],
          fixed=1),
    Entry("Tensor.masked_fill", method("masked_fill"), [[X], [MASK], [0.0, -1.5]], fixed=1),
    Entry("Tensor.where", method("where"), [[X], [MASK], [0.0, f32(2, 3, seed=8)]], fixed=1),
    Entry("Tensor.norm", lambda L, x, p, d: x.norm(p, d), [[X], [2, 1, "fro", float("inf")], [None, 0, 1]],
          fixed=1),
    Entry("Tensor.clip", method("clip"), [[X], [-0.5, None], [0.5, None]], fixed=1),
    Entry("Tensor.div[mode]", lambda L, x, o, m: x.div(o, rounding_mode=m), [[X, i64(2, 3)], [2, 0.5, -3],
                                                                             [None, "floor", "trunc"]], fixed=1),
    Entry("Tensor.fmod", method("fmod"), [[X, i64(2, 3)], [2, 1.5, -3]], fixed=1),
    Entry("Tensor.remainder", method("remainder"), [[X, i64(2, 3)], [2, 1.5, -3]], fixed=1),
    Entry("Tensor.view_as", method("view_as"), [[X], [f32(3, 2), f32(6)]], fixed=1),
    Entry("Tensor.expand_as", method("expand_as"), [[f32(1, 3)], [X, f32(4, 3)]], fixed=1),
    Entry("Tensor.fill_", _inplace("fill_"), [[X], [1.5, 0, -2]], fixed=1),
    Entry("Tensor.add_", _inplace("add_"), [[X], [1.5, 2, f32(3)]], fixed=1),
    Entry("Tensor.mul_", _inplace("mul_"), [[X], [1.5, 2, f32(3)]], fixed=1),
    Entry("Tensor.clamp_", _inplace("clamp_"), [[X], [-0.5, None], [0.5, None]], fixed=1),
    # creation from other tensors and arrays
    *[Entry(n, (lambda n: lambda L, x: getattr(L.lib, n)(x))(n), [[X, i64(2, 3)]])
      for n in ("zeros_like", "ones_like")],
    *[Entry(n, (lambda n: lambda L, x: getattr(L.lib, n)(x))(n), [[X]], compare="shape")
      for n in ("rand_like", "randn_like", "empty_like")],
    Entry("full_like", lambda L, x, v: L.lib.full_like(x, v), [[X, i64(2, 3)], [1.5, 2, -1]]),
    Entry("from_numpy", lambda L, a: L.lib.from_numpy(a), [[np.arange(3.0), np.ones((2, 2), np.float32),
                                                           np.arange(4).reshape(2, 2)]]),
    Entry("as_tensor", lambda L, a, dt: L.lib.as_tensor(a, dtype=dt), [[[1, 2], np.arange(3.0), 1.5],
                                                                       [None, DT("float32"), DT("int64")]]),
    Entry("logspace", lambda L, a, b, n: L.lib.logspace(a, b, n), [[0, 1.0], [1, 2], [5, 1, 0]]),
    Entry("randperm", lambda L, n: L.lib.randperm(n), [[3, 0, 10]], compare="shape"),
    Entry("normal", lambda L, m, s, n: L.lib.normal(m, s, n), [[0.0, 1.0], [1.0, 2.0], [(3,), (2, 2)]],
          compare="shape"),
    Entry("where", lambda L, c, a, b: L.lib.where(c, a, b), [[MASK], [X, 1.0], [0.0, f32(3)]]),
    Entry("einsum", lambda L, eq, a, b: L.lib.einsum(eq, a, b), [["ij,jk->ik", "ij,kj", "ij,jk"], [X], [M]]),
    Entry("split", lambda L, x, n, d: tuple(L.lib.split(x, n, d)), [[X], [1, [1, 1, 1]], [0, 1]]),
]

ENTRIES = ENTRIES + TENSOR_ENTRIES + NN_ENTRIES + F_ENTRIES + TRAIN_ENTRIES

# Deliberate differences: calls numnet accepts and PyTorch refuses, each with the reason (docs/fuzzing.md lists
# them; README "What differs" has the user-facing ones). A pattern matches the repr of the call's arguments.
_NDARRAY = (r"array\(", "a NumPy array is accepted wherever a tensor operand is (it is wrapped, not copied)")
_MIXED_CLAMP = (r"(f32|i64)\([\d, ]*\), (-?[\d.e+]+|-?inf|nan)\)$|, (-?[\d.e+]+|-?inf|nan), (f32|i64)\(",
                "clamp takes a tensor bound with a number bound (PyTorch wants both tensors or both numbers)")
_DIM_NONE = (r", None, (True|False)\)$", "dim=None reduces over every dim, as sum/mean/amax do")
_IMAGE_2D = (r"i64\(2, 3\)\)$", "a 2-D tensor is an (H, W) image with one channel")
_SAME_STRIDED = (r"'same'", "padding='same' with stride > 1 pads as Keras/TensorFlow do (PyTorch refuses)")
ALLOW: dict[str, list[tuple[str, str]]] = {
    "full": [(r"^\(-?\d+, ", "full accepts an int size, as zeros/ones/empty do")],
    "Tensor.squeeze": [(r"None\)$", "squeeze(None) squeezes every size-1 dim, as squeeze() does")],
    "Tensor.logsumexp": [_DIM_NONE], "Tensor.prod": [_DIM_NONE],
    "Tensor.clamp": [_MIXED_CLAMP], "Tensor.clip": [_MIXED_CLAMP], "Tensor.clamp_": [_MIXED_CLAMP],
    "F.conv1d": [_SAME_STRIDED], "nn.Conv1d": [_SAME_STRIDED], "F.conv2d": [_SAME_STRIDED],
    "nn.Conv2d": [_SAME_STRIDED],
    "transforms.Grayscale": [_IMAGE_2D], "transforms.RandomGrayscale": [_IMAGE_2D],
    "transforms.RandomRotation": [_IMAGE_2D], "transforms.RandomAffine": [_IMAGE_2D],
    "transforms.GaussianBlur": [_IMAGE_2D], "transforms.ColorJitter": [_IMAGE_2D],
    **{f"Tensor.{n}": [_NDARRAY] for n in ("rpow", "remainder", "fmod", "add_", "mul_", "pow", "matmul", "div[mode]",
                                           "fill_", "where", "masked_fill")},
    "Tensor.matmul": [_NDARRAY, (r"bool\(3\)|i64\(", "matmul promotes mixed dtypes as the elementwise ops do")],
}
for _entry in ENTRIES:
    _entry.allow = _entry.allow + ALLOW.get(_entry.name, [])
