"""numnet.callbacks: the documented calling order (Callback.order) and what each callback sees because of it."""

from __future__ import annotations

import io

import pytest

from numnet import optim
from numnet.callbacks import ORDER_CHECKPOINT, ORDER_DEFAULT, ORDER_HISTORY, ORDER_PROGRESS, ORDER_SCHEDULE
from numnet.callbacks import Callback, CallbackList, CSVLogger, EarlyStopping, History, LearningRateScheduler
from numnet.callbacks import LRSchedulerCallback, ModelCheckpoint, ProgressBar, TerminateOnNaN
from numnet.io import load_checkpoint
from numnet.train import Trainer, fit

from tests.train_helpers import blobs, small_model


def test_the_built_in_orders():
    assert ORDER_HISTORY < ORDER_PROGRESS < ORDER_SCHEDULE < ORDER_DEFAULT < ORDER_CHECKPOINT
    assert History.order == ORDER_HISTORY and ProgressBar.order == ORDER_PROGRESS
    assert LRSchedulerCallback.order == LearningRateScheduler.order == ORDER_SCHEDULE
    for cls in (Callback, EarlyStopping, TerminateOnNaN, CSVLogger):
        assert cls.order == ORDER_DEFAULT
    assert ModelCheckpoint.order == ORDER_CHECKPOINT
    assert not hasattr(ModelCheckpoint, "_runs_last")


def test_callback_list_sorts_by_order_and_keeps_ties_in_the_given_order():
    class Late(Callback):
        order = ORDER_CHECKPOINT + 10

    a, b, late, ckpt, hist = Callback(), Callback(), Late(), ModelCheckpoint("unused"), History()
    early = Callback()
    early.order = ORDER_HISTORY - 1  # an instance may set its own
    cbs = CallbackList([late, a, ckpt, b, hist, early])
    assert cbs.callbacks == [early, hist, a, b, ckpt, late]


def test_fit_calls_history_progress_schedule_user_then_checkpoints(tmp_path, capsys):
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.4)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    calls = []

    class Named(Callback):
        def __init__(self, name, order=ORDER_DEFAULT):
            self.name, self.order = name, order

        def on_epoch_end(self, epoch, logs=None):
            calls.append(self.name)

    ckpt = ModelCheckpoint(tmp_path, monitor="loss")
    user = [ckpt, Named("first"), Named("after checkpoints", ORDER_CHECKPOINT + 1), Named("second")]
    trainer = Trainer(model, "cross_entropy", opt, scheduler=sched)
    trainer.fit((x, y), epochs=1, batch_size=16, verbose=2, callbacks=user)
    kinds = [type(c).__name__ if not isinstance(c, Named) else c.name for c in trainer.callbacks]
    assert kinds == ["History", "ProgressBar", "LRSchedulerCallback", "first", "second", "ModelCheckpoint",
                     "after checkpoints"]
    assert calls == ["first", "second", "after checkpoints"]
    assert capsys.readouterr().out.startswith("Epoch 1/1 - ")


class Seen(Callback):
    """What a user callback (default order) sees at the end of each epoch; it also carries state of its own."""

    def __init__(self, ckpt_dir):
        self.ckpt_dir = ckpt_dir
        self.seen = []
        self.count = 0

    def state_dict(self):
        return {"count": self.count}

    def on_epoch_end(self, epoch, logs=None):
        self.count += 1
        t = self.trainer
        self.seen.append({
            "history_epochs": list(t.history.epoch),
            "lr_now": t.optimizer.param_groups[0]["lr"],
            "lr_logged": logs["lr"],
            "checkpoint_exists": (self.ckpt_dir / "last.safetensors").exists(),
        })


def test_what_each_callback_sees_at_epoch_end(tmp_path):
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.4)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    seen = Seen(tmp_path)
    fit(model, (x, y), loss="cross_entropy", optimizer=opt, scheduler=sched, epochs=2, batch_size=16, verbose=0,
        callbacks=[ModelCheckpoint(tmp_path, monitor="loss"), seen])
    # History ran before it; the schedule already stepped (the log keeps the epoch's own rate); checkpoints come after
    assert [s["history_epochs"] for s in seen.seen] == [[0], [0, 1]]
    assert [s["lr_logged"] for s in seen.seen] == [0.4, 0.2]
    assert [s["lr_now"] for s in seen.seen] == [0.2, 0.1]
    assert [s["checkpoint_exists"] for s in seen.seen] == [False, True]
    # ... so the checkpoint holds the stepped scheduler, this epoch's history and the user callback's state
    fresh = small_model(5)
    fresh_opt = optim.SGD(fresh.parameters(), lr=0.4)
    fresh_sched = optim.lr_scheduler.StepLR(fresh_opt, step_size=1, gamma=0.5)
    info = load_checkpoint(tmp_path / "last.safetensors", fresh, fresh_opt, fresh_sched)
    assert fresh_sched.state_dict() == sched.state_dict() and fresh_opt.param_groups[0]["lr"] == 0.1
    assert info["extra"]["history"]["epoch"] == [0, 1]
    assert info["extra"]["callbacks"]["Seen"] == {"count": 2}


def test_progress_line_comes_before_other_callbacks_messages(capsys):
    x, y = blobs(64)
    model = small_model()
    stopper = EarlyStopping(monitor="loss", patience=0, mode="max", verbose=1)  # stops after the second epoch
    fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=5,
        batch_size=16, verbose=2, callbacks=[stopper])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Epoch 1/5 - ") and lines[1].startswith("Epoch 2/5 - ")
    assert lines[2].startswith("Epoch 2: early stopping")


def test_evaluate_orders_its_callbacks_too():
    x, y = blobs(64)
    calls = []

    class Before(Callback):
        order = ORDER_PROGRESS - 1

        def on_test_end(self, logs=None):
            calls.append("before")

    class After(Callback):
        def on_test_end(self, logs=None):
            calls.append("after")

    buf = io.StringIO()

    class Bar(ProgressBar):
        def on_test_end(self, logs=None):
            calls.append("bar")
            super().on_test_end(logs)

    Trainer(small_model(), "cross_entropy").evaluate((x, y), callbacks=[After(), Bar(2, file=buf), Before()])
    assert calls == ["before", "bar", "after"]
    assert buf.getvalue().startswith("Evaluate - ")


@pytest.mark.parametrize("order", [ORDER_DEFAULT, ORDER_CHECKPOINT + 1])
def test_a_callback_after_checkpoints_sees_the_file_of_its_epoch(tmp_path, order):
    x, y = blobs(64)
    model = small_model()
    found = []

    class Probe(Callback):
        def on_epoch_end(self, epoch, logs=None):
            found.append(load_checkpoint(tmp_path / "c.safetensors", small_model(3))["epoch"]
                         if (tmp_path / "c.safetensors").exists() else None)

    probe = Probe()
    probe.order = order
    fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=2,
        batch_size=16, verbose=0, callbacks=[probe, ModelCheckpoint(filepath=tmp_path / "c.safetensors")])
    assert found == ([None, 1] if order == ORDER_DEFAULT else [1, 2])
