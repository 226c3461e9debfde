"""The API fuzzer's machinery: argument markers that build the same value for numnet and for PyTorch, the pool of
bad arguments, the call-and-classify step and the outcome counts. The table of entry points is in entries.py."""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

import numnet
import numnet.functional as nF
from numnet.errors import NumnetError

OUTCOMES = ("ok-error", "ok-equal", "ok-unchecked", "allowlisted", "silently-accepted", "raw", "silently-wrong",
            "unnamed-error")
COUNTS: Counter = Counter()
EXAMPLES: dict[str, list[str]] = {}


class Lib:
    """The library a call runs against: ``L.lib`` (numnet / torch), ``L.F``, ``L.nn``, ``L.optim``, ``L.data``."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "numnet":
            self.lib, self.F, self.nn, self.optim = numnet, nF, numnet.nn, numnet.optim
            self.sched = numnet.optim.lr_scheduler
            from numnet.data import DataLoader
            self.DataLoader = DataLoader
        else:
            self.lib, self.F, self.nn, self.optim = torch, torch.nn.functional, torch.nn, torch.optim
            self.sched = torch.optim.lr_scheduler
            self.DataLoader = torch.utils.data.DataLoader


NUMNET, TORCH = Lib("numnet"), Lib("torch")


@dataclass(frozen=True)
class Arr:
    """A tensor argument: the same NumPy data as a numnet and as a torch tensor."""
    data: np.ndarray = field(compare=False)
    label: str = ""
    requires_grad: bool = False

    def build(self, L: Lib) -> Any:
        t = L.lib.tensor(self.data.copy())
        if self.requires_grad:
            t.requires_grad_(True)
        return t

    def __repr__(self) -> str:
        return self.label or f"tensor{self.data.shape}:{self.data.dtype}"


@dataclass(frozen=True)
class DT:
    """A dtype argument by name (``DT("float32")`` is numnet.float32 / torch.float32)."""
    name: str

    def build(self, L: Lib) -> Any:
        return getattr(L.lib, self.name)


@dataclass(frozen=True)
class Params:
    """A list of parameters for an optimizer (one float tensor that requires grad)."""

    def build(self, L: Lib) -> Any:
        return [L.lib.zeros(3, requires_grad=True)]


def build(v: Any, L: Lib) -> Any:
    if isinstance(v, (Arr, DT, Params)):
        return v.build(L)
    if isinstance(v, list):
        return [build(i, L) for i in v]
    if isinstance(v, tuple):
        return tuple(build(i, L) for i in v)
    if isinstance(v, dict):
        return {k: build(i, L) for k, i in v.items()}
    if isinstance(v, np.ndarray):
        return v.copy()
    return v


def f32(*shape: int, seed: int = 0) -> Arr:
    return Arr(np.random.default_rng(seed).standard_normal(shape).astype(np.float32), f"f32{shape}")


def i64(*shape: int, high: int = 3) -> Arr:
    return Arr(np.random.default_rng(1).integers(0, high, shape).astype(np.int64), f"i64{shape}")


# Bad arguments every slot may draw (plus its own good values).
POOL: list[Any] = [None, "a", 2.9, math.nan, math.inf, -math.inf, 10 ** 400, -10 ** 400, 2 ** 63, -1, 0, -7, True,
                   False, np.ones(3, dtype=np.float32), [1, 2], (1.9, 1), f32(5), f32(2, 3, 4, 5, seed=3),
                   i64(2, 3), Arr(np.zeros(3, dtype=bool), "bool(3)"), DT("int64"), "cuda"]


@dataclass
class Entry:
    """One entry point: ``call(L, *args)`` runs it in library L; ``slots`` are the good values of each argument.

    ``compare``: "values" (shape, dtype and values equal torch's), "shape" (random results: shape and dtype),
    "none" (no torch reference: only the error classes are checked)."""
    name: str
    call: Callable[..., Any]
    slots: list[list[Any]]
    compare: str = "values"
    torch_call: Callable[..., Any] | None = None
    allow: list[tuple[str, str]] = field(default_factory=list)  # (regex on the args' repr, reason)
    fixed: int = 0  # the first ``fixed`` slots draw only good values (e.g. the Tensor a method is called on)
    differs: list[tuple[str, str]] = field(default_factory=list)  # (regex, reason): a documented different result


def _to_numpy(r: Any) -> Any:
    if isinstance(r, numnet.Tensor):
        return r.detach().numpy()
    if isinstance(r, torch.Tensor):
        return r.detach().numpy()
    return r


def _dtype_name(r: Any) -> str:
    return str(r.dtype).replace("torch.", "")


def _same(a: Any, b: Any, compare: str) -> str | None:
    """None if numnet's result ``a`` matches torch's ``b``, else what differs."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            return f"{len(a)} results vs torch's {len(b)}"
        for x, y in zip(a, b):
            d = _same(x, y, compare)
            if d:
                return d
        return None
    if isinstance(a, numnet.Tensor) and isinstance(b, torch.Tensor):
        if tuple(a.shape) != tuple(b.shape):
            return f"shape {tuple(a.shape)} vs torch's {tuple(b.shape)}"
        if _dtype_name(a) != _dtype_name(b):
            return f"dtype {_dtype_name(a)} vs torch's {_dtype_name(b)}"
        if compare == "values":
            x, y = _to_numpy(a), _to_numpy(b)
            if x.dtype.kind in "fc":
                if not np.allclose(x, y, rtol=1e-4, atol=1e-5, equal_nan=True) or \
                        not np.array_equal(np.isnan(x), np.isnan(y)) or \
                        not np.array_equal(np.isinf(x) & (x > 0), np.isinf(y) & (y > 0)):
                    return f"values differ: {x.ravel()[:6]} vs torch's {y.ravel()[:6]}"
            elif not np.array_equal(x, y):
                return f"values differ: {x.ravel()[:6]} vs torch's {y.ravel()[:6]}"
        return None
    if isinstance(a, (numnet.Tensor, torch.Tensor)) or isinstance(b, (numnet.Tensor, torch.Tensor)):
        return f"result {type(a).__name__} vs torch's {type(b).__name__}"
    if isinstance(a, (int, float, bool)) and isinstance(b, (int, float, bool)) and compare == "values":
        if not (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))):
            return f"{a!r} vs torch's {b!r}"
    return None


def _op_named(entry: Entry, msg: str) -> bool:
    """The message names the op: its first word(s) before ':' or the entry's name appears in it."""
    base = entry.name.split(".")[-1].split("[")[0].lower()
    low = msg.lower()
    return base in low or bool(re.match(r"^[\w.\[\]<> ]+: ", msg))


def run(entry: Entry, args: tuple) -> tuple[str, str]:
    """Call ``entry`` with ``args`` in numnet (and torch when numnet succeeds); return (outcome, detail)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                got = entry.call(NUMNET, *build(args, NUMNET))
            except NumnetError as exc:
                # OSError too: a missing folder is numnet's DataNotFoundError, a FileNotFoundError as in torchvision
                if not isinstance(exc, (ValueError, TypeError, RuntimeError, OSError)):
                    return "raw", f"{type(exc).__name__}: {exc}"
                if not _op_named(entry, str(exc)):
                    return "unnamed-error", f"{type(exc).__name__}: {exc}"
                return "ok-error", ""
            except Exception as exc:  # noqa: BLE001 — classifying it is the point
                return "raw", f"{type(exc).__name__}: {exc}"
            if entry.compare == "none":
                return "ok-unchecked", ""
            try:
                ref = (entry.torch_call or entry.call)(TORCH, *build(args, TORCH))
            except Exception as exc:  # noqa: BLE001
                shown = repr(args)
                for pattern, _reason in entry.allow:
                    if re.search(pattern, shown):
                        return "allowlisted", ""
                return "silently-accepted", f"torch raised {type(exc).__name__}: {str(exc)[:120]}"
            diff = _same(got, ref, entry.compare)
            if diff and any(re.search(pattern, repr(args)) for pattern, _reason in entry.differs):
                return "allowlisted", ""
            return ("silently-wrong", diff) if diff else ("ok-equal", "")


def record(entry: Entry, args: tuple) -> tuple[str, str]:
    outcome, detail = run(entry, args)
    COUNTS["calls"] += 1
    COUNTS[outcome] += 1
    if outcome in ("raw", "silently-wrong", "silently-accepted", "unnamed-error"):
        EXAMPLES.setdefault(outcome, [])
        if len(EXAMPLES[outcome]) < 400:
            EXAMPLES[outcome].append(f"{entry.name}{args!r}: {detail}")
    return outcome, detail
