"""Resume checkpoints: :func:`save_checkpoint` / :func:`load_checkpoint` keep model, optimizer, scheduler,
epoch/step, numnet's RNG state and user extras in one file, so a resumed run continues bit-identically."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from numnet.errors import ArgumentError, FileFormatError, ShapeError
from numnet.io.atomic import PathLike
from numnet.io.model_files import MODEL_FORMAT, _card_and_identity, _check_against_model, _state_arrays
from numnet.io.safetensors_format import _load_arrays, _short, _write, load_metadata
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
            meta[f"{name}_class"] = type(obj).__name__  # load_checkpoint refuses another class's state
    if rng:
        from numnet import random as nrandom

        parts.append(("rng", nrandom.get_rng_state()))
    if extra is not None:
        parts.append(("extra", extra))
    for name, obj in parts:
        skeleton, _ = flatten_state(obj, name, tensors)
        meta[name] = _check_depth(_json(skeleton), "save_checkpoint")
    _write(path, tensors, meta)


def _bad(path: PathLike, what: str) -> FileFormatError:
    return FileFormatError(f"{path}: malformed checkpoint: {what}")


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _check_optimizer(optimizer: Any, state: Any, path: PathLike) -> None:
    """Check the saved optimizer state's structure against the optimizer: groups, parameter counts and indices,
    per-parameter entries and buffer shapes and dtypes. Raises FileFormatError/ShapeError, never a raw error."""
    if not isinstance(state, dict) or "state" not in state or "param_groups" not in state:
        raise _bad(path, "the optimizer state must be a dict with 'state' and 'param_groups'")
    saved_groups, entries = state["param_groups"], state["state"]
    if not isinstance(saved_groups, list) or not all(isinstance(g, dict) for g in saved_groups):
        raise _bad(path, "the optimizer's param_groups must be a list of dicts")
    if not isinstance(entries, dict):
        raise _bad(path, "the optimizer's state must be a dict of parameter index to state")
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list):
        return
    n_saved = sum(len(g["params"]) if isinstance(g.get("params"), list) else 0 for g in saved_groups)
    n_params = sum(len(g.get("params", [])) for g in groups)
    if n_saved != n_params:
        raise FileFormatError(f"{path}: the optimizer state is for {n_saved} parameters, the optimizer has "
                              f"{n_params}")
    if len(saved_groups) != len(groups):
        raise FileFormatError(f"{path}: the optimizer state has {len(saved_groups)} parameter group(s), the "
                              f"optimizer has {len(groups)}")
    params: dict[int, Any] = {}
    for i, (saved, group) in enumerate(zip(saved_groups, groups)):
        ids = saved.get("params")
        if not isinstance(ids, list) or not all(_is_int(j) for j in ids):
            raise _bad(path, f"parameter group {i} of the optimizer state has no list of int 'params'")
        if len(ids) != len(group.get("params", [])):
            raise FileFormatError(f"{path}: the optimizer state's group {i} is for {len(ids)} parameters, the "
                                  f"optimizer's has {len(group.get('params', []))}")
        for j, p in zip(ids, group["params"]):
            if int(j) in params:
                raise _bad(path, f"parameter index {j} appears twice in the optimizer's param_groups")
            params[int(j)] = p
        for key, value in saved.items():
            if key != "params" and isinstance(value, (dict, np.ndarray)):
                raise _bad(path, f"option {key!r} of parameter group {i} is a {type(value).__name__}")
    for idx, entry in entries.items():
        j = int(idx) if _is_int(idx) or (isinstance(idx, str) and idx.isdigit()) else None
        if j is None or j not in params:
            raise _bad(path, f"optimizer state for parameter {idx!r}, which is in no parameter group")
        if not isinstance(entry, dict):
            raise _bad(path, f"the optimizer state of parameter {j} must be a dict, got {type(entry).__name__}")
        p = params[j]
        want = tuple(np.shape(p._data if isinstance(p, Tensor) else p))
        for key, val in entry.items():
            if isinstance(val, Tensor):
                val = val._data
            if isinstance(val, (np.ndarray, np.generic)):
                if np.asarray(val).dtype.kind not in "biuf":
                    raise _bad(path, f"optimizer buffer state[{j}][{key!r}] has dtype {np.asarray(val).dtype}")
                if np.ndim(val) > 0 and tuple(np.shape(val)) != want:
                    raise ShapeError(f"{path}: optimizer buffer state[{j}][{key!r}] has shape "
                                     f"{tuple(np.shape(val))} but parameter {j} has shape {want}")
            elif not (val is None or isinstance(val, (bool, int, float, str, list))):
                raise _bad(path, f"optimizer state[{j}][{key!r}] is a {type(val).__name__}")


def _same_kind(saved: Any, current: Any) -> bool:
    """Whether a saved scheduler attribute has the kind of value the scheduler holds now."""
    if current is None or saved is None:
        return True
    if isinstance(current, bool) or isinstance(saved, bool):
        return isinstance(current, bool) == isinstance(saved, bool) or (
            isinstance(saved, (int, float)) and isinstance(current, (int, float)))
    if isinstance(current, (int, float)):
        return isinstance(saved, (int, float))
    if isinstance(current, str):
        return isinstance(saved, str)
    if isinstance(current, (list, tuple)):
        return isinstance(saved, (list, tuple)) and all(
            _same_kind(v, current[0]) for v in saved) if current else isinstance(saved, (list, tuple))
    if isinstance(current, dict):
        return isinstance(saved, dict)
    return True


def _check_scheduler(scheduler: Any, state: Any, path: PathLike) -> None:
    """Saved scheduler state: a dict whose keys the scheduler has, each value of the kind it holds now."""
    if not isinstance(state, dict):
        raise _bad(path, f"the scheduler state must be a dict, got {type(state).__name__}")
    current = scheduler.state_dict() if callable(getattr(scheduler, "state_dict", None)) else None
    if not isinstance(current, dict):
        return
    unknown = sorted(str(k) for k in set(state) - set(current))
    if unknown:
        raise FileFormatError(f"{path}: the scheduler state has keys {unknown[:5]} that "
                              f"{type(scheduler).__name__} does not have (saved from another scheduler?)")
    for key, value in state.items():
        if key == "_schedulers":
            subs = getattr(scheduler, "_schedulers", None)
            if not isinstance(value, list) or subs is None or len(value) != len(subs):
                raise _bad(path, "the chained schedulers' states do not match this scheduler's")
            for sub, sub_state in zip(subs, value):
                _check_scheduler(sub, sub_state, path)
        elif not _same_kind(value, current[key]):
            raise FileFormatError(f"{path}: scheduler state {key!r} is {_short(value)}, but "
                                  f"{type(scheduler).__name__} holds a {type(current[key]).__name__} there")


def check_rng_state(state: Any, path: PathLike, what: str = "RNG state", kind: Any = None) -> None:
    """A saved NumPy bit-generator state: the kind numnet's generator is, and accepted by a fresh one (so setting
    it cannot fail halfway). Raises FileFormatError."""
    from numnet import random as nrandom

    kind = kind or type(nrandom.default_generator().bit_generator)
    if not isinstance(state, dict) or state.get("bit_generator") != kind.__name__:
        got = state.get("bit_generator") if isinstance(state, dict) else type(state).__name__
        raise _bad(path, f"the {what} must be a {kind.__name__} state dict, got {_short(got)}")
    try:
        kind().state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise _bad(path, f"the {what} is not a valid {kind.__name__} state ({e})") from None


def _count(meta: dict[str, str], key: str, path: PathLike) -> int:
    text = meta.get(key, "0")
    if not (isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 30):
        raise FileFormatError(f"{path}: malformed checkpoint: {key} must be a non-negative integer, got "
                              f"{_short(text)}")
    return int(text)


class _Restore:
    """A checkpoint read and checked in full; :meth:`apply` writes it into the objects, all or nothing."""

    def __init__(self, path: PathLike, model: Any, optimizer: Any, scheduler: Any) -> None:
        self.path, self.model, self.optimizer, self.scheduler = path, model, optimizer, scheduler
        meta = load_metadata(path)
        if meta.get("format") != CHECKPOINT_FORMAT:
            hint = " (it is a model file: use numnet.load_model or numnet.load)" if meta.get(
                "format") == MODEL_FORMAT else ""
            raise FileFormatError(f"{path}: not a numnet checkpoint{hint}")
        self.epoch, self.step = _count(meta, "epoch", path), _count(meta, "step", path)
        tensors = _load_arrays(path)
        self.model_state = {k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")}
        _check_against_model(model, self.model_state, path, "checkpoint's model state")
        for k, v in self.model_state.items():
            if v.dtype.kind not in "biuf":
                raise _bad(path, f"model tensor {k!r} has dtype {v.dtype}")
        parsed: dict[str, Any] = {}
        for name in ("optimizer", "scheduler", "rng", "extra"):
            if name in meta:
                parsed[name] = unflatten_state(_unjson(meta, name, path), tensors, str(path))
        for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
            if obj is not None and name not in parsed:
                raise FileFormatError(f"{path}: the checkpoint holds no {name} state, but an {name} was passed")
        for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
            saved_class = meta.get(f"{name}_class")
            if obj is not None and saved_class is not None and saved_class != type(obj).__name__:
                raise FileFormatError(f"{path}: the checkpoint's {name} state is a {_short(saved_class)}'s, but "
                                      f"the {name} passed is a {type(obj).__name__}")
        self.optimizer_state = parsed.get("optimizer") if optimizer is not None else None
        self.scheduler_state = parsed.get("scheduler") if scheduler is not None else None
        if optimizer is not None:
            _check_optimizer(optimizer, self.optimizer_state, path)
        if scheduler is not None:
            _check_scheduler(scheduler, self.scheduler_state, path)
        self.rng_state = parsed.get("rng")
        if self.rng_state is not None:
            check_rng_state(self.rng_state, path)
        self.extra = parsed.get("extra")
        self.version = meta.get("numnet_version", "unknown")

    def info(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "step": self.step, "extra": self.extra, "numnet_version": self.version}

    def apply(self) -> dict[str, Any]:
        """Load everything; if any step fails, put model, optimizer, scheduler and RNG back as they were."""
        from numnet import random as nrandom

        undo = [_snapshot_model(self.model), _snapshot_optimizer(self.optimizer),
                _snapshot_scheduler(self.scheduler), _snapshot_rng()]
        try:
            self.model.load_state_dict(self.model_state)
            if self.optimizer is not None:
                self.optimizer.load_state_dict(self.optimizer_state)
            if self.scheduler is not None:
                self.scheduler.load_state_dict(self.scheduler_state)
            if self.rng_state is not None:
                nrandom.set_rng_state(self.rng_state)
        except Exception as e:
            for restore in reversed(undo):
                restore()
            raise FileFormatError(f"{self.path}: cannot restore the checkpoint ({type(e).__name__}: "
                                  f"{_short(str(e), 300)}); the model, optimizer, scheduler and RNG are unchanged"
                                  ) from None
        return self.info()


def _snapshot_model(model: Any) -> Any:
    own = model.state_dict(keep_vars=True) if _takes_keep_vars(model) else {}
    saved = {k: (v, np.array(v._data, copy=True)) for k, v in own.items() if isinstance(v, Tensor)}

    def restore() -> None:
        for tensor, data in saved.values():
            tensor._data[...] = data

    return restore


def _takes_keep_vars(model: Any) -> bool:
    try:
        model.state_dict(keep_vars=True)
    except TypeError:
        return False
    return True


def _snapshot_optimizer(optimizer: Any) -> Any:
    if optimizer is None or not hasattr(optimizer, "param_groups"):
        return lambda: None
    groups, group_items = optimizer.param_groups, [dict(g) for g in optimizer.param_groups]
    state = getattr(optimizer, "state", None)
    state_items = {p: copy.deepcopy(s) for p, s in state.items()} if isinstance(state, dict) else None

    def restore() -> None:
        for g, items in zip(groups, group_items):
            g.clear()
            g.update(items)
        optimizer.param_groups = groups
        if state_items is not None:
            state.clear()
            state.update(state_items)
            optimizer.state = state

    return restore


def _snapshot_scheduler(scheduler: Any) -> Any:
    if scheduler is None:
        return lambda: None
    subs = [_snapshot_scheduler(s) for s in getattr(scheduler, "_schedulers", None) or []]
    attrs = {k: v if k in ("optimizer", "_schedulers") else copy.deepcopy(v) for k, v in vars(scheduler).items()}

    def restore() -> None:
        vars(scheduler).clear()
        vars(scheduler).update(attrs)
        for sub in subs:
            sub()

    return restore


def _snapshot_rng() -> Any:
    from numnet import random as nrandom

    state = nrandom.get_rng_state()
    return lambda: nrandom.set_rng_state(state)


def load_checkpoint(path: PathLike, model: Any, optimizer: Any = None, scheduler: Any = None) -> dict[str, Any]:
    """Restore a checkpoint written by :func:`save_checkpoint` into ``model`` (and ``optimizer``, ``scheduler``).

    Also restores numnet's RNG state when the checkpoint has it, so shuffling, dropout and initialisation continue
    exactly as in an uninterrupted run.

    All or nothing: the whole file is read and checked first (model tensors' names, shapes and dtypes; the
    optimizer state's structure, group count, parameter indices and buffer shapes; the scheduler state's keys and
    value kinds; the RNG state; epoch and step non-negative integers), and only then applied; if applying still
    fails, the model, optimizer, scheduler and RNG are put back exactly as they were.

    Returns:
        ``{"epoch": int, "step": int, "extra": ..., "numnet_version": str}``.

    Raises:
        FileFormatError: not a numnet checkpoint, corrupt or malformed state, the model's keys differ, or an
            optimizer/scheduler was passed but the checkpoint holds none.
        ShapeError: a saved tensor's shape differs from the model's (or an optimizer buffer's from its parameter).

    Example:
        >>> info = numnet.load_checkpoint("ckpt.safetensors", model, opt, sched)  # doctest: +SKIP
        >>> start_epoch = info["epoch"]  # doctest: +SKIP
    """
    return _Restore(path, model, optimizer, scheduler).apply()
