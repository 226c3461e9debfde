"""Bounded reading (numnet.io.limits): non-regular files, header and metadata limits, JSON depth and duplicate keys,
one header validator for load and load_metadata, and model configs checked before anything is built."""

from __future__ import annotations

import json
import os
import tracemalloc

import numpy as np
import pytest

import numnet
from numnet import io
from numnet.errors import ArgumentError, FileFormatError
from numnet.io import limits
from numnet.io.limits import json_depth, loads_bounded


def raw_file(path, header, data=b"", header_text=None):
    text = header_text if header_text is not None else json.dumps(header)
    blob = text.encode() if isinstance(text, str) else text
    path.write_bytes(len(blob).to_bytes(8, "little") + blob + data)
    return path


READERS = (io.load, io.load_metadata, io.load_model, lambda p: io.load_checkpoint(p, numnet.nn.Linear(2, 2)))


def refused(path, match):
    for fn in READERS:
        with pytest.raises(FileFormatError, match=match):
            fn(path)


def test_json_depth_skips_strings():
    assert json_depth("[]") == 1
    assert json_depth('{"a": "[[[[{{{{", "b": [[1]]}') == 3
    assert json_depth('"\\"[[["') == 0
    assert json_depth("[" * 10_000 + "]" * 10_000) == 10_000


def test_loads_bounded_refuses_depth_duplicates_and_bad_json():
    with pytest.raises(FileFormatError, match="nested 65 levels"):
        loads_bounded("[" * 65 + "]" * 65, "x")
    assert loads_bounded("[" * 64 + "]" * 64, "x") is not None
    with pytest.raises(FileFormatError, match="key 'a' twice"):
        loads_bounded('{"a": 1, "a": 2}', "x")
    with pytest.raises(FileFormatError, match="not valid UTF-8 JSON"):
        loads_bounded(b"\xff{", "x")
    with pytest.raises(FileFormatError, match="not valid UTF-8 JSON"):
        loads_bounded("{", "x")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    refused(fifo, "FIFO")  # returning at all is the point: opening a FIFO for reading would block


def test_directory_device_and_symlink_loop_are_refused(tmp_path):
    refused(tmp_path, "directory")
    if os.path.exists("/dev/zero"):
        refused("/dev/zero", "device")
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    os.symlink(b, a)
    os.symlink(a, b)
    refused(a, "loop of symbolic links")


def test_symlink_to_a_good_file_loads(tmp_path):
    good = tmp_path / "good.safetensors"
    io.save({"w": numnet.ones(2)}, good)
    link = tmp_path / "link.safetensors"
    os.symlink(good, link)
    assert np.array_equal(io.load(link)["w"].numpy(), np.ones(2, np.float32))


def test_header_longer_than_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.safetensors"
    n = limits.MAX_HEADER_BYTES + 1
    with open(path, "wb") as f:
        f.write(n.to_bytes(8, "little") + b"{")
        f.truncate(8 + n + 16)  # sparse: nothing is written, nothing must be read
    tracemalloc.start()
    refused(path, "MAX_HEADER_BYTES")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2**20  # the length alone refuses it: the header is never read


def test_deeply_nested_header_is_a_clean_error(tmp_path):
    deep = '{"w": ' + "[" * 200_000 + "]" * 200_000 + "}"
    refused(raw_file(tmp_path / "deep.safetensors", None, header_text=deep), "MAX_JSON_DEPTH")


def test_deeply_nested_metadata_value_is_a_clean_error(tmp_path):
    path = tmp_path / "deep.safetensors"
    value = "[" * 100_000 + "]" * 100_000
    raw_file(path, {"__metadata__": {"numnet.object": value, "model_name": "mlp", "model_config": value,
                                     "format": "numnet.checkpoint", "optimizer": value}})
    for fn in (io.load, io.load_model):
        with pytest.raises(FileFormatError, match="MAX_JSON_DEPTH"):
            fn(path)
    model = numnet.nn.Linear(2, 2)
    opt = numnet.optim.SGD(model.parameters(), lr=0.1)
    ckpt = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(ckpt, model, opt)
    meta = io.load_metadata(ckpt)
    meta["optimizer"] = value
    io.save({f"model/{k}": v for k, v in model.state_dict().items()}, ckpt, metadata=meta)
    with pytest.raises(FileFormatError, match="MAX_JSON_DEPTH"):
        io.load_checkpoint(ckpt, model, opt)


def test_deep_model_card_entry_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    io.save_model(numnet.models.get_model("mlp", in_features=4, hidden=[3], num_classes=2), path)
    meta = io.load_metadata(path)
    meta["input_shape"] = "[" * 50_000 + "]" * 50_000
    io.save(io.load(path), path, metadata=meta)
    from numnet.io.model_card import read_card

    with pytest.raises(FileFormatError, match="input_shape"):
        read_card(io.load_metadata(path), path)
    with pytest.raises(ArgumentError, match="input_shape"):
        numnet.models.input_shape_of(None, {"input_shape": meta["input_shape"]})


def test_duplicate_keys_are_refused(tmp_path):
    text = ('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
            '"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}')
    refused(raw_file(tmp_path / "dup.safetensors", None, bytes(8), header_text=text), "key 'w' twice")
    text = '{"__metadata__": {"a": "1", "a": "2"}}'
    refused(raw_file(tmp_path / "dupmeta.safetensors", None, header_text=text), "key 'a' twice")


def test_too_many_tensors(tmp_path):
    header = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(limits.MAX_TENSORS + 1)}
    refused(raw_file(tmp_path / "many.safetensors", header), "MAX_TENSORS")


def test_too_much_metadata(tmp_path):
    refused(raw_file(tmp_path / "meta.safetensors", {"__metadata__": {"x": "y" * (limits.MAX_METADATA_BYTES + 1)}}),
            "MAX_METADATA_BYTES")
    many = {f"k{i}": "" for i in range(limits.MAX_METADATA_ENTRIES + 1)}
    refused(raw_file(tmp_path / "entries.safetensors", {"__metadata__": many}), "MAX_METADATA_ENTRIES")


@pytest.mark.parametrize("entry, match", [
    ({"dtype": "F32", "shape": [True, 1], "data_offsets": [0, 4]}, "bad shape"),
    ({"dtype": "F32", "shape": [1] * 33, "data_offsets": [0, 4]}, "bad shape"),
    ({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}, "bad shape"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [0, True]}, "bad shape"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}, "bad shape"),
    ({"dtype": "F32", "shape": [0, 2**60], "data_offsets": [0, 0]}, "bad shape|too large"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}, "needs 8 bytes"),
    ({"dtype": "Q4", "shape": [1], "data_offsets": [0, 4]}, "unknown dtype"),
    ({"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}, "unknown dtype"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "gap|ends at byte"),
    ({"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}, "ends at byte"),
])
def test_bad_entries_are_refused_by_load_and_load_metadata(tmp_path, entry, match):
    refused(raw_file(tmp_path / "bad.safetensors", {"w": entry}, bytes(4)), match)


def test_gap_between_tensors(tmp_path):
    header = {"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
              "b": {"dtype": "U8", "shape": [2], "data_offsets": [3, 5]}}
    refused(raw_file(tmp_path / "gap.safetensors", header, bytes(5)), "gap of 1 byte")


def test_huge_model_config_in_a_tiny_file_is_refused_fast(tmp_path):
    path = tmp_path / "tiny.safetensors"
    for name, config in (("vgg", {"width": 1_000_000}), ("mlp", {"hidden": [10**6] * 50}),
                         ("resnet", {"depth": 6 * 10**9 + 2}), ("lenet5", {"input_size": 10**7}),
                         ("mlp", {"in_features": 10**15})):
        raw_file(path, {"__metadata__": {"format": "numnet.model", "model_name": name,
                                         "model_config": json.dumps(config)}})
        assert path.stat().st_size < 1024
        tracemalloc.start()
        with pytest.raises(FileFormatError, match="refusing to build it"):
            io.load_model(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 10 * 2**20, (name, peak)


def test_bad_config_values_are_file_errors(tmp_path):
    path = tmp_path / "tiny.safetensors"
    for config in ({"width": "wide"}, {"width": True}, {"nope": 1}, {"width": 1.5}):
        raw_file(path, {"__metadata__": {"format": "numnet.model", "model_name": "vgg",
                                         "model_config": json.dumps(config)}})
        with pytest.raises(FileFormatError, match="cannot rebuild model"):
            io.load_model(path)


def test_state_size_matches_the_built_models():
    from numnet.models import get_model, state_size

    for name, config in (("lenet5", {}), ("lenet5", {"in_channels": 3, "input_size": 32, "num_classes": 7}),
                         ("vgg", {}), ("vgg", {"width": 4, "in_channels": 3, "input_size": 16}),
                         ("resnet", {}), ("resnet8", {"width": 4, "in_channels": 3}), ("mlp", {}),
                         ("mlp", {"hidden": [3, 4, 5], "in_features": 7}), ("mlp", {"hidden": 6})):
        built = sum(v.numel() for v in get_model(name, **config).state_dict().values())
        assert state_size(name, **config) == built, (name, config)


def test_save_refuses_state_the_readers_would_refuse(tmp_path):
    deep: list = []
    for _ in range(70):
        deep = [deep]
    with pytest.raises(ArgumentError, match="MAX_JSON_DEPTH"):
        io.save({"x": deep}, tmp_path / "deep.safetensors")
    assert not (tmp_path / "deep.safetensors").exists()
