"""Functions that move elements without changing them: reshape, transpose, indexing, broadcasting,
joining and splitting. Each backward moves the gradient back the other way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zerograd.core import cuda, utils
from zerograd.core.checks import check_has_data, normalize_axis
from zerograd.core.function import Function
from zerograd.core.variable import Variable, as_variable


def _input(op: str, x: Any) -> Variable:
    """x as a Variable whose shape can be read (a Variable created with None is named)."""
    x = as_variable(x)
    check_has_data(op, "x", x)
    return x


# --- reshape and friends -----------------------------------------------------------------------
class Reshape(Function):
    __slots__ = ("shape", "x_shape")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        self.x_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy: Variable) -> Variable:
        return reshape(gy, self.x_shape)


def reshape(x: Any, shape: Sequence[int]) -> Variable:
    """x with a new shape (one entry may be -1); a no-op when the shape already matches."""
    shape = tuple(shape)
    if isinstance(x, Variable) and x.data is not None and x.data.shape == shape:
        return x
    return Reshape(shape)(x)


def flatten(x: Any) -> Variable:
    """Keep the batch axis and flatten the rest: (N, ...) -> (N, prod(...)), as in the book."""
    x = _input("flatten", x)
    return reshape(x, (x.shape[0], -1))


def expand_dims(x: Any, axis: int) -> Variable:
    """Insert an axis of length 1 at position ``axis``."""
    x = _input("expand_dims", x)
    axis = normalize_axis("expand_dims", axis, x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x: Any, axis: int | tuple[int, ...] | None = None) -> Variable:
    """Remove axes of length 1 (all of them, or those named by ``axis``)."""
    x = _input("squeeze", x)
    if axis is None:
        axes = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        axes = {normalize_axis("squeeze", a, x.ndim) for a in np.atleast_1d(axis).tolist()}
        wrong = [a for a in sorted(axes) if x.shape[a] != 1]
        if wrong:
            raise ValueError(f"squeeze: axis {wrong[0]} of shape {x.shape} "
                             f"has length {x.shape[wrong[0]]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


# --- transpose ---------------------------------------------------------------------------------
class Transpose(Function):
    __slots__ = ("axes",)

    def __init__(self, axes: tuple[int, ...] | None = None) -> None:
        self.axes = axes

    def forward(self, x: Any) -> Any:
        return x.transpose(self.axes)

    def backward(self, gy: Variable) -> Variable:
        if self.axes is None:
            return transpose(gy)
        inverse = tuple(int(i) for i in np.argsort(self.axes))
        return transpose(gy, inverse)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Variable:
    """Permute the axes (reverse them when ``axes`` is None)."""
    if axes is not None:
        ndim = _input("transpose", x).ndim
        given = tuple(axes)
        axes = tuple(normalize_axis("transpose", a, ndim) for a in given)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"transpose: axes {given} are not a permutation of {ndim} dimensions")
    return Transpose(axes)(x)


def swapaxes(x: Any, axis1: int, axis2: int) -> Variable:
    """Exchange two axes (used for the batched matrix transpose)."""
    x = _input("swapaxes", x)
    axis1 = normalize_axis("swapaxes", axis1, x.ndim)
    axis2 = normalize_axis("swapaxes", axis2, x.ndim)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return Transpose(tuple(axes))(x)


# --- indexing ----------------------------------------------------------------------------------
def _has_integer_arrays(index: Any) -> bool:
    """True when an index can repeat an element (integer arrays or lists), so a plain += would
    drop repeated contributions and the gradient needs an unbuffered scatter-add."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, list) or (hasattr(part, "dtype") and part.dtype.kind in "iu" and part.ndim > 0):
            return True
    return False


class GetItem(Function):
    __slots__ = ("index",)

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Any) -> Any:
        return x[self.index]

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        return GetItemGrad(self.index, x.shape, x.dtype)(gy)


class GetItemGrad(Function):
    """Scatter a gradient back into zeros of the input's shape; repeated indices accumulate."""

    __slots__ = ("index", "in_shape", "in_dtype")

    def __init__(self, index: Any, in_shape: tuple[int, ...], in_dtype: Any) -> None:
        self.index, self.in_shape, self.in_dtype = index, in_shape, in_dtype

    def forward(self, gy: Any) -> Any:
        xp = cuda.get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=self.in_dtype)
        if _has_integer_arrays(self.index):
            cuda.scatter_add(xp, gx, self.index, gy)
        else:
            gx[self.index] += gy
        return gx

    def backward(self, ggx: Variable) -> Variable:
        return get_item(ggx, self.index)


def get_item(x: Any, index: Any) -> Variable:
    """x[index] with ints, slices, None, Ellipsis, integer arrays or boolean masks."""
    if isinstance(index, Variable):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Variable) else i for i in index)
    return GetItem(index)(x)


# --- broadcasting ------------------------------------------------------------------------------
def _broadcasts(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    """True when ``small`` broadcasts to ``big`` (so ``big`` can be summed back to ``small``)."""
    lead = len(big) - len(small)
    return lead >= 0 and all(s == 1 or s == n for s, n in zip(small, big[lead:]))


class BroadcastTo(Function):
    __slots__ = ("shape", "x_shape")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        self.x_shape = x.shape
        return cuda.get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy: Variable) -> Variable:
        return sum_to(gy, self.x_shape)


class SumTo(Function):
    __slots__ = ("shape", "x_shape")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        self.x_shape = x.shape
        return utils.sum_to(x, self.shape)

    def backward(self, gy: Variable) -> Variable:
        return broadcast_to(gy, self.x_shape)


def broadcast_to(x: Any, shape: Sequence[int]) -> Variable:
    """Repeat x along axes of length 1 (and new leading axes) to ``shape``; backward sums."""
    shape = tuple(shape)
    x = _input("broadcast_to", x)
    if x.shape == shape:
        return x
    if not _broadcasts(x.shape, shape):
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}")
    return BroadcastTo(shape)(x)


def sum_to(x: Any, shape: Sequence[int]) -> Variable:
    """Sum x down to ``shape`` (the inverse of broadcast_to); a no-op when shapes match."""
    if isinstance(x, Variable) and x.data.shape == shape:  # every backward's common case, first
        return x
    shape = tuple(shape)
    x = _input("sum_to", x)
    if x.shape == shape:
        return x
    if not _broadcasts(shape, x.shape):
        raise ValueError(f"sum_to: shape {x.shape} cannot be summed to {shape}")
    return SumTo(shape)(x)


# --- joining and splitting ---------------------------------------------------------------------
class Concat(Function):
    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: Any) -> Any:
        return cuda.get_array_module(xs[0]).concatenate(xs, axis=self.axis)

    def backward(self, gy: Variable) -> tuple[Variable, ...]:
        sizes = [x.shape[self.axis] for x in self.inputs]
        return tuple(split(gy, np.cumsum(sizes)[:-1].tolist(), axis=self.axis)) if len(sizes) > 1 else (gy,)


def _without(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return shape[:axis] + shape[axis + 1:]


def concat(xs: Sequence[Any], axis: int = 0) -> Variable:
    """Join Variables along an existing axis (all other axes must match)."""
    xs = [_input("concat", x) for x in xs]
    if not xs:
        raise ValueError("concat: needs at least one input")
    axis = normalize_axis("concat", axis, xs[0].ndim)
    for x in xs[1:]:
        if x.ndim != xs[0].ndim or _without(x.shape, axis) != _without(xs[0].shape, axis):
            raise ValueError(f"concat: shapes {xs[0].shape} and {x.shape} differ off axis {axis}")
    return Concat(axis)(*xs)


def stack(xs: Sequence[Any], axis: int = 0) -> Variable:
    """Join Variables of one shape along a new axis."""
    xs = [_input("stack", x) for x in xs]
    if not xs:
        raise ValueError("stack: needs at least one input")
    for x in xs[1:]:
        if x.shape != xs[0].shape:
            raise ValueError(f"stack: shapes {xs[0].shape} and {x.shape} differ")
    axis = normalize_axis("stack", axis, xs[0].ndim + 1)
    return concat([expand_dims(x, axis) for x in xs], axis=axis)


class Split(Function):
    __slots__ = ("indices", "axis")

    def __init__(self, indices: list[int], axis: int) -> None:
        self.indices, self.axis = indices, axis

    def forward(self, x: Any) -> tuple[Any, ...]:
        return tuple(cuda.get_array_module(x).split(x, self.indices, axis=self.axis))

    def backward(self, *gys: Variable | None) -> Variable:
        x = self.inputs[0]
        xp = cuda.get_array_module(x.data)
        pieces = [xp.zeros(self._piece_shape(i), dtype=x.dtype) if gy is None else gy
                  for i, gy in enumerate(gys)]  # a piece that got no gradient contributes zeros
        return concat(pieces, axis=self.axis)

    def _piece_shape(self, i: int) -> tuple[int, ...]:
        bounds = [0, *self.indices, self.inputs[0].shape[self.axis]]
        shape = list(self.inputs[0].shape)
        shape[self.axis] = bounds[i + 1] - bounds[i]
        return tuple(shape)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Variable]:
    """Split x along ``axis`` as numpy.split: into N equal sections, or at the given indices."""
    x = _input("split", x)
    axis = normalize_axis("split", axis, x.ndim)
    length = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or length % sections:
            raise ValueError(f"split: axis {axis} of length {length} "
                             f"cannot be split into {sections} equal sections")
        indices = [length // sections * i for i in range(1, sections)]
    else:
        indices = [int(i) for i in indices_or_sections]
    pieces = Split(indices, axis)(x)
    return list(pieces) if isinstance(pieces, list) else [pieces]
