"""PyTorch as the reference: convert arrays both ways and compare with the project's tolerances.

torch is a test-only dependency (the ``test`` extra); numnet itself never imports it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet

torch.set_num_threads(2)

# float64: max abs diff <= 1e-9; float32: <= 1e-4 relative (to the reference's scale).
TOL = {np.float64: 1e-9, np.float32: 1e-4}


@pytest.fixture(autouse=True, scope="module")
def torch_one_thread():
    """Autouse in the modules that import it: their reference ops are tiny, and one torch thread avoids thread
    hand-offs (slow on a busy 2-core box)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def to_torch(x, requires_grad: bool = False) -> torch.Tensor:
    arr = x._data if isinstance(x, numnet.Tensor) else np.asarray(x)
    return torch.tensor(np.array(arr), requires_grad=requires_grad)


def assert_close(ours, ref, dtype=np.float64, what: str = "") -> None:
    """``ours`` (numnet tensor or array) equals ``ref`` (torch tensor or array) within the dtype's tolerance."""
    a = ours._data if isinstance(ours, numnet.Tensor) else np.asarray(ours)
    b = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != reference {b.shape}"
    if a.size == 0:
        return
    a, b = a.astype(np.float64), b.astype(np.float64)
    finite = np.isfinite(b)
    same_nonfinite = (np.isnan(a) & np.isnan(b)) | (a == b)
    assert np.all(finite | same_nonfinite), f"{what}: inf/nan positions differ from the reference"
    if not finite.any():
        return
    a, b = a[finite], b[finite]
    diff = np.max(np.abs(a - b))
    if np.dtype(dtype) == np.float64:
        limit = TOL[np.float64]
    else:
        limit = TOL[np.float32] * max(1.0, float(np.max(np.abs(b))))
    assert diff <= limit, f"{what}: max abs diff {diff:.3g} > {limit:.3g}"
