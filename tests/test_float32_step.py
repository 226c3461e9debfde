"""A float32 training step stays float32: every activation, every gradient an op returns, every parameter gradient
and every optimizer state buffer (no float64 temporaries sneaking in through Python scalars or NumPy defaults)."""

import numpy as np
import pytest

import numnet
import numnet.functional as F
from numnet import optim
from numnet.autograd import _topological_order
from numnet.models import LeNet5, VGGSmall


def _instrument(loss):
    """Wrap the backward of every op in loss's graph to record the dtypes of the gradients it returns."""
    nodes = _topological_order(loss)
    seen = []
    for node in nodes:
        ctx = node._ctx
        if ctx is None:
            continue

        def wrapped(grad, _inner=ctx.backward, _name=ctx.name):
            out = _inner(grad)
            for g in out if isinstance(out, tuple) else (out,):
                if g is not None:
                    seen.append((_name, np.asarray(g).dtype))
            return out

        ctx.backward = wrapped
    return nodes, seen


@pytest.mark.parametrize("make_model", [LeNet5, VGGSmall], ids=["lenet5", "vgg"])
@pytest.mark.parametrize("make_opt", [lambda p: optim.SGD(p, lr=0.01, momentum=0.9, weight_decay=1e-4),
                                      lambda p: optim.Adam(p, lr=1e-3)], ids=["sgd", "adam"])
def test_training_step_has_no_float64(make_model, make_opt):
    numnet.manual_seed(0)
    model = make_model()
    opt = make_opt(model.parameters())
    x = numnet.rand(8, 1, 28, 28)  # 8 images: LeNet's first conv runs its column-blocked GEMMs
    y = numnet.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    for _ in range(2):  # the second step also exercises the optimizer state
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        nodes, seen = _instrument(loss)
        loss.backward()
        opt.step()
        activations = [(n._ctx.name if n._ctx is not None else "leaf", n.dtype) for n in nodes]
        assert len(activations) > 20 and {d for _, d in activations} == {np.dtype(np.float32)}, \
            [a for a in activations if a[1] != np.float32]
        assert seen and {d for _, d in seen} == {np.dtype(np.float32)}, [s for s in seen if s[1] != np.float32]
    for name, p in model.named_parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32, name
    for state in opt.state.values():
        for key, value in state.items():
            if isinstance(value, np.ndarray) and value.ndim > 0:
                assert value.dtype == np.float32, key
    for name, buf in model.named_buffers():
        if np.issubdtype(buf.dtype, np.floating):
            assert buf.dtype == np.float32, name


def test_inference_in_chunks_stays_float32():
    """A no_grad forward of a batch large enough to be convolved in chunks."""
    numnet.manual_seed(0)
    model = LeNet5().eval()
    with numnet.no_grad():
        out = model(numnet.rand(300, 1, 28, 28))
    assert out.dtype == np.float32 and out.shape == (300, 10) and np.isfinite(out._data).all()
