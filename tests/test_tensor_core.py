"""The PyTorch drop-in tensor core (issue 11): dtypes and devices, creation, in place and versions, autograd API.

Every behaviour is checked against torch where torch has it."""

import numpy as np
import pytest
import torch

import numnet
from numnet.errors import ArgumentError, DeviceError, DTypeError, InPlaceError, ShapeError


def t64(values, requires_grad=False):
    return numnet.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------------- dtypes, devices
@pytest.mark.parametrize("method,dtype", [("float", np.float32), ("double", np.float64), ("half", np.float16),
                                          ("long", np.int64), ("int", np.int32), ("bool", np.bool_),
                                          ("short", np.int16)])
def test_dtype_methods_match_torch(method, dtype):
    data = [[1.5, -2.0], [0.0, 3.25]]
    ours = getattr(numnet.tensor(data), method)()
    ref = getattr(torch.tensor(data), method)()
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def test_to_forms_and_devices():
    x = numnet.tensor([1.0, 2.0])
    assert x.to(numnet.double).dtype == np.float64
    assert x.to("cpu") is x and x.to(numnet.device("cpu")) is x
    assert x.to("cpu", numnet.long).dtype == np.int64
    assert x.to(dtype=numnet.half, device="cpu").dtype == np.float16
    assert x.to(numnet.tensor([1], dtype=numnet.int32)).dtype == np.int32
    assert x.to(float).dtype == np.float64  # Python float means float64, as in torch
    assert x.to(numnet.float32, copy=True) is not x
    assert x.type_as(numnet.zeros(1, dtype=numnet.int16)).dtype == np.int16
    assert x.cpu() is x and x.device == numnet.device("cpu") and not x.is_cuda
    assert x.type() == torch.tensor([1.0]).type() and x.long().type() == torch.tensor([1]).type()
    with pytest.raises(DeviceError, match="cuda"):
        x.cuda()
    with pytest.raises(DeviceError, match="to: "):
        x.to("cuda")
    with pytest.raises(DTypeError, match="to: expected dtype to be a dtype"):
        x.to("abc")


def test_to_keeps_gradients_between_floats():
    x = t64([1.0, 2.0], requires_grad=True)
    y = x.float()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("fn", [lambda d: numnet.zeros(2, dtype=d), lambda d: numnet.tensor([1], dtype=d),
                                lambda d: numnet.randn(2, dtype=d), lambda d: numnet.full((2,), 1, dtype=d),
                                lambda d: numnet.eye(2, dtype=d), lambda d: numnet.arange(3, dtype=d),
                                lambda d: numnet.zeros_like(numnet.ones(1), dtype=d)])
def test_a_bad_dtype_is_a_dtype_error_naming_the_op(fn):
    with pytest.raises(DTypeError, match=r"^\w+: expected dtype"):
        fn("abc")


# ---------------------------------------------------------------------------------------------------- creation
def test_creation_matches_torch():
    cases = [
        (numnet.linspace(0, 1, 5), torch.linspace(0, 1, 5)),
        (numnet.logspace(0, 2, 3), torch.logspace(0, 2, 3)),
        (numnet.logspace(0, 3, 4, base=2), torch.logspace(0, 3, 4, base=2)),
        (numnet.eye(3), torch.eye(3)), (numnet.eye(2, 3), torch.eye(2, 3)),
        (numnet.full((2, 2), 7), torch.full((2, 2), 7)), (numnet.full([2], 1.5), torch.full([2], 1.5)),
        (numnet.zeros(()), torch.zeros(())), (numnet.ones([2, 3]), torch.ones([2, 3])),
        (numnet.tensor(3.0), torch.tensor(3.0)), (numnet.tensor(3), torch.tensor(3)),
        (numnet.arange(1, 2, 0.25), torch.arange(1, 2, 0.25)), (numnet.empty(2, 3), torch.zeros(2, 3)),
        (numnet.full_like(numnet.ones(2), 4), torch.full_like(torch.ones(2), 4)),
        (numnet.empty_like(numnet.ones(2, dtype=numnet.long)), torch.zeros(2, dtype=torch.long)),
        (numnet.zeros_like(numnet.ones(2, dtype=numnet.long)), torch.zeros_like(torch.ones(2, dtype=torch.long))),
    ]
    for ours, ref in cases:
        assert ours.shape == tuple(ref.shape) and str(ours.dtype) == str(ref.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)


def test_creation_options_and_validation():
    assert numnet.zeros(2, requires_grad=True, device="cpu").requires_grad
    assert numnet.tensor([1.0], requires_grad=True, device=numnet.device("cpu")).requires_grad
    for fn in (numnet.zeros, numnet.ones, numnet.empty, numnet.rand, numnet.randn):
        with pytest.raises(DeviceError):
            fn(2, device="cuda")
        with pytest.raises(DTypeError, match="size"):
            fn(2.5)
        with pytest.raises(DTypeError, match="size"):
            fn((2, 1.0))
    with pytest.raises(ShapeError):
        numnet.zeros(-1)
    with pytest.raises(DTypeError):
        numnet.tensor("abc")
    with pytest.raises(DTypeError):
        numnet.eye(2.0)
    with pytest.raises(ArgumentError):
        numnet.arange(0, 1, 0)


def test_random_functions_take_a_generator_and_like_forms():
    g = np.random.default_rng(0)
    a = numnet.randn(3, generator=g)
    b = numnet.randn(3, generator=np.random.default_rng(0))
    assert (a == b).all()
    x = numnet.zeros(2, 3, dtype=numnet.double)
    assert numnet.rand_like(x).dtype == np.float64 and numnet.randn_like(x).shape == (2, 3)
    r = numnet.randint_like(numnet.zeros(50, dtype=numnet.long), 3, 5)
    assert r.dtype == np.int64 and set(r.tolist()) <= {3, 4}
    assert numnet.randint(0, 3, (4,), dtype=numnet.int32).dtype == np.int32
    assert numnet.randperm(5, generator=g).dtype == np.int64
    with pytest.raises(DTypeError, match="generator"):
        numnet.rand(2, generator=3)


def test_normal_forms():
    numnet.manual_seed(0)
    assert numnet.normal(0.0, 1.0, (2, 3)).shape == (2, 3)
    m = numnet.zeros(4, dtype=numnet.double)
    assert numnet.normal(m, 1.0).shape == (4,) and numnet.normal(m, 1.0).dtype == np.float64
    assert numnet.normal(0.0, numnet.ones(3)).shape == (3,)
    big = numnet.normal(numnet.full((20000,), 2.0), numnet.full((20000,), 0.5))
    assert abs(big.mean().item() - 2.0) < 0.02 and abs(big.var().item() ** 0.5 - 0.5) < 0.02
    with pytest.raises(ArgumentError):
        numnet.normal(0.0, -1.0, (2,))
    with pytest.raises(ArgumentError):
        numnet.normal(0.0, 1.0)


# ---------------------------------------------------------------------------------------------------- in place
def test_sgd_step_under_no_grad_updates_in_place():
    w = numnet.ones(3, requires_grad=True)
    (w * w).sum().backward()
    before, mem = w, w._data
    with numnet.no_grad():
        w -= 0.1 * w.grad
        w *= 2
        w += 1
    assert w is before and w._data is mem and w.requires_grad and w.is_leaf
    tw = torch.ones(3, requires_grad=True)
    (tw * tw).sum().backward()
    with torch.no_grad():
        tw -= 0.1 * tw.grad
        tw *= 2
        tw += 1
    np.testing.assert_allclose(w.numpy() if not w.requires_grad else w.detach().numpy(), tw.detach().numpy())


def test_inplace_methods_match_torch():
    ops = [("add_", (2.0,), {"alpha": 3}), ("sub_", (1.0,), {"alpha": 2}), ("mul_", (3.0,), {}),
           ("div_", (4.0,), {}), ("zero_", (), {}), ("fill_", (5.0,), {}), ("clamp_", (0.0, 1.5), {}),
           ("pow_", (2,), {}), ("exp_", (), {})]
    for name, args, kw in ops:
        ours, ref = numnet.tensor([0.5, -1.0, 2.0]), torch.tensor([0.5, -1.0, 2.0])
        out = getattr(ours, name)(*args, **kw)
        getattr(ref, name)(*args, **kw)
        assert out is ours and ours._version == ref._version == 1, name
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6, err_msg=name)
    x = numnet.zeros(2, 2)
    x.copy_(numnet.tensor([1.0, 2.0]))
    assert x.tolist() == [[1.0, 2.0], [1.0, 2.0]]
    numnet.manual_seed(0)
    u = numnet.zeros(1000).uniform_(2, 3)
    n = numnet.zeros(1000).normal_(5, 0.1)
    assert 2 <= u.min().item() and u.max().item() < 3 and abs(n.mean().item() - 5) < 0.05
    with pytest.raises(DTypeError):
        numnet.zeros(2, dtype=numnet.long).add_(1.5)  # torch: result type Float can't be cast to Long


def test_inplace_on_a_leaf_that_requires_grad_raises_like_torch():
    for fn in (lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.fill_(1),
               lambda t: t.__iadd__(1), lambda t: t.__setitem__(0, 1.0), lambda t: t.normal_()):
        with pytest.raises(RuntimeError):
            fn(torch.ones(2, requires_grad=True))
        with pytest.raises(InPlaceError):
            fn(numnet.ones(2, requires_grad=True))


def test_modifying_a_saved_tensor_raises_at_backward_like_torch():
    def run(lib):
        a = lib.ones(3, requires_grad=True)
        h = a * 2
        y = (h * h).sum()  # mul saves h
        h.add_(1)
        y.backward()

    with pytest.raises(RuntimeError, match="modified by an inplace"):
        run(torch)
    with pytest.raises(InPlaceError, match="modified by an in-place operation"):
        run(numnet)


def test_exp_output_modified_raises_and_unsaved_input_does_not():
    x = numnet.ones(2, requires_grad=True)
    y = x.exp()
    with numnet.no_grad():
        y.mul_(2)
    with pytest.raises(InPlaceError, match="output of ExpBackward0"):
        y.sum().backward()
    # an op that did not save its input: changing the input in place is fine (torch agrees)
    for lib in (numnet, torch):
        w = lib.ones(2, requires_grad=True)
        h = w * 1
        z = (h + 1).sum()
        h.mul_(5)
        z.backward()
        assert w.grad.tolist() == [1.0, 1.0]


def test_recorded_inplace_on_non_leaf_gives_torch_gradients():
    def run(lib, arr):
        a = lib.tensor(arr, requires_grad=True)
        b = lib.tensor(arr[::-1].copy(), requires_grad=True)
        h = a * 1.5
        early = (h + 0).sum()  # uses h before the in-place op
        h.mul_(b)
        h.add_(b, alpha=2)
        h += 1
        out = (h * h).sum() + early
        out.backward()
        return out.detach().numpy(), a.grad.numpy(), b.grad.numpy(), h.grad_fn.name()

    arr = np.array([0.5, -1.0, 2.0])
    ours, ref = run(numnet, arr), run(torch, arr)
    for o, r in zip(ours[:3], ref[:3]):
        np.testing.assert_allclose(o, r, rtol=1e-6)
    assert ours[3] == ref[3] == "AddBackward0"


def test_setitem_on_non_leaf_and_under_no_grad():
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = a * 2
        h[1] = 0.0
        (h * a).sum().backward()
        return h.detach().numpy(), a.grad.numpy()

    for o, r in zip(run(numnet), run(torch)):
        np.testing.assert_allclose(o, r)
    x = numnet.zeros(3)
    x[0] = 1.0
    assert x._version == 1 and x.tolist() == [1.0, 0.0, 0.0]


def test_views_share_the_version_counter():
    x = numnet.zeros(2, 3)
    v, r, d = x[0], x.reshape(6), x.detach()
    x.add_(1)
    assert v._version == r._version == d._version == x._version == 1
    v.add_(1)
    assert x._version == 2 and x.tolist()[0] == [2.0, 2.0, 2.0]


def test_data_grad_clone_detach():
    w = numnet.ones(2, requires_grad=True)
    w.grad = numnet.full((2,), 3.0)
    assert w.grad.tolist() == [3.0, 3.0]
    w.grad = None
    assert w.grad is None
    c = w.clone()
    assert c.requires_grad and not c.is_leaf
    (c * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]
    d = (w * 3).detach_()
    assert d.is_leaf and not d.requires_grad


# ---------------------------------------------------------------------------------------------------- autograd
def test_grad_fn_names_and_next_functions_match_torch():
    def graph(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0])
        y = (a * b + a).sum()
        return a, y

    a, y = graph(numnet)
    ta, ty = graph(torch)
    assert y.grad_fn.name() == ty.grad_fn.name() == "SumBackward0"
    add = y.grad_fn.next_functions[0][0]
    assert add.name() == ty.grad_fn.next_functions[0][0].name() == "AddBackward0"
    mul, leaf = add.next_functions[0][0], add.next_functions[1][0]
    assert mul.name() == "MulBackward0" and leaf.variable is a
    assert mul.next_functions[1] == (None, 0) and "MulBackward0" in repr(a * 2)
    assert y.grad_fn == y.grad_fn


def test_hooks_and_retain_grad_match_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        h1 = x.register_hook(lambda g: g * 10)
        y = x * 3
        y.retain_grad()
        y.register_hook(lambda g: seen.append(g.tolist()))
        y.sum().backward()
        h1.remove()
        x.grad = None
        (x * 1).sum().backward()
        return seen, y.grad.tolist(), x.grad.tolist()

    assert run(numnet) == run(torch)
    with pytest.raises(RuntimeError):
        numnet.ones(2).register_hook(lambda g: g)


class Cube(numnet.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return grad * 3 * x * x * ctx.scale, None


def test_pytorch_style_function():
    x = t64([1.0, -2.0, 0.5], requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    (y * t64([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy() ** 2 * [1.0, 2.0, 3.0])
    assert numnet.autograd.gradcheck(lambda t: Cube.apply(t, 2.0), (t64([0.3, -0.7], requires_grad=True),))
    with numnet.no_grad():
        assert Cube.apply(x, 1.0).grad_fn is None
    z = t64([1.0], requires_grad=True)
    out = Cube.apply(z, 1.0)
    with numnet.no_grad():
        z.mul_(2)
    with pytest.raises(InPlaceError, match="saved tensor 0"):
        out.backward()


def test_autograd_grad_matches_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, -1.0], requires_grad=True)
        y = (x * w * x).sum()
        gx, gw = lib.autograd.grad(y, (x, w), retain_graph=True)
        (gv,) = lib.autograd.grad([x * w], [x], grad_outputs=[lib.tensor([1.0, 10.0])])
        return gx.tolist(), gw.tolist(), gv.tolist(), x.grad

    assert run(numnet) == run(torch)
    x = numnet.ones(2, requires_grad=True)
    u = numnet.ones(2, requires_grad=True)
    with pytest.raises(ArgumentError, match="allow_unused"):
        numnet.autograd.grad((x * 2).sum(), [x, u])
    assert numnet.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)[1] is None
    with pytest.raises(ArgumentError, match="create_graph"):
        numnet.autograd.grad((x * 2).sum(), [x], create_graph=True)


def test_autograd_gradcheck_returns_true_or_false():
    x = t64([0.2, 0.4], requires_grad=True)
    assert numnet.autograd.gradcheck(lambda t: (t * t).sum(), x) is True

    class Wrong(numnet.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * t

        @staticmethod
        def backward(ctx, g):
            return g

    assert numnet.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False
    with pytest.raises(numnet.GradcheckError):
        numnet.autograd.gradcheck(Wrong.apply, (x,))


def test_backward_gradient_validation_and_inputs():
    x = numnet.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(ShapeError):
        y.backward()
    with pytest.raises(ShapeError):
        y.backward(numnet.ones(3))
    with pytest.raises(DTypeError):
        y.backward("abc")
    with pytest.raises(DTypeError):
        y.backward(numnet.tensor([True, False]).numpy().astype(object))
    w = numnet.ones(2, requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 1.0]


def test_data_is_an_untracked_tensor_sharing_memory_as_in_torch():
    import torch

    for lib in (numnet, torch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (w * w).sum().backward()
        d = w.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
        before = w._version
        w.data.sub_(0.5 * w.grad)            # the old tutorials' update: allowed on a leaf, not recorded
        w.data -= 0.5 * w.grad
        w.data[0] = 10.0
        assert w.tolist() == [10.0, -2.0, -3.0] and w.requires_grad and w.is_leaf
        assert w._version == before           # .data has its own version counter (torch's rule)
        assert d.tolist() == w.tolist()       # shares the memory
        w.data = lib.zeros(2, 2)              # replaces the values, any shape
        assert tuple(w.shape) == (2, 2) and w.requires_grad
        w.grad = None
        (w * 2).sum().backward()              # a later graph uses the new values
        assert w.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    x = numnet.tensor([1.0, 2.0])
    assert isinstance(x.numpy(), np.ndarray) and np.shares_memory(x.numpy(), x.data.numpy())
    with pytest.raises(numnet.DTypeError, match="data: a tensor that requires grad needs floating-point"):
        numnet.tensor([1.0], requires_grad=True).data = numnet.tensor([1])
