"""The numnet train / evaluate / predict / summary commands (numnet/commands/), run through numnet.cli.main."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil

import numpy as np
import pytest

from numnet.cli import main
from numnet.commands import load_image

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One quick training run shared by the tests: LeNet5, 512 Fashion-MNIST images, 1 epoch."""
    out = tmp_path_factory.mktemp("cli") / "run"
    status, stdout, stderr = run_cli("train", "--model", "lenet5", "--dataset", "fashion-mnist", "--epochs", 1,
                                     "--batch-size", 16, "--optimizer", "adam", "--lr", 0.002, "--seed", 0,
                                     "--limit", 512, "--out", out)
    assert status == 0, stderr
    return out, stdout


def test_train_writes_all_files_and_prints_test_accuracy(trained):
    out, stdout = trained
    lines = stdout.splitlines()
    assert re.fullmatch(r"test accuracy: 0\.\d{4}", lines[-1]), lines[-1]
    assert float(lines[-1].split(": ")[1]) > 0.3  # 32 steps on 512 images already beat chance (0.1)
    assert "\r" not in stdout
    assert any(line.startswith("Epoch 1/1 - ") for line in lines)
    for name in ("model.safetensors", "history.csv", "curves.png", "checkpoint.safetensors"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    with open(out / "history.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"] and len(rows) == 2
    assert f"{float(rows[1][4]):.4f}" == lines[-1].split(": ")[1]  # the test set is the validation set
    from PIL import Image

    with Image.open(out / "curves.png") as img:
        assert img.format == "PNG" and img.size[0] > 400
    from numnet.io import load_metadata, load_model

    meta = load_metadata(out / "model.safetensors")
    assert meta["model_name"] == "lenet5" and meta["dataset"] == "fashion-mnist"
    assert json.loads(meta["classes"]) == FASHION
    assert type(load_model(out / "model.safetensors")).__name__ == "LeNet5"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """A quiet 1-epoch MLP run on MNIST5k (256 training images, 1,000 test images)."""
    out = tmp_path_factory.mktemp("quick") / "q"
    status, stdout, stderr = run_cli("train", "--dataset", "mnist5k", "--model", "mlp", "--epochs", 1, "--limit",
                                     256, "--optimizer", "adam", "--quiet", "--out", out)
    assert status == 0, stderr
    return out, stdout, stderr


def test_train_quiet_prints_only_the_accuracy_line(quick):
    _, stdout, stderr = quick
    assert re.fullmatch(r"test accuracy: 0\.\d{4}\n", stdout)
    assert stderr == ""


def test_train_resume_continues_from_the_checkpoint(quick, tmp_path):
    run_dir = tmp_path / "resumed"
    shutil.copytree(quick[0], run_dir)
    status, stdout, stderr = run_cli("train", "--dataset", "mnist5k", "--model", "mlp", "--epochs", 3, "--limit",
                                     256, "--optimizer", "adam", "--out", run_dir, "--resume")
    assert status == 0, stderr
    assert stdout.startswith("Resuming mlp on mnist5k")
    assert [line[:10] for line in stdout.splitlines() if line.startswith("Epoch")] == ["Epoch 2/3 ", "Epoch 3/3 "]
    with open(run_dir / "history.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows] == ["epoch", "1", "2", "3"]
    with open(quick[0] / "history.csv", newline="") as f:
        assert list(csv.reader(f))[1] == rows[1]  # the first epoch is carried over, not retrained
    assert stdout.splitlines()[-1] == f"test accuracy: {float(rows[3][4]):.4f}"


def test_evaluate_prints_loss_and_accuracy(trained):
    from numnet.datasets import FashionMNIST
    from numnet.io import load_model
    from numnet.train import evaluate

    out, _ = trained
    status, text, err = run_cli("evaluate", out / "model.safetensors", "--limit", 1000)  # data set from the file
    assert status == 0, err
    lines = text.splitlines()
    assert lines[0] == "fashion-mnist test (1000 images)"
    test = FashionMNIST(train=False)
    want = evaluate(load_model(out / "model.safetensors"), (test.data[:1000], test.targets[:1000]), loss="cross_entropy")
    assert lines[1:] == [f"loss: {want['loss']:.4f}", f"accuracy: {want['accuracy']:.4f}"]


def save_png(path, array, mode="L"):
    from PIL import Image

    Image.fromarray(array, mode=mode).save(path)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    from numnet.datasets import FashionMNIST

    folder = tmp_path_factory.mktemp("images")
    test = FashionMNIST(train=False)
    trouser = test.data[int(np.flatnonzero(test.targets == 1)[0]), 0]
    pixels = np.round(trouser * 255).astype(np.uint8)
    save_png(folder / "trouser.png", pixels)  # light on dark, like the data set
    save_png(folder / "trouser-paper.png", 255 - pixels)  # dark on light, like a photo of a drawing
    rgb = np.repeat(np.kron(255 - pixels, np.ones((2, 2), np.uint8))[..., None], 3, axis=2)
    from PIL import Image

    Image.fromarray(rgb, mode="RGB").save(folder / "trouser-big.jpg", quality=95)
    (folder / "notes.png").write_text("not an image")
    return folder, trouser


def parse_predictions(text):
    blocks, current = {}, None
    for line in text.splitlines():
        if not line.startswith("  "):
            current = line
            blocks[current] = []
        else:
            name, prob = line.strip().rsplit(None, 1)
            blocks[current].append((name, float(prob)))
    return blocks


def test_predict_prints_top3_with_class_names(trained, images):
    out, _ = trained
    folder, _ = images
    paths = [folder / "trouser.png", folder / "trouser-paper.png", folder / "trouser-big.jpg"]
    status, text, err = run_cli("predict", out / "model.safetensors", *paths)
    assert status == 0, err
    blocks = parse_predictions(text)
    assert list(blocks) == [str(p) for p in paths]
    for rows in blocks.values():
        assert len(rows) == 3
        assert all(name in FASHION for name, _ in rows)
        probs = [p for _, p in rows]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
    # auto-invert: the dark-on-light image is read exactly like the original
    assert blocks[str(paths[1])] == blocks[str(paths[0])]
    # the image file gives the same answer as the data set's array: same scaling, same orientation
    from numnet.io import load_model
    from numnet.train import predict

    folder, trouser = images
    logits = predict(load_model(out / "model.safetensors"), trouser[None, None]).astype(np.float64)[0]
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    want = [(FASHION[c], round(float(probs[c]), 4)) for c in np.argsort(-probs)[:3]]
    assert blocks[str(paths[0])] == want
    # --invert no on the light-background image changes what the model sees
    status, text, _ = run_cli("predict", out / "model.safetensors", paths[1], "--invert", "no", "--top", 5)
    assert status == 0 and len(parse_predictions(text)[str(paths[1])]) == 5
    assert parse_predictions(text)[str(paths[1])][:3] != blocks[str(paths[0])]


def test_load_image_converts_resizes_scales_and_inverts(images):
    folder, trouser = images
    x = load_image(str(folder / "trouser.png"))
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], trouser, atol=0.5 / 255)
    paper = load_image(str(folder / "trouser-paper.png"))  # auto-inverted
    np.testing.assert_allclose(paper, x, atol=1e-6)
    assert load_image(str(folder / "trouser-paper.png"), invert="no").mean() > 0.5
    big = load_image(str(folder / "trouser-big.jpg"), channels=3)
    assert big.shape == (3, 28, 28) and 0.0 <= big.min() and big.max() <= 1.0
    assert np.abs(big[0] - x[0]).mean() < 0.05  # 56x56 JPEG, downscaled: close to the original


def test_summary_prints_the_layer_table():
    status, text, err = run_cli("summary", "--model", "lenet5", "--input-shape", 1, 28, 28)
    assert status == 0, err
    assert "Conv2d" in text and "Linear" in text and "61,706" in text.replace(" ", "") or "61706" in text
    status, text2, err = run_cli("summary", "--model", "lenet5")
    assert status == 0 and text2 == text


def test_summary_of_a_saved_model_file(trained):
    status, text, err = run_cli("summary", "--model", trained[0] / "model.safetensors")
    assert status == 0, err
    assert "Conv2d" in text


def test_predict_and_summary_take_the_input_shape_from_the_model_file(tmp_path, images):
    """numnet.models.input_shape_of: a 32×32 VGGSmall needs no --size / --input-shape (its config says 32)."""
    import numnet
    from numnet.io import save_model
    from numnet.train import predict

    numnet.manual_seed(0)
    model = numnet.models.VGGSmall(width=2, input_size=32, num_classes=3)
    path = tmp_path / "vgg32.safetensors"
    save_model(model, path, metadata={"classes": json.dumps(["a", "b", "c"])})
    status, text, err = run_cli("summary", "--model", path)
    assert status == 0, err
    assert text == str(model.summary((1, 32, 32), print_fn=None)) + "\n"
    folder, _ = images
    status, text, err = run_cli("predict", path, folder / "trouser.png", "--top", 3)
    assert status == 0, err
    x = load_image(str(folder / "trouser.png"), channels=1, size=(32, 32))
    logits = predict(model, x[None]).astype(np.float64)[0]
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    want = [("abc"[c], round(float(probs[c]), 4)) for c in np.argsort(-probs, kind="stable")]
    assert parse_predictions(text)[str(folder / "trouser.png")] == want


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "summary"])
def test_help_for_every_command(command):
    status, text, err = run_cli(command, "--help")
    assert status == 0 and text.startswith(f"usage: numnet {command}") and err == ""


def one_line_error(status, out, err):
    assert status == 2
    assert err.startswith("numnet: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err + out
    return err


def test_bad_arguments_exit_2_with_one_line(tmp_path, trained, images):
    model = trained[0] / "model.safetensors"
    folder, _ = images
    cases = [
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--batch-size", "many"], "--batch-size"),
        (["train", "--lr", "-1"], "--lr"),
        (["train", "--optimizer", "sgdx"], "--optimizer"),
        (["train", "--model", "nope", "--out", tmp_path / "x"], "nope"),
        (["train", "--dataset", "cifar10", "--out", tmp_path / "x"], "cifar10"),
        (["train", "--optimizer", "adam", "--momentum", "0.9", "--out", tmp_path / "x"], "momentum"),
        (["train", "--resume", "--out", tmp_path / "empty"], "checkpoint"),
        (["evaluate", tmp_path / "missing.safetensors", "--dataset", "fashion-mnist"], "missing.safetensors"),
        (["evaluate", trained[0] / "history.csv", "--dataset", "fashion-mnist"], "history.csv"),
        (["predict", model, tmp_path / "missing.png"], "missing.png"),
        (["predict", model, folder / "notes.png"], "notes.png"),
        (["predict", model], "IMAGE"),
        (["summary", "--input-shape", "x"], "--input-shape"),
        (["summary", "--model", "nope"], "nope"),
        (["summary", "--model", "lenet5", "--input-shape", "3", "28", "28"], "(1, 3, 28, 28)"),
        (["fly"], "fly"),
    ]
    for argv, needle in cases:
        err = one_line_error(*run_cli(*argv))
        assert needle in err, (argv, err)
    assert not (tmp_path / "x").exists()  # nothing is written when the arguments are bad
