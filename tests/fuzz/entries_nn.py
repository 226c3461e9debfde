"""Fuzzer entries for ``numnet.nn`` layers (constructor, then forward) and ``numnet.functional``. ``L`` is numnet's or
torch's namespace (harness.Lib); every layer entry builds the layer from its first slots and calls it on the rest."""

from __future__ import annotations

import numpy as np

from tests.fuzz.harness import Arr, Entry, f32, i64

X = f32(2, 3)
X3 = f32(2, 3, 8, seed=6)            # (N, C, L)
X4 = f32(1, 2, 6, 6, seed=2)         # (N, C, H, W)
P01 = Arr(np.random.default_rng(7).uniform(0.05, 0.95, (2, 3)).astype(np.float32), "probs(2,3)")
T01 = Arr(np.random.default_rng(8).integers(0, 2, (2, 3)).astype(np.float32), "targets01(2,3)")
TGT = Arr(np.array([0, 2]), "target(2)")
REDUCTIONS = ["mean", "sum", "none"]


def layer(cls_name: str, n_ctor: int):
    """``nn.<cls_name>(*args[:n_ctor])`` called on ``args[n_ctor:]`` (or returned when there are none)."""
    def call(L, *args):
        m = getattr(L.nn, cls_name)(*args[:n_ctor])
        return m(*args[n_ctor:]) if len(args) > n_ctor else m
    return call


def fn(name: str):
    return lambda L, *args: getattr(L.F, name)(*args)


# Parameter-free layers are deterministic: compared by value with torch's.
_ACT = [("ReLU", [], [X, X4]), ("ReLU6", [], [X]), ("Sigmoid", [], [X]), ("Tanh", [], [X]), ("SiLU", [], [X]),
        ("Mish", [], [X]), ("GELU", [["none", "tanh"]], [X]), ("Hardsigmoid", [], [X]), ("Hardswish", [], [X]),
        ("LogSigmoid", [], [X]), ("Softsign", [], [X]), ("Tanhshrink", [], [X]), ("SELU", [], [X]),
        ("ELU", [[1.0, 0.5]], [X]), ("CELU", [[1.0, 2.0]], [X]), ("LeakyReLU", [[0.01, 0.2]], [X]),
        ("Hardtanh", [[-1.0, -2], [1.0, 2]], [X]), ("Softplus", [[1, 2.0], [20, 5]], [X]),
        ("Threshold", [[0.1, 0.0], [0.0, -1.0]], [X]), ("Softmax", [[0, 1, -1]], [X]),
        ("LogSoftmax", [[0, 1, -1]], [X]), ("Softmax2d", [], [X4]), ("PReLU", [[1, 2], [0.25, 0.1]], [X4]),
        ("Identity", [], [X])]
_POOL = [("MaxPool1d", [[2, 3], [None, 1, 2]], [X3]), ("MaxPool2d", [[2, 3, (2, 2)], [None, 1, 2]], [X4]),
         ("AvgPool1d", [[2, 3], [None, 1, 2]], [X3]), ("AvgPool2d", [[2, 3], [None, 1, 2]], [X4]),
         ("AdaptiveAvgPool1d", [[1, 2, 3]], [X3]), ("AdaptiveAvgPool2d", [[1, 2, (2, 3)]], [X4]),
         ("AdaptiveMaxPool1d", [[1, 2, 3]], [X3]), ("AdaptiveMaxPool2d", [[1, 2, (2, 3)]], [X4])]
_PAD = [("ZeroPad1d", [[1, (1, 2)]], [X3]), ("ZeroPad2d", [[1, (1, 2, 0, 1)]], [X4]),
        ("ConstantPad1d", [[1, (1, 2)], [0.5, 0]], [X3]), ("ConstantPad2d", [[1, (1, 2, 0, 1)], [0.5, 0]], [X4]),
        ("ReflectionPad1d", [[1, (2, 1)]], [X3]), ("ReflectionPad2d", [[1, (1, 2, 0, 1)]], [X4]),
        ("ReplicationPad1d", [[1, (2, 1)]], [X3]), ("ReplicationPad2d", [[1, (1, 2, 0, 1)]], [X4]),
        ("CircularPad1d", [[1, (2, 1)]], [X3]), ("CircularPad2d", [[1, (1, 2, 0, 1)]], [X4])]
_SHAPE = [("Flatten", [[1, 0], [-1, 2]], [X4]), ("Unflatten", [[1, -1], [(2, 3), (3, 2)]], [f32(2, 6)]),
          ("Upsample", [[4, (4, 8), None], [None, 2]], [X4]),
          ("UpsamplingNearest2d", [[4, (4, 8), None], [None, 2]], [X4]),
          ("UpsamplingBilinear2d", [[4, (4, 8), None], [None, 2]], [X4])]
_LOSS = [("MSELoss", [REDUCTIONS], [X], [f32(2, 3, seed=5)]),
         ("CrossEntropyLoss", [[None], [-100, 1], REDUCTIONS, [0.0, 0.1]], [X], [TGT]),
         ("NLLLoss", [[None], [-100, 1], REDUCTIONS], [X], [TGT]),
         ("BCELoss", [[None], REDUCTIONS], [P01], [T01]),
         ("BCEWithLogitsLoss", [[None], REDUCTIONS], [X], [T01])]
_LOSS_KW = {"MSELoss": ("reduction",), "CrossEntropyLoss": ("weight", "ignore_index", "reduction", "label_smoothing"),
            "NLLLoss": ("weight", "ignore_index", "reduction"), "BCELoss": ("weight", "reduction"),
            "BCEWithLogitsLoss": ("weight", "reduction")}


def loss(cls_name: str):
    """``nn.<cls_name>(**settings)(input, target)``, the settings by keyword (PyTorch's positional
    ``size_average``/``reduce`` are deprecated and not in numnet)."""
    names = _LOSS_KW[cls_name]

    def call(L, *args):
        m = getattr(L.nn, cls_name)(**dict(zip(names, args)))
        return m(*args[len(names):])
    return call


# Layers with parameters: random initial weights, so compared by shape and dtype.
_PARAM = [("Linear", [[3, 2], [4, 1], [True, False]], [X, X4]),
          ("Conv1d", [[3, 1], [2], [3, 1], [1, 2], [0, 1, "same"]], [X3, X]),
          ("Conv2d", [[2, 1], [3], [3, 1], [1, 2], [0, 1, "valid"]], [X4, X]),
          ("ConvTranspose1d", [[3], [2, 1], [3, 2], [1, 2]], [X3]),
          ("ConvTranspose2d", [[2], [3, 1], [3, 2], [1, 2]], [X4]),
          ("BatchNorm1d", [[3, 2], [1e-5, 0.1], [0.1, None]], [X3, X]),
          ("BatchNorm2d", [[2, 3], [1e-5], [0.1, None]], [X4, X]),
          ("InstanceNorm1d", [[3], [1e-5]], [X3]), ("InstanceNorm2d", [[2], [1e-5]], [X4]),
          ("LayerNorm", [[3, (2, 3), [6]], [1e-5, 0.1]], [X, X4]),
          ("GroupNorm", [[1, 2], [2, 4], [1e-5]], [X4]),
          ("Embedding", [[5, 3], [2], [None, 0, 1]], [i64(4)]),
          ("Dropout", [[0.0, 0.5, 1.0]], [X]), ("Dropout1d", [[0.0, 0.5]], [X3]),
          ("Dropout2d", [[0.0, 0.5]], [X4]), ("Dropout3d", [[0.0, 0.5]], [f32(1, 2, 2, 3, 3)]),
          ("AlphaDropout", [[0.0, 0.5]], [X])]

def _sequential(L, *mods):
    """``Sequential(*mods)`` on a (2, 3) input; the words "relu"/"tanh" stand for those modules in each library."""
    names = {"relu": "ReLU", "tanh": "Tanh"}
    built = [getattr(L.nn, names[m])() if isinstance(m, str) and m in names else m for m in mods]
    return L.nn.Sequential(*built)(L.lib.ones(2, 3))


NN_ENTRIES: list[Entry] = [
    *[Entry(f"nn.{n}", layer(n, len(c)), [*c, x]) for n, c, x in _ACT + _POOL + _PAD + _SHAPE],
    *[Entry(f"nn.{n}", loss(n), [*c, a, b]) for n, c, a, b in _LOSS],
    *[Entry(f"nn.{n}", layer(n, len(c)), [*c, x], compare="shape") for n, c, x in _PARAM],
    # containers
    Entry("nn.Sequential", _sequential, [["relu", None], ["tanh"]], compare="shape"),
    Entry("nn.ModuleList", lambda L, ms: len(L.nn.ModuleList(ms)), [[[], (), None]]),
    Entry("nn.ModuleDict", lambda L, ms: len(L.nn.ModuleDict(ms)), [[{}, None, []]]),
    Entry("nn.Parameter", lambda L, d, rg: L.nn.Parameter(d, rg), [[X, f32(3)], [True, False]]),
]
F_ENTRIES: list[Entry] = [
    Entry("F.conv1d", lambda L, x, w, s, p, d: L.F.conv1d(x, w, None, s, p, d),
          [[X3], [f32(2, 3, 3, seed=9)], [1, 2], [0, 1, "same"], [1, 2]]),
    Entry("F.conv_transpose1d", lambda L, x, w, s, p, op: L.F.conv_transpose1d(x, w, None, s, p, op),
          [[X3], [f32(3, 2, 3, seed=9)], [1, 2], [0, 1], [0, 1]]),
    Entry("F.conv_transpose2d", lambda L, x, w, s, p, op: L.F.conv_transpose2d(x, w, None, s, p, op),
          [[X4], [f32(2, 3, 3, 3, seed=9)], [1, 2], [0, 1], [0, 1]]),
    Entry("F.conv2d[groups]", lambda L, x, w, g, d: L.F.conv2d(x, w, None, 1, 1, d, g),
          [[X4], [f32(2, 1, 3, 3, seed=9), f32(4, 1, 3, 3, seed=9)], [2, 1], [1, 2]]),
    Entry("F.max_pool1d", lambda L, x, k, s, p: L.F.max_pool1d(x, k, s, p), [[X3], [2, 3], [None, 1], [0, 1]]),
    Entry("F.avg_pool1d", lambda L, x, k, s, p: L.F.avg_pool1d(x, k, s, p), [[X3], [2, 3], [None, 1], [0, 1]]),
    Entry("F.max_pool2d[ceil]", lambda L, x, k, s, p, c: L.F.max_pool2d(x, k, s, p, 1, c),
          [[X4], [2, 3], [None, 2], [0, 1], [True, False]]),
    Entry("F.avg_pool2d[pad]", lambda L, x, k, s, p, c, i: L.F.avg_pool2d(x, k, s, p, c, i),
          [[X4], [2, 3], [None, 2], [0, 1], [True, False], [True, False]]),
    Entry("F.adaptive_avg_pool1d", fn("adaptive_avg_pool1d"), [[X3], [1, 3, 5]]),
    Entry("F.adaptive_max_pool1d", fn("adaptive_max_pool1d"), [[X3], [1, 3, 5]]),
    Entry("F.adaptive_max_pool2d", fn("adaptive_max_pool2d"), [[X4], [1, 2, (2, 3), (None, 2)]]),
    Entry("F.batch_norm", lambda L, x, rm, rv, tr, mo, eps: L.F.batch_norm(x, rm, rv, None, None, tr, mo, eps),
          [[X4], [f32(2, seed=3)], [Arr(np.ones(2, np.float32), "ones(2)")], [False], [0.1], [1e-5, 0.1]]),
    Entry("F.layer_norm", lambda L, x, s, eps: L.F.layer_norm(x, s, None, None, eps), [[X], [(3,), (2, 3)], [1e-5]]),
    Entry("F.group_norm", lambda L, x, g, eps: L.F.group_norm(x, g, None, None, eps), [[X4], [1, 2], [1e-5]]),
    Entry("F.instance_norm", lambda L, x, eps: L.F.instance_norm(x, eps=eps), [[X4, X3], [1e-5, 0.1]]),
    Entry("F.embedding", lambda L, i, w, p: L.F.embedding(i, w, p), [[i64(4)], [f32(5, 2)], [None, 0, 1]]),
    Entry("F.nll_loss", lambda L, x, t, r: L.F.nll_loss(x, t, reduction=r), [[X], [TGT], REDUCTIONS]),
    Entry("F.cross_entropy[smoothing]", lambda L, x, t, ls: L.F.cross_entropy(x, t, label_smoothing=ls),
          [[X], [TGT, Arr(np.full((2, 3), 1 / 3, np.float32), "soft(2,3)")], [0.0, 0.1]]),
    Entry("F.binary_cross_entropy", lambda L, p, t, r: L.F.binary_cross_entropy(p, t, reduction=r),
          [[P01], [T01], REDUCTIONS]),
    Entry("F.binary_cross_entropy_with_logits",
          lambda L, x, t, pw: L.F.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
          [[X], [T01], [None, Arr(np.full(3, 2.0, np.float32), "pos_weight(3)")]]),
    *[Entry(f"F.{n}", fn(n), [[X, X4]]) for n in ("sigmoid", "tanh", "silu", "mish", "selu", "hardsigmoid",
                                                  "hardswish", "relu6", "logsigmoid", "softsign", "tanhshrink")],
    Entry("F.gelu", lambda L, x, a: L.F.gelu(x, approximate=a), [[X], ["none", "tanh"]]),
    Entry("F.elu", fn("elu"), [[X], [1.0, 0.5]]),
    Entry("F.celu", fn("celu"), [[X], [1.0, 2.0]]),
    Entry("F.softplus", fn("softplus"), [[X], [1, 2.0], [20, 5]]),
    Entry("F.hardtanh", fn("hardtanh"), [[X], [-1.0, -2], [1.0, 2]]),
    Entry("F.threshold", fn("threshold"), [[X], [0.1, 0.0], [0.0, -1.0]]),
    Entry("F.prelu", fn("prelu"), [[X4], [Arr(np.full(1, 0.25, np.float32), "w(1)"),
                                          Arr(np.full(2, 0.1, np.float32), "w(2)")]]),
    Entry("F.flatten", lambda L, x, a, b: L.lib.flatten(x, a, b), [[X4], [0, 1], [-1, 2]]),
    Entry("F.dropout2d", lambda L, x, p, t: L.F.dropout2d(x, p, t), [[X4], [0.0, 0.5], [True, False]],
          compare="shape"),
    Entry("F.alpha_dropout", lambda L, x, p, t: L.F.alpha_dropout(x, p, t), [[X], [0.0, 0.5], [True, False]],
          compare="shape"),
    Entry("F.interpolate[align]", lambda L, x, s, ac: L.F.interpolate(x, size=s, mode="bilinear", align_corners=ac),
          [[X4], [3, (4, 8)], [True, False]]),
]
