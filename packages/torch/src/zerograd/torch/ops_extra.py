"""More of torch's functions over zerograd's: log_softmax, the real-number views (conj, real,
angle, ...), set operations and histograms (isin, bucketize, searchsorted, bincount, histc,
unique), diff/cross/trace/cov/cdist/quantile, running extremes, the ``*_copy`` variants, and
the split variants (hsplit, vsplit, dsplit, split_with_sizes, select)."""

from __future__ import annotations

from typing import Any

from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import composite as X
from zerograd.core.functions import rearrange as R
from zerograd.core.functions import sorting as S
from zerograd.nn import functions as NF
from zerograd.torch import ops_index, ops_shape
from zerograd.torch.ops_common import constant, data_of, result, tensor_of
from zerograd.torch.promotion import cast, get_default_dtype
from zerograd.torch.tensor import Tensor, ValuesIndices


def log_softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    x = cast(x, get_array_module(x.data).dtype(dtype)) if dtype is not None else x
    return result(NF.log_softmax(x, axis=dim))


def softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    x = cast(x, get_array_module(x.data).dtype(dtype)) if dtype is not None else x
    return result(NF.softmax(x, axis=dim))


def _real_only(name: str, x: Tensor) -> None:
    if x.data.dtype.kind == "c":
        raise NotImplementedError(f"{name}: complex tensors are not supported")


def conj(input: Any) -> Tensor:  # noqa: A002
    """A real tensor is its own conjugate (the same tensor, as PyTorch returns it)."""
    x = tensor_of(input)
    _real_only("conj", x)
    return x


conj_physical = resolve_conj = resolve_neg = real = conj


def angle(input: Any) -> Tensor:  # noqa: A002
    """0 for non-negative numbers, pi for negative ones (NaN stays NaN); no gradient."""
    x = tensor_of(input)
    _real_only("angle", x)
    xp = get_array_module(x.data)
    dtype = x.data.dtype if x.data.dtype.kind == "f" else get_default_dtype()
    data = x.data.astype(dtype)
    out = xp.where(data < 0, xp.asarray(xp.pi, dtype=dtype), xp.zeros((), dtype=dtype))
    out = xp.where(xp.isnan(data), data, out)
    return result(CF.where(xp.ones(out.shape, bool), out, cast(x, dtype) * 0)) \
        if x.requires_grad else constant(out)


def heaviside(input: Any, values: Any) -> Tensor:  # noqa: A002
    return constant(X.heaviside(tensor_of(input), values))


def gcd(input: Any, other: Any) -> Tensor:  # noqa: A002
    a, b = data_of(tensor_of(input)), data_of(other)
    return constant(get_array_module(a).gcd(a, b))


def lcm(input: Any, other: Any) -> Tensor:  # noqa: A002
    a, b = data_of(tensor_of(input)), data_of(other)
    return constant(get_array_module(a).lcm(a, b))


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    a = data_of(tensor_of(elements))
    return constant(get_array_module(a).isin(a, data_of(test_elements), invert=invert))


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False,  # noqa: A002
                 right: bool = False, side: str | None = None, sorter: Any = None) -> Tensor:
    """Where input's values would be inserted into each sorted row (the last dimension)."""
    seq = data_of(tensor_of(sorted_sequence))
    values = data_of(tensor_of(input))
    xp = get_array_module(seq)
    side = side or ("right" if right else "left")
    if sorter is not None:
        seq = xp.take_along_axis(seq, data_of(sorter), -1)
    dtype = xp.int32 if out_int32 else xp.int64
    if seq.ndim == 1:
        return constant(xp.searchsorted(seq, values, side=side).astype(dtype))
    # batched rows: offset each row so that one flat search answers all of them
    low = xp.minimum(seq.min(), values.min()) if values.size else seq.min()
    span = (xp.maximum(seq.max(), values.max() if values.size else seq.max()) - low) + 1
    offsets = xp.arange(seq.shape[:-1] and int(xp.prod(xp.asarray(seq.shape[:-1]))) or 1)
    flat_seq = (seq.reshape(-1, seq.shape[-1]).astype(xp.float64) - low
                + offsets[:, None] * span).reshape(-1)
    flat_values = (values.reshape(-1, values.shape[-1]).astype(xp.float64) - low
                   + offsets[:, None] * span)
    found = xp.searchsorted(flat_seq, flat_values, side=side) - offsets[:, None] * seq.shape[-1]
    return constant(found.reshape(values.shape).astype(dtype))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    return searchsorted(boundaries, tensor_of(input), out_int32=out_int32, right=right)


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:  # noqa: A002
    x = data_of(tensor_of(input))
    xp = get_array_module(x)
    w = data_of(weights)
    counts = xp.bincount(x, weights=w, minlength=minlength)
    if w is None:
        return constant(counts.astype(xp.int64))
    return constant(counts.astype(w.dtype if w.dtype.kind == "f" else xp.float64))


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A001, A002
    x = data_of(tensor_of(input))
    xp = get_array_module(x)
    low, high = (float(x.min()), float(x.max())) if min == max and x.size else (min, max)
    if low == high:
        low, high = low - 1, high + 1
    inside = x[(x >= low) & (x <= high)]
    counts, _ = xp.histogram(inside, bins=bins, range=(low, high))
    return constant(counts.astype(x.dtype))


def unique(input: Any, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    x = data_of(tensor_of(input))
    xp = get_array_module(x)
    values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=dim)
    outputs = [constant(values)]
    if return_inverse:
        outputs.append(constant(inverse.reshape(x.shape if dim is None else -1).astype(xp.int64)))
    if return_counts:
        outputs.append(constant(counts.astype(xp.int64)))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def unique_consecutive(input: Any, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
                       dim: int | None = None) -> Any:
    x = data_of(tensor_of(input))
    xp = get_array_module(x)
    if dim is not None:
        raise NotImplementedError("unique_consecutive: dim is not supported")
    flat = x.reshape(-1)
    starts = xp.ones(flat.shape, dtype=bool)
    starts[1:] = flat[1:] != flat[:-1]
    outputs = [constant(flat[starts])]
    if return_inverse:
        outputs.append(constant((xp.cumsum(starts) - 1).reshape(x.shape).astype(xp.int64)))
    if return_counts:
        edges = xp.flatnonzero(xp.append(starts, True))
        outputs.append(constant(xp.diff(edges).astype(xp.int64)))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if n == 0:
        return alias_copy(x)
    if x.data.dtype.kind == "b":  # bools differ where neighbours differ (no gradient)
        xp = get_array_module(x.data)
        parts = [data_of(p) for p in (prepend, x, append) if p is not None]
        data = xp.concatenate(parts, axis=dim) if len(parts) > 1 else x.data
        for _ in range(n):
            data = get_array_module(data).diff(data, axis=dim) != 0
        return constant(data)
    return result(X.diff(x, n, dim, prepend, append))


def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    a, b = ops_shape.broadcast_tensors(input, other)
    if dim is None:
        dim = next(d for d, n in enumerate(a.data.shape) if n == 3)
    return result(X.cross(a, b, dim))


def linalg_cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:  # noqa: A002
    return cross(input, other, dim)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    from zerograd.torch.ops_math import mul
    return result(CF.sum(mul(x, y), dim))


def trace(input: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if x.data.dtype.kind in "biu":
        return constant(x.data.trace().astype("int64"))
    return result(X.trace(x))


def _floating(x: Any) -> Tensor:
    """Integers and bools as the default float (the statistics PyTorch computes in floats)."""
    x = tensor_of(x)
    return x if x.data.dtype.kind in "fc" else cast(x, get_default_dtype())


def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:  # noqa: A002
    return result(X.cov(_floating(input), correction, fweights, aweights))


def corrcoef(input: Any) -> Tensor:  # noqa: A002
    return result(X.corrcoef(_floating(input)))


def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: Any = None) -> Tensor:
    return result(X.cdist(tensor_of(x1), tensor_of(x2), p))


def dist(input: Any, other: Any, p: float = 2) -> Tensor:  # noqa: A002
    from zerograd.core.functions.accumulation import vector_norm
    from zerograd.torch.ops_math import sub
    return result(vector_norm(sub(input, other), p))


def trapezoid(y: Any, x: Any = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    x = _floating(x) if x is not None else None
    return result(X.trapezoid(_floating(y), x, 1.0 if dx is None else dx, dim))


trapz = trapezoid


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    x = _floating(x) if x is not None else None
    return result(X.cumulative_trapezoid(_floating(y), x, 1.0 if dx is None else dx, dim))


def quantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    return result(X.quantile(tensor_of(input), q, dim, keepdim, interpolation))


def nanquantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
                interpolation: str = "linear") -> Tensor:
    x = tensor_of(input)
    if get_array_module(x.data).isnan(x.data).any():
        raise NotImplementedError("nanquantile: inputs holding NaN are not supported")
    return quantile(x, q, dim, keepdim, interpolation=interpolation)


def matrix_power(A: Any, n: int) -> Tensor:  # noqa: N803
    return result(X.matrix_power(tensor_of(A), n))


def logdet(input: Any) -> Tensor:  # noqa: A002
    return result(X.logdet(tensor_of(input)))


def slogdet(A: Any) -> Any:  # noqa: N803
    sign, value = X.slogdet(tensor_of(A))
    return SignLogAbsDet(result(sign), result(value))


class SignLogAbsDet(tuple):
    """What torch.linalg.slogdet returns: (sign, logabsdet)."""

    def __new__(cls, sign: Any, logabsdet: Any) -> SignLogAbsDet:
        return super().__new__(cls, (sign, logabsdet))

    @property
    def sign(self) -> Any:
        return self[0]

    @property
    def logabsdet(self) -> Any:
        return self[1]


def block_diag(*tensors: Any) -> Tensor:
    return result(X.block_diag(*(tensor_of(t) for t in tensors)))


def cartesian_prod(*tensors: Any) -> Tensor:
    return result(X.cartesian_prod(*(tensor_of(t) for t in tensors)))


def cummax(input: Any, dim: int) -> Any:  # noqa: A002
    values, indices = S.cummax(tensor_of(input), dim)
    return ValuesIndices(result(values), constant(indices))


def cummin(input: Any, dim: int) -> Any:  # noqa: A002
    values, indices = S.cummin(tensor_of(input), dim)
    return ValuesIndices(result(values), constant(indices))


def mode(input: Any, dim: int = -1, keepdim: bool = False) -> Any:  # noqa: A002
    raise NotImplementedError("mode: not supported")


def nanmedian(input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
    x = tensor_of(input)
    if get_array_module(x.data).isnan(x.data).any():
        raise NotImplementedError("nanmedian: inputs holding NaN are not supported")
    from zerograd.torch.ops_reduce import median
    return median(x, dim, keepdim)


def unfold(input: Any, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    return result(R.unfold(tensor_of(input), dimension, size, step))


def hsplit(input: Any, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    x = tensor_of(input)
    return _numpy_split(x, sections, 1 if x.data.ndim > 1 else 0)


def vsplit(input: Any, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    return _numpy_split(tensor_of(input), sections, 0)


def dsplit(input: Any, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    return _numpy_split(tensor_of(input), sections, 2)


def _numpy_split(x: Tensor, sections: Any, dim: int) -> tuple[Tensor, ...]:
    if isinstance(sections, int) and x.data.shape[dim] % sections:
        raise RuntimeError(f"split: dimension {dim} of size {x.data.shape[dim]} is not "
                           f"divisible into {sections} sections")
    return ops_shape.tensor_split(x, sections, dim)


def split_with_sizes(input: Any, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    return ops_shape.split(input, list(split_sizes), dim)


unsafe_split = ops_shape.split
unsafe_chunk = ops_shape.chunk


def select(input: Any, dim: int, index: int) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    d = dim % x.data.ndim
    return result(CF.get_item(x, tuple(slice(None) for _ in range(d)) + (int(index),)))


def fill(input: Any, value: Any) -> Tensor:  # noqa: A002
    """A tensor of input's shape and dtype filled with ``value`` (torch.fill, out of place)."""
    x = tensor_of(input)
    return ops_index.masked_fill(x, get_array_module(x.data).ones(x.data.shape, bool), value)


def sum_to_size(input: Any, *size: Any) -> Tensor:  # noqa: A002
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    x = tensor_of(input)
    if x.data.dtype.kind == "b":  # PyTorch's result dtype here depends on the sizes
        raise NotImplementedError("sum_to_size: bool tensors are not supported")
    if tuple(size) == x.data.shape:
        return alias_copy(x)
    if x.data.dtype.kind in "biu":  # integers and bools add up in int64, as PyTorch
        x = cast(x, get_array_module(x.data).dtype("int64"))
        return constant(CF.sum_to(x, tuple(size)).data)
    return result(CF.sum_to(x, tuple(size)))


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """Each slice along ``dim`` rescaled to p-norm at most ``maxnorm``."""
    from zerograd.core.functions.accumulation import vector_norm
    x = tensor_of(input)
    d = dim % x.data.ndim
    others = tuple(a for a in range(x.data.ndim) if a != d)
    norms = vector_norm(x, p, others, True)
    xp = get_array_module(x.data)
    # the scale depends on x through the norm, and PyTorch differentiates it too
    scale = CF.where(norms.data > maxnorm, maxnorm / (norms + 1e-7), xp.ones((), x.data.dtype))
    return result(x * scale)


# The ``*_copy`` variants: zerograd's shape functions never return views, so the same results.
diagonal_copy, permute_copy, squeeze_copy = ops_shape.diagonal, ops_shape.permute, ops_shape.squeeze
transpose_copy, unbind_copy, unsqueeze_copy = ops_shape.transpose, ops_shape.unbind, ops_shape.unsqueeze
narrow_copy, view_copy, unfold_copy = ops_shape.narrow, ops_shape.reshape, unfold


def alias_copy(input: Any) -> Tensor:  # noqa: A002
    from zerograd.core.functions.indexing import index_map
    return result(index_map(tensor_of(input), lambda a: a.copy()))


def expand_copy(input: Any, size: Any, *, implicit: bool = False) -> Tensor:  # noqa: A002
    return ops_shape.broadcast_to(input, size)


def t_copy(input: Any) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    return ops_shape.transpose(x, 0, 1) if x.data.ndim == 2 else alias_copy(x)
