"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, max_along/min_along.

Each returns (values, indices); the values are a gather of x at the indices, so the gradient
goes to exactly one position per output, as PyTorch routes it over ties.
"""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.core.functions.indexing import take_along_axis
from zerograd.core.functions.take import take_along
from zerograd.core.variable import Variable, as_variable


def _axis(op: str, x: Variable, axis: int) -> int:
    return normalize_axis(op, axis, max(x.ndim, 1))


def _squeezed(values: Variable, indices: Any, axis: int, keepdims: bool, ndim: int) -> Any:
    if keepdims or ndim == 0:
        return values, indices
    return values.reshape(tuple(n for d, n in enumerate(values.shape) if d != axis)), \
        indices.squeeze(axis)


def _key(data: Any, descending: bool) -> Any:
    """A key whose ascending order is the wanted order (NaN greatest, as PyTorch), or None when
    only a two-level sort gives it (descending floats holding both NaN and +inf)."""
    xp = get_array_module(data)
    if data.dtype.kind == "b":
        data = data.astype(xp.int8)
    if not descending:
        return data
    if data.dtype.kind in "iu":
        return ~data  # reverses the order exactly, without the overflow of -data at the minimum
    key = -data
    if data.dtype.kind == "f":
        nan = xp.isnan(data)
        if nan.any():
            if (data == xp.inf).any():
                return None
            key = xp.where(nan, -xp.inf, key)
    return key


def _order(data: Any, axis: int, descending: bool, stable: bool) -> Any:
    """argsort with NaN greatest (as PyTorch) and a stable order among ties: sorting a key that
    reverses the order keeps equal elements in their original order (PyTorch's stable
    descending), which flipping an ascending sort would not."""
    xp = get_array_module(data)
    key = _key(data, descending)
    if key is None:  # NaN first, then the rest descending
        nan = xp.isnan(data)
        return xp.lexsort((xp.where(nan, 0, -data), ~nan), axis=axis)
    return xp.argsort(key, axis=axis, kind="stable")


def _top(data: Any, axis: int, k: int, largest: bool) -> Any:
    """The indices of the k first elements of the stable order, in that order: a partition
    picks them and only those k are sorted. When the k-th place is tied (or NaN decides it),
    which of the equal elements the partition kept is arbitrary, so the full stable sort
    answers instead (the lowest indices win, as in sort)."""
    xp = get_array_module(data)
    n = data.shape[axis]
    key = _key(data, largest)
    if key is None or k == 0 or 2 * k > n:
        return _first(_order(data, axis, largest, True), axis, k)
    if k <= _FEW and key.dtype.kind == "f" and bool(xp.isfinite(key).all()):
        return _smallest_few(key, axis, k)
    picked = xp.sort(_first(xp.argpartition(key, k - 1, axis=axis), axis, k), axis=axis)
    picked_keys = xp.take_along_axis(key, picked, axis=axis)
    kth = picked_keys.max(axis=axis, keepdims=True)
    if bool((xp.count_nonzero(key <= kth, axis=axis) != k).any()):
        return _first(_order(data, axis, largest, True), axis, k)
    return xp.take_along_axis(picked, xp.argsort(picked_keys, axis=axis, kind="stable"), axis=axis)


_FEW = 8  # up to this k, k passes of argmin beat a partition


def _smallest_few(key: Any, axis: int, k: int) -> Any:
    """The indices of the k smallest of a finite float key, smallest first: argmin k times, each
    pick then set to +inf. argmin answers the first of equal elements, so ties go to the lowest
    index, the stable order; +inf never ties with a finite element still in the running."""
    xp = get_array_module(key)
    work = xp.moveaxis(key, axis, -1).copy()
    rows = work.reshape(-1, work.shape[-1])
    every = xp.arange(rows.shape[0])
    picks = []
    for _ in range(k):
        pick = xp.argmin(rows, axis=1)
        rows[every, pick] = xp.inf
        picks.append(pick)
    picked = xp.stack(picks, axis=1).reshape(work.shape[:-1] + (k,))
    return xp.moveaxis(picked, -1, axis).astype(xp.int64, copy=False)


def _first(indices: Any, axis: int, k: int) -> Any:
    return indices[(slice(None),) * axis + (slice(0, k),)]


def sort(x: Any, axis: int = -1, descending: bool = False, stable: bool = True) -> tuple[Variable, Any]:
    """(values, indices) of x sorted along ``axis``; NaN sorts last (first when descending)."""
    x = as_variable(x)
    if x.ndim == 0:
        return take_along_axis(x, get_array_module(x.data).zeros((), dtype="int64"), 0), \
            get_array_module(x.data).zeros((), dtype="int64")
    axis = _axis("sort", x, axis)
    indices = _order(x.data, axis, descending, stable)
    return take_along(x, indices, axis, x.shape, distinct=True), indices


def argsort(x: Any, axis: int = -1, descending: bool = False, stable: bool = True) -> Any:
    """The indices that sort x along ``axis`` (an int64 array)."""
    data = x.data if isinstance(x, Variable) else x
    if data.ndim == 0:
        return get_array_module(data).zeros((), dtype="int64")
    return _order(data, normalize_axis("argsort", axis, data.ndim), descending, stable)


def topk(x: Any, k: int, axis: int = -1, largest: bool = True, sorted: bool = True) -> tuple[Variable, Any]:  # noqa: A002
    """The k largest (or smallest) elements along ``axis`` and their indices, largest first."""
    x = as_variable(x)
    n = x.shape[_axis("topk", x, axis)] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for a dimension of size {n}")
    if x.ndim == 0:
        return sort(x)
    axis = _axis("topk", x, axis)
    indices = _top(x.data, axis, k, largest)
    return take_along(x, indices, axis, x.shape, distinct=True), indices


def kthvalue(x: Any, k: int, axis: int = -1, keepdims: bool = False) -> tuple[Variable, Any]:
    """The k-th smallest element along ``axis`` (k counts from 1) and its index."""
    x = as_variable(x)
    n = x.shape[_axis("kthvalue", x, axis)] if x.ndim else 1
    if not 1 <= k <= n:
        raise ValueError(f"kthvalue: k={k} is out of range for a dimension of size {n}")
    return _order_statistic(x, axis, k - 1, keepdims, "kthvalue")


def median(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """The lower median (PyTorch's: the element of rank (n-1)//2); with an axis also its index.
    NaN propagates: a slice holding NaN has NaN as its median."""
    x = as_variable(x)
    if axis is None:
        flat = x.reshape((-1,))
        if flat.shape[0] == 0:
            raise ValueError("median: the input is empty")
        values, _ = _order_statistic(flat, 0, (flat.shape[0] - 1) // 2, False, "median", nan=True)
        return values
    n = x.shape[_axis("median", x, axis)] if x.ndim else 1
    return _order_statistic(x, axis, (n - 1) // 2, keepdims, "median", nan=True)


def _order_statistic(x: Variable, axis: int, rank: int, keepdims: bool, op: str,
                     nan: bool = False) -> tuple[Variable, Any]:
    xp = get_array_module(x.data)
    if x.ndim == 0:
        return take_along_axis(x, xp.zeros((), dtype="int64"), 0), xp.zeros((), dtype="int64")
    axis = _axis(op, x, axis)
    order = _order(x.data, axis, False, True)
    picked = xp.take(order, [rank], axis=axis)
    if nan and x.data.dtype.kind == "f":
        # a slice with NaN answers its first NaN (NaN sorts last: the last sorted position)
        has_nan = xp.isnan(x.data).any(axis=axis, keepdims=True)
        first_nan = xp.argmax(xp.isnan(x.data), axis=axis).reshape(has_nan.shape)
        picked = xp.where(has_nan, first_nan, picked)
    values = take_along(x, picked, axis, x.shape, distinct=True)
    return _squeezed(values, picked, axis, keepdims, x.ndim)


def max_along(x: Any, axis: int, keepdims: bool = False) -> tuple[Variable, Any]:
    """(values, indices) of the maxima along ``axis``; the first maximum wins a tie and takes
    the whole gradient (torch.max(x, dim)); NaN wins."""
    return _extreme(x, axis, keepdims, "max")


def min_along(x: Any, axis: int, keepdims: bool = False) -> tuple[Variable, Any]:
    """(values, indices) of the minima along ``axis`` (torch.min(x, dim))."""
    return _extreme(x, axis, keepdims, "min")


def _extreme(x: Any, axis: int, keepdims: bool, which: str) -> tuple[Variable, Any]:
    x = as_variable(x)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        _axis(which, x, axis)
        return take_along_axis(x, xp.zeros((), dtype="int64"), 0), xp.zeros((), dtype="int64")
    axis = _axis(which, x, axis)
    if x.shape[axis] == 0:
        raise IndexError(f"{which}: cannot reduce an empty dimension {axis} of shape {x.shape}")
    picked = getattr(xp, "arg" + which)(x.data, axis=axis)  # NumPy's argmax: the first NaN wins
    picked = xp.expand_dims(picked.astype(xp.int64), axis)
    values = take_along(x, picked, axis, x.shape, distinct=True)
    return _squeezed(values, picked, axis, keepdims, x.ndim)


def cummax(x: Any, axis: int) -> tuple[Variable, Any]:
    """Running maxima along ``axis`` and where each was taken (the latest of equal values)."""
    return _running_extreme(x, axis, True)


def cummin(x: Any, axis: int) -> tuple[Variable, Any]:
    """Running minima along ``axis`` and where each was taken (the latest of equal values)."""
    return _running_extreme(x, axis, False)


def _running_extreme(x: Any, axis: int, largest: bool) -> tuple[Variable, Any]:
    x = as_variable(x)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        return take_along_axis(x, xp.zeros((), dtype="int64"), 0), xp.zeros((), dtype="int64")
    axis = _axis("cummax" if largest else "cummin", x, axis)
    data = x.data
    running = (xp.maximum if largest else xp.minimum).accumulate(data, axis=axis)
    positions = xp.arange(data.shape[axis]).reshape([-1 if d == axis else 1 for d in range(x.ndim)])
    hits = (data == running) | (xp.isnan(data) if data.dtype.kind == "f" else False)
    indices = xp.maximum.accumulate(xp.where(hits, positions, 0), axis=axis).astype(xp.int64)
    return take_along_axis(x, indices, axis), indices
