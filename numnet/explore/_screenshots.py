"""Regenerate the explorer's screenshots in docs/img (run once by hand, not by the tests)::

    .venv/bin/python -m numnet.explore._screenshots [--out docs/img]

Trains two small models briefly so the predictions make sense — LeNet-5 on Fashion-MNIST (2 epochs on 20,000 images)
and LeNet-5 on MNIST 5k (3 epochs) — with SGD (momentum 0.9, lr 0.05), saves them to a temporary folder, serves
each with the explorer and photographs the page in Debian's headless Chromium: a random Fashion-MNIST test image, and
a "7" drawn with the mouse. PNGs are reduced to a 256-colour palette to stay small.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def _train(dataset: str, epochs: int, limit: int | None, folder: Path) -> Path:
    import numnet
    from numnet import nn, optim
    from numnet.datasets import get_dataset
    from numnet.io import save_model
    from numnet.models import LeNet5
    from numnet.train import evaluate, fit

    numnet.manual_seed(0)
    train, test = get_dataset(dataset, train=True), get_dataset(dataset, train=False)
    rows = np.random.default_rng(0).permutation(len(train.targets))[:limit] if limit else slice(None)
    model = LeNet5()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    fit(model, (train.data[rows], train.targets[rows]), loss=nn.CrossEntropyLoss(), optimizer=opt, epochs=epochs,
        batch_size=64, verbose=2)
    acc = evaluate(model, (test.data, test.targets), loss=nn.CrossEntropyLoss(), verbose=0)
    print(f"{dataset}: test {acc}")
    path = folder / f"{dataset}_lenet5.safetensors"
    save_model(model, path, metadata={"dataset": dataset, "classes": json.dumps(list(train.classes))})
    return path


def _poll(page: Any, js: str, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not page.evaluate(js):
        if time.monotonic() > end:
            raise TimeoutError(js)
        time.sleep(0.05)


def _shoot(model_path: Path, out: Path, action: str, seed: int) -> None:
    from playwright.sync_api import sync_playwright

    from numnet.explore.server import create_app, load_explorer, make_server

    explorer = load_explorer(str(model_path), seed=seed)
    srv = make_server(create_app(explorer), "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{srv.port}/")
            _poll(page, "document.body.dataset.ready === '1'")
            if action == "sample":
                page.click("#sample")
            else:  # a "7": the top bar, then the diagonal
                box = page.locator("#draw").bounding_box()
                page.mouse.move(box["x"] + 75, box["y"] + 55)
                page.mouse.down()
                page.mouse.move(box["x"] + 200, box["y"] + 58, steps=12)
                page.mouse.move(box["x"] + 125, box["y"] + 235, steps=16)
                page.mouse.up()
            _poll(page, "Number(document.body.dataset.predictions) > 0 && window.numnetExplorer.settled()")
            page.mouse.move(0, 0)
            time.sleep(0.3)  # let the bar transitions finish
            last = page.evaluate("window.numnetExplorer.last.prediction")
            print(f"{out.name}: shows {last['name']} ({last['prob']:.1%})")
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    _shrink(out)


def _shrink(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    print(f"{path}: {path.stat().st_size / 1024:.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/img", help="folder for the PNGs (default: docs/img)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fashion = _train("fashion-mnist", epochs=2, limit=20_000, folder=Path(tmp))
        digits = _train("mnist5k", epochs=3, limit=None, folder=Path(tmp))
        _shoot(fashion, out / "explore_fashion.png", "sample", seed=5)
        _shoot(digits, out / "explore_digits.png", "draw", seed=0)


if __name__ == "__main__":
    main()
