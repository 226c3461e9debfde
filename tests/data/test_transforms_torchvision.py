"""numnet.transforms against torchvision.transforms: deterministic ones exactly (interpolation within a stated
tolerance), random ones through their get_params with the same parameters, on float/uint8 tensors and PIL images."""

import numpy as np
import pytest
import torch
from PIL import Image

import numnet
import numnet.datasets
import numnet.transforms as T
from numnet.transforms import functional as F
from tests.tv_transforms_ref import torchvision_transforms

tvt = torchvision_transforms()
TF = tvt.functional


def _img(shape=(3, 9, 12), seed=0, dtype=np.float32):
    r = np.random.default_rng(seed)
    if dtype == np.uint8:
        return r.integers(0, 256, shape, dtype=np.uint8)
    return r.random(shape).astype(dtype)


def _ours_and_theirs(fn_ours, fn_theirs, x, **kw):
    ours = fn_ours(numnet.tensor(x) if x.dtype != np.uint8 else numnet.Tensor(x))
    theirs = fn_theirs(torch.from_numpy(x.copy()))
    assert isinstance(ours, numnet.Tensor)
    return ours._data, theirs.numpy()


def _pil(x):
    return Image.fromarray(np.ascontiguousarray(x.transpose(1, 2, 0)))


def test_alias_module_is_the_same_package():
    import numnet.data.transforms as D
    assert T is D and T.functional is D.functional and T.RandomCrop is D.RandomCrop


def test_to_tensor_and_pil_to_tensor_match_torchvision():
    hwc = _img((5, 7, 3), dtype=np.uint8)
    for pic in (hwc, hwc[..., 0], Image.fromarray(hwc), Image.fromarray(hwc[..., 0])):
        ours, theirs = T.ToTensor()(pic), tvt.ToTensor()(pic)
        assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours._data, theirs.numpy())
    ours, theirs = T.PILToTensor()(Image.fromarray(hwc)), tvt.PILToTensor()(Image.fromarray(hwc))
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours._data, theirs.numpy())
    back = T.ToPILImage()(T.ToTensor()(hwc))
    np.testing.assert_array_equal(np.asarray(back), np.asarray(tvt.ToPILImage()(tvt.ToTensor()(hwc))))


def test_to_tensor_passes_numnet_chw_float_images_through():
    x = _img((1, 4, 4))
    out = T.ToTensor()(x)
    np.testing.assert_array_equal(out._data, x)
    t = numnet.tensor(x)
    assert T.ToTensor()(t) is t
    assert T.ToTensor()(x[0]).shape == (1, 4, 4)
    assert T.ToTensor()(_img((2, 3, 3, 4), dtype=np.uint8)).shape == (2, 4, 3, 3)  # NHWC uint8 batch


def test_compose_to_tensor_normalize_on_fashion_mnist_equals_torchvision():
    ds = numnet.datasets.FashionMNIST(train=False, transform=T.Compose([T.ToTensor(), T.Normalize([0.286], [0.353])]))
    ref = tvt.Compose([tvt.ToTensor(), tvt.Normalize([0.286], [0.353])])
    for i in (0, 1, 9999):
        raw = np.round(ds.data[i, 0] * 255).astype(np.uint8)  # the file's bytes: data is raw / 255 in float32
        np.testing.assert_array_equal(ds[i][0]._data, ref(Image.fromarray(raw)).numpy())
    x, _ = ds.get_batch(np.arange(5))  # batched path (ToTensor passes through, Normalize broadcasts)
    np.testing.assert_array_equal(x, np.stack([ds[i][0]._data for i in range(5)]))


@pytest.mark.parametrize("inplace", [False, True])
def test_normalize_matches(inplace):
    x = _img((3, 4, 5))
    ours, theirs = _ours_and_theirs(lambda a: T.Normalize([0.1, 0.2, 0.3], [0.5, 0.25, 2.0], inplace)(a),
                                    tvt.Normalize([0.1, 0.2, 0.3], [0.5, 0.25, 2.0], inplace), x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_flips_crops_pads_match_exactly(dtype):
    x = _img((3, 7, 10), dtype=dtype)
    cases = [
        (F.hflip, TF.hflip), (F.vflip, TF.vflip),
        (lambda a: F.crop(a, 1, 2, 4, 5), lambda a: TF.crop(a, 1, 2, 4, 5)),
        (lambda a: F.crop(a, -2, 7, 6, 6), lambda a: TF.crop(a, -2, 7, 6, 6)),
        (lambda a: F.center_crop(a, [4, 5]), lambda a: TF.center_crop(a, [4, 5])),
        (lambda a: F.center_crop(a, [10, 13]), lambda a: TF.center_crop(a, [10, 13])),
    ]
    for mode in ("constant", "edge", "reflect", "symmetric"):
        cases.append((lambda a, m=mode: F.pad(a, [1, 2, 3, 2], 7 if m == "constant" else 0, m),
                      lambda a, m=mode: TF.pad(a, [1, 2, 3, 2], 7 if m == "constant" else 0, m)))
    cases.append((lambda a: F.pad(a, 2), lambda a: TF.pad(a, 2)))
    cases.append((lambda a: F.pad(a, [1, 3]), lambda a: TF.pad(a, [1, 3])))
    for ours_fn, tv_fn in cases:
        ours, theirs = _ours_and_theirs(ours_fn, tv_fn, x)
        np.testing.assert_array_equal(ours, theirs)
        pil_ours, pil_theirs = ours_fn(_pil(x.astype(np.uint8))), tv_fn(_pil(x.astype(np.uint8)))
        np.testing.assert_array_equal(np.asarray(pil_ours), np.asarray(pil_theirs))


@pytest.mark.parametrize("size", [[5, 7], [13, 20], 6, [9, 4]])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_matches_within_interpolation_tolerance(size, mode, antialias):
    x = _img((3, 9, 12))
    m = T.InterpolationMode(mode)
    tm = tvt.InterpolationMode(mode)
    ours, theirs = _ours_and_theirs(lambda a: F.resize(a, size, m, antialias=antialias),
                                    lambda a: TF.resize(a, size, tm, antialias=antialias), x)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=2e-5)  # float32 sums in another order
    u = _img((3, 9, 12), dtype=np.uint8)
    ours, theirs = _ours_and_theirs(lambda a: F.resize(a, size, m, antialias=antialias),
                                    lambda a: TF.resize(a, size, tm, antialias=antialias), u)
    # torch's uint8 kernels use fixed-point weights: at most 1 grey level apart
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1
    pil = Image.fromarray(u.transpose(1, 2, 0))
    np.testing.assert_array_equal(np.asarray(F.resize(pil, size, m)), np.asarray(TF.resize(pil, size, tm)))


def test_resized_crop_and_random_resized_crop_params():
    x = _img((3, 16, 20))
    ours, theirs = _ours_and_theirs(lambda a: F.resized_crop(a, 2, 3, 10, 12, [8, 8]),
                                    lambda a: TF.resized_crop(a, 2, 3, 10, 12, [8, 8]), x)
    np.testing.assert_allclose(ours, theirs, atol=2e-5)
    numnet.manual_seed(0)
    t = T.RandomResizedCrop(8)
    for _ in range(50):
        i, j, h, w = t.get_params(x, t.scale, t.ratio)
        assert 0 <= i <= 16 - h and 0 <= j <= 20 - w and h > 0 and w > 0
        assert 0.08 * 320 - 20 <= h * w <= 320
    numnet.manual_seed(1)
    params = T.RandomResizedCrop.get_params(x, (0.08, 1.0), (3 / 4, 4 / 3))
    numnet.manual_seed(1)
    out = t(numnet.tensor(x))
    ref = TF.resized_crop(torch.from_numpy(x), *params, [8, 8], antialias=True)
    np.testing.assert_allclose(out._data, ref.numpy(), atol=2e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_colour_functions_match(dtype):
    x = _img((3, 6, 7), seed=3, dtype=dtype)
    tol = 1e-5 if dtype == np.float32 else 1
    cases = [
        (lambda a: F.adjust_brightness(a, 1.3), lambda a: TF.adjust_brightness(a, 1.3)),
        (lambda a: F.adjust_contrast(a, 0.6), lambda a: TF.adjust_contrast(a, 0.6)),
        (lambda a: F.adjust_saturation(a, 1.7), lambda a: TF.adjust_saturation(a, 1.7)),
        (lambda a: F.adjust_hue(a, 0.2), lambda a: TF.adjust_hue(a, 0.2)),
        (lambda a: F.adjust_hue(a, -0.45), lambda a: TF.adjust_hue(a, -0.45)),
        (lambda a: F.rgb_to_grayscale(a, 1), lambda a: TF.rgb_to_grayscale(a, 1)),
        (lambda a: F.rgb_to_grayscale(a, 3), lambda a: TF.rgb_to_grayscale(a, 3)),
        (lambda a: F.gaussian_blur(a, [3, 5], [0.8, 1.4]), lambda a: TF.gaussian_blur(a, [3, 5], [0.8, 1.4])),
        (lambda a: F.convert_image_dtype(a, np.float64), lambda a: TF.convert_image_dtype(a, torch.float64)),
    ]
    for ours_fn, tv_fn in cases:
        ours, theirs = _ours_and_theirs(ours_fn, tv_fn, x)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), atol=tol)
    pil = _pil(_img((3, 6, 7), dtype=np.uint8))
    for f, g in [(F.adjust_brightness, TF.adjust_brightness), (F.adjust_contrast, TF.adjust_contrast),
                 (F.adjust_saturation, TF.adjust_saturation)]:
        np.testing.assert_array_equal(np.asarray(f(pil, 0.7)), np.asarray(g(pil, 0.7)))
    np.testing.assert_array_equal(np.asarray(F.rgb_to_grayscale(pil)), np.asarray(TF.rgb_to_grayscale(pil)))


def test_convert_image_dtype_float_to_uint8_matches():
    x = _img((3, 4, 4))
    ours, theirs = _ours_and_theirs(lambda a: F.convert_image_dtype(a, np.uint8),
                                    lambda a: TF.convert_image_dtype(a, torch.uint8), x)
    np.testing.assert_array_equal(ours, theirs)


def test_random_transforms_with_the_same_params_match_torchvision():
    x = _img((3, 10, 10), seed=5)
    t = T.RandomCrop(8, padding=2, padding_mode="reflect")
    numnet.manual_seed(3)
    padded = F.pad(x, 2, 0, "reflect")
    i, j, h, w = T.RandomCrop.get_params(padded, (8, 8))
    numnet.manual_seed(3)
    np.testing.assert_array_equal(t(x), TF.crop(TF.pad(torch.from_numpy(x), 2, padding_mode="reflect"),
                                                i, j, h, w).numpy())
    e = T.RandomErasing(p=1.0, value=0.5)
    numnet.manual_seed(4)
    _ = numnet.random.default_generator().random()  # the p coin
    i, j, h, w, v = e.get_params(x, e.scale, e.ratio, [0.5])
    numnet.manual_seed(4)
    ref = TF.erase(torch.from_numpy(x), i, j, h, w, torch.from_numpy(v))
    np.testing.assert_array_equal(e(x), ref.numpy())
    cj = T.ColorJitter(0.4, 0.4, 0.4, 0.1)
    numnet.manual_seed(7)
    order, b, c, s, hue = cj.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
    ref = torch.from_numpy(x)
    for k in order:
        ref = [lambda r: TF.adjust_brightness(r, b), lambda r: TF.adjust_contrast(r, c),
               lambda r: TF.adjust_saturation(r, s), lambda r: TF.adjust_hue(r, hue)][k](ref)
    numnet.manual_seed(7)
    np.testing.assert_allclose(cj(x), ref.numpy(), atol=1e-5)
    g = T.GaussianBlur(5, (0.5, 1.5))
    numnet.manual_seed(8)
    sigma = g.get_params(0.5, 1.5)
    numnet.manual_seed(8)
    np.testing.assert_allclose(g(x), TF.gaussian_blur(torch.from_numpy(x), [5, 5], [sigma, sigma]).numpy(),
                               atol=1e-6)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [0.0, 0.0, 0.0], [0.2, 0.5, 1.0]])
def test_rotate_and_affine_match(mode, fill):
    x = _img((3, 9, 12), seed=7)
    m, tm = T.InterpolationMode(mode), tvt.InterpolationMode(mode)
    cases = [
        (lambda a: F.rotate(a, 33.0, m, False, None, fill), lambda a: TF.rotate(a, 33.0, tm, False, None, fill)),
        (lambda a: F.rotate(a, -71.0, m, True, None, fill), lambda a: TF.rotate(a, -71.0, tm, True, None, fill)),
        (lambda a: F.rotate(a, 20.0, m, False, [3, 4], fill), lambda a: TF.rotate(a, 20.0, tm, False, [3, 4], fill)),
        (lambda a: F.affine(a, 15.0, [2, -1], 1.2, [10.0, 5.0], m, fill),
         lambda a: TF.affine(a, 15.0, [2, -1], 1.2, [10.0, 5.0], tm, fill)),
    ]
    for ours_fn, tv_fn in cases:
        ours, theirs = _ours_and_theirs(ours_fn, tv_fn, x)
        assert ours.shape == theirs.shape
        if mode == "bilinear":
            np.testing.assert_allclose(ours, theirs, atol=1e-4)
        else:  # a rounding tie in float32 grid coordinates may pick the neighbour pixel
            assert np.mean(np.abs(ours - theirs) > 1e-5) < 0.01
    pil = _pil(_img((3, 9, 12), dtype=np.uint8))
    f = None if fill is None else [int(v * 255) for v in fill]
    np.testing.assert_array_equal(np.asarray(F.rotate(pil, 33.0, m, True, None, f)),
                                  np.asarray(TF.rotate(pil, 33.0, tm, True, None, f)))
    np.testing.assert_array_equal(np.asarray(F.affine(pil, 15.0, [2, -1], 1.2, [10.0, 5.0], m, f)),
                                  np.asarray(TF.affine(pil, 15.0, [2, -1], 1.2, [10.0, 5.0], tm, f)))


def test_random_rotation_and_affine_use_their_params():
    x = _img((3, 8, 8), seed=9)
    r = T.RandomRotation(30, interpolation=T.InterpolationMode.BILINEAR)
    numnet.manual_seed(11)
    angle = r.get_params(r.degrees)
    assert -30 <= angle <= 30
    numnet.manual_seed(11)
    ref = TF.rotate(torch.from_numpy(x), angle, tvt.InterpolationMode.BILINEAR, fill=[0.0] * 3)
    np.testing.assert_allclose(r(x), ref.numpy(), atol=1e-4)
    a = T.RandomAffine(10, translate=(0.1, 0.2), scale=(0.9, 1.1), shear=(-5, 5, -3, 3),
                       interpolation=T.InterpolationMode.BILINEAR)
    numnet.manual_seed(12)
    p = a.get_params(a.degrees, a.translate, a.scale, a.shear, [8, 8])
    numnet.manual_seed(12)
    ref = TF.affine(torch.from_numpy(x), p[0], list(p[1]), p[2], list(p[3]), tvt.InterpolationMode.BILINEAR,
                    fill=[0.0] * 3)
    np.testing.assert_allclose(a(x), ref.numpy(), atol=1e-4)
