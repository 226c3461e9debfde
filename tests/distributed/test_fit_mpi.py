"""fit/evaluate(distributed=True) and `mpirun -n N numnet train`: the same training as one process on the global
batch, the same logs on every rank, files from rank 0 only, checkpoints that resume on another number of ranks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.distributed._mpi import ROOT, env, mpirun

SCRIPT = "tests/distributed/fit_script.py"


def _results(out, ranks: int) -> list[dict]:
    return [json.loads(open(f"{out}.rank{r}.json").read()) for r in range(ranks)]


def _run(ranks: int, out, epochs: int, batch: int, *extra: str) -> list[dict]:
    if ranks == 1:
        run = subprocess.run([sys.executable, SCRIPT, str(out), str(epochs), str(batch), *extra],
                             capture_output=True, text=True, env=env(), cwd=ROOT, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
    else:
        mpirun(ranks, sys.executable, SCRIPT, str(out), str(epochs), str(batch), *extra)
    return _results(out, ranks)


@pytest.mark.parametrize("extra", [(), ("--sync-bn",)], ids=["plain", "sync-bn"])
@pytest.mark.parametrize("ranks", [2, 4])
def test_distributed_fit_equals_one_process_on_the_global_batch(ranks, extra, tmp_path):
    per_rank = 24 // ranks
    runs = _run(ranks, tmp_path / "d", 3, per_rank, *extra)
    assert [r["rank"] for r in runs] == list(range(ranks))
    ref = _run(1, tmp_path / "one", 3, 24, *extra)[0]
    for r in runs:  # every rank: the same parameters and the same (global) logs as the single process
        assert np.max(np.abs(np.array(r["params"]) - ref["params"])) <= 1e-10
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            np.testing.assert_allclose(r["history"][key], ref["history"][key], rtol=1e-10, atol=1e-12)
        for key, value in ref["evaluate"].items():
            assert abs(r["evaluate"][key] - value) <= 1e-10
    files = sorted(os.listdir(tmp_path / "d"))
    assert files == ["checkpoint.safetensors", "history-0.csv"], files   # written by rank 0 only


def test_checkpoint_of_two_ranks_resumes_on_one_and_on_four(tmp_path):
    out = tmp_path / "run"
    first = _run(2, out, 2, 12)
    saved = np.array(first[0]["params"])
    for ranks, where in ((1, "one"), (4, "four")):
        run = out.parent / where
        run.mkdir()
        (run / "checkpoint.safetensors").write_bytes((out / "checkpoint.safetensors").read_bytes())
        resumed = _run(ranks, run, 3, 24 // ranks, "--resume")
        for r in resumed:
            assert r["epochs"] == [0, 1, 2]              # the saved history, then one more epoch
            assert np.max(np.abs(np.array(r["params"]) - saved)) > 0   # it trained from there
        # from the same saved state and the same global batch, the third epoch is the same everywhere
        if ranks == 1:
            one = np.array(resumed[0]["params"])
        else:
            assert np.max(np.abs(np.array(resumed[0]["params"]) - one)) <= 1e-10


def test_cli_train_under_mpirun(tmp_path):
    """`mpirun -n 2 numnet train` on a folder of images: one set of files, one accuracy line, from rank 0."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in (("train", 24), ("val", 8)):
        for c in ("a", "b"):
            os.makedirs(tmp_path / "imgs" / split / c)
            for i in range(n):
                px = rng.integers(0, 80, (8, 8), dtype=np.uint8) + (150 if c == "b" else 0)
                Image.fromarray(px.astype(np.uint8)).save(tmp_path / "imgs" / split / c / f"{i}.png")
    numnet_cmd = os.path.join(os.path.dirname(sys.executable), "numnet")
    run = mpirun(2, numnet_cmd, "train", "--model", "mlp", "--data", str(tmp_path / "imgs"), "--epochs", "2",
                 "--batch-size", "4", "--out", str(tmp_path / "out"), cwd=str(tmp_path))
    accuracy_lines = [line for line in run.stdout.splitlines() if line.startswith(("validation accuracy", "test acc"))]
    assert len(accuracy_lines) == 1 and accuracy_lines[0].startswith("validation accuracy (val): "), run.stdout
    assert "on 2 ranks (batch 4 per rank)" in run.stdout
    assert sorted(os.listdir(tmp_path / "out")) == ["checkpoint.safetensors", "curves.png", "history.csv",
                                                    "model.safetensors"]


def test_cli_error_on_every_rank_is_one_clean_failure(tmp_path):
    numnet_cmd = os.path.join(os.path.dirname(sys.executable), "numnet")
    run = mpirun(2, numnet_cmd, "train", "--data", str(tmp_path / "missing"), "--epochs", "1", check=False,
                 timeout=60, cwd=str(tmp_path))
    assert run.returncode != 0
    assert "numnet: error:" in run.stderr and "Traceback" not in run.stderr
