"""CLI bounds: --size, --image-size, --input-shape and --batch-size limits, Pillow's decompression-bomb guard as a
one-line error, and `numnet train --resume` with more --epochs (allowed for step/none schedules, refused with the
reason for cosine/onecycle)."""

from __future__ import annotations

import contextlib
import io as _io
import shutil

import pytest

import numnet
from numnet._argtypes import MAX_BATCH_SIZE, MAX_IMAGE_SIDE, MAX_INPUT_ELEMENTS
from numnet.cli import main
from numnet.errors import FileFormatError


def run_cli(*argv):
    out, err = _io.StringIO(), _io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


def refused(*argv, match):
    status, _, err = run_cli(*argv)
    assert status == 2, err
    assert err.startswith("numnet: error:") and err.count("\n") == 1 and "Traceback" not in err, err
    assert match in err, err
    return err


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    from numnet.io.model_card import card_metadata

    path = tmp_path_factory.mktemp("bounds") / "mlp.safetensors"
    model = numnet.models.get_model("mlp", in_features=64, hidden=[8], num_classes=3)
    numnet.io.save_model(model, path, metadata=card_metadata(input_shape=(1, 8, 8), classes=["a", "b", "c"]))
    return path


@pytest.fixture
def png(tmp_path):
    from PIL import Image

    def make(side, name="img.png"):
        path = tmp_path / name
        Image.new("L", (side, side), 0).save(path)
        return path

    return make


def test_size_options_are_bounded(model_file, png):
    image = png(8)
    refused("predict", model_file, image, "--size", MAX_IMAGE_SIDE + 1, 8, match=f"[1, {MAX_IMAGE_SIDE}]")
    refused("evaluate", model_file, "--batch-size", MAX_BATCH_SIZE + 1, match=f"[1, {MAX_BATCH_SIZE}]")
    refused("train", "--batch-size", MAX_BATCH_SIZE + 1, match=f"[1, {MAX_BATCH_SIZE}]")
    refused("train", "--image-size", 8, MAX_IMAGE_SIDE + 1, match=f"[1, {MAX_IMAGE_SIDE}]")
    refused("summary", "--model", "mlp", "--input-shape", 3, 4096, 4096, match=f"{MAX_INPUT_ELEMENTS:,}")
    refused("summary", "--model", "mlp", "--input-shape", 0, match="positive")
    refused("plot", "mistakes", model_file, "--batch-size", MAX_BATCH_SIZE + 1, match=f"[1, {MAX_BATCH_SIZE}]")
    status, out, err = run_cli("predict", model_file, image, "--size", 8, 8)
    assert status == 0, err


def test_model_card_input_shape_is_bounded(tmp_path):
    from numnet.errors import ArgumentError
    from numnet.io.model_card import card_metadata

    with pytest.raises(ArgumentError, match="C·H·W"):
        card_metadata(input_shape=(3, 4096, 4096))


def test_decompression_bomb_is_a_one_line_error(model_file, png, monkeypatch, tmp_path):
    from PIL import Image

    from numnet.data.folder import pil_loader
    from numnet.data.image_arrays import load_image_folder

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    for side in (40, 60):  # 1,600 pixels: Pillow warns; 3,600 (> 2 × the limit): Pillow raises
        image = png(side, f"bomb{side}.png")
        refused("predict", model_file, image, match="decompression-bomb")
        with pytest.raises(FileFormatError, match="decompression-bomb"):
            pil_loader(image)
    folder = tmp_path / "data" / "a"
    folder.mkdir(parents=True)
    shutil.copy(png(40, "x.png"), folder / "x.png")
    with pytest.raises(FileFormatError, match="decompression-bomb"):
        load_image_folder(str(tmp_path / "data"), (8, 8), 1)
    refused("evaluate", model_file, "--data", tmp_path / "data", match="decompression-bomb")


def _train(out, *extra):
    return run_cli("train", "--dataset", "mnist5k", "--model", "mlp", "--limit", 64, "--batch-size", 32,
                   "--optimizer", "adam", "--quiet", "--out", out, *extra)


@pytest.mark.parametrize("scheduler", ["cosine", "onecycle"])
def test_resume_with_more_epochs_refused_for_length_tied_schedules(tmp_path, scheduler):
    out = tmp_path / scheduler
    status, _, err = _train(out, "--epochs", 1, "--scheduler", scheduler)
    assert status == 0, err
    err = refused("train", "--dataset", "mnist5k", "--model", "mlp", "--limit", 64, "--batch-size", 32,
                  "--optimizer", "adam", "--quiet", "--out", out, "--epochs", 2, "--scheduler", scheduler,
                  "--resume", match=f"--scheduler {scheduler}")
    assert "--epochs 1" in err
    status, _, err = _train(out, "--epochs", 1, "--scheduler", scheduler, "--resume")  # the same length: fine
    assert status == 0, err


@pytest.mark.parametrize("scheduler", ["step", "none"])
def test_resume_with_more_epochs_continues_for_step_and_none(tmp_path, scheduler):
    out = tmp_path / scheduler
    status, _, err = _train(out, "--epochs", 1, "--scheduler", scheduler)
    assert status == 0, err
    status, stdout, err = _train(out, "--epochs", 3, "--scheduler", scheduler, "--resume")
    assert status == 0, err
    info = numnet.io.load_metadata(out / "checkpoint.safetensors")
    assert info["epoch"] == "3"
    with open(out / "history.csv") as f:
        assert [line.split(",")[0] for line in f.read().splitlines()] == ["epoch", "1", "2", "3"]


def test_resume_with_fewer_epochs_than_done_is_refused(tmp_path):
    out = tmp_path / "run"
    status, _, err = _train(out, "--epochs", 2)
    assert status == 0, err
    refused("train", "--dataset", "mnist5k", "--model", "mlp", "--limit", 64, "--batch-size", 32, "--optimizer",
            "adam", "--quiet", "--out", out, "--epochs", 1, "--resume", match="already done 2 epochs")
