"""Transforms applied to each sample of a Dataset: Compose, AsType, ToFloat, ToInt, Normalize,
Flatten.

A transform is a callable on one sample. One whose ``batchable`` attribute is True can also run
once on a whole stacked batch (leading batch axis) through ``apply_batch``, which is how
DataLoader avoids a Python loop over samples. A plain function may declare ``f.batchable = True``
when calling it on a batch gives the stacked per-sample results (elementwise functions do).

>>> import numpy as np
>>> t = Compose([ToFloat(), Normalize(mean=127.5, std=127.5), Flatten()])
>>> t(np.full((1, 2, 2), 255, dtype=np.uint8))
array([1., 1., 1., 1.], dtype=float32)
>>> t.batchable
True
>>> t.apply_batch(np.zeros((3, 1, 2, 2), dtype=np.uint8)).shape
(3, 4)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from zerograd.core import cuda


def apply_to_batch(transform: Callable[[Any], Any], batch: Any) -> Any:
    """Run a batch-capable ``transform`` once on ``batch`` (leading axis = samples)."""
    apply_batch = getattr(transform, "apply_batch", None)
    return transform(batch) if apply_batch is None else apply_batch(batch)


class Transform:
    """Base class: ``__call__`` transforms one sample; ``apply_batch`` a stacked batch.

    A subclass that works elementwise sets ``batchable = True`` and needs nothing else; one whose
    meaning depends on the sample's axes (Flatten, Normalize) overrides ``apply_batch``.
    """

    batchable = False

    def __call__(self, x: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def apply_batch(self, batch: Any) -> Any:
        """Transform a batch whose first axis holds the samples."""
        if not self.batchable:
            raise TypeError(f"{type(self).__name__}.apply_batch: this transform works on one "
                            "sample at a time (batchable is False)")
        return self(batch)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Compose(Transform):
    """Apply several transforms in order; batchable when every part is.

    >>> Compose([ToFloat(), Flatten()])(np.ones((2, 2), dtype=np.uint8))
    array([1., 1., 1., 1.], dtype=float32)
    """

    def __init__(self, transforms: Iterable[Callable[[Any], Any]] = ()) -> None:
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transforms[{i}] is not callable, got {t!r}")

    @property
    def batchable(self) -> bool:  # a property: the list may change after construction
        return all(getattr(t, "batchable", False) for t in self.transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def apply_batch(self, batch: Any) -> Any:
        if not self.batchable:
            slow = [repr(t) for t in self.transforms if not getattr(t, "batchable", False)]
            raise TypeError(f"Compose.apply_batch: not every part is batchable: {', '.join(slow)}")
        for t in self.transforms:
            batch = apply_to_batch(t, batch)
        return batch


class AsType(Transform):
    """Cast the array to ``dtype``.

    >>> AsType(np.float64)(np.array([1, 2], dtype=np.uint8))
    array([1., 2.])
    """

    batchable = True

    def __init__(self, dtype: Any = np.float32) -> None:
        try:
            self.dtype = np.dtype(dtype)
        except TypeError as err:
            raise TypeError(f"{type(self).__name__}: dtype {dtype!r} is not a NumPy dtype") from err

    def __call__(self, x: Any) -> Any:
        return x.astype(self.dtype)

    def apply_batch(self, batch: Any) -> Any:
        # A gathered batch is the loader's own copy, so a cast to the same dtype can reuse it.
        return batch.astype(self.dtype, copy=False)


class ToFloat(AsType):
    """Cast to a floating dtype (float32 unless told).

    >>> ToFloat()(np.array([3], dtype=np.int64))
    array([3.], dtype=float32)
    """

    def __init__(self, dtype: Any = np.float32) -> None:
        super().__init__(dtype)


class ToInt(AsType):
    """Cast to an integer dtype (NumPy's default ``int`` unless told).

    >>> ToInt()(np.array([1.7, -2.2])).tolist()
    [1, -2]
    """

    def __init__(self, dtype: Any = int) -> None:
        super().__init__(dtype)


def _per_channel(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim > 1:
        raise ValueError(f"Normalize: {name} must be a number or a 1-D sequence, "
                         f"got shape {array.shape}")
    return array


class Normalize(Transform):
    """Standardise a sample: (x - mean) / std.

    ``mean`` and ``std`` are numbers or sequences with one value per entry of the sample's first
    axis (the channel axis of a CHW image); in ``apply_batch`` that axis is the batch's second.
    A floating sample keeps its dtype; an integer one becomes float32.

    >>> Normalize(mean=[0.0, 10.0], std=[1.0, 2.0])(np.array([[1.0], [14.0]], dtype=np.float32))
    array([[1.],
           [2.]], dtype=float32)
    """

    batchable = True

    def __init__(self, mean: Any = 0.0, std: Any = 1.0) -> None:
        self.mean = _per_channel(mean, "mean")
        self.std = _per_channel(std, "std")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {std!r}")

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()!r}, std={self.std.tolist()!r})"

    def _shaped(self, values: np.ndarray, x: Any, channel_axis: int, dtype: np.dtype) -> Any:
        if values.size == 1:
            return dtype.type(values.reshape(()))
        channels = x.shape[channel_axis] if x.ndim > channel_axis else None
        if len(values) != channels:
            raise ValueError(
                f"Normalize: {len(values)} mean/std values do not match axis {channel_axis} of "
                f"shape {x.shape} (expected 1 or {channels})")
        shape = [1] * x.ndim
        shape[channel_axis] = len(values)
        xp = cuda.get_array_module(x)
        return xp.asarray(values.astype(dtype).reshape(shape))

    def _normalize(self, x: Any, channel_axis: int) -> Any:
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        mean = self._shaped(self.mean, x, channel_axis, dtype)
        std = self._shaped(self.std, x, channel_axis, dtype)
        xp = cuda.get_array_module(x)
        out = xp.subtract(x, mean, dtype=dtype)
        out /= std  # in place: one temporary instead of two
        return out

    def __call__(self, x: Any) -> Any:
        return self._normalize(x, channel_axis=0)

    def apply_batch(self, batch: Any) -> Any:
        return self._normalize(batch, channel_axis=1)


class Flatten(Transform):
    """Flatten a sample to 1-D; on a batch, flatten each sample and keep the batch axis.

    >>> Flatten()(np.zeros((2, 3))).shape
    (6,)
    >>> Flatten().apply_batch(np.zeros((4, 2, 3))).shape
    (4, 6)
    """

    batchable = True

    def __call__(self, x: Any) -> Any:
        return x.flatten()

    def apply_batch(self, batch: Any) -> Any:
        return batch.reshape(len(batch), -1)


__all__ = ["AsType", "Compose", "Flatten", "Normalize", "ToFloat", "ToInt", "Transform",
           "apply_to_batch"]
