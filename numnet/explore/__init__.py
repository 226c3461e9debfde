"""``numnet explore MODEL``: a local web page to draw on and watch a model think.

Draw a digit (or pick a random test image) and see the class probabilities and every layer's activations update as
you draw: feature maps of convolution and pooling layers as image grids, dense layers as bars, and the model's summary
(shapes, parameters, FLOPs). The server is a small Flask app bound to 127.0.0.1; the page is plain HTML, JavaScript
and CSS served from this package (no build step, nothing downloaded at run time). See ``docs/explore.md``.

This module holds only the command-line glue (argparse at import time, so ``numnet --help`` stays fast). The rest,
bottom-up: :mod:`numnet.explore.preprocess` (MNIST-style preprocessing of a drawing), :mod:`numnet.explore.render`
(PNG encoding, colour maps), :mod:`numnet.explore.model` (the :class:`Explorer` the API asks, :func:`load_explorer`),
:mod:`numnet.explore.server` (the Flask app and the WSGI server).

Python use::

    from numnet.explore.server import Explorer, create_app
    app = create_app(Explorer(my_model, classes=[...], input_shape=(1, 28, 28)))   # any numnet image classifier
    app.run(port=8000)
"""

from __future__ import annotations

import argparse
import ipaddress
import threading
from typing import Any

from numnet._argtypes import check_input_elements, image_side, port
from numnet._command import Command

__all__ = ["COMMAND", "HELP", "add_arguments", "run"]

HELP = "open the model explorer in the browser: draw, see probabilities and every layer's activations"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet explore``."""
    p.add_argument("model", metavar="MODEL", help="a model file written by numnet train / numnet.io.save_model")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=port, default=8000, help="port to listen on; 0 picks a free one (default: 8000)")
    p.add_argument("--dataset", default=None,
                   help="test set for the random-image button, e.g. fashion-mnist or mnist5k "
                        "(default: the one stored in the model file)")
    p.add_argument("--input-shape", type=image_side, nargs=3, metavar=("C", "H", "W"), default=None,
                   help="the model's input shape (default: from the model file, else 1 28 28)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def run(args: argparse.Namespace) -> int:
    """``numnet explore``: load the model, serve the page until Ctrl-C."""
    from numnet.explore.server import create_app, load_explorer, make_server

    if args.input_shape:
        check_input_elements(args.input_shape, "--input-shape")
    explorer = load_explorer(args.model, dataset=args.dataset, input_shape=args.input_shape)
    server = make_server(create_app(explorer), args.host, args.port)
    url = _url(args.host, server.port)
    if not _is_loopback(args.host):
        print(f"numnet explore: warning: listening on {args.host}, reachable from other machines")
    samples = f"; random images from {explorer.dataset_name}" if explorer.dataset is not None else ""
    print(f"numnet explore: {explorer.model_name}{samples}")
    print(f"numnet explore: serving on {url}  (Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        _open_browser(url)
    try:
        server.serve_forever()  # werkzeug's returns on Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("numnet explore: stopped")
    return 0


def _open_browser(url: str) -> Any:
    import webbrowser

    timer = threading.Timer(0.5, webbrowser.open, args=(url,))
    timer.daemon = True
    timer.start()
    return timer


COMMAND = Command("explore", HELP, add_arguments, run)
"""``numnet explore``, registered by :mod:`numnet.cli`."""
