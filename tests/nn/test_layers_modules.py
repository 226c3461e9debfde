"""The new layers against PyTorch: torch's initialised parameters loaded with load_state_dict, then outputs, input
and parameter gradients agree (float64, float32); default init, reprs, train/eval, constructor and shape errors."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
import torch

import numnet
from numnet import nn
from numnet.errors import ArgumentError, DTypeError, ShapeError
from tests.reference import assert_close

T = torch.nn
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def _pair(name, *args, **kwargs):
    return lambda: (getattr(nn, name)(*args, **kwargs), getattr(T, name)(*args, **kwargs))


def _perturbed(name, *args, **kwargs):
    """Like _pair, with torch's affine parameters moved off their ones/zeros init so their gradients matter."""
    def build():
        ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(T, name)(*args, **kwargs)
        with torch.no_grad():
            for p in theirs.parameters():
                p.uniform_(0.5, 1.5)
        return ours, theirs
    return build


CASES = {
    "elu": (_pair("ELU", 0.5), (4, 6)), "selu": (_pair("SELU"), (4, 6)), "celu": (_pair("CELU", 1.5), (4, 6)),
    "silu": (_pair("SiLU"), (4, 6)), "mish": (_pair("Mish"), (4, 6)),
    "softplus": (_pair("Softplus", 2.0, 4.0), (4, 6)),
    "logsigmoid": (_pair("LogSigmoid"), (4, 6)), "hardtanh": (_pair("Hardtanh", -2.0, 3.0), (4, 6)),
    "relu6": (_pair("ReLU6"), (4, 6)), "hardswish": (_pair("Hardswish"), (4, 6)),
    "softsign": (_pair("Softsign"), (4, 6)), "tanhshrink": (_pair("Tanhshrink"), (4, 6)),
    "threshold": (_pair("Threshold", 0.1, -3.0), (4, 6)),
    "prelu": (_pair("PReLU"), (4, 6)), "prelu_channels": (_pair("PReLU", 3, 0.1), (2, 3, 4, 4)),
    "softmax2d": (_pair("Softmax2d"), (2, 3, 4, 4)), "softmax2d_unbatched": (_pair("Softmax2d"), (3, 4, 4)),
    "layernorm": (_perturbed("LayerNorm", 6), (4, 6)),
    "layernorm_2d": (_perturbed("LayerNorm", [3, 4], eps=1e-3), (2, 5, 3, 4)),
    "layernorm_no_affine": (_pair("LayerNorm", 4, elementwise_affine=False), (3, 4)),
    "layernorm_no_bias": (_perturbed("LayerNorm", 4, bias=False), (3, 4)),
    "groupnorm": (_perturbed("GroupNorm", 2, 6), (2, 6, 3, 3)),
    "groupnorm_no_affine": (_pair("GroupNorm", 3, 6, affine=False), (2, 6, 4)),
    "instancenorm2d": (_pair("InstanceNorm2d", 3), (2, 3, 4, 4)),
    "instancenorm2d_affine": (_perturbed("InstanceNorm2d", 3, affine=True), (2, 3, 4, 4)),
    "instancenorm2d_unbatched": (_pair("InstanceNorm2d", 3), (3, 4, 4)),
    "instancenorm1d": (_perturbed("InstanceNorm1d", 3, affine=True), (2, 3, 5)),
    "unflatten": (_pair("Unflatten", 1, (2, 3)), (4, 6, 2)),
    "unflatten_infer": (_pair("Unflatten", -1, (2, -1)), (4, 6)),
    "dropout2d_eval": (_pair("Dropout2d", 0.5), (2, 3, 4, 4)), "dropout1d_eval": (_pair("Dropout1d"), (2, 3, 4)),
    "dropout3d_eval": (_pair("Dropout3d"), (2, 3, 2, 2, 2)), "alpha_dropout_eval": (_pair("AlphaDropout", 0.2), (3, 4)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_layer_matches_pytorch(case, dtype):
    build, shape = CASES[case]
    torch.manual_seed(0)
    ours, theirs = build()
    theirs = theirs.to(TORCH_DTYPE[dtype])
    ours.to(dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    if case.endswith("_eval"):
        ours.eval(), theirs.eval()
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(1)
    x_np = (rng.standard_normal(shape) * 3).astype(dtype)
    x, xt = numnet.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
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


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("padding_idx", [None, 1, -2])
def test_embedding_matches_pytorch(padding_idx, dtype):
    torch.manual_seed(0)
    theirs = T.Embedding(7, 4, padding_idx=padding_idx).to(TORCH_DTYPE[dtype])
    ours = nn.Embedding(7, 4, padding_idx=padding_idx, dtype=dtype)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    idx = np.random.default_rng(0).integers(0, 7, size=(3, 5))
    y, yt = ours(numnet.tensor(idx)), theirs(torch.tensor(idx))
    assert_close(y, yt, dtype, "embedding")
    g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert_close(ours.weight.grad, theirs.weight.grad, dtype, "embedding weight grad")


def test_default_inits_are_pytorchs():
    numnet.manual_seed(0)
    emb = nn.Embedding(1000, 50, padding_idx=3)
    w = emb.weight._data
    assert w.dtype == np.float32 and np.all(w[3] == 0)
    assert abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02  # N(0, 1)
    np.testing.assert_array_equal(nn.PReLU(3).weight._data, np.full(3, 0.25, np.float32))
    np.testing.assert_array_equal(nn.PReLU(init=0.1).weight._data, np.float32([0.1]))
    ln = nn.LayerNorm((2, 3))
    assert ln.weight.shape == ln.bias.shape == (2, 3) and np.all(ln.weight._data == 1) and np.all(ln.bias._data == 0)
    gn = nn.GroupNorm(2, 4, dtype=np.float64)
    assert gn.weight.dtype == np.float64 and np.all(gn.weight._data == 1) and np.all(gn.bias._data == 0)
    assert nn.InstanceNorm2d(3).weight is None and list(nn.InstanceNorm2d(3).state_dict()) == []
    ln.weight._data[...] = 5
    ln.reset_parameters()
    assert np.all(ln.weight._data == 1)


def test_embedding_from_pretrained_and_freeze():
    w = numnet.tensor(np.arange(6.0).reshape(3, 2))
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(numnet.tensor([2, 0]))._data, [[4, 5], [0, 1]])
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    theirs = T.Embedding.from_pretrained(torch.tensor(w._data))
    assert repr(emb) == repr(theirs) and not theirs.weight.requires_grad


@pytest.mark.parametrize("cls,shape,mask_dims", [(nn.Dropout2d, (8, 6, 3, 3), 2), (nn.Dropout1d, (8, 6, 5), 2),
                                                 (nn.Dropout3d, (6, 2, 2, 2), 1)])
def test_channel_dropout_layers_train_and_eval(cls, shape, mask_dims):
    drop = cls(0.5)
    x = numnet.ones(*shape)
    numnet.manual_seed(4)
    y = drop(x)
    kept = y._data.reshape(shape[:mask_dims] + (-1,))
    assert np.all((kept == 2).all(axis=-1) | (kept == 0).all(axis=-1)) and 0 < (kept == 0).mean() < 1
    numnet.manual_seed(4)
    np.testing.assert_array_equal(drop(x)._data, y._data)
    drop.eval()
    np.testing.assert_array_equal(drop(x)._data, x._data)


def test_alpha_dropout_layer_trains_only_in_training_mode():
    drop = nn.AlphaDropout(0.3)
    x = numnet.randn(1000, dtype=np.float64)
    assert not np.array_equal(drop(x)._data, x._data)
    drop.eval()
    np.testing.assert_array_equal(drop(x)._data, x._data)


@pytest.mark.parametrize("build, error, pattern", [
    (lambda: nn.ELU("x"), DTypeError, r"ELU: expected alpha to be a finite number, got 'x'"),
    (lambda: nn.CELU(0.0), ArgumentError, r"CELU: expected alpha to be non-zero, got 0.0"),
    (lambda: nn.Softplus(beta=0), ArgumentError, r"Softplus: expected beta to be non-zero"),
    (lambda: nn.Hardtanh(1.0, 1.0), ArgumentError, r"Hardtanh: expected max_val to be greater than min_val=1"),
    (lambda: nn.SiLU(inplace=1), DTypeError, r"SiLU: expected inplace to be True or False, got 1"),
    (lambda: nn.PReLU(0), ArgumentError, r"PReLU: expected num_parameters to be an int >= 1, got 0"),
    (lambda: nn.PReLU(device="cuda"), numnet.errors.DeviceError, r"PReLU: numnet runs on the CPU only"),
    (lambda: nn.Dropout2d(2.0), ArgumentError, r"Dropout2d: expected p to be a number in \[0, 1\], got 2.0"),
    (lambda: nn.LayerNorm([]), ArgumentError, r"LayerNorm: expected normalized_shape"),
    (lambda: nn.LayerNorm(4, eps=-1.0), ArgumentError, r"LayerNorm: expected eps"),
    (lambda: nn.GroupNorm(4, 6), ArgumentError, r"GroupNorm: expected num_channels to be divisible by num_groups=4, "
                                                r"got 6"),
    (lambda: nn.InstanceNorm2d(3, track_running_stats=True), ArgumentError,
     r"InstanceNorm2d: expected track_running_stats to be False"),
    (lambda: nn.Embedding(0, 3), ArgumentError, r"Embedding: expected num_embeddings to be an int >= 1, got 0"),
    (lambda: nn.Embedding(5, 3, padding_idx=5), ArgumentError,
     r"Embedding: expected padding_idx to be None or an int in \[-5, 4\], got 5"),
    (lambda: nn.Embedding(5, 3, sparse=True), ArgumentError, r"Embedding: .* not supported"),
    (lambda: nn.Embedding(5, 3, _weight=numnet.ones(5, 2)), ShapeError, r"Embedding: expected _weight of shape"),
    (lambda: nn.Unflatten(1, (2, 0)), ArgumentError, r"Unflatten: expected unflattened_size to be a tuple or list"),
    (lambda: nn.Unflatten(1, 6), DTypeError, r"Unflatten: expected unflattened_size"),
    (lambda: nn.Unflatten(1, (-1, -1)), ArgumentError, r"Unflatten: expected unflattened_size"),
])
def test_constructors_validate_up_front(build, error, pattern):
    with pytest.raises(error, match=pattern):
        build()


@pytest.mark.parametrize("layer, x, pattern", [
    (nn.LayerNorm(4), (2, 3), r"^LayerNorm\(.*\): expected input \(\*, 4\), got \(2, 3\)$"),
    (nn.GroupNorm(2, 4), (2, 6, 3), r"expected input \(N, 4, \*\), got \(2, 6, 3\)"),
    (nn.InstanceNorm2d(3), (2, 3, 4), r"expected input \(N, 3, H, W\) or \(3, H, W\), got \(2, 3, 4\)"),
    (nn.Softmax2d(), (2, 3), r"expected input \(N, C, H, W\) or \(C, H, W\), got \(2, 3\)"),
    (nn.Unflatten(1, (2, 4)), (3, 6), r"unflattened_size=\(2, 4\) to multiply to the size 6"),
    (nn.Unflatten(1, (4, -1)), (3, 6), r"divisible by the product 4"),
    (nn.Dropout2d(), (3, 6), r"dropout2d: expected input of shape"),
    (nn.PReLU(3), (2, 4), r"prelu: weight has 3 elements"),
])
def test_wrong_input_shapes_raise_shape_errors(layer, x, pattern):
    with pytest.raises(ShapeError, match=pattern):
        layer(numnet.zeros(*x))


def test_embedding_index_errors_name_the_layer():
    with pytest.raises(ArgumentError, match=r"expected every index in input to be in \[0, 4\]"):
        nn.Embedding(5, 2)(numnet.tensor([5]))
    with pytest.raises(DTypeError, match=r"integer Tensor of indices"):
        nn.Embedding(5, 2)(numnet.ones(3))


def test_a_small_cnn_with_the_new_layers_trains_a_step():
    numnet.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.SiLU(), nn.Dropout2d(0.2),
                        nn.Flatten(), nn.Unflatten(1, (4, 16)), nn.LayerNorm(16), nn.Flatten(), nn.Hardswish(),
                        nn.Linear(64, 3))
    x = numnet.randn(5, 1, 4, 4)
    loss = nn.CrossEntropyLoss()(net(x), numnet.tensor([0, 1, 2, 0, 1]))
    loss.backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad._data)) for p in net.parameters())


@pytest.mark.parametrize("name", ["numnet.nn.dropout", "numnet.nn.sparse", "numnet.nn.flatten",
                                  "numnet.nn.activation", "numnet.nn.normalization"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
