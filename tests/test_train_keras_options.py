"""fit's Keras options: validation_split (the last fraction, before shuffling) and class_weight (per-class loss
weights, Σ w[y]·ℓ / N as Keras computes it); epoch-exact precision/recall/F1 metrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
from numnet import metrics, nn, optim
from numnet.errors import ArgumentError
from numnet.train import Trainer, fit
from tests.train_helpers import blobs, small_model


def test_validation_split_holds_out_the_last_fraction():
    x, y = blobs(n=100)
    numnet.manual_seed(0)
    model = small_model()
    seen = {}

    class Spy(Trainer):
        def test_step(self, batch):
            seen.setdefault("val", []).append(np.asarray(batch[0]._data).copy())
            return super().test_step(batch)

    Spy(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1)).fit(
        (x, y), epochs=1, validation_split=0.2, batch_size=16, verbose=0)
    np.testing.assert_array_equal(np.concatenate(seen["val"]), x[80:])


def test_validation_split_on_a_dataset_and_errors():
    x, y = blobs(n=50)
    ds = numnet.data.TensorDataset(x, y)
    model = small_model()
    h = fit(model, ds, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1,
            validation_split=0.3, verbose=0)
    assert "val_loss" in h.history
    with pytest.raises(ArgumentError, match="not both"):
        fit(model, ds, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
            val_data=ds, validation_split=0.3, verbose=0)
    with pytest.raises(ArgumentError, match="validation_split"):
        fit(model, ds, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), validation_split=1.0)
    with pytest.raises(ArgumentError, match="give val_data instead"):
        fit(model, numnet.data.DataLoader(ds, batch_size=8), loss="cross_entropy",
            optimizer=optim.SGD(model.parameters(), lr=0.1), validation_split=0.5)


@pytest.mark.parametrize("loss", ["cross_entropy", nn.CrossEntropyLoss(label_smoothing=0.1)])
def test_class_weight_is_kerass_weighted_sum_over_batch_size(loss):
    """One step with class_weight equals one step on Σ w[y]·ℓ / N computed by hand in torch."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 4))
    y = rng.integers(0, 3, 12)
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    model = nn.Linear(4, 3).to(np.float64)
    w0, b0 = model.weight._data.copy(), model.bias._data.copy()
    fit(model, (x, y), loss=loss, optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=1, batch_size=12,
        shuffle=False, class_weight=weights, metrics=None, verbose=0)
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    smoothing = 0.0 if isinstance(loss, str) else 0.1
    per = torch.nn.functional.cross_entropy(torch.tensor(x) @ tw.T + tb, torch.tensor(y), reduction="none",
                                            label_smoothing=smoothing)
    (per * torch.tensor([weights[int(c)] for c in y], dtype=torch.float64)).sum().div(12).backward()
    np.testing.assert_allclose(model.weight._data, w0 - 0.5 * tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.bias._data, b0 - 0.5 * tb.grad.numpy(), rtol=1e-12)


def test_class_weight_errors():
    x, y = blobs(n=20)
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    for bad, match in (({0: -1.0}, "finite weight"), ({"a": 1.0}, "class indices"), (3, "dict")):
        with pytest.raises(ArgumentError, match=match):
            fit(model, (x, y), loss="cross_entropy", optimizer=opt, class_weight=bad, verbose=0)


def test_precision_recall_f1_match_hand_counts_and_are_exact_over_an_epoch():
    y = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 0])
    p = np.array([0, 1, 1, 1, 0, 2, 2, 1, 2, 2])
    cm = metrics.confusion_matrix(y, p)
    assert cm.tolist() == [[1, 1, 1], [1, 2, 0], [0, 1, 3]]
    prec = metrics.precision(p, y, average=None)
    rec = metrics.recall(p, y, average=None)
    np.testing.assert_allclose(prec, [1 / 2, 2 / 4, 3 / 4])
    np.testing.assert_allclose(rec, [1 / 3, 2 / 3, 3 / 4])
    np.testing.assert_allclose(metrics.f1(p, y, average=None), 2 * prec * rec / (prec + rec))
    assert metrics.f1(p, y, average="micro") == pytest.approx(0.6)  # = accuracy for single-label data
    assert metrics.recall(p, y, average="weighted") == pytest.approx(0.6)
    assert metrics.f1(p, y) == pytest.approx(np.mean(2 * prec * rec / (prec + rec)))
    # in fit, the logged F1 is the F1 of the whole pass, not a mean of batch scores
    scores = np.eye(3)[p] * 5.0
    trainer = Trainer(nn.Identity(), None, metrics=["f1", "precision", "accuracy"])
    logs = trainer.evaluate((scores, y), batch_size=3)
    assert logs["f1"] == pytest.approx(metrics.f1(p, y))
    assert logs["precision"] == pytest.approx(metrics.precision(p, y))
    assert logs["accuracy"] == pytest.approx(0.6)
    with pytest.raises(ArgumentError, match="average"):
        metrics.f1(p, y, average="samples")
    assert metrics.F1("micro").__name__ == "f1_micro"


def test_metric_and_model_docstring_examples_run():
    import doctest

    from numnet import models

    for module in (metrics, models):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0
