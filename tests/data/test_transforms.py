import numpy as np
import pytest

import numnet
from numnet.data.transforms import Compose, Lambda, Normalize, ToTensor, is_batched
from numnet.errors import ArgumentError, DTypeError, ShapeError


def test_normalize_per_channel_matches_formula_and_keeps_dtype():
    x = np.random.default_rng(0).random((3, 4, 5)).astype(np.float32)
    out = Normalize([0.1, 0.2, 0.3], [0.5, 0.25, 2.0])(x)
    assert out.dtype == np.float32
    mean = np.array([0.1, 0.2, 0.3])[:, None, None]
    std = np.array([0.5, 0.25, 2.0])[:, None, None]
    np.testing.assert_allclose(out, (x - mean) / std, rtol=1e-6, atol=1e-6)
    assert Normalize(0.5, 0.5)(x.astype(np.float64)).dtype == np.float64


def test_normalize_batch_equals_per_sample_and_accepts_tensors():
    x = np.random.default_rng(1).random((4, 2, 3, 3)).astype(np.float32)
    t = Normalize([0.3, 0.6], [0.2, 0.4])
    assert t.batched and is_batched(t)
    batched = t(x)
    np.testing.assert_array_equal(batched, np.stack([t(s) for s in x]))
    out = t(numnet.tensor(x))
    assert isinstance(out, numnet.Tensor)
    np.testing.assert_array_equal(out._data, batched)


def test_normalize_errors():
    with pytest.raises(ArgumentError, match=r"Normalize: expected std to be non-zero, got \[0.0\]"):
        Normalize([0.5], [0.0])
    with pytest.raises(ArgumentError, match="same length"):
        Normalize([0.5, 0.5], [1.0])
    with pytest.raises(ShapeError, match="3 channels but mean/std have 2"):
        Normalize([0.5, 0.5], [1.0, 1.0])(np.zeros((3, 2, 2), np.float32))
    with pytest.raises(ShapeError, match=r"\(C, H, W\)"):
        Normalize(0.5, 1.0)(np.zeros((2, 2), np.float32))
    with pytest.raises(DTypeError, match="ToTensor"):
        Normalize(0.5, 1.0)(np.zeros((1, 2, 2), np.uint8))


def test_to_tensor_scales_uint8_and_moves_channels_first():
    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3) * 20
    out = ToTensor()(img)
    assert isinstance(out, numnet.Tensor) and out.shape == (3, 2, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out._data, img.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert ToTensor()(np.zeros((5, 6), np.uint8)).shape == (1, 5, 6)
    with pytest.raises(ShapeError):
        ToTensor()(np.zeros(3, np.uint8))
    assert ToTensor.batched  # float CHW input passes through, so whole batches are fine


def test_compose_and_lambda():
    t = Compose([Normalize([0.5], [0.5]), Lambda(lambda x: x * 2, batched=True)])
    assert t.batched
    np.testing.assert_array_equal(t(np.ones((1, 2, 2), np.float32)), np.full((1, 2, 2), 2.0, np.float32))
    assert not Compose([Lambda(abs)]).batched
    assert "Normalize" in repr(t)
    with pytest.raises(DTypeError, match="Compose: expected every transform to be callable, got int"):
        Compose([1])
    with pytest.raises(DTypeError, match="Lambda: expected fn to be callable, got int"):
        Lambda(3)
