"""torch's indexing functions: gather, scatter, scatter_add, scatter_reduce, index_select,
index_add, index_copy, index_fill, masked_fill, masked_select, masked_scatter-free where,
take, take_along_dim, nonzero, argwhere."""

from __future__ import annotations

from typing import Any

from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import indexing as I
from zerograd.core.functions import scatter_reduce as SR
from zerograd.torch.ops_common import constant, data_of, result, tensor_of
from zerograd.torch.promotion import cast, result_type
from zerograd.torch.tensor import Tensor


def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    return result(I.gather(tensor_of(input), dim, data_of(index)))


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    indices = data_of(indices)
    if dim is None:
        return result(I.take_along_axis(x.reshape(-1), indices.reshape(-1), 0))
    xp = get_array_module(x.data)
    dim = dim % max(x.data.ndim, 1)
    # broadcast both, except along dim (PyTorch's rule)
    shape_x = list(x.data.shape)
    shape_i = list(indices.shape)
    shape_x[dim] = shape_i[dim] = 1
    common = xp.broadcast_shapes(tuple(shape_x), tuple(shape_i))
    target_x = tuple(n if d != dim else x.data.shape[dim] for d, n in enumerate(common))
    target_i = tuple(n if d != dim else indices.shape[dim] for d, n in enumerate(common))
    xb = CF.broadcast_to(x, target_x) if target_x != x.data.shape else x
    return result(I.take_along_axis(xb, xp.broadcast_to(indices, target_i), dim))


def take(input: Any, index: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    index = data_of(index)
    return result(I.index_map(x, lambda a: a.reshape(-1)[index]))


def index_select(input: Any, dim: int, index: Any) -> Tensor:  # noqa: A002
    return result(I.index_select(tensor_of(input), dim, data_of(index)))


def masked_select(input: Any, mask: Any) -> Tensor:  # noqa: A002
    return result(I.masked_select(tensor_of(input), data_of(mask)))


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if isinstance(value, Tensor):
        value = cast(value, x.data.dtype)
    return result(I.masked_fill(x, data_of(mask), value))


def _src(x: Tensor, src: Any) -> Any:
    if isinstance(src, Tensor):
        return cast(src, x.data.dtype)
    return get_array_module(x.data).asarray(src, dtype=x.data.dtype)


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,  # noqa: A002
            reduce: str | None = None) -> Tensor:
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported (use scatter_reduce)")
    x = tensor_of(input)
    src = value if src is None else src
    return result(I.scatter(x, dim, data_of(index), _src(x, src)))


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    return result(I.scatter_add_along(x, dim, data_of(index), _src(x, src)))


def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *,  # noqa: A002
                   include_self: bool = True) -> Tensor:
    x = tensor_of(input)
    return result(SR.scatter_reduce(x, dim, data_of(index), _src(x, src), reduce, include_self))


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    return result(I.index_add(x, dim, data_of(index), _src(x, source), alpha))


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    return result(I.index_copy(x, dim, data_of(index), _src(x, source)))


def index_fill(input: Any, dim: int, index: Any, value: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    xp = get_array_module(x.data)
    mask = xp.zeros(x.data.shape, dtype=bool)
    if x.data.ndim == 0:
        mask[...] = data_of(index).size > 0
    else:
        d = dim % x.data.ndim
        where = tuple(data_of(index).reshape(-1) if a == d else slice(None)
                      for a in range(x.data.ndim))
        mask[where] = True
    return masked_fill(x, mask, value)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """where(condition, input, other) with PyTorch's promotion; where(condition): nonzero's
    coordinates as a tuple of index tensors."""
    condition = data_of(condition)
    if input is None and other is None:
        return tuple(constant(c) for c in get_array_module(condition).nonzero(condition))
    dtype = result_type(input, other)
    a, b = cast(input, dtype), cast(other, dtype)
    return result(CF.where(get_array_module(condition).asarray(condition, dtype=bool), a, b))


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:  # noqa: A002
    x = tensor_of(input)
    if as_tuple:
        data = x.data.reshape(1) if x.data.ndim == 0 else x.data
        return tuple(constant(c) for c in get_array_module(data).nonzero(data))
    return constant(I.nonzero(x))


def argwhere(input: Any) -> Tensor:  # noqa: A002
    return constant(I.nonzero(tensor_of(input)))
