"""The model side of the explorer: :class:`Explorer` answers the API's questions in plain Python (no Flask), and
:func:`load_explorer` builds one from a model file.

:class:`Explorer` holds a model and everything the page shows about it (class names, input shape, the summary, a test
set for random samples); :func:`layer_kind` names what each leaf layer is, so the page knows how to draw it.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np

from numnet.errors import ArgumentError, DTypeError, NumnetError, ShapeError
from numnet.explore.preprocess import as_pixel_array, decode_image, fit_to_size, mnist_preprocess
from numnet.explore.render import render_maps

__all__ = ["Explorer", "ApiError", "load_explorer", "layer_kind", "MAX_BODY_BYTES", "DEFAULT_MAX_MAPS",
           "MAX_MAPS_LIMIT", "MAX_VALUES"]

#: Largest request body accepted (a 280×280 PNG is ~5 KB; a 280×280 list of numbers ~0.5 MB).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Feature maps sent per layer unless the request asks for another number (1 to ``MAX_MAPS_LIMIT``).
DEFAULT_MAX_MAPS = 32
MAX_MAPS_LIMIT = 256
#: Values sent for a vector (dense) layer at most; longer vectors are cut and flagged ``truncated``.
MAX_VALUES = 4096


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


class Explorer:
    """A model and what the explorer shows about it; thread-safe (one forward pass at a time).

    Args:
        model: a numnet Module mapping ``(1, C, H, W)`` to class scores ``(1, K)`` (logits, probabilities from a
            final Softmax, or log-probabilities from LogSoftmax).
        classes: K class names (default ``"0"`` … ``"K-1"``, or the data set's names when they fit).
        input_shape: ``(C, H, W)`` (default: :func:`numnet.models.input_shape_of`).
        dataset: a data set with ``.data`` (N, C', H', W') in [0, 1], ``.targets`` and ``.classes`` for random samples.
        dataset_name: its name, shown on the page.
        model_name: shown on the page (default: the class name).
        seed: seeds the generator that picks random samples (default: fresh entropy).

    Raises:
        ArgumentError: the model cannot run on ``input_shape`` or does not output ``(1, K)`` scores.
    """

    def __init__(self, model: Any, classes: Sequence[str] | None = None,
                 input_shape: Sequence[int] | None = None, dataset: Any = None, dataset_name: str | None = None,
                 model_name: str | None = None, seed: int | None = None,
                 normalize: tuple[Sequence[float], Sequence[float]] | None = None) -> None:
        from numnet.models import input_shape_of
        from numnet.nn import Module
        from numnet.viz.capture import leaf_modules

        if not isinstance(model, Module):
            raise DTypeError(f"Explorer: expected a numnet.nn.Module, got {type(model).__name__}")
        self.model = model
        self.input_shape = tuple(int(n) for n in (input_shape or input_shape_of(model)))
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
        self.normalize = normalize  # the training set's (mean, std) per channel, from the model card

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
        model_input = x[None]
        if self.normalize is not None:
            from numnet.data.image_arrays import standardize

            model_input = standardize(model_input, *self.normalize)
        with self._lock:
            recorded = activations(self.model, model_input)
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
            item["maps"], item["range"], item["scale"] = render_maps(a, count)
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
    from numnet.models import input_shape_of

    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file {path!r} does not exist")
    from numnet.data.image_arrays import open_card_dataset
    from numnet.io.model_card import read_card

    meta = load_metadata(path)
    model = load_model(path)
    card = read_card(meta, path)  # a malformed card is an error, not silently ignored
    classes = card.classes
    shape = tuple(input_shape) if input_shape else input_shape_of(model, meta)
    name = dataset or card.dataset
    data = None
    if name:
        try:
            if dataset:
                data = get_dataset(name, train=False)
            else:  # the images stay in [0, 1]: the explorer standardises every input itself
                data = open_card_dataset(card._replace(input_shape=shape), standardized=False)
        except (DataNotFoundError, FileNotFoundError):
            if dataset:
                raise
            print(f"numnet explore: the test set {name!r} is not on this machine; random samples are off "
                  f"(run scripts/get-data.sh, or keep the image folder the model was trained on)")
            name = None
    model_name = meta.get("model_name") or type(model).__name__
    return Explorer(model, classes=classes, input_shape=shape, dataset=data, dataset_name=name,
                    model_name=f"{model_name} ({os.path.basename(path)})", seed=seed,
                    normalize=(card.mean, card.std) if card.mean is not None else None)
