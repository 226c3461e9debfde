"""The explorer's web server: a small Flask app over one :class:`~numnet.explore.model.Explorer`.

:func:`create_app` wraps an :class:`Explorer` (:mod:`numnet.explore.model`, which answers the API's questions in
plain Python; feature maps are drawn by :mod:`numnet.explore.render`) in Flask; :func:`make_server` binds a threaded
WSGI server (``127.0.0.1`` by default).

API (JSON in, JSON out; every error is ``{"error": code, "message": text, "status": n}`` with a 4xx status)::

    GET  /api/info                 model name, classes, input shape, layers, summary rows and totals, data set
    POST /api/predict              {"image": <data URL or 2-D list>, "preprocess": true, "top": 3,
                                    "layers": [names] (default all), "max_maps": 32}
                                   → {"input28": [[...]], "probs": [...], "top": [{"index","name","prob"}, ...],
                                      "prediction": {...}, "empty": false,
                                      "layers": [{"name","type","kind","shape", "maps": [PNG data URLs] | "values"}]}
    GET  /api/sample?index=N       a test image (random without ``index``): {"index","label","label_name","image"}
    GET  /  and  /static/<file>    the page: index.html, app.js, style.css only

Requests are validated before the model runs: malformed JSON, unknown fields, a wrong image size or values, an
unknown layer name, a bad index → 400; a body above :data:`MAX_BODY_BYTES` → 413; unknown paths (including any
``..`` trick under ``/static``) → 404; a wrong method → 405. A failure inside the model is logged and answered
with a JSON 500, never a crashed server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from numnet.errors import ArgumentError, NumnetError
from numnet.explore.model import (DEFAULT_MAX_MAPS, MAX_BODY_BYTES, MAX_MAPS_LIMIT, ApiError, Explorer, layer_kind,
                                  load_explorer)
from numnet.explore.render import encode_png

# Explorer, load_explorer, layer_kind and encode_png live in model.py / render.py; they stay importable from here.
__all__ = ["Explorer", "load_explorer", "create_app", "make_server", "layer_kind", "encode_png", "ApiError",
           "MAX_BODY_BYTES", "DEFAULT_MAX_MAPS"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
_STATIC_TYPES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                 "style.css": "text/css; charset=utf-8"}
_SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_PREDICT_FIELDS = {"image", "preprocess", "top", "layers", "max_maps"}


def _require_flask() -> Any:
    try:
        import flask
    except ImportError:  # optional extra
        raise ArgumentError("numnet explore needs Flask: pip install 'numnet[explore]'") from None
    return flask


def _parse_predict(body: bytes) -> dict[str, Any]:
    if not body:
        raise ApiError(400, "the request body is empty; send JSON like {\"image\": \"data:image/png;base64,...\"}")
    try:
        req = json.loads(body)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise ApiError(400, f"the body is not valid JSON ({type(e).__name__}: {str(e)[:120]})", "malformed_json")
    if not isinstance(req, dict):
        raise ApiError(400, f"expected a JSON object, got {type(req).__name__}")
    unknown = sorted(set(req) - _PREDICT_FIELDS)
    if unknown:
        raise ApiError(400, f"unknown field(s) {unknown}; expected some of {sorted(_PREDICT_FIELDS)}")
    if "image" not in req:
        raise ApiError(400, "missing field 'image' (a data URL or a 2-D list of pixels in [0, 1])")
    preprocess = req.get("preprocess", True)
    if not isinstance(preprocess, bool):
        raise ApiError(400, f"'preprocess' must be true or false, got {preprocess!r:.40}")
    top = req.get("top", 3)
    if not _is_int(top) or top < 1:
        raise ApiError(400, f"'top' must be a positive integer, got {top!r:.40}")
    max_maps = req.get("max_maps", DEFAULT_MAX_MAPS)
    if not _is_int(max_maps) or not 1 <= max_maps <= MAX_MAPS_LIMIT:
        raise ApiError(400, f"'max_maps' must be an integer in [1, {MAX_MAPS_LIMIT}], got {max_maps!r:.40}")
    layers = req.get("layers")
    if layers is not None and (not isinstance(layers, list) or not all(isinstance(n, str) for n in layers)):
        raise ApiError(400, "'layers' must be a list of layer names (strings)")
    return {"image": req["image"], "preprocess": preprocess, "top": top, "layers": layers, "max_maps": max_maps}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_INDEX = re.compile(r"^[0-9]{1,9}$")


def create_app(explorer: Explorer) -> Any:
    """The Flask app serving the page and the JSON API for ``explorer`` (see the module docstring).

    Raises:
        ArgumentError: Flask is not installed.
    """
    flask = _require_flask()
    from werkzeug.exceptions import HTTPException

    app = flask.Flask("numnet.explore", static_folder=None)
    app.url_map.merge_slashes = False  # "/static//etc/passwd" is a 404 here, not a redirect
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["MAX_FORM_MEMORY_SIZE"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    app.extensions["numnet_explorer"] = explorer
    static = {name: (STATIC_DIR / name).read_bytes() for name in _STATIC_TYPES}  # the only files ever served

    def error_response(status: int, code: str, message: str, headers: Any = None) -> Any:
        resp = flask.jsonify({"error": code, "message": message, "status": status})
        resp.status_code = status
        for key, value in (headers or []):
            if key.lower() == "allow":
                resp.headers[key] = value
        return resp

    @app.errorhandler(ApiError)
    def _api_error(e: ApiError) -> Any:
        return error_response(e.status, e.code, e.message)

    @app.errorhandler(NumnetError)
    def _numnet_error(e: NumnetError) -> Any:  # raised while validating the request's content
        return error_response(400, "bad_request", str(e))

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException) -> Any:
        code = (e.name or "error").lower().replace(" ", "_")
        messages = {404: "no such page or API endpoint", 405: f"method {flask.request.method} is not allowed here",
                    413: f"the request body is larger than {MAX_BODY_BYTES} bytes"}
        return error_response(e.code or 500, code, messages.get(e.code, e.description or code),
                              e.get_response().headers.items())

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> Any:
        app.logger.exception("numnet explore: unexpected error")
        return error_response(500, "internal_error", f"the server failed: {type(e).__name__}: {str(e)[:200]}")

    @app.after_request
    def _headers(resp: Any) -> Any:
        for key, value in _SECURITY_HEADERS.items():
            resp.headers.setdefault(key, value)
        return resp

    def static_response(name: str) -> Any:
        return flask.Response(static[name], mimetype=_STATIC_TYPES[name].split(";")[0],
                              content_type=_STATIC_TYPES[name])

    @app.get("/")
    def index() -> Any:
        return static_response("index.html")

    @app.get("/static/<path:name>")
    def static_file(name: str) -> Any:
        if name not in static:  # a fixed allow-list: "..", "%2e%2e", absolute paths all end here
            flask.abort(404)
        return static_response(name)

    @app.get("/api/info")
    def api_info() -> Any:
        return flask.jsonify(explorer.info())

    @app.post("/api/predict")
    def api_predict() -> Any:
        req = _parse_predict(flask.request.get_data(cache=False))
        return flask.jsonify(explorer.predict(**req))

    @app.get("/api/sample")
    def api_sample() -> Any:
        unknown = sorted(set(flask.request.args) - {"index"})
        if unknown:
            raise ApiError(400, f"unknown query parameter(s) {unknown}; only 'index' is accepted")
        raw = flask.request.args.get("index")
        if raw is None or raw == "random":
            return flask.jsonify(explorer.sample(None))
        if not _INDEX.match(raw):
            raise ApiError(400, f"index must be a non-negative integer (or 'random'), got {raw[:40]!r}")
        return flask.jsonify(explorer.sample(int(raw)))

    return app


def make_server(app: Any, host: str = "127.0.0.1", port: int = 8000) -> Any:
    """A threaded werkzeug WSGI server for ``app`` (not started: call ``serve_forever()``; ``port=0`` picks a free
    port, see ``server.port``).

    Raises:
        OSError: the address is in use or cannot be bound (werkzeug alone would print and exit instead).
    """
    _require_flask()
    import socket

    from werkzeug.serving import get_sockaddr, make_server as _make_server, select_address_family

    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(get_sockaddr(host, port, family))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    try:
        return _make_server(host, port, app, threaded=True, fd=sock.fileno())  # werkzeug duplicates the socket
    finally:
        sock.close()
