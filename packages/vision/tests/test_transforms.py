"""Image transforms on (C, H, W) arrays and, where Pillow is installed, on PIL images; the clear
error when Pillow (the `image` extra) is missing."""

import importlib

import numpy as np
import pytest

from zerograd.vision import transforms as T


def pil():
    return pytest.importorskip("PIL.Image", reason="Pillow is the optional extra "
                                                   "zerograd-vision[image]")


def test_center_crop_on_arrays_and_batches():
    x = np.arange(2 * 5 * 6).reshape(2, 5, 6)
    y = T.CenterCrop((3, 2))(x)  # (width, height)
    np.testing.assert_array_equal(y, x[:, 1:3, 1:4])
    batch = np.stack([x, x + 1])
    np.testing.assert_array_equal(T.CenterCrop((3, 2)).apply_batch(batch), batch[..., 1:3, 1:4])
    with pytest.raises(ValueError, match=r"CenterCrop: size \(7, 7\) \(width, height\) exceeds"):
        T.CenterCrop(7)(x)
    with pytest.raises(TypeError, match=r"CenterCrop: expected a PIL image or a \(C, H, W\) array"):
        T.CenterCrop(2)(np.ones((4, 4)))


def test_random_horizontal_flip_uses_the_global_generator():
    x = np.arange(6).reshape(1, 2, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(x), x[..., ::-1])
    assert T.RandomHorizontalFlip(0.0)(x) is x
    np.random.seed(5)
    first = [T.RandomHorizontalFlip()(x)[0, 0, 0] for _ in range(20)]
    np.random.seed(5)
    again = [T.RandomHorizontalFlip()(x)[0, 0, 0] for _ in range(20)]
    assert first == again and set(first) == {0, 2}
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        T.RandomHorizontalFlip(2)


def test_random_crop_with_padding():
    x = np.arange(1, 17, dtype=np.uint8).reshape(1, 4, 4)
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2)))
    np.random.seed(0)
    crops = [T.RandomCrop(4, padding=2)(x) for _ in range(30)]
    np.random.seed(0)
    for crop in crops:
        top, left = np.random.randint(0, 5), np.random.randint(0, 5)
        np.testing.assert_array_equal(crop, padded[:, top:top + 4, left:left + 4])
    assert len({c.tobytes() for c in crops}) > 5
    with pytest.raises(ValueError, match="RandomCrop: size \\(9, 9\\) .* exceeds the padded"):
        T.RandomCrop(9, padding=2)(x)


def test_generic_transforms_are_re_exported():
    t = T.Compose([T.CenterCrop(2), T.ToFloat(), T.Normalize(0.0, 255.0), T.Flatten()])
    y = t(np.full((1, 4, 4), 255, dtype=np.uint8))
    assert y.dtype == np.float32 and y.tolist() == [1.0] * 4
    assert t.batchable


def test_pil_pipeline():
    image = pil()
    rgb = np.random.default_rng(0).integers(0, 256, (3, 6, 8), dtype=np.uint8)
    img = T.ToPIL()(rgb)
    assert img.size == (8, 6) and img.mode == "RGB"
    np.testing.assert_array_equal(T.ToArray(np.uint8)(img), rgb)
    assert T.Resize((4, 3))(img).size == (4, 3)
    assert T.Resize(5)(img).size == (5, 5)
    cropped = T.CenterCrop((4, 2))(img)
    np.testing.assert_array_equal(T.ToArray(np.uint8)(cropped), rgb[:, 2:4, 2:6])
    bgr = T.ToArray(np.uint8)(T.Convert("BGR")(img))
    np.testing.assert_array_equal(bgr, rgb[::-1])
    gray = T.Convert("L")(img)
    assert T.ToArray()(gray).shape == (1, 6, 8) and T.ToArray()(gray).dtype == np.float32
    flipped = T.ToArray(np.uint8)(T.RandomHorizontalFlip(1.0)(img))
    np.testing.assert_array_equal(flipped, rgb[..., ::-1])
    assert T.RandomCrop((4, 4), padding=1)(img).size == (4, 4)
    assert isinstance(T.ToPIL()(rgb.astype(np.float32)), image.Image)
    with pytest.raises(TypeError, match="Resize: expected a PIL image"):
        T.Resize(4)(rgb)


def test_missing_pillow_names_the_extra(monkeypatch):
    real_import = importlib.import_module

    def without_pillow(name, *args, **kwargs):
        if name.startswith("PIL"):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", without_pillow)
    with pytest.raises(ImportError, match=r"ToPIL needs Pillow: pip install 'zerograd-vision\[image\]'"):
        T.ToPIL()(np.zeros((3, 2, 2), dtype=np.uint8))
    with pytest.raises(ImportError, match="Resize needs Pillow"):
        T.Resize(4)(object())


def test_bad_sizes():
    with pytest.raises(ValueError, match="Resize: size must be a positive int or a"):
        T.Resize(0)
    with pytest.raises(ValueError, match="RandomCrop: padding must be a non-negative"):
        T.RandomCrop(4, padding=-1)
    with pytest.raises(ValueError, match=r"ToPIL: expected a \(C, H, W\) array"):
        pil()
        T.ToPIL()(np.zeros((2, 2)))
