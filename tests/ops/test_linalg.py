"""Matrix product (numnet/ops/linalg.py via ``@``/``matmul``) against PyTorch: 1-D, 2-D, batched, broadcast batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
from numnet.testing import gradcheck
from tests.ops.test_elementwise import DTYPES, compare

SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
    ((1, 3, 4), (2, 4, 1)),
]


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul_matches_torch(shapes, dtype):
    a, b = _x(shapes[0]), _x(shapes[1], 1)
    compare(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], dtype, what=f"matmul{shapes}")
    compare(lambda x, y: x.matmul(y), torch.matmul, [a, b], dtype, grad=[False, True], what=f"matmul{shapes}")


@pytest.mark.parametrize("shapes", SHAPES[:4] + SHAPES[6:7], ids=str)
def test_gradcheck(shapes):
    a = numnet.tensor(_x(shapes[0], 2), requires_grad=True)
    b = numnet.tensor(_x(shapes[1], 3), requires_grad=True)
    gradcheck(lambda x, y: x @ y, [a, b], name="matmul")


def test_matmul_with_numpy_operand_and_reuse():
    a = numnet.tensor(_x((3, 3)), requires_grad=True)
    out = (a @ a) @ np.eye(3)
    ref_a = torch.tensor(_x((3, 3)), requires_grad=True)
    ref = ref_a @ ref_a
    out.sum().backward()
    ref.sum().backward()
    assert np.allclose(out._data, ref.detach().numpy(), atol=1e-12)
    assert np.allclose(a.grad._data, ref_a.grad.numpy(), atol=1e-12)
    assert isinstance(np.eye(3) @ a, numnet.Tensor)


def test_matmul_float32_stays_float32_and_mixed_dtypes_promote():
    a = numnet.tensor(_x((2, 3)).astype(np.float32), requires_grad=True)
    b = numnet.tensor(_x((3, 2)), requires_grad=True)
    assert (a @ a.T).dtype == np.float32
    out = a @ b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_matmul_errors_name_shapes():
    with pytest.raises(numnet.ShapeError, match=r"matmul: shapes \(2, 3\) and \(4, 2\) cannot be multiplied: expected "
                                                r"the first operand's last dim \(3\) to equal the second's "
                                                r"second-to-last dim \(4\)"):
        numnet.zeros(2, 3) @ numnet.zeros(4, 2)
    with pytest.raises(numnet.ShapeError, match=r"matmul: shapes \(3,\) and \(4,\) .* second's first dim \(4\)"):
        numnet.zeros(3).matmul(numnet.zeros(4))
    with pytest.raises(numnet.ShapeError, match=r"matmul: batch dims \(2,\) and \(5,\) of shapes \(2, 3, 4\) and "
                                                r"\(5, 4, 2\) cannot be broadcast together"):
        numnet.zeros(2, 3, 4) @ numnet.zeros(5, 4, 2)
    with pytest.raises(numnet.ShapeError, match=r"matmul: both operands need at least 1 dimension, got shapes \(\) "
                                                r"and \(3,\)"):
        numnet.tensor(2.0) @ numnet.zeros(3)
