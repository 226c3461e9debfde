"""Creating tensors and the free functions that join or select them: ``tensor``, ``zeros``, ``cat``, ``stack``,
``where``, ``einsum``, ``pad``, ... (PyTorch's names; re-exported as ``numnet.*``)."""

from __future__ import annotations

import builtins
import string
from typing import Any, Sequence

import numpy as np

from numnet import _validation as V
from numnet._dims import _broadcast_error, _norm_dim
from numnet._validation import integer, real
from numnet.device import as_device
from numnet.dtypes import ArrayLike, _same_dtype, as_dtype
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import elementwise as ew
from numnet.ops import select, shape
from numnet.tensor import Tensor, _to_array


def _make(arr: np.ndarray, op: str, device: Any, requires_grad: bool) -> Tensor:
    as_device(device, op)
    return Tensor(arr, requires_grad=requires_grad)


def _dt(dtype: Any, op: str, default: Any = None) -> np.dtype | None:
    if dtype is None:
        return None if default is None else np.dtype(default)
    return as_dtype(dtype, op)


def tensor(data: ArrayLike, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Make a tensor from data (copied). Python floats give float32, ints int64; float64 arrays stay float64.

    >>> import numnet, numpy as np
    >>> numnet.tensor([1.5, 2.0]).dtype, numnet.tensor(np.zeros(2)).dtype
    (dtype('float32'), dtype('float64'))

    Raises:
        DTypeError: for a bad ``dtype``, data that is not numeric, or ``requires_grad`` on a non-floating dtype.
        DeviceError: for a device other than the CPU.
    """
    arr = _array_from(data, _dt(dtype, "tensor"), "tensor")
    return _make(np.array(arr, copy=True), "tensor", device, requires_grad)


def _array_from(data: Any, dt: np.dtype | None, op: str) -> np.ndarray:
    """``data`` (a Tensor, array, number or nested sequence) as a numeric array of dtype ``dt`` (or by the dtype
    rule), refusing ragged or non-numeric data, ints outside int64, and nan/inf converted to an integer dtype
    (NumPy would give an arbitrary integer)."""
    if isinstance(data, Tensor):
        data = data._data
    if data is None:
        raise DTypeError(f"{op}: expected data to be a number, a (nested) sequence of numbers or an array, got None")
    src = None
    if dt is not None and dt.kind in "biu":
        try:
            src = _to_array(data)
        except (ValueError, TypeError):
            src = None
        if src is not None and src.dtype.kind in "fc" and not np.all(np.isfinite(src)):
            raise ArgumentError(f"{op}: cannot convert nan or inf to the integer dtype {dt}")
    try:
        arr = _to_array(data, dt)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DTypeError(f"{op}: expected data to be a number, a (nested) sequence of numbers or an array, "
                         f"got {type(data).__name__} ({exc})") from None
    if not isinstance(data, np.ndarray) and dt is None and (arr.dtype == np.uint64 or arr.dtype.kind == "O"):
        _int64_overflow(data, op)
    if arr.dtype.kind not in "biufc":
        raise DTypeError(f"{op}: expected numeric data, got dtype {arr.dtype} from {type(data).__name__}")
    return arr


def _int64_overflow(data: Any, op: str) -> None:
    """Raise on the first Python int of ``data`` (nested sequences) outside int64, as PyTorch does; NumPy would
    silently make uint64 (>= 2**63) or an object array."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            V.int64_scalar(item, op, "data")


def as_tensor(data: ArrayLike, dtype: Any = None, device: Any = None) -> Tensor:
    """Like :func:`tensor` but shares memory with a NumPy array (and returns a tensor as is) when it can."""
    as_device(device, "as_tensor")
    dt = _dt(dtype, "as_tensor")
    if isinstance(data, Tensor) and (dt is None or dt == data.dtype):
        return data
    return Tensor(_array_from(data, dt, "as_tensor"))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise DTypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _shape_arg(size: tuple, op: str = "size") -> tuple[int, ...]:
    """Sizes given as varargs or as one tuple/list (or ``()``), each a non-negative int (no floats, no bools)."""
    out = V.sizes(size, op)
    if any(n < 0 for n in out):
        raise ShapeError(f"{op}: expected non-negative sizes, got {out}")
    V.element_count(out, op, f"sizes {out}")
    return out


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros; ``size`` as separate ints or one tuple."""
    return _make(np.zeros(_shape_arg(size, "zeros"), dtype=_dt(dtype, "zeros", np.float32)), "zeros", device,
                 requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones; ``size`` as separate ints or one tuple."""
    return _make(np.ones(_shape_arg(size, "ones"), dtype=_dt(dtype, "ones", np.float32)), "ones", device,
                 requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor. numnet fills it with zeros (PyTorch leaves garbage), so it is deterministic."""
    return _make(np.zeros(_shape_arg(size, "empty"), dtype=_dt(dtype, "empty", np.float32)), "empty", device,
                 requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value (float32, int64 or bool) unless given."""
    fill_value = V.scalar(fill_value, "full", "fill_value")
    dt = _dt(dtype, "full") or _to_array(fill_value).dtype
    V.fits(fill_value, dt, "full", "fill_value")
    return _make(np.full(_shape_arg((size,), "full"), fill_value, dtype=dt), "full", device, requires_grad)


def _like(t: Tensor, op: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise DTypeError(f"{op}: expected input to be a Tensor, got {type(t).__name__}")
    return t


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "zeros_like")
    return _make(np.zeros(t.shape, dtype=_dt(dtype, "zeros_like") or t.dtype), "zeros_like", device, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "ones_like")
    return _make(np.ones(t.shape, dtype=_dt(dtype, "ones_like") or t.dtype), "ones_like", device, requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """``empty`` with ``input``'s shape and (unless given) dtype (zero-filled, see :func:`empty`)."""
    t = _like(input, "empty_like")
    return _make(np.zeros(t.shape, dtype=_dt(dtype, "empty_like") or t.dtype), "empty_like", device, requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "full_like")
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The ``n × m`` identity matrix (``m = n`` by default)."""
    n = integer(n, "eye", "n", 0)
    m = n if m is None else integer(m, "eye", "m", 0)
    return _make(np.eye(n, m, dtype=_dt(dtype, "eye", np.float32)), "eye", device, requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end`` (both included); float32 unless given."""
    steps = integer(steps, "linspace", "steps", 0)
    for name, v in (("start", start), ("end", end)):
        real(v, "linspace", name)
    return _make(np.linspace(float(start), float(end), steps).astype(_dt(dtype, "linspace", np.float32)),
                 "linspace", device, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``; float32 unless given."""
    steps = integer(steps, "logspace", "steps", 0)
    for name, v in (("start", start), ("end", end), ("base", base)):
        real(v, "logspace", name)
    arr = np.logspace(float(start), float(end), steps, base=float(base))
    return _make(arr.astype(_dt(dtype, "logspace", np.float32)), "logspace", device, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (excluding) ``end``: int64 for int arguments, else float32."""
    for name, v in (("start", start), ("end", end), ("step", step)):
        if v is not None or name != "end":  # only end may be left out
            real(v, "arange", name)
    if step == 0:
        raise ArgumentError("arange: expected step to be non-zero, got 0")
    lo, hi = (start, end) if end is not None else (0, start)
    if (hi - lo) * step < 0:  # PyTorch: "upper bound and lower bound inconsistent with step sign"
        raise ArgumentError(f"arange: expected step to have the sign of end - start, got start={lo!r}, end={hi!r}, "
                            f"step={step!r}")
    arr = np.arange(start, end, step) if end is not None else np.arange(0, start, step)
    dt = _dt(dtype, "arange")
    if dt is not None:
        arr = arr.astype(dt)
    elif arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    return _make(arr, "arange", device, requires_grad)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along ``dim``; all other sizes must match. Dtypes are promoted to a common one.

    Shape: ``(*, n_i, *)`` for each input → ``(*, Σ n_i, *)``.

    Raises:
        ArgumentError: for an empty sequence or a bad ``dim``.
        ShapeError: for 0-d tensors or sizes that differ outside ``dim``.
    """
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise DTypeError(V.expected("cat", "tensors", "a sequence of Tensors", got=type(tensors).__name__))
    tensors = [V.tensor(t, "cat", f"tensors[{i}]") for i, t in enumerate(tensors)]
    if not tensors:
        raise ArgumentError("cat: expected a non-empty sequence of tensors")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ShapeError(f"cat: tensor {i} is 0-d (shape ()); expected at least 1 dim (use stack)")
    axis = _norm_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != ref.ndim or t.shape[:axis] + t.shape[axis + 1:] != ref.shape[:axis] + ref.shape[axis + 1:]:
            raise ShapeError(f"cat: tensor {i} has shape {t.shape}, but tensor 0 has shape {ref.shape}: "
                             f"expected the same sizes in every dim except dim {dim}")
    return shape.CatOp.apply(*_same_dtype(tensors), axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dimension ``dim``.

    Shape: n inputs of shape ``S`` → ``S`` with ``n`` inserted at ``dim``.

    Raises:
        ArgumentError: for an empty sequence or a bad ``dim``.
        ShapeError: if the shapes differ.
    """
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise DTypeError(V.expected("stack", "tensors", "a sequence of Tensors", got=type(tensors).__name__))
    tensors = [V.tensor(t, "stack", f"tensors[{i}]") for i, t in enumerate(tensors)]
    if not tensors:
        raise ArgumentError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}; "
                             "expected all shapes equal")
    d = _norm_dim(dim, tensors[0].ndim + 1, "stack")
    return shape.StackOp.apply(*_same_dtype(tensors), axis=d)


def where(condition: Tensor | np.ndarray, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """Elementwise ``input`` where ``condition`` holds, else ``other``; gradients flow to the chosen side.

    With ``condition`` alone, ``condition.nonzero(as_tuple=True)``: a tuple of 1-D int64 index tensors, one per dim.

    Raises:
        ShapeError: if condition, input and other do not broadcast together.
        ArgumentError: if only one of input and other is given.
    """
    if input is None and other is None:
        cond = condition if isinstance(condition, Tensor) else Tensor(_to_array(condition))
        return cond.nonzero(as_tuple=True)
    if input is None or other is None:
        raise ArgumentError("where: expected both input and other (or neither, for where(condition) = "
                            "nonzero(as_tuple=True))")
    cond = V.bool_condition(condition, "where")
    if isinstance(input, Tensor):
        ref = input
    elif isinstance(other, Tensor):
        ref = other
    else:
        ref = Tensor(_to_array(input))
    a, b = _same_dtype((ref._lift(input), ref._lift(other)))
    _broadcast_error("where", cond.shape, a.shape, b.shape)
    return ew.WhereOp.apply(a, b, cond=cond)


_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _einsum_term(term: str, equation: str) -> tuple[str, bool, str]:
    """A subscript term split at its ellipsis: (letters before, has '...', letters after)."""
    before, ell, after = term.partition("...")
    if any(c not in _LETTERS for c in before + after):
        raise ArgumentError(V.expected("einsum", "each subscript", "letters a-z, A-Z and at most one '...'",
                                       term) + f" (in {equation!r})")
    return before, bool(ell), after


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``. Operands may also be
    given as one list. Each letter names a dimension; letters missing from the output (after ``->``) are summed; a
    letter repeated within one operand takes its diagonal (``"ii->i"``, ``"ii"`` is the trace); ``...`` stands for
    the remaining dims (broadcast across operands); without ``->`` the output is ``...`` followed by the letters
    that occur once, in alphabetical order (upper case first). Size-1 dims broadcast against the same letter.

    The gradient to each operand is an einsum of the output's gradient with the other operands. All operands must
    share a dtype (as in PyTorch). Not supported: the sublist form ``einsum(a, [0, 1], b, [1, 2])``.

    Raises:
        DTypeError: for an equation that is not a string, an operand that is not a tensor, or mixed dtypes.
        ArgumentError: for bad subscripts (not letters, several ``...``, an output letter that is in no input or
            is repeated, the wrong number of terms).
        ShapeError: for subscripts that do not match an operand's dims, or a letter with two different sizes.

    >>> import numnet
    >>> a = numnet.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> einsum("ii", a).item(), einsum("ij->j", a).tolist()
    (5.0, [4.0, 6.0])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise DTypeError(V.expected("einsum", "equation", "a string such as 'ij,jk->ik' (the sublist form is not "
                                    "supported)", got=type(equation).__name__))
    ops = [V.tensor(t, "einsum", f"operands[{i}]") for i, t in enumerate(operands)]
    if not ops:
        raise ArgumentError("einsum: expected at least one operand")
    for t in ops[1:]:
        if t.dtype != ops[0].dtype:
            raise DTypeError(f"einsum: expected all operands to have the same dtype, got {ops[0].dtype} and "
                             f"{t.dtype}")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise ArgumentError(f"einsum: expected at most one '->' in the equation, got {equation!r}")
    terms = [_einsum_term(t, equation) for t in lhs.split(",")]
    if len(terms) != len(ops):
        raise ArgumentError(f"einsum: the equation {equation!r} has {len(terms)} operand term(s) but "
                            f"{len(ops)} operand(s) were given")
    n_ell = []
    for i, ((before, ell, after), t) in enumerate(zip(terms, ops)):
        named = len(before) + len(after)
        if (t.ndim < named) if ell else (t.ndim != named):
            raise ShapeError(f"einsum: operand {i} has shape {t.shape} ({t.ndim} dims) but its subscripts "
                             f"{lhs.split(',')[i]!r} name {named}{' or more' if ell else ''}")
        n_ell.append(t.ndim - named if ell else 0)
    pool = [c for c in _LETTERS if c not in eq]
    n_max = builtins.max(n_ell)
    if n_max > len(pool):
        raise ArgumentError(f"einsum: '...' covers {n_max} dims, more than numnet can label")
    ell_letters = "".join(pool[:n_max])
    full = [before + ell_letters[n_max - n:] + after for (before, _, after), n in zip(terms, n_ell)]
    sizes: dict[str, int] = {}
    where_from: dict[str, int] = {}
    for i, (term, t) in enumerate(zip(full, ops)):
        mine: dict[str, int] = {}
        for c, n in zip(term, t.shape):
            label = "a '...' dim" if c in ell_letters else f"subscript {c!r}"
            if c in mine and mine[c] != n:
                raise ShapeError(f"einsum: {label} is repeated in operand {i} with sizes {mine[c]} and {n}")
            mine[c] = n
            if c in sizes and n != 1 and sizes[c] != 1 and sizes[c] != n:
                raise ShapeError(f"einsum: {label} has size {sizes[c]} in operand {where_from[c]} but {n} in "
                                 f"operand {i}")
            if c not in sizes or sizes[c] == 1:
                sizes[c], where_from[c] = n, i
    if arrow:
        before, ell, after = _einsum_term(rhs, equation)
        out = before + (ell_letters if ell else "") + after
        for c in out:
            if c not in sizes:
                raise ArgumentError(f"einsum: output subscript {c!r} of {equation!r} is in no input")
        if len(set(out)) != len(out):
            raise ArgumentError(f"einsum: the output subscripts of {equation!r} repeat a letter")
    else:
        named = "".join(b + a for b, _, a in terms)
        out = ell_letters + "".join(sorted(c for c in set(named) if named.count(c) == 1))
    inputs, tensors = [], []
    for term, t in zip(full, ops):
        keep = [k for k, c in enumerate(term) if not (t.shape[k] == 1 and sizes[c] > 1)]
        if len(keep) != len(term):  # a size-1 dim broadcast against the letter's size: drop it
            t = t.reshape(tuple(t.shape[k] for k in keep))
            term = "".join(term[k] for k in keep)
        inputs.append(term)
        tensors.append(t)
    return select.EinsumOp.apply(*tensors, inputs=tuple(inputs), output=out)


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise maximum; ties split the gradient in half (as ``torch.maximum``)."""
    return as_tensor(input).maximum(other)


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise minimum; ties split the gradient in half."""
    return as_tensor(input).minimum(other)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Constant padding with PyTorch's ``F.pad`` order: ``(left, right, top, bottom, ...)`` from the last dim back.

    Shape: dim ``-1-i`` grows by ``pad[2i] + pad[2i+1]``.

    Note: only ``mode="constant"`` and non-negative padding are supported.

    Raises:
        ArgumentError: for an odd-length or too long ``pad``, negative values, or another mode.

    >>> import numnet
    >>> pad(numnet.tensor([[1.0, 2.0]]), (1, 0)).tolist()
    [[0.0, 1.0, 2.0]]
    """
    if mode != "constant":
        raise ArgumentError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    pad = V.sizes(tuple(pad), "pad", "pad")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ArgumentError(f"pad: expected an even number of values, at most 2×{input.ndim} for a tensor of shape "
                            f"{input.shape}, got {pad}")
    if any(p < 0 for p in pad):
        raise ArgumentError(f"pad: expected non-negative padding, got {pad}")
    width = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        width[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    V.element_count([n + a + b for n, (a, b) in zip(input.shape, width)], "pad", f"padding {pad}")
    return shape.PadOp.apply(input, pad_width=tuple(width), value=0 if value is None else value)
