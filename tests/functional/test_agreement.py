"""The functional API, the layers and the optimizers apply the same validation rules (numnet._validation): the
disagreements they used to have, and the same bad value giving the same error class and message style everywhere."""

from __future__ import annotations

import re

import numpy as np
import pytest

import numnet
import numnet.functional as F
import numnet.optim as optim
from numnet import basics, data, nn
from numnet.errors import ArgumentError, DTypeError
from numnet.optim import lr_scheduler

X = numnet.zeros(2, 3, 8, 8)
A = np.zeros((2, 3, 8, 8), np.float32)
STYLE = re.compile(r"^[\w.]+: expected \w+(\[\d\])? to be .+, got .+$")


# ---------------------------------------------------------------------------------------------------- pooling padding
@pytest.mark.parametrize("kwargs", [dict(padding=2, dilation=2), dict(padding=2), dict(padding=(1, 2))])
def test_max_pool_layer_and_function_refuse_the_same_padding(kwargs):
    """PyTorch's rule: padding at most half the (undilated) kernel, whatever the dilation. The layer used to accept
    ``MaxPool2d(3, padding=2, dilation=2)`` (half the dilated kernel) and then fail in forward."""
    with pytest.raises(ArgumentError) as fn:
        F.max_pool2d(X, 3, **kwargs)
    with pytest.raises(ArgumentError) as layer:
        nn.MaxPool2d(3, **kwargs)
    assert str(fn.value) == str(layer.value).replace("MaxPool2d:", "max_pool2d:")
    assert f"expected padding to be at most half of kernel_size=3, got {kwargs['padding']!r}" in str(fn.value)


def test_max_pool_layer_and_function_accept_the_same_padding():
    out = F.max_pool2d(X, 3, padding=1, dilation=2)
    assert nn.MaxPool2d(3, padding=1, dilation=2)(X).shape == out.shape


@pytest.mark.parametrize("build, call", [
    (lambda: nn.AvgPool2d(2, padding=2), lambda: F.avg_pool2d(X, 2, padding=2)),
    (lambda: nn.AvgPool2d(2, stride=0), lambda: F.avg_pool2d(X, 2, stride=0)),
    (lambda: nn.AvgPool2d(2, divisor_override=0), lambda: F.avg_pool2d(X, 2, divisor_override=0)),
    (lambda: nn.AdaptiveAvgPool2d((1, 2, 3)), lambda: F.adaptive_avg_pool2d(X, (1, 2, 3))),
    (lambda: nn.AdaptiveAvgPool2d(1.5), lambda: F.adaptive_avg_pool2d(X, 1.5)),
])
def test_other_pool_layers_share_their_functions_rules(build, call):
    with pytest.raises((ArgumentError, DTypeError)) as fn:
        call()
    with pytest.raises(type(fn.value)) as layer:
        build()
    assert str(layer.value).split(": ", 1)[1] == str(fn.value).split(": ", 1)[1]


# ---------------------------------------------------------------------------------------------------- ndarray inputs
ARRAY_CALLS = {
    "relu": lambda: F.relu(A),
    "leaky_relu": lambda: F.leaky_relu(A),
    "sigmoid": lambda: F.sigmoid(A),
    "tanh": lambda: F.tanh(A),
    "gelu": lambda: F.gelu(A),
    "softmax": lambda: F.softmax(A, dim=1),
    "log_softmax": lambda: F.log_softmax(A, dim=1),
    "dropout": lambda: F.dropout(A),
    "conv2d": lambda: F.conv2d(A, numnet.zeros(4, 3, 3, 3)),
    "max_pool2d": lambda: F.max_pool2d(A, 2),
    "avg_pool2d": lambda: F.avg_pool2d(A, 2),
    "adaptive_avg_pool2d": lambda: F.adaptive_avg_pool2d(A, 1),
    "adaptive_max_pool2d": lambda: F.adaptive_max_pool2d(A, 1),
    "linear": lambda: F.linear(A, numnet.zeros(2, 8)),
    "flatten": lambda: F.flatten(A),
    "batch_norm": lambda: F.batch_norm(A, None, None, training=True),
    "mse_loss": lambda: F.mse_loss(A, X),
    "cross_entropy": lambda: F.cross_entropy(A, numnet.tensor(np.zeros((2, 8, 8), np.int64))),
    "nll_loss": lambda: F.nll_loss(A, numnet.tensor(np.zeros((2, 8, 8), np.int64))),
    "binary_cross_entropy": lambda: F.binary_cross_entropy(A, X),
    "binary_cross_entropy_with_logits": lambda: F.binary_cross_entropy_with_logits(A, X),
}


@pytest.mark.parametrize("op", sorted(ARRAY_CALLS))
def test_every_functional_refuses_an_ndarray_input_and_says_how_to_convert(op):
    """PyTorch's F functions refuse ndarrays with a TypeError; numnet used to accept them in conv2d/pooling only."""
    with pytest.raises(DTypeError) as info:
        ARRAY_CALLS[op]()
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (f"{op}: expected input to be a numnet.Tensor, got numpy.ndarray; "
                               f"convert it with numnet.tensor(...)")


@pytest.mark.parametrize("call, name", [
    (lambda: F.conv2d(X, np.zeros((4, 3, 3, 3), np.float32)), "weight"),
    (lambda: F.conv2d(X, numnet.zeros(4, 3, 3, 3), np.zeros(4, np.float32)), "bias"),
    (lambda: F.linear(numnet.zeros(2, 8), np.zeros((2, 8))), "weight"),
    (lambda: F.mse_loss(X, A), "target"),
    (lambda: F.cross_entropy(numnet.zeros(2, 3), np.zeros(2, np.int64)), "target"),
    (lambda: F.batch_norm(X, np.zeros(3), np.ones(3)), "running_mean"),
])
def test_other_tensor_arguments_refuse_ndarrays_too(call, name):
    with pytest.raises(DTypeError, match=rf"expected {name} to be a numnet.Tensor, got numpy.ndarray; convert it "):
        call()


# ---------------------------------------------------------------------------------------------------- one rule for F, nn and optim
W = numnet.zeros(2, requires_grad=True)
SAME_VALUE = [
    # (bad value, error class): a non-number where a number is needed is the wrong kind; out of range is a bad value
    ("half", DTypeError),
    (None, DTypeError),
    (True, DTypeError),
    (-0.5, ArgumentError),
    (float("nan"), ArgumentError),
]
NUMBER_SITES = {
    "F.dropout(p)": lambda v: F.dropout(X, p=v),
    "nn.Dropout(p)": lambda v: nn.Dropout(p=v),
    "F.cross_entropy(label_smoothing)": lambda v: F.cross_entropy(numnet.zeros(2, 3), numnet.tensor([0, 1]),
                                                                  label_smoothing=v),
    "nn.CrossEntropyLoss(label_smoothing)": lambda v: nn.CrossEntropyLoss(label_smoothing=v),
    "F.batch_norm(eps)": lambda v: F.batch_norm(X, None, None, training=True, eps=v),
    "nn.BatchNorm2d(eps)": lambda v: nn.BatchNorm2d(3, eps=v),
    "optim.SGD(lr)": lambda v: optim.SGD([W], lr=v),
    "optim.Adam(weight_decay)": lambda v: optim.Adam([W], weight_decay=v),
    "lr_scheduler.OneCycleLR(pct_start)": lambda v: lr_scheduler.OneCycleLR(optim.SGD([W], lr=0.1, momentum=0.9),
                                                                            max_lr=1.0, total_steps=10, pct_start=v),
}


INT_SITES = {
    "F.conv2d(stride)": lambda v: F.conv2d(X, numnet.zeros(4, 3, 3, 3), stride=v),
    "nn.Conv2d(stride)": lambda v: nn.Conv2d(3, 4, 3, stride=v),
    "F.max_pool2d(kernel_size)": lambda v: F.max_pool2d(X, v),
    "nn.MaxPool2d(kernel_size)": lambda v: nn.MaxPool2d(v),
    "nn.Linear(in_features)": lambda v: nn.Linear(v, 2),
    "lr_scheduler.StepLR(step_size)": lambda v: lr_scheduler.StepLR(optim.SGD([W], lr=0.1), step_size=v),
    "basics.max_pooling2D(pool_size)": lambda v: basics.max_pooling2D(np.zeros((4, 4)), v),
    "data.DataLoader(batch_size)": lambda v: data.DataLoader(data.TensorDataset(A), v),
}


BAD_COUNTS = [(1.5, DTypeError), (True, DTypeError), ("2", DTypeError), (0, ArgumentError), (-1, ArgumentError)]
CASES = ([(site, NUMBER_SITES[site], value, error, "") for site in sorted(NUMBER_SITES) for value, error in SAME_VALUE]
         + [(site, INT_SITES[site], value, error, "an int >= 1") for site in sorted(INT_SITES)
            for value, error in BAD_COUNTS])


@pytest.mark.parametrize("site, call, value, error, what", CASES, ids=[f"{c[0]}-{c[2]!r}" for c in CASES])
def test_the_same_bad_value_is_the_same_error_in_functional_nn_optim_and_data(site, call, value, error, what):
    """A non-number (or bool) where a number or an int is needed is a DTypeError; a number out of range an
    ArgumentError; the message is ``<op>: expected <name> to be <what>, got <value!r>`` in every layer."""
    with pytest.raises((ArgumentError, DTypeError)) as info:
        call(value)
    assert type(info.value) is error
    assert STYLE.match(str(info.value)), str(info.value)
    assert what in str(info.value)
    assert str(info.value).endswith(f", got {value!r}")
