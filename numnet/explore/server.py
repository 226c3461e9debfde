"""The explorer's web server: a small Flask app over one model, and the model logic behind it.

:class:`Explorer` holds a model and everything the page shows about it (class names, input shape, the summary, a test
set for random samples) and answers the API's questions in plain Python; :func:`create_app` wraps it in Flask;
:func:`make_server` binds a threaded WSGI server (``127.0.0.1`` by default).

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

import base64
import json
import math
import re
import struct
import threading
import zlib
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from numnet.errors import ArgumentError, DTypeError, NumnetError, ShapeError
from numnet.explore.preprocess import as_pixel_array, decode_image, fit_to_size, mnist_preprocess

__all__ = ["Explorer", "load_explorer", "create_app", "make_server", "infer_input_shape", "layer_kind",
           "encode_png", "MAX_BODY_BYTES", "DEFAULT_MAX_MAPS"]

#: Largest request body accepted (a 280×280 PNG is ~5 KB; a 280×280 list of numbers ~0.5 MB).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Feature maps sent per layer unless the request asks for another number (1 to ``MAX_MAPS_LIMIT``).
DEFAULT_MAX_MAPS = 32
MAX_MAPS_LIMIT = 256
#: Values sent for a vector (dense) layer at most; longer vectors are cut and flagged ``truncated``.
MAX_VALUES = 4096

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


class ApiError(Exception):
    """A request the API refuses: HTTP ``status`` with a short ``code`` and a message for the user."""

    def __init__(self, status: int, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------------------------- layers
_ACTIVATIONS = {"ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax", "ELU", "SiLU", "Softplus"}


def layer_kind(module: Any) -> str:
    """A short kind for a leaf layer: ``conv``, ``pool``, ``linear``, ``activation``, ``norm``, ``flatten``,
    ``dropout``, ``identity`` or ``other``."""
    from numnet.viz.capture import is_conv, is_pool

    name = type(module).__name__
    if is_conv(module):
        return "conv"
    if is_pool(module):
        return "pool"
    if name == "Linear" or (getattr(getattr(module, "weight", None), "ndim", 0) == 2 and "Norm" not in name):
        return "linear"
    if name in _ACTIVATIONS:
        return "activation"
    if "Norm" in name:
        return "norm"
    return {"Flatten": "flatten", "Dropout": "dropout", "Identity": "identity"}.get(name, "other")


# ---------------------------------------------------------------------------------------------------- PNG
def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def encode_png(rgb: np.ndarray) -> bytes:
    """A minimal PNG (8-bit RGB, or grey for 2-D input) from a uint8 array ``(H, W, 3)`` or ``(H, W)``."""
    a = np.ascontiguousarray(rgb, dtype=np.uint8)
    if a.ndim == 2:
        color_type, rows = 0, a
    elif a.ndim == 3 and a.shape[2] == 3:
        color_type, rows = 2, a.reshape(a.shape[0], -1)
    else:
        raise ShapeError(f"encode_png: expected (H, W) or (H, W, 3) uint8, got shape {a.shape}")
    h, w = a.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows], axis=1).tobytes()  # filter byte 0 per row
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(raw, 6))
            + _png_chunk(b"IEND", b""))


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# Colour maps as a few stops, interpolated to 256 entries: a sequential one (dark → bright, viridis-like) for
# non-negative maps and a diverging one (blue → white → red) for maps with negative values, centred on 0.
_SEQ_STOPS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], np.float64)
_DIV_STOPS = np.array([[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]], np.float64)


def _lut(stops: np.ndarray) -> np.ndarray:
    t = np.linspace(0.0, 1.0, 256)
    at = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(t, at, stops[:, c]) for c in range(3)], axis=1).round().astype(np.uint8)


_SEQ_LUT = _lut(_SEQ_STOPS)
_DIV_LUT = _lut(_DIV_STOPS)


def _render_maps(maps: np.ndarray, count: int) -> tuple[list[str], list[float], str]:
    """PNG data URLs of the first ``count`` maps ``(C, H, W)``, one colour scale for the whole layer."""
    m = np.nan_to_num(maps[:count].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(m.min()), float(m.max())
    if lo < 0.0:
        limit = max(abs(lo), abs(hi)) or 1.0
        idx = np.clip((m / limit + 1.0) * 127.5, 0, 255).astype(np.uint8)
        lut, scale, value_range = _DIV_LUT, "diverging", [-limit, limit]
    else:
        top = hi if hi > 0 else 1.0
        idx = np.clip(m / top * 255.0, 0, 255).astype(np.uint8)
        lut, scale, value_range = _SEQ_LUT, "sequential", [0.0, hi]
    rgb = lut[idx]  # (count, H, W, 3)
    return [_data_url(encode_png(img)) for img in rgb], value_range, scale


# ---------------------------------------------------------------------------------------------------- model
def infer_input_shape(model: Any, metadata: dict[str, str] | None = None) -> tuple[int, int, int]:
    """The ``(C, H, W)`` of one input: from metadata ``input_shape``, the model's config, its first convolution's
    input channels, or 1×28×28.

    Raises:
        ArgumentError: a metadata ``input_shape`` that is not three positive ints.
    """
    meta = metadata or {}
    if meta.get("input_shape"):
        try:
            shape = json.loads(meta["input_shape"])
        except ValueError:
            shape = None
        if not (isinstance(shape, list) and len(shape) == 3 and all(isinstance(n, int) and n > 0 for n in shape)):
            raise ArgumentError(f"explore: metadata input_shape must be a JSON list [C, H, W] of positive ints, "
                                f"got {meta['input_shape']!r}")
        return tuple(shape)  # type: ignore[return-value]
    config = getattr(model, "config", None) or {}
    channels = config.get("in_channels")
    if channels is None:
        from numnet.viz.capture import is_conv

        conv = next((m for m in model.modules() if is_conv(m)), None)
        channels = int(conv.weight.shape[1]) if conv is not None else 1
    size = config.get("input_size")
    if size is None and "in_features" in config:  # an MLP: a square single-channel image
        side = math.isqrt(int(config["in_features"]))
        if side * side == int(config["in_features"]):
            return (1, side, side)
    size = int(size) if size else 28
    return (int(channels), size, size)


class Explorer:
    """A model and what the explorer shows about it; thread-safe (one forward pass at a time).

    Args:
        model: a numnet Module mapping ``(1, C, H, W)`` to class scores ``(1, K)`` (logits, probabilities from a
            final Softmax, or log-probabilities from LogSoftmax).
        classes: K class names (default ``"0"`` … ``"K-1"``, or the data set's names when they fit).
        input_shape: ``(C, H, W)`` (default: :func:`infer_input_shape`).
        dataset: a data set with ``.data`` (N, C', H', W') in [0, 1], ``.targets`` and ``.classes`` for random samples.
        dataset_name: its name, shown on the page.
        model_name: shown on the page (default: the class name).
        seed: seeds the generator that picks random samples (default: fresh entropy).

    Raises:
        ArgumentError: the model cannot run on ``input_shape`` or does not output ``(1, K)`` scores.
    """

    def __init__(self, model: Any, classes: Sequence[str] | None = None,
                 input_shape: Sequence[int] | None = None, dataset: Any = None, dataset_name: str | None = None,
                 model_name: str | None = None, seed: int | None = None) -> None:
        from numnet.nn import Module
        from numnet.viz.capture import leaf_modules

        if not isinstance(model, Module):
            raise DTypeError(f"Explorer: expected a numnet.nn.Module, got {type(model).__name__}")
        self.model = model
        self.input_shape = tuple(int(n) for n in (input_shape or infer_input_shape(model)))
        if len(self.input_shape) != 3 or min(self.input_shape) < 1:
            raise ArgumentError(f"Explorer: input_shape must be (C, H, W) with positive sizes, got {input_shape!r}")
        try:
            self.summary = model.summary(self.input_shape, print_fn=None)
        except NumnetError as e:
            raise ArgumentError(f"explore: {type(model).__name__} cannot run on one {self._shape_text()} input "
                                f"({e}); give the right input shape (--input-shape C H W, or metadata "
                                f"'input_shape' when saving)") from None
        out = self.summary.output_shape
        if not (isinstance(out, tuple) and len(out) == 2 and out[1] >= 1):
            raise ArgumentError(f"explore: {type(model).__name__} outputs {out} for one image; an image classifier "
                                f"outputs class scores (1, K)")
        self.num_classes = int(out[1])
        if classes is None and dataset is not None and len(getattr(dataset, "classes", [])) == self.num_classes:
            classes = list(dataset.classes)
        if classes is not None and len(classes) != self.num_classes:
            classes = None  # names that do not fit the model's outputs are worse than numbers
        self.classes = [str(c) for c in classes] if classes is not None else [str(i) for i in range(self.num_classes)]
        self.dataset = dataset
        self.dataset_name = dataset_name
        self.model_name = model_name or type(model).__name__
        self.leaves = leaf_modules(model) or [(type(model).__name__, model)]
        self.layer_names = [name for name, _ in self.leaves]
        self._kinds = {name: layer_kind(m) for name, m in self.leaves}
        self._types = {name: type(m).__name__ for name, m in self.leaves}
        last = type(self.leaves[-1][1]).__name__
        self.output_kind = {"Softmax": "probabilities", "LogSoftmax": "log_probabilities"}.get(last, "logits")
        self._lock = threading.Lock()
        self._rng = np.random.default_rng(seed)

    def _shape_text(self) -> str:
        return "×".join(str(n) for n in self.input_shape)

    # ------------------------------------------------------------------------------------------------ info
    def info(self) -> dict[str, Any]:
        """What ``GET /api/info`` returns."""
        s = self.summary
        shapes = {}
        for r in s.rows:
            shapes.setdefault(r.name, r.output_shape)
        rows = [{"name": r.name, "type": r.class_name, "output_shape": _jsonable_shape(r.output_shape),
                 "params": r.num_params, "macs": r.macs} for r in s.rows]
        layers = [{"name": n, "type": self._types[n], "kind": self._kinds[n],
                   "shape": _jsonable_shape(shapes.get(n))} for n in self.layer_names]
        ds = None
        if self.dataset is not None:
            ds = {"name": self.dataset_name, "size": len(self.dataset.targets), "split": "test"}
        return {
            "model": self.model_name, "model_class": type(self.model).__name__, "classes": self.classes,
            "input_shape": list(self.input_shape), "output": self.output_kind, "layers": layers,
            "summary": {"rows": rows, "total_params": s.total_params, "trainable_params": s.trainable_params,
                        "total_macs": s.total_macs, "total_flops": 2 * s.total_macs,
                        "param_bytes": s.param_bytes, "text": str(s)},
            "dataset": ds,
            "limits": {"max_body_bytes": MAX_BODY_BYTES, "max_maps": MAX_MAPS_LIMIT},
        }

    # ------------------------------------------------------------------------------------------------ predict
    def prepare(self, image: Any, preprocess: bool = True) -> np.ndarray:
        """The ``(C, H, W)`` float32 input for a request's ``image`` (see :meth:`predict`)."""
        c, h, w = self.input_shape
        if preprocess:
            x = mnist_preprocess(decode_image(image), size=(h, w))
            return np.repeat(x[None], c, axis=0)
        if isinstance(image, str):
            raise ArgumentError("image: with preprocess false, send the pixels as a list (H, W) or (C, H, W), "
                                "not a data URL")
        x = as_pixel_array(image)
        if x.shape == (h, w):
            return np.repeat(x[None], c, axis=0)
        if x.shape == (c, h, w):
            return x
        raise ShapeError(f"image: with preprocess false the model expects {h}×{w} pixels ({c}×{h}×{w} also "
                         f"accepted), got shape {x.shape}")

    def predict(self, image: Any, preprocess: bool = True, top: int = 3, layers: Sequence[str] | None = None,
                max_maps: int = DEFAULT_MAX_MAPS) -> dict[str, Any]:
        """Run the model on one image and describe the result (what ``POST /api/predict`` returns).

        Args:
            image: with ``preprocess`` a drawing (data URL or 2-D list, any size between 8 and 1024 pixels a side),
                preprocessed like MNIST; without it the exact input, ``(H, W)`` or ``(C, H, W)`` in [0, 1].
            top: how many top classes to list (clipped to K).
            layers: layer names to include (default all); unknown names raise.
            max_maps: feature maps sent per conv/pool layer.

        Raises:
            ArgumentError, ShapeError, DTypeError: a bad request (HTTP 400).
        """
        from numnet.viz.capture import activations

        if layers is not None:
            unknown = [n for n in layers if n not in self._kinds]
            if unknown:
                raise ArgumentError(f"layers: unknown layer name(s) {unknown[:5]}; the model's layers are "
                                    f"{self.layer_names}")
        x = self.prepare(image, preprocess)
        with self._lock:
            recorded = activations(self.model, x[None])
        scores = recorded[-1][1].reshape(-1).astype(np.float64)
        probs = self._probabilities(scores)
        order = np.argsort(-probs, kind="stable")[:max(1, min(int(top), self.num_classes))]
        top_list = [{"index": int(i), "name": self.classes[i], "prob": float(probs[i])} for i in order]
        wanted = set(self.layer_names if layers is None else layers)
        out_layers = [self._describe(name, arr, max_maps) for name, arr in recorded if name.split("#")[0] in wanted]
        return {
            "input28": x[0].tolist(), "input_shape": list(self.input_shape), "empty": bool(x.max() <= 0),
            "probs": probs.tolist(), "top": top_list, "prediction": top_list[0], "layers": out_layers,
        }

    def _probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Class probabilities from the last layer's output: softmax of logits or log-probabilities (a softmax of
        log-probabilities gives the probabilities back), or the output itself after a final Softmax."""
        if self.output_kind == "probabilities":
            p = np.clip(np.nan_to_num(scores, nan=0.0, posinf=1.0, neginf=0.0), 0.0, None)
            return p / p.sum() if p.sum() > 0 else np.full_like(p, 1.0 / len(p))
        s = np.where(np.isnan(scores), -np.inf, scores)
        if np.isposinf(s).any():
            p = np.isposinf(s).astype(np.float64)
            return p / p.sum()
        if not np.isfinite(s).any():
            return np.full_like(s, 1.0 / len(s))
        e = np.exp(s - s[np.isfinite(s)].max())
        return e / e.sum()

    def _describe(self, name: str, arr: np.ndarray, max_maps: int) -> dict[str, Any]:
        base = name.split("#")[0]
        item: dict[str, Any] = {"name": name, "type": self._types.get(base, "?"),
                                "kind": self._kinds.get(base, "other"), "shape": list(arr.shape)}
        a = arr[0] if arr.ndim >= 1 and arr.shape[0] == 1 else arr
        if a.ndim == 3:
            count = min(a.shape[0], max_maps)
            item["maps"], item["range"], item["scale"] = _render_maps(a, count)
            item["channels"] = int(a.shape[0])
        else:
            v = np.nan_to_num(a.reshape(-1).astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
            item["truncated"] = bool(v.size > MAX_VALUES)
            v = v[:MAX_VALUES]
            item["values"] = [float(t) for t in v.astype(np.float32)]
            item["range"] = [float(v.min()), float(v.max())] if v.size else [0.0, 0.0]
        return item

    # ------------------------------------------------------------------------------------------------ samples
    def sample(self, index: int | None = None) -> dict[str, Any]:
        """A test image (random when ``index`` is None), sized for the model: ``GET /api/sample``.

        Raises:
            ApiError: no data set (404) or an index out of range (400).
        """
        if self.dataset is None:
            raise ApiError(404, "no test set is loaded: start the explorer with --dataset NAME "
                                "(e.g. fashion-mnist or mnist5k)", "no_dataset")
        n = len(self.dataset.targets)
        if index is None:
            index = int(self._rng.integers(n))
        if not 0 <= index < n:
            raise ApiError(400, f"index must be in [0, {n - 1}], got {index}")
        img = np.asarray(self.dataset.data[index], dtype=np.float32)
        img = img[0] if img.ndim == 3 else img
        img = np.clip(fit_to_size(img, self.input_shape[1:]), 0.0, 1.0)
        label = int(self.dataset.targets[index])
        return {"index": index, "label": label,
                "label_name": self.classes[label] if 0 <= label < len(self.classes) else str(label),
                "image": img.tolist(), "dataset": self.dataset_name}


def _jsonable_shape(shape: Any) -> Any:
    if isinstance(shape, tuple):
        return list(shape)
    if isinstance(shape, list):
        return [_jsonable_shape(s) for s in shape]
    return shape


# ---------------------------------------------------------------------------------------------------- loading
def load_explorer(path: str, dataset: str | None = None, input_shape: Sequence[int] | None = None,
                  seed: int | None = None) -> Explorer:
    """An :class:`Explorer` for a model file written by ``numnet train`` / :func:`numnet.io.save_model`.

    Class names come from the file's ``classes`` metadata (``numnet train`` stores them) or the data set; the data
    set from ``dataset`` or the file's ``dataset`` metadata. A data set named in the file but missing on this machine
    only disables random samples; one named with ``dataset`` must load.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: not a numnet model file.
        DataNotFoundError: ``dataset`` was given but is not on this machine.
        ArgumentError: an unknown data set name, or the model is not an image classifier for ``input_shape``.
    """
    import os

    from numnet.datasets import get_dataset
    from numnet.errors import DataNotFoundError
    from numnet.io import load_metadata, load_model

    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file {path!r} does not exist")
    meta = load_metadata(path)
    model = load_model(path)
    classes = None
    try:
        stored = json.loads(meta.get("classes", "null"))
        if isinstance(stored, list) and stored and all(isinstance(c, str) for c in stored):
            classes = stored
    except ValueError:
        pass
    name = dataset or meta.get("dataset") or None
    data = None
    if name:
        try:
            data = get_dataset(name, train=False)
        except DataNotFoundError:
            if dataset:
                raise
            print(f"numnet explore: the test set {name!r} is not on this machine; random samples are off "
                  f"(run scripts/get-data.sh)")
            name = None
    shape = tuple(input_shape) if input_shape else infer_input_shape(model, meta)
    model_name = meta.get("model_name") or type(model).__name__
    return Explorer(model, classes=classes, input_shape=shape, dataset=data, dataset_name=name,
                    model_name=f"{model_name} ({os.path.basename(path)})", seed=seed)


# ---------------------------------------------------------------------------------------------------- Flask
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
