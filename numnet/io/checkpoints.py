"""Resume checkpoints: :func:`save_checkpoint` / :func:`load_checkpoint` keep model, optimizer, scheduler,
epoch/step, numnet's RNG state and user extras in one file, so a resumed run continues bit-identically."""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet.errors import ArgumentError, FileFormatError, ShapeError
from numnet.io.atomic import PathLike
from numnet.io.model_files import MODEL_FORMAT, _card_and_identity, _check_against_model, _state_arrays
from numnet.io.safetensors_format import _load_arrays, _write, load_metadata
from numnet.io.state import _check_depth, _json, _unjson, flatten_state, unflatten_state
from numnet.tensor import Tensor

__all__ = ["CHECKPOINT_FORMAT", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_FORMAT = "numnet.checkpoint"


def save_checkpoint(
    path: PathLike,
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    epoch: int = 0,
    step: int = 0,
    rng: bool = True,
    extra: Any = None,
    metadata: Any = None,
) -> None:
    """Save everything needed to resume training, in one safetensors file, atomically.

    Stored: the model's ``state_dict`` (tensors ``model/<key>``), the optimizer's and scheduler's ``state_dict``
    (arrays as tensors ``optimizer/...``, the rest as JSON in the metadata, see :func:`flatten_state`), ``epoch``,
    ``step``, numnet's RNG state (:func:`numnet.random.get_rng_state`, if ``rng``), and ``extra`` (any nested
    arrays/numbers/strings, e.g. the history so far).

    Args:
        path: the file to write.
        model: the model (``state_dict()``).
        optimizer: an optimizer with ``state_dict()`` (PyTorch format), or None.
        scheduler: a learning-rate scheduler with ``state_dict()``, or None.
        epoch: epochs completed.
        step: optimizer steps taken.
        rng: store numnet's default generator state (restored by :func:`load_checkpoint`).
        extra: anything :func:`flatten_state` accepts.
        metadata: str → str entries to store, e.g. the model card (:mod:`numnet.io.model_card`). With the zoo
            model's name and config (stored as in a model file), ``numnet.load_model`` and every ``numnet``
            command can use the checkpoint as a model file.

    Raises:
        ArgumentError: epoch/step that are not non-negative ints, or state of a type that cannot be stored.

    Example:
        >>> numnet.save_checkpoint("ckpt.safetensors", model, opt, epoch=3, step=1400)  # doctest: +SKIP
        >>> info = numnet.load_checkpoint("ckpt.safetensors", model, opt)  # doctest: +SKIP
        >>> info["epoch"], info["step"]  # doctest: +SKIP
        (3, 1400)
    """
    for name, v in (("epoch", epoch), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ArgumentError(f"save_checkpoint: {name} must be a non-negative integer, got {v!r}")
    tensors = {f"model/{k}": v for k, v in _state_arrays(model, "save_checkpoint").items()}
    meta = _card_and_identity(model, metadata, "save_checkpoint")
    meta.update({"format": CHECKPOINT_FORMAT, "epoch": str(int(epoch)), "step": str(int(step))})
    parts: list[tuple[str, Any]] = []
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None:
            if not callable(getattr(obj, "state_dict", None)):
                raise ArgumentError(f"save_checkpoint: {name} has no state_dict(), got {type(obj).__name__}")
            parts.append((name, obj.state_dict()))
    if rng:
        from numnet import random as nrandom

        parts.append(("rng", nrandom.get_rng_state()))
    if extra is not None:
        parts.append(("extra", extra))
    for name, obj in parts:
        skeleton, _ = flatten_state(obj, name, tensors)
        meta[name] = _check_depth(_json(skeleton), "save_checkpoint")
    _write(path, tensors, meta)


def _check_optimizer(optimizer: Any, state: Any, path: PathLike) -> None:
    """Check the saved optimizer state against the optimizer's parameters (count and buffer shapes)."""
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(state, dict) or "state" not in state or "param_groups" not in state:
        raise FileFormatError(f"{path}: optimizer state must be a dict with 'state' and 'param_groups'")
    if not isinstance(groups, list):
        return
    params = [p for g in groups for p in g.get("params", [])]
    saved = [i for g in state["param_groups"] for i in g.get("params", [])]
    if len(saved) != len(params):
        raise FileFormatError(f"{path}: the optimizer state is for {len(saved)} parameters, the optimizer has "
                              f"{len(params)}")
    for idx, entry in state["state"].items():
        if not isinstance(entry, dict) or not isinstance(idx, int) or not 0 <= idx < len(params):
            continue
        want = tuple(np.shape(params[idx]._data if isinstance(params[idx], Tensor) else params[idx]))
        for key, val in entry.items():
            if isinstance(val, (np.ndarray, Tensor)) and np.ndim(val) > 0 and tuple(np.shape(val)) != want:
                raise ShapeError(f"{path}: optimizer buffer state[{idx}][{key!r}] has shape {tuple(np.shape(val))} "
                                 f"but parameter {idx} has shape {want}")


def load_checkpoint(path: PathLike, model: Any, optimizer: Any = None, scheduler: Any = None) -> dict[str, Any]:
    """Restore a checkpoint written by :func:`save_checkpoint` into ``model`` (and ``optimizer``, ``scheduler``).

    Also restores numnet's RNG state when the checkpoint has it, so shuffling, dropout and initialisation continue
    exactly as in an uninterrupted run. Everything is validated before anything is modified.

    Returns:
        ``{"epoch": int, "step": int, "extra": ..., "numnet_version": str}``.

    Raises:
        FileFormatError: not a numnet checkpoint, corrupt, the model's keys differ, or an optimizer/scheduler was
            passed but the checkpoint holds none.
        ShapeError: a saved tensor's shape differs from the model's (or an optimizer buffer's from its parameter).

    Example:
        >>> info = numnet.load_checkpoint("ckpt.safetensors", model, opt, sched)  # doctest: +SKIP
        >>> start_epoch = info["epoch"]  # doctest: +SKIP
    """
    meta = load_metadata(path)
    if meta.get("format") != CHECKPOINT_FORMAT:
        hint = " (it is a model file: use numnet.load_model or numnet.load)" if meta.get(
            "format") == MODEL_FORMAT else ""
        raise FileFormatError(f"{path}: not a numnet checkpoint{hint}")
    tensors = _load_arrays(path)
    model_state = {k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")}
    _check_against_model(model, model_state, path, "checkpoint's model state")
    restored: dict[str, Any] = {}
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if name not in meta:
            raise FileFormatError(f"{path}: the checkpoint holds no {name} state, but an {name} was passed")
        restored[name] = unflatten_state(_unjson(meta, name, path), tensors, str(path))
    if optimizer is not None:
        _check_optimizer(optimizer, restored["optimizer"], path)
    rng_state = unflatten_state(_unjson(meta, "rng", path), tensors, str(path)) if "rng" in meta else None
    extra = unflatten_state(_unjson(meta, "extra", path), tensors, str(path)) if "extra" in meta else None
    try:
        epoch, step = int(meta.get("epoch", "0")), int(meta.get("step", "0"))
    except ValueError:
        raise FileFormatError(f"{path}: epoch/step in the metadata are not integers") from None

    model.load_state_dict(model_state)
    if optimizer is not None:
        optimizer.load_state_dict(restored["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(restored["scheduler"])
    if rng_state is not None:
        from numnet import random as nrandom

        nrandom.set_rng_state(rng_state)
    return {"epoch": epoch, "step": step, "extra": extra, "numnet_version": meta.get("numnet_version", "unknown")}

