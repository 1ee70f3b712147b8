"""``torch.device`` and the ``to(...)`` argument forms, mapped onto zerograd's CuPy path."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.checks import ARRAY_TYPES


class device:  # noqa: N801  (PyTorch's name)
    """``device('cpu')``, ``device('cuda')`` or ``device('cuda:0')``: where arrays live (NumPy or
    CuPy). Only the type matters: zerograd uses CuPy's current device."""

    def __init__(self, spec: Any, index: int | None = None) -> None:
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        if not isinstance(spec, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise ValueError(f"device: expected 'cpu' or 'cuda', got {spec!r}")
        self.type = kind
        self.index = int(number) if number else index

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, (device, str)) and str(device(other)) == str(self)

    __hash__ = object.__hash__

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"


def device_of(array: Any) -> device:
    return device("cpu" if isinstance(array, np.ndarray) else "cuda")


def _is_dtype(value: Any) -> bool:
    if isinstance(value, (str, device)):
        return False
    try:
        np.dtype(value)
    except TypeError:
        return False
    return True


def split_to_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """(device or None, dtype or None) from the forms of ``Tensor.to``."""
    target_device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, ARRAY_TYPES) or hasattr(arg, "data") and isinstance(arg.data, ARRAY_TYPES):
            array = getattr(arg, "data", arg)
            target_device, dtype = device_of(array), array.dtype
        elif _is_dtype(arg):
            dtype = arg
        else:
            target_device = arg
    return (None if target_device is None else device(target_device)), dtype
