"""``numnet.onnx.export``: write a traced, lowered model (:mod:`numnet.onnx._lower`) as an ONNX file.

The graph is built with ``onnx.helper``; the weights are initializers under their numnet names
(``features.0.weight``); the batch dimension is the symbolic ``batch`` when ``dynamic_batch`` is set. The file's
``ir_version`` is the lowest the opset allows, so older runtimes load it, and ``onnx.checker.check_model(...,
full_check=True)`` runs on it before it is written (atomically).
"""

from __future__ import annotations

import os
from typing import Any, Iterable

import numpy as np

from numnet.errors import ExportError
from numnet.nn.module import Module
from numnet.onnx._lower import ONNX_DTYPES, Lowered, lower
from numnet.onnx.trace import BATCH, trace

# reductions whose ``axes`` became an input only in opset 18 (ReduceSum: 13)
_AXES_ATTR_BEFORE_18 = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                        "ReduceLogSumExp", "ReduceSumSquare"}


def require_onnx(what: str) -> Any:
    """The ``onnx`` package, or an error saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ImportError(f"{what} needs the onnx package: pip install 'numnet[onnx]' (or pip install onnx)") from None
    return onnx


def to_model_proto(low: Lowered, producer: str = "numnet") -> Any:
    """An ``onnx.ModelProto`` of ``low``, checked with ``onnx.checker`` (full check)."""
    onnx = require_onnx("numnet.onnx.export")
    from onnx import TensorProto, helper, numpy_helper

    from numnet import __version__

    consts = dict(low.initializers)
    nodes = []
    for nd in low.nodes:
        inputs, attrs = list(nd.inputs), dict(nd.attrs)
        if low.opset < 18 and nd.op_type in _AXES_ATTR_BEFORE_18 and len(inputs) > 1:
            attrs["axes"] = [int(a) for a in np.asarray(consts[inputs[1]]).ravel()]
            inputs = inputs[:1]
        nodes.append(helper.make_node(nd.op_type, inputs, nd.outputs, name=nd.name, **attrs))
    used = {v for n in nodes for v in n.input}
    # (np.ascontiguousarray would turn a 0-d array into a 1-d one)
    inits = [numpy_helper.from_array(np.array(arr, order="C"), name) for name, arr in consts.items() if name in used]

    def info(name: str, shape: tuple, dtype: np.dtype) -> Any:
        if np.dtype(dtype) not in ONNX_DTYPES:
            raise ExportError(f"onnx.export: {name} has dtype {dtype}, which ONNX files here do not hold")
        dims = ["batch" if d is BATCH else int(d) for d in shape]
        return helper.make_tensor_value_info(name, ONNX_DTYPES[np.dtype(dtype)], dims)

    graph = helper.make_graph(nodes, low.model_type or "numnet_model",
                              [info(*i) for i in low.inputs], [info(*o) for o in low.outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", low.opset)],
                              producer_name=producer, producer_version=__version__)
    model.ir_version = helper.find_min_ir_version_for(list(model.opset_import))
    del TensorProto
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as exc:  # a bug in the writer, never the user's fault: say so plainly
        raise ExportError(f"onnx.export: the written graph failed onnx.checker ({exc}); please report this") from exc
    return model


def export(model: Module, example_input: Any, path: str | os.PathLike | None = None, opset: int = 17,
           dynamic_batch: bool = True, input_names: Iterable[str] | None = None) -> Any:
    """Write ``model`` as an ONNX file traced from one forward pass on ``example_input``.

    Like ``torch.onnx.export(model, (x,), path)``: the model runs once in eval mode (then gets its mode back), every
    numnet op it calls is recorded, and the ops are written as ONNX operators at ``opset`` (13–21). Residual
    additions, concatenations, reshapes and arithmetic with constants are part of the trace, so any Module works,
    not only ``Sequential``.

    Args:
        model: the Module to export.
        example_input: a Tensor or array (or a tuple of them, one per model input) of the shape the model takes,
            batch dimension first.
        path: where to write the file (atomically); ``None`` writes nothing and only returns the model proto.
        opset: the ONNX opset (default 17).
        dynamic_batch: give the file a symbolic batch dimension ``batch`` (default), so one file takes any batch
            size; ``False`` fixes the example's batch size.
        input_names: names of the graph inputs (default ``input``, or ``input_0``, ``input_1``, ...).

    Returns:
        The ``onnx.ModelProto``.

    Raises:
        ExportError: an op or option with no ONNX form (the message lists each, with its module path), or a model
            whose computation depends on its input's values in a way a graph cannot hold (checked by a second
            trace on other values; see :mod:`numnet.onnx.trace`).
    """
    if not isinstance(model, Module):
        raise ExportError(f"onnx.export: expected model to be a numnet Module, got {type(model).__name__}")
    if not isinstance(dynamic_batch, bool):
        raise ExportError(f"onnx.export: expected dynamic_batch to be a bool, got {dynamic_batch!r}")
    require_onnx("numnet.onnx.export")
    graph = trace(model, example_input, dynamic_batch=dynamic_batch, input_names=input_names)
    proto = to_model_proto(lower(graph, opset))
    if path is not None:
        from numnet.io.atomic import atomic_write_bytes

        atomic_write_bytes(os.fspath(path), proto.SerializeToString())
    return proto
