"""Dataset: the book's base class for data sets, plus one-index batch gathering.

A subclass fills ``self.data`` (and ``self.label``, or leaves it None) in ``prepare()``;
``dataset[i]`` returns ``(transform(data[i]), target_transform(label[i]))``. When both are arrays
and both transforms are batchable, ``get_batch(indices)`` returns the same stacked batch with one
fancy index and one transform call, which DataLoader uses instead of a loop over samples.

>>> import numpy as np
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
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.data.transforms import apply_to_batch


def _identity(x: Any) -> Any:
    return x


_identity.batchable = True


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) or (cuda.cupy is not None and isinstance(x, cuda.cupy.ndarray))


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
                and _is_array(self.data)
                and (self.label is None or _is_array(self.label))
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


__all__ = ["Dataset"]
