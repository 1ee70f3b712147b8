"""Reductions over axes: sum, mean (average), var, max, min, logsumexp."""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.math import exp
from zerograd.core.functions.shape import broadcast_to, reshape
from zerograd.core.variable import Variable, as_variable

Axis = int | tuple[int, ...] | None


def _axes(x_shape: tuple[int, ...], axis: Axis) -> set[int]:
    """The reduced axes as non-negative ints."""
    if axis is None:
        return set(range(len(x_shape)))
    return {a % len(x_shape) for a in ((axis,) if isinstance(axis, int) else axis)}


def _kept_shape(x_shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """The shape of a reduction over ``axis`` with keepdims=True."""
    axes = _axes(x_shape, axis)
    return tuple(1 if i in axes else n for i, n in enumerate(x_shape))


def _count(x_shape: tuple[int, ...], axis: Axis) -> int:
    """How many elements each output of a reduction over ``axis`` gathers."""
    n = 1
    for i in _axes(x_shape, axis):
        n *= x_shape[i]
    return n


class Sum(Function):
    __slots__ = ("axis", "keepdims", "x_shape")

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Any) -> Any:
        self.x_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy: Variable) -> Variable:
        gy = reshape(gy, _kept_shape(self.x_shape, self.axis))
        return broadcast_to(gy, self.x_shape)


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Sum over ``axis`` (all axes when None).

    >>> import numpy as np
    >>> sum(Variable(np.ones((2, 3))), axis=0)
    variable([2. 2. 2.])
    """
    return Sum(_as_axis(axis), keepdims)(x)


def _as_axis(axis: Any) -> Axis:
    return tuple(axis) if isinstance(axis, list) else axis


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Arithmetic mean over ``axis``; dtype is kept (float32 stays float32)."""
    x = as_variable(x)
    axis = _as_axis(axis)
    y = sum(x, axis, keepdims)
    return y * (1.0 / _count(x.shape, axis)) if x.dtype.kind in "fc" else y / _count(x.shape, axis)


average = mean  # the book's name


def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Variable:
    """Variance over ``axis`` as numpy.var: sum((x - mean)^2) / (n - ddof)."""
    x = as_variable(x)
    axis = _as_axis(axis)
    n = _count(x.shape, axis)
    if n - ddof <= 0:
        raise ValueError(f"var: {n} elements per output with ddof={ddof} leave no degrees of freedom")
    deviation = x - mean(x, axis, keepdims=True)
    return sum(deviation * deviation, axis, keepdims) * (1.0 / (n - ddof))


class Max(Function):
    """The largest element over ``axis``; ties share the gradient equally (like torch.amax)."""

    __slots__ = ("axis", "keepdims")
    reducer = "max"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Any) -> Any:
        return getattr(x, self.reducer)(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axis)
        y = self.outputs[0]().data.reshape(kept)
        winners = x.data == y
        share = winners / winners.sum(axis=self.axis, keepdims=True)
        return broadcast_to(reshape(gy, kept), x.shape) * share.astype(x.dtype)


class Min(Max):
    __slots__ = ()
    reducer = "min"


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Maximum over ``axis`` (all axes when None)."""
    return Max(_as_axis(axis), keepdims)(x)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Minimum over ``axis`` (all axes when None)."""
    return Min(_as_axis(axis), keepdims)(x)


class LogSumExp(Function):
    """log(sum(exp(x))) computed stably (shifted by the maximum); the gradient is softmax(x)."""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        m = x.max(axis=self.axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf rows: avoid inf - inf
        y = xp.log(xp.exp(x - m).sum(axis=self.axis, keepdims=True)) + m
        return y if self.keepdims else y.reshape(_drop_axes(x.shape, self.axis))

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axis)
        y = reshape(self.outputs[0](), kept)
        return broadcast_to(reshape(gy, kept), x.shape) * exp(x - y)


def _drop_axes(x_shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """The shape of a reduction over ``axis`` with keepdims=False."""
    axes = _axes(x_shape, axis)
    return tuple(n for i, n in enumerate(x_shape) if i not in axes)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Variable:
    """log(sum(exp(x), axis)) without overflow."""
    return LogSumExp(_as_axis(axis), keepdims)(x)
