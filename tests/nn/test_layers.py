"""Every layer against PyTorch: torch's initialised weights are loaded with load_state_dict, then outputs, input
gradients, parameter gradients and updated buffers must agree (float64 and float32). Plus constructor checks,
default initialisation, Dropout and input-shape errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numnet
import numnet.nn.functional as NF
from numnet import nn
from numnet.errors import ArgumentError, DTypeError, ShapeError
from tests.reference import assert_close

T = torch.nn
DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def _bn_eval(ours_cls, theirs_cls, n):
    def build():
        theirs = theirs_cls(n)
        with torch.no_grad():
            theirs.running_mean.uniform_(-1, 1)
            theirs.running_var.uniform_(0.5, 2)
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-1, 1)
        return ours_cls(n), theirs
    return build


# name -> (build () -> (ours, theirs), input shape, training mode)
CASES = {
    "linear": (lambda: (nn.Linear(7, 5), T.Linear(7, 5)), (4, 7), True),
    "linear_3d_no_bias": (lambda: (nn.Linear(7, 5, bias=False), T.Linear(7, 5, bias=False)), (2, 3, 7), True),
    "conv": (lambda: (nn.Conv2d(3, 4, 3), T.Conv2d(3, 4, 3)), (2, 3, 8, 8), True),
    "conv_stride_padding": (lambda: (nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2)),
                                     T.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2))), (2, 3, 9, 7), True),
    "conv_dilation_groups_no_bias": (lambda: (nn.Conv2d(4, 6, 3, dilation=2, groups=2, bias=False),
                                              T.Conv2d(4, 6, 3, dilation=2, groups=2, bias=False)), (2, 4, 9, 9),
                                     True),
    "conv_same_even_kernel": (lambda: (nn.Conv2d(3, 4, (4, 3), padding="same", dilation=(1, 2)),
                                       T.Conv2d(3, 4, (4, 3), padding="same", dilation=(1, 2))), (2, 3, 7, 8), True),
    "conv_valid": (lambda: (nn.Conv2d(2, 3, 3, padding="valid"), T.Conv2d(2, 3, 3, padding="valid")),
                   (1, 2, 5, 6), True),
    "conv_unbatched": (lambda: (nn.Conv2d(3, 2, 3, padding=1), T.Conv2d(3, 2, 3, padding=1)), (3, 6, 6), True),
    "maxpool": (lambda: (nn.MaxPool2d(3, 2, 1), T.MaxPool2d(3, 2, 1)), (2, 3, 9, 9), True),
    "maxpool_ceil_dilation": (lambda: (nn.MaxPool2d(2, 2, dilation=2, ceil_mode=True),
                                       T.MaxPool2d(2, 2, dilation=2, ceil_mode=True)), (2, 2, 9, 9), True),
    "avgpool": (lambda: (nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                         T.AvgPool2d(3, 2, 1, count_include_pad=False)), (2, 3, 9, 9), True),
    "avgpool_default": (lambda: (nn.AvgPool2d(2), T.AvgPool2d(2)), (2, 3, 8, 8), True),
    "adaptive_avgpool": (lambda: (nn.AdaptiveAvgPool2d((2, 3)), T.AdaptiveAvgPool2d((2, 3))), (2, 3, 7, 8), True),
    "adaptive_avgpool_global": (lambda: (nn.AdaptiveAvgPool2d(1), T.AdaptiveAvgPool2d(1)), (2, 3, 5, 5), True),
    "batchnorm1d_2d_train": (lambda: (nn.BatchNorm1d(5), T.BatchNorm1d(5)), (8, 5), True),
    "batchnorm1d_3d_train": (lambda: (nn.BatchNorm1d(5), T.BatchNorm1d(5)), (4, 5, 6), True),
    "batchnorm1d_eval": (_bn_eval(nn.BatchNorm1d, T.BatchNorm1d, 5), (4, 5, 3), False),
    "batchnorm2d_train": (lambda: (nn.BatchNorm2d(3), T.BatchNorm2d(3)), (4, 3, 5, 5), True),
    "batchnorm2d_eval": (_bn_eval(nn.BatchNorm2d, T.BatchNorm2d, 3), (4, 3, 5, 5), False),
    "batchnorm2d_cumulative": (lambda: (nn.BatchNorm2d(3, momentum=None, eps=1e-3),
                                        T.BatchNorm2d(3, momentum=None, eps=1e-3)), (4, 3, 4, 4), True),
    "batchnorm2d_no_affine": (lambda: (nn.BatchNorm2d(3, affine=False), T.BatchNorm2d(3, affine=False)),
                              (4, 3, 4, 4), True),
    "batchnorm2d_no_bias": (lambda: (nn.BatchNorm2d(3, bias=False), T.BatchNorm2d(3, bias=False)),
                            (4, 3, 4, 4), True),
    "batchnorm2d_untracked_eval": (lambda: (nn.BatchNorm2d(3, track_running_stats=False),
                                            T.BatchNorm2d(3, track_running_stats=False)), (4, 3, 4, 4), False),
    "flatten": (lambda: (nn.Flatten(), T.Flatten()), (2, 3, 4, 5), True),
    "flatten_range": (lambda: (nn.Flatten(0, 2), T.Flatten(0, 2)), (2, 3, 4, 5), True),
    "relu": (lambda: (nn.ReLU(), T.ReLU()), (4, 6), True),
    "leaky_relu": (lambda: (nn.LeakyReLU(0.2), T.LeakyReLU(0.2)), (4, 6), True),
    "sigmoid": (lambda: (nn.Sigmoid(), T.Sigmoid()), (4, 6), True),
    "tanh": (lambda: (nn.Tanh(), T.Tanh()), (4, 6), True),
    "gelu": (lambda: (nn.GELU(), T.GELU()), (4, 6), True),
    "gelu_tanh": (lambda: (nn.GELU("tanh"), T.GELU("tanh")), (4, 6), True),
    "softmax": (lambda: (nn.Softmax(dim=1), T.Softmax(dim=1)), (3, 5, 2), True),
    "log_softmax": (lambda: (nn.LogSoftmax(dim=-1), T.LogSoftmax(dim=-1)), (3, 5), True),
    "identity": (lambda: (nn.Identity(54, unused=1), T.Identity(54, unused=1)), (3, 5), True),
    "dropout_eval": (lambda: (nn.Dropout(0.5), T.Dropout(0.5)), (3, 5), False),
}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_layer_matches_pytorch_forward_backward_and_buffers(case, dtype):
    build, shape, training = CASES[case]
    torch.manual_seed(0)
    ours, theirs = build()
    theirs = theirs.to(TORCH_DTYPE[dtype])
    ours.to(dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.train(training)
    theirs.train(training)
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal(shape).astype(dtype)
    x = numnet.tensor(x_np, requires_grad=True)
    xt = torch.tensor(x_np, requires_grad=True)
    steps = 2 if case == "batchnorm2d_cumulative" else 1  # the second step averages with factor 1/2
    for _ in range(steps):
        y, yt = ours(x), theirs(xt)
    assert y.dtype == dtype
    assert_close(y, yt, dtype, f"{case} output")
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad, dtype, f"{case} input grad")
    torch_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(torch_params)
    for name, p in ours.named_parameters():
        assert_close(p.grad, torch_params[name].grad, dtype, f"{case} grad of {name}")
    torch_buffers = dict(theirs.named_buffers())
    assert [n for n, _ in ours.named_buffers()] == list(torch_buffers)
    for name, b in ours.named_buffers():
        if name == "num_batches_tracked":
            assert b.dtype == np.int64 and int(b.item()) == int(torch_buffers[name].item())
        else:
            assert_close(b, torch_buffers[name], dtype, f"{case} buffer {name}")


def test_nn_functional_alias_is_numnet_functional():
    import numnet.functional as F

    for name in ("conv2d", "max_pool2d", "linear", "relu", "cross_entropy", "batch_norm", "dropout", "flatten"):
        assert getattr(NF, name) is getattr(F, name)


# ---------------------------------------------------------------------------------------------------- train/eval
def test_dropout_follows_training_mode_and_seed():
    drop = nn.Dropout(0.3)
    x = numnet.ones(200_000, requires_grad=True)
    numnet.manual_seed(3)
    y = drop(x)
    zero = y._data == 0
    assert abs(zero.mean() - 0.3) < 0.01
    np.testing.assert_allclose(y._data[~zero], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, y._data)  # the same mask scales the gradient
    numnet.manual_seed(3)
    np.testing.assert_array_equal(drop(x)._data, y._data)
    drop.eval()
    assert drop(x) is x or np.array_equal(drop(x)._data, x._data)
    assert np.array_equal(nn.Dropout(0.0)(x)._data, x._data)


def test_batchnorm_train_updates_running_stats_eval_does_not():
    bn = nn.BatchNorm2d(2)
    x = numnet.randn(8, 2, 3, 3) * 3 + 1
    y = bn(x)
    assert int(bn.num_batches_tracked.item()) == 1
    mean_after = bn.running_mean._data.copy()
    assert np.all(mean_after != 0)
    np.testing.assert_allclose(y._data.mean(axis=(0, 2, 3)), 0, atol=1e-5)  # batch statistics
    bn.eval()
    y_eval = bn(x)
    assert int(bn.num_batches_tracked.item()) == 1
    np.testing.assert_array_equal(bn.running_mean._data, mean_after)
    expected = (x._data - mean_after[None, :, None, None]) / np.sqrt(bn.running_var._data[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(y_eval._data, expected, rtol=1e-5, atol=1e-5)
    bn1 = nn.BatchNorm1d(3)
    with pytest.raises(ArgumentError, match="more than 1 value per channel"):
        bn1(numnet.zeros(1, 3))
    assert int(bn1.num_batches_tracked.item()) == 0  # a rejected batch is not counted
    bn1.eval()
    assert bn1(numnet.zeros(1, 3)).shape == (1, 3)


# ---------------------------------------------------------------------------------------------------- constructors
@pytest.mark.parametrize("build, error, pattern", [
    (lambda: nn.Conv2d(6, 16, 0), ArgumentError,
     r"Conv2d: expected kernel_size to be an int >= 1 or a pair of them, got 0"),
    (lambda: nn.Conv2d(6, 16, 3, groups=4), ArgumentError,
     r"Conv2d: expected in_channels to be divisible by groups=4, got 6"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ArgumentError, r"out_channels to be divisible by groups"),
    (lambda: nn.Conv2d(0, 6, 3), ArgumentError, r"Conv2d: expected in_channels to be an int >= 1, got 0"),
    (lambda: nn.Conv2d(1, 6, 3, stride=0), ArgumentError,
     r"expected stride to be an int >= 1 or a pair of them, got 0"),
    (lambda: nn.Conv2d(1, 6, 3, padding=-1), ArgumentError,
     r"expected padding to be an int >= 0 or a pair of them, got -1"),
    (lambda: nn.Conv2d(1, 6, 3, padding="full"), ArgumentError,
     r"expected padding to be one of 'same', 'valid', got 'full'"),
    (lambda: nn.Conv2d(1, 6, 3, padding_mode="reflect"), ArgumentError,
     r"expected padding_mode to be one of 'zeros', got 'reflect'"),
    (lambda: nn.Conv2d(1, 6, (3, 3, 3)), ArgumentError, r"pair"),
    (lambda: nn.Conv2d(1, 6, 3, dtype=np.int32), DTypeError, r"floating-point dtype"),
    (lambda: nn.Linear(0, 3), ArgumentError, r"Linear: expected in_features to be an int >= 1, got 0"),
    (lambda: nn.Linear(2.5, 3), DTypeError, r"Linear: expected in_features to be an int >= 1, got 2.5"),
    (lambda: nn.BatchNorm2d(0), ArgumentError, r"BatchNorm2d: expected num_features to be an int >= 1, got 0"),
    (lambda: nn.BatchNorm2d(3, momentum=2), ArgumentError, r"momentum"),
    (lambda: nn.BatchNorm1d(3, eps=0), ArgumentError, r"eps"),
    (lambda: nn.Dropout(1.5), ArgumentError, r"Dropout: expected p to be a number in \[0, 1\], got 1.5"),
    (lambda: nn.MaxPool2d(0), ArgumentError,
     r"MaxPool2d: expected kernel_size to be an int >= 1 or a pair of them, got 0"),
    (lambda: nn.MaxPool2d(2, padding=2), ArgumentError,
     r"MaxPool2d: expected padding to be at most half of kernel_size=2, got 2"),
    (lambda: nn.AvgPool2d(2, divisor_override=0), ArgumentError, r"divisor_override"),
    (lambda: nn.AdaptiveAvgPool2d(0), ArgumentError, r"output_size"),
    (lambda: nn.Softmax(), ArgumentError, r"Softmax: expected dim to be given, got None"),
    (lambda: nn.GELU("fast"), ArgumentError, r"approximate"),
    (lambda: nn.Flatten(1.0), DTypeError, r"Flatten: expected start_dim to be an int, got 1.0"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), ArgumentError, r"reduction"),
])
def test_constructors_validate_up_front(build, error, pattern):
    with pytest.raises(error, match=pattern):
        build()


@pytest.mark.parametrize("layer, x, pattern", [
    (nn.Linear(400, 120), (8, 300), r"^Linear\(in_features=400, .*\): expected input \(\*, 400\), got \(8, 300\)$"),
    (nn.Conv2d(3, 4, 3), (8, 3, 5), r"expected input \(N, 3, H, W\), got \(8, 3, 5\)"),
    (nn.BatchNorm1d(4), (8, 5), r"expected input \(N, 4\) or \(N, 4, L\), got \(8, 5\)"),
    (nn.BatchNorm2d(4), (8, 4, 5), r"expected input \(N, 4, H, W\), got \(8, 4, 5\)"),
    (nn.MaxPool2d(2), (8, 4), r"max_pool2d: expected input of shape \(N, C, H, W\)"),
])
def test_wrong_input_shapes_raise_shape_errors(layer, x, pattern):
    with pytest.raises(ShapeError, match=pattern):
        layer(numnet.zeros(*x))


def test_non_tensor_input_is_a_dtype_error():
    with pytest.raises(DTypeError, match=r"expected input to be a numnet.Tensor, got numpy.ndarray; convert it with "
                                         r"numnet.tensor\(...\)"):
        nn.Linear(2, 2)(np.zeros((1, 2)))


# ---------------------------------------------------------------------------------------------------- initialisation
@pytest.mark.parametrize("build, fan_in", [(lambda: nn.Linear(400, 300), 400),
                                           (lambda: nn.Conv2d(32, 64, 5), 32 * 25),
                                           (lambda: nn.Conv2d(32, 64, 3, groups=4), 8 * 9)])
def test_default_init_is_pytorchs_uniform(build, fan_in):
    layer = build()
    bound = 1 / math.sqrt(fan_in)
    w = layer.weight._data
    assert w.dtype == np.float32 and layer.bias.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound  # U(-b, b) has std b/√3
    assert abs(w.mean()) < 0.03 * bound
    assert np.abs(layer.bias._data).max() <= bound
    # the same spread as torch's own initialisation
    theirs = T.Linear(400, 300) if isinstance(layer, nn.Linear) else None
    if theirs is not None:
        assert abs(theirs.weight.detach().numpy().std() - w.std()) < 0.03 * bound


def test_manual_seed_makes_init_reproducible_and_dtype_is_accepted():
    numnet.manual_seed(7)
    a = nn.Conv2d(3, 8, 3)
    numnet.manual_seed(7)
    b = nn.Conv2d(3, 8, 3)
    c = nn.Conv2d(3, 8, 3)
    np.testing.assert_array_equal(a.weight._data, b.weight._data)
    np.testing.assert_array_equal(a.bias._data, b.bias._data)
    assert not np.array_equal(b.weight._data, c.weight._data)
    numnet.manual_seed(7)
    d = nn.Conv2d(3, 8, 3, dtype=np.float64)
    assert d.weight.dtype == np.float64 and d.bias.dtype == np.float64
    np.testing.assert_allclose(d.weight._data, a.weight._data, rtol=1e-6)
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    assert bn.weight.dtype == bn.running_var.dtype == np.float64 and bn.num_batches_tracked.dtype == np.int64
    bn.running_mean._data[...] = 5
    bn.num_batches_tracked._data[...] = 4
    bn.reset_parameters()
    assert np.all(bn.running_mean._data == 0) and int(bn.num_batches_tracked.item()) == 0
