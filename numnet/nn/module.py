"""The base of every layer and model: :class:`Module` (parameters, buffers, submodules, state_dict) and
:class:`Parameter`.

A module registers what it is given as attributes: a :class:`Parameter` becomes a trainable parameter, a
:class:`Module` a child, a tensor passed to :meth:`Module.register_buffer` a buffer (state that is saved but not
trained, like BatchNorm's running mean). ``state_dict`` keys are PyTorch's: the attribute path joined by dots
(``features.3.bias``, ``bn.running_mean``).

Errors: when a layer deep inside a model raises a numnet error, the outermost ``Module.__call__`` re-raises it (same
class, same traceback) with the layer's path and repr in front, e.g.
``features.3 (Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))): expected input (N, 6, H, W), got (8, 3, 12, 12)``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from numnet import _validation as V
from numnet.autograd import no_grad
from numnet.device import as_device, is_device_like
from numnet.errors import ArgumentError, DeviceError, DTypeError, NumnetError, ShapeError
from numnet.tensor import Tensor

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = "What :meth:`Module.load_state_dict` did not match: ``(missing_keys, unexpected_keys)``."


class Parameter(Tensor):
    """A tensor that a :class:`Module` registers as trainable when assigned as an attribute.

    Args:
        data: the initial values (a Tensor's array is shared, not copied; a NumPy array keeps its dtype).
        requires_grad: defaults to True.

    >>> import numnet
    >>> from numnet.nn import Parameter
    >>> Parameter(numnet.zeros(2))
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        if not isinstance(data, (Tensor, np.ndarray)):
            raise DTypeError(V.expected("Parameter", "data", "a Tensor or a NumPy array", got=type(data).__name__))
        V.boolean(requires_grad, "Parameter", "requires_grad")
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: "OrderedDict[int, Callable]") -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


_call_state = threading.local()


def _short_repr(module: "Module") -> str:
    """One line naming a module: its full repr for a leaf, its class name for a container."""
    if module._modules:
        return type(module).__name__
    return repr(module)


def _prefix_error(exc: NumnetError, root: "Module") -> None:
    """Put the path and repr of the innermost module that raised in front of the error's message (in place)."""
    culprit = getattr(exc, "_numnet_module", None) or root
    path = None
    for name, m in root.named_modules():
        if m is culprit:
            path = name
            break
    where = _short_repr(culprit)
    if path:
        where = f"{path} ({where})"
    first = exc.args[0] if exc.args else ""
    exc.args = (f"{where}: {first}",) + tuple(exc.args[1:])
    exc._numnet_prefixed = True  # type: ignore[attr-defined]


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._data
    return np.asarray(value)


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class of layers and models (like ``torch.nn.Module``).

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and submodules as attributes, and
    implement ``forward``. Call the module, not ``forward``: ``module(x)`` runs forward hooks and names the failing
    layer in errors.

    >>> import numnet
    >>> from numnet import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = nn.Linear(4, 2)
    ...     def forward(self, x):
    ...         return self.fc(x).relu()
    >>> net = Net()
    >>> list(net.state_dict())
    ['fc.weight', 'fc.bias']
    >>> net(numnet.zeros(3, 4)).shape
    (3, 2)
    """

    training: bool
    _version = 1

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        depth = getattr(_call_state, "depth", 0)
        _call_state.depth = depth + 1
        try:
            if not (self._forward_hooks or self._forward_pre_hooks):  # (no empty ** dict: the per-layer path)
                return self.forward(*args, **kwargs) if kwargs else self.forward(*args)
            for hook in list(self._forward_pre_hooks.values()):
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
            out = self.forward(*args, **kwargs)
            for hook in list(self._forward_hooks.values()):
                res = hook(self, args, out)
                if res is not None:
                    out = res
            return out
        except NumnetError as exc:
            if getattr(exc, "_numnet_module", None) is None:
                exc._numnet_module = self  # type: ignore[attr-defined]  # the innermost module sees it first
            if depth == 0 and not getattr(exc, "_numnet_prefixed", False):
                _prefix_error(exc, self)
            raise
        finally:
            _call_state.depth = depth

    def register_forward_hook(self, hook: Callable[["Module", tuple, Any], Any]) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward; a non-None return value replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook: Callable[["Module", tuple], Any]) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every forward; a non-None return value replaces the inputs."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._drop(name)
            params[name] = value
            return
        if params is not None and name in params:
            if value is not None:
                raise DTypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                                 "(numnet.nn.Parameter or None expected)")
            params[name] = None
            return
        modules = self.__dict__.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._drop(name)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise DTypeError(f"cannot assign {type(value).__name__} as child module '{name}' "
                                 "(numnet.nn.Module or None expected)")
            modules[name] = None
            return
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise DTypeError(f"cannot assign {type(value).__name__} as buffer '{name}' "
                                 "(numnet.Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _drop(self, name: str) -> None:
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            self.__dict__[store].pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__[store]:
                del self.__dict__[store][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        extra = list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(super().__dir__()) | set(extra))

    @staticmethod
    def _check_name(name: Any, what: str) -> None:
        V.instance(name, str, what, "name", "a string")
        if not name or "." in name:
            raise ArgumentError(V.expected(what, "name", "a non-empty string without '.'", name))

    def register_buffer(self, name: str, tensor: Tensor | np.ndarray | None, persistent: bool = True) -> None:
        """Register state that is not a parameter (saved in ``state_dict`` unless ``persistent=False``)."""
        self._check_name(name, "register_buffer")
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if hasattr(self, name) and name not in self._buffers:
            raise ArgumentError(f"register_buffer: attribute '{name}' already exists")
        if isinstance(tensor, np.ndarray):
            tensor = Tensor(tensor)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise DTypeError(f"register_buffer: cannot assign {type(tensor).__name__} as buffer '{name}' "
                             "(numnet.Tensor, np.ndarray or None expected)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a :class:`Parameter` or None) under ``name``."""
        self._check_name(name, "register_parameter")
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if param is not None and not isinstance(param, Parameter):
            raise DTypeError(f"register_parameter: cannot assign {type(param).__name__} as parameter '{name}' "
                             "(numnet.nn.Parameter or None expected)")
        if hasattr(self, name) and name not in self._parameters:
            raise ArgumentError(f"register_parameter: attribute '{name}' already exists")
        self._parameters[name] = param

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register ``module`` as a child named ``name``."""
        self._check_name(name, "add_module")
        if module is not None and not isinstance(module, Module):
            raise DTypeError(f"add_module: {type(module).__name__} is not a numnet.nn.Module")
        if hasattr(self, name) and name not in self._modules:
            raise ArgumentError(f"add_module: attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The submodule at dotted path ``target`` (``""`` is the module itself)."""
        mod: Module = self
        if target == "":
            return mod
        for part in target.split("."):
            child = mod._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(mod).__name__} has no submodule '{part}' (looking up '{target}')")
            mod = child
        return mod

    # ------------------------------------------------------------------ iteration
    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, each parameter once (by identity) unless ``remove_duplicate=False``."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The trainable parameters, each once, in registration order."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(name, buffer)`` pairs (buffers set to None are skipped)."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def _named_members(self, store: str, prefix: str, recurse: bool, remove_duplicate: bool):
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, value in getattr(mod, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """``(path, module)`` for this module (path ``prefix``, ``""`` by default) and every submodule, depth first.

        Walks with an explicit stack, so deep nesting cannot hit Python's recursion limit.
        """
        memo = set() if memo is None else memo
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            path, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in memo:
                    continue
                memo.add(id(mod))
            yield path, mod
            kids = [(f"{path}.{n}" if path else n, m) for n, m in mod._modules.items() if m is not None]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    # ------------------------------------------------------------------ modes and bulk operations
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (``mode=True``) or evaluation mode on this module and all submodules."""
        mode = V.boolean(mode, "train", "mode")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: Dropout passes inputs through, BatchNorm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Turn gradient recording of every parameter on or off (freeze a part of a model)."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default) or to zeros."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad._data[...] = 0

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every submodule (children first) and then on this module; returns self.

        >>> from numnet import nn
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> _ = net.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Move and/or cast parameters (and their grads) and floating-point buffers, in place; returns self.

        The forms are PyTorch's: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` (its dtype;
        its device is the CPU) and the keywords ``device=``, ``dtype=``, ``non_blocking=`` (accepted, nothing is
        asynchronous) and ``memory_format=`` (accepted and ignored: numnet keeps NumPy's layout). The only device is
        the CPU (:func:`numnet.device.as_device`): ``"cuda"`` raises :class:`~numnet.errors.DeviceError`.

        Parameter objects stay the same (their arrays are replaced), so an optimizer built before still holds them.
        Only floating-point tensors are cast: integer buffers (BatchNorm's ``num_batches_tracked``) keep their dtype.

        Raises:
            DeviceError: a device other than the CPU.
            DTypeError: a dtype that is not floating point, or an argument of another kind.
        """
        device, dtype = self._parse_to(args, kwargs)
        if device is not None:
            as_device(device, "Module.to")
        if dtype is None:
            return self
        dt = V.float_dtype(dtype, "Module.to")
        return self._cast_floats(dt)

    @staticmethod
    def _parse_to(args: tuple, kwargs: dict) -> tuple[Any, Any]:
        """PyTorch's ``to`` overloads → ``(device, dtype)`` (either may be None)."""
        unknown = set(kwargs) - {"device", "dtype", "non_blocking", "memory_format", "copy"}
        if unknown:
            raise DTypeError(f"Module.to: unexpected keyword argument(s) {', '.join(sorted(unknown))}")
        device, dtype = kwargs.get("device"), kwargs.get("dtype")
        rest = list(args)
        if rest and isinstance(rest[0], Tensor):
            if device is not None or dtype is not None:
                raise DTypeError("Module.to: expected either a tensor or device/dtype, not both")
            dtype = rest.pop(0).dtype
        elif rest and (is_device_like(rest[0]) or isinstance(rest[0], int) and not isinstance(rest[0], bool)):
            device = rest.pop(0)
            if rest and not isinstance(rest[0], (bool, np.bool_)):
                dtype = rest.pop(0)
        elif rest and rest[0] is not None and not isinstance(rest[0], (bool, np.bool_)):
            dtype = rest.pop(0)
        elif rest and rest[0] is None:
            rest.pop(0)
        if rest and isinstance(rest[0], (bool, np.bool_)):
            rest.pop(0)  # non_blocking
        if rest:
            raise DTypeError(f"Module.to: expected (device, dtype, non_blocking) or (dtype) or (tensor), got "
                             f"{len(args)} positional argument(s) {args!r}")
        return device, dtype

    def _cast_floats(self, dt: np.dtype) -> "Module":
        for p in self.parameters():
            if p._data.dtype.kind == "f" and p._data.dtype != dt:
                p._data = p._data.astype(dt)
                if p.grad is not None:
                    p.grad = Tensor(p.grad._data.astype(dt))
        for b in self.buffers():
            if b._data.dtype.kind == "f" and b._data.dtype != dt:
                b._data = b._data.astype(dt)
        return self

    def cpu(self) -> "Module":
        """Move to the CPU: the only device, so nothing changes; returns self."""
        return self

    def cuda(self, device: Any = None) -> "Module":
        """Always raises :class:`~numnet.errors.DeviceError`: numnet runs on the CPU only."""
        raise DeviceError("Module.cuda: numnet runs on the CPU only (available devices: 'cpu')")

    def float(self) -> "Module":
        """Cast floating-point parameters and buffers to float32; returns self."""
        return self._cast_floats(np.dtype(np.float32))

    def double(self) -> "Module":
        """Cast floating-point parameters and buffers to float64; returns self."""
        return self._cast_floats(np.dtype(np.float64))

    def half(self) -> "Module":
        """Cast floating-point parameters and buffers to float16; returns self."""
        return self._cast_floats(np.dtype(np.float16))

    def num_parameters(self, only_trainable: bool = False) -> int:
        """Number of scalar parameters (each shared parameter counted once)."""
        return int(sum(p._data.size for p in self.parameters() if p.requires_grad or not only_trainable))

    def summary(self, input_shape: Any, print_fn: Callable[[str], Any] | None = print, *,
                includes_batch: bool = False, dtype: Any = None):
        """Run one forward pass and tabulate every layer: output shape, parameters and multiply-adds.

        See :func:`numnet.nn.summary.summary` for the counting rules.
        """
        from numnet.nn.summary import summary

        return summary(self, input_shape, print_fn=print_fn, includes_batch=includes_batch, dtype=dtype)

    # ------------------------------------------------------------------ state dict
    def state_dict(self, destination: "OrderedDict[str, Tensor] | None" = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Parameters and persistent buffers by dotted name (PyTorch's keys), as detached tensors sharing data.

        >>> from numnet import nn
        >>> list(nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).state_dict())  # doctest: +NORMALIZE_WHITESPACE
        ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']
        """
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        for name, mod in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            head = f"{name}." if name else ""
            for key, p in mod._parameters.items():
                if p is not None:
                    out[head + key] = p if keep_vars else p.detach()
            for key, b in mod._buffers.items():
                if b is not None and key not in mod._non_persistent_buffers:
                    out[head + key] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers (in place, keeping each one's dtype).

        Args:
            state_dict: name → Tensor or np.ndarray (e.g. from :meth:`state_dict`, a safetensors file, or a
                PyTorch state dict converted with ``{k: v.numpy() for k, v in sd.items()}``).
            strict: if True, the keys must match exactly.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``.

        Raises:
            ShapeError: some value's shape differs from the model's (raised even when ``strict=False``).
            ArgumentError: ``strict`` and some keys are missing or unexpected.
            DTypeError: a value is not numeric.
            The message lists every missing, unexpected and mis-shaped key; nothing is copied when it raises.
        """
        if not isinstance(state_dict, Mapping):
            raise DTypeError(f"load_state_dict: expected a mapping of names to arrays, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        arrays: dict[str, np.ndarray] = {}
        mis_shaped: list[str] = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            try:
                value = _to_array(state_dict[key])
            except (TypeError, ValueError) as e:  # e.g. a ragged nested list
                raise DTypeError(f"load_state_dict: value for '{key}' is not an array ({e})") from None
            if value.dtype.kind not in "biuf":
                raise DTypeError(f"load_state_dict: value for '{key}' has non-numeric dtype {value.dtype}")
            if value.shape != target.shape:
                mis_shaped.append(f"{key}: checkpoint shape {tuple(value.shape)}, "
                                  f"model shape {tuple(target.shape)}")
            else:  # cast now, so the copy below cannot fail halfway
                value = value.astype(target._data.dtype, copy=False)
            arrays[key] = value
        if mis_shaped or (strict and (missing or unexpected)):
            lines = [f"load_state_dict: error(s) in loading state_dict for {type(self).__name__}:"]
            if strict and missing:
                lines.append("  missing keys: " + ", ".join(repr(k) for k in missing))
            if strict and unexpected:
                lines.append("  unexpected keys: " + ", ".join(repr(k) for k in unexpected))
            if mis_shaped:
                lines.append("  mis-shaped keys: " + "; ".join(mis_shaped))
            raise (ShapeError if mis_shaped else ArgumentError)("\n".join(lines))
        with no_grad():
            for key, value in arrays.items():
                own[key]._data[...] = value
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its non-default settings)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, mod in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(mod), 2))
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
