"""Image transforms: Convert, Resize, CenterCrop, RandomHorizontalFlip, RandomCrop, ToArray,
ToPIL; with zerograd.data's generic ones (Compose, Normalize, ToFloat, ...) re-exported here.

As in the book, sizes are an int or a (width, height) pair, PIL's order. Convert, Resize, ToArray
and ToPIL work with PIL images and need Pillow (`pip install 'zerograd-vision[image]'`); the
crops and the flip take a PIL image or a (C, H, W) array. Random transforms draw from NumPy's
global generator, so ``np.random.seed`` repeats them.

>>> import numpy as np
>>> crop = Compose([CenterCrop(2), ToFloat()])
>>> crop(np.arange(16, dtype=np.uint8).reshape(1, 4, 4))
array([[[ 5.,  6.],
        [ 9., 10.]]], dtype=float32)
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from zerograd.data.transforms import (
    AsType,
    Compose,
    Flatten,
    Normalize,
    ToFloat,
    ToInt,
    Transform,
)

__all__ = [
    "AsType", "CenterCrop", "Compose", "Convert", "Flatten", "Normalize", "RandomCrop",
    "RandomHorizontalFlip", "Resize", "ToArray", "ToFloat", "ToInt", "ToPIL", "Transform",
]


def _pillow(user: str) -> Any:
    """PIL.Image, or an ImportError that names the extra to install."""
    try:
        return importlib.import_module("PIL.Image")
    except ImportError as err:
        raise ImportError(f"{user} needs Pillow: pip install 'zerograd-vision[image]' "
                          f"(or pip install Pillow)") from err


def _is_pil(img: Any) -> bool:
    module = type(img).__module__
    return module.startswith("PIL.") and hasattr(img, "size") and hasattr(img, "crop")


def _size_pair(transform: str, size: Any) -> tuple[int, int]:
    """An int or a (width, height) pair of positive ints."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in size)
            or min(size) <= 0):
        raise ValueError(f"{transform}: size must be a positive int or a (width, height) pair, "
                         f"got {size!r}")
    return int(size[0]), int(size[1])


def _image_size(transform: str, img: Any) -> tuple[int, int]:
    """(width, height) of a PIL image or of a (C, H, W) array."""
    if _is_pil(img):
        return img.size
    if isinstance(img, np.ndarray) and img.ndim == 3:
        return img.shape[2], img.shape[1]
    raise TypeError(f"{transform}: expected a PIL image or a (C, H, W) array, got "
                    f"{type(img).__name__}{' of shape ' + str(img.shape) if hasattr(img, 'shape') else ''}")


def _crop(img: Any, left: int, top: int, width: int, height: int) -> Any:
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    return img[..., top:top + height, left:left + width]


class Convert(Transform):
    """Convert a PIL image to ``mode`` ('RGB', 'L', ...; 'BGR' gives RGB with the channels
    reversed, the order of Caffe's models, as in the book)."""

    def __init__(self, mode: str = "RGB") -> None:
        self.mode = mode

    def __call__(self, img: Any) -> Any:
        image = _pillow("Convert")
        if not _is_pil(img):
            raise TypeError(f"Convert: expected a PIL image, got {type(img).__name__}")
        if self.mode == "BGR":
            r, g, b = img.convert("RGB").split()
            return image.merge("RGB", (b, g, r))
        return img.convert(self.mode)


class Resize(Transform):
    """Resize a PIL image to ``size`` (int or (width, height)) with ``resample`` (bilinear)."""

    def __init__(self, size: Any, resample: Any = None) -> None:
        self.size = _size_pair("Resize", size)
        self.resample = resample

    def __call__(self, img: Any) -> Any:
        image = _pillow("Resize")
        if not _is_pil(img):
            raise TypeError(f"Resize: expected a PIL image, got {type(img).__name__} "
                            "(ToPIL turns a (C, H, W) uint8 array into one)")
        resample = image.Resampling.BILINEAR if self.resample is None else self.resample
        return img.resize(self.size, resample)


class CenterCrop(Transform):
    """The central (width, height) region of a PIL image or a (C, H, W) array; an odd margin
    leaves its extra pixel on the right and at the bottom, as in the book.

    >>> CenterCrop((1, 2))(np.arange(9).reshape(1, 3, 3))
    array([[[1],
            [4]]])
    """

    batchable = True  # on arrays: the same slice for every sample

    def __init__(self, size: Any) -> None:
        self.size = _size_pair("CenterCrop", size)

    def __call__(self, img: Any) -> Any:
        (w, h), (ow, oh) = _image_size("CenterCrop", img), self.size
        if ow > w or oh > h:
            raise ValueError(f"CenterCrop: size {self.size} (width, height) exceeds the image's "
                             f"{(w, h)}")
        return _crop(img, (w - ow) // 2, (h - oh) // 2, ow, oh)

    def apply_batch(self, batch: Any) -> Any:
        (ow, oh), (h, w) = self.size, batch.shape[-2:]
        if ow > w or oh > h:
            raise ValueError(f"CenterCrop: size {self.size} (width, height) exceeds the images' "
                             f"{(w, h)}")
        top, left = (h - oh) // 2, (w - ow) // 2
        return batch[..., top:top + oh, left:left + ow]


class RandomHorizontalFlip(Transform):
    """Mirror a PIL image or a (C, H, W) array left to right with probability ``p``.

    >>> RandomHorizontalFlip(p=1.0)(np.array([[[1, 2, 3]]]))
    array([[[3, 2, 1]]])
    """

    def __init__(self, p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must lie in [0, 1], got {p}")
        self.p = p

    def __call__(self, img: Any) -> Any:
        _image_size("RandomHorizontalFlip", img)
        if np.random.random() >= self.p:
            return img
        if _is_pil(img):
            return img.transpose(_pillow("RandomHorizontalFlip").Transpose.FLIP_LEFT_RIGHT)
        return img[..., ::-1].copy()


class RandomCrop(Transform):
    """A (width, height) region at a random place of a PIL image or a (C, H, W) array, after
    ``padding`` (int, or (left/right, top/bottom)) pixels of ``fill`` on each side (the usual
    CIFAR augmentation: RandomCrop(32, padding=4)).

    >>> np.random.seed(0)
    >>> RandomCrop(2, padding=1)(np.ones((3, 2, 2))).shape
    (3, 2, 2)
    """

    def __init__(self, size: Any, padding: Any = 0, fill: float = 0) -> None:
        self.size = _size_pair("RandomCrop", size)
        if isinstance(padding, (int, np.integer)):
            padding = (int(padding), int(padding))
        if (not isinstance(padding, (tuple, list)) or len(padding) != 2
                or min(padding) < 0):
            raise ValueError(f"RandomCrop: padding must be a non-negative int or pair, got "
                             f"{padding!r}")
        self.padding, self.fill = (int(padding[0]), int(padding[1])), fill

    def _padded(self, img: Any) -> Any:
        px, py = self.padding
        if px == 0 and py == 0:
            return img
        if _is_pil(img):
            image = _pillow("RandomCrop")
            w, h = img.size
            canvas = image.new(img.mode, (w + 2 * px, h + 2 * py), self.fill)
            canvas.paste(img, (px, py))
            return canvas
        widths = [(0, 0)] * (img.ndim - 2) + [(py, py), (px, px)]
        return np.pad(img, widths, constant_values=self.fill)

    def __call__(self, img: Any) -> Any:
        _image_size("RandomCrop", img)
        img = self._padded(img)
        (w, h), (ow, oh) = _image_size("RandomCrop", img), self.size
        if ow > w or oh > h:
            raise ValueError(f"RandomCrop: size {self.size} (width, height) exceeds the padded "
                             f"image's {(w, h)}")
        top = np.random.randint(0, h - oh + 1)
        left = np.random.randint(0, w - ow + 1)
        return _crop(img, left, top, ow, oh)


class ToArray(Transform):
    """A PIL image as a (C, H, W) array of ``dtype`` (a grayscale image gets C = 1); an array
    passes through unchanged, as in the book."""

    def __init__(self, dtype: Any = np.float32) -> None:
        self.dtype = dtype

    def __call__(self, img: Any) -> Any:
        if isinstance(img, np.ndarray):
            return img
        if not _is_pil(img):
            raise TypeError(f"ToArray: expected a PIL image or an array, got {type(img).__name__}")
        array = np.asarray(img)
        array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
        return array.astype(self.dtype)


class ToPIL(Transform):
    """A (C, H, W) array (C = 1, 3 or 4; uint8, or floats in [0, 255]) as a PIL image."""

    def __call__(self, array: Any) -> Any:
        image = _pillow("ToPIL")
        if not isinstance(array, np.ndarray) or array.ndim != 3 or array.shape[0] not in (1, 3, 4):
            raise ValueError(f"ToPIL: expected a (C, H, W) array with C in (1, 3, 4), got "
                             f"{getattr(array, 'shape', type(array).__name__)}")
        data = array.transpose(1, 2, 0)
        if data.dtype != np.uint8:
            data = np.clip(np.rint(data), 0, 255).astype(np.uint8)
        return image.fromarray(data[:, :, 0] if data.shape[2] == 1 else data)
