"""Containers, PyTorch's: :class:`Sequential` (a chain of modules, itself a module), :class:`ModuleList` and
:class:`ModuleDict` (a list / an ordered dict of modules that registers them), :class:`ParameterList` and
:class:`ParameterDict` (the same for parameters; a plain Tensor put in one becomes a :class:`Parameter`)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable as _Iterable, Mapping
from itertools import chain
from typing import Any, Iterable, Iterator, overload

from numnet import kernels
from numnet.errors import ArgumentError, DTypeError
from numnet.nn.fusion import relu_pool_plan
from numnet.nn.module import Module, Parameter
from numnet.tensor import Tensor


def _check_module(value: Any, where: str) -> Module:
    if not isinstance(value, Module):
        raise DTypeError(f"{where}: expected a numnet.nn.Module, got {type(value).__name__}")
    return value


def _modules_iterable(modules: Any, where: str) -> Iterable[Any]:
    """``modules`` if it is an iterable of modules (a list, a generator, a ModuleList or Sequential), not one
    module and not a non-iterable such as None or a number."""
    if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
        raise DTypeError(f"{where}: expected an iterable of modules, got a single {type(modules).__name__}")
    if not isinstance(modules, _Iterable) or isinstance(modules, (str, Tensor)):
        raise DTypeError(f"{where}: expected an iterable of modules, got {type(modules).__name__}")
    return modules


def _index(idx: Any, n: int, where: str) -> int:
    try:
        i = operator.index(idx)
    except TypeError:
        raise DTypeError(f"{where}: indices must be integers or slices, not {type(idx).__name__}") from None
    if not -n <= i < n:
        raise IndexError(f"{where}: index {i} is out of range for {n} module(s)")
    return i % n


def _renumber(modules: "OrderedDict[str, Module]", items: list[Module]) -> None:
    """Refill ``modules`` with ``items`` under the keys "0".."n-1" (PyTorch renumbers after insert and delete)."""
    modules.clear()
    for i, m in enumerate(items):
        modules[str(i)] = m


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Children are named ``"0"``, ``"1"``, ... (or by the keys of an ``OrderedDict``), so ``state_dict`` keys read
    ``0.weight``, ``3.bias`` as in PyTorch. Supports ``len``, iteration, integer indexing, slicing (a new
    ``Sequential`` sharing the modules and keeping their keys), ``append``, ``extend``, ``insert``, ``del``.

    ``forward`` runs the children through an execution plan, :func:`numnet.nn.fusion.relu_pool_plan`: a ``ReLU``
    directly followed by a ``MaxPool2d`` runs as pool-then-ReLU, which gives the same output and gradients with ReLU
    on a ``kH·kW`` times smaller tensor. The plan is cached and rebuilt when the children change; hooks on either
    module or ``return_indices`` keep the written order, and ``numnet.kernels.using(fuse_relu_pool=False)`` runs
    every child as written. The children themselves are never rewritten (``state_dict``, ``summary`` and hooks see
    the modules the user wrote).

    >>> from numnet import nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> len(net), type(net[1]).__name__, len(net[:2])
    (3, 'ReLU', 2)
    """

    def __init__(self, *args: Module | "OrderedDict[str, Module]") -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, _check_module(module, "Sequential"))
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), _check_module(module, "Sequential"))

    def forward(self, input: Any) -> Any:  # noqa: A002
        steps = self._plan() if kernels.get("fuse_relu_pool") else self._modules.values()  # the fusion pass
        for step in steps:
            input = step(input)
        return input

    def _plan(self) -> tuple:
        """:func:`~numnet.nn.fusion.relu_pool_plan` of the children, cached until the children change."""
        children = tuple(self._modules.values())
        cached = self.__dict__.get("_plan_cache")
        if cached is None or cached[0] != children:  # tuples of modules compare by identity
            cached = (children, relu_pool_plan(children))
            object.__setattr__(self, "_plan_cache", cached)
        return cached[1]

    @overload
    def __getitem__(self, idx: int) -> Module: ...

    @overload
    def __getitem__(self, idx: slice) -> "Sequential": ...

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self), "Sequential")]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        self._modules[key] = _check_module(module, "Sequential")

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        doomed = keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(self), "Sequential")]]
        for key in doomed:
            del self._modules[key]
        _renumber(self._modules, list(self._modules.values()))  # keys stay 0..n-1, as in PyTorch

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end (key ``str(len(self))``)."""
        self.add_module(str(len(self)), _check_module(module, "Sequential.append"))
        return self

    def extend(self, modules: Iterable[Module]) -> "Sequential":
        for m in _modules_iterable(modules, "Sequential.extend"):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        """Insert ``module`` before position ``index``; keys are renumbered."""
        _check_module(module, "Sequential.insert")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} module(s)")
        items = list(self._modules.values())
        items.insert(index, module)
        _renumber(self._modules, items)
        return self


    def pop(self, key: int | slice) -> Module:
        """Remove the module at ``key`` and return it (keys are renumbered)."""
        v = self[key]
        del self[key]
        return v

    def __add__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise ArgumentError(f"Sequential: + supports only Sequential objects, got {type(other).__name__}")
        return Sequential(*self, *other)

    def __iadd__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise ArgumentError(f"Sequential: += supports only Sequential objects, got {type(other).__name__}")
        return self.extend(list(other))

    def _times(self, other: Any) -> int:
        if isinstance(other, bool) or not isinstance(other, int):
            raise DTypeError(f"Sequential: unsupported operand type(s) for *: Sequential and {type(other).__name__}")
        if other <= 0:
            raise ArgumentError(f"Sequential: non-positive multiplication factor {other}")
        return other

    def __mul__(self, other: int) -> "Sequential":
        """``seq * n``: the same modules (shared, not copied) ``n`` times over, as in PyTorch."""
        return Sequential(*(list(self) * self._times(other)))

    def __rmul__(self, other: int) -> "Sequential":
        return self.__mul__(other)

    def __imul__(self, other: int) -> "Sequential":
        return self.extend(list(self) * (self._times(other) - 1))


def _repr_blocks(module: Module) -> str:
    """PyTorch's ModuleList repr: runs of children with equal reprs are folded into ``(i-j): n x <repr>``."""
    reprs = [repr(m) for m in module._modules.values()]
    if not reprs:
        return type(module).__name__ + "()"
    blocks: list[list[Any]] = [[0, 0, reprs[0]]]
    for i, r in enumerate(reprs[1:], 1):
        if r == blocks[-1][2]:
            blocks[-1][1] = i
        else:
            blocks.append([i, i, r])
    lines = []
    for start, end, r in blocks:
        line = f"({start}): {r}" if start == end else f"({start}-{end}): {end - start + 1} x {r}"
        lines.append(_addindent(line, 2))
    return type(module).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class ModuleList(Module):
    """A list of modules whose parameters belong to the owning module (a plain list would hide them).

    It has no ``forward``: iterate over it in the owner's ``forward``.

    >>> from numnet import nn
    >>> blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    >>> len(blocks), len(list(blocks.parameters()))
    (3, 6)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice):
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self._modules[str(_index(idx, len(self), "ModuleList"))] = _check_module(module, "ModuleList")

    def __delitem__(self, idx: int | slice) -> None:
        items = list(self._modules.values())
        if isinstance(idx, slice):
            del items[idx]
        else:
            del items[_index(idx, len(self), "ModuleList")]
        _renumber(self._modules, items)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> "ModuleList":
        return ModuleList(chain(self, other))

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self)), _check_module(module, "ModuleList.append"))
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        for m in _modules_iterable(modules, "ModuleList.extend"):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        _check_module(module, "ModuleList.insert")
        items = list(self._modules.values())
        items.insert(index, module)
        _renumber(self._modules, items)

    def pop(self, key: int | slice) -> Module:
        """Remove the module at ``key`` and return it (keys are renumbered)."""
        v = self[key]
        del self[key]
        return v

    def __repr__(self) -> str:
        return _repr_blocks(self)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise ArgumentError("ModuleList has no forward; iterate over it and call each module")


def _pairs(items: Any, where: str) -> Iterator[tuple[Any, Any]]:
    """``(key, value)`` pairs of a mapping or of an iterable of pairs, checked as PyTorch does."""
    if not isinstance(items, _Iterable):
        raise DTypeError(f"{where}: expected a mapping or an iterable of key/value pairs, got {type(items).__name__}")
    if isinstance(items, (Mapping, ModuleDict, ParameterDict)):
        yield from items.items()
        return
    for j, pair in enumerate(items):
        if not isinstance(pair, _Iterable) or isinstance(pair, (str, Tensor)):
            raise DTypeError(f"{where}: sequence element #{j} should be a (key, value) pair, got "
                             f"{type(pair).__name__}")
        pair = tuple(pair)
        if len(pair) != 2:
            raise ArgumentError(f"{where}: sequence element #{j} has length {len(pair)}; 2 is required")
        yield pair


class ModuleDict(Module):
    """An ordered dict of modules whose parameters belong to the owning module (like ``torch.nn.ModuleDict``).

    Keys are strings (they become the children's names and the ``state_dict`` prefixes); the order of insertion is
    kept, also for a plain ``dict``. It has no ``forward``.

    >>> from numnet import nn
    >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    >>> list(heads), list(heads.state_dict())
    (['cls', 'box'], ['cls.weight', 'cls.bias', 'box.weight', 'box.bias'])
    """

    def __init__(self, modules: "Mapping[str, Module] | Iterable[tuple[str, Module]] | None" = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Any:
        return self._modules.keys()

    def items(self) -> Any:
        return self._modules.items()

    def values(self) -> Any:
        return self._modules.values()

    def update(self, modules: "Mapping[str, Module] | Iterable[tuple[str, Module]]") -> None:
        """Add (or overwrite) the modules of a mapping or an iterable of ``(key, module)`` pairs, in their order."""
        for key, module in _pairs(modules, "ModuleDict.update"):
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise ArgumentError("ModuleDict has no forward; index it and call a module")


def _param_line(key: Any, p: Any) -> str:
    """PyTorch's one-line description of an entry of a parameter container (NumPy's dtype name here)."""
    if isinstance(p, Tensor):
        kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
        return f"  ({key}): {kind} containing: [{p.dtype} of size {'x'.join(str(d) for d in p.shape)}]"
    return f"  ({key}): Object of type: {type(p).__name__}"


def _as_param(value: Any) -> Any:
    # PyTorch turns a plain Tensor into a Parameter (sharing its data); any other object is stored as it is
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value


class ParameterList(Module):
    """A list of parameters registered with the owning module (like ``torch.nn.ParameterList``).

    A plain Tensor put in (by the constructor, ``append``, ``extend`` or ``lst[i] = t``) becomes a
    :class:`Parameter` sharing its data; other objects are kept as they are (a Module becomes a child), as in
    PyTorch. Entries are named ``"0"``, ``"1"``, ... in ``state_dict``. Calling it raises.

    >>> import numnet
    >>> from numnet import nn
    >>> ps = nn.ParameterList([nn.Parameter(numnet.zeros(2, 3)), numnet.ones(3)])
    >>> len(ps), type(ps[1]).__name__, list(ps.state_dict())
    (2, 'Parameter', ['0', '1'])
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _key(self, idx: Any) -> str:
        return str(_index(idx, len(self), "ParameterList"))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            out = self.__class__()
            for i in range(*idx.indices(len(self))):
                out.append(self[i])
            return out
        return getattr(self, self._key(idx))

    def __setitem__(self, idx: int, param: Any) -> None:
        setattr(self, self._key(idx), _as_param(param))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return iter([self[i] for i in range(len(self))])

    def __iadd__(self, parameters: Iterable[Any]) -> "ParameterList":
        return self.extend(parameters)

    def append(self, value: Any) -> "ParameterList":
        """Add ``value`` at the end (a Tensor becomes a Parameter)."""
        self._size += 1
        try:
            self[self._size - 1] = value
        except Exception:
            self._size -= 1
            raise
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        """Append every value of an iterable (not a single Tensor)."""
        if not isinstance(values, _Iterable) or isinstance(values, Tensor):
            raise DTypeError(f"ParameterList.extend: expected an iterable, got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_param_line(k, p) for k, p in enumerate(self))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ArgumentError("ParameterList should not be called")


class ParameterDict(Module):
    """An ordered dict of parameters registered with the owning module (like ``torch.nn.ParameterDict``).

    Keys are strings; a plain Tensor put in becomes a :class:`Parameter`. As in PyTorch, :meth:`update` (and so the
    constructor) keeps the order of an ``OrderedDict``, a ``ParameterDict`` or an iterable of pairs, but takes the
    items of any other mapping (a plain ``dict``) in sorted key order. Calling it raises.

    >>> import numnet
    >>> from numnet import nn
    >>> pd = nn.ParameterDict({"right": numnet.ones(2), "left": numnet.zeros(2)})
    >>> list(pd), list(pd.state_dict())
    (['left', 'right'], ['left', 'right'])
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _attr(key: Any) -> str:
        if not isinstance(key, str):
            raise DTypeError(f"ParameterDict: expected key to be a string, got {type(key).__name__} {key!r}")
        return key

    def __getitem__(self, key: str) -> Any:
        attr = self._attr(key)
        if attr not in self._keys:
            raise KeyError(key)
        return getattr(self, attr)

    def __setitem__(self, key: str, value: Any) -> None:
        attr = self._attr(key)
        setattr(self, attr, _as_param(value))
        self._keys[attr] = None

    def __delitem__(self, key: str) -> None:
        attr = self._attr(key)
        del self._keys[attr]
        delattr(self, attr)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def copy(self) -> "ParameterDict":
        """A new ParameterDict holding the same parameters (not copies of them)."""
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for k in list(self._keys):
            del self[k]

    def pop(self, key: str) -> Any:
        v = self[key]
        del self[key]
        return v

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted ``(key, parameter)`` pair."""
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        k = next(reversed(self._keys))
        return k, self.pop(k)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> "ParameterDict":
        return ParameterDict((k, default) for k in keys)

    def keys(self) -> Any:
        return self._keys.keys()

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((k, self[k]) for k in self._keys)

    def values(self) -> Iterator[Any]:
        return (self[k] for k in self._keys)

    def update(self, parameters: Any) -> None:
        """Add (or overwrite) entries; a plain dict's items are taken in sorted key order, as in PyTorch."""
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict):
            if not all(isinstance(k, str) for k in parameters):
                for k in parameters:
                    self._attr(k)
            parameters = sorted(parameters.items())
        for key, value in _pairs(parameters, "ParameterDict.update"):
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(_param_line(k, p) for k, p in self.items())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ArgumentError("ParameterDict should not be called")

    def __or__(self, other: "ParameterDict") -> "ParameterDict":
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: "ParameterDict") -> "ParameterDict":
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other: "ParameterDict") -> "ParameterDict":
        self.update(other)
        return self
