"""numnet.testing.gradcheck: passes on right gradients, and fails loudly (op, shapes, worst error) on wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

import numnet
from numnet.autograd import Function
from numnet.testing import gradcheck


def _x(shape, seed=0):
    return numnet.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


class _BrokenSquare(Function):
    """Forward x², backward deliberately wrong (x instead of 2x)."""

    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, grad):
        return grad * self.a


class _NaNGrad(Function):
    def forward(self, a):
        return a * 1

    def backward(self, grad):
        return grad * np.nan


def test_passes_for_correct_gradients_and_returns_true():
    assert gradcheck(lambda a, b: (a * b).exp() / (1.0 + b * b), [_x((2, 3)), _x((3,), 1)], name="mix") is True


def test_broken_backward_raises_naming_op_shapes_and_error():
    with pytest.raises(numnet.GradcheckError) as info:
        gradcheck(_BrokenSquare.apply, [_x((2, 3))], name="broken_square")
    msg = str(info.value)
    assert "gradcheck failed for broken_square" in msg
    assert "input shapes [(2, 3)]" in msg
    assert "worst error d/d(input 0) along element" in msg
    assert "autograd" in msg and "finite differences" in msg and "error " in msg
    assert isinstance(info.value, AssertionError) and isinstance(info.value, numnet.NumnetError)


def test_broken_backward_is_caught_along_random_directions_for_big_inputs():
    with pytest.raises(numnet.GradcheckError, match=r"input shapes \[\(10, 10\)\].*along random direction"):
        gradcheck(_BrokenSquare.apply, [_x((10, 10))], name="broken_big")


def test_report_names_the_worst_of_several_failures():
    x = numnet.tensor(np.array([0.01, 5.0]), requires_grad=True)  # both fail; the error (∝ |x|) is worst at [1]
    with pytest.raises(numnet.GradcheckError, match=r"worst error d/d\(input 0\) along element \(1,\)"):
        gradcheck(_BrokenSquare.apply, [x], name="worst")


def test_nan_gradient_fails():
    with pytest.raises(numnet.GradcheckError, match="autograd nan"):
        gradcheck(_NaNGrad.apply, [_x((3,))], name="nan")


def test_default_name_is_the_function_name():
    def my_op(a):
        return _BrokenSquare.apply(a)

    with pytest.raises(numnet.GradcheckError, match="gradcheck failed for my_op"):
        gradcheck(my_op, [_x((2,))])


def test_tuple_outputs_check_only_differentiable_ones_in_any_position():
    x = _x((3, 4), 2)
    assert gradcheck(lambda t: t.max(dim=1), [x], name="max_dim")  # (values, indices)
    assert gradcheck(lambda t: (t.argmax(dim=0), t.sum(dim=0) * 2), [x], name="indices_first")

    def broken_second(t):
        return t.argmax(dim=0), _BrokenSquare.apply(t)

    with pytest.raises(numnet.GradcheckError, match="broken_second"):
        gradcheck(broken_second, [x], name="broken_second")


def test_non_tensor_arguments_and_inputs_not_requiring_grad_pass_through():
    w = numnet.tensor(np.arange(3.0))
    assert gradcheck(lambda a, c, k: (a * c) ** k, [_x((3,)), w, 2], name="scaled_pow")


def test_float32_input_is_rejected():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(numnet.DTypeError, match="gradcheck: input 0 of f32 must be float64 for finite differences, "
                                                "got float32"):
        gradcheck(lambda t: t * 2, [x], name="f32")


def test_no_input_or_output_requiring_grad_is_rejected():
    with pytest.raises(numnet.ArgumentError, match="gradcheck: no input of none requires grad"):
        gradcheck(lambda t: t * 2, [numnet.tensor(np.ones(2))], name="none")
    with pytest.raises(numnet.ArgumentError, match="gradcheck: const returned no output that requires grad"):
        gradcheck(lambda t: t.argmax(), [_x((2,))], name="const")


@pytest.mark.parametrize("module", ["numnet.tensor", "numnet.autograd", "numnet.random", "numnet.testing",
                                    "numnet.ops.elementwise"])
def test_docstring_examples_run(module):
    import doctest
    import sys

    result = doctest.testmod(sys.modules[module], optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
