"""Run an exported ONNX model in the two reference runtimes: onnxruntime (CPU) and onnx's reference evaluator."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun
from onnx.reference.ops.op_conv_transpose import ConvTranspose as _RefConvTranspose
from onnx.reference.ops.op_max_pool import MaxPool as _RefMaxPool

import numnet


class BatchNormalization(OpRun):
    """Inference-form BatchNormalization for the reference evaluator.

    onnx's own BatchNormalization_9 (used for opsets 9–13) fills in the schema's default ``momentum`` and then takes
    the training branch, mixing batch statistics into the output; onnxruntime and the operator's specification use
    the stored statistics. This is the specification's formula, so opset-13 files are checked against it too.
    """

    op_domain = ""

    def _run(self, x, scale, bias, mean, var, epsilon=None, momentum=None, training_mode=None):
        sh = (-1,) + (1,) * (x.ndim - 2)
        y = scale.reshape(sh) * (x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + epsilon) + bias.reshape(sh)
        return (y.astype(x.dtype),)


class ConvTranspose(OpRun):
    """onnx's reference ConvTranspose, run once per group (its own implementation reshapes grouped weights wrongly
    and fails for ``group > 1``); each group's result is the reference's, concatenated along the channels."""

    op_domain = ""

    def _run(self, X, W, B=None, group=None, **attrs):
        group = group or 1
        if group == 1:
            return _RefConvTranspose._run(self, X, W, B, group=1, **attrs)
        ci, co = X.shape[1] // group, W.shape[1]
        parts = [_RefConvTranspose._run(self, X[:, g * ci:(g + 1) * ci], W[g * ci:(g + 1) * ci],
                                        None if B is None else B[g * co:(g + 1) * co], group=1, **attrs)[0]
                 for g in range(group)]
        return (np.concatenate(parts, axis=1),)


class MaxPool(_RefMaxPool):
    """onnx's reference MaxPool with ``ceil_mode`` written as explicit −inf padding on the right.

    The reference sizes a ceil_mode output without the rule that the last window must start inside the input or
    its left padding (onnxruntime and PyTorch keep it: 3×3, stride 1, padding 1 on 6×6 gives 8×8 instead of 6×6).
    The windows themselves are still the reference's.
    """

    op_domain = ""

    def _run(self, x, auto_pad=None, ceil_mode=None, dilations=None, kernel_shape=None, pads=None,
             storage_order=None, strides=None):
        if ceil_mode:
            nd = len(kernel_shape)
            pads = list(pads or [0] * 2 * nd)
            strides = strides or [1] * nd
            dilations = dilations or [1] * nd
            extra = []
            for i in range(nd):
                size, k = x.shape[2 + i], (kernel_shape[i] - 1) * dilations[i] + 1
                span = size + pads[i] + pads[i + nd] - k
                o = -(-span // strides[i]) + 1
                if (o - 1) * strides[i] >= size + pads[i]:
                    o -= 1
                extra.append(max(0, (o - 1) * strides[i] + k - (size + pads[i] + pads[i + nd])))
            x = np.pad(x, [(0, 0), (0, 0)] + [(0, e) for e in extra], constant_values=-np.inf)
        return super()._run(x, auto_pad=auto_pad, ceil_mode=0, dilations=dilations, kernel_shape=kernel_shape,
                            pads=pads, storage_order=storage_order, strides=strides)


def runtimes(proto: onnx.ModelProto):
    """``(name, run)`` for onnxruntime and the reference evaluator; ``run(feeds) -> list of outputs``."""
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    ref = ReferenceEvaluator(proto, new_ops=[BatchNormalization, ConvTranspose, MaxPool])
    return [("onnxruntime", lambda feeds: sess.run(None, feeds)), ("reference", lambda feeds: ref.run(None, feeds))]


def rel_diff(got: np.ndarray, want: np.ndarray) -> float:
    """max |got − want| relative to the output's scale (max |want|, at least 1)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.max(np.abs(got - want), initial=0.0) / max(1.0, float(np.max(np.abs(want), initial=0.0))))


def numnet_outputs(model, inputs) -> list[np.ndarray]:
    with numnet.no_grad():
        out = model(*[numnet.tensor(x) for x in inputs])
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [o.numpy() for o in outs]


def check_model(model, inputs_for_batch, opset: int = 17, batches=(1, 7), tol: float = 1e-4,
                input_names=None) -> float:
    """Export ``model`` once (symbolic batch) and compare both runtimes with numnet at each batch size.

    ``inputs_for_batch(b)`` gives the list of input arrays for batch size ``b``. Returns the largest difference.
    """
    model.eval()
    proto = numnet.onnx.export(model, [numnet.tensor(x) for x in inputs_for_batch(2)], None, opset=opset,
                               input_names=input_names)
    names = [i.name for i in proto.graph.input]
    worst = 0.0
    for name, run in runtimes(proto):
        for b in batches:
            xs = inputs_for_batch(b)
            want = numnet_outputs(model, xs)
            got = run(dict(zip(names, xs)))
            assert len(got) == len(want)
            for g, w in zip(got, want):
                d = rel_diff(g, w)
                assert d <= tol, f"{name}, batch {b}: difference {d:.3g}"
                worst = max(worst, d)
    return worst
