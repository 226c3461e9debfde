"""``numnet explore`` in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright for Python).

For a Fashion-MNIST LeNet-5 (a saved file, so the whole ``load_explorer`` path runs) and a digit MLP on MNIST 5k:
draw strokes with the mouse on the page's canvas, wait for the probability bars and the layer views, and check that

* the class the page shows on top is the one ``numnet.train.predict`` gives for the 28×28 input the page received,
  and the probability bars are drawn to scale,
* that input is exactly the MNIST-style preprocessing of the canvas pixels, and the page's preview shows it,
* feature maps appear for every conv/pool channel (loaded PNGs of the right size) and update while drawing,
* Undo and Clear work, and the random-sample button shows a test image whose prediction also matches ``predict``,
* the page runs under its Content-Security-Policy without any console error.

The page's CSP forbids eval, so waiting is done by polling ``page.evaluate`` (not ``wait_for_function``). The test is
never skipped: without /usr/bin/chromium it fails and says to run scripts/get-browser.sh.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

import numnet
from numnet.datasets import get_dataset
from numnet.explore.preprocess import mnist_preprocess
from numnet.explore.server import Explorer, create_app, load_explorer, make_server
from numnet.io import save_model
from numnet.models import MLP, LeNet5
from numnet.train import predict

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


# ---------------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/get-browser.sh` (as root it runs "
                    "`apt-get install -y chromium`); the explorer's browser test needs Debian's Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _serve(explorer: Explorer) -> Iterator[str]:
    srv = make_server(create_app(explorer), "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.port}/"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def fashion(tmp_path_factory) -> Iterator[tuple[Explorer, str]]:
    numnet.manual_seed(11)
    path = tmp_path_factory.mktemp("browser") / "fashion_lenet5.safetensors"
    classes = get_dataset("fashion-mnist", train=False).classes
    save_model(LeNet5(), path, metadata={"dataset": "fashion-mnist", "classes": json.dumps(classes)})
    explorer = load_explorer(str(path), seed=3)
    for url in _serve(explorer):
        yield explorer, url


@pytest.fixture(scope="module")
def digits() -> Iterator[tuple[Explorer, str]]:
    numnet.manual_seed(12)
    explorer = Explorer(MLP(hidden=(64, 32)), dataset=get_dataset("mnist5k", train=False), dataset_name="mnist5k",
                        model_name="digit MLP", seed=4)
    for url in _serve(explorer):
        yield explorer, url


@pytest.fixture()
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.errors = errors
    try:
        yield pg
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------------- helpers
def _wait(page: Any, js: str, timeout: float = 10.0) -> Any:
    """Poll ``js`` (an expression) until it is truthy; page.wait_for_function would need eval, which CSP forbids."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(js)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {js}; page errors: {page.errors}")
        time.sleep(0.03)


def _predictions(page: Any) -> int:
    return int(page.evaluate("document.body.dataset.predictions"))


def _wait_for_new_prediction(page: Any, before: int) -> dict:
    _wait(page, f"Number(document.body.dataset.predictions) > {before} && window.numnetExplorer.settled()")
    return page.evaluate("window.numnetExplorer.last")


def _open(page: Any, url: str) -> None:
    page.goto(url)
    _wait(page, "document.body.dataset.ready === '1'")


def _stroke(page: Any, points: list[tuple[float, float]], steps: int = 8) -> None:
    """Draw one stroke through ``points`` given in 280×280 canvas pixels."""
    box = page.locator("#draw").bounding_box()
    sx, sy = box["width"] / 280, box["height"] / 280
    page.mouse.move(box["x"] + points[0][0] * sx, box["y"] + points[0][1] * sy)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * sx, box["y"] + y * sy, steps=steps)
    page.mouse.up()


def _canvas_gray(page: Any, selector: str) -> np.ndarray:
    data = page.evaluate(
        """(sel) => { const c = document.querySelector(sel);
                      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
                      const out = []; for (let i = 0; i < d.data.length; i += 4) out.push(d.data[i]);
                      return [c.height, c.width, out]; }""", selector)
    h, w, values = data
    return np.asarray(values, np.float64).reshape(h, w)


def _shown_top(page: Any) -> tuple[str, int, str]:
    name = page.text_content("#prediction .name")
    index = int(page.get_attribute("#prediction", "data-index"))
    bold = page.text_content(".prob-name.prob-row-top")
    return name, index, bold


def _check_prediction(page: Any, explorer: Explorer, last: dict) -> np.ndarray:
    """The page's top class is predict()'s argmax on the 28×28 input it received; the preview shows that input."""
    x = np.asarray(last["input28"], np.float32)
    assert x.shape == (28, 28)
    logits = predict(explorer.model, x[None, None])[0]
    expected = int(np.argmax(logits))
    name, index, bold = _shown_top(page)
    assert index == expected and name == explorer.classes[expected] == bold
    assert last["prediction"]["index"] == expected
    preview = _canvas_gray(page, "#input28")
    assert np.abs(preview - np.round(x * 255)).max() <= 1
    # The bars are drawn to scale: each fill's width over its track's width is the class probability.
    _wait(page, "!document.getAnimations().length")  # the bars' width transition has finished
    widths = page.evaluate("Array.from(document.querySelectorAll('.prob-bar')).map("
                           "b => b.firstChild.getBoundingClientRect().width / b.getBoundingClientRect().width)")
    np.testing.assert_allclose(widths, last["probs"], atol=0.01)
    return x


# ---------------------------------------------------------------------------------------------------- tests
def test_draw_fashion_lenet5(page: Any, fashion: tuple[Explorer, str]) -> None:
    explorer, url = fashion
    _open(page, url)
    assert "61,706 parameters" in page.text_content("#model-line")
    assert page.locator("#summary tbody tr").count() == 12
    assert page.locator("#layers .layer").count() == len(explorer.layer_names)

    # A "7": the page updates while the button is still down (debounced), then once more after release.
    box = page.locator("#draw").bounding_box()
    page.mouse.move(box["x"] + 70, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 210, box["y"] + 60, steps=10)
    _wait(page, "Number(document.body.dataset.predictions) >= 1")  # a prediction mid-stroke
    page.mouse.move(box["x"] + 120, box["y"] + 240, steps=10)
    before = _predictions(page)
    page.mouse.up()
    last = _wait_for_new_prediction(page, before)
    x = _check_prediction(page, explorer, last)

    # The 28×28 input is exactly the MNIST-style preprocessing of the canvas the page sent.
    canvas = _canvas_gray(page, "#draw") / 255.0
    np.testing.assert_allclose(x, mnist_preprocess(canvas), atol=1e-6)
    rows = np.flatnonzero(x.max(axis=1) > 0.3)
    assert 18 <= rows[-1] - rows[0] + 1 <= 21  # the tall "7" fills the 20-pixel box

    # Feature maps: one loaded PNG per channel, of the layer's size; dense layers are bar canvases.
    for name, channels, side in [("features.0", 6, 28), ("features.2", 6, 14), ("features.3", 16, 10),
                                 ("features.5", 16, 5)]:
        imgs = page.locator(f".layer[data-layer='{name}'] .maps img")
        assert imgs.count() == channels
        sizes = page.evaluate(
            f"""Array.from(document.querySelectorAll(".layer[data-layer='{name}'] .maps img"))
                 .map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.src.slice(0, 22)])""")
        assert sizes == [[True, side, side, "data:image/png;base64,"]] * channels, name
    assert page.locator(".layer[data-layer='classifier.1'] canvas.values").count() == 1
    assert page.locator(".layer.waiting").count() == 0

    # A second stroke changes the maps and the prediction request; Undo brings the first state back.
    first_map = page.get_attribute(".layer[data-layer='features.0'] .maps img >> nth=0", "src")
    before = _predictions(page)
    _stroke(page, [(60, 150), (230, 150)])
    last2 = _wait_for_new_prediction(page, before)
    assert page.get_attribute(".layer[data-layer='features.0'] .maps img >> nth=0", "src") != first_map
    _check_prediction(page, explorer, last2)
    before = _predictions(page)
    page.click("#undo")
    last3 = _wait_for_new_prediction(page, before)
    assert last3["input28"] == last["input28"]
    _check_prediction(page, explorer, last3)

    page.click("#clear")
    assert "empty" in page.get_attribute("#prediction", "class")
    assert page.evaluate("window.numnetExplorer.state.strokes.length") == 0
    assert page.locator(".layer.waiting").count() == len(explorer.layer_names)

    # The random test image: its exact pixels go to the model, the top class matches predict(), the label is marked.
    before = _predictions(page)
    page.click("#sample")
    last = _wait_for_new_prediction(page, before)
    sample = page.evaluate("window.numnetExplorer.state.sample")
    index = sample["index"]
    image = explorer.dataset.data[index, 0]
    np.testing.assert_array_equal(np.asarray(last["input28"], np.float32), image)
    _check_prediction(page, explorer, last)
    assert int(np.argmax(predict(explorer.model, explorer.dataset.data[index:index + 1])[0])) == \
        last["prediction"]["index"]
    label = explorer.classes[int(explorer.dataset.targets[index])]
    assert page.text_content(".prob-name.prob-row-true") == label
    assert f"#{index}" in page.text_content("#input-caption") and label in page.text_content("#input-caption")
    assert page.errors == []


def test_draw_digit_mlp(page: Any, digits: tuple[Explorer, str]) -> None:
    """A model without convolutions: every layer is a bar chart; drawing and samples work the same way."""
    explorer, url = digits
    _open(page, url)
    assert page.locator("#layers .layer .maps img").count() == 0
    assert page.locator("#layers canvas.values").count() == len(explorer.layer_names)
    assert page.locator(".prob-name").all_text_contents() == explorer.classes == get_dataset("mnist5k").classes
    _stroke(page, [(140, 40), (140, 240)])  # a "1"
    last = _wait_for_new_prediction(page, 0)
    x = _check_prediction(page, explorer, last)
    cols = np.flatnonzero(x.max(axis=0) > 0.3)
    assert cols.size <= 4 and abs(cols.mean() - 14) <= 1.5  # a thin, centred vertical bar
    before = _predictions(page)
    page.click("#sample")
    last = _wait_for_new_prediction(page, before)
    index = page.evaluate("window.numnetExplorer.state.sample.index")
    np.testing.assert_array_equal(np.asarray(last["input28"], np.float32), explorer.dataset.data[index, 0])
    _check_prediction(page, explorer, last)
    assert page.errors == []
