"""Resuming training from a checkpoint is bit-identical to never stopping, also in a fresh process."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numnet
from numnet import nn, optim
from numnet.callbacks import CSVLogger, EarlyStopping, ModelCheckpoint
from numnet.data import DataLoader, TensorDataset
from numnet.errors import FileFormatError
from numnet.train import fit

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import numnet
    from numnet import nn, optim
    from numnet.callbacks import ModelCheckpoint
    from numnet.data import DataLoader, Subset
    from numnet.datasets import FashionMNIST
    from numnet.models import LeNet5
    from numnet.train import fit

    def run(mode, ckpt, out):
        numnet.manual_seed(0)
        model = LeNet5()
        loader = DataLoader(Subset(FashionMNIST(train=True), range(512)), batch_size=32, shuffle=True)
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
        sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=2 * len(loader))
        kwargs = dict(loss=nn.CrossEntropyLoss(), optimizer=opt, scheduler=sched, scheduler_interval="step",
                      verbose=0)
        if mode == "straight":
            history = fit(model, loader, epochs=2, **kwargs)
        elif mode == "first":
            history = fit(model, loader, epochs=1, callbacks=[ModelCheckpoint(filepath=ckpt)], **kwargs)
        else:
            history = fit(model, loader, epochs=2, resume_from=ckpt, **kwargs)
        arrays = {f"p{i}": p._data for i, p in enumerate(model.parameters())}
        arrays["loss"] = np.array(history.history["loss"])
        arrays["lr"] = np.array(history.history["lr"])
        arrays["epoch"] = np.array(history.epoch)
        np.savez(out, **arrays)

    args = sys.argv[1:]
    for i in range(0, len(args), 3):  # (mode, checkpoint, output) triples, run one after the other
        run(*args[i:i + 3])
    """
)


def run(script, *args):
    proc = subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_resume_in_a_fresh_process_is_bit_identical(tmp_path):
    script = tmp_path / "train_script.py"
    script.write_text(SCRIPT)
    ckpt = tmp_path / "ckpt.safetensors"
    run(script, "straight", ckpt, tmp_path / "straight.npz", "first", ckpt, tmp_path / "first.npz")
    assert ckpt.is_file()
    run(script, "resume", ckpt, tmp_path / "resumed.npz")  # a fresh process: nothing but the checkpoint carries over

    straight, first, resumed = (np.load(tmp_path / f"{n}.npz") for n in ("straight", "first", "resumed"))
    params = [k for k in straight.files if k.startswith("p")]
    assert len(params) == 10  # LeNet5: 5 layers × (weight, bias)
    for k in params:
        assert straight[k].dtype == np.float32
        assert np.array_equal(straight[k], resumed[k]), f"parameter {k} differs after resuming"
        assert not np.array_equal(first[k], resumed[k])  # the second epoch did train
    # the resumed history holds both epochs, identical to the uninterrupted run's
    np.testing.assert_array_equal(resumed["epoch"], [0, 1])
    np.testing.assert_array_equal(straight["loss"], resumed["loss"])
    np.testing.assert_array_equal(straight["lr"], resumed["lr"])
    np.testing.assert_array_equal(first["loss"], straight["loss"][:1])


# ---------------------------------------------------------------------------------------------------- in process
def blobs(n=96):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    w = np.random.default_rng(100).standard_normal((4, 3)).astype(np.float32)
    return x, (x @ w).argmax(axis=1).astype(np.int64)


def setup(generator=None):
    numnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3))  # dropout draws from the RNG
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.8)
    x, y = blobs()
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=generator)
    return model, opt, sched, loader, (x[:32], (y[:32] + 1) % 3)


def test_resume_restores_history_csv_and_callback_state(tmp_path):
    model, opt, sched, loader, val = setup()
    stopper = EarlyStopping(patience=10)
    straight = fit(model, loader, val_data=val, loss="cross_entropy", optimizer=opt, scheduler=sched, epochs=4,
                   verbose=0, callbacks=[stopper])
    want = [p._data.copy() for p in model.parameters()]

    model, opt, sched, loader, val = setup()
    ckpt = tmp_path / "run"
    fit(model, loader, val_data=val, loss="cross_entropy", optimizer=opt, scheduler=sched, epochs=2, verbose=0,
        callbacks=[ModelCheckpoint(ckpt), CSVLogger(tmp_path / "h.csv"), EarlyStopping(patience=10)])

    numnet.manual_seed(123)  # a different RNG state: the checkpoint must restore it
    model, opt, sched, loader, val = setup()
    numnet.manual_seed(123)
    stopper2 = EarlyStopping(patience=10)
    resumed = fit(model, loader, val_data=val, loss="cross_entropy", optimizer=opt, scheduler=sched, epochs=4,
                  verbose=0, resume_from=ckpt / "last.safetensors",
                  callbacks=[ModelCheckpoint(ckpt), CSVLogger(tmp_path / "h.csv"), stopper2])
    for p, w in zip(model.parameters(), want):
        assert np.array_equal(p._data, w)
    assert resumed.epoch == [0, 1, 2, 3]
    assert resumed.history == straight.history
    assert (stopper2.wait, stopper2.best, stopper2.best_epoch) == (stopper.wait, stopper.best, stopper.best_epoch)
    with open(tmp_path / "h.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows] == ["epoch", "1", "2", "3", "4"]
    assert [float(r[1]) for r in rows[1:]] == straight.history["loss"]


def test_resume_restores_a_loaders_own_generator(tmp_path):
    model, opt, sched, loader, _ = setup(np.random.default_rng(7))
    fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=3, verbose=0)
    want = [p._data.copy() for p in model.parameters()]

    model, opt, sched, loader, _ = setup(np.random.default_rng(7))
    fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0,
        callbacks=[ModelCheckpoint(filepath=tmp_path / "c.safetensors")])
    model, opt, sched, loader, _ = setup(np.random.default_rng(7))  # generator back at its seed
    fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=3, verbose=0,
        resume_from=tmp_path / "c.safetensors")
    for p, w in zip(model.parameters(), want):
        assert np.array_equal(p._data, w)


def test_resume_errors_and_finished_runs(tmp_path):
    model, opt, sched, loader, _ = setup()
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0,
            resume_from=tmp_path / "missing.safetensors")
    numnet.io.save_model(model, tmp_path / "model.safetensors")
    with pytest.raises(FileFormatError, match="not a numnet checkpoint"):
        fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0,
            resume_from=tmp_path / "model.safetensors")
    fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=2, verbose=0,
        callbacks=[ModelCheckpoint(filepath=tmp_path / "c.safetensors")])
    before = [p._data.copy() for p in model.parameters()]
    h = fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=2, verbose=0,
            resume_from=tmp_path / "c.safetensors")
    assert h.epoch == [0, 1]  # nothing left to train: the stored history comes back
    assert all(np.array_equal(a, p._data) for a, p in zip(before, model.parameters()))
