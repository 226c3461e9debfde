"""The entry points the API fuzzer calls: one ``Entry`` a line (or a few). ``L`` is numnet's or torch's namespace
(see harness.Lib); each slot lists good values, to which the fuzzer adds the bad-argument pool."""

from __future__ import annotations

import operator

import numpy as np

from tests.fuzz.harness import DT, Arr, Entry, Params, f32, i64

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


def _layer(cls_name, *ctor):
    def call(L, *args):
        n = len(ctor)
        layer = getattr(L.nn, cls_name)(*args[:n])
        return layer(*args[n:]) if len(args) > n else layer
    return call


def _opt(cls_name):
    def call(L, params, *args):
        opt = getattr(L.optim, cls_name)(params, *args)
        return opt.param_groups[0]["lr"]
    return call


def _sched(cls_name):
    def call(L, params, *args):
        sched = getattr(L.sched, cls_name)(L.optim.SGD(params, lr=0.1), *args)
        return sched.get_last_lr()
    return call


def _loader(L, data, batch_size):
    return list(L.DataLoader(data, batch_size=batch_size))


def _seed(L, seed):
    L.lib.manual_seed(seed)
    return None


def _transform(name):
    def call(L, *args):
        from numnet import transforms as T
        return getattr(T, name)(*args[:-1])(args[-1])
    return call


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
    # ---- nn layers: constructors, then forward (maybe on a bad shape)
    Entry("nn.Linear", _layer("Linear", 0, 0), [[3, 2], [4, 1], [X, X4]], compare="shape"),
    Entry("nn.Conv2d", _layer("Conv2d", 0, 0, 0), [[2, 1], [3], [3, 1], [X4, X]], compare="shape"),
    Entry("nn.Dropout", _layer("Dropout", 0), [[0.0, 0.5, 1.0]], compare="none"),
    Entry("nn.BatchNorm2d", _layer("BatchNorm2d", 0), [[2], [X4, X]], compare="shape"),
    Entry("nn.Embedding", _layer("Embedding", 0, 0), [[5], [2], [i64(4)]], compare="shape"),
    Entry("nn.MaxPool2d", _layer("MaxPool2d", 0), [[2, 3], [X4]], compare="shape"),
    # ---- optimizers and schedulers
    Entry("optim.SGD", _opt("SGD"), [[Params()], [0.1, 0.0], [0.0, 0.9]]),
    Entry("optim.Adam", _opt("Adam"), [[Params()], [1e-3, 0.1], [(0.9, 0.999)]]),
    Entry("lr_scheduler.StepLR", _sched("StepLR"), [[Params()], [1, 3], [0.1, 0.5]]),
    Entry("lr_scheduler.MultiStepLR", _sched("MultiStepLR"), [[Params()], [[1, 3], (2,)], [0.1]]),
    Entry("lr_scheduler.ExponentialLR", _sched("ExponentialLR"), [[Params()], [0.9, 0.5]]),
    # ---- data
    Entry("DataLoader", _loader, [[[1, 2, 3], [{"a": 1}, {"a": 2}], [{"a": 1}, {"b": 2}], [(1, 2), (3, 4)]],
                                  [1, 2]]),
    # ---- transforms (no torchvision here: the error classes only)
    Entry("transforms.Normalize", _transform("Normalize"), [[(0.5,), (0.5, 0.5)], [(0.2,), (1.0, 1.0)],
                                                            [f32(1, 4, 4), f32(2, 4, 4)]], compare="none"),
    Entry("transforms.CenterCrop", _transform("CenterCrop"), [[2, (2, 3)], [f32(1, 4, 4)]], compare="none"),
]
