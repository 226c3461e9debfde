"""numnet.callbacks: hook order, EarlyStopping, ModelCheckpoint, LearningRateScheduler, CSVLogger, TerminateOnNaN."""

from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
import pytest

import numnet
from numnet import nn, optim
from numnet.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    TerminateOnNaN,
)
from numnet.errors import ArgumentError
from numnet.train import Trainer, fit

from tests.train_helpers import blobs, small_model, params_of


class Snapshots(Callback):
    """The model's parameters at the end of each epoch."""

    def __init__(self):
        self.params = []

    def on_epoch_end(self, epoch, logs=None):
        self.params.append(params_of(self.model))


def worsening_run(callbacks, epochs=8):
    """Training where val_loss rises after the first epoch: the validation labels are the opposite of training's."""
    x, y = blobs()
    model = small_model()
    snaps = Snapshots()
    history = fit(model, (x, y), val_data=(x, (y + 1) % 3), loss="cross_entropy", epochs=epochs, batch_size=32,
                  optimizer=optim.SGD(model.parameters(), lr=0.5), verbose=0, callbacks=[snaps, *callbacks])
    val = history.history["val_loss"]
    assert all(b > a for a, b in zip(val, val[1:])), val  # the premise of the tests below
    return model, history, snaps


# ---------------------------------------------------------------------------------------------------- hooks
class Recorder(Callback):
    """Records every hook call as (name,) or (name, index)."""

    def __init__(self):
        self.calls = []


def _recording_hook(name, indexed):
    def hook(self, *args, **kwargs):
        self.calls.append((name, args[0]) if indexed else (name,))

    return hook


for _name in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end"):
    setattr(Recorder, _name, _recording_hook(_name, False))
for _name in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
              "on_test_batch_end"):
    setattr(Recorder, _name, _recording_hook(_name, True))


def test_fit_calls_the_hooks_in_order_with_keras_style_logs():
    x, y = blobs(40)
    rec = Recorder()
    logs_seen = {}

    class Logs(Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs_seen["batch"] = dict(logs)

        def on_epoch_end(self, epoch, logs=None):
            logs_seen["epoch"] = dict(logs)
            assert self.trainer.epoch == epoch and self.model is self.trainer.model

    model = small_model()
    fit(model, (x, y), val_data=(x[:20], y[:20]), loss="cross_entropy", epochs=2, batch_size=16, verbose=0,
        optimizer=optim.SGD(model.parameters(), lr=0.1), callbacks=[rec, Logs()])
    epoch_calls = [("on_epoch_begin", 0)]
    for b in range(3):
        epoch_calls += [("on_train_batch_begin", b), ("on_train_batch_end", b)]
    epoch_calls += [("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),  # 20 = 16 + 4
                    ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end",), ("on_epoch_end", 0)]
    second = [(c[0], 1) if c[0].startswith("on_epoch") else c for c in epoch_calls]
    assert rec.calls == [("on_train_begin",), *epoch_calls, *second, ("on_train_end",)]
    assert set(logs_seen["batch"]) == {"loss", "accuracy", "size"} and logs_seen["batch"]["size"] == 8
    assert list(logs_seen["epoch"]) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]


def test_callback_list_rejects_non_callbacks_and_keys_states():
    with pytest.raises(ArgumentError, match="Callback"):
        CallbackList([lambda: None])
    first, second = EarlyStopping(patience=2), EarlyStopping(patience=3)
    cbs = CallbackList([first, second, History()])
    assert [type(c) for c in cbs] == [History, EarlyStopping, EarlyStopping]  # by Callback.order, ties as given
    first.wait, second.wait = 1, 2
    state = cbs.state_dict()
    assert set(state) == {"EarlyStopping", "EarlyStopping_1"}
    other = CallbackList([EarlyStopping(patience=2), EarlyStopping(patience=3)])
    other.load_state_dict(state)
    assert [c.wait for c in other.callbacks] == [1, 2]


# ---------------------------------------------------------------------------------------------------- EarlyStopping
def test_early_stopping_stops_and_restores_best_weights(capsys):
    stopper = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True, verbose=1)
    model, history, snaps = worsening_run([stopper])
    # best epoch 0; epochs 1 and 2 do not improve → stop after epoch 2 (3 epochs run instead of 8)
    assert history.epoch == [0, 1, 2]
    assert stopper.stopped_epoch == 2 and stopper.best_epoch == 0
    assert stopper.best == pytest.approx(history.history["val_loss"][0])
    for restored, best in zip(params_of(model), snaps.params[0]):
        np.testing.assert_array_equal(restored, best)
    assert not np.array_equal(snaps.params[2][0], snaps.params[0][0])
    assert "Epoch 3: early stopping" in capsys.readouterr().out


def test_early_stopping_without_restore_keeps_last_weights():
    stopper = EarlyStopping(monitor="val_loss", patience=1)
    model, history, snaps = worsening_run([stopper])
    assert history.epoch == [0, 1]
    for now, last in zip(params_of(model), snaps.params[-1]):
        np.testing.assert_array_equal(now, last)


class FakeTrainer:
    def __init__(self, model=None):
        self.model = model
        self.stop_training = False
        self.epoch = 0
        self.history = None
        self.params = {}


def drive(callback, values, key="val_loss"):
    trainer = FakeTrainer(small_model())
    callback.set_trainer(trainer)
    callback.on_train_begin()
    for epoch, v in enumerate(values):
        trainer.epoch = epoch
        callback.on_epoch_end(epoch, {key: v})
        if trainer.stop_training:
            return epoch
    return None


def test_early_stopping_rules():
    assert drive(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.96, 0.5]) == 3
    assert drive(EarlyStopping(patience=2), [1.0, 0.9, 0.8, 0.7, 0.6]) is None
    # min_delta: improvements of 0.01 do not count
    assert drive(EarlyStopping(patience=1, min_delta=0.05), [1.0, 0.99, 0.98]) == 1
    # "auto" maximises accuracy-like keys
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    assert stopper.mode == "max"
    assert drive(stopper, [0.5, 0.6, 0.55], key="val_accuracy") == 2
    # baseline: must beat 0.5 within `patience` epochs, improving on the best is not enough
    assert drive(EarlyStopping(patience=2, baseline=0.5), [0.9, 0.8, 0.7]) == 1
    assert drive(EarlyStopping(patience=2, baseline=0.5), [0.9, 0.4, 0.45, 0.46]) == 3
    # start_from_epoch: no monitoring during warm-up
    assert drive(EarlyStopping(patience=0, start_from_epoch=3), [1.0, 2.0, 3.0, 4.0, 5.0]) == 4
    # NaN never improves
    assert drive(EarlyStopping(patience=1), [1.0, math.nan]) == 1


def test_early_stopping_warns_on_missing_key_and_rejects_bad_args():
    with pytest.warns(RuntimeWarning, match="val_loss"):
        drive(EarlyStopping(), [1.0], key="loss")
    with pytest.raises(ArgumentError, match="mode"):
        EarlyStopping(mode="up")
    with pytest.raises(ArgumentError, match="patience"):
        EarlyStopping(patience=-1)


# ---------------------------------------------------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_writes_best_and_last(tmp_path):
    from numnet.io import load_checkpoint

    ckpt = ModelCheckpoint(tmp_path / "ckpt", monitor="val_loss")
    model, history, snaps = worsening_run([ckpt], epochs=3)
    best, last = tmp_path / "ckpt" / "best.safetensors", tmp_path / "ckpt" / "last.safetensors"
    assert best.is_file() and last.is_file()
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == ["best.safetensors", "last.safetensors"]
    fresh = small_model(seed=5)
    info = load_checkpoint(best, fresh)
    assert info["epoch"] == 1  # epoch 0 was the best (val_loss rises afterwards)
    for p, want in zip(fresh.parameters(), snaps.params[0]):
        np.testing.assert_array_equal(p._data, want)
    info = load_checkpoint(last, fresh)
    assert info["epoch"] == 3 and info["step"] == 12
    assert info["extra"]["history"]["epoch"] == [0, 1, 2]
    for p, want in zip(fresh.parameters(), snaps.params[2]):
        np.testing.assert_array_equal(p._data, want)
    assert ckpt.best == pytest.approx(history.history["val_loss"][0])


def test_model_checkpoint_filepath_formats_and_best_only_and_weights_only(tmp_path):
    ckpt = ModelCheckpoint(filepath=str(tmp_path / "m-{epoch:02d}-{val_loss:.3f}.safetensors"),
                           monitor="val_accuracy", save_best_only=False)
    _, history, _ = worsening_run([ckpt], epochs=3)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n[:5] for n in names] == ["m-01-", "m-02-", "m-03-"]
    assert names[0] == f"m-01-{history.history['val_loss'][0]:.3f}.safetensors"

    out = tmp_path / "only"
    ckpt = ModelCheckpoint(filepath=str(out / "best.safetensors"), monitor="val_loss", save_best_only=True,
                           save_weights_only=True)
    model, _, snaps = worsening_run([ckpt], epochs=3)
    weights = numnet.io.load(out / "best.safetensors")
    np.testing.assert_array_equal(weights["weight"], snaps.params[0][0])
    assert numnet.io.load_metadata(out / "best.safetensors")["format"] == "numnet.model"

    with pytest.raises(ArgumentError, match="exactly one"):
        ModelCheckpoint()
    with pytest.raises(ArgumentError, match="exactly one"):
        ModelCheckpoint(tmp_path, filepath="x")


def test_model_checkpoint_bad_format_field_is_an_argument_error(tmp_path):
    ckpt = ModelCheckpoint(filepath=str(tmp_path / "{nope}.safetensors"), monitor="loss")
    with pytest.raises(ArgumentError, match="cannot format"):
        worsening_run([ckpt], epochs=2)


# ---------------------------------------------------------------------------------------------------- LR schedule
def test_learning_rate_scheduler_one_and_two_argument_forms(capsys):
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=1.0)
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=3, batch_size=32, verbose=0,
            callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)])
    np.testing.assert_allclose(h.history["lr"], [0.1, 0.05, 0.1 / 3])
    assert "Epoch 2: learning rate set to 0.0500" in capsys.readouterr().out

    def halve_after_first(epoch, lr):
        return lr if epoch == 0 else lr / 2

    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=3, batch_size=32, verbose=0,
            callbacks=[LearningRateScheduler(halve_after_first)])
    np.testing.assert_allclose(h.history["lr"], [0.1 / 3, 0.1 / 6, 0.1 / 12])
    with pytest.raises(ArgumentError, match="finite number"):
        fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=1, verbose=0,
            callbacks=[LearningRateScheduler(lambda e: "fast")])
    with pytest.raises(ArgumentError, match="callable"):
        LearningRateScheduler(0.1)


# ---------------------------------------------------------------------------------------------------- CSVLogger
def test_csv_logger_writes_epoch_and_all_logs(tmp_path):
    path = tmp_path / "logs" / "history.csv"
    _, history, _ = worsening_run([CSVLogger(path)], epochs=3)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    for i, row in enumerate(rows[1:]):
        for key, cell in zip(rows[0][1:], row[1:]):
            assert float(cell) == history.history[key][i]  # repr round-trips exactly

    # append=True continues the file without a second header
    worsening_run([CSVLogger(path, append=True)], epochs=2)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + 3 + 2 and [r[0] for r in rows[1:]] == ["1", "2", "3", "1", "2"]


# ---------------------------------------------------------------------------------------------------- TerminateOnNaN
class NaNAfter(nn.Module):
    """A linear model whose output turns NaN from the given (epoch, batch) on, counting training calls only."""

    def __init__(self, epoch, batch, batches_per_epoch):
        super().__init__()
        self.inner = nn.Linear(4, 3)
        self.at = epoch * batches_per_epoch + batch
        self.calls = 0

    def forward(self, x):
        out = self.inner(x)
        if self.training:
            self.calls += 1
            if self.calls > self.at:
                out = out * float("nan")
        return out


def test_terminate_on_nan_names_epoch_and_batch(capsys, tmp_path):
    x, y = blobs(128)  # 4 batches of 32
    numnet.manual_seed(0)
    model = NaNAfter(epoch=1, batch=2, batches_per_epoch=4)
    stopper = TerminateOnNaN()
    batches = []

    class Count(Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append((self.trainer.epoch, batch))

    history = fit(model, (x, y), val_data=(x, y), loss="cross_entropy", epochs=5, batch_size=32, verbose=0,
                  optimizer=optim.SGD(model.parameters(), lr=0.1),
                  callbacks=[ModelCheckpoint(tmp_path), stopper, Count()])
    msg = "TerminateOnNaN: loss is nan at epoch 2, batch 3; stopping training"
    assert stopper.message == msg
    assert msg in capsys.readouterr().out
    assert batches[-1] == (1, 2)  # stopped right after the bad batch
    assert history.epoch == [0, 1]
    assert math.isnan(history.history["loss"][1])
    assert math.isnan(history.history["val_loss"][1])  # the unfinished epoch is not validated
    # the checkpoint of the last finished epoch is kept, not overwritten by the unfinished one
    from numnet.io import load_checkpoint

    fresh = NaNAfter(0, 0, 1)
    assert load_checkpoint(tmp_path / "last.safetensors", fresh)["epoch"] == 1
    assert all(np.isfinite(p._data).all() for p in fresh.parameters())


def test_terminate_on_nan_with_an_exploding_learning_rate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 4)).astype(np.float32)
    target = rng.standard_normal((128, 1)).astype(np.float32)
    numnet.manual_seed(0)
    model = nn.Linear(4, 1)
    buf = io.StringIO()
    stopper = TerminateOnNaN(file=buf)
    with np.errstate(all="ignore"):  # NumPy overflows while the loss explodes
        history = fit(model, (x, target), loss="mse", metrics=None, epochs=50, batch_size=16, verbose=0,
                      optimizer=optim.SGD(model.parameters(), lr=10.0), callbacks=[stopper])
    assert stopper.message is not None and buf.getvalue() == stopper.message + "\n"
    assert re.fullmatch(r"TerminateOnNaN: loss is (nan|inf) at epoch \d+, batch \d+; stopping training",
                        stopper.message)
    epoch = int(re.search(r"epoch (\d+)", stopper.message).group(1))
    assert len(history.epoch) == epoch < 50
    assert not math.isfinite(history.history["loss"][-1])


def test_trainer_stop_flag_from_a_callback_stops_after_the_batch():
    x, y = blobs(64)

    class StopAt(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.trainer.epoch == 0 and batch == 1:
                self.trainer.stop_training = True

    model = small_model()
    trainer = Trainer(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    history = trainer.fit((x, y), epochs=3, batch_size=16, verbose=0, callbacks=[StopAt()])
    assert trainer.global_step == 2 and history.epoch == [0]
