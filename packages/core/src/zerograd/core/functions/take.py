"""Gathers along one axis without a pass over the whole input in the backward: the fancy index
that ``take_along_axis`` stands for, built once and handed to ``get_item``
(whose gradient adds back at the taken positions, accumulating repeats), or to ``PickDistinct``
when the indices are known to name each element at most once (sort, topk, the order statistics:
then the gradient is a plain assignment, not a scatter-add); and ``TakeSlices`` for
``index_select``, whose gradient sums repeated slices by sorting the indices, not with add.at.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.function import Function
from zerograd.core.functions.shape import GetItem, GetItemGrad, get_item
from zerograd.core.variable import Variable


def along_index(indices: Any, axis: int, sizes: tuple[int, ...], xp: Any) -> tuple[Any, ...]:
    """The index tuple that takes ``indices`` along ``axis`` and, on every other axis d,
    position i where ``indices`` sits (``sizes[d]`` positions, broadcast against indices)."""
    ndim = indices.ndim
    return tuple(indices if d == axis else
                 xp.arange(sizes[d]).reshape(tuple(-1 if e == d else 1 for e in range(ndim)))
                 for d in range(ndim))


class PickDistinct(GetItem):
    """x[index] for an index that names each element of x at most once."""

    __slots__ = ()

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        return PutDistinct(self.index, x.shape, x.dtype)(gy)


class PutDistinct(GetItemGrad):
    """Zeros of the input's shape with gy written at a repeat-free index (PickDistinct's adjoint)."""

    __slots__ = ()

    def forward(self, gy: Any) -> Any:
        gx = cuda.get_array_module(gy).zeros(self.in_shape, dtype=self.in_dtype)
        gx[self.index] = gy
        return gx

    def backward(self, ggx: Variable) -> Variable:
        return PickDistinct(self.index)(ggx)


def take_along(x: Variable, indices: Any, axis: int, sizes: tuple[int, ...],
               distinct: bool = False) -> Variable:
    """x's elements at ``indices`` along ``axis`` (``sizes``: how many positions the other axes
    take, broadcast against indices); ``distinct``: no element is taken twice."""
    index = along_index(indices, axis, sizes, cuda.get_array_module(x.data))
    return PickDistinct(index)(x) if distinct else get_item(x, index)


class TakeSlices(Function):
    """y = x's slices at the one-dimensional, non-negative ``indices`` along ``axis``."""

    __slots__ = ("indices", "axis")

    def __init__(self, indices: Any, axis: int) -> None:
        self.indices, self.axis = indices, axis

    def forward(self, x: Any) -> Any:
        return cuda.get_array_module(x).take(x, self.indices, axis=self.axis)

    def backward(self, gy: Variable) -> Variable:
        return AddSlices(self.indices, self.axis, self.inputs[0].shape[self.axis])(gy)


class AddSlices(Function):
    """TakeSlices' adjoint: zeros with ``n`` slices along ``axis``, gy's slices added at
    ``indices`` (repeats accumulate)."""

    __slots__ = ("indices", "axis", "n")

    def __init__(self, indices: Any, axis: int, n: int) -> None:
        self.indices, self.axis, self.n = indices, axis, n

    def forward(self, gy: Any) -> Any:
        xp = cuda.get_array_module(gy)
        shape = gy.shape[:self.axis] + (self.n,) + gy.shape[self.axis + 1:]
        gx = xp.zeros(shape, dtype=gy.dtype)
        if self.indices.size == 0:
            return gx
        rows, g = xp.moveaxis(gx, self.axis, 0), xp.moveaxis(gy, self.axis, 0)
        if xp is not np:
            cuda.scatter_add(xp, rows, self.indices, g)
            return gx
        # NumPy's add.at walks one index at a time: only the repeats go through it, the first
        # slice of each index is written in one vectorised assignment
        order = np.argsort(self.indices, kind="stable")
        ordered = self.indices[order]
        first = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        rows[ordered[first]] = g[order[first]]
        if not first.all():
            np.add.at(rows, ordered[~first], g[order[~first]])
        return gx

    def backward(self, ggx: Variable) -> Variable:
        return TakeSlices(self.indices, self.axis)(ggx)


def take_slices(x: Variable, indices: Any, axis: int) -> Variable:
    """x's slices at the one-dimensional ``indices`` along ``axis`` (repeats accumulate)."""
    xp = cuda.get_array_module(x.data)
    indices = xp.where(indices < 0, indices + x.shape[axis], indices)
    return TakeSlices(indices, axis)(x)
