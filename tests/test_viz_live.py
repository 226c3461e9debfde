"""LivePlot outside a notebook (a PNG rewritten each epoch; a clear error without a path) and the notebook switch
(numnet._runtime.in_notebook) that the progress bar and the figures follow."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from PIL import Image

import numnet
from numnet import _runtime, optim
from numnet.errors import ArgumentError
from numnet.train import fit
from numnet.viz import LivePlot
from tests.train_helpers import blobs, small_model


def test_liveplot_rewrites_a_png_each_epoch(tmp_path):
    x, y = blobs(n=64)
    numnet.manual_seed(0)
    model = small_model()
    seen = []

    class Watch(LivePlot):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            seen.append(np.asarray(Image.open(self.path)).copy())

    out = tmp_path / "curves.png"
    fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=3,
        val_data=(x, y), callbacks=[Watch(out, dpi=50)], verbose=0)
    assert len(seen) == 3 and seen[0].shape == (200, 500, 4)
    assert not np.array_equal(seen[0], seen[2])  # the curves grew
    assert not list(tmp_path.glob("*.tmp.png"))


def test_liveplot_needs_a_path_outside_a_notebook():
    x, y = blobs(n=16)
    model = small_model()
    with pytest.raises(ArgumentError, match="LivePlot: not running in a notebook"):
        fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
            callbacks=[LivePlot()], verbose=0)
    with pytest.raises(ArgumentError, match="keys"):
        LivePlot(keys="loss")


def test_in_notebook_needs_a_kernel(monkeypatch):
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: None
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert not _runtime.in_notebook()  # plain IPython terminal or no shell: not a notebook
    fake.get_ipython = lambda: types.SimpleNamespace(kernel=object())
    assert _runtime.in_notebook()
    from numnet.viz import plot_history

    fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.2, 0.7]})
    png = fig._repr_png_()  # the figure renders itself once, as PNG, in a kernel
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
