"""The autograd engine (numnet/autograd.py): graph order, accumulation, reuse, retain_graph, no_grad, Function."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import numnet
from numnet.ops.activation import ReLUOp
from numnet.autograd import Function, _topological_order, enable_grad, set_grad_enabled


def test_chain_of_100000_ops_backward_without_recursion_error():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1, 1]
    assert y.tolist() == [100_001, 100_002]


def test_topological_order_puts_every_tensor_after_its_inputs():
    x = numnet.tensor([1.0], requires_grad=True)
    a = x * 2
    b = a + x
    c = b * a
    d = c + b
    order = _topological_order(d)
    pos = {id(t): i for i, t in enumerate(order)}
    for t in order:
        if t.grad_fn is not None:
            for p in t._ctx.parents:
                if p.requires_grad:
                    assert pos[id(p)] < pos[id(t)]
    assert len(order) == 5


def test_diamond_graph_matches_torch():
    def f(lib_x):
        a = lib_x * 3.0
        b = a * a
        c = a + b
        d = c * b + a
        return (d / (1.0 + c)).sum()

    x = numnet.tensor([0.5, -1.5], dtype=np.float64, requires_grad=True)
    tx = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    f(x).backward()
    f(tx).backward()
    assert np.allclose(x.grad._data, tx.grad.numpy(), rtol=0, atol=1e-12)


def test_reuse_b_equals_a_plus_a_counts_both_uses():
    a = numnet.tensor([3.0], requires_grad=True)
    b = a + a
    b.backward()
    assert a.grad.tolist() == [2]
    c = numnet.tensor([3.0], requires_grad=True)
    (c * c * c).backward()
    assert c.grad.tolist() == [27]


def test_gradients_accumulate_across_backward_calls():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3 + 2, 3 + 4]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3, 3]


def test_backward_twice_without_retain_graph_raises_clear_runtime_error():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward: trying to backward through the graph a second time .*"
                                           "pass retain_graph=True"):
        y.backward()
    assert x.grad.tolist() == [2, 4]  # the failed call changed nothing


def test_retain_graph_allows_a_second_backward():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4, 8]
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_partly_shared_graph_after_release_raises():
    x = numnet.tensor([1.0], requires_grad=True)
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match=r"second time \(through ExpBackward0\)"):
        (h * 3).sum().backward()


def test_backward_with_explicit_gradient_for_non_scalar():
    x = numnet.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(numnet.tensor([1.0, 0.0, 2.0]))
    assert x.grad.tolist() == [2, 0, 12]
    x.grad = None
    (x * 2).backward(np.array([1.0, 1.0, 1.0]))  # array-like is fine too
    assert x.grad.tolist() == [2, 2, 2] and x.grad.dtype == np.float32


def test_backward_on_non_scalar_without_gradient_raises():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(numnet.ShapeError, match=r"backward: gradient can be implicit only for a scalar output, "
                                                r"got shape \(2,\)"):
        (x * 2).backward()


def test_backward_with_wrong_gradient_shape_raises():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(numnet.ShapeError, match=r"backward: gradient has shape \(3,\) but the tensor has shape \(2,\)"):
        (x * 2).backward(numnet.ones(3))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="backward: tensor does not require grad and has no grad_fn"):
        numnet.tensor([1.0]).sum().backward()


def test_backward_on_a_leaf_and_on_one_element_non_scalar():
    x = numnet.tensor([[2.0]], requires_grad=True)
    x.backward()
    assert x.grad.tolist() == [[1]]
    (x * 5).backward()
    assert x.grad.tolist() == [[6]]


def test_retain_grad_keeps_intermediate_gradient():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6, 12] and x.grad.tolist() == [18, 36]


def test_inputs_not_requiring_grad_get_none():
    x = numnet.tensor([1.0], requires_grad=True)
    c = numnet.tensor([5.0])
    (x * c).sum().backward()
    assert c.grad is None and not c.requires_grad and x.grad.tolist() == [5]


def test_float32_gradients_stay_float32_through_float64_parts():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    y = (x.double() * numnet.tensor(np.array([1.0, 3.0]))).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1, 3]


# ---------------------------------------------------------------------- no_grad and friends
def test_no_grad_context_stops_recording_and_restores():
    x = numnet.tensor([1.0], requires_grad=True)
    with numnet.no_grad():
        y = x * 2
        assert not numnet.is_grad_enabled()
    assert numnet.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad


def test_ops_see_no_input_needing_grad_under_no_grad():
    """So a forward under no_grad saves nothing for backward (ReLU keeps no output, conv keeps no columns)."""
    x = numnet.tensor(np.array([[-1.0, 2.0]]), requires_grad=True)
    with numnet.no_grad():
        ctx = ReLUOp(x)
        assert ctx.needs_input_grad == (False,)
        ReLUOp.apply(x)
    assert ReLUOp(x).needs_input_grad == (True,)
    out = ReLUOp.apply(x)
    assert out._ctx.needs_input_grad == (True,) and "out" in out._ctx.__dict__


def test_no_grad_restores_on_exception():
    with pytest.raises(ValueError, match="boom"):
        with numnet.no_grad():
            raise ValueError("boom")
    assert numnet.is_grad_enabled()


def test_no_grad_as_decorator_with_and_without_parentheses():
    x = numnet.tensor([1.0], requires_grad=True)

    @numnet.no_grad()
    def f(t):
        return t * 2

    @numnet.no_grad
    def g(t):
        return t * 3

    @numnet.no_grad()
    def fails():
        raise KeyError("x")

    assert not f(x).requires_grad and not g(x).requires_grad
    assert f.__name__ == "f" and g.__name__ == "g"
    with pytest.raises(KeyError):
        fails()
    assert numnet.is_grad_enabled()


def test_nested_modes_and_reused_instance():
    ng = numnet.no_grad()
    with ng:
        with enable_grad():
            assert numnet.is_grad_enabled()
        with ng:
            assert not numnet.is_grad_enabled()
        assert not numnet.is_grad_enabled()
    assert numnet.is_grad_enabled()


def test_set_grad_enabled_sets_at_once_and_restores_as_context():
    with set_grad_enabled(False):
        assert not numnet.is_grad_enabled()
    assert numnet.is_grad_enabled()
    set_grad_enabled(False)
    assert not numnet.is_grad_enabled()
    set_grad_enabled(True)
    assert numnet.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with numnet.no_grad():
        t = threading.Thread(target=lambda: seen.append(numnet.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_detach_shares_data_and_cuts_the_graph():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d._data is y._data
    (y.sum() + (d * x).sum()).backward()
    assert x.grad.tolist() == [2 + 2, 2 + 4]


def test_int_tensor_cannot_require_grad():
    with pytest.raises(numnet.DTypeError, match="requires_grad: only floating-point tensors can require gradients, "
                                                "got dtype int64"):
        numnet.tensor([1, 2], requires_grad=True)
    with pytest.raises(numnet.DTypeError, match="got dtype bool"):
        numnet.tensor([True]).requires_grad_()


def test_non_leaf_cannot_drop_requires_grad():
    y = numnet.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(numnet.ArgumentError, match="requires_grad: cannot turn off gradients of a non-leaf"):
        y.requires_grad = False


# ---------------------------------------------------------------------- custom Functions
class _Cube(Function):
    def forward(self, a):
        self.a = a
        return a ** 3

    def backward(self, grad):
        return 3 * self.a ** 2 * grad


class _WrongShape(Function):
    def forward(self, a):
        return a * 2

    def backward(self, grad):
        return grad.sum(keepdims=True).reshape(1)


class _WrongCount(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad


class _SkipsUnneeded(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        assert self.needs_input_grad == (True, False)
        return grad * 2, None


def test_custom_function_apply_and_needs_input_grad():
    x = numnet.tensor([2.0], requires_grad=True)
    _Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [12]
    y = numnet.tensor([2.0], requires_grad=True)
    _SkipsUnneeded.apply(y, numnet.tensor([5.0])).sum().backward()
    assert y.grad.tolist() == [2]
    with numnet.no_grad():
        assert _Cube.apply(x).grad_fn is None


def test_engine_rejects_gradients_of_wrong_shape_or_count():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward: _WrongShape.backward returned a gradient of shape \(1,\) "
                                           r"for input 0 of shape \(2,\)"):
        _WrongShape.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"backward: _WrongCount.backward returned 1 gradient\(s\) for 2 input"):
        _WrongCount.apply(x, x).sum().backward()


def test_post_accumulate_grad_hook_sees_the_accumulated_grad_and_queue_callback_runs_last():
    """Tensor.register_post_accumulate_grad_hook (torch's) and autograd.queue_callback: what DDP builds on."""
    import torch

    from numnet.autograd import queue_callback

    w = numnet.tensor([1.0, 2.0], requires_grad=True)
    order = []
    w.register_post_accumulate_grad_hook(lambda t: order.append(("hook", t.grad.tolist())))
    (w * 3).sum().backward()
    queue_callback(lambda: None)  # outside backward: cleared by the next backward, never run late

    def first_hook(t):
        order.append(("hook2", t.grad.tolist()))
        queue_callback(lambda: order.append(("done", w.grad.tolist())))

    w.register_post_accumulate_grad_hook(first_hook)
    (w * w).sum().backward()
    assert order == [("hook", [3.0, 3.0]), ("hook", [5.0, 7.0]), ("hook2", [5.0, 7.0]), ("done", [5.0, 7.0])]
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    tw.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (tw * 3).sum().backward()
    (tw * tw).sum().backward()
    assert seen == [[3.0, 3.0], [5.0, 7.0]]
    with pytest.raises(RuntimeError, match="leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
