"""Containers: :class:`Sequential` (a chain of modules, itself a module) and :class:`ModuleList` (a list of modules
that registers them)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any, Iterable, Iterator, overload

from numnet import kernels
from numnet.errors import ArgumentError, DTypeError
from numnet.nn.fusion import relu_pool_plan
from numnet.nn.module import Module


def _check_module(value: Any, where: str) -> Module:
    if not isinstance(value, Module):
        raise DTypeError(f"{where}: expected a numnet.nn.Module, got {type(value).__name__}")
    return value


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
        for m in modules:
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
        return ModuleList(list(self) + list(other))

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self)), _check_module(module, "ModuleList.append"))
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise DTypeError("ModuleList.extend: expected an iterable of modules, got a single "
                             f"{type(modules).__name__}")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        _check_module(module, "ModuleList.insert")
        items = list(self._modules.values())
        items.insert(index, module)
        _renumber(self._modules, items)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise ArgumentError("ModuleList has no forward; iterate over it and call each module")
