"""``numnet.load`` reads ``torch.save`` files without torch and without running anything from them (issue 14,
part 3): every tensor bitwise equal to ``torch.load``'s, and a corpus of hostile files refused with a numnet error
while the payload they carry never runs. torch is the reference here only: numnet's reader never imports it."""

from __future__ import annotations

import collections
import importlib
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import numnet
from numnet.errors import FileFormatError


def _same(ref, got, path="obj"):
    """``got`` (numnet.load) equals ``ref`` (torch.load): same structure and types, tensors bitwise equal."""
    if isinstance(ref, torch.Tensor):
        ref = ref.detach()
        want = ref.float().numpy() if ref.dtype == torch.bfloat16 else ref.numpy()
        assert isinstance(got, numnet.Tensor), path
        assert got.shape == tuple(ref.shape) and got.numpy().dtype == want.dtype, path
        assert np.array_equal(got.numpy(), want, equal_nan=want.dtype.kind == "f"), path
        return
    assert type(got) is type(ref) or isinstance(ref, collections.OrderedDict) and isinstance(got, dict), path
    if isinstance(ref, dict):
        assert list(got) == list(ref), path
        for k in ref:
            _same(ref[k], got[k], f"{path}[{k!r}]")
    elif isinstance(ref, (list, tuple)):
        assert len(got) == len(ref), path
        for i, (a, b) in enumerate(zip(ref, got)):
            _same(a, b, f"{path}[{i}]")
    else:
        assert got == ref or (got != got and ref != ref), (path, got, ref)


def _roundtrip(obj, tmp_path, name="x.pt"):
    """Save ``obj`` with torch in both formats (zip and legacy); numnet reads each as torch does."""
    for legacy in (False, True):
        path = tmp_path / (("legacy-" if legacy else "") + name)
        torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
        ref = torch.load(path, weights_only=True)
        got = numnet.load(path)
        _same(ref, got)
    return got


def _torch_models():
    tnn = torch.nn
    torch.manual_seed(0)
    lenet = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(6, 16, 5),
                           tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(),
                           tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))
    bn = tnn.Sequential(tnn.Conv2d(3, 8, 3), tnn.BatchNorm2d(8), tnn.ReLU(), tnn.Conv2d(8, 8, 3, groups=8),
                        tnn.AdaptiveAvgPool2d(1), tnn.Flatten(), tnn.Linear(8, 4))
    bn.train()(torch.randn(4, 3, 10, 10))  # running statistics and num_batches_tracked move
    others = tnn.ModuleDict({"ln": tnn.LayerNorm(5), "gn": tnn.GroupNorm(2, 4), "emb": tnn.Embedding(7, 3),
                             "ct": tnn.ConvTranspose2d(2, 3, 3), "bn1": tnn.BatchNorm1d(6), "prelu": tnn.PReLU(3),
                             "c1": tnn.Conv1d(2, 4, 3), "in": tnn.InstanceNorm2d(3, affine=True)})
    return {"lenet": lenet, "bn": bn, "others": others}


@pytest.mark.parametrize("name", ["lenet", "bn", "others"])
def test_state_dicts_read_bitwise(name, tmp_path):
    got = _roundtrip(_torch_models()[name].state_dict(), tmp_path)
    assert isinstance(got, dict) and got


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64,
                                   torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool])
def test_every_dtype(dtype, tmp_path):
    x = (torch.arange(-6, 6) * 7).reshape(3, 4)
    x = x > 0 if dtype == torch.bool else x.to(dtype)
    got = _roundtrip({"x": x, "scalar": x[1, 2].clone(), "empty": x[:0]}, tmp_path)
    assert got["x"].dtype == (np.float32 if dtype == torch.bfloat16 else got["x"].numpy().dtype)


def test_views_shared_storage_and_strides(tmp_path):
    base = torch.arange(24.0).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "row": base[2], "col": base[:, 3], "step": base[::2, 1::3],
           "offset": base.view(-1)[5:17].view(3, 4), "expanded": torch.ones(3)[None].expand(4, 3)}
    got = _roundtrip(obj, tmp_path)
    assert got["t"].shape == (6, 4) and got["expanded"].shape == (4, 3)


def test_optimizer_state_and_nested_checkpoint(tmp_path):
    model = _torch_models()["bn"]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(2, 3, 10, 10)).sum().backward()
    opt.step()
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "best": float("inf"),
            "history": [0.5, 0.25, None, True], "meta": {"name": "bn", "shape": (3, 10, 10)}, "big": 2 ** 70,
            "param": torch.nn.Parameter(torch.ones(2))}
    got = _roundtrip(ckpt, tmp_path)
    assert got["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)


def test_a_torch_trained_lenet_runs_in_numnet(tmp_path):
    tmodel = _torch_models()["lenet"]
    opt = torch.optim.SGD(tmodel.parameters(), lr=0.1)
    x = torch.randn(8, 1, 28, 28)
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(tmodel(x), torch.arange(8) % 10).backward()
        opt.step()
    torch.save(tmodel.state_dict(), tmp_path / "lenet.pt")
    sd = numnet.load(tmp_path / "lenet.pt")
    # torch's flat Sequential indices -> numnet LeNet5's features/classifier names
    names = {"0": "features.0", "3": "features.3", "7": "classifier.1", "9": "classifier.3", "11": "classifier.5"}
    model = numnet.models.LeNet5()
    model.load_state_dict({f"{names[k.split('.')[0]]}.{k.split('.')[1]}": v for k, v in sd.items()})
    model.eval()
    with torch.no_grad():
        want = tmodel.eval()(x).numpy()
    with numnet.no_grad():
        got = model(numnet.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_big_endian_files(tmp_path):
    src = tmp_path / "little.pt"
    x = {"f": torch.arange(6.0).reshape(2, 3), "i": torch.arange(5, dtype=torch.int64) - 2,
         "h": torch.tensor([1.5, -2.0], dtype=torch.float16)}
    torch.save(x, src)
    sizes = {"f": 4, "i": 8, "h": 2}
    big = tmp_path / "big.pt"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as zout:
        pkl = next(n for n in zin.namelist() if n.endswith("data.pkl"))
        prefix = pkl[:-len("data.pkl")]
        keys = _storage_keys(zin.read(pkl))
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == f"{prefix}byteorder":
                data = b"big"
            elif info.filename.startswith(f"{prefix}data/") and info.filename[len(prefix) + 5:] in keys:
                item = sizes[keys[info.filename[len(prefix) + 5:]]]
                data = np.frombuffer(data, dtype=f"<u{item}").astype(f">u{item}").tobytes()
            zout.writestr(info, data)
    _same(x, numnet.load(big))


def _storage_keys(pkl: bytes) -> dict:
    """storage key -> which of f/i/h it belongs to (by the storage type named before it)."""
    import pickletools

    kinds = {"FloatStorage": "f", "LongStorage": "i", "HalfStorage": "h"}
    out, last_type = {}, None
    for op, arg, _ in pickletools.genops(pkl):
        if op.name == "GLOBAL" and arg.split(" ")[-1] in kinds:
            last_type = kinds[arg.split(" ")[-1]]
        elif op.name in ("BINUNICODE", "SHORT_BINUNICODE") and last_type and arg.isdigit():
            out[arg], last_type = last_type, None
    return out


def test_numnet_files_load_in_torch_through_safetensors(tmp_path):
    from safetensors.torch import load_file

    sd = numnet.models.LeNet5().state_dict()
    numnet.save(sd, tmp_path / "lenet.safetensors")
    back = load_file(str(tmp_path / "lenet.safetensors"))
    assert sorted(back) == sorted(sd)
    for k, v in sd.items():
        assert np.array_equal(back[k].numpy(), v.numpy())


# ------------------------------------------------------------------------------------------------ hostile files
class _Payload:
    """Pickles as a call that would create ``marker`` (os.system / subprocess / eval / exec...)."""

    def __init__(self, fn, marker):
        self.fn, self.marker = fn, marker

    def __reduce__(self):
        cmd = f"open({str(self.marker)!r}, 'w').write('ran')"
        calls = {"system": (os.system, (f"touch {self.marker}",)), "eval": (eval, (cmd,)), "exec": (exec, (cmd,)),
                 "popen": (subprocess.Popen, ([sys.executable, "-c", cmd],)),
                 "import": (importlib.import_module, ("os",))}
        return calls[self.fn]


def _zip_with_pickle(path, pkl: bytes, *, compress=False, prefix="archive/", extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        z.writestr(f"{prefix}data.pkl", pkl)
        z.writestr(f"{prefix}byteorder", "little")
        for name, data in extra:
            z.writestr(name, data)
    return path


def _tensor_pickle(numel=6, size=(2, 3), stride=(3, 1), offset=0, key="0", storage="FloatStorage"):
    """A hand-made data.pkl of one tensor: _rebuild_tensor_v2(('storage', torch.<storage>, key, 'cpu', numel), ...)."""
    def s(text):
        b = text.encode()
        return b"X" + struct.pack("<I", len(b)) + b

    def tup(items):
        return b"(" + b"".join(items) + b"t"

    def i(v):
        return b"J" + struct.pack("<i", v)

    pid = tup([s("storage"), b"ctorch\n" + storage.encode() + b"\n", s(key), s("cpu"), i(numel)])
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n" + tup([pid + b"Q", i(offset), tup([i(n) for n in size]),
            tup([i(n) for n in stride]), b"\x89", b"ccollections\nOrderedDict\n)R"]) + b"R.")


HOSTILE = {
    "os.system": lambda m: pickle.dumps(_Payload("system", m), protocol=2),
    "eval": lambda m: pickle.dumps(_Payload("eval", m), protocol=2),
    "exec": lambda m: pickle.dumps(_Payload("exec", m), protocol=2),
    "subprocess.Popen": lambda m: pickle.dumps(_Payload("popen", m), protocol=2),
    "import_module gadget": lambda m: pickle.dumps(_Payload("import", m), protocol=2),
    "nested payload": lambda m: pickle.dumps({"model": {"w": [1, _Payload("system", m)]}}, protocol=2),
    "protocol 5": lambda m: pickle.dumps({"a": 1}, protocol=5),
    "unknown opcode": lambda m: b"\x80\x02\xff.",
    "NEWOBJ": lambda m: b"\x80\x02ccollections\nOrderedDict\n)\x81.",
    "huge LONG4": lambda m: b"\x80\x02\x8b" + struct.pack("<i", 2 ** 30) + b".",
    "truncated pickle": lambda m: pickle.dumps({"a": list(range(100))}, protocol=2)[:-7],
    "deep nesting": lambda m: b"\x80\x02" + b"(" * 10_000 + b"t" * 10_000 + b".",
    "memo read before write": lambda m: b"\x80\x02h\x05.",
    "storage beyond the file": lambda m: _tensor_pickle(key="7"),
    "tensor beyond its storage": lambda m: _tensor_pickle(size=(4, 3)),
    "negative stride": lambda m: _tensor_pickle(stride=(-3, 1)),
    "unknown storage type": lambda m: _tensor_pickle(storage="ObjectStorage"),
    "storage key escaping": lambda m: _tensor_pickle(key="../../etc/passwd"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_pickles_are_refused_and_nothing_runs(name, tmp_path):
    marker = tmp_path / "payload-ran"
    pkl = HOSTILE[name](marker)
    extra = [("archive/data/0", np.arange(6, dtype=np.float32).tobytes())]
    path = _zip_with_pickle(tmp_path / "hostile.pt", pkl, extra=extra)
    with pytest.raises(FileFormatError) as info:
        numnet.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()


def test_hostile_archives_are_refused(tmp_path):
    good = pickle.dumps({"a": 1}, protocol=2)
    cases = {
        "zip bomb (compressed entry)": _zip_with_pickle(tmp_path / "bomb.pt", good + b"\0" * 10_000_000,
                                                        compress=True),
        "path escaping the archive": _zip_with_pickle(tmp_path / "escape.pt", good, prefix="../"),
        "two data.pkl": _zip_with_pickle(tmp_path / "two.pt", good, extra=[("other/data.pkl", good)]),
        "no data.pkl": _zip_with_pickle(tmp_path / "none.pt", good, prefix="a/b/"),
    }
    whole = (tmp_path / "bomb.pt").read_bytes()
    (tmp_path / "truncated.pt").write_bytes(whole[: len(whole) // 2])
    cases["truncated zip"] = tmp_path / "truncated.pt"
    bad_order = tmp_path / "order.pt"
    with zipfile.ZipFile(bad_order, "w") as z:
        z.writestr("a/data.pkl", good)
        z.writestr("a/byteorder", "middle")
    cases["unknown byteorder"] = bad_order
    for name, path in cases.items():
        with pytest.raises(FileFormatError):
            numnet.load(path)


def test_hostile_legacy_files_are_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    good = tmp_path / "good.pt"
    torch.save({"w": torch.arange(6.0)}, good, _use_new_zipfile_serialization=False)
    data = good.read_bytes()
    head = b"".join(pickle.dumps(v, protocol=2) for v in (0x1950A86A20F9469CFC6C, 1001,
                                                           {"protocol_version": 1001, "little_endian": True}))
    cases = {
        "payload": head + pickle.dumps(_Payload("system", marker), protocol=2) + pickle.dumps([], protocol=2),
        "truncated": data[: len(data) - 10],
        "no storages": data[: len(data) - (8 + 6 * 4)],  # the one storage: its 8-byte count and 6 floats
        "wrong version": b"".join(pickle.dumps(v, protocol=2) for v in (0x1950A86A20F9469CFC6C, 999, {})),
    }
    for name, content in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.pt"
        path.write_bytes(content)
        with pytest.raises(FileFormatError):
            numnet.load(path)
    assert not marker.exists()


def test_a_plain_pickle_is_refused_by_content(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "legacy.pt"
    path.write_bytes(pickle.dumps(_Payload("system", marker), protocol=2))
    with pytest.raises(FileFormatError, match="pickle"):
        numnet.load(path)
    assert not marker.exists()


def test_the_reader_is_chosen_by_content_not_name(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "weights.safetensors")  # a torch file with the wrong suffix
    assert numnet.load(tmp_path / "weights.safetensors")["w"].tolist() == [1.0, 1.0]
    numnet.save({"w": numnet.ones(2)}, tmp_path / "weights.pt")  # a safetensors file named .pt
    assert numnet.load(tmp_path / "weights.pt")["w"].tolist() == [1.0, 1.0]


def test_the_reader_does_not_import_torch(tmp_path):
    torch.save({"w": torch.arange(3.0)}, tmp_path / "w.pt")
    code = ("import sys, numnet; w = numnet.load(sys.argv[1])['w']; assert w.tolist() == [0.0, 1.0, 2.0]; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.pt")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_many_views_of_one_storage_cannot_blow_up_memory(tmp_path):
    """1,000 views of one 4 MB storage would be 2 GB of copies: refused once the tensors exceed 4 times the file."""
    base = torch.zeros(1_000_000)
    torch.save([base[i:] for i in range(1000)], tmp_path / "views.pt")
    with pytest.raises(FileFormatError, match="larger than the bytes left|4 times"):
        numnet.load(tmp_path / "views.pt")
    few = [base[i:] for i in range(3)]  # a few shared views (tied weights) are fine
    torch.save(few, tmp_path / "few.pt")
    assert [t.shape for t in numnet.load(tmp_path / "few.pt")] == [(1_000_000,), (999_999,), (999_998,)]
