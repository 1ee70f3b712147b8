"""Selections along a dimension that return (values, indices): ``max(dim)``, ``min(dim)``,
``sort``, ``median``. Values are gathered with indexing (zerograd's GetItem), so each value's
gradient goes to the one index returned, as PyTorch routes it over ties; the full reductions
``max()``/``min()`` share the gradient over ties, as PyTorch's do.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.torch.tensor import Tensor, as_tensor_result


class ValuesIndices(NamedTuple):
    """What ``max(dim)``, ``min(dim)``, ``sort`` and ``median(dim)`` return
    (torch.return_types.*)."""

    values: Any
    indices: Any


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """``dim`` in [0, ndim), with PyTorch's IndexError otherwise (a 0-d tensor takes -1 and 0)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def _gather(x: Tensor, dim: int, indices: Any) -> Tensor:
    """``x`` taken at ``indices`` along ``dim`` (indices have x's rank): take_along_axis."""
    xp = get_array_module(x.data)
    index = []
    for axis, n in enumerate(x.data.shape):
        if axis == dim:
            index.append(indices)
        else:
            shape = [1] * x.data.ndim
            shape[axis] = n
            index.append(xp.arange(n).reshape(shape))
    return as_tensor_result(CF.get_item(x, tuple(index)))


def _index_tensor(indices: Any) -> Tensor:
    return Tensor(get_array_module(indices).asarray(indices, dtype=np.int64), requires_grad=False)


def extreme(x: Tensor, reduce: Any, method: str, dim: Any, keepdim: bool) -> Any:
    """``x.max()``: the largest value; ``x.max(dim)``: (values, indices) along ``dim``."""
    if dim is None:
        return as_tensor_result(reduce(x, None, False))
    if x.data.ndim == 0:
        normalize_dim(method, dim, 0)
        return ValuesIndices(x, _index_tensor(get_array_module(x.data).zeros((), dtype=np.int64)))
    dim = normalize_dim(method, dim, x.data.ndim)
    indices = getattr(x.data, method)(axis=dim, keepdims=True)
    values = _gather(x, dim, indices)
    if not keepdim:
        values = as_tensor_result(CF.squeeze(values, dim))
        indices = indices.squeeze(dim)
    return ValuesIndices(values, _index_tensor(indices))


def sort(x: Tensor, dim: int = -1, descending: bool = False) -> ValuesIndices:
    if x.data.ndim == 0:
        return ValuesIndices(x, _index_tensor(get_array_module(x.data).zeros((), dtype=np.int64)))
    dim = normalize_dim("sort", dim, x.data.ndim)
    xp = get_array_module(x.data)
    keys = -x.data if descending and x.data.dtype.kind != "b" else x.data
    indices = xp.argsort(keys, axis=dim, kind="stable")
    return ValuesIndices(_gather(x, dim, indices), _index_tensor(indices))


def median(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median. ``median()`` shares the gradient over the elements equal to it, as
    PyTorch's does; ``median(dim)`` sends it to the one index returned."""
    xp = get_array_module(x.data)
    if dim is None:
        flat = as_tensor_result(CF.reshape(x, (-1,)))
        if flat.data.size == 0:
            raise IndexError("median() input tensor cannot be empty")
        middle = xp.sort(flat.data)[(flat.data.size - 1) // 2]
        ties = flat.data == middle  # PyTorch's median() shares the gradient over equal values
        share = ties.astype(flat.data.dtype) / flat.data.dtype.type(ties.sum())
        return as_tensor_result(CF.sum(CF.mul(flat, share)))
    dim = normalize_dim("median", dim, x.data.ndim)
    order = xp.argsort(x.data, axis=dim, kind="stable")
    middle = (x.data.shape[dim] - 1) // 2
    indices = xp.take(order, [middle], axis=dim)
    values = _gather(x, dim, indices)
    if not keepdim:
        values = as_tensor_result(CF.squeeze(values, dim))
        indices = indices.squeeze(dim)
    return ValuesIndices(values, _index_tensor(indices))
