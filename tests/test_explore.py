"""``numnet explore``: MNIST-style preprocessing, the Explorer logic, the Flask API's validation, the CLI glue.

The real-browser test is tests/test_explore_browser.py.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageDraw

import numnet
from numnet import nn
from numnet.cli import main
from numnet.errors import ArgumentError, DataNotFoundError, DTypeError, ShapeError
from numnet.explore import _is_loopback, _url
from numnet.explore import server as explore_server
from numnet.explore.preprocess import (as_pixel_array, center_of_mass, decode_image, fit_to_size, mnist_preprocess,
                                       resample_matrix)
from numnet.explore.model import layer_kind
from numnet.explore.render import encode_png
from numnet.explore.server import MAX_BODY_BYTES, Explorer, create_app, load_explorer
from numnet.io import save_model
from numnet.models import MLP, LeNet5, VGGSmall, input_shape_of
from numnet.train import predict
from numnet.viz.capture import activations

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


# ---------------------------------------------------------------------------------------------------- helpers
def _ink_box(x: np.ndarray, level: float = 0.5) -> tuple[int, int]:
    rows = np.flatnonzero(x.max(axis=1) > level)
    cols = np.flatnonzero(x.max(axis=0) > level)
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def _png_url(gray: np.ndarray, mode: str = "L") -> str:
    img = Image.fromarray((np.clip(gray, 0, 1) * 255).round().astype(np.uint8), "L").convert(mode)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _seven(size: int = 280, width: int = 20) -> np.ndarray:
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    d.line([(70, 60), (210, 60), (120, 240)], fill=255, width=width, joint="curve")
    return np.asarray(img, np.float32) / 255


def _fake_dataset(n: int = 10, seed: int = 0) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    return SimpleNamespace(data=rng.random((n, 1, 28, 28), dtype=np.float32),
                           targets=np.arange(n, dtype=np.int64) % 10, classes=list(FASHION))


@pytest.fixture(scope="module")
def lenet() -> LeNet5:
    numnet.manual_seed(0)
    return LeNet5()


@pytest.fixture(scope="module")
def explorer(lenet: LeNet5) -> Explorer:
    return Explorer(lenet, dataset=_fake_dataset(), dataset_name="fake", seed=0)


@pytest.fixture(scope="module")
def client(explorer: Explorer):
    return create_app(explorer).test_client()


def _post(client, body) -> tuple[int, dict]:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    resp = client.post("/api/predict", data=data, content_type="application/json")
    return resp.status_code, json.loads(resp.data)


def _strict_json(raw: bytes) -> dict:
    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    return json.loads(raw, parse_constant=refuse)


# ---------------------------------------------------------------------------------------------------- preprocess
def test_preprocess_scales_the_longer_side_to_20_and_centres_the_mass() -> None:
    canvas = np.zeros((280, 280), np.float32)
    canvas[30:230, 200:250] = 1.0  # 200 tall, 50 wide, far right of the canvas
    x = mnist_preprocess(canvas)
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert _ink_box(x) == (20, 5)
    cy, cx = center_of_mass(x)
    assert abs(cy - 14.5) <= 0.5 and abs(cx - 14.5) <= 0.5
    assert x.max() == pytest.approx(1.0) and x.min() >= 0.0


def test_preprocess_keeps_the_aspect_ratio_of_a_wide_drawing() -> None:
    canvas = np.zeros((300, 300), np.float32)
    canvas[100:160, 20:260] = 1.0  # 60 × 240 → 5 × 20
    h, w = _ink_box(mnist_preprocess(canvas))
    assert w == 20 and h == 5


def test_preprocess_keeps_a_lopsided_digit_inside_the_frame() -> None:
    canvas = np.zeros((280, 280), np.float32)
    canvas[20:40, 20:40] = 1.0           # a small dot at the top left ...
    canvas[20:220, 180:220] = 1.0        # ... and a heavy bar on the right: the mass sits far right in the box
    x = mnist_preprocess(canvas)
    assert _ink_box(x, 0.3) == (20, 20)  # nothing cut off: the box was kept inside the frame ...
    assert x[:, 0].max() > 0.3           # ... pushed against the left edge instead of centring the mass
    assert center_of_mass(x)[1] > 15.0


def test_preprocess_empty_and_inverted() -> None:
    assert not mnist_preprocess(np.zeros((100, 80), np.float32)).any()
    assert not mnist_preprocess(np.full((50, 50), 5e-4, np.float32)).any()
    seven = _seven()
    bright = mnist_preprocess(seven)
    dark_on_white = mnist_preprocess(1.0 - seven)  # auto-inverted
    np.testing.assert_allclose(dark_on_white, bright, atol=1e-6)
    np.testing.assert_allclose(mnist_preprocess(1.0 - seven, invert="yes"), bright, atol=1e-6)


def test_preprocess_other_frame_sizes() -> None:
    x = mnist_preprocess(_seven(), size=(32, 32))
    assert x.shape == (32, 32)
    assert max(_ink_box(x, 0.2)) == 23  # round(20/28 · 32)
    cy, cx = center_of_mass(x)
    assert abs(cy - 16.5) <= 0.5 and abs(cx - 16.5) <= 0.5


def test_preprocess_reproduces_mnist_digits() -> None:
    """An MNIST digit enlarged 10× and preprocessed again comes back close to itself."""
    from numnet.datasets import get_dataset

    ds = get_dataset("mnist5k", train=False)
    rows = np.concatenate([np.flatnonzero(ds.targets == c)[:2] for c in range(10)])
    digits = ds.data[rows, 0]  # 20 digits, two of each class
    corr = [np.corrcoef(d.ravel(), mnist_preprocess(fit_to_size(d, (280, 280))).ravel())[0, 1] for d in digits]
    assert np.mean(corr) > 0.9 and min(corr) > 0.6


def test_preprocess_rejects_bad_arguments() -> None:
    with pytest.raises(ShapeError):
        mnist_preprocess(np.zeros((3, 28, 28)))
    with pytest.raises(ArgumentError):
        mnist_preprocess(np.zeros((28, 28)), size=(0, 28))
    with pytest.raises(ArgumentError):
        mnist_preprocess(np.zeros((28, 28)), box=29)
    with pytest.raises(ArgumentError):
        mnist_preprocess(np.zeros((28, 28)), invert="maybe")


def test_resample_matrix() -> None:
    np.testing.assert_allclose(resample_matrix(5, 5, 1.0, 0.0), np.eye(5), atol=1e-12)
    shrink = resample_matrix(100, 10, 0.1, 0.0)  # an average over ~10 pixels per output, rows sum to 1 inside
    np.testing.assert_allclose(shrink[2:-2].sum(axis=1), 1.0, atol=1e-12)
    assert (shrink >= 0).all()
    shifted = resample_matrix(4, 10, 1.0, 3.0)  # whole-pixel shift: input pixel i lands on output i + 3
    np.testing.assert_allclose(shifted[3:7], np.eye(4), atol=1e-12)
    assert not shifted[:3].any() and not shifted[7:].any()
    with pytest.raises(ArgumentError):
        center_of_mass(np.zeros((3, 3)))
    assert center_of_mass(np.eye(1)) == (0.5, 0.5)


def test_decode_image_data_urls() -> None:
    seven = _seven()
    np.testing.assert_allclose(decode_image(_png_url(seven)), seven, atol=1 / 255)
    np.testing.assert_allclose(decode_image(_png_url(seven, "RGB")), seven, atol=1 / 255)
    transparent = Image.new("RGBA", (40, 40), (255, 255, 255, 0))  # white but fully transparent → black
    buf = io.BytesIO()
    transparent.save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    assert not decode_image(url).any()
    for bad, err in [("hello", ArgumentError), ("data:image/png;base64,@@@", ArgumentError),
                     ("data:image/png;base64,aGVsbG8=", ArgumentError),   # base64 of "hello": not an image
                     ("data:text/html;base64,aGVsbG8=", ArgumentError),
                     (_png_url(np.zeros((4, 4))), ShapeError),            # too small
                     (_png_url(np.zeros((10, 2000))), ShapeError)]:       # too large
        with pytest.raises(err):
            decode_image(bad)


def test_decode_image_lists() -> None:
    assert decode_image([[0.25] * 8] * 9).shape == (9, 8)
    assert decode_image([[0] * 8] * 8).dtype == np.float32
    cases = [([[0.1, 0.2], [0.3]], ShapeError), ([[True] * 8] * 8, DTypeError), ([["0"] * 8] * 8, DTypeError),
             ([[2.0] * 8] * 8, ArgumentError), ([[-0.1] * 8] * 8, ArgumentError),
             ([[float("nan")] * 8] * 8, ArgumentError), ([[[0.0] * 8] * 8] * 2, ShapeError), ([0.5] * 8, ShapeError),
             ([], ArgumentError), (None, ArgumentError), ({"a": 1}, ArgumentError), ([[None] * 8] * 8, DTypeError)]
    for value, err in cases:
        with pytest.raises(err):
            decode_image(value)
    deep: list = [0.5]
    for _ in range(5000):
        deep = [deep]
    with pytest.raises((ShapeError, ArgumentError)):
        as_pixel_array(deep)


# ---------------------------------------------------------------------------------------------------- Explorer
def test_explorer_predict_matches_the_model(explorer: Explorer, lenet: LeNet5) -> None:
    r = explorer.predict(_png_url(_seven()))
    x = np.asarray(r["input28"], np.float32)
    np.testing.assert_array_equal(x, mnist_preprocess(decode_image(_png_url(_seven()))))
    logits = predict(lenet, x[None, None])
    assert r["prediction"]["index"] == int(np.argmax(logits[0]))
    e = np.exp(logits[0] - logits[0].max())
    np.testing.assert_allclose(r["probs"], e / e.sum(), rtol=1e-5, atol=1e-7)
    assert [t["prob"] for t in r["top"]] == sorted((t["prob"] for t in r["top"]), reverse=True)
    assert len(r["top"]) == 3 and r["top"][0] == r["prediction"]
    assert [layer["name"] for layer in r["layers"]] == explorer.layer_names
    reference = dict(activations(lenet, x[None, None]))
    for layer in r["layers"]:
        ref = reference[layer["name"]]
        assert layer["shape"] == list(ref.shape)
        if "maps" in layer:
            assert len(layer["maps"]) == ref.shape[1] and layer["channels"] == ref.shape[1]
            png = Image.open(io.BytesIO(base64.b64decode(layer["maps"][0].split(",", 1)[1])))
            assert png.size == ref.shape[2:][::-1] and png.mode == "RGB"
        else:
            np.testing.assert_allclose(layer["values"], ref.reshape(-1), rtol=1e-6, atol=1e-7)


def test_explorer_info(explorer: Explorer) -> None:
    info = explorer.info()
    assert info["input_shape"] == [1, 28, 28] and info["classes"] == FASHION and info["output"] == "logits"
    assert info["summary"]["total_params"] == 61706 and info["summary"]["total_macs"] == 416520
    assert info["summary"]["total_flops"] == 2 * 416520
    assert [layer["name"] for layer in info["layers"]] == explorer.layer_names
    kinds = {layer["name"]: layer["kind"] for layer in info["layers"]}
    assert kinds["features.0"] == "conv" and kinds["features.2"] == "pool" and kinds["classifier.1"] == "linear"
    assert kinds["features.1"] == "activation" and kinds["classifier.0"] == "flatten"
    assert info["layers"][0]["shape"] == [1, 6, 28, 28]
    assert info["dataset"] == {"name": "fake", "size": 10, "split": "test"}
    json.dumps(info, allow_nan=False)


@pytest.mark.parametrize("make, shape", [
    (lambda: MLP(hidden=(32,)), (1, 28, 28)),
    (lambda: LeNet5(num_classes=4, in_channels=3), (3, 28, 28)),
    (lambda: VGGSmall(width=4, input_size=32, num_classes=3), (1, 32, 32)),
    (lambda: nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 5),
                           nn.Softmax(dim=1)), (1, 28, 28)),
])
def test_explorer_is_generic_over_models(make, shape) -> None:
    numnet.manual_seed(1)
    model = make()
    ex = Explorer(model)
    assert ex.input_shape == shape == input_shape_of(model)
    r = ex.predict(_png_url(_seven()), top=50)
    x = np.asarray(r["input28"], np.float32)
    assert x.shape == shape[1:]
    batch = np.repeat(x[None, None], shape[0], axis=1)
    out = predict(model, batch)[0]
    assert r["prediction"]["index"] == int(np.argmax(out)) and len(r["top"]) == len(out)
    if ex.output_kind == "probabilities":
        np.testing.assert_allclose(r["probs"], out, rtol=1e-5)
    assert sum(r["probs"]) == pytest.approx(1.0)
    assert len(r["layers"]) == len(ex.layer_names)
    exact = ex.predict(x.tolist(), preprocess=False)
    assert exact["input28"] == r["input28"]


def test_explorer_refuses_models_it_cannot_explore() -> None:
    with pytest.raises(ArgumentError, match="class scores"):
        Explorer(nn.Sequential(nn.Conv2d(1, 2, 3)))
    with pytest.raises(ArgumentError, match="input shape"):
        Explorer(MLP(in_features=100), input_shape=(1, 28, 28))
    with pytest.raises(DTypeError):
        Explorer("not a model")
    assert Explorer(MLP(in_features=100)).input_shape == (1, 10, 10)
    with pytest.raises(ArgumentError):
        input_shape_of(LeNet5(), {"input_shape": "[1, 28]"})
    assert input_shape_of(MLP(in_features=784 * 3), {"input_shape": "[3, 28, 28]"}) == (3, 28, 28)


def test_explorer_survives_nan_weights() -> None:
    numnet.manual_seed(2)
    model = LeNet5()
    model.classifier[5].weight._data[...] = np.nan
    resp = create_app(Explorer(model)).test_client().post(
        "/api/predict", data=json.dumps({"image": _png_url(_seven())}), content_type="application/json")
    assert resp.status_code == 200
    body = _strict_json(resp.data)  # valid JSON: no NaN tokens
    assert np.isfinite(body["probs"]).all()


def test_layer_kind_and_png() -> None:
    assert layer_kind(nn.BatchNorm2d(3)) == "norm" and layer_kind(nn.Dropout(0.1)) == "dropout"
    assert layer_kind(nn.Identity()) == "identity" and layer_kind(nn.AvgPool2d(2)) == "pool"
    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3) * 20
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(img))))
    np.testing.assert_array_equal(decoded, img)
    gray = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(encode_png(gray)))), gray)
    with pytest.raises(ShapeError):
        encode_png(np.zeros((2, 2, 4)))


# ---------------------------------------------------------------------------------------------------- HTTP API
def test_page_and_static_files(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'id="draw"' in page.data and b"/static/app.js" in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    for name, mime in [("app.js", "text/javascript"), ("style.css", "text/css"), ("index.html", "text/html")]:
        resp = client.get(f"/static/{name}")
        assert resp.status_code == 200 and resp.mimetype == mime
        # Nothing is fetched from elsewhere: no CDN, no web font, no external URL at all.
        assert b"http://" not in resp.data and b"https://" not in resp.data and b"//cdn" not in resp.data


@pytest.mark.parametrize("path", [
    "/static/../server.py", "/static/%2e%2e/server.py", "/static/%2E%2E%2Fserver.py", "/static/..%2fserver.py",
    "/static/..%5cserver.py", "/static/..\\server.py", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/static/./app.js", "/static/static/app.js", "/static/app.js%00", "/static/", "/static/__init__.py",
    "/static/../../explore/server.py", "/../numnet/explore/server.py", "/server.py", "/static/%252e%252e/server.py",
    "/static/.%2e/preprocess.py", "/api/../static/app.js/..",
])
def test_no_path_traversal(client, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404, path
    body = _strict_json(resp.data)
    assert body["status"] == 404 and body["error"] == "not_found"
    assert b"def " not in resp.data and b"import" not in resp.data


def test_api_info(client) -> None:
    resp = client.get("/api/info")
    assert resp.status_code == 200
    info = _strict_json(resp.data)
    assert info["model"] == "LeNet5" and len(info["summary"]["rows"]) == 12
    assert info["summary"]["rows"][0] == {"name": "features.0", "type": "Conv2d", "output_shape": [1, 6, 28, 28],
                                          "params": 156, "macs": 117600}


def test_api_predict(client, lenet: LeNet5) -> None:
    status, r = _post(client, {"image": _png_url(_seven()), "top": 2, "max_maps": 4,
                               "layers": ["features.0", "features.3", "classifier.5"]})
    assert status == 200
    assert [layer["name"] for layer in r["layers"]] == ["features.0", "features.3", "classifier.5"]
    assert len(r["layers"][0]["maps"]) == 4 and r["layers"][0]["channels"] == 6
    assert len(r["layers"][2]["values"]) == 10 and len(r["top"]) == 2
    x = np.asarray(r["input28"], np.float32)
    assert r["prediction"]["index"] == int(np.argmax(predict(lenet, x[None, None])[0]))
    status, exact = _post(client, {"image": r["input28"], "preprocess": False, "layers": []})
    assert status == 200 and exact["input28"] == r["input28"] and exact["layers"] == []
    assert exact["probs"] == r["probs"]
    status, empty = _post(client, {"image": [[0.0] * 280] * 280})
    assert status == 200 and empty["empty"] is True and not np.asarray(empty["input28"]).any()


@pytest.mark.parametrize("body, fragment", [
    (b"", "empty"),
    (b"{bad json", "not valid JSON"),
    (b"\xff\xfe\x00", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'"image"', "JSON object"),
    (b"null", "JSON object"),
    ({}, "missing field 'image'"),
    ({"img": "x"}, "unknown field"),
    ({"image": 5}, "image"),
    ({"image": "not a url"}, "data URL"),
    ({"image": "data:image/png;base64,%%%"}, "data URL"),
    ({"image": "data:image/png;base64,iVBORw0KGgo="}, "cannot decode"),
    ({"image": [[0.5] * 4] * 4}, "between 8×8"),
    ({"image": [[0.5] * 2000] * 8}, "between 8×8"),
    ({"image": [[0.5] * 27] * 28, "preprocess": False}, "28×28"),
    ({"image": [[[0.5] * 28] * 28] * 2, "preprocess": False}, "28×28"),
    ({"image": "data:image/png;base64,AAAA", "preprocess": False}, "not a data URL"),
    ({"image": [[1.5] * 28] * 28}, "[0, 1]"),
    ({"image": [[0.5, 0.5], [0.5]]}, "same length"),
    ({"image": [["a"] * 28] * 28}, "numbers"),
    (b'{"image": [[NaN, 0, 0, 0, 0, 0, 0, 0]]}', "finite"),
    ({"image": [[0.5] * 28] * 28, "preprocess": "yes"}, "preprocess"),
    ({"image": [[0.5] * 28] * 28, "top": 0}, "top"),
    ({"image": [[0.5] * 28] * 28, "top": True}, "top"),
    ({"image": [[0.5] * 28] * 28, "max_maps": 10_000}, "max_maps"),
    ({"image": [[0.5] * 28] * 28, "layers": "features.0"}, "layers"),
    ({"image": [[0.5] * 28] * 28, "layers": [1]}, "layers"),
    ({"image": [[0.5] * 28] * 28, "layers": ["features.0", "features.99"]}, "features.99"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON"),
    (b'{"image": ' + b"[" * 50_000 + b"0.5" + b"]" * 50_000 + b"}", "JSON"),
])
def test_api_predict_rejects_bad_requests(client, body, fragment: str) -> None:
    status, r = _post(client, body)
    assert status == 400, r
    assert r["status"] == 400 and fragment in r["message"], r["message"]


def test_api_body_limit_and_methods(client) -> None:
    resp = client.post("/api/predict", data=b"x" * (MAX_BODY_BYTES + 1), content_type="application/json")
    assert resp.status_code == 413 and _strict_json(resp.data)["error"] == "request_entity_too_large"
    resp = client.get("/api/predict")
    assert resp.status_code == 405 and "POST" in resp.headers["Allow"] and _strict_json(resp.data)["status"] == 405
    assert client.post("/api/info").status_code == 405
    assert client.put("/").status_code == 405
    resp = client.get("/api/nope")
    assert resp.status_code == 404 and resp.mimetype == "application/json"


def test_api_sample(client, explorer: Explorer) -> None:
    resp = client.get("/api/sample?index=3")
    assert resp.status_code == 200
    s = _strict_json(resp.data)
    assert s["index"] == 3 and s["label"] == 3 and s["label_name"] == "Dress"
    np.testing.assert_array_equal(np.asarray(s["image"], np.float32), explorer.dataset.data[3, 0])
    for _ in range(3):
        r = client.get("/api/sample")
        assert r.status_code == 200 and 0 <= r.get_json()["index"] < 10
    assert client.get("/api/sample?index=random").status_code == 200


@pytest.mark.parametrize("query", ["index=-1", "index=abc", "index=1.5", "index=", "index=10", "index=99999999999",
                                   "index=%00", "index=1&index=2&x=1", "foo=1", "index=+1", "index=0x1"])
def test_api_sample_rejects_bad_index(client, query: str) -> None:
    resp = client.get(f"/api/sample?{query}")
    assert resp.status_code == 400, query
    assert _strict_json(resp.data)["status"] == 400


def test_api_sample_without_dataset_and_internal_errors(lenet: LeNet5, monkeypatch) -> None:
    ex = Explorer(lenet)
    c = create_app(ex).test_client()
    resp = c.get("/api/sample")
    assert resp.status_code == 404 and "--dataset" in resp.get_json()["message"]
    assert c.get("/api/info").get_json()["dataset"] is None

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ex, "predict", broken)
    resp = c.post("/api/predict", data=json.dumps({"image": [[0.0] * 28] * 28}), content_type="application/json")
    assert resp.status_code == 500 and resp.get_json()["error"] == "internal_error"
    assert c.get("/api/info").status_code == 200  # still serving


def test_real_server_threads_and_413(explorer: Explorer) -> None:
    """Over real HTTP: concurrent predictions agree, and an oversized body gets a JSON 413."""
    srv = explore_server.make_server(create_app(explorer), "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{srv.port}"
    try:
        body = json.dumps({"image": _png_url(_seven()), "layers": ["classifier.5"]}).encode()
        results: list = []

        def ask() -> None:
            req = urllib.request.Request(base + "/api/predict", data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=20) as resp:
                results.append(json.loads(resp.read())["probs"])

        workers = [threading.Thread(target=ask) for _ in range(6)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        assert len(results) == 6 and all(r == results[0] for r in results)
        big = urllib.request.Request(base + "/api/predict", data=b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}",
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(big, timeout=20)
        assert info.value.code == 413 and json.loads(info.value.read())["status"] == 413
        with urllib.request.urlopen(base + "/api/info", timeout=20) as resp:  # still alive
            assert resp.status == 200
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(10)


# ---------------------------------------------------------------------------------------------------- files + CLI
@pytest.fixture(scope="module")
def model_file(tmp_path_factory, lenet: LeNet5) -> Path:
    path = tmp_path_factory.mktemp("explore") / "lenet5.safetensors"
    save_model(lenet, path, metadata={"dataset": "fashion-mnist", "classes": json.dumps(FASHION)})
    return path


def test_load_explorer(model_file: Path, lenet: LeNet5) -> None:
    ex = load_explorer(str(model_file), seed=0)
    assert ex.classes == FASHION and ex.dataset_name == "fashion-mnist" and len(ex.dataset.targets) == 10_000
    assert ex.model_name == "lenet5 (lenet5.safetensors)"
    s = ex.sample(7)
    np.testing.assert_array_equal(np.asarray(s["image"], np.float32), ex.dataset.data[7, 0])
    assert s["label_name"] == FASHION[int(ex.dataset.targets[7])]
    r = ex.predict(s["image"], preprocess=False)
    assert r["prediction"]["index"] == int(np.argmax(predict(lenet, ex.dataset.data[7:8])[0]))
    digits = load_explorer(str(model_file), dataset="mnist5k")
    assert digits.dataset_name == "mnist5k" and digits.classes == FASHION  # the file's names win
    with pytest.raises(FileNotFoundError):
        load_explorer(str(model_file) + ".missing")


def test_load_explorer_without_the_data(model_file: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import numnet.datasets as datasets

    monkeypatch.setenv("NUMNET_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(datasets, "SYSTEM_DIRS", [tmp_path / "none"])
    ex = load_explorer(str(model_file))  # the file names fashion-mnist, which is now "missing": samples are off
    assert ex.dataset is None and "random samples are off" in capsys.readouterr().out
    with pytest.raises(DataNotFoundError):
        load_explorer(str(model_file), dataset="fashion-mnist")
    with pytest.raises(ArgumentError):
        load_explorer(str(model_file), dataset="imagenet")


def test_cli_errors(model_file: Path) -> None:
    assert main(["explore", str(model_file) + ".missing", "--no-browser"]) == 2
    assert main(["explore", str(model_file), "--port", "70000"]) == 2
    assert main(["explore", str(model_file), "--input-shape", "1", "28"]) == 2
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["explore", str(model_file), "--port", str(port), "--no-browser"]) == 2  # address in use


def test_cli_serves_until_stopped(model_file: Path, monkeypatch, capsys) -> None:
    servers: list = []
    real = explore_server.make_server

    def capture(*args, **kwargs):
        servers.append(real(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr(explore_server, "make_server", capture)
    status: list = []
    thread = threading.Thread(
        target=lambda: status.append(main(["explore", str(model_file), "--port", "0", "--no-browser",
                                           "--dataset", "mnist5k"])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not servers and time.monotonic() < deadline:
        time.sleep(0.02)
    assert servers, "the server did not start"
    srv = servers[0]
    assert srv.server_address[0] == "127.0.0.1"  # loopback by default
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/api/info", timeout=20) as resp:
        info = json.loads(resp.read())
    assert info["dataset"]["name"] == "mnist5k" and info["classes"] == FASHION
    srv.shutdown()
    thread.join(10)
    assert status == [0]
    assert f"serving on http://127.0.0.1:{srv.port}/" in capsys.readouterr().out


def test_cli_helpers() -> None:
    assert _url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert _url("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert _url("::1", 5) == "http://[::1]:5/"
    assert _is_loopback("127.0.0.1") and _is_loopback("localhost") and _is_loopback("::1")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.2") and not _is_loopback("example.com")
