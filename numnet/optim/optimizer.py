"""The :class:`Optimizer` base class: parameter groups, per-parameter state, ``zero_grad`` and checkpoints.

An optimizer holds ``param_groups`` (a list of dicts, each with ``'params'`` and its own options such as ``'lr'``)
and ``state`` (a dict from parameter to that parameter's buffers). ``step()`` walks every parameter that has a
gradient and hands its arrays to the subclass's ``_update``, which changes the parameter's array (``p._data``) in place.

``state_dict()`` follows PyTorch's layout exactly, with parameters replaced by their index counted across groups::

    {'state': {0: {'step': 3.0, 'exp_avg': array(...), ...}, 1: {...}},
     'param_groups': [{'lr': 0.001, 'betas': [0.9, 0.999], ..., 'params': [0, 1]}, {..., 'params': [2]}]}

Only NumPy arrays and plain Python scalars, lists and dicts appear inside, so it can be written as safetensors + JSON.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as np

from numnet import _validation as V
from numnet.autograd import enable_grad
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must set itself (like ``torch.optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _plain(value: Any) -> Any:
    """A copy of ``value`` made only of plain Python values and NumPy arrays (tuples become lists)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Tensor):
        return value._data.copy()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _scalar_option(value: Any) -> Any:
    """NumPy scalars in options become Python scalars, so schedules and checkpoints hold plain values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_scalar_option(v) for v in value)
    if isinstance(value, list):
        return [_scalar_option(v) for v in value]
    return value


def _check_real(name: str, option: str, value: Any) -> None:
    """A real number (inf allowed, as PyTorch); the group keeps the value as given, so checkpoints are unchanged."""
    V.real(value, name, option, finite=False)


def _check_nonneg(name: str, option: str, value: Any) -> None:
    """PyTorch's ``Invalid <option> value`` check (a number >= 0) in numnet's one message style."""
    V.real(value, name, option, low=0.0, finite=False)


def _check_nonneg_options(name: str, group: dict[str, Any], *options: str) -> None:
    """:func:`_check_nonneg` for each of ``options`` of a parameter group, in order."""
    for option in options:
        _check_nonneg(name, option, group[option])


# torch's implementation switches. ``foreach`` picks a faster loop in torch with the same math, so any value is
# accepted and ignored; numnet has no fused, CUDA-graph-capturable or differentiable-step path, so those must be
# None/False: a True would otherwise be silently ignored.
_IGNORED_FLAGS = ("foreach",)
_REFUSED_FLAGS = ("fused", "capturable", "differentiable")


def _check_flags(name: str, group: dict[str, Any]) -> None:
    """Check the implementation switches a group carries (``foreach``, ``fused``, ``capturable``,
    ``differentiable``)."""
    for flag in _IGNORED_FLAGS:
        if flag in group and group[flag] is not None:
            V.boolean(group[flag], name, flag)
    for flag in _REFUSED_FLAGS:
        if flag not in group or group[flag] is None or group[flag] is False:
            continue
        V.boolean(group[flag], name, flag)
        raise ArgumentError(V.expected(name, flag, "None or False (numnet has no fused, capturable or "
                                                   "differentiable optimizer step)", group[flag]))


def _check_betas(name: str, group: dict[str, Any], key: str = "betas") -> None:
    """A pair of numbers in [0, 1) (stored back as a tuple, as torch keeps it)."""
    betas = group[key]
    what = "a pair (beta1, beta2) of numbers in [0, 1)"
    if not isinstance(betas, (tuple, list)):
        raise DTypeError(V.expected(name, key, what, betas))
    if len(betas) != 2:
        raise ArgumentError(V.expected(name, key, what, betas))
    if isinstance(betas, list):
        group[key] = tuple(betas)
    for i, b in enumerate(betas):
        V.real(b, name, f"{key}[{i}]", 0.0, 1.0, high_open=True)


def _as_float32(value: float) -> float:
    """``value`` rounded to float32, as torch's scalar state tensors (``step``, ``mu_product``, ``eta``, ``mu``)
    hold it under the default dtype; keeping the same rounding is what makes the updates agree to the last bit."""
    return float(np.float32(value))


def _ascent_grad(param: np.ndarray, grad: np.ndarray, group: dict[str, Any]) -> np.ndarray:
    """The gradient an update follows: ``-grad`` under ``maximize``, plus ``weight_decay · param`` (L2, PyTorch's
    ``grad.add(param, alpha=weight_decay)``). With ``decoupled_weight_decay`` (AdamW style) the decay shrinks
    ``param`` in place by ``1 − lr · weight_decay`` instead and the gradient is left alone."""
    cast = param.dtype.type
    g = np.negative(grad) if group["maximize"] else grad
    wd = group["weight_decay"]
    if wd != 0:
        if group.get("decoupled_weight_decay"):
            param *= cast(1 - group["lr"] * wd)
        else:
            t = np.multiply(param, cast(wd))
            g = np.add(g, t, out=t)
    return g


class Optimizer:
    """Base class of all optimizers (like ``torch.optim.Optimizer``).

    Args:
        params: an iterable of tensors to optimize, or of dicts each defining a parameter group: ``'params'`` plus
            any options that override ``defaults`` for that group (e.g. a different ``'lr'``).
        defaults: the default options of every group.

    A subclass validates its options in ``_check_group(group)`` and updates one parameter in
    ``_update(param, grad, state, group)``, where ``param`` and ``grad`` are NumPy arrays of the same dtype and
    shape and ``state`` is that parameter's (initially empty) state dict.

    Raises:
        DTypeError: ``params`` is a single tensor or a set, or holds something that is not a floating-point tensor.
        ArgumentError: an empty parameter list, a parameter that does not require grad or is not a leaf,
            a parameter listed twice, or an invalid option.

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step(); opt.zero_grad()
        >>> w
        tensor([0.8, 1.6], requires_grad=True)
    """

    _state_keys: frozenset[str] | None = None  # the state names this optimizer uses; None = do not check on load

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise DTypeError(f"{name}: params argument given to the optimizer should be an iterable of Tensors or "
                             f"dicts, but got a single Tensor of shape {params.shape}; wrap it in a list")
        if isinstance(params, (set, frozenset)):
            raise DTypeError(f"{name}: optimizer parameters need to be organized in ordered collections, but the "
                             "ordering of tensors in sets will change between runs. Please use a list instead.")
        if isinstance(params, dict):
            params = [params]
        try:
            param_groups = list(params)
        except TypeError:
            raise DTypeError(f"{name}: params should be an iterable of Tensors or dicts, "
                             f"got {type(params).__name__}") from None
        if len(param_groups) == 0:
            raise ArgumentError(f"{name}: optimizer got an empty parameter list")
        self.defaults: dict[str, Any] = {k: _scalar_option(v) for k, v in defaults.items()}
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's options; subclasses raise ArgumentError/DTypeError naming the bad option."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``'params'`` and optional per-group options) to ``param_groups``.

        Useful when fine-tuning: layers that were frozen can be made trainable later, with their own ``lr``.

        Raises:
            DTypeError: ``param_group`` is not a dict, or holds a non-tensor or a non-floating-point tensor.
            ArgumentError: no ``'params'`` key, a required option missing, a parameter that does not require grad,
                is not a leaf, is repeated, or is already in another group; or an invalid option value.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise DTypeError(f"{name}: param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ArgumentError(f"{name}: param_group must have a 'params' key, got keys {sorted(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise DTypeError(f"{name}: optimizer parameters need to be organized in ordered collections, but the "
                             "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        gi = len(self.param_groups)
        seen: dict[int, int] = {}
        for i, p in enumerate(params):
            where = f"parameter {i} of group {gi}"
            if not isinstance(p, Tensor):
                raise DTypeError(f"{name}: optimizer can only optimize Tensors, but {where} is {type(p).__name__}")
            if not np.issubdtype(p.dtype, np.floating):
                raise DTypeError(f"{name}: optimizer can only optimize floating-point Tensors, but {where} has "
                                 f"dtype {p.dtype}")
            if not p.is_leaf:
                raise ArgumentError(f"{name}: can't optimize a non-leaf Tensor ({where}, shape {p.shape})")
            if id(p) in seen:
                raise ArgumentError(f"{name}: optimizer contains a parameter group with duplicate parameters "
                                    f"({where} is the same tensor as parameter {seen[id(p)]})")
            seen[id(p)] = i
        for j, group in enumerate(self.param_groups):
            if any(id(p) in seen for p in group["params"]):
                raise ArgumentError(f"{name}: some parameters appear in more than one parameter group "
                                    f"(group {gi} shares a tensor with group {j})")
        group = {k: _scalar_option(v) for k, v in param_group.items() if k != "params"}
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ArgumentError(f"{name}: parameter group didn't specify a value of required optimization "
                                    f"parameter {key}")
            group.setdefault(key, default)
        _check_flags(name, group)
        self._check_group(group)
        self.param_groups.append(group)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors: to ``None`` (default) or, with ``set_to_none=False``, to 0."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad._data.flags.writeable:
                    p.grad._data[...] = 0
                else:
                    p.grad = Tensor(np.zeros_like(p.grad._data))

    def _grad_array(self, p: Tensor) -> np.ndarray:
        g = p.grad._data if isinstance(p.grad, Tensor) else np.asarray(p.grad)
        if g.shape != p.shape:
            raise ShapeError(f"{type(self).__name__}.step: gradient has shape {g.shape} but the parameter has shape "
                             f"{p.shape}")
        return g if g.dtype == p.dtype else g.astype(p.dtype)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; parameters with ``grad is None`` are skipped.

        Args:
            closure: optional callable that re-evaluates the model and returns the loss (called with grad enabled).

        Returns:
            The closure's loss, or ``None``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                self._update(p._data, self._grad_array(p), self.state[p], group)
        return loss

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout, with parameters replaced by their index across groups.

        Returns:
            ``{'state': {index: {name: ndarray or Python scalar}}, 'param_groups': [{options..., 'params': [index,
            ...]}]}``. Arrays are copies; tuples (``betas``) are stored as lists; nothing else but plain Python values.
        """
        mapping: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                mapping.setdefault(id(p), len(mapping))
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if s and id(p) in mapping:
                state[mapping[id(p)]] = {k: _plain(v) for k, v in s.items()}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by :meth:`state_dict` (arrays are copied and cast to each param's dtype).

        Raises:
            ArgumentError: not a state dict, a different number of groups or of parameters in a group, a state
                entry for an unknown index, or state names this optimizer does not use.
            ShapeError: a saved buffer's shape differs from its parameter's.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ArgumentError(f"{name}: expected a dict with keys 'state' and 'param_groups', got {got}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ArgumentError(f"{name}: loaded state dict has {len(saved_groups)} parameter group(s) but the "
                                f"optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ArgumentError(f"{name}: parameter group {i} of the state dict has no 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise ArgumentError(f"{name}: loaded state dict contains a parameter group that doesn't match the "
                                    f"size of optimizer's group (group {i}: {len(saved['params'])} parameters saved, "
                                    f"{len(group['params'])} in the optimizer)")
        id_map: dict[int, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for idx, p in zip(saved["params"], group["params"]):
                id_map[int(idx)] = p

        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entry in state_dict["state"].items():
            try:
                idx = int(key)  # JSON turns the int keys into strings
            except (TypeError, ValueError):
                raise ArgumentError(f"{name}: state keys must be parameter indices, got {key!r}") from None
            if idx not in id_map:
                raise ArgumentError(f"{name}: state for parameter index {idx}, which is in no parameter group "
                                    f"(indices are {sorted(id_map)})")
            if not isinstance(entry, dict):
                raise ArgumentError(f"{name}: state of parameter {idx} must be a dict, got {type(entry).__name__}")
            p = id_map[idx]
            if self._state_keys is not None:
                unknown = sorted(set(entry) - self._state_keys)
                if unknown:
                    raise ArgumentError(f"{name}: state of parameter {idx} has {unknown}, which "
                                        f"{type(self).__name__} does not use (expected some of "
                                        f"{sorted(self._state_keys)}); was it saved from another optimizer?")
            new_state[p] = {k: self._load_value(name, idx, p, k, v) for k, v in entry.items()}

        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new_group = {k: v for k, v in group.items() if k != "params"}
            for k, v in saved.items():
                if k == "params":
                    continue
                v = _scalar_option(_plain(v))
                if isinstance(v, list) and (k == "betas" or isinstance(group.get(k), tuple)):
                    v = tuple(v)
                new_group[k] = v
            new_group["params"] = group["params"]
            _check_flags(type(self).__name__, new_group)
            self._check_group(new_group)
            new_groups.append(new_group)
        self.param_groups = new_groups
        self.state = new_state

    @staticmethod
    def _load_value(name: str, idx: int, p: Tensor, key: str, value: Any) -> Any:
        if isinstance(value, Tensor):
            value = value._data
        if key == "step":  # a Python float, as torch's step tensor holds (never cast to the param dtype)
            return float(np.asarray(value))
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            if value.shape != p.shape:
                raise ShapeError(f"{name}: state '{key}' of parameter {idx} has shape {value.shape} but the "
                                 f"parameter has shape {p.shape}")
            dtype = p.dtype if np.issubdtype(value.dtype, np.floating) else value.dtype
            return np.array(value, dtype=dtype, copy=True)
        return value

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"
