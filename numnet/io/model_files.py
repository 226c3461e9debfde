"""Model files: :func:`save_model` / :func:`load_model`, weights plus what is needed to rebuild a model of the zoo
(:mod:`numnet.models`): numnet version, model class, registry name and config (JSON) in the file's metadata."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from numnet.errors import ArgumentError, FileFormatError, ShapeError
from numnet.io.atomic import PathLike
from numnet.io.model_card import check_card
from numnet.io.safetensors_format import (_as_saveable, _check_metadata, _load_arrays, _read_header, _short, _write,
                                         load_metadata)
from numnet.io.state import _json, _unjson
from numnet.tensor import Tensor

__all__ = ["MODEL_FORMAT", "load_model", "save_model"]

MODEL_FORMAT = "numnet.model"

# load_model builds the model a file's config describes only if its state has at most as many values as the file
# holds, or at most this many (4 MiB of float32: cheap to build, and the key/shape check then names what differs)
SMALL_MODEL_VALUES = 2**20


def _state_arrays(model: Any, who: str) -> dict[str, np.ndarray]:
    if not callable(getattr(model, "state_dict", None)):
        raise ArgumentError(f"{who}: expected a model with state_dict() (a numnet.nn.Module), got "
                            f"{type(model).__name__}")
    return {k: _as_saveable(v, k, who) for k, v in model.state_dict().items()}


def _check_against_model(model: Any, state: Mapping[str, np.ndarray], path: PathLike, what: str) -> None:
    """Keys and shapes of ``state`` must be exactly the model's; raise before touching the model otherwise."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {missing[:5]}{' …' if len(missing) > 5 else ''}")
        if unexpected:
            parts.append(f"unexpected {unexpected[:5]}{' …' if len(unexpected) > 5 else ''}")
        raise FileFormatError(f"{path}: the {what} does not match the model ({type(model).__name__}): "
                              f"{'; '.join(parts)}")
    for k, v in expected.items():
        want = tuple(np.shape(v._data if isinstance(v, Tensor) else v))
        got = tuple(np.shape(state[k]))
        if want != got:
            raise ShapeError(f"{path}: tensor {k!r} has shape {got} but the model ({type(model).__name__}) "
                             f"expects {want}")


def _registry_name(model: Any) -> str | None:
    from numnet import models  # looked up per call: io sits below the zoo in the layering, and never binds it

    registry = getattr(models, "MODELS", {})
    for name, cls in registry.items():
        if cls is type(model):
            return name
    return None


def _version() -> str:
    import numnet

    return str(getattr(numnet, "__version__", "unknown"))


def _class_path(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def save_model(model: Any, path: PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Save a model's weights plus what :func:`load_model` needs to rebuild it.

    The file is a plain safetensors file (``numnet.load(path)`` gives the ``state_dict``); its metadata holds
    ``format`` = ``numnet.model``, ``numnet_version``, ``model_class`` and, for models of the zoo
    (``numnet.models.MODELS``), ``model_name`` (the registry key) and ``model_config`` (``model.config`` as JSON).

    Args:
        model: a numnet Module.
        path: the file to write (atomically).
        metadata: extra str → str entries to store.

    Raises:
        ArgumentError: not a model, a zoo model whose ``config`` is not JSON-serialisable, or bad metadata.

    Example:
        >>> numnet.save_model(numnet.models.get_model("lenet5"), "lenet5.safetensors")  # doctest: +SKIP
        >>> model = numnet.load_model("lenet5.safetensors")  # doctest: +SKIP
    """
    arrays = _state_arrays(model, "save_model")
    meta = _card_and_identity(model, metadata, "save_model")
    meta["format"] = MODEL_FORMAT
    _write(path, arrays, meta)


def _card_and_identity(model: Any, metadata: Mapping[str, str] | None, who: str) -> dict[str, str]:
    """The user's metadata (model-card entries validated, :mod:`numnet.io.model_card`) plus what rebuilds the
    model: numnet version, model class and, for zoo models, ``model_name`` and ``model_config``. Model files and
    checkpoints both store it, so every command can rebuild a model from either."""
    meta = dict(_check_metadata(metadata, who) or {})
    check_card(meta, who)
    meta.update({"numnet_version": _version(), "model_class": _class_path(model)})
    name = _registry_name(model)
    if name is not None:
        config = getattr(model, "config", None) or {}
        try:
            meta["model_config"] = _json(config)
        except TypeError as e:
            raise ArgumentError(f"{who}: the config of {type(model).__name__} is not JSON-serialisable "
                                f"({e}): {config!r}") from None
        meta["model_name"] = name
    return meta


# a config may imply at most 4 x the values the file holds plus this many before load_model refuses to build it
MODEL_SIZE_SLACK = 1_000_000


def load_model(path: PathLike) -> Any:
    """Rebuild a zoo model saved with :func:`save_model` (or a checkpoint of one) and load its weights.

    Calls ``numnet.models.get_model(model_name, **model_config)`` from the file's metadata, then
    ``load_state_dict``. A resume checkpoint (:func:`numnet.io.save_checkpoint`, what ``fit``'s
    ``ModelCheckpoint`` and ``numnet train`` write) works too: its model weights are loaded. Models outside the zoo cannot be rebuilt from a file (no code is stored or run): build the
    model yourself and call ``model.load_state_dict(numnet.load(path))``.

    Raises:
        FileFormatError: the file is not a safetensors file, was not written by :func:`save_model` for a zoo model,
            or its tensors do not match the rebuilt model's keys.
        ShapeError: a tensor's shape differs from the rebuilt model's.

    Example:
        >>> model = numnet.load_model("lenet5.safetensors")  # doctest: +SKIP
    """
    meta = load_metadata(path)
    name = meta.get("model_name")
    is_checkpoint = meta.get("format") == "numnet.checkpoint"
    if name is None:
        what = f"a {_short(meta['model_class'])}" if "model_class" in meta else "weights"
        how = (f"numnet.load_checkpoint({str(path)!r}, model)" if is_checkpoint
               else f"model.load_state_dict(numnet.load({str(path)!r}))")
        raise FileFormatError(
            f"{path}: holds {what} but no zoo model name (it was not saved for a model of numnet.models), so "
            f"numnet cannot rebuild the model. Build the model yourself and load the weights: {how}"
        )
    config = _unjson(meta, "model_config", path) if "model_config" in meta else {}
    if not isinstance(config, dict):
        raise FileFormatError(f"{path}: model_config must be a JSON object, got {type(config).__name__}")
    from numnet import models

    header, _ = _read_header(path)
    prefix = "model/" if is_checkpoint else ""
    held = sum(math.prod(info["shape"]) for k, info in header.items() if k.startswith(prefix))
    try:
        implied = models.state_size(name, **config)
    except (KeyError, ValueError, TypeError) as e:
        raise FileFormatError(f"{path}: cannot rebuild model {name!r} with config {_short(config)} ({e})") from None
    if implied > max(held, SMALL_MODEL_VALUES):
        # checked before anything is built: the file's tensors are the truth, so a small file cannot ask for a
        # huge model (a small mismatch is built, and the key/shape check below names the tensors that differ)
        raise FileFormatError(f"{path}: the model_config asks for a {name} model with {implied:,} values, but the "
                              f"file holds {held:,}; refusing to build it (corrupt or edited metadata?)")
    try:
        model = models.get_model(name, **config)
    except (KeyError, ValueError, TypeError) as e:
        raise FileFormatError(f"{path}: cannot rebuild model {name!r} with config {_short(config)} ({e}); was it saved by "
                              f"another numnet version (file: {meta.get('numnet_version', '?')})?") from None
    state = _load_arrays(path)
    if is_checkpoint:
        state = {k[len("model/"):]: v for k, v in state.items() if k.startswith("model/")}
    _check_against_model(model, state, path, "weights")
    model.load_state_dict(state)
    return model

