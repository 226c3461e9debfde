"""numnet.io: safetensors files, atomic writes, model files, checkpoints — and files that must be refused."""

import json
import os
import pickle
import sys
import types
from collections import OrderedDict

import numpy as np
import pytest

import numnet
from numnet import io
from numnet.data import DataLoader, TensorDataset
from numnet.errors import ArgumentError, DTypeError, FileFormatError, ShapeError


# ------------------------------------------------------------------------------------------ small hand-made objects
class TinyNet:
    """A two-layer perceptron with a buffer, built on numnet Tensors (PyTorch-style state_dict keys)."""

    def __init__(self, n_in=4, hidden=5, n_out=3, seed=0):
        g = np.random.default_rng(seed)
        self.params = OrderedDict(
            [("fc1.weight", numnet.tensor(g.standard_normal((hidden, n_in)).astype(np.float32), requires_grad=True)),
             ("fc1.bias", numnet.zeros(hidden, requires_grad=True)),
             ("fc2.weight", numnet.tensor(g.standard_normal((n_out, hidden)).astype(np.float32), requires_grad=True)),
             ("fc2.bias", numnet.zeros(n_out, requires_grad=True))])
        self.steps_seen = np.zeros((), np.int64)  # a buffer
        self.config = {"n_in": n_in, "hidden": hidden, "n_out": n_out}

    def parameters(self):
        return list(self.params.values())

    def __call__(self, x):
        h = (x @ self.params["fc1.weight"].T + self.params["fc1.bias"]).relu()
        # noise drawn from numnet's generator, like dropout: the RNG state matters for resuming
        h = h * numnet.rand(*h.shape)
        return h @ self.params["fc2.weight"].T + self.params["fc2.bias"]

    def state_dict(self):
        out = OrderedDict((k, v.detach()) for k, v in self.params.items())
        out["steps_seen"] = self.steps_seen
        return out

    def load_state_dict(self, state):
        for k, p in self.params.items():
            p._data[...] = np.asarray(state[k])
        self.steps_seen = np.array(state["steps_seen"], np.int64)


class MomentumSGD:
    """SGD with momentum whose state_dict has PyTorch's layout."""

    def __init__(self, params, lr=0.1, momentum=0.9):
        self.param_groups = [{"params": list(params), "lr": lr, "momentum": momentum, "nesterov": False,
                              "betas": (0.9, 0.999)}]
        self.state = {}

    def step(self):
        for i, p in enumerate(self.param_groups[0]["params"]):
            st = self.state.setdefault(p, {"momentum_buffer": np.zeros_like(p._data), "step": 0})
            st["momentum_buffer"] = self.param_groups[0]["momentum"] * st["momentum_buffer"] + p.grad._data
            st["step"] += 1
            p._data -= np.float32(self.param_groups[0]["lr"]) * st["momentum_buffer"]

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def state_dict(self):
        params = self.param_groups[0]["params"]
        state = {i: dict(self.state[p]) for i, p in enumerate(params) if p in self.state}
        groups = [{k: v for k, v in g.items() if k != "params"} | {"params": list(range(len(params)))}
                  for g in self.param_groups]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, sd):
        params = self.param_groups[0]["params"]
        self.state = {params[i]: {k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in st.items()}
                      for i, st in sd["state"].items()}
        for g, saved in zip(self.param_groups, sd["param_groups"]):
            g.update({k: v for k, v in saved.items() if k != "params"})


class StepLR:
    def __init__(self, opt, step_size=2, gamma=0.5):
        self.opt, self.step_size, self.gamma, self.last_epoch = opt, step_size, gamma, 0
        self.base_lrs = [g["lr"] for g in opt.param_groups]

    def step(self):
        self.last_epoch += 1
        for g, base in zip(self.opt.param_groups, self.base_lrs):
            g["lr"] = base * self.gamma ** (self.last_epoch // self.step_size)

    def state_dict(self):
        return {"step_size": self.step_size, "gamma": self.gamma, "last_epoch": self.last_epoch,
                "base_lrs": self.base_lrs}

    def load_state_dict(self, sd):
        self.__dict__.update(sd)


def _data():
    g = np.random.default_rng(1)
    return TensorDataset(g.standard_normal((40, 4)).astype(np.float32), g.integers(0, 3, 40))


def _train(model, opt, sched, loader, epochs):
    for _ in range(epochs):
        for x, y in loader:
            out = model(x)
            loss = ((out - numnet.tensor(np.eye(3, dtype=np.float32)[y._data])) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.steps_seen = model.steps_seen + 1
        sched.step()


def _state(model, opt):
    arrays = {k: np.array(v._data if isinstance(v, numnet.Tensor) else v) for k, v in model.state_dict().items()}
    bufs = [np.array(s["momentum_buffer"]) for s in opt.state_dict()["state"].values()]
    return arrays, bufs


# ------------------------------------------------------------------------------------------ save / load
def test_save_load_roundtrip_every_dtype_and_shape(tmp_path):
    g = np.random.default_rng(0)
    state = {
        "w": numnet.tensor(g.standard_normal((3, 4)).astype(np.float32), requires_grad=True),
        "d": g.standard_normal(5),
        "h": np.arange(4, dtype=np.float16),
        "i": np.arange(6, dtype=np.int64).reshape(2, 3),
        "u": np.arange(3, dtype=np.uint8),
        "b": np.array([True, False]),
        "scalar": np.array(7, np.int64),
        "empty": np.zeros((0, 3), np.float32),
        "strided": np.arange(20, dtype=np.float32).reshape(4, 5)[:, ::2],
        "batch_innermost": np.arange(24, dtype=np.float32).reshape(2, 3, 4).transpose(2, 0, 1),  # a conv output
        "bigendian": np.arange(3, dtype=">f4"),
        "c": np.array([1 + 2j], np.complex64),
        "pyfloat": 0.5,
    }
    path = tmp_path / "s.safetensors"
    io.save(state, path, metadata={"note": "hello", "épreuve": "ü"})
    got = io.load(path)
    assert set(got) == set(state)
    assert got.pop("pyfloat") == 0.5 and type(state.pop("pyfloat")) is float  # numbers come back as numbers
    for k, v in state.items():
        assert type(got[k]) is type(v), k  # a Tensor where a Tensor was, an array where an array was
        want = np.asarray(v._data if isinstance(v, numnet.Tensor) else v)
        arr = got[k]._data if isinstance(got[k], numnet.Tensor) else got[k]
        assert arr.dtype == want.dtype.newbyteorder("=") and arr.shape == want.shape, k
        np.testing.assert_array_equal(arr, want, err_msg=k)
        assert arr.flags.writeable
    assert not got["w"].requires_grad
    assert io.load_metadata(path) == {"note": "hello", "épreuve": "ü"}
    io.save({}, tmp_path / "empty.safetensors")
    assert io.load(tmp_path / "empty.safetensors") == {}
    assert io.load_metadata(tmp_path / "empty.safetensors") == {}


def test_file_is_standard_safetensors(tmp_path):
    import safetensors.numpy

    path = tmp_path / "w.safetensors"
    io.save({"a": numnet.tensor(np.arange(3, dtype=np.float32))}, path, metadata={"k": "v"})  # a state_dict
    np.testing.assert_array_equal(safetensors.numpy.load_file(str(path))["a"], [0, 1, 2])
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    assert header["__metadata__"]["k"] == "v" and header["a"]["dtype"] == "F32"
    assert set(header["__metadata__"]) == {"k", "numnet.object"}  # numnet's record of the structure and key order


def test_save_argument_errors(tmp_path):
    p = tmp_path / "x.safetensors"
    with pytest.raises(ArgumentError, match=r"model.state_dict\(\)"):
        io.save(TinyNet(), p)
    with pytest.raises(ArgumentError, match="keys must be str"):
        io.save({(1, 2): np.zeros(2)}, p)
    with pytest.raises(DTypeError, match="obj"):
        io.save({"obj": np.array([object()])}, p)
    with pytest.raises(ArgumentError, match="cannot store a set"):
        io.save({"s": {1, 2}}, p)
    with pytest.raises(ArgumentError, match="numnet's own"):
        io.save({"a": np.zeros(1)}, p, metadata={"numnet.object": "x"})
    with pytest.raises(DTypeError, match="complex128"):
        io.save({"c": np.zeros(2, np.complex128)}, p)
    with pytest.raises(ArgumentError, match="str to str"):
        io.save({"a": np.zeros(1)}, p, metadata={"epoch": 3})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        io.save({"a": np.zeros(1)}, tmp_path / "no" / "x.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_permissions_follow_umask(tmp_path):
    old = os.umask(0o027)
    try:
        io.save({"a": np.zeros(1)}, tmp_path / "p.safetensors")
    finally:
        os.umask(old)
    assert (tmp_path / "p.safetensors").stat().st_mode & 0o777 == 0o640


# ------------------------------------------------------------------------------------------ atomic writes
@pytest.mark.parametrize("fail_in", ["write", "fsync", "replace"])
def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path, monkeypatch, fail_in):
    path = tmp_path / "model.safetensors"
    io.save({"a": np.ones(3, np.float32)}, path)
    before = path.read_bytes()

    class Boom(RuntimeError):
        pass

    def boom(*args, **kwargs):
        raise Boom(fail_in)

    if fail_in == "write":
        real_fdopen = os.fdopen

        def fdopen(fd, mode="r", *a, **k):
            f = real_fdopen(fd, mode, *a, **k)

            class Half:
                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    f.close()

                def write(self, data):
                    f.write(data[: len(data) // 2])  # half the bytes reach the disk, then the write fails
                    raise Boom("disk full")

                def flush(self):
                    f.flush()

                def fileno(self):
                    return f.fileno()

            return Half()

        monkeypatch.setattr(os, "fdopen", fdopen)
    elif fail_in == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    else:
        monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(Boom):
        io.save({"a": np.zeros(1000, np.float32), "b": np.zeros(5)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]
    np.testing.assert_array_equal(io.load(path)["a"], np.ones(3))


def test_overwrite_replaces_whole_file(tmp_path):
    path = tmp_path / "m.safetensors"
    io.save({"a": np.zeros(1000)}, path)
    io.save({"b": np.ones(2)}, path)
    assert list(io.load(path)) == ["b"]
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


# ------------------------------------------------------------------------------------------ refusing bad files
@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.safetensors"
    io.save({"w": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.ones(3)}, path, metadata={"x": "y"})
    return path


def _refused(path, match):
    for fn in (io.load, io.load_metadata):
        with pytest.raises(FileFormatError, match=match) as info:
            fn(path)
        assert str(path) in str(info.value)


def test_empty_file(tmp_path):
    p = tmp_path / "e.safetensors"
    p.write_bytes(b"")
    _refused(p, "empty")


@pytest.mark.parametrize("cut", [3, 20, 1])
def test_truncated_files(good_file, cut):
    raw = good_file.read_bytes()
    good_file.write_bytes(raw[:cut] if cut < 8 else raw[:-cut])
    _refused(good_file, "truncated")


def test_header_length_beyond_file_size(good_file):
    raw = good_file.read_bytes()
    good_file.write_bytes((10 ** 9).to_bytes(8, "little") + raw[8:])
    _refused(good_file, "header length field says 1000000000 bytes")


def test_header_not_json(good_file):
    raw = bytearray(good_file.read_bytes())
    raw[8] = ord("[") + 7  # breaks the JSON's first character
    good_file.write_bytes(bytes(raw))
    _refused(good_file, "not valid UTF-8 JSON")


def _rewrite_header(path, edit):
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    edit(header)
    new = json.dumps(header).encode()
    path.write_bytes(len(new).to_bytes(8, "little") + new + raw[8 + n:])


def test_wrong_offsets_dtype_and_trailing_bytes(good_file):
    raw = good_file.read_bytes()
    _rewrite_header(good_file, lambda h: h["w"].update(data_offsets=[0, 4]))
    _refused(good_file, "needs 48 bytes but its data_offsets span 4")
    good_file.write_bytes(raw)
    _rewrite_header(good_file, lambda h: h["w"].update(dtype="Q99"))
    _refused(good_file, "unknown dtype 'Q99'")
    good_file.write_bytes(raw)
    _rewrite_header(good_file, lambda h: h["w"].update(dtype="BF16", shape=[3, 8]))
    _refused(good_file, "NumPy cannot represent")
    good_file.write_bytes(raw)
    _rewrite_header(good_file, lambda h: h.update(__metadata__={"a": 1}))
    _refused(good_file, "__metadata__ must map str to str")
    good_file.write_bytes(raw)
    _rewrite_header(good_file, lambda h: h["w"].pop("shape"))
    _refused(good_file, "lacks dtype/shape/data_offsets")
    good_file.write_bytes(raw + b"junk")
    _refused(good_file, "unexpected byte")


def test_overlapping_tensors_are_refused_by_every_reader(good_file):
    # both tensors claim the first bytes; sizes and coverage are consistent, so only the tiling check sees it, and
    # load_metadata runs the same header validator as load
    _rewrite_header(good_file, lambda h: (h["w"].update(shape=[18], data_offsets=[0, 72]),
                                          h["b"].update(data_offsets=[0, 24])))
    for fn in (io.load, io.load_metadata):
        with pytest.raises(FileFormatError, match="overlaps") as info:
            fn(good_file)
        assert str(good_file) in str(info.value)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_PICKLE",))


def test_pickle_files_are_refused_and_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plain = tmp_path / "weights.pt"
    plain.write_bytes(pickle.dumps({"w": np.zeros(3), "epoch": 1}))
    _refused(plain, "Python pickle")
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps({"w": _Evil()}, protocol=2))
    _refused(evil, "never unpickles")
    old = tmp_path / "old.pkl"
    old.write_bytes(pickle.dumps({"w": [1, 2]}, protocol=0))  # ASCII protocol: no magic byte
    _refused(old, "not a safetensors file")
    for p in (plain, evil, old):
        with pytest.raises(FileFormatError):
            io.load_model(p)
        with pytest.raises(FileFormatError):
            io.load_checkpoint(p, TinyNet())
    assert not (tmp_path / "PWNED_BY_PICKLE").exists()


@pytest.mark.parametrize("blob, what", [(b"PK\x03\x04" + bytes(40), "zip archive"),
                                        (b"\x93NUMPY\x01\x00" + bytes(40), "NumPy .npy"),
                                        (b"\x89HDF\r\n\x1a\n" + bytes(40), "HDF5"),
                                        (b"\x1f\x8b\x08" + bytes(40), "gzip")])
def test_other_formats_are_named(tmp_path, blob, what):
    p = tmp_path / "model.bin"
    p.write_bytes(blob)
    _refused(p, what)


def test_directory_and_missing_file(tmp_path):
    with pytest.raises(FileFormatError, match="directory"):
        io.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        io.load(tmp_path / "missing.safetensors")


# ------------------------------------------------------------------------------------------ nested state
def test_flatten_unflatten_roundtrip_keeps_types():
    state = {
        "state": {0: {"momentum_buffer": np.arange(3.0), "step": 4}, 2: {"exp_avg": numnet.ones(2, 2)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1, 2], "nesterov": False,
                          "foreach": None, "name": "all"}],
        "np_scalar": np.float32(0.25),
        "big": 2 ** 100,
        "nan": float("nan"),
        "__tricky__": {"__tensor__": "not really"},
        1.5: "float key",
        "a/b": np.zeros(1),
        "a": {"b": np.ones(1)},
    }
    skeleton, tensors = io.flatten_state(state, "opt")
    text = json.dumps(skeleton)
    assert "opt/state/0/momentum_buffer" in tensors
    back = io.unflatten_state(json.loads(text), tensors)
    assert set(back["state"]) == {0, 2}
    np.testing.assert_array_equal(back["state"][0]["momentum_buffer"], np.arange(3.0))
    assert back["state"][0]["step"] == 4 and isinstance(back["state"][0]["step"], int)
    assert isinstance(back["state"][2]["exp_avg"], numnet.Tensor)
    assert back["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["param_groups"][0]["foreach"] is None and back["param_groups"][0]["nesterov"] is False
    assert type(back["np_scalar"]) is np.float32 and back["np_scalar"] == np.float32(0.25)
    assert back["big"] == 2 ** 100 and np.isnan(back["nan"])
    assert back["__tricky__"] == {"__tensor__": "not really"}
    assert back[1.5] == "float key"
    np.testing.assert_array_equal(back["a/b"], [0.0])
    np.testing.assert_array_equal(back["a"]["b"], [1.0])


def test_flatten_refuses_objects():
    with pytest.raises(ArgumentError, match="cannot store a function at opt/param_groups/0/closure"):
        io.flatten_state({"param_groups": [{"closure": lambda: 0}]}, "opt")
    with pytest.raises(ArgumentError, match="dict key"):
        io.flatten_state({(1, 2): 3}, "x")


# ------------------------------------------------------------------------------------------ model files
@pytest.fixture
def fake_zoo(monkeypatch):
    """A stand-in numnet.models with a registry, so these tests do not depend on the real zoo."""
    zoo = types.ModuleType("numnet.models")
    zoo.MODELS = {"tiny": TinyNet}

    def get_model(name, **config):
        if name not in zoo.MODELS:
            raise KeyError(name)
        return zoo.MODELS[name](**config)

    zoo.get_model = get_model
    # load_model checks the size a config implies before building (here by building: the test models are tiny)
    zoo.state_size = lambda name, **config: sum(int(np.prod(v.shape)) for v in get_model(name, **config).state_dict().values())
    monkeypatch.setitem(sys.modules, "numnet.models", zoo)
    monkeypatch.setattr(numnet, "models", zoo, raising=False)
    return zoo


def test_save_model_load_model_rebuilds_zoo_model(tmp_path, fake_zoo):
    model = TinyNet(n_in=6, hidden=7, seed=3)
    path = tmp_path / "tiny.safetensors"
    io.save_model(model, path, metadata={"trained_on": "fashion-mnist"})
    meta = io.load_metadata(path)
    assert meta["format"] == "numnet.model" and meta["model_name"] == "tiny"
    assert meta["numnet_version"] == numnet.__version__ and meta["model_class"].endswith("TinyNet")
    assert json.loads(meta["model_config"]) == {"n_in": 6, "hidden": 7, "n_out": 3}
    assert meta["trained_on"] == "fashion-mnist"
    loaded = io.load_model(path)
    assert isinstance(loaded, TinyNet) and loaded.config == model.config
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(loaded.state_dict()[k]), np.asarray(v))
    # the weights are also a plain state_dict file
    assert set(io.load(path)) == set(model.state_dict())


def test_load_model_of_non_zoo_model_explains(tmp_path, fake_zoo):
    class Custom(TinyNet):
        pass

    path = tmp_path / "custom.safetensors"
    io.save_model(Custom(), path)
    assert "model_name" not in io.load_metadata(path)
    with pytest.raises(FileFormatError, match=r"model.load_state_dict\(numnet.load\(") as info:
        io.load_model(path)
    assert "Custom" in str(info.value) and str(path) in str(info.value)
    io.save({"w": np.zeros(2)}, tmp_path / "plain.safetensors")
    with pytest.raises(FileFormatError, match="no zoo model name"):
        io.load_model(tmp_path / "plain.safetensors")


def test_load_model_with_mismatched_weights(tmp_path, fake_zoo):
    path = tmp_path / "tiny.safetensors"
    io.save_model(TinyNet(), path)
    state = io.load(path)
    meta = io.load_metadata(path)
    state["fc1.weight"] = np.zeros((5, 9), np.float32)
    io.save(state, path, metadata=meta)
    with pytest.raises(ShapeError, match=r"'fc1.weight' has shape \(5, 9\) but the model \(TinyNet\) expects \(5, 4\)"):
        io.load_model(path)
    del state["fc1.weight"]
    io.save(state, path, metadata=meta)
    with pytest.raises(FileFormatError, match=r"missing \['fc1.weight'\]"):
        io.load_model(path)
    meta["model_name"] = "gone"
    io.save(io.load(path), path, metadata=meta)
    with pytest.raises(FileFormatError, match="cannot rebuild model 'gone'"):
        io.load_model(path)


def test_save_model_refuses_non_models_and_bad_config(tmp_path, fake_zoo):
    with pytest.raises(ArgumentError, match="state_dict"):
        io.save_model({"w": np.zeros(1)}, tmp_path / "x.safetensors")
    model = TinyNet()
    model.config = {"fn": print}
    with pytest.raises(ArgumentError, match="not JSON-serialisable"):
        io.save_model(model, tmp_path / "x.safetensors")


# ------------------------------------------------------------------------------------------ checkpoints
def _setup(seed=0):
    model = TinyNet(seed=seed)
    opt = MomentumSGD(model.parameters(), lr=0.05)
    sched = StepLR(opt)
    loader = DataLoader(_data(), batch_size=8, shuffle=True)
    return model, opt, sched, loader


def test_resume_is_bit_identical(tmp_path):
    # uninterrupted: 4 epochs
    numnet.manual_seed(11)
    model, opt, sched, loader = _setup()
    _train(model, opt, sched, loader, 4)
    want = _state(model, opt)
    final_lr = opt.param_groups[0]["lr"]

    # interrupted after 2 epochs, checkpoint, then fresh objects (other init, other RNG state) resume
    numnet.manual_seed(11)
    model, opt, sched, loader = _setup()
    _train(model, opt, sched, loader, 2)
    path = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(path, model, opt, sched, epoch=2, step=10, extra={"history": {"loss": [0.5, 0.25]}})

    numnet.manual_seed(999)
    model2, opt2, sched2, loader2 = _setup(seed=5)
    info = io.load_checkpoint(path, model2, opt2, sched2)
    assert info["epoch"] == 2 and info["step"] == 10
    assert info["extra"] == {"history": {"loss": [0.5, 0.25]}}
    assert sched2.last_epoch == 2 and opt2.param_groups[0]["betas"] == (0.9, 0.999)
    _train(model2, opt2, sched2, loader2, 2)
    got = _state(model2, opt2)
    for k in want[0]:
        np.testing.assert_array_equal(got[0][k], want[0][k], err_msg=k)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_array_equal(a, b)
    assert opt2.param_groups[0]["lr"] == final_lr
    assert int(model2.steps_seen) == 20


def test_checkpoint_contents_and_rng(tmp_path):
    numnet.manual_seed(3)
    model, opt, sched, loader = _setup()
    _train(model, opt, sched, loader, 1)
    path = tmp_path / "c.safetensors"
    io.save_checkpoint(path, model, opt, sched, epoch=1, step=5)
    expected_next = numnet.rand(4)._data
    names = set(io.load(path))
    assert "model/fc1.weight" in names and "optimizer/state/0/momentum_buffer" in names
    meta = io.load_metadata(path)
    assert meta["format"] == "numnet.checkpoint" and meta["epoch"] == "1"
    assert json.loads(meta["rng"])["bit_generator"] == "PCG64"
    numnet.manual_seed(0)
    io.load_checkpoint(path, TinyNet())
    np.testing.assert_array_equal(numnet.rand(4)._data, expected_next)
    io.save_checkpoint(path, model, rng=False)
    assert "rng" not in io.load_metadata(path) and "optimizer" not in io.load_metadata(path)
    assert io.load_checkpoint(path, TinyNet()) == {"epoch": 0, "step": 0, "extra": None,
                                                   "numnet_version": numnet.__version__}


def test_checkpoint_errors_leave_objects_untouched(tmp_path, fake_zoo):
    numnet.manual_seed(0)
    model, opt, sched, loader = _setup()
    _train(model, opt, sched, loader, 1)
    path = tmp_path / "c.safetensors"
    io.save_checkpoint(path, model, opt, epoch=1)

    other = TinyNet(n_in=9)
    before = _state(other, MomentumSGD(other.parameters()))[0]
    with pytest.raises(ShapeError, match=r"'fc1.weight' has shape \(5, 4\) but the model \(TinyNet\) expects \(5, 9\)"):
        io.load_checkpoint(path, other)
    for k, v in _state(other, MomentumSGD(other.parameters()))[0].items():
        np.testing.assert_array_equal(v, before[k])

    with pytest.raises(FileFormatError, match="holds no scheduler state"):
        io.load_checkpoint(path, TinyNet(), MomentumSGD(TinyNet().parameters()), StepLR(opt))
    with pytest.raises(FileFormatError, match="optimizer state is for 4 parameters, the optimizer has 2"):
        fresh = TinyNet()
        io.load_checkpoint(path, fresh, MomentumSGD(fresh.parameters()[:2]))

    model_file = tmp_path / "m.safetensors"
    io.save_model(TinyNet(), model_file)
    with pytest.raises(FileFormatError, match="not a numnet checkpoint.*load_model"):
        io.load_checkpoint(model_file, TinyNet())
    for bad in (-1, 1.5, True):
        with pytest.raises(ArgumentError, match="epoch"):
            io.save_checkpoint(path, model, epoch=bad)


def test_checkpoint_optimizer_buffer_shape_mismatch(tmp_path):
    model = TinyNet()
    opt = MomentumSGD(model.parameters())
    opt.state = {p: {"momentum_buffer": np.zeros(7, np.float32)} for p in model.parameters()}
    path = tmp_path / "c.safetensors"
    io.save_checkpoint(path, model, opt)
    fresh = TinyNet()
    with pytest.raises(ShapeError, match=r"state\[0\]\['momentum_buffer'\] has shape \(7,\)"):
        io.load_checkpoint(path, fresh, MomentumSGD(fresh.parameters()))


# ------------------------------------------------------------------------------------------ with numnet's own nn/optim
def test_real_zoo_model_roundtrip(tmp_path):
    from numnet import models

    numnet.manual_seed(0)
    model = models.get_model("mlp", hidden=[16]) if "mlp" in models.MODELS else models.get_model("lenet5")
    path = tmp_path / "zoo.safetensors"
    numnet_save_model = getattr(numnet, "save_model", io.save_model)
    numnet_save_model(model, path)
    loaded = io.load_model(path)
    assert type(loaded) is type(model) and loaded.config == model.config
    model.eval()
    loaded.eval()
    x = numnet.rand(3, 1, 28, 28)
    np.testing.assert_array_equal(loaded(x)._data, model(x)._data)


def test_real_optimizer_checkpoint_resume_is_bit_identical(tmp_path):
    import numnet.functional as F
    from numnet import nn, optim

    def build():
        model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3))
        opt = optim.Adam(model.parameters(), lr=0.01)
        sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        return model, opt, sched, DataLoader(_data(), batch_size=8, shuffle=True)

    def run(model, opt, sched, loader, epochs):
        model.train()
        for _ in range(epochs):
            for x, y in loader:
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()
            sched.step()
        return {k: np.array(v._data) for k, v in model.state_dict().items()}

    numnet.manual_seed(4)
    want = run(*build(), 2)
    numnet.manual_seed(4)
    model, opt, sched, loader = build()
    run(model, opt, sched, loader, 1)
    path = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(path, model, opt, sched, epoch=1, step=len(loader))
    numnet.manual_seed(123)
    model2, opt2, sched2, loader2 = build()
    assert io.load_checkpoint(path, model2, opt2, sched2)["epoch"] == 1
    got = run(model2, opt2, sched2, loader2, 1)
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


def test_load_model_refuses_a_tiny_file_asking_for_a_huge_model(tmp_path):
    import tracemalloc

    path = tmp_path / "huge.safetensors"
    io.save_model(numnet.models.get_model("mlp", in_features=4, hidden=[3], num_classes=2), path)
    meta = io.load_metadata(path)
    meta["model_config"] = json.dumps({"in_features": 4, "hidden": [10**6, 10**6], "num_classes": 2, "dropout": 0.0})
    io.save(io.load(path), path, metadata=meta)
    assert path.stat().st_size < 2048
    tracemalloc.start()
    with pytest.raises(FileFormatError, match="refusing to build it"):
        io.load_model(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 2**20  # refused from the config alone: nothing of the model's size was allocated


def test_state_size_matches_the_built_models():
    for name, config in [("lenet5", {}), ("mlp", {"hidden": [7, 5]}), ("resnet20", {"width": 4}),
                         ("vggsmall", {"width": 4})]:
        model = numnet.models.get_model(name, **config)
        assert numnet.models.state_size(name, **config) == sum(int(np.prod(v.shape)) for v in model.state_dict().values())
