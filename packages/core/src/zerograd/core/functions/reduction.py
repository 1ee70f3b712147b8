"""Reductions over axes: sum, mean (average), var, max, min, logsumexp.

Every wrapper checks ``axis`` against its input (NumPy integers are accepted), so a Function
holds its axes as a tuple of non-negative ints, or None for all of them."""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import check_has_data, is_int, normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.math import exp
from zerograd.core.functions.shape import broadcast_to, reshape
from zerograd.core.variable import Variable, as_variable

Axis = tuple[int, ...] | None


def _reduced_axes(op: str, x: Any, axis: Any) -> tuple[int, ...] | None:
    """``axis`` (None, an int or a sequence of ints, NumPy ints too; negative counts from the end)
    checked against x, as a tuple of non-negative ints; None (every axis) stays None."""
    if axis is None:
        return None
    check_has_data(op, "x", x)
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if x.ndim == 0 and items:
        # A 0-d input has no axis to name (numpy.mean and numpy.var refuse one; numpy.sum's
        # quirk of taking 0 and -1 would let a wrong axis pass silently): only None or ().
        for a in items:
            if not is_int(a):
                normalize_axis(op, a, 0)  # raises TypeError, naming the axis
        raise ValueError(f"{op}: axis {axis!r} is out of range for a 0-d input of shape (): "
                         f"a 0-d input can only be reduced with axis=None or axis=()")
    axes = tuple(normalize_axis(op, a, x.ndim) for a in items)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axis {axis!r} names an axis twice")
    return axes


def _axes(x_shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """The reduced axes (already normalised, or None for all of them)."""
    return tuple(range(len(x_shape))) if axis is None else axis


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


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Sum over ``axis`` (all axes when None).

    >>> import numpy as np
    >>> sum(Variable(np.ones((2, 3))), axis=0)
    variable([2. 2. 2.])
    """
    return Sum(_reduced_axes("sum", x, axis), keepdims)(x)


# float16 sums overflow long before their mean does (1,000 values of 100): accumulate in float32.
_WIDER_ACCUMULATOR = {"e": "f"}


class Mean(Function):
    """The arithmetic mean over ``axis``: floating inputs keep their dtype (float16 is accumulated
    in float32), integer ones give float64 as in NumPy."""

    __slots__ = ("axis", "keepdims", "x_shape")

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Any) -> Any:
        self.x_shape = x.shape
        y = x.mean(axis=self.axis, keepdims=self.keepdims, dtype=_WIDER_ACCUMULATOR.get(x.dtype.char))
        return y.astype(x.dtype, copy=False) if x.dtype.kind in "fc" else y

    def backward(self, gy: Variable) -> Variable:
        gy = reshape(gy, _kept_shape(self.x_shape, self.axis)) * (1.0 / _count(self.x_shape, self.axis))
        return broadcast_to(gy, self.x_shape)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Variable:
    """Arithmetic mean over ``axis``; float dtypes are kept (float32 stays float32, float16 does
    not overflow), integers give float64.

    >>> import numpy as np
    >>> mean(np.full(1000, 100, dtype=np.float16))
    variable(100.0)
    """
    x = as_variable(x)
    check_has_data("mean", "x", x)
    axis = _reduced_axes("mean", x, axis)
    if _count(x.shape, axis) == 0:
        raise ValueError(f"mean: no elements to average over axis {axis} of an input of shape {x.shape}")
    return Mean(axis, keepdims)(x)


average = mean  # the book's name


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Variable:
    """Variance over ``axis`` as numpy.var: sum((x - mean)^2) / (n - ddof)."""
    x = as_variable(x)
    check_has_data("var", "x", x)
    axis = _reduced_axes("var", x, axis)
    n = _count(x.shape, axis)
    if n - ddof <= 0:
        raise ValueError(f"var: {n} elements per output with ddof={ddof} leave no degrees of freedom")
    deviation = x - mean(x, axis, keepdims=True)
    squares = mean(deviation * deviation, axis, keepdims)  # a mean, so float16 does not overflow
    return squares if ddof == 0 else squares * (n / (n - ddof))


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


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Maximum over ``axis`` (all axes when None)."""
    return Max(_reduced_axes("max", x, axis), keepdims)(x)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Minimum over ``axis`` (all axes when None)."""
    return Min(_reduced_axes("min", x, axis), keepdims)(x)


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


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Variable:
    """log(sum(exp(x), axis)) without overflow."""
    return LogSumExp(_reduced_axes("logsumexp", x, axis), keepdims)(x)
