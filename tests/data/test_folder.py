"""ImageFolder / DatasetFolder on generated folders, against torchvision's (imported without its CUDA extension)."""

import warnings

import numpy as np
import pytest
from PIL import Image

from numnet.data import DataLoader
from numnet.data.transforms import ToTensor
from numnet.datasets import IMG_EXTENSIONS, DatasetFolder, ImageFolder, find_classes
from numnet.errors import FileFormatError
from tests.torchvision_ref import torchvision_folder

TV = torchvision_folder()


def _img(path, value, size=(6, 4), mode="RGB"):
    arr = np.full((size[1], size[0], 3), value, np.uint8)
    arr[0, 0] = (255, 0, 0)
    im = Image.fromarray(arr).convert(mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "pets"
    _img(root / "dog" / "b.PNG", 10)
    _img(root / "dog" / "a.jpg", 20)
    _img(root / "cat" / "sub" / "z.bmp", 30, mode="L")
    _img(root / "cat" / "x.webp", 40)
    _img(root / "cat" / "y.tiff", 50, mode="RGBA")
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "bird").mkdir()
    _img(root / "bird" / "p.png", 60, mode="P")
    return root


def test_image_folder_matches_torchvision(folder):
    ds = ImageFolder(folder)
    assert ds.classes == ["bird", "cat", "dog"] and ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    names = [p.split("pets/")[1] for p, _ in ds.samples]
    assert names == ["bird/p.png", "cat/x.webp", "cat/y.tiff", "cat/sub/z.bmp", "dog/a.jpg", "dog/b.PNG"]
    assert ds.targets == [0, 1, 1, 1, 2, 2] and ds.imgs is ds.samples and len(ds) == 6
    assert TV is not None, "torchvision.datasets.folder should import under the bare package"
    ref = TV.ImageFolder(str(folder), loader=TV.pil_loader)  # its default picks a backend from the bare package
    assert ref.classes == ds.classes and ref.class_to_idx == ds.class_to_idx
    assert ref.samples == ds.samples and ref.targets == ds.targets
    for i in range(len(ds)):
        ours, t = ds[i]
        theirs, t2 = ref[i]
        assert t == t2 and ours.mode == theirs.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    assert find_classes(folder) == TV.find_classes(str(folder))


def test_extensions_is_valid_file_and_empty_classes(folder, tmp_path):
    assert ".gif" in IMG_EXTENSIONS and ".PNG".lower() in IMG_EXTENSIONS
    only_png = ImageFolder(folder, extensions=(".png",), allow_empty=True)
    assert [t for _, t in only_png.samples] == [0, 2]
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes cat"):
        ImageFolder(folder, extensions=(".png",))
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes cat"):
        TV.DatasetFolder(str(folder), loader=TV.pil_loader, extensions=(".png",))
    ds = ImageFolder(folder, is_valid_file=lambda p: p.endswith(".txt"), allow_empty=True)
    assert len(ds) == 1 and ds.targets == [1]
    (tmp_path / "flat").mkdir()
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        ImageFolder(tmp_path / "flat")
    generic = DatasetFolder(folder, loader=lambda p: p, extensions=(".jpg",), allow_empty=True)
    assert generic[0][0].endswith("a.jpg") and generic[0][1] == 2


def test_transforms_loader_and_dataloader(folder):
    ds = ImageFolder(folder, transform=ToTensor(), target_transform=lambda t: t * 10)
    x, y = ds[0]
    assert x.shape == (3, 4, 6) and x.dtype == np.float32 and y == 0
    np.testing.assert_allclose(x._data[:, 0, 0], [1.0, 0.0, 0.0])
    xb, yb = next(iter(DataLoader(ds, batch_size=6, num_workers=2)))
    assert xb.shape == (6, 3, 4, 6) and yb.tolist() == [0, 10, 10, 10, 20, 20]


def test_exif_orientation_is_honoured(tmp_path):
    root = tmp_path / "r"
    (root / "a").mkdir(parents=True)
    arr = np.zeros((2, 4, 3), np.uint8)
    arr[0, 3] = 255
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    im.save(root / "a" / "r.jpg", exif=exif, quality=100)
    img, _ = ImageFolder(root)[0]
    assert img.size == (2, 4)  # width and height swapped: the image was turned upright


def test_corrupt_files_raise_or_warn(folder):
    bad = folder / "dog" / "c.png"
    bad.write_bytes(b"\x89PNG not really")
    ds = ImageFolder(folder)
    k = [p for p, _ in ds.samples].index(str(bad))
    with pytest.raises(FileFormatError, match=r"cannot read image .*dog/c.png"):
        ds[k]
    with pytest.warns(UserWarning, match=r"skipping .*c.png"):
        kept = ImageFolder(folder, on_error="warn")
    assert len(kept) == 6 and str(bad) not in [p for p, _ in kept.samples]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ImageFolder(folder).classes == kept.classes
