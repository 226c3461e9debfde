"""Run a script under the venv's mpirun (the mpich wheel's) with one BLAS thread per rank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MPIRUN = Path(sys.executable).parent / "mpirun"


def env() -> dict:
    e = dict(os.environ)
    e.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return e


def mpirun(n: int, *args: str, timeout: float = 300, check: bool = True, cwd: str | None = None) \
        -> subprocess.CompletedProcess:
    assert MPIRUN.exists(), f"{MPIRUN} is missing: make test installs numnet[distributed] (mpi4py, mpich)"
    run = subprocess.run([str(MPIRUN), "-n", str(n), *args], capture_output=True, text=True, env=env(),
                         timeout=timeout, cwd=cwd or str(ROOT))
    if check:
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    return run


def last_json(text: str) -> dict:
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])
