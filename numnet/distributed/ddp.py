"""``DistributedDataParallel``: data-parallel training, one model replica per MPI rank.

Every rank runs forward and backward on its own part of the global batch; the gradients are then averaged, so
every replica takes the same optimizer step and the replicas stay equal::

    ḡ = (1/R) Σ_r ∇L_r        (R ranks, L_r the loss of rank r's batch)

With equal per-rank batches and a mean loss, ḡ is exactly the gradient of the loss over the concatenated global
batch, which is what the equivalence tests check (to 1e-10 in float64).

How the average is computed:

- **Buckets.** The gradients are packed, in reverse registration order (roughly the order backward produces them),
  into contiguous buffers of at most ``bucket_cap_mb`` each, one dtype per bucket; one ``Allreduce`` per bucket
  instead of one per parameter.
- **Overlap.** A parameter's post-accumulate-grad hook copies its gradient into its bucket; when a bucket is full its
  non-blocking ``Iallreduce`` starts at once, while backward goes on with earlier layers. At the end of backward
  (:func:`numnet.autograd.queue_callback`) the rest are started and all are waited for, and each ``.grad`` becomes
  its slice of the averaged bucket. So when ``loss.backward()`` returns, the gradients are averaged and
  ``optimizer.step()`` needs nothing else. ``overlap=False`` starts every bucket only at the end (for comparison).
- A parameter that got no gradient in a step contributes zeros (every rank must take part in every bucket).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from numnet import autograd
from numnet.distributed._comm import Comm, DistributedError, bcast_tensors, get_comm
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["DistributedDataParallel"]


class _Bucket:
    """Contiguous storage for the gradients of some parameters of one dtype."""

    __slots__ = ("params", "offsets", "buffer", "ready", "request")

    def __init__(self, params: list, dtype: np.dtype):
        self.params = params
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.buffer = np.zeros(int(self.offsets[-1]), dtype=dtype)
        self.ready = 0
        self.request = None

    def view(self, k: int) -> np.ndarray:
        return self.buffer[self.offsets[k]:self.offsets[k + 1]]


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``backward`` averages its gradients over all ranks (PyTorch's name and use).

    At construction, rank 0's parameters and buffers are copied to every rank, after checking that all ranks hold
    the same parameter names, shapes and dtypes. Each ``forward`` also broadcasts rank 0's buffers (BatchNorm's
    running statistics) when ``broadcast_buffers`` is set, as PyTorch does.

    Args:
        module: the model (the same architecture on every rank).
        bucket_cap_mb: the largest bucket, in MiB (default 4).
        broadcast_buffers: copy rank 0's buffers to every rank at each forward (default True).
        overlap: start a bucket's allreduce as soon as its gradients are ready, during backward (default True).
        comm: the process group (default: :func:`numnet.distributed.init`).

    Raises:
        DistributedError: the ranks disagree about the model's parameters (names, shapes or dtypes).
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 4.0, broadcast_buffers: bool = True,
                 overlap: bool = True, comm: Comm | None = None):
        super().__init__()
        from numnet import _validation as V

        if not isinstance(module, Module):
            raise DistributedError(f"DistributedDataParallel: expected a numnet Module, got {type(module).__name__}")
        cap = V.real(bucket_cap_mb, "DistributedDataParallel", "bucket_cap_mb")
        if not cap > 0:
            raise DistributedError(f"DistributedDataParallel: expected bucket_cap_mb > 0, got {bucket_cap_mb!r}")
        V.boolean(broadcast_buffers, "DistributedDataParallel", "broadcast_buffers")
        V.boolean(overlap, "DistributedDataParallel", "overlap")
        self.module = module
        object.__setattr__(self, "_comm", comm or get_comm())
        object.__setattr__(self, "_opts", {"broadcast_buffers": broadcast_buffers, "overlap": overlap})
        self._check_same_model()
        self._broadcast(p for _, p in module.named_parameters())
        self._broadcast(b for _, b in module.named_buffers())
        params = [p for p in module.parameters() if p.requires_grad]
        object.__setattr__(self, "_buckets", _make_buckets(params, int(cap * 2**20)))
        where = {}
        for b in self._buckets:
            for k, p in enumerate(b.params):
                where[id(p)] = (b, k)
        object.__setattr__(self, "_where", where)
        object.__setattr__(self, "_pending", False)
        object.__setattr__(self, "_handles", [p.register_post_accumulate_grad_hook(self._grad_ready)
                                              for p in params])

    # -------------------------------------------------------------------------------------------- set-up
    @property
    def comm(self) -> Comm:
        return self._comm

    def _check_same_model(self) -> None:
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in self.module.named_parameters()]
        mine += [(n, tuple(b.shape), str(b.dtype)) for n, b in self.module.named_buffers()]
        everyone = self._comm.allgather(mine)
        for r, theirs in enumerate(everyone):
            if theirs != mine:
                diff = next((f"{a} on rank {self._comm.rank} but {b} on rank {r}" for a, b in zip(mine, theirs)
                             if a != b), f"{len(mine)} tensors on rank {self._comm.rank} but {len(theirs)} on rank {r}")
                raise DistributedError(f"DistributedDataParallel: the ranks hold different models: {diff}")

    def _broadcast(self, tensors: Iterator[Tensor]) -> None:
        bcast_tensors(self._comm, tensors)

    # --------------------------------------------------------------------------------------------- running
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self._opts["broadcast_buffers"] and self._comm.size > 1:
            self._broadcast(b for _, b in self.module.named_buffers())
        self._reset()
        return self.module(*args, **kwargs)

    def _reset(self) -> None:
        for b in self._buckets:
            b.ready, b.request = 0, None
        object.__setattr__(self, "_pending", False)

    def _grad_ready(self, p: Tensor) -> None:
        bucket, k = self._where[id(p)]
        if not self._pending:
            object.__setattr__(self, "_pending", True)
            autograd.queue_callback(self._finish)
        bucket.view(k)[...] = p.grad._data.reshape(-1)
        bucket.ready += 1
        if bucket.ready == len(bucket.params) and self._opts["overlap"] and bucket.request is None:
            bucket.request = self._comm.iallreduce_(bucket.buffer)
        elif self._opts["overlap"]:
            self._comm.test_all([b.request for b in self._buckets if b.request is not None])

    def _finish(self) -> None:
        """End of backward: start what has not started (zeros for parameters without a gradient), wait, average."""
        object.__setattr__(self, "_pending", False)
        for b in self._buckets:
            if b.request is None:
                if b.ready < len(b.params):
                    for k, p in enumerate(b.params):
                        if p.grad is None:
                            b.view(k)[...] = 0
                b.request = self._comm.iallreduce_(b.buffer)
        self._comm.wait_all([b.request for b in self._buckets])
        scale = 1.0 / self._comm.size
        for b in self._buckets:
            b.buffer *= scale
            for k, p in enumerate(b.params):
                avg = b.view(k).reshape(p.shape)
                if p.grad is None:
                    p.grad = Tensor(avg.copy())
                else:
                    p.grad._data[...] = avg
            b.request = None
            b.ready = 0

    def remove_hooks(self) -> None:
        """Stop averaging: unregister the gradient hooks (``fit(distributed=True)`` does this when it ends)."""
        for h in self._handles:
            h.remove()
        object.__setattr__(self, "_handles", [])

    def extra_repr(self) -> str:
        sizes = ", ".join(f"{b.buffer.nbytes / 2**20:.2f}" for b in self._buckets)
        return f"ranks={self._comm.size}, buckets=[{sizes}] MiB, overlap={self._opts['overlap']}"

    # state_dict and friends of the wrapped model, under its own names (so files load without the wrapper)
    def state_dict(self, *args: Any, **kwargs: Any) -> Any:
        return self.module.state_dict(*args, **kwargs)

    def load_state_dict(self, *args: Any, **kwargs: Any) -> Any:
        return self.module.load_state_dict(*args, **kwargs)


def _make_buckets(params: list, cap: int) -> list[_Bucket]:
    """Reverse registration order, split where the dtype changes or the cap would be passed."""
    buckets, current, size, dtype = [], [], 0, None
    for p in reversed(params):
        nbytes = p._data.nbytes
        if current and (p._data.dtype != dtype or size + nbytes > cap):
            buckets.append(_Bucket(current, dtype))
            current, size = [], 0
        current.append(p)
        size += nbytes
        dtype = p._data.dtype
    if current:
        buckets.append(_Bucket(current, dtype))
    return buckets
