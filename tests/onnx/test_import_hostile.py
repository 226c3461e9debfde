"""Hostile and broken ONNX files: numnet.onnx.load refuses each with a numnet error (at load time, or at forward before
anything big is allocated), and every file of the hostile corpus (tests/hostile_files.py) is refused as well."""

from __future__ import annotations

import os
import sys
import tracemalloc

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import numnet
from numnet.errors import FileFormatError, NumnetError, ShapeError, UnsupportedOpError

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from hostile_files import generate  # noqa: E402

X = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
BIG = 10**6


def _model(nodes, inits=(), opset=17):
    g = helper.make_graph(nodes, "g", [X], [Y], list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m.SerializeToString()


def _i64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def _cases():
    short = numpy_helper.from_array(np.zeros(3, np.float32), "w")
    short.raw_data = b"\0" * 5
    no_data = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[BIG, BIG])
    external = numpy_helper.from_array(np.zeros(3, np.float32), "w")
    external.ClearField("raw_data")
    external.data_location = TensorProto.EXTERNAL
    entry = external.external_data.add()
    entry.key, entry.value = "location", "../../../../etc/passwd"
    body = helper.make_graph([helper.make_node("Identity", ["x"], ["z"])], "b", [],
                             [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)])
    add_w = [helper.make_node("Add", ["x", "w"], ["y"])]
    return {
        # (file, error type, words in the message)
        "initializer shorter than its dims": (_model(add_w, [short]), FileFormatError, "initializer"),
        "initializer of 10^12 elements without data": (_model(add_w, [no_data]), FileFormatError, "initializer"),
        "external data escaping the folder": (_model(add_w, [external]), FileFormatError, "external"),
        "a cycle": (_model([helper.make_node("Relu", ["b"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
                            helper.make_node("Add", ["x", "a"], ["y"])]), FileFormatError, "cycle"),
        "an If with subgraphs": (_model([helper.make_node("Constant", [], ["c"],
                                                          value=numpy_helper.from_array(np.array(True))),
                                         helper.make_node("If", ["c"], ["y"], then_branch=body,
                                                          else_branch=body)]), UnsupportedOpError, "If"),
        "an op from another domain": (_model([helper.make_node("Relu", ["x"], ["y"], domain="com.evil")]),
                                      UnsupportedOpError, "com.evil"),
        "opset 99": (_model([helper.make_node("Relu", ["x"], ["y"])], opset=99), FileFormatError, "opset up to 21"),
        "ConstantOfShape of 10^12": (_model([helper.make_node("ConstantOfShape", ["s"], ["c"]),
                                             helper.make_node("Add", ["x", "c"], ["y"])], [_i64("s", [BIG, BIG])]),
                                     ShapeError, "more than this machine's memory"),
        "Tile by 10^12": (_model([helper.make_node("Tile", ["x", "r"], ["y"])], [_i64("r", [BIG, BIG])]),
                          ShapeError, "more than this machine's memory"),
        "Expand to 10^13": (_model([helper.make_node("Expand", ["x", "r"], ["y"])], [_i64("r", [10**7, BIG, 3])]),
                            ShapeError, "broadcasts to"),
        "Range of 10^12": (_model([helper.make_node("Range", ["a", "b", "d"], ["r"]),
                                   helper.make_node("Add", ["x", "r"], ["y"])],
                                  [_i64("a", 0), _i64("b", 10**12), _i64("d", 1)]),
                           ShapeError, "more than this machine's memory"),
        "Range with delta 0": (_model([helper.make_node("Range", ["a", "b", "d"], ["r"]),
                                       helper.make_node("Add", ["x", "r"], ["y"])],
                                      [_i64("a", 0), _i64("b", 3), _i64("d", 0)]), NumnetError, "non-zero delta"),
        "Pad by 10^11": (_model([helper.make_node("Pad", ["x", "p"], ["y"])], [_i64("p", [0, 10**11, 0, 10**11])]),
                         ShapeError, "more than this machine's memory"),
        "Reshape to 10^18": (_model([helper.make_node("Reshape", ["x", "s"], ["y"])], [_i64("s", [10**9, 10**9])]),
                             ShapeError, "reshape"),
        "Resize by 10^6": (_model([helper.make_node("Unsqueeze", ["x", "ax"], ["x4"]),
                                   helper.make_node("Resize", ["x4", "", "sc"], ["y"], mode="nearest")],
                                  [_i64("ax", [0, 1]), numpy_helper.from_array(
                                      np.array([1, 1, 1e6, 1e6], np.float32), "sc")], opset=13),
                           ShapeError, "more than this machine's memory"),
        "Conv whose weight does not fit its input": (
            _model([helper.make_node("Unsqueeze", ["x", "ax"], ["x4"]), helper.make_node("Conv", ["x4", "w"], ["y"])],
                   [_i64("ax", [0, 1]), numpy_helper.from_array(np.zeros((2, 5, 1, 1), np.float32), "w")]),
            ShapeError, "expected input (N, 5, H, W)"),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_onnx_file_is_refused(name):
    data, error, words = CASES[name]
    tracemalloc.start()
    try:
        with pytest.raises(error) as info:
            net = numnet.onnx.load(data)
            net(numnet.randn(2, 3))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert words.lower() in str(info.value).lower()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB traced while refusing"


def test_hostile_corpus_is_refused_by_onnx_load(tmp_path):
    """Every safetensors/pickle/zip file of the hostile corpus is not an ONNX model: a numnet error, never more."""
    refused = 0
    for case in generate(tmp_path):
        if not case.path.is_file():
            continue
        with pytest.raises(NumnetError):
            numnet.onnx.load(case.path)
        refused += 1
    assert refused >= 100, refused
