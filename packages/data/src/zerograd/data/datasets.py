"""Data sets: the book's Dataset base class and its toy data sets, the three-arm spiral and the
sine curve (the book keeps them together in dezero/datasets.py; so does zerograd).

A subclass of Dataset fills ``self.data`` (and ``self.label``, or leaves it None) in ``prepare()``;
``dataset[i]`` returns ``(transform(data[i]), target_transform(label[i]))``. When both are arrays
and both transforms are batchable, ``get_batch(indices)`` returns the same stacked batch with one
fancy index and one transform call, which DataLoader uses instead of a loop over samples.

>>> class Squares(Dataset):
...     def prepare(self):
...         self.data = np.arange(4.0)
...         self.label = self.data ** 2
>>> ds = Squares()
>>> x, t = ds[3]
>>> len(ds), float(x), float(t)
(4, 3.0, 9.0)
>>> ds.get_batch(np.array([1, 3]))
(array([1., 3.]), array([1., 9.]))
>>> train = Spiral(train=True)
>>> len(train), train.data.dtype, train.label.dtype
(300, dtype('float32'), dtype('int64'))
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.checks import is_array
from zerograd.data.transforms import apply_to_batch

# ruff: noqa: NPY002  (the book's toy data draw from NumPy's global generator, on purpose)


def _identity(x: Any) -> Any:
    return x


_identity.batchable = True


def _take(array: Any, indices: Any) -> Any:
    xp = cuda.get_array_module(array)
    return array.take(xp.asarray(indices), axis=0)


class Dataset:
    """Base class of data sets: ``prepare()`` fills ``self.data`` and ``self.label``.

    Args:
        train: which split ``prepare()`` should load.
        transform: applied to each sample ``data[i]`` (identity when None).
        target_transform: applied to each label ``label[i]`` (identity when None).
    """

    def __init__(self, train: bool = True, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None) -> None:
        for name, value in (("transform", transform), ("target_transform", target_transform)):
            if value is not None and not callable(value):
                raise TypeError(f"{type(self).__name__}: {name} must be callable, got {value!r}")
        self.train = train
        self.transform = _identity if transform is None else transform
        self.target_transform = _identity if target_transform is None else target_transform
        self.data = None
        self.label = None
        self.prepare()

    def prepare(self) -> None:
        """Load the samples into ``self.data`` (and labels into ``self.label``); a hook."""

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        try:
            i = operator.index(index)
        except TypeError:
            raise TypeError(f"{type(self).__name__}[index]: index must be an integer, got "
                            f"{type(index).__name__}") from None
        x = self.transform(self.data[i])
        if self.label is None:
            return x, None
        return x, self.target_transform(self.label[i])

    def __len__(self) -> int:
        if self.data is None:
            raise TypeError(f"{type(self).__name__}: prepare() left self.data as None, so the "
                            "data set has no length (override __len__ for lazily loaded data)")
        return len(self.data)

    @property
    def batchable(self) -> bool:
        """True when ``get_batch`` may gather a batch with one fancy index.

        That needs array ``data`` (and ``label`` an array or None), batchable transforms and the
        base class's ``__getitem__`` (a subclass that overrides it must say so by overriding
        this property and ``get_batch`` too).
        """
        return (type(self).__getitem__ is Dataset.__getitem__
                and is_array(self.data)
                and (self.label is None or is_array(self.label))
                and getattr(self.transform, "batchable", False)
                and (self.label is None or getattr(self.target_transform, "batchable", False)))

    def get_batch(self, indices: Any) -> tuple[Any, Any]:
        """The samples at ``indices`` (1-D integer array) stacked along a new first axis.

        Equal to stacking ``self[i]`` for each i, computed with one ``take`` per array.
        """
        x = apply_to_batch(self.transform, _take(self.data, indices))
        if self.label is None:
            return x, None
        return x, apply_to_batch(self.target_transform, _take(self.label, indices))


# --- the book's toy data sets -----------------------------------------------------------------
SPIRAL_CLASSES = 3
SPIRAL_POINTS_PER_CLASS = 100


def get_spiral(train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms: points ``x`` (300, 2) float32, class ids ``t`` (300,) int64.

    Arm j, point i (rate r = i / 100) lies at radius r and angle 4j + 4r + 0.2 * noise, as
    (r sin(angle), r cos(angle)); the 300 points come in a random order. Like the book it seeds
    NumPy's global generator (1984 for train, 2020 for test), so the book's scripts, which
    initialise their models right after loading, repeat the book's numbers.

    >>> x, t = get_spiral()
    >>> x.shape, t.shape, sorted(set(t.tolist()))
    ((300, 2), (300,), [0, 1, 2])
    """
    np.random.seed(1984 if train else 2020)
    rate = np.arange(SPIRAL_POINTS_PER_CLASS) / SPIRAL_POINTS_PER_CLASS
    noise = np.random.randn(SPIRAL_CLASSES, SPIRAL_POINTS_PER_CLASS)  # drawn arm by arm
    angle = 4.0 * np.arange(SPIRAL_CLASSES)[:, None] + 4.0 * rate + 0.2 * noise
    points = np.stack([rate * np.sin(angle), rate * np.cos(angle)], axis=-1)
    x = points.reshape(-1, 2).astype(np.float32)
    t = np.repeat(np.arange(SPIRAL_CLASSES, dtype=np.int64), SPIRAL_POINTS_PER_CLASS)
    order = np.random.permutation(len(x))
    return x[order], t[order]


class Spiral(Dataset):
    """The spiral of ``get_spiral`` as a Dataset: ``dataset[i]`` is (point (2,), class id).

    >>> x, t = Spiral()[0]
    >>> x.shape, int(t)
    ((2,), 1)
    """

    def prepare(self) -> None:
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset):
    """One-step-ahead prediction on a sine wave: ``data[k]`` is y(k) and ``label[k]`` is y(k+1).

    y is sampled at 1,000 points over [0, 2 pi]: sin(x) plus uniform noise in [-0.05, 0.05) for
    train, the clean cos(x) for test (the noise is drawn from NumPy's global generator either way,
    as in the book). ``data`` and ``label`` are float64 of shape (999, 1).

    >>> ds = SinCurve(train=False)
    >>> ds.data.shape, ds.label.shape, bool((ds.data[1:] == ds.label[:-1]).all())
    ((999, 1), (999, 1), True)
    """

    num_data = 1000

    def prepare(self) -> None:
        x = np.linspace(0, 2 * np.pi, self.num_data)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = np.sin(x) + noise if self.train else np.cos(x)
        y = y.astype(np.float64)[:, None]
        self.data = y[:-1]
        self.label = y[1:]


__all__ = ["Dataset", "SinCurve", "Spiral", "get_spiral"]
