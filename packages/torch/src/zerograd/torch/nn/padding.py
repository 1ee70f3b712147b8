"""Padding modules (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad in 1-3
dimensions): each one ``torch.nn.functional.pad`` call with PyTorch's padding argument (an int
pads every side of the last N dimensions, a tuple gives (left, right, top, bottom, front, back))."""

from __future__ import annotations

from typing import Any

from zerograd.torch.nn._calls import call
from zerograd.torch.nn._families import by_dims
from zerograd.torch.nn.module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]


class _Pad(Module):
    """Pads the last ``dims`` dimensions in ``mode`` (with ``value`` when constant)."""

    mode = "constant"
    dims = 1

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.dims)
        padding = tuple(padding)
        if len(padding) != 2 * self.dims or not all(isinstance(p, int) for p in padding):
            raise ValueError(f"{name}: padding must be an int or a tuple of {2 * self.dims} "
                             f"ints, got {padding!r}")
        self.padding, self.value = padding, value

    def forward(self, input: Any) -> Any:  # noqa: A002  (PyTorch's name)
        if self.mode == "constant":
            return call(type(self).__name__, "pad", input, self.padding, "constant", self.value)
        return call(type(self).__name__, "pad", input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}" + (f", value={self.value}" if self.value else "")


class _ConstantPad(_Pad):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value)


class _ModePad(_Pad):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding)


ZeroPad1d, ZeroPad2d, ZeroPad3d = by_dims(_ModePad, "ZeroPad")
ConstantPad1d, ConstantPad2d, ConstantPad3d = by_dims(_ConstantPad, "ConstantPad")
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = by_dims(_ModePad, "ReflectionPad", mode="reflect")
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = by_dims(_ModePad, "ReplicationPad",
                                                               mode="replicate")
CircularPad1d, CircularPad2d, CircularPad3d = by_dims(_ModePad, "CircularPad", mode="circular")
