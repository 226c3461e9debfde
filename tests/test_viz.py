"""numnet.viz: every plot renders to a PNG of the expected size that is not blank; activations; `numnet plot ...`."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import numnet
from numnet import nn
from numnet.callbacks import History
from numnet.cli import main
from numnet.errors import ArgumentError, DTypeError, FileFormatError, ShapeError
from numnet.io import save_model
from numnet.models import MLP, LeNet5
from numnet.viz import (activations, confusion_matrix, plot_confusion_matrix, plot_feature_maps, plot_filters,
                        plot_history, plot_lesson_activations, plot_lesson_convolution, plot_lesson_pooling,
                        plot_mistakes, read_history, save_lesson_plots)

REPO = Path(__file__).resolve().parents[1]
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


# ---------------------------------------------------------------------------------------------------- helpers
def check_png(path: Path, fig=None, size: tuple[int, int] | None = None, min_std: float = 5.0) -> np.ndarray:
    """The PNG exists, is figsize × dpi pixels (or ``size``), and is not blank (grey-level std above ``min_std``)."""
    path = Path(path)
    assert path.is_file(), path
    with Image.open(path) as img:
        assert img.format == "PNG"
        pixels = np.asarray(img.convert("L"), dtype=np.float64)
        got = img.size
    if fig is not None:
        w, h = fig.get_size_inches() * fig.dpi
        assert got == (round(w), round(h)), (got, (w, h))
    if size is not None:
        assert got == size
    assert pixels.std() > min_std, f"{path} looks blank (std {pixels.std():.2f})"
    return pixels


def texts(fig) -> str:
    """All text drawn in the figure (titles, labels, annotations), joined, for content checks."""
    from matplotlib.text import Text

    return "\n".join(t.get_text() for t in fig.findobj(Text))


@pytest.fixture(scope="module")
def lenet():
    numnet.manual_seed(0)
    return LeNet5()


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    x = np.zeros((40, 1, 28, 28), np.float32)
    x[:, :, 6:22, 8:20] = rng.uniform(0.3, 1.0, (40, 1, 16, 12)).astype(np.float32)  # a bright block
    return x


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, lenet):
    path = tmp_path_factory.mktemp("model") / "lenet5.safetensors"
    save_model(lenet, path)
    return path


HISTORY = {
    "loss": [1.8, 0.9, 0.6, 0.5],
    "accuracy": [0.40, 0.70, 0.80, 0.83],
    "val_loss": [1.0, 0.7, 0.55, 0.58],
    "val_accuracy": [0.65, 0.76, 0.82, 0.81],
    "lr": [0.05, 0.05, 0.05, 0.005],
}


def write_history_csv(path: Path, history: dict = HISTORY) -> Path:
    keys = list(history)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["epoch", *keys])
        for i in range(len(history[keys[0]])):
            w.writerow([i + 1, *(repr(history[k][i]) for k in keys)])
    return path


# ---------------------------------------------------------------------------------------------------- lazy import
def test_import_does_not_import_matplotlib():
    code = "import sys, numnet.viz, numnet.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------------- history
def test_plot_history_from_history_object(tmp_path):
    h = History()
    for epoch in range(4):
        h.on_epoch_end(epoch, {k: v[epoch] for k, v in HISTORY.items()})
    fig = plot_history(h, tmp_path / "curves.png")
    check_png(tmp_path / "curves.png", fig, size=(1000, 400))
    assert len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_title() == "accuracy"
    train = loss_ax.get_lines()[0]
    assert list(train.get_xdata()) == [1, 2, 3, 4] and list(train.get_ydata()) == HISTORY["loss"]
    assert "best 0.55 (epoch 3)" in texts(fig)  # lowest val_loss
    assert "best 0.82 (epoch 3)" in texts(fig)  # highest val_accuracy


def test_plot_history_from_csv_file_and_run_dir(tmp_path):
    csv_path = write_history_csv(tmp_path / "history.csv")
    epochs, values = read_history(csv_path)
    assert epochs == [1, 2, 3, 4] and values["val_accuracy"] == HISTORY["val_accuracy"]
    for source in (csv_path, str(tmp_path)):
        fig = plot_history(source, tmp_path / "c.png", figsize=(6, 3), dpi=80)
        check_png(tmp_path / "c.png", fig, size=(480, 240))


def test_plot_history_dict_without_validation_or_accuracy(tmp_path):
    fig = plot_history({"loss": [1.0, 0.5, 0.25]}, tmp_path / "c.png")
    check_png(tmp_path / "c.png", fig)
    assert "no accuracy recorded" in texts(fig)


def test_plot_history_csv_with_empty_cells(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n1,1.0,\n2,0.5,0.6\n")
    epochs, values = read_history(path)
    assert np.isnan(values["val_loss"][0]) and values["val_loss"][1] == 0.6
    check_png(tmp_path / "c.png", plot_history(path, tmp_path / "c.png"))


def test_plot_history_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plot_history(tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError):
        plot_history(tmp_path)  # a folder without history.csv
    (tmp_path / "bad.csv").write_text("epoch,loss\n1,abc\n")
    with pytest.raises(FileFormatError, match="'abc'"):
        plot_history(tmp_path / "bad.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(FileFormatError, match="empty"):
        plot_history(tmp_path / "empty.csv")
    with pytest.raises(ArgumentError, match="no loss or accuracy"):
        plot_history({"lr": [0.1]})
    with pytest.raises(DTypeError):
        plot_history(42)


# ---------------------------------------------------------------------------------------------------- filters
def test_plot_filters_model_and_layer(tmp_path, lenet):
    fig = plot_filters(lenet, tmp_path / "f.png")
    check_png(tmp_path / "f.png", fig)
    images_drawn = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images_drawn) == 6  # LeNet5's first conv: 6 filters of 5×5
    np.testing.assert_allclose(images_drawn[2], lenet.features[0].weight._data[2, 0])
    assert "features.0: 6 filters 5×5\neach panel: the filter" in texts(fig)
    fig2 = plot_filters(lenet.features[3], tmp_path / "f2.png")  # a layer: 16 filters, 6 input channels
    check_png(tmp_path / "f2.png", fig2)
    assert "mean over its 6 input channels" in texts(fig2)


def test_plot_filters_multichannel_choice(tmp_path):
    numnet.manual_seed(1)
    conv = nn.Conv2d(3, 4, 3)
    fig = plot_filters(conv, channel=1)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), conv.weight._data[0, 1])
    assert "input channel 1 of 3" in texts(fig)
    fig = plot_filters(conv)
    np.testing.assert_allclose(fig.axes[3].images[0].get_array(), conv.weight._data[3].mean(axis=0), rtol=1e-6)
    with pytest.raises(ArgumentError, match="channel"):
        plot_filters(conv, channel=3)
    with pytest.raises(ArgumentError, match="no convolution layer"):
        plot_filters(MLP())
    with pytest.raises(DTypeError):
        plot_filters(np.zeros((6, 1, 5, 5)))


# ---------------------------------------------------------------------------------------------------- activations
def test_activations_names_shapes_and_values(lenet, images):
    lenet.train()
    acts = activations(lenet, images[0])
    names = [n for n, _ in acts]
    assert names == ["features.0", "features.1", "features.2", "features.3", "features.4", "features.5",
                     "classifier.0", "classifier.1", "classifier.2", "classifier.3", "classifier.4", "classifier.5"]
    shapes = dict((n, a.shape) for n, a in acts)
    assert shapes["features.0"] == (1, 6, 28, 28) and shapes["features.2"] == (1, 6, 14, 14)
    assert shapes["features.5"] == (1, 16, 5, 5) and shapes["classifier.5"] == (1, 10)
    with numnet.no_grad():
        conv0 = lenet.features[0](numnet.tensor(images[:1]))._data
        logits = lenet(numnet.tensor(images[:1]))._data
    np.testing.assert_allclose(acts[0][1], conv0, rtol=1e-6)
    np.testing.assert_allclose(acts[-1][1], logits, rtol=1e-6)
    assert acts[0][1].dtype == np.float32
    # hooks removed, modes restored
    assert all(not m._forward_hooks for m in lenet.modules())
    assert all(m.training for m in lenet.modules())
    lenet.eval()


def test_activations_input_forms_and_filters(lenet, images):
    a2 = activations(lenet, images[0, 0])  # (H, W)
    a4 = activations(lenet, numnet.tensor(images[:1]))  # (1, C, H, W) Tensor
    np.testing.assert_array_equal(a2[5][1], a4[5][1])
    picked = activations(lenet, images[0], layers=["features.3", "classifier.5"])
    assert [n for n, _ in picked] == ["features.3", "classifier.5"]
    with pytest.raises(ArgumentError, match="no leaf layer named"):
        activations(lenet, images[0], layers=["features.9"])
    with pytest.raises(ShapeError):
        activations(lenet, images[:2])
    with pytest.raises(DTypeError):
        activations("lenet", images[0])


def test_activations_reused_layer_is_named_twice():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3, padding=1)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.conv(self.act(x)))

    names = [n for n, _ in activations(Twice(), np.ones((5, 5), np.float32))]
    assert names == ["act", "conv", "act#2"]


# ---------------------------------------------------------------------------------------------------- feature maps
def test_plot_feature_maps(tmp_path, lenet, images):
    fig = plot_feature_maps(lenet, images[0], tmp_path / "m.png", title="test image 0")
    pixels = check_png(tmp_path / "m.png", fig)
    assert pixels.shape == (round(fig.get_size_inches()[1] * fig.dpi), round(fig.get_size_inches()[0] * fig.dpi))
    labels = texts(fig)
    for name in ("input", "features.0", "features.2", "features.3", "features.5", "MaxPool2d", "16×5×5"):
        assert name in labels
    assert "features.1" not in labels  # ReLU is not a conv/pool layer
    assert "test image 0" in labels
    drawn = sum(len(ax.images) for ax in fig.axes)
    assert drawn == 1 + 6 + 6 + 16 + 16


def test_plot_feature_maps_chosen_layers_and_cap(tmp_path, lenet, images):
    fig = plot_feature_maps(lenet, images[1], tmp_path / "m.png", layers=["features.3", "classifier.5"],
                            max_channels=4)
    check_png(tmp_path / "m.png", fig)
    assert "first 4 of 16" in texts(fig)
    assert sum(len(ax.images) for ax in fig.axes) == 1 + 4 + 1  # input, 4 maps, the logits strip
    with pytest.raises(ArgumentError, match="max_channels"):
        plot_feature_maps(lenet, images[0], max_channels=0)
    with pytest.raises(ArgumentError, match="no convolution or pooling layer"):
        plot_feature_maps(MLP(), images[0])


# ---------------------------------------------------------------------------------------------------- confusion
def test_confusion_matrix_counts():
    t = np.array([0, 0, 1, 2, 2, 2])
    p = np.array([0, 1, 1, 2, 0, 2])
    m = confusion_matrix(t, p, 3)
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    scores = np.eye(3)[p] * 5.0
    np.testing.assert_array_equal(confusion_matrix(t, scores), m)
    with pytest.raises(ShapeError):
        confusion_matrix(t, p[:-1])
    with pytest.raises(ArgumentError, match="expected \\[0, 2\\)"):
        confusion_matrix(t, p, 2)


def test_plot_confusion_matrix(tmp_path):
    rng = np.random.default_rng(0)
    t = rng.integers(0, 10, 300)
    p = np.where(rng.random(300) < 0.7, t, rng.integers(0, 10, 300))
    fig = plot_confusion_matrix(t, p, CLASSES, tmp_path / "c.png")
    check_png(tmp_path / "c.png", fig)
    shown = fig.axes[0].images[0].get_array()
    np.testing.assert_array_equal(shown, confusion_matrix(t, p, 10))
    correct = int((t == p).sum())
    assert f"accuracy {correct / 300:.4f} ({correct}/300)" in texts(fig)
    assert "Ankle boot" in texts(fig)
    fig = plot_confusion_matrix(t, p, None, tmp_path / "n.png", normalize=True)
    check_png(tmp_path / "n.png", fig)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array().sum(axis=1), 1.0)


# ---------------------------------------------------------------------------------------------------- mistakes
def test_plot_mistakes_worst_first(tmp_path, images):
    n = len(images)
    y_true = np.arange(n) % 10
    probs = np.full((n, 10), 0.02)
    y_pred = y_true.copy()
    wrong = {3: 0.91, 7: 0.55, 11: 0.99, 20: 0.70}  # index → confidence of the wrong prediction
    for i, conf in wrong.items():
        y_pred[i] = (y_true[i] + 1) % 10
    probs[np.arange(n), y_pred] = 0.82
    for i, conf in wrong.items():
        probs[i, y_pred[i]] = conf
    fig = plot_mistakes(images, y_true, y_pred, probs, CLASSES, n=3, path=tmp_path / "w.png")
    check_png(tmp_path / "w.png", fig)
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert len(titles) == 3
    assert titles[0] == f"pred: {CLASSES[y_pred[11]]} 99.0%\ntrue: {CLASSES[y_true[11]]} 2.0%"
    assert "91.0%" in titles[1] and "70.0%" in titles[2]
    assert "3 most confident mistakes of 4 (10.0% of 40 images)\n" in texts(fig)
    # y_pred=None uses argmax of probs; (N, H, W) images
    fig = plot_mistakes(images[:, 0], y_true, None, probs, None, path=tmp_path / "w2.png")
    check_png(tmp_path / "w2.png", fig)
    assert sum(1 for ax in fig.axes if ax.images) == 4


def test_plot_mistakes_none_and_errors(tmp_path, images):
    y = np.arange(len(images)) % 10
    probs = np.eye(10)[y]
    fig = plot_mistakes(images, y, y, probs, CLASSES, path=tmp_path / "none.png")
    check_png(tmp_path / "none.png", fig, min_std=1.0)
    assert "no mistakes in 40 images" in texts(fig)
    with pytest.raises(ArgumentError, match="softmax"):
        plot_mistakes(images, y, y, probs * 7 - 3, CLASSES)
    with pytest.raises(ShapeError, match="same length"):
        plot_mistakes(images[:5], y, y, probs, CLASSES)
    with pytest.raises(ShapeError, match="class names"):
        plot_mistakes(images, y, y, probs, CLASSES[:3])
    with pytest.raises(ArgumentError, match="n must be"):
        plot_mistakes(images, y, y, probs, CLASSES, n=0)


# ---------------------------------------------------------------------------------------------------- lesson
def test_lesson_convolution(tmp_path):
    fig = plot_lesson_convolution(tmp_path / "conv.png")
    check_png(tmp_path / "conv.png", fig, size=(1100, 480))
    t = texts(fig)
    assert "out[0, 0] = (-1)·1 + (-1)·2 + (1)·5 + (1)·6 = 8" in t
    assert "out[1, 2] = (-1)·7 + (-1)·8 + (1)·11 + (1)·12 = 8" in t
    for title in ("image 4×4", "kernel 2×2", "feature map 3×3"):
        assert title in t


def test_lesson_pooling(tmp_path):
    fig = plot_lesson_pooling(tmp_path / "pool.png")
    check_png(tmp_path / "pool.png", fig, size=(1100, 460))
    by_title = {ax.get_title(): [tx.get_text() for tx in ax.texts] for ax in fig.axes}
    assert by_title["max pooling"] == ["6", "8", "14", "16"]
    assert by_title["average pooling"] == ["3.5", "5.5", "11.5", "13.5"]


def test_lesson_activations(tmp_path):
    fig = plot_lesson_activations(tmp_path / "act.png")
    check_png(tmp_path / "act.png", fig, size=(1100, 420))
    sig_ax, relu_ax = fig.axes[:2]
    x, y = sig_ax.get_lines()[0].get_data()
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)))
    x, dy = sig_ax.get_lines()[1].get_data()
    np.testing.assert_allclose(dy.max(), 0.25)
    assert "ReLU'(0) = 0" in texts(fig)


def test_save_lesson_plots(tmp_path):
    paths = save_lesson_plots(tmp_path / "img", dpi=50)
    assert [p.name for p in paths] == ["lesson_convolution.png", "lesson_pooling.png", "lesson_activations.png"]
    check_png(paths[0], size=(550, 240))


def test_docs_images_are_small_pngs():
    for name in ("lesson_convolution.png", "lesson_pooling.png", "lesson_activations.png"):
        path = REPO / "docs" / "img" / name
        check_png(path)
        assert path.stat().st_size < 300_000


# ---------------------------------------------------------------------------------------------------- CLI
def _cli(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.strip(), err.strip()


def test_cli_plot_curves(tmp_path, capsys):
    write_history_csv(tmp_path / "history.csv")
    status, out, err = _cli(capsys, "plot", "curves", str(tmp_path))
    assert status == 0, err
    assert out == str(tmp_path / "curves.png")
    check_png(Path(out), size=(1000, 400))
    status, out, _ = _cli(capsys, "plot", "curves", str(tmp_path / "history.csv"), "--out", str(tmp_path / "x.png"))
    assert status == 0 and out == str(tmp_path / "x.png")
    check_png(tmp_path / "x.png")


def test_cli_plot_filters_and_maps(model_file, tmp_path, capsys):
    status, out, err = _cli(capsys, "plot", "filters", str(model_file))
    assert status == 0, err
    assert out == str(model_file.with_name("lenet5_filters.png"))
    check_png(Path(out))

    status, out, err = _cli(capsys, "plot", "maps", str(model_file), "--index", "2", "--out", str(tmp_path / "m.png"))
    assert status == 0, err
    assert out == str(tmp_path / "m.png")
    check_png(tmp_path / "m.png")

    png = tmp_path / "shoe.png"
    img = np.full((40, 40), 255, np.uint8)
    img[10:30, 5:35] = 30  # a dark object on white paper: inverted automatically
    Image.fromarray(img).save(png)
    status, out, err = _cli(capsys, "plot", "maps", str(model_file), "--image", str(png))
    assert status == 0, err
    assert out == str(model_file.with_name("lenet5_maps_shoe.png"))
    check_png(Path(out))

    npy = tmp_path / "x.npy"
    np.save(npy, np.random.default_rng(0).random((28, 28)).astype(np.float32))
    status, out, err = _cli(capsys, "plot", "maps", str(model_file), "--image", str(npy), "--layers", "features.0",
                            "--out", str(tmp_path / "n.png"))
    assert status == 0, err
    check_png(tmp_path / "n.png")


def test_cli_plot_confusion_and_mistakes(model_file, tmp_path, capsys):
    status, out, err = _cli(capsys, "plot", "confusion", str(model_file), "--dataset", "fashion-mnist",
                            "--limit", "64", "--normalize")
    assert status == 0, err
    assert out == str(model_file.with_name("lenet5_confusion.png"))
    check_png(Path(out))
    status, out, err = _cli(capsys, "plot", "mistakes", str(model_file), "--dataset", "fashion-mnist",
                            "--limit", "64", "-n", "9", "--out", str(tmp_path / "w.png"))
    assert status == 0, err
    check_png(tmp_path / "w.png")


def test_cli_plot_lesson(tmp_path, capsys):
    status, out, err = _cli(capsys, "plot", "lesson", "--out", str(tmp_path / "img"))
    assert status == 0, err
    names = [Path(line).name for line in out.splitlines()]
    assert names == ["lesson_convolution.png", "lesson_pooling.png", "lesson_activations.png"]
    for line in out.splitlines():
        check_png(Path(line))


@pytest.mark.parametrize("argv, message", [
    (["plot", "filters", "missing.safetensors"], "model file 'missing.safetensors' does not exist"),
    (["plot", "curves", "no-such-run"], "does not exist"),
    (["plot", "maps", "missing.safetensors", "--index", "0"], "does not exist"),
    (["plot", "maps", "m.safetensors"], "one of the arguments --image --index is required"),
    (["plot", "maps", "m.safetensors", "--index", "0", "--image", "x.png"], "not allowed with argument"),
    (["plot", "mistakes", "m.safetensors", "-n", "0"], "expected a positive integer"),
    (["plot"], "required"),
])
def test_cli_plot_errors_are_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _cli(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("numnet: error: ") and message in err and "\n" not in err


def test_cli_plot_errors_after_loading(model_file, tmp_path, capsys):
    (tmp_path / "run").mkdir()
    status, _, err = _cli(capsys, "plot", "curves", str(tmp_path / "run"))
    assert status == 2 and "history.csv" in err
    status, _, err = _cli(capsys, "plot", "maps", str(model_file), "--index", "10000", "--dataset", "fashion-mnist")
    assert status == 2 and "out of range" in err
    (tmp_path / "bad.png").write_text("not an image")
    status, _, err = _cli(capsys, "plot", "maps", str(model_file), "--image", str(tmp_path / "bad.png"))
    assert status == 2 and "cannot read image" in err
    status, _, err = _cli(capsys, "plot", "filters", str(model_file), "--channel", "x")
    assert status == 2 and "--channel" in err


def test_figures_with_and_without_pyplot(monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from numnet.viz._mpl import close

    fig = plot_lesson_pooling()  # pyplot imported: a managed figure, so plt.show() would show it
    assert plt.fignum_exists(fig.number)
    close(fig)
    assert not plt.fignum_exists(fig.number)
    monkeypatch.delitem(sys.modules, "matplotlib.pyplot")  # as if pyplot was never imported: a bare Agg figure
    before = plt.get_fignums()
    fig = plot_lesson_pooling(tmp_path / "p.png")
    assert isinstance(fig, Figure) and plt.get_fignums() == before
    check_png(tmp_path / "p.png", fig)


def test_missing_matplotlib_gives_the_install_hint(monkeypatch, tmp_path, capsys):
    from numnet.errors import NumnetError

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    for plot in (plot_lesson_convolution, plot_lesson_pooling, plot_lesson_activations):
        with pytest.raises(ImportError, match=r"pip install numnet\[viz\]") as info:
            plot()
        assert isinstance(info.value, NumnetError)
    status, out, err = _cli(capsys, "plot", "lesson", "--out", str(tmp_path))
    assert status == 2 and err == "numnet: error: numnet.viz needs matplotlib: pip install numnet[viz]"
