"""The batched path: per-sample parameters, same distribution as the per-sample path, seeded reproducibility."""

import numpy as np
import pytest

import numnet
import numnet.transforms as T
from numnet.data import DataLoader, TensorDataset


def _batch(n=64, seed=0):
    return np.random.default_rng(seed).random((n, 3, 8, 8)).astype(np.float32)


def test_cifar_pipeline_is_batched_and_reproducible_under_manual_seed():
    t = T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.Normalize([0.5] * 3, [0.25] * 3),
                   T.RandomErasing()])
    assert t.batched and T.is_batched(t)
    x = _batch()
    numnet.manual_seed(0)
    a = t(x)
    numnet.manual_seed(0)
    b = t(x)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == np.float32
    assert not np.array_equal(a[0], a[1] * 0 + a[0] * 0)  # sanity: real values
    out = t(numnet.tensor(x))
    assert isinstance(out, numnet.Tensor)
    assert not T.is_batched(T.ColorJitter(0.1)) and not T.Compose([T.ColorJitter(0.1)]).batched


def test_batched_random_crop_windows_are_crops_of_the_padded_images():
    x = _batch(200)
    numnet.manual_seed(1)
    out = T.RandomCrop(8, padding=2)(x)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    seen = set()
    for n in range(len(x)):
        hits = [(i, j) for i in range(5) for j in range(5) if np.array_equal(padded[n, :, i:i + 8, j:j + 8], out[n])]
        assert hits, n
        seen.add(hits[0])
    assert len(seen) == 25  # every offset is reachable


def test_batched_and_per_sample_flip_rates_agree():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4).repeat(4000, axis=0)
    numnet.manual_seed(2)
    out = T.RandomHorizontalFlip(p=0.3)(x)
    flipped = np.all(out == x[:, :, :, ::-1], axis=(1, 2, 3))
    assert np.all(flipped | np.all(out == x, axis=(1, 2, 3)))
    per = np.array([not np.array_equal(T.RandomHorizontalFlip(p=0.3)(s), s) for s in x[:2000]])
    assert abs(flipped.mean() - 0.3) < 0.03 and abs(per.mean() - 0.3) < 0.04
    v = T.RandomVerticalFlip(p=1.0)(x[:3])
    np.testing.assert_array_equal(v, x[:3, :, ::-1])


def test_batched_erasing_matches_the_per_sample_distribution():
    x = np.ones((3000, 1, 16, 16), np.float32)
    numnet.manual_seed(3)
    e = T.RandomErasing(p=0.5, value=0)
    frac_b = (T.RandomErasing(p=0.5, value=0)(x) == 0).mean(axis=(1, 2, 3))
    frac_s = np.array([(e(s) == 0).mean() for s in x[:1500]])
    assert abs((frac_b > 0).mean() - 0.5) < 0.04 and abs((frac_s > 0).mean() - 0.5) < 0.05
    erased_b, erased_s = frac_b[frac_b > 0], frac_s[frac_s > 0]
    assert abs(erased_b.mean() - erased_s.mean()) < 0.02
    assert erased_b.min() >= 0.0 and erased_b.max() <= 0.4
    # each erased region is one rectangle
    out = T.RandomErasing(p=1.0, value=0)(x[:20])
    for img in out[:, 0]:
        rows, cols = np.nonzero(img == 0)
        assert (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1) == len(rows)


def test_dataloader_augments_whole_batches():
    x = _batch(10)
    loader = DataLoader(TensorDataset(x, np.arange(10)), batch_size=4,
                        transform=T.Compose([T.RandomCrop(8, padding=1), T.RandomHorizontalFlip(),
                                             T.Normalize([0.5] * 3, [0.5] * 3)]))
    numnet.manual_seed(5)
    first = [xb._data.copy() for xb, _ in loader]
    numnet.manual_seed(5)
    second = [xb._data.copy() for xb, _ in loader]
    assert [b.shape for b in first] == [(4, 3, 8, 8), (4, 3, 8, 8), (2, 3, 8, 8)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_random_containers():
    x = np.zeros((1, 2, 2), np.float32)
    add = T.Lambda(lambda a: a + 1)
    numnet.manual_seed(0)
    outs = [float(T.RandomApply([add], p=0.25)(x).sum()) for _ in range(2000)]
    assert abs(np.mean(np.array(outs) > 0) - 0.25) < 0.04
    picks = [float(T.RandomChoice([add, T.Lambda(lambda a: a + 2)], p=[1, 3])(x)[0, 0, 0]) for _ in range(2000)]
    assert abs(np.mean(np.array(picks) == 2) - 0.75) < 0.04
    orders = {float(T.RandomOrder([add, T.Lambda(lambda a: a * 2)])(x)[0, 0, 0]) for _ in range(50)}
    assert orders == {1.0, 2.0}


def test_argument_errors_follow_the_message_style():
    from numnet.errors import ArgumentError, DTypeError, ShapeError
    with pytest.raises(ArgumentError, match="RandomHorizontalFlip: expected p to be a probability"):
        T.RandomHorizontalFlip(1.5)
    with pytest.raises(ArgumentError, match="Pad: expected padding_mode to be one of"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(DTypeError, match="RandomCrop: expected size to be"):
        T.RandomCrop("a")
    with pytest.raises(ShapeError, match="larger than the input"):
        T.RandomCrop(10)(np.zeros((1, 4, 4), np.float32))
    with pytest.raises(ArgumentError, match="GaussianBlur: expected kernel_size to be odd"):
        T.GaussianBlur(4)
    with pytest.raises(ArgumentError, match="ColorJitter: expected hue to be within"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(DTypeError, match="hflip: expected img to be a PIL image"):
        T.functional.hflip([1, 2])


def test_benchmark_script_runs_on_tiny_sizes():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).parents[2] / "benchmarks" / "transforms.py"
    spec = importlib.util.spec_from_file_location("bench_transforms", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = mod.run(8, 4)
    assert [name for name, _ in rows][:2] == ["numnet per sample (float32 CHW)", "numnet batched (B=4)"]
    assert all(rate > 0 for _, rate in rows)
    assert "| contender | images/s |" in mod.table(rows, 8)
