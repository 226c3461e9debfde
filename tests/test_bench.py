"""The benchmark's own helpers (numnet/bench/run.py), run in a subprocess because importing the module sets the
thread counts of BLAS and torch for the whole process. Timings are only printed by ``numnet bench``, never asserted."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import json
import numpy as np
from numnet.bench import run
from numnet.ops.conv import choose_layout
rng = np.random.default_rng(0)
rows = []
for n, cin, cout, h, k, p, s in run.CONV_CONFIGS:
    x = rng.standard_normal((n, cin, h, h), dtype=np.float32)
    w = rng.standard_normal((cout, cin, k, k), dtype=np.float32)
    b = np.zeros(cout, np.float32)
    rows.append((choose_layout(cin, cout), run.forward_gemm_seconds(x, w, b, s, p)))
lines = run.gemm_section([("conv a", 10.0, 20.0)])
image = rng.standard_normal((9, 9))
kernels = rng.standard_normal((2, 3, 3))
loop = run.lesson_loop(image, kernels, 1)
import numnet, numnet.functional as F
ours = F.conv2d(numnet.tensor(image[None, None]), numnet.tensor(kernels[:, None]), padding=1)._data[0]
print(json.dumps({"rows": rows, "lines": lines, "loop_error": float(np.abs(loop - ours).max())}))
"""


def test_forward_gemm_timing_and_report_lines():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=300)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    layouts = [layout for layout, _ in got["rows"]]
    assert layouts == ["batched", "chwn", "chwn", "chwn"]  # 3→16 image conv batched; the rest batch-innermost
    assert all(0 < seconds < 1 for _, seconds in got["rows"])
    assert got["lines"][0] == "## Conv GEMMs and conv forward vs NumPy's GEMM peak"
    row = got["lines"][-2]
    assert row.startswith("| conv a | 20.0 | ") and "| 10.0 | " in row
    assert got["loop_error"] < 1e-12  # the lesson's loop and F.conv2d agree
