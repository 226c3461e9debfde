"""The user's own images end to end, through the ``numnet`` command: a generated folder of 270 PNGs in 3 classes
(RGB 32×32 circles, squares and triangles on noisy backgrounds) is trained on with ``--data`` (stratified
hold-out and a train/test layout), evaluated with ``--data``, predicted folder-wide into a CSV, and served by the
explorer, all from what the model card in the file records (no ``--size``, no class list given anywhere)."""

from __future__ import annotations

import base64
import csv
import io
import json
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from numnet.io import load_metadata
from numnet.io.model_card import read_card
from tests.test_commands import run_cli

CLASSES = ["circle", "square", "triangle"]


def _draw(kind: str, rng: np.random.Generator, size: int = 32) -> Image.Image:
    bg = tuple(int(v) for v in rng.integers(0, 90, 3))
    img = Image.new("RGB", (size, size), bg)
    noise = rng.integers(0, 40, (size, size, 3), dtype=np.uint8)
    img = Image.fromarray(np.clip(np.asarray(img, np.int16) + noise, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    r = int(rng.integers(7, 12))
    cx, cy = (int(v) for v in rng.integers(r + 1, size - r - 1, 2))
    fg = tuple(int(v) for v in rng.integers(150, 256, 3))
    if kind == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fg)
    elif kind == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fg)
    else:
        d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fg)
    return img


def _folder(root, per_class: int, seed: int, suffix: str = ".png"):
    rng = np.random.default_rng(seed)
    for kind in CLASSES:
        (root / kind).mkdir(parents=True)
        for i in range(per_class):
            _draw(kind, rng).save(root / kind / f"{kind}_{i:03d}{suffix}")
    return root


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    base = tmp_path_factory.mktemp("shapes")
    flat = _folder(base / "flat", 90, seed=0)  # 270 images: train with a stratified --val-split
    split = base / "split"
    _folder(split / "train", 60, seed=1)
    _folder(split / "test", 20, seed=2)
    return flat, split


@pytest.fixture(scope="module")
def trained(shapes, tmp_path_factory):
    flat, _ = shapes
    out = tmp_path_factory.mktemp("runs") / "shapes"
    status, stdout, stderr = run_cli("train", "--data", flat, "--model", "lenet5", "--epochs", 6, "--batch-size", 16,
                                     "--optimizer", "adam", "--lr", 0.003, "--augment", "crop", "--seed", 0,
                                     "--quiet", "--out", out)
    assert status == 0, stderr
    return out, stdout


def test_train_on_a_folder_records_the_model_card(trained, shapes):
    out, stdout = trained
    m = re.fullmatch(r"validation accuracy \(held-out 0.2\): (0\.\d{4}|1\.0000)\n", stdout)
    assert m, stdout
    assert float(m.group(1)) >= 0.8  # 54 held-out images of three clearly different shapes
    for name in ("model.safetensors", "checkpoint.safetensors"):
        card = read_card(load_metadata(out / name), out / name)
        assert card.input_shape == (3, 32, 32) and card.classes == CLASSES
        assert card.dataset == f"folder:{shapes[0]}"
        assert len(card.mean) == 3 and all(0 < s < 1 for s in card.std)


def test_train_refuses_to_overwrite_without_overwrite(trained, shapes):
    out, _ = trained
    status, _, err = run_cli("train", "--data", shapes[0], "--epochs", 1, "--out", out)
    assert status == 2 and "--overwrite" in err and err.count("\n") == 1


def test_evaluate_predict_and_summary_read_the_card(trained, shapes, tmp_path):
    out, _ = trained
    flat, split = shapes
    for model in ("model.safetensors", "checkpoint.safetensors"):  # every command takes both files
        status, stdout, stderr = run_cli("evaluate", out / model, "--data", split)
        assert status == 0, stderr
        assert stdout.startswith(f"{split / 'test'} (60 images)")
        assert float(stdout.split("accuracy: ")[1]) >= 0.75
    status, stdout, _ = run_cli("evaluate", out / "model.safetensors")  # the training folder, from the card
    assert status == 0 and "(270 images)" in stdout
    csv_path = tmp_path / "pred.csv"
    status, stdout, stderr = run_cli("predict", out / "model.safetensors", split / "test", "--csv", csv_path)
    assert status == 0, stderr
    rows = list(csv.DictReader(open(csv_path, newline="")))
    assert len(rows) == 60 and list(rows[0])[:3] == ["path", "prediction", "probability"]
    assert set(list(rows[0])[3:]) == set(CLASSES)
    right = sum(r["prediction"] == r["path"].split("/")[-2] for r in rows)
    assert right >= 45
    status, stdout, _ = run_cli("predict", out / "checkpoint.safetensors", split / "test" / "square" /
                                "square_000.png", "--top", 1)
    assert status == 0 and stdout.splitlines()[1].split()[0] in CLASSES
    status, stdout, _ = run_cli("summary", "--model", out / "model.safetensors")
    assert status == 0 and stdout.splitlines()[0].endswith(": input (1, 3, 32, 32) -> output (1, 3)"), stdout


def test_train_with_a_test_folder_and_a_resnet(shapes, tmp_path):
    _, split = shapes
    out = tmp_path / "resnet"
    status, stdout, stderr = run_cli("train", "--data", split, "--model", "resnet8", "--epochs", 1, "--batch-size",
                                     32, "--optimizer", "adam", "--image-size", 24, 20, "--channels", 1, "--quiet",
                                     "--out", out)
    assert status == 0, stderr
    assert stdout.startswith("test accuracy: ")
    card = read_card(load_metadata(out / "model.safetensors"), out)
    assert card.input_shape == (1, 24, 20)
    status, _, err = run_cli("train", "--data", split, "--model", "vgg", "--image-size", 24, 20, "--out",
                             tmp_path / "vgg")
    assert status == 2 and "square images" in err


def test_explore_serves_the_folder_model(trained):
    from numnet.explore.server import create_app, load_explorer

    out, _ = trained
    explorer = load_explorer(str(out / "model.safetensors"), seed=0)
    client = create_app(explorer).test_client()
    info = client.get("/api/info").get_json()
    assert info["classes"] == CLASSES and info["input_shape"] == [3, 32, 32]
    assert info["dataset"]["size"] == 270
    sample = client.get("/api/sample?index=5").get_json()
    assert sample["label_name"] in CLASSES and np.asarray(sample["image"]).shape == (32, 32)
    buf = io.BytesIO()
    _draw("circle", np.random.default_rng(9)).convert("L").save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    reply = client.post("/api/predict", data=json.dumps({"image": url}), content_type="application/json")
    assert reply.status_code == 200
    assert reply.get_json()["prediction"]["name"] in CLASSES


def test_bad_folders_get_one_line_errors(tmp_path, trained):
    out, _ = trained
    (tmp_path / "empty" / "a").mkdir(parents=True)
    status, _, err = run_cli("train", "--data", tmp_path / "empty", "--out", tmp_path / "o1")
    assert status != 0 and err.count("\n") == 1
    status, _, err = run_cli("train", "--data", tmp_path / "missing", "--out", tmp_path / "o2")
    assert status != 0 and "missing" in err and err.count("\n") == 1
    status, _, err = run_cli("train", "--data", tmp_path, "--dataset", "mnist5k")
    assert status == 2 and "not both" in err
    bad = tmp_path / "broken" / "x"
    bad.mkdir(parents=True)
    (bad / "0.png").write_bytes(b"not a png")
    status, _, err = run_cli("predict", out / "model.safetensors", bad / "0.png")
    assert status != 0 and "0.png" in err and err.count("\n") == 1


def _data_url(img: Image.Image, fmt: str) -> str:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode()


def test_explorer_of_a_folder_model_refuses_bad_requests_with_json(trained, shapes, tmp_path):
    """Issue 13, item 5: the explorer's new data inputs — a model trained on a folder of RGB images (its card names
    the folder, its size 3×32×32 and its normalization) — under good and bad requests: every answer is JSON, every
    bad request a 4xx, never a 5xx; images in every format the page may send are accepted."""
    import shutil

    from numnet.explore.server import create_app, load_explorer

    out, _ = trained
    client = create_app(load_explorer(str(out / "model.safetensors"), seed=0)).test_client()
    img = _draw("square", np.random.default_rng(3))
    for fmt in ("PNG", "JPEG", "WEBP", "BMP", "GIF"):
        reply = client.post("/api/predict", data=json.dumps({"image": _data_url(img, fmt)}),
                            content_type="application/json")
        assert reply.status_code == 200, (fmt, reply.get_json())
        assert reply.get_json()["prediction"]["name"] in CLASSES
    bad_bodies = [b"", b"{bad", b"[]", {"image": 5}, {"image": "data:image/png;base64,%%%"},
                  {"image": "data:image/tiff;base64,AAAA"}, {"image": [[0.5] * 31] * 32, "preprocess": False},
                  {"image": [[[0.5] * 3] * 32] * 32, "preprocess": False}, {"image": [[2.0] * 32] * 32},
                  {"image": _data_url(img, "PNG"), "layers": ["no.such.layer"]},
                  {"image": _data_url(img, "PNG"), "top": -3}]
    for body in bad_bodies:
        data = body if isinstance(body, bytes) else json.dumps(body)
        reply = client.post("/api/predict", data=data, content_type="application/json")
        assert 400 <= reply.status_code < 500, (body, reply.status_code)
        assert reply.is_json and reply.get_json()["status"] == reply.status_code
    for query in ("index=270", "index=-1", "index=1e3", "index=abc"):
        reply = client.get(f"/api/sample?{query}")
        assert reply.status_code == 400 and reply.is_json, query
    assert client.get("/api/sample?index=269").status_code == 200

    # the folder the card names, moved away: the explorer still starts; random samples are off (404 JSON)
    moved = tmp_path / "moved"
    card_folder = shapes[0]  # the folder `trained` was trained on, which its card names
    shutil.copytree(card_folder, moved)
    try:
        shutil.rmtree(card_folder)
        gone = create_app(load_explorer(str(out / "model.safetensors"), seed=0)).test_client()
        reply = gone.get("/api/sample")
        assert reply.status_code == 404 and reply.is_json
        assert gone.post("/api/predict", data=json.dumps({"image": _data_url(img, "PNG")}),
                         content_type="application/json").status_code == 200
    finally:
        shutil.copytree(moved, card_folder)
