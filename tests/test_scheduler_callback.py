"""numnet.callbacks.LRSchedulerCallback: the one mechanism that steps an LR scheduler during fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numnet
from numnet import nn, optim
from numnet.callbacks import Callback, LRSchedulerCallback, ModelCheckpoint
from numnet.data import DataLoader, TensorDataset
from numnet.errors import ArgumentError
from numnet.train import Trainer, fit

from tests.train_helpers import assert_params_equal, blobs, small_model


SCHEDULERS = {
    "onecycle-step": (lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=18), "step"),
    "steplr-epoch": (lambda o: optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5), "epoch"),
    "plateau-epoch": (lambda o: optim.lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5), "epoch"),
}


def setup(kind):
    numnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3))
    opt = optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    make, interval = SCHEDULERS[kind]
    x, y = blobs(96)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    return model, opt, make(opt), interval, loader, (x[:32], (y[:32] + 1) % 3)


def fit_with_callback(kind, **kwargs):
    """Three epochs of ``setup(kind)`` with its scheduler passed as an LRSchedulerCallback."""
    model, opt, sched, interval, loader, val = setup(kind)
    history = fit(model, loader, val_data=val, loss="cross_entropy", optimizer=opt, epochs=3, verbose=0,
                  callbacks=[LRSchedulerCallback(sched, interval=interval)], **kwargs)
    return history, model


@pytest.mark.parametrize("kind", list(SCHEDULERS))
def test_a_callback_in_callbacks_is_exactly_fit_scheduler(kind):
    model, opt, sched, interval, loader, val = setup(kind)
    h1 = fit(model, loader, val_data=val, loss="cross_entropy", optimizer=opt, scheduler=sched,
             scheduler_interval=interval, epochs=3, verbose=0)
    want = [p._data.copy() for p in model.parameters()]

    h2, model = fit_with_callback(kind)
    assert h1.history == h2.history
    assert len(set(h1.history["lr"])) > 1  # the rate did move
    assert_params_equal(model, want)


def test_step_interval_steps_after_every_optimizer_step_and_logs_the_steps_rate():
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=1.0)
    rates = []

    class Rates(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(self.trainer.optimizer.param_groups[0]["lr"])

    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=2, batch_size=16, verbose=0,
            callbacks=[Rates(), LRSchedulerCallback(sched, interval="step")])
    assert rates == [0.5 ** k for k in range(8)]
    np.testing.assert_allclose(h.history["lr"], [0.5 ** 3, 0.5 ** 7])


def test_resume_with_a_user_scheduler_callback_is_bit_identical(tmp_path):
    kind = "onecycle-step"
    straight, model = fit_with_callback(kind)
    want = [p._data.copy() for p in model.parameters()]

    model, opt, sched, interval, loader, val = setup(kind)
    ckpt = tmp_path / "c.safetensors"
    fit(model, loader, val_data=val, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0,
        callbacks=[LRSchedulerCallback(sched, interval), ModelCheckpoint(filepath=ckpt)])
    assert "scheduler" in numnet.io.load_metadata(ckpt)  # the Trainer checkpoints the callback's scheduler

    numnet.manual_seed(99)
    resumed, model = fit_with_callback(kind, resume_from=ckpt)
    assert resumed.history == straight.history
    assert_params_equal(model, want)


def test_plateau_monitor_and_a_missing_key():
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0, factor=0.5)
    seen = []
    plateau.step = lambda metrics, _step=plateau.step: (seen.append(metrics), _step(metrics))[1]
    h = fit(model, (x, y), val_data=(x, y), loss="cross_entropy", optimizer=opt, epochs=3, batch_size=16,
            verbose=0, callbacks=[LRSchedulerCallback(plateau, monitor="val_accuracy")])
    assert seen == h.history["val_accuracy"]

    cb = LRSchedulerCallback(optim.lr_scheduler.ReduceLROnPlateau(opt), monitor="val_auc")
    with pytest.warns(RuntimeWarning, match="val_auc"):
        fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=2, verbose=0, callbacks=[cb])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        cb.on_epoch_end(2, {"loss": 1.0})


def test_an_epoch_stopped_early_does_not_step_the_epoch_scheduler():
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.4)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

    class StopMidEpoch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.trainer.epoch == 1 and batch == 1:
                self.trainer.stop_training = True

    fit(model, (x, y), loss="cross_entropy", optimizer=opt, scheduler=sched, epochs=5, batch_size=16, verbose=0,
        callbacks=[StopMidEpoch()])
    assert sched.last_epoch == 1 and opt.param_groups[0]["lr"] == 0.2


def test_scheduler_errors(tmp_path):
    x, y = blobs(32)
    numnet.manual_seed(0)
    model = nn.Linear(4, 3)
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.raises(ArgumentError, match="interval"):
        LRSchedulerCallback(sched, interval="batch")
    with pytest.raises(ArgumentError, match="ReduceLROnPlateau"):
        LRSchedulerCallback(optim.lr_scheduler.ReduceLROnPlateau(opt), interval="step")
    with pytest.raises(ArgumentError, match="step()"):
        LRSchedulerCallback(0.1)
    with pytest.raises(ArgumentError, match="given twice"):
        fit(model, (x, y), loss="cross_entropy", optimizer=opt, scheduler=sched, epochs=1, verbose=0,
            callbacks=[LRSchedulerCallback(sched)])
    # two schedulers train fine, but a checkpoint holds one
    other = optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    trainer = Trainer(model, "cross_entropy", opt, scheduler=sched)
    trainer.fit((x, y), epochs=1, verbose=0, callbacks=[LRSchedulerCallback(other)])
    with pytest.raises(ArgumentError, match="one LR scheduler, got 2"):
        trainer.save_checkpoint(tmp_path / "c.safetensors")
    with pytest.raises(ArgumentError, match="one LR scheduler, got 2"):
        trainer.fit((x, y), epochs=2, verbose=0, callbacks=[LRSchedulerCallback(other), ModelCheckpoint(tmp_path, monitor="loss")])
