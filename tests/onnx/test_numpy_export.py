"""numnet export --numpy: the written model.py, run in a fresh virtual environment that has only NumPy installed,
gives numnet's eval-mode outputs (to 1e-5) for every zoo model, every layer type and 50 random architectures."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pytest

import numnet
import numnet.nn as nn
from numnet import models
from numnet.errors import ExportError
from tests.onnx._oracles import numnet_outputs, rel_diff
from tests.onnx.test_export import LAYERS, Functional, _build, _randomize_bn

TOL = 1e-5


@pytest.fixture(scope="module")
def numpy_only_python(tmp_path_factory) -> str:
    """A new venv (no pip, no system site-packages) whose site-packages holds only NumPy (linked from this one)."""
    root = tmp_path_factory.mktemp("numpy-only-venv")
    venv.create(root, with_pip=False, system_site_packages=False, symlinks=True)
    py = root / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    src = Path(np.__path__[0]).parent
    for name in os.listdir(src):
        if name == "numpy" or name.startswith("numpy.libs") or name.startswith("numpy-"):
            os.symlink(src / name, site / name)
    probe = "import importlib.util as u, numpy; print(numpy.__version__, [m for m in ('numnet', 'onnx', 'torch', " \
            "'onnxruntime', 'scipy') if u.find_spec(m)])"
    out = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, check=True, cwd=root,
                         env={"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"})
    version, found = out.stdout.split(" ", 1)
    assert version == np.__version__ and found.strip() == "[]", out.stdout
    return str(py)


def _cases():
    """(id, model, sample shape): every zoo model, every layer type, the functional graph, 50 random stacks."""
    cases = [(f"zoo-{n}", _randomize_bn(models.get_model(n)), None) for n in sorted(models.MODELS)]
    cases += [(f"layer-{i}", _randomize_bn(nn.Sequential(m)), s) for i, m, s in LAYERS]
    cases.append(("functional", Functional(), (3, 8, 8)))
    rng = np.random.default_rng(2024)
    for k in range(50):
        c, size, seed = int(rng.integers(1, 5)), int(rng.integers(6, 15)), int(rng.integers(0, 2**31 - 1))
        cases.append((f"random-{k}", _build(c, size, seed), (c, size, size)))
    return [(i, m.eval(), tuple(s) if s else tuple(models.input_shape_of(m))) for i, m, s in cases]


_DRIVER = """
import importlib.util, json, sys
import numpy as np
root = sys.argv[1]
for name in json.load(open(root + "/cases.json")):
    spec = importlib.util.spec_from_file_location("m_" + name.replace("-", "_"), f"{root}/{name}/model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for b in (1, 7):
        out = mod.forward(np.load(f"{root}/{name}/x{b}.npy"))
        outs = out if isinstance(out, tuple) else (out,)
        np.savez(f"{root}/{name}/y{b}.npz", *outs)
assert not [m for m in sys.modules if m.split(".")[0] in ("numnet", "onnx", "torch")]
print("ran", len(json.load(open(root + "/cases.json"))))
"""


def test_numpy_only_package_matches_numnet(numpy_only_python, tmp_path):
    cases = _cases()
    for name, model, shape in cases:
        d = tmp_path / name
        numnet.onnx.export_numpy(model, numnet.randn(2, *shape), d)
        for b in (1, 7):
            np.save(d / f"x{b}.npy", np.random.default_rng(b).standard_normal((b, *shape)).astype(np.float32))
    (tmp_path / "cases.json").write_text(json.dumps([c[0] for c in cases]))
    (tmp_path / "driver.py").write_text(_DRIVER)
    run = subprocess.run([numpy_only_python, str(tmp_path / "driver.py"), str(tmp_path)], capture_output=True,
                         text=True, cwd=tmp_path, env={"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == f"ran {len(cases)}"
    worst = {}
    for name, model, shape in cases:
        for b in (1, 7):
            want = numnet_outputs(model, [np.load(tmp_path / name / f"x{b}.npy")])
            with np.load(tmp_path / name / f"y{b}.npz") as f:
                got = [f[f"arr_{i}"] for i in range(len(f.files))]
            assert len(got) == len(want), name
            for g, w in zip(got, want):
                d = rel_diff(g, w)
                assert d <= TOL, f"{name}, batch {b}: difference {d:.3g}"
                worst[name] = max(worst.get(name, 0.0), d)
    assert len([n for n in worst if n.startswith("random-")]) == 50


def test_generated_file_is_plain_numpy(tmp_path):
    files = numnet.onnx.export_numpy(models.get_model("resnet14"), numnet.randn(1, 1, 28, 28), tmp_path / "r")
    assert [os.path.basename(f) for f in files] == ["model.py", "weights.npz"]
    source = Path(files[0]).read_text()
    tree = ast.parse(source)
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported == {"numpy", "os", "sys"}
    # one commented block per layer, the weights by their numnet names
    assert "    # layers.0.conv1 (Conv2d)" in source and "W['layers.0.conv1.weight']" in source
    assert "    # layers.0 (BasicBlock)\n    v8 = Add(v7, v2)" in source
    assert "BatchNormalization(" in source and "GlobalAveragePool(" in source
    model = models.get_model("resnet14")
    with np.load(files[1], allow_pickle=False) as f:
        assert set(f.files) == {n for n, _ in model.named_parameters()} | \
            {n for n, _ in model.named_buffers() if "running" in n}


def test_cli_numpy_package_predicts_like_numnet(numpy_only_python, tmp_path, capsys):
    from numnet.cli import main
    from numnet.io.model_card import card_metadata

    model = _randomize_bn(models.get_model("vggsmall")).eval()
    classes = [f"class-{i}" for i in range(10)]
    numnet.save_model(model, tmp_path / "m.safetensors",
                      metadata=card_metadata(input_shape=(1, 28, 28), classes=classes, mean=(0.3,), std=(0.5,)))
    out = tmp_path / "pkg"
    assert main(["export", str(tmp_path / "m.safetensors"), "--numpy", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    x = np.random.default_rng(5).uniform(0, 1, (6, 1, 28, 28)).astype(np.float32)
    np.save(tmp_path / "images.npy", x)
    run = subprocess.run([numpy_only_python, str(out / "model.py"), str(tmp_path / "images.npy")],
                         capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "")})
    assert run.returncode == 0, run.stderr
    with numnet.no_grad():
        logits = model(numnet.tensor((x - 0.3) / 0.5)).numpy()
    want = [f"{k} {i} {classes[i]}" for k, i in enumerate(np.argmax(logits, 1))]
    assert run.stdout.strip().splitlines() == want


def test_numpy_export_refuses_what_onnx_refuses(tmp_path):
    from tests.onnx.test_export import WithCustom

    with pytest.raises(ExportError, match="_Custom at"):
        numnet.onnx.export_numpy(WithCustom(), numnet.randn(1, 1, 5, 5), tmp_path / "x")
    assert not (tmp_path / "x" / "model.py").exists()
    with pytest.raises(ExportError, match="expected model to be a numnet Module"):
        numnet.onnx.export_numpy(object(), numnet.randn(1, 2), tmp_path / "y")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
