"""Gathering and scattering by index: index_map (any NumPy rearrangement of elements, with its
gradient), take_along_axis, index_select, masked_select, scatter_add_along, index_add,
scatter/index_copy, masked_fill, nonzero.

The general pair of Functions: ``IndexMap`` applies a NumPy function that only moves (or
repeats) elements; its backward applies the same function to the flat positions
``arange(x.size)`` and adds the gradient back at those positions with one ``bincount``
(``ScatterFlat``). Each is the other's backward, so gradients of gradients come for free. The
common gathers (take_along_axis, gather, index_select) skip that pass over the whole input: they
index directly (``take.py``), and masked_fill with a constant is a Function of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core.checks import normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.selection import where
from zerograd.core.functions.take import take_along, take_slices
from zerograd.core.variable import Variable, as_variable


def _flat_positions(fn: Callable[[Any], Any], shape: tuple[int, ...], xp: Any) -> Any:
    """Where each output element of ``fn`` comes from, as flat positions of the input."""
    size = 1
    for n in shape:
        size *= n
    return xp.asarray(fn(xp.arange(size, dtype=xp.int64).reshape(shape)))


class IndexMap(Function):
    """y = fn(x) for a function that only moves or repeats elements (flip, roll, gather, ...)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return get_array_module(x).asarray(self.fn(x))

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        positions = _flat_positions(self.fn, x.shape, get_array_module(x.data))
        return ScatterFlat(positions, x.shape)(gy)


class ScatterFlat(Function):
    """Zeros of ``shape`` with gy's elements added at flat ``positions`` (repeats accumulate)."""

    __slots__ = ("positions", "shape")

    def __init__(self, positions: Any, shape: tuple[int, ...]) -> None:
        self.positions, self.shape = positions, shape

    def forward(self, gy: Any) -> Any:
        xp = get_array_module(gy)
        size = 1
        for n in self.shape:
            size *= n
        flat = xp.bincount(self.positions.reshape(-1), weights=gy.reshape(-1), minlength=size)
        return flat.astype(gy.dtype, copy=False).reshape(self.shape)

    def backward(self, ggx: Variable) -> Variable:
        positions, shape = self.positions, self.inputs[0].shape
        return IndexMap(lambda a: a.reshape(-1)[positions].reshape(shape))(ggx)


def index_map(x: Any, fn: Callable[[Any], Any]) -> Variable:
    """``fn(x)`` for a NumPy function that only rearranges or repeats elements of x; its gradient
    adds back to where each element came from.

    >>> import numpy as np
    >>> index_map(np.arange(4.0), lambda a: a[::-1])
    variable([3. 2. 1. 0.])
    """
    return IndexMap(fn)(x)


def scatter_flat(y: Any, positions: Any, shape: tuple[int, ...]) -> Variable:
    """Zeros of ``shape`` with y's elements added at flat ``positions`` (repeats accumulate)."""
    y = as_variable(y)
    return ScatterFlat(get_array_module(y.data).asarray(positions), tuple(shape))(y)


def _index_array(op: str, index: Any, x: Any) -> Any:
    index = index.data if isinstance(index, Variable) else index
    xp = get_array_module(x.data)
    index = xp.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {index.dtype}")
    return index.astype(xp.int64, copy=False)


def take_along_axis(x: Any, indices: Any, axis: int) -> Variable:
    """numpy.take_along_axis; the gradient goes to each taken position (torch.gather's meaning
    when ``indices`` has x's shape outside ``axis``)."""
    x = as_variable(x)
    indices = _index_array("take_along_axis", indices, x)
    axis = normalize_axis("take_along_axis", axis, max(x.ndim, 1))
    if x.ndim == 0:
        return index_map(x, lambda a: a.reshape(1)[indices.reshape(-1)].reshape(indices.shape))
    _check_range("take_along_axis", indices, x.shape[axis])
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices have {indices.ndim} dimensions, x "
                         f"{x.ndim} (shape {x.shape})")
    return take_along(x, indices, axis, x.shape)


def gather(x: Any, axis: int, indices: Any) -> Variable:
    """torch.gather: out[i][j] = x[i][indices[i][j]] along ``axis``; ``indices`` may be smaller
    than x outside ``axis`` (the first rows are used)."""
    x = as_variable(x)
    indices = _index_array("gather", indices, x)
    if x.ndim and indices.ndim != x.ndim:
        raise ValueError(f"gather: index has {indices.ndim} dimensions, input {x.ndim}")
    axis = normalize_axis("gather", axis, max(x.ndim, 1))
    if x.ndim == 0:
        return take_along_axis(x, indices, axis)
    if any(n > m for d, (n, m) in enumerate(zip(indices.shape, x.shape)) if d != axis):
        raise ValueError(f"gather: index shape {indices.shape} exceeds input shape "
                         f"{x.shape} outside dimension {axis}")
    _check_range("gather", indices, x.shape[axis])
    # the other axes take the first positions: index's own extent (torch.gather's addressing)
    return take_along(x, indices, axis, indices.shape)


def _check_range(op: str, indices: Any, n: int) -> None:
    if indices.size and (int(indices.min()) < -n or int(indices.max()) >= n):
        raise IndexError(f"{op}: index out of range for a dimension of size {n} "
                         f"(got {int(indices.min())} to {int(indices.max())})")


def index_select(x: Any, axis: int, indices: Any) -> Variable:
    """x's slices at ``indices`` (one-dimensional) along ``axis``; repeats accumulate."""
    x = as_variable(x)
    indices = _index_array("index_select", indices, x).reshape(-1)
    if x.ndim == 0:
        return take_along_axis(x, indices[:1].reshape(()), 0) if indices.size else x
    axis = normalize_axis("index_select", axis, x.ndim)
    _check_range("index_select", indices, x.shape[axis])
    return take_slices(x, indices, axis)


def masked_select(x: Any, mask: Any) -> Variable:
    """The elements of x where ``mask`` (broadcast together with x) holds, as one flat vector."""
    x = as_variable(x)
    mask = mask.data if isinstance(mask, Variable) else mask
    xp = get_array_module(x.data)
    shape = xp.broadcast_shapes(x.shape, mask.shape) if hasattr(xp, "broadcast_shapes") \
        else xp.broadcast(xp.empty(x.shape), mask).shape
    mask = xp.broadcast_to(mask, shape)
    return index_map(x, lambda a: xp.broadcast_to(a, shape)[mask])


def _positions_along(index: Any, axis: int, shape: tuple[int, ...], xp: Any) -> Any:
    """Flat positions in an array of ``shape`` of the elements ``index`` names along ``axis``
    (the other coordinates are index's own: torch.scatter's addressing)."""
    grid = list(xp.indices(index.shape, sparse=True))
    grid[axis] = index % shape[axis]
    return xp.ravel_multi_index(tuple(xp.broadcast_arrays(*grid)), shape)


def scatter_add_along(x: Any, axis: int, index: Any, src: Any) -> Variable:
    """torch.scatter_add: x with src's elements added at ``index`` along ``axis``."""
    x, src = as_variable(x), as_variable(src)
    index = _index_array("scatter_add", index, x)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        x1 = x.reshape((1,))
        return scatter_add_along(x1, 0, index.reshape(-1), src.reshape((-1,))).reshape(())
    axis = normalize_axis("scatter_add", axis, x.ndim)
    _check_range("scatter_add", index, x.shape[axis])
    crop = tuple(slice(0, n) for n in index.shape)
    src_part = src if src.shape == index.shape else src[crop]
    positions = _positions_along(index, axis, x.shape, xp)
    return x + scatter_flat(src_part, positions, x.shape)


def _scatter_mask(index: Any, axis: int, shape: tuple[int, ...], xp: Any) -> Any:
    mask = xp.zeros(shape, dtype=bool).reshape(-1)
    mask[_positions_along(index, axis, shape, xp).reshape(-1)] = True
    return mask.reshape(shape)


def scatter(x: Any, axis: int, index: Any, src: Any) -> Variable:
    """torch.scatter: x with src's elements (or a number) written at ``index`` along ``axis``.
    Where ``index`` repeats a position PyTorch leaves the winner undefined: refused here."""
    x = as_variable(x)
    index = _index_array("scatter", index, x)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        return scatter(x.reshape((1,)), 0, index.reshape(-1),
                       src.reshape((-1,)) if isinstance(src, Variable) else src).reshape(())
    axis = normalize_axis("scatter", axis, x.ndim)
    _check_range("scatter", index, x.shape[axis])
    positions = _positions_along(index, axis, x.shape, xp).reshape(-1)
    if xp.unique(positions).size != positions.size:
        raise NotImplementedError("scatter: index writes one position twice (PyTorch leaves "
                                  "the result undefined)")
    mask = _scatter_mask(index, axis, x.shape, xp)
    if not isinstance(src, Variable) and xp.ndim(src) == 0:
        return where(mask, xp.asarray(src, dtype=x.dtype), x)
    src = as_variable(src)
    crop = tuple(slice(0, n) for n in index.shape)
    src_part = src if src.shape == index.shape else src[crop]
    return where(mask, scatter_flat(src_part, positions, x.shape), x)


def index_add(x: Any, axis: int, index: Any, source: Any, alpha: Any = 1) -> Variable:
    """torch.index_add: x with ``alpha * source``'s slices added at ``index`` along ``axis``."""
    x, source = as_variable(x), as_variable(source)
    index = _index_array("index_add", index, x).reshape(-1)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        return x + (source.reshape(()) * alpha if alpha != 1 else source.reshape(()))
    axis = normalize_axis("index_add", axis, x.ndim)
    _check_range("index_add", index, x.shape[axis])
    shape = [1] * source.ndim
    shape[axis] = -1
    full = xp.broadcast_to(index.reshape(shape), source.shape)
    positions = _positions_along(full, axis, x.shape, xp)
    added = scatter_flat(source if alpha == 1 else source * alpha, positions, x.shape)
    return x + added


def index_copy(x: Any, axis: int, index: Any, source: Any) -> Variable:
    """torch.index_copy: x with ``source``'s slices written at ``index`` along ``axis``."""
    x, source = as_variable(x), as_variable(source)
    index = _index_array("index_copy", index, x).reshape(-1)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        return where(xp.asarray(index.size > 0), source.reshape(()), x)
    axis = normalize_axis("index_copy", axis, x.ndim)
    shape = [1] * source.ndim
    shape[axis] = -1
    full = xp.broadcast_to(index.reshape(shape), source.shape)
    return scatter(x, axis, full, source)


class MaskedFill(Function):
    """y = x with the constant ``value`` where ``mask`` (broadcasting to x's shape) holds; the
    gradient is gy with zeros there: one Function where ``where`` would pair the constant with
    x as a Variable and sum the gradient back to its shape."""

    __slots__ = ("mask", "value")

    def __init__(self, mask: Any, value: Any) -> None:
        self.mask, self.value = mask, value

    def forward(self, x: Any) -> Any:
        return get_array_module(x).where(self.mask, self.value, x)

    def backward(self, gy: Variable) -> Variable:
        return MaskedFill(self.mask, get_array_module(gy.data).zeros((), dtype=gy.dtype))(gy)


def masked_fill(x: Any, mask: Any, value: Any) -> Variable:
    """x with ``value`` (a number or a 0-d Variable) where ``mask`` holds."""
    x = as_variable(x)
    mask = mask.data if isinstance(mask, Variable) else mask
    xp = get_array_module(x.data)
    if not isinstance(value, Variable):
        value = xp.asarray(value, dtype=x.dtype)
        if getattr(getattr(mask, "dtype", None), "kind", None) == "b" and \
                np.broadcast_shapes(mask.shape, x.shape) == x.shape:
            return MaskedFill(mask, value)(x)
    out = where(xp.asarray(mask, dtype=bool), value, x)
    return out if out.shape == x.shape else out.reshape(x.shape)


def nonzero(x: Any) -> Any:
    """The coordinates of x's non-zero elements, one row each (an int64 array, no gradient)."""
    data = x.data if isinstance(x, Variable) else x
    xp = get_array_module(data)
    if data.ndim == 0:
        return xp.zeros((1 if data else 0, 0), dtype=xp.int64)
    return xp.stack(xp.nonzero(data), axis=1).astype(xp.int64)
