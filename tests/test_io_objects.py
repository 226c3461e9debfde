"""numnet.save / numnet.load with PyTorch's checkpoint idiom: nested dicts of state_dicts, numbers and strings,
in safetensors (never pickle), whatever the suffix."""

import json

import numpy as np
import pytest

import numnet
from numnet import nn
from numnet.errors import ArgumentError, DeviceError, DTypeError, FileFormatError


def _trained(seed=0):
    numnet.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    opt = numnet.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(2):
        opt.zero_grad()
        y = model(numnet.randn(5, 3))
        (y * y).mean().backward()
        opt.step()
    return model, opt


def test_checkpoint_idiom_round_trips_into_a_fresh_model_and_optimizer(tmp_path):
    model, opt = _trained()
    path = tmp_path / "ckpt.pt"  # any suffix: the file is safetensors
    numnet.save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
                 "loss": 0.3, "note": "best", "flags": [True, None], "shape": (2, 3)}, path)
    assert int.from_bytes(path.read_bytes()[:8], "little") > 0  # safetensors' header length, not a zip/pickle
    ckpt = numnet.load(path, map_location="cpu", weights_only=True)
    assert ckpt["epoch"] == 3 and ckpt["loss"] == 0.3 and ckpt["note"] == "best"
    assert ckpt["flags"] == [True, None] and ckpt["shape"] == (2, 3)
    assert list(ckpt["model_state_dict"]) == list(model.state_dict())
    assert all(isinstance(v, numnet.Tensor) for v in ckpt["model_state_dict"].values())

    fresh, fresh_opt = _trained(seed=1)
    assert tuple(fresh.load_state_dict(ckpt["model_state_dict"])) == ([], [])
    fresh_opt.load_state_dict(ckpt["optimizer_state_dict"])
    for (k, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a._data, b._data, err_msg=k)
        assert a.dtype == b.dtype, k
    x = numnet.randn(4, 3)
    for m, o in ((model, opt), (fresh, fresh_opt)):  # one more step gives the same weights
        o.zero_grad()
        y = m(x)
        (y * y).mean().backward()
        o.step()
    for a, b in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(a._data, b._data)


def test_plain_state_dict_file_has_the_keys_as_tensor_names_and_loads_as_tensors(tmp_path):
    import safetensors.numpy

    model, _ = _trained()
    numnet.save(model.state_dict(), tmp_path / "m.pth")
    assert sorted(safetensors.numpy.load_file(str(tmp_path / "m.pth"))) == sorted(model.state_dict())
    assert numnet.load_metadata(tmp_path / "m.pth") == {}
    got = numnet.load(tmp_path / "m.pth", weights_only=False)  # accepted: numnet never unpickles either way
    assert list(got) == list(model.state_dict())  # PyTorch's order, not the file's sorted one
    assert all(isinstance(v, numnet.Tensor) for v in got.values())
    model.load_state_dict(got)
    safetensors.numpy.save_file({"w": np.ones(2, np.float32)}, str(tmp_path / "foreign.safetensors"))
    foreign = numnet.load(tmp_path / "foreign.safetensors")
    assert isinstance(foreign["w"], numnet.Tensor) and foreign["w"].tolist() == [1.0, 1.0]


def test_structure_keeps_key_types_arrays_and_nesting(tmp_path):
    obj = {"by_int": {0: numnet.ones(2), 7: "x"}, "arr": np.arange(3), "list": [numnet.zeros(1), [1.5, np.int64(4)]],
           "__private": 1}
    numnet.save(obj, tmp_path / "o.bin")
    got = numnet.load(tmp_path / "o.bin")
    assert set(got["by_int"]) == {0, 7} and isinstance(got["by_int"][0], numnet.Tensor)
    assert type(got["arr"]) is np.ndarray and got["arr"].tolist() == [0, 1, 2]
    assert got["list"][1][0] == 1.5 and got["list"][1][1] == 4 and got["__private"] == 1
    for header_bytes in range(600, 700):  # header lengths whose first bytes look like a pickle's (0x80 0x02)
        numnet.save({"k": "x" * header_bytes}, tmp_path / "p.bin")
        assert numnet.load(tmp_path / "p.bin") == {"k": "x" * header_bytes}
    numnet.save([numnet.ones(2), 3], tmp_path / "l.bin")  # a top-level list
    got = numnet.load(tmp_path / "l.bin")
    assert isinstance(got, list) and got[1] == 3 and got[0].tolist() == [1.0, 1.0]


def test_map_location_and_flags(tmp_path):
    path = tmp_path / "a.pt"
    numnet.save({"a": numnet.ones(1)}, path)
    for ok in (None, "cpu", numnet.device("cpu"), {"cuda:0": "cpu"}):
        assert numnet.load(path, map_location=ok)["a"].tolist() == [1.0]
    for bad in ("cuda", "cuda:0", {"cpu": "cuda:1"}):
        with pytest.raises(DeviceError, match="CPU only"):
            numnet.load(path, map_location=bad)
    with pytest.raises(DTypeError, match="map_location"):
        numnet.load(path, map_location=lambda storage, loc: storage)
    with pytest.raises(ArgumentError, match="never unpickles"):
        numnet.load(path, None, object())
    with pytest.raises(DTypeError, match="weights_only"):
        numnet.load(path, weights_only="yes")


def test_bad_objects_and_files_are_refused_cleanly(tmp_path):
    model, _ = _trained()
    with pytest.raises(ArgumentError, match=r"model.state_dict\(\)"):
        numnet.save(model, tmp_path / "x.pt")
    with pytest.raises(ArgumentError, match="cannot store a builtin_function_or_method at fn"):
        numnet.save({"fn": print}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []  # nothing written on error
    path = tmp_path / "good.pt"
    numnet.save({"epoch": 1, "w": numnet.ones(2)}, path)
    old = path.read_bytes()
    with pytest.raises(ArgumentError):
        numnet.save({"epoch": 2, "bad": object()}, path)
    assert path.read_bytes() == old  # the old file survives a failed save (atomic write)

    raw = bytearray(old)
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    header["__metadata__"]["numnet.object"] = json.dumps({"w": {"__tensor__": "missing", "type": "tensor"}})
    new_header = json.dumps(header).encode()
    (tmp_path / "broken.pt").write_bytes(len(new_header).to_bytes(8, "little") + new_header + bytes(raw[8 + n:]))
    with pytest.raises(FileFormatError, match="missing"):
        numnet.load(tmp_path / "broken.pt")
    (tmp_path / "torch.pt").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(FileFormatError, match="zip"):
        numnet.load(tmp_path / "torch.pt")
    (tmp_path / "trunc.pt").write_bytes(old[:-3])
    with pytest.raises(FileFormatError, match="truncated"):
        numnet.load(tmp_path / "trunc.pt")
