"""The PyTorch drop-in, measured: every script in tests/pytorch_scripts/ runs under torch and under numnet with only
its import lines rewritten, and the metrics both print agree within the script's declared tolerance (see
tests/pytorch_scripts/README.md)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "pytorch_scripts"
ROOT = Path(__file__).resolve().parents[1]

# import torch                      -> import numnet as torch
# import torch.nn as nn             -> import numnet.nn as nn
# from torch import nn, optim       -> from numnet import nn, optim
# from torch.utils.data import X    -> from numnet.utils.data import X
# import torchvision.transforms as T -> import numnet.transforms as T
_RULES = [
    (re.compile(r"^(\s*)import torch\s*$"), r"\1import numnet as torch"),
    (re.compile(r"^(\s*)import torch\.([\w.]+) as (\w+)\s*$"), r"\1import numnet.\2 as \3"),
    (re.compile(r"^(\s*)from torch import (.+)$"), r"\1from numnet import \2"),
    (re.compile(r"^(\s*)from torch\.([\w.]+) import (.+)$"), r"\1from numnet.\2 import \3"),
    (re.compile(r"^(\s*)import torchvision\.transforms as (\w+)\s*$"), r"\1import numnet.transforms as \2"),
    (re.compile(r"^(\s*)from torchvision(\.[\w.]+)? import (.+)$"), r"\1from numnet\2 import \3"),
]


def rewrite_imports(source: str) -> tuple[str, int]:
    """The script with its torch import lines pointed at numnet, and how many lines changed (nothing else is)."""
    lines, changed = [], 0
    for line in source.splitlines():
        new = line
        if re.match(r"^\s*(import|from)\s+torch", line):
            for pattern, repl in _RULES:
                if pattern.match(line):
                    new = pattern.sub(repl, line)
                    break
            else:
                raise AssertionError(f"an import line the rewriter does not handle: {line!r}")
        changed += new != line
        lines.append(new)
    return "\n".join(lines) + "\n", changed


def _metrics(stdout: str) -> dict[str, float]:
    out = {}
    for line in stdout.splitlines():
        if line.startswith("METRIC "):
            _, name, value = line.split()
            out[name] = {"True": 1.0, "False": 0.0}.get(value, None) if value in ("True", "False") else float(value)
    return out


def _tolerances(source: str) -> list[tuple[str, str, float]]:
    m = re.search(r"^# tolerance: (.+)$", source, re.M)
    assert m, "a script states its tolerance in a '# tolerance:' line"
    specs = []
    for item in m.group(1).split():
        name, rule = item.split("=")
        kind, value = rule.split(":")
        assert kind in ("abs", "rel", "min", "max"), item
        specs.append((name, kind, float(value)))
    return specs


def _run(source: str, tmp_path: Path, tag: str) -> dict[str, float]:
    path = tmp_path / f"{tag}.py"
    path.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, f"{tag} run failed:\n{proc.stderr[-4000:]}"
    metrics = _metrics(proc.stdout)
    assert metrics, f"{tag} run printed no METRIC lines"
    return metrics


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py")))
def test_script_runs_on_numnet_with_only_imports_changed(script, tmp_path):
    source = (SCRIPTS / script).read_text()
    ported, changed = rewrite_imports(source)
    assert changed >= 1
    assert len(ported.splitlines()) == len(source.splitlines())
    reference = _run(source, tmp_path, "reference_torch")
    ours = _run(ported, tmp_path, "ported_numnet")
    assert set(ours) == set(reference), set(ours) ^ set(reference)
    specs = _tolerances(source)
    closeness = {name for name, kind, _ in specs if kind in ("abs", "rel")}
    for name in reference:
        r, o = reference[name], ours[name]
        rules = [(k, v) for n, k, v in specs if n == name or (n == "*" and name not in closeness and k in ("abs", "rel"))]
        rules += [(k, v) for n, k, v in specs if n == name and k in ("min", "max")]
        assert rules, f"{script}: no tolerance for metric {name}"
        for kind, value in rules:
            if kind == "abs":
                assert abs(o - r) <= value, f"{script}: {name} numnet {o} vs torch {r} (abs tol {value})"
            elif kind == "rel":
                assert math.isclose(o, r, rel_tol=value, abs_tol=1e-12), \
                    f"{script}: {name} numnet {o} vs torch {r} (rel tol {value})"
            elif kind == "min":
                assert o >= value and r >= value, f"{script}: {name} numnet {o}, torch {r}, both must be >= {value}"
            else:
                assert o <= value and r <= value, f"{script}: {name} numnet {o}, torch {r}, both must be <= {value}"


def test_the_rewriter_changes_only_import_lines():
    src = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nx = torch.ones(2)\n"
    out, changed = rewrite_imports(src)
    assert changed == 3
    assert out.splitlines() == ["import numnet as torch", "import numnet.nn as nn",
                                "from numnet.utils.data import DataLoader", "x = torch.ones(2)"]
    assert len(list(SCRIPTS.glob("*.py"))) >= 8
