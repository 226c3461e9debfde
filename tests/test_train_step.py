"""numnet.train.Trainer's steps: train_step / test_step / predict_step are the loop's public extension points."""

from __future__ import annotations

import io

import numpy as np
import pytest

import numnet
import numnet.functional as F
from numnet import optim
from numnet.callbacks import Callback, ProgressBar
from numnet.data import DataLoader, TensorDataset
from numnet.train import Trainer, evaluate, fit, predict

from tests.train_helpers import FakeTTY, blobs, small_model, params_of


# ---------------------------------------------------------------------------------------------------- train_step
def test_default_train_step_is_the_handwritten_pytorch_loop_bit_for_bit():
    x, y = blobs(96)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=2, batch_size=16, shuffle=False, verbose=0)

    ref = small_model()
    ref_opt = optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        for i in range(0, len(x), 16):
            loss = F.cross_entropy(ref(numnet.tensor(x[i:i + 16])), numnet.tensor(y[i:i + 16]))
            ref_opt.zero_grad()
            loss.backward()
            ref_opt.step()
    for a, b in zip(params_of(model), params_of(ref)):
        assert np.array_equal(a, b)


class ClippedTrainer(Trainer):
    """Gradient clipping by value: the step a user writes by overriding train_step."""

    clip = 0.05

    def train_step(self, batch):
        x, y = batch
        output = self.model(x)
        loss = self.loss_fn(output, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.largest_grad = max(float(np.abs(p.grad._data).max()) for p in self.model.parameters())
        for p in self.model.parameters():
            np.clip(p.grad._data, -self.clip, self.clip, out=p.grad._data)
        self.optimizer.step()
        return {"loss": loss, "output": output, "target": y}


def test_train_step_override_clips_gradients():
    x, y = blobs(96)
    data = DataLoader(TensorDataset(x, y), batch_size=16)  # no shuffling: the reference sees the same batches
    model = small_model()
    trainer = ClippedTrainer(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.5))
    history = trainer.fit(data, epochs=2, verbose=0)
    assert trainer.largest_grad > ClippedTrainer.clip  # clipping did change something
    assert trainer.global_step == 12 and history.epoch == [0, 1]

    ref = small_model()
    ref_opt = optim.SGD(ref.parameters(), lr=0.5)
    for _ in range(2):
        for xb, yb in data:
            loss = F.cross_entropy(ref(xb), yb)
            ref_opt.zero_grad()
            loss.backward()
            for p in ref.parameters():
                p.grad._data[...] = np.clip(p.grad._data, -ClippedTrainer.clip, ClippedTrainer.clip)
            ref_opt.step()
    for a, b in zip(params_of(model), params_of(ref)):
        assert np.array_equal(a, b)

    unclipped = small_model()
    Trainer(unclipped, "cross_entropy", optim.SGD(unclipped.parameters(), lr=0.5)).fit(data, epochs=2, verbose=0)
    assert not np.array_equal(params_of(unclipped)[0], params_of(model)[0])


class TwoLossTrainer(Trainer):
    """A step with two losses: cross-entropy plus a weight penalty; both parts are logged beside the total."""

    def train_step(self, batch):
        x, y = batch
        output = self.model(x)
        ce = F.cross_entropy(output, y)
        penalty = (self.model.weight * self.model.weight).sum() * 0.01
        loss = ce + penalty
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.parts.append((float(ce._data), float(penalty._data), int(x.shape[0])))
        return {"loss": loss, "ce": ce, "penalty": float(penalty._data), "output": output, "target": y}


def test_two_loss_step_logs_reach_batches_history_and_progress_bar():
    x, y = blobs(100)  # batches of 32, 32, 32, 4: the means are weighted by the batch sizes
    model = small_model()
    trainer = TwoLossTrainer(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    batch_logs = []

    class Batches(Callback):
        def on_train_batch_end(self, batch, logs=None):
            batch_logs.append(dict(logs))

    lines, tty = io.StringIO(), FakeTTY()
    trainer.parts = []
    history = trainer.fit((x, y), val_data=(x, y), epochs=1, batch_size=32, verbose=0,
                          callbacks=[Batches(), ProgressBar(2, file=lines), ProgressBar(1, file=tty)])
    assert list(history.history) == ["loss", "accuracy", "ce", "penalty", "val_loss", "val_accuracy", "lr"]
    ce_mean = sum(c * n for c, _, n in trainer.parts) / len(x)
    penalty_mean = sum(p * n for _, p, n in trainer.parts) / len(x)
    assert history.history["ce"][0] == pytest.approx(ce_mean, rel=1e-12)
    assert history.history["penalty"][0] == pytest.approx(penalty_mean, rel=1e-12)
    assert history.history["loss"][0] == pytest.approx(ce_mean + penalty_mean, rel=1e-6)
    assert [b["size"] for b in batch_logs] == [32, 32, 32, 4]
    assert batch_logs[0]["ce"] == pytest.approx(trainer.parts[0][0], rel=1e-12)
    assert set(batch_logs[-1]) == {"loss", "accuracy", "ce", "penalty", "size"}
    # validation runs the default test_step: the extra keys are training-only
    assert "val_ce" not in history.history
    line = lines.getvalue()
    assert f"ce: {history.history['ce'][0]:.4f}" in line and "penalty: " in line
    assert "ce=" in tty.getvalue().split("\r")[-1] and "penalty=" in tty.getvalue()


def test_train_step_size_weights_the_means_and_metrics_need_output_and_target():
    x, y = blobs(40)  # batches of 16, 16, 8

    class LossOnly(Trainer):
        def train_step(self, batch):
            x, y = batch
            loss = self.loss_fn(self.model(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.seen.append((float(loss._data), int(x.shape[0])))
            return {"loss": loss, "size": int(x.shape[0])}

    model = small_model()
    trainer = LossOnly(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), metrics=None)
    trainer.seen = []
    history = trainer.fit((x, y), epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert list(history.history) == ["loss", "lr"]
    assert history.history["loss"][0] == pytest.approx(sum(v * n for v, n in trainer.seen) / 40, rel=1e-12)


# ---------------------------------------------------------------------------------------------------- test_step
class MarginTrainer(Trainer):
    """Adds the mean logit margin to evaluation (validation included)."""

    def test_step(self, batch):
        logs = super().test_step(batch)
        top2 = np.sort(logs["output"]._data, axis=1)[:, -2:]
        logs["margin"] = float(np.mean(top2[:, 1] - top2[:, 0]))
        return logs


def test_test_step_override_reaches_validation_logs_and_evaluate():
    x, y = blobs(96)
    model = small_model()
    trainer = MarginTrainer(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    history = trainer.fit((x, y), val_data=(x[:48], y[:48]), epochs=2, batch_size=16, verbose=0)
    assert "val_margin" in history.history and "margin" not in history.history
    result = trainer.evaluate((x[:48], y[:48]), batch_size=48)
    assert list(result) == ["loss", "accuracy", "margin"]
    assert result["margin"] == pytest.approx(history.history["val_margin"][-1], rel=1e-6)
    plain = evaluate(model, (x[:48], y[:48]), loss="cross_entropy", batch_size=48)
    assert plain == {"loss": result["loss"], "accuracy": result["accuracy"]}


# ---------------------------------------------------------------------------------------------------- predict_step
def test_predict_step_and_trainer_predict_call_the_predict_hooks():
    x, _ = blobs(50)
    model = small_model()
    calls = []

    class Hooks(Callback):
        def on_predict_begin(self, logs=None):
            calls.append("begin")

        def on_predict_batch_end(self, batch, logs=None):
            calls.append((batch, logs["outputs"].shape))

        def on_predict_end(self, logs=None):
            calls.append("end")

    class Softmax(Trainer):
        def predict_step(self, batch):
            return F.softmax(super().predict_step(batch), dim=1)

    out = Trainer(model, None).predict(x, batch_size=32, callbacks=[Hooks()])
    np.testing.assert_array_equal(out, predict(model, x, batch_size=32))
    assert calls == ["begin", (0, (32, 3)), (1, (18, 3)), "end"]
    probs = Softmax(model, None).predict(x)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(probs.argmax(axis=1), out.argmax(axis=1))
