"""Selection, sorting and index primitives: gather/scatter, index_select, masked_select, norms, cumprod, einsum.

Indices arrive as non-negative int64 arrays already checked against the sizes (the Tensor methods check them);
``axis`` is non-negative. Gathers and scatters address the input through flat positions (:func:`flat_positions`),
so a repeated index adds its gradients with one ``np.bincount``. Sorting, top-k and cummax/cummin are a gather
of the indices that the plain helpers here (:func:`sort_indices`, :func:`cummax_indices`) compute, so their
gradient is the gather's.
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function
from numnet.ops.elementwise import unbroadcast


# ---------------------------------------------------------------------- plain helpers (no autograd)
def flat_positions(shape: tuple[int, ...], index: np.ndarray, axis: int) -> np.ndarray:
    """For each element of ``index`` (same ndim as ``shape``, no larger than it outside ``axis``), its flat
    position in an array of ``shape``: coordinate ``index[...]`` along ``axis``, its own coordinate elsewhere."""
    if len(shape) == 0:
        return np.zeros(index.shape, dtype=np.int64)
    strides = np.ones(len(shape), dtype=np.int64)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    flat = index.astype(np.int64) * strides[axis]
    for d, n in enumerate(index.shape):
        if d != axis and n > 1:
            coord = np.arange(n, dtype=np.int64).reshape([-1 if i == d else 1 for i in range(index.ndim)])
            flat = flat + coord * strides[d]
    return np.broadcast_to(flat, index.shape)


def scatter_add_flat(size: int, flat: np.ndarray, values: np.ndarray, dtype) -> np.ndarray:
    """``out[flat[i]] += values[i]`` into zeros of ``size`` elements (repeats add up)."""
    if values.dtype.kind == "f" and values.size:
        return np.bincount(flat.ravel(), weights=np.ravel(values), minlength=size).astype(dtype, copy=False)
    out = np.zeros(size, dtype=dtype)
    np.add.at(out, flat.ravel(), np.ravel(values))
    return out


def region(index_shape: tuple[int, ...]) -> tuple[slice, ...]:
    """The leading block of an array that ``index_shape`` covers (``src`` of scatter may be larger)."""
    return tuple(slice(0, n) for n in index_shape)


def sort_indices(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """A stable argsort along ``axis``: ties keep their order, NaN counts as the largest value (as in PyTorch)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    flipped = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - flipped, axis)


def cummax_indices(a: np.ndarray, axis: int, minimum: bool) -> np.ndarray:
    """Where the running max (min) along ``axis`` was last attained, PyTorch's tie rule (the latest index);
    a NaN is the running value from there on, its index the latest NaN."""
    run = np.minimum.accumulate if minimum else np.maximum.accumulate
    best = run(a, axis=axis)
    hit = (a == best)
    if a.dtype.kind == "f":
        hit |= np.isnan(a)
    shape = [1] * a.ndim
    shape[axis] = a.shape[axis]
    pos = np.arange(a.shape[axis], dtype=np.int64).reshape(shape)
    return np.maximum.accumulate(np.where(hit, pos, 0), axis=axis)


# ---------------------------------------------------------------------- gather / scatter
class GatherOp(Function):
    """z[i…] = a[i…] with coordinate ``index[i…]`` along ``axis`` (torch.gather);  ∂L/∂a scatters g back to
    the gathered positions, adding where an index repeats."""

    def forward(self, a, index=None, axis=0):
        self.flat, self.shape = flat_positions(a.shape, index, axis), a.shape
        return np.take(a, self.flat)

    def backward(self, g):
        size = int(np.prod(self.shape, dtype=np.int64))
        return scatter_add_flat(size, self.flat, g, g.dtype).reshape(self.shape)


class ScatterOp(Function):
    """z = a with z[i…] (coordinate ``index[i…]`` along ``axis``) replaced by src[i…] (torch.scatter);
    ∂L/∂a = g with the written positions zeroed, ∂L/∂src = g gathered at those positions (0 outside the block
    ``index`` covers). With repeated indices the last write wins; PyTorch leaves that order unspecified."""

    def forward(self, a, src, index=None, axis=0):
        self.flat, self.src_shape, self.index_shape = flat_positions(a.shape, index, axis), src.shape, index.shape
        out = np.array(a, copy=True)
        out.reshape(-1)[self.flat.ravel()] = np.ravel(src[region(index.shape)])
        return out

    def backward(self, g):
        ga = gs = None
        if self.needs_input_grad[0]:
            ga = np.array(g, copy=True)
            ga.reshape(-1)[self.flat.ravel()] = 0
        if self.needs_input_grad[1]:
            gs = np.zeros(self.src_shape, dtype=g.dtype)
            gs[region(self.index_shape)] = np.take(g, self.flat)
        return ga, gs


class ScatterAddOp(Function):
    """z = a, then z[i…] += src[i…] at coordinate ``index[i…]`` along ``axis`` (torch.scatter_add);
    ∂L/∂a = g, ∂L/∂src = g gathered at the positions written."""

    def forward(self, a, src, index=None, axis=0):
        self.flat, self.src_shape, self.index_shape = flat_positions(a.shape, index, axis), src.shape, index.shape
        added = scatter_add_flat(a.size, self.flat, src[region(index.shape)], a.dtype)
        return a + added.reshape(a.shape)

    def backward(self, g):
        gs = None
        if self.needs_input_grad[1]:
            gs = np.zeros(self.src_shape, dtype=g.dtype)
            gs[region(self.index_shape)] = np.take(g, self.flat)
        return g, gs


class IndexSelectOp(Function):
    """z = a taken at the 1-D ``index`` along ``axis``;  ∂L/∂a adds g back at those indices (repeats add)."""

    def forward(self, a, index=None, axis=0):
        self.index, self.axis, self.shape = index, axis, a.shape
        return np.take(a, index, axis=axis)

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(out, (slice(None),) * self.axis + (self.index,), g)
        return out


class MaskedSelectOp(Function):
    """z = the elements of a (broadcast with ``mask``) where mask holds, as a 1-D array in C order;
    ∂L/∂a puts g back at those places (summed over broadcast axes)."""

    def forward(self, a, mask=None):
        self.shape = np.broadcast_shapes(a.shape, mask.shape)
        self.mask, self.a_shape = np.broadcast_to(mask, self.shape), a.shape
        return np.broadcast_to(a, self.shape)[self.mask]

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        out[self.mask] = g
        return unbroadcast(out, self.a_shape)


# ---------------------------------------------------------------------- norms and running products
def _keep(out: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    if keepdims:
        return out
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


class NormOp(Function):
    """z = ‖a‖_p over ``axis``: (Σ|a|ᵖ)^(1/p); p = inf/−inf: max/min |a|; p = 0: the count of non-zeros.

    ∂z/∂a = sign(a)·|a|^(p−1) / z^(p−1), 0 where a = 0 (for p < 1) or z = 0 (PyTorch's subgradient: the 2-norm of
    a zero vector has gradient 0); p = 1: sign(a); p = ±inf: sign(a) shared evenly among the entries that attain
    the max (min) |a|; p = 0: 0.
    """

    def forward(self, a, p=2.0, axis=None, keepdims=False):
        self.a, self.p, self.axis, self.keepdims = a, p, axis, keepdims
        x = np.abs(a)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                out = np.sqrt(np.square(x).sum(axis=axis, keepdims=True))
            elif p == 1:
                out = x.sum(axis=axis, keepdims=True)
            elif p == np.inf:
                out = x.max(axis=axis, keepdims=True, initial=0)
            elif p == -np.inf:
                out = x.min(axis=axis, keepdims=True)
            elif p == 0:
                out = (x != 0).sum(axis=axis, keepdims=True).astype(a.dtype)
            else:
                out = np.power(np.power(x, p).sum(axis=axis, keepdims=True), 1.0 / p)
        self.out = out.astype(a.dtype, copy=False)
        return _keep(self.out, axis, keepdims)

    def backward(self, g):
        a, p, out = self.a, self.p, self.out
        if not self.keepdims:
            g = np.reshape(g, out.shape)
        zero = np.zeros((), dtype=g.dtype)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 0:
                return np.zeros(a.shape, dtype=g.dtype)
            if p == 1:
                return g * np.sign(a)
            if p in (np.inf, -np.inf):
                hit = np.abs(a) == out
                return g * np.sign(a) * hit / hit.sum(axis=self.axis, keepdims=True)
            if p == 2:
                scale = np.where(out == 0, zero, g / out)
                return a * scale
            x = np.abs(a)
            local = np.where(a == 0, zero, np.sign(a) * np.power(x, p - 1))
            scale = np.where(out == 0, zero, g * np.power(out, 1 - p))
            return local * scale


class CumprodOp(Function):
    """z_k = Π_{i≤k} a_i along ``axis``;  ∂L/∂a_k = Σ_{j≥k} g_j Π_{i≤j, i≠k} a_i, exact with zeros.

    Before a row's first zero z: Σ_{j≥k} g_j z_j / a_k (a reversed cumulative sum). At the first zero: the same sum
    over the running product with that zero replaced by 1. After it: 0 (every product holds the zero).
    """

    def forward(self, a, axis=0):
        self.a, self.axis = a, axis
        self.out = np.cumprod(a, axis=axis)
        return self.out

    def backward(self, g):
        a, axis, out = self.a, self.axis, self.out

        def revcumsum(v):
            return np.flip(np.cumsum(np.flip(v, axis), axis=axis), axis)

        zero = a == 0
        if not zero.any():
            return revcumsum(g * out) / a
        shape = [1] * a.ndim
        shape[axis] = a.shape[axis]
        pos = np.arange(a.shape[axis]).reshape(shape)
        has = zero.any(axis=axis, keepdims=True)
        first = np.where(has, np.argmax(zero, axis=axis, keepdims=True), a.shape[axis])
        before = revcumsum(g * out) / np.where(zero, np.ones((), a.dtype), a)
        at_first = pos == first
        b = np.where(at_first, np.ones((), a.dtype), a)
        at = revcumsum(g * np.cumprod(b, axis=axis))
        return np.where(pos < first, before, np.where(at_first, at, np.zeros((), g.dtype)))


# ---------------------------------------------------------------------- einsum
class EinsumOp(Function):
    """z = einsum(``inputs`` → ``output``) over explicit letter subscripts (ellipses already spelled out and size-1
    broadcast axes already squeezed by the caller, so each letter has one size across the operands).

    ∂L/∂a_i = einsum(g, the other operands → a_i's letters). A letter that only a_i has (summed in the forward)
    comes back by a ones operand of its size (the gradient is broadcast along it); a letter repeated within a_i
    (a diagonal) is computed once and written onto the diagonal of zeros.
    """

    def forward(self, *arrays, inputs=(), output=""):
        self.inputs, self.output = inputs, output
        self.arrays = arrays if any(self.needs_input_grad) else ()
        out = np.einsum(",".join(inputs) + "->" + output, *arrays, optimize=len(arrays) > 2)
        out = np.asarray(out)
        if any(np.may_share_memory(out, a) for a in arrays):
            out = out.copy()
        return out

    def _grad(self, i: int, g: np.ndarray) -> np.ndarray:
        term, a = self.inputs[i], self.arrays[i]
        unique = "".join(dict.fromkeys(term))
        terms, ops = [self.output], [g]
        for j, (t, b) in enumerate(zip(self.inputs, self.arrays)):
            if j != i:
                terms.append(t)
                ops.append(b)
        seen = set("".join(terms))
        lonely = "".join(c for c in unique if c not in seen)
        if lonely:
            size = {c: n for c, n in zip(term, a.shape)}
            terms.append(lonely)
            ops.append(np.ones([size[c] for c in lonely], dtype=g.dtype))
        r = np.einsum(",".join(terms) + "->" + unique, *ops, optimize=len(ops) > 2)
        if len(unique) == len(term):
            return r
        out = np.zeros(a.shape, dtype=g.dtype)
        place = [np.arange(n).reshape([-1 if q == unique.index(c) else 1 for q in range(len(unique))])
                 for c, n in zip(term, a.shape)]
        out[tuple(place)] = r
        return out

    def backward(self, g):
        return tuple(self._grad(i, g) if need else None for i, need in enumerate(self.needs_input_grad))
