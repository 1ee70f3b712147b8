"""torch's shape functions: split/chunk/unbind/narrow, tril/triu, roll/flip, repeat/tile/
repeat_interleave, movedim/swapaxes/transpose/permute, expand_as/broadcast_to, unflatten,
diag/diagonal, squeeze/unsqueeze variants, hstack/vstack and friends."""

from __future__ import annotations

from typing import Any

from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import rearrange as R
from zerograd.core.functions.indexing import index_map
from zerograd.torch.ops_common import data_of, dims, result, tensor_of
from zerograd.torch.promotion import cast, result_type
from zerograd.torch.tensor import Tensor


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    return tuple(result(R.split_sizes(tensor_of(tensor), split_size_or_sections, dim)))


def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    x = tensor_of(input)
    n = x.data.shape[dim]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        bounds = [0, *(min(max(int(i) if i >= 0 else int(i) + n, 0), n) for i in indices_or_sections), n]
        sizes = [max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
        starts = bounds[:-1]
        return tuple(narrow(x, dim, min(s, n), size) for s, size in zip(starts, sizes))
    return split(x, sizes, dim)


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    return tuple(result(R.chunk(tensor_of(input), chunks, dim)))


def unbind(input: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    return tuple(result(R.unbind(tensor_of(input), dim)))


def narrow(input: Any, dim: int, start: Any, length: int) -> Tensor:  # noqa: A002
    return result(R.narrow(tensor_of(input), dim, int(data_of(start)), length))


def tril(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    return result(R.tril(tensor_of(input), diagonal))


def triu(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    return result(R.triu(tensor_of(input), diagonal))


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    return result(R.roll(tensor_of(input), shifts, dims))


def flip(input: Any, dims: Any) -> Tensor:  # noqa: A002
    return result(R.flip(tensor_of(input), dims))


def fliplr(input: Any) -> Tensor:  # noqa: A002
    return flip(input, 1)


def flipud(input: Any) -> Tensor:  # noqa: A002
    return flip(input, 0)


def rot90(input: Any, k: int = 1, dims: Any = (0, 1)) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    xp = get_array_module(x.data)
    axes = tuple(dims)
    return result(index_map(x, lambda a: xp.rot90(a, k, axes)))


def tile(input: Any, dims: Any) -> Tensor:  # noqa: A002
    return result(R.tile(tensor_of(input), dims))


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,  # noqa: A002
                      output_size: int | None = None) -> Tensor:
    if repeats is None:  # repeat_interleave(repeats): indices repeated
        counts = data_of(input)
        xp = get_array_module(counts)
        return result(xp.repeat(xp.arange(counts.shape[0]), counts))
    return result(R.repeat_interleave(tensor_of(input), data_of(repeats), dim))


def movedim(input: Any, source: Any, destination: Any) -> Tensor:  # noqa: A002
    return result(R.moveaxis(tensor_of(input), source, destination))


moveaxis = movedim


def swapaxes(input: Any, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if x.data.ndim == 0:
        return result(R.moveaxis(x, (), ()))
    return result(CF.swapaxes(x, axis0, axis1))


transpose = swapdims = swapaxes


def permute(input: Any, dims: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if x.data.ndim == 0:
        return result(R.moveaxis(x, (), ()))
    return result(CF.transpose(x, tuple(d % x.data.ndim for d in dims)))


def adjoint(input: Any) -> Tensor:  # noqa: A002
    return swapaxes(input, -2, -1)


def broadcast_to(input: Any, size: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    size = tuple(size)
    lead = len(size) - x.data.ndim
    shape = tuple(x.data.shape[i - lead] if n == -1 else n for i, n in enumerate(size))
    return result(CF.broadcast_to(x, shape)) if shape != x.data.shape else result(CF.reshape(x, shape))


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    xs = [tensor_of(t) for t in tensors]
    shape = get_array_module(xs[0].data).broadcast_shapes(*(x.data.shape for x in xs))
    return tuple(broadcast_to(x, shape) for x in xs)


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    import numpy as np
    return tuple(np.broadcast_shapes(*(tuple(s) if not isinstance(s, int) else (s,) for s in shapes)))


def unflatten(input: Any, dim: int, sizes: Any) -> Tensor:  # noqa: A002
    return result(R.unflatten(tensor_of(input), dim, sizes))


def diag(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    return result(R.diag(tensor_of(input), diagonal))


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    return result(R.diagonal(tensor_of(input), offset, dim1, dim2))


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    if (offset, dim1, dim2) != (0, -2, -1):
        raise NotImplementedError("diag_embed: only offset=0, dim1=-2, dim2=-1 are supported")
    x = tensor_of(input)
    n = x.data.shape[-1]
    eye = get_array_module(x.data).eye(n, dtype=x.data.dtype)
    return result(CF.reshape(x, (*x.data.shape, 1)) * eye)


def squeeze(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if dim is None:
        return result(CF.squeeze(x))
    axes = dims(dim) if not isinstance(dim, int) else (dim,)
    keep = tuple(a % max(x.data.ndim, 1) for a in (axes or ()) if x.data.ndim and x.data.shape[a] == 1)
    return result(CF.squeeze(x, keep)) if keep else result(CF.reshape(x, x.data.shape))


def unsqueeze(input: Any, dim: int) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if dim < 0:
        dim += x.data.ndim + 1
    return result(CF.expand_dims(x, dim))


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    shape = x.data.shape
    if not shape:
        return result(CF.reshape(x, (1,)))
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = 1
    for n in shape[start:end + 1]:
        merged *= n
    return result(CF.reshape(x, (*shape[:start], merged, *shape[end + 1:])))


def ravel(input: Any) -> Tensor:  # noqa: A002
    return result(CF.reshape(tensor_of(input), (-1,)))


def reshape(input: Any, shape: Any) -> Tensor:  # noqa: A002
    return result(CF.reshape(tensor_of(input), tuple(shape)))


def _joined(tensors: Any) -> list[Any]:
    xs = [tensor_of(t) for t in tensors]
    dtype = result_type(*xs)
    return [cast(x, dtype) for x in xs]


def cat(tensors: Any, dim: int = 0) -> Tensor:
    xs = [x for x in _joined(tensors) if not (x.data.ndim == 1 and x.data.shape[0] == 0)] \
        or _joined(tensors)[:1]
    return result(CF.concat(xs, axis=dim))


concat = concatenate = cat


def stack(tensors: Any, dim: int = 0) -> Tensor:
    return result(CF.stack(_joined(tensors), axis=dim))


def _at_least(x: Tensor, n: int) -> Tensor:
    shape = x.data.shape
    if len(shape) >= n:
        return x
    if n == 2:
        return result(CF.reshape(x, (1,) * (2 - len(shape)) + shape))
    target = {0: (1, 1, 1), 1: (1, shape[0] if shape else 1, 1), 2: (*shape, 1)}[len(shape)]
    return result(CF.reshape(x, target))


def atleast_1d(*tensors: Any) -> Any:
    out = tuple(tensor_of(t) if tensor_of(t).data.ndim else result(CF.reshape(tensor_of(t), (1,)))
                for t in _flat(tensors))
    return out[0] if len(out) == 1 else out


def atleast_2d(*tensors: Any) -> Any:
    out = tuple(_at_least(tensor_of(t), 2) for t in _flat(tensors))
    return out[0] if len(out) == 1 else out


def atleast_3d(*tensors: Any) -> Any:
    out = tuple(_at_least(tensor_of(t), 3) for t in _flat(tensors))
    return out[0] if len(out) == 1 else out


def _flat(tensors: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(tensors[0])
    return tensors


def hstack(tensors: Any) -> Tensor:
    xs = [atleast_1d(t) for t in tensors]
    return cat(xs, 0 if xs[0].data.ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    return cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def dstack(tensors: Any) -> Tensor:
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors: Any) -> Tensor:
    xs = [tensor_of(t) for t in tensors]
    xs = [result(CF.reshape(x, (-1, 1))) if x.data.ndim <= 1 else x for x in xs]
    return cat(xs, 1)
