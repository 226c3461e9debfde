"""numnet.train: fit / evaluate / predict, History, progress output, schedulers."""

from __future__ import annotations

import io

import numpy as np
import pytest

import numnet
from numnet import nn, optim
from numnet.callbacks import Callback, History, ProgressBar
from numnet.data import DataLoader, TensorDataset
from numnet.errors import ArgumentError
from numnet.metrics import accuracy, resolve_metrics, top_k_accuracy
from tests.train_helpers import FakeTTY
from numnet.train import Trainer, evaluate, fit, predict


def blobs(n: int = 240, seed: int = 0, classes: int = 3, features: int = 4):
    """Linearly separable float32 data: the label is the argmax of a fixed linear map."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    w = np.random.default_rng(100).standard_normal((features, classes)).astype(np.float32)
    return x, (x @ w).argmax(axis=1).astype(np.int64)


def small_model(seed: int = 0, features: int = 4, classes: int = 3) -> nn.Module:
    numnet.manual_seed(seed)
    return nn.Linear(features, classes)


class BatchLosses(Callback):
    """Recovers each batch's own loss from the running means fit logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.losses, self._sum, self._n = [], 0.0, 0

    def on_train_batch_end(self, batch, logs=None):
        n = logs["size"]
        total = logs["loss"] * (self._n + n)
        self.losses.append((total - self._sum) / n)
        self._sum, self._n = total, self._n + n


# ---------------------------------------------------------------------------------------------------- learning
def test_fit_lenet5_learns_fashion_mnist_in_one_epoch():
    from numnet.datasets import FashionMNIST
    from numnet.models import LeNet5

    ds = FashionMNIST(train=True)
    x, y = ds.data[:2000], ds.targets[:2000]
    numnet.manual_seed(0)
    model = LeNet5()
    recorder = BatchLosses()
    history = fit(model, (x, y), loss=nn.CrossEntropyLoss(), epochs=1, batch_size=32, verbose=0,
                  optimizer=optim.Adam(model.parameters(), lr=2e-3), callbacks=[recorder])
    losses = recorder.losses
    assert len(losses) == 63  # ceil(2000 / 32)
    # the epoch's accuracy is averaged while the weights still change, from chance (0.1) upwards
    assert history.history["accuracy"][0] > 0.3, history.history
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    assert first > 2.0 and last < 0.6 * first, (first, last)
    held_out = evaluate(model, (ds.data[2000:3000], ds.targets[2000:3000]), loss=nn.CrossEntropyLoss())
    assert held_out["accuracy"] > 0.5, held_out


def test_history_contents_keys_lengths_and_values():
    x, y = blobs()
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.2)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = fit(model, (x[:160], y[:160]), val_data=(x[160:], y[160:]), loss=nn.CrossEntropyLoss(), optimizer=opt,
                  scheduler=sched, epochs=3, batch_size=32, verbose=0)
    assert isinstance(history, History)
    assert history.epoch == [0, 1, 2]
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(v) == 3 for v in history.history.values())
    np.testing.assert_allclose(history.history["lr"], [0.2, 0.1, 0.05])
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.params["epochs"] == 3 and history.params["steps"] == 5 and history.params["samples"] == 160
    # val values are exactly what evaluate() gives for the final weights
    final = evaluate(model, (x[160:], y[160:]), loss=nn.CrossEntropyLoss(), batch_size=7)
    assert final["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-6)
    assert final["accuracy"] == pytest.approx(history.history["val_accuracy"][-1])
    assert all(isinstance(v, float) for vs in history.history.values() for v in vs)


def test_fit_accepts_dataloader_dataset_and_loss_names():
    x, y = blobs(96)
    for data, kwargs in [
        (DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True), {}),
        (TensorDataset(x, y), {"batch_size": 16}),
        ((numnet.tensor(x), numnet.tensor(y)), {"batch_size": 16}),
    ]:
        model = small_model()
        h = fit(model, data, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1,
                verbose=0, **kwargs)
        assert len(h.history["loss"]) == 1 and np.isfinite(h.history["loss"][0])


def test_initial_epoch_and_zero_epochs():
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=4, initial_epoch=2, batch_size=32, verbose=0)
    assert h.epoch == [2, 3]
    before = [p._data.copy() for p in model.parameters()]
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=2, initial_epoch=2, batch_size=32, verbose=0)
    assert h.epoch == [] and h.history == {}
    assert all(np.array_equal(a, p._data) for a, p in zip(before, model.parameters()))


def test_step_and_plateau_schedulers():
    x, y = blobs(64)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, scheduler=sched, scheduler_interval="step",
            epochs=2, batch_size=16, verbose=0)
    # 4 steps per epoch; "lr" logs the rate of each epoch's last step
    np.testing.assert_allclose(h.history["lr"], [0.5 ** 3, 0.5 ** 7])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 ** 8)

    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=0)
    # validation labels are shuffled noise: val_loss does not keep improving, so the rate drops
    rng = np.random.default_rng(1)
    h = fit(model, (x, y), val_data=(x, rng.permutation(y)), loss="cross_entropy", optimizer=opt, scheduler=plateau,
            epochs=6, batch_size=16, verbose=0)
    assert opt.param_groups[0]["lr"] < 0.1
    with pytest.raises(ArgumentError, match="ReduceLROnPlateau"):
        fit(model, (x, y), loss="cross_entropy", optimizer=opt, scheduler=plateau, scheduler_interval="step",
            epochs=1, verbose=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": -1}, "epochs"),
    ({"epochs": 1.5}, "epochs"),
    ({"verbose": 3}, "verbose"),
    ({"batch_size": 0}, "batch_size"),
    ({"scheduler_interval": "batch"}, "scheduler_interval"),
    ({"loss": "hinge"}, "unknown loss"),
    ({"metrics": ("f2",)}, "unknown metric"),
    ({"metrics": ("accuracy", "acc")}, "twice"),
])
def test_fit_rejects_bad_arguments(kwargs, match):
    x, y = blobs(32)
    model = small_model()
    args = dict(loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1, verbose=0)
    args.update(kwargs)
    with pytest.raises(ArgumentError, match=match):
        fit(model, (x, y), **args)


def test_fit_rejects_batch_size_with_a_dataloader_and_unknown_data():
    x, y = blobs(32)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ArgumentError, match="DataLoader"):
        fit(model, DataLoader(TensorDataset(x, y), batch_size=8), loss="cross_entropy", optimizer=opt,
            batch_size=8, verbose=0)
    with pytest.raises(ArgumentError, match="expected a DataLoader"):
        fit(model, 42, loss="cross_entropy", optimizer=opt, verbose=0)


# ---------------------------------------------------------------------------------------------------- evaluate / predict
class ModeProbe(nn.Module):
    """Records the mode and grad mode it was called in."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(4, 3)
        self.head = nn.Dropout(0.5)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, self.inner.training, numnet.is_grad_enabled()))
        return self.head(self.inner(x))


def test_evaluate_values_shapes_and_mode_restore():
    x, y = blobs(50)
    model = ModeProbe()
    model.train()
    model.head.eval()  # a mixed state must come back exactly
    def top2(output, target):
        return top_k_accuracy(output, target, k=2)

    result = evaluate(model, (x, y), loss=nn.CrossEntropyLoss(), metrics=("accuracy", top2), batch_size=16)
    assert list(result) == ["loss", "accuracy", "top2"]
    assert all(c == (False, False, False) for c in model.calls)
    assert (model.training, model.inner.training, model.head.training) == (True, True, False)
    logits = model.inner(numnet.tensor(x)).detach().numpy()
    assert result["accuracy"] == pytest.approx(float(np.mean(logits.argmax(1) == y)))
    ref = numnet.functional.cross_entropy(numnet.tensor(logits), numnet.tensor(y)).item()
    assert result["loss"] == pytest.approx(ref, rel=1e-5)
    assert result["top2"] == pytest.approx(float(np.mean((np.argsort(-logits, 1)[:, :2] == y[:, None]).any(1))))


def test_evaluate_without_loss_and_in_eval_mode_stays_eval():
    x, y = blobs(20)
    model = ModeProbe().eval()
    result = evaluate(model, (x, y))
    assert list(result) == ["accuracy"]
    assert model.training is False


def test_predict_shapes_no_grad_and_mode_restore():
    x, y = blobs(70)
    model = ModeProbe()
    model.train()
    out = predict(model, x, batch_size=32)
    assert isinstance(out, np.ndarray) and out.shape == (70, 3) and out.dtype == np.float32
    assert all(c == (False, False, False) for c in model.calls)
    assert model.training and model.inner.training and model.head.training
    np.testing.assert_allclose(out, model.inner(numnet.tensor(x)).detach().numpy(), rtol=1e-6)
    # a Tensor, a dataset with targets, a DataLoader: same outputs
    np.testing.assert_array_equal(predict(model, numnet.tensor(x)), out)
    np.testing.assert_array_equal(predict(model, TensorDataset(x, y)), out)
    np.testing.assert_array_equal(predict(model, DataLoader(TensorDataset(x), batch_size=9)), out)
    # a failing forward still restores the mode
    with pytest.raises(Exception):
        predict(model, np.zeros((2, 5), np.float32))
    assert model.training


def test_trainer_evaluate_verbose_prints_a_line():
    x, y = blobs(32)
    model = small_model()
    buf = io.StringIO()
    trainer = Trainer(model, "cross_entropy")
    result = trainer.evaluate((x, y), callbacks=[ProgressBar(2, file=buf)])
    assert buf.getvalue().startswith("Evaluate - ") and f"accuracy: {result['accuracy']:.4f}" in buf.getvalue()


# ---------------------------------------------------------------------------------------------------- progress
def test_progress_non_tty_prints_one_clean_line_per_epoch():
    x, y = blobs(200)
    model = small_model()
    buf = io.StringIO()  # not a TTY
    fit(model, (x, y), val_data=(x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=3, batch_size=16, verbose=0, callbacks=[ProgressBar(1, file=buf)])
    text = buf.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == 3
    for i, line in enumerate(lines, 1):
        assert line.startswith(f"Epoch {i}/3 - ")
        for key in ("samples/s", "loss: ", "accuracy: ", "val_loss: ", "val_accuracy: ", "lr: "):
            assert key in line


def test_fit_verbose_default_goes_to_stdout_as_lines_when_not_a_tty(capsys):
    x, y = blobs(64)
    model = small_model()
    fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=2,
        batch_size=16)
    out = capsys.readouterr().out
    assert "\r" not in out and len(out.splitlines()) == 2 and out.startswith("Epoch 1/2 - ")


def test_verbose_zero_is_silent(capsys):
    x, y = blobs(64)
    model = small_model()
    fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=2, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_tty_uses_a_tqdm_bar_per_epoch():
    x, y = blobs(128)
    model = small_model()
    tty = FakeTTY()
    fit(model, (x, y), val_data=(x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=2, batch_size=16, verbose=0, callbacks=[ProgressBar(1, file=tty)])
    text = tty.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    assert "\r" in text and "samples/s" in text  # redrawn bar with the rate
    final_bar = text.split("\r")[-1]
    assert "128/128" in final_bar and "val_accuracy=" in final_bar and "loss=" in final_bar
    # verbose=2 prints lines even on a TTY
    tty2 = FakeTTY()
    fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1, verbose=0,
        callbacks=[ProgressBar(2, file=tty2)])
    assert "\r" not in tty2.getvalue() and tty2.getvalue().startswith("Epoch 1/1 - ")


# ---------------------------------------------------------------------------------------------------- metrics
def test_metrics_functions():
    out = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.4, 0.35, 0.25]], np.float32)
    y = np.array([1, 2, 2, 1])
    assert accuracy(out, y) == 0.5
    assert accuracy(numnet.tensor(out), np.eye(3)[y]) == 0.5  # one-hot targets
    assert top_k_accuracy(out, y, k=2) == 1.0
    assert top_k_accuracy(out, y, k=1) == 0.5
    with pytest.raises(ArgumentError, match="k in"):
        top_k_accuracy(out, y, k=4)
    with pytest.raises(ValueError, match="target"):
        accuracy(out, y[:3])
    assert list(resolve_metrics(("acc", top_k_accuracy))) == ["accuracy", "top_k_accuracy"]
    assert resolve_metrics(None) == {}
