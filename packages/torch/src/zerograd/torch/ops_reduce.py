"""torch's reductions and order statistics: sum/mean/prod with ``dtype``, var/std with
``correction``, amax/amin, max/min in their three forms, argmax/argmin, logsumexp, norm,
cumsum/cumprod, all/any, count_nonzero, median, sort/argsort/topk/kthvalue."""

from __future__ import annotations

import builtins
from typing import Any

from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import accumulation as A
from zerograd.core.functions import linalg as L
from zerograd.core.functions import sorting as S
from zerograd.torch.ops_common import constant, dims, result, tensor_of
from zerograd.torch.promotion import cast, get_default_dtype
from zerograd.torch.tensor import Tensor
from zerograd.torch.tensor_selection import ValuesIndices


def _input(input: Any, dtype: Any = None) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    return cast(x, get_array_module(x.data).dtype(dtype)) if dtype is not None else x


def _integral(x: Tensor) -> bool:
    return x.data.dtype.kind in "biu"


def sum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001, A002
    x = _input(input, dtype)
    if _integral(x):
        return constant(x.data.sum(axis=dims(dim), keepdims=keepdim, dtype=dtype or "int64"))
    return result(CF.sum(x, dims(dim), keepdim))


def nansum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    x = _input(input, dtype)
    xp = get_array_module(x.data)
    if _integral(x):
        return sum(x, dim, keepdim)
    return result(CF.sum(CF.where(xp.isnan(x.data), xp.zeros((), x.data.dtype), x), dims(dim), keepdim))


def mean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    x = _input(input, dtype)
    if _integral(x):
        raise TypeError(f"mean: could not infer output dtype; input dtype {x.data.dtype} is "
                        f"not floating (pass dtype=)")
    return result(CF.mean(x, dims(dim), keepdim))


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    x = _input(input, dtype)
    xp = get_array_module(x.data)
    count = (~xp.isnan(x.data)).sum(axis=dims(dim), keepdims=keepdim).astype(x.data.dtype)
    return result(nansum(x, dim, keepdim) / Tensor(count, requires_grad=False))


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    x = _input(input, dtype)
    if _integral(x):
        return constant(x.data.prod(axis=dim, keepdims=keepdim, dtype=dtype or "int64"))
    return result(A.prod(x, dim, keepdim))


def var(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None) -> Tensor:
    """Variance with Bessel's ``correction`` (default 1); n - correction <= 0 gives inf or nan."""
    return _variance(input, dim, unbiased, keepdim, correction, False)


def std(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None) -> Tensor:
    return _variance(input, dim, unbiased, keepdim, correction, True)


def _variance(input: Any, dim: Any, unbiased: Any, keepdim: bool, correction: Any,  # noqa: A002
              root: bool) -> Tensor:
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    x = tensor_of(input)
    if _integral(x):
        raise TypeError(f"var/std: expects a floating tensor, got {x.data.dtype}")
    axis = dims(dim)
    deviation = x - CF.mean(x, axis, keepdims=True)
    squares = CF.sum(deviation * deviation, axis, keepdim)
    n = x.data.size // builtins.max(squares.data.size, 1) if x.data.size else 0
    with_dof = squares * (1.0 / (n - correction)) if n - correction > 0 else \
        squares * get_array_module(x.data).asarray(float("inf"), dtype=x.data.dtype)
    return result(CF.sqrt(with_dof) if root else with_dof)


def var_mean(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
             correction: Any = None) -> tuple[Tensor, Tensor]:
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
             correction: Any = None) -> tuple[Tensor, Tensor]:
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def amax(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The largest elements; ties share the gradient evenly."""
    x = tensor_of(input)
    if _integral(x):
        return constant(x.data.max(axis=dims(dim), keepdims=keepdim))
    return result(CF.max(x, dims(dim), keepdim))


def amin(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if _integral(x):
        return constant(x.data.min(axis=dims(dim), keepdims=keepdim))
    return result(CF.min(x, dims(dim), keepdim))


def aminmax(input: Any, *, dim: Any = None, keepdim: bool = False) -> tuple[Tensor, Tensor]:  # noqa: A002
    return amin(input, () if dim is None else dim, keepdim), amax(input, () if dim is None else dim, keepdim)


def _extreme(which: str, input: Any, dim: Any, keepdim: bool) -> Any:  # noqa: A002
    x = tensor_of(input)
    if isinstance(dim, Tensor):  # max(input, other)
        from zerograd.torch import ops_math
        return getattr(ops_math, "maximum" if which == "max" else "minimum")(x, dim)
    if dim is None:
        return (amax if which == "max" else amin)(x)
    along = S.max_along if which == "max" else S.min_along
    values, indices = along(x, dim, keepdim)
    return ValuesIndices(result(values), constant(indices))


def max(input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """max(input): the largest element; max(input, dim): (values, indices), the gradient to the
    first largest; max(input, other): the elementwise maximum."""
    return _extreme("max", input, dim, keepdim)


def min(input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    return _extreme("min", input, dim, keepdim)


def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _arg("max", input, dim, keepdim)


def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _arg("min", input, dim, keepdim)


def _arg(which: str, input: Any, dim: Any, keepdim: bool) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    xp = get_array_module(x.data)
    if dim is None:
        index = getattr(xp, "arg" + which)(x.data.reshape(-1))
        shape = (1,) * x.data.ndim if keepdim else ()
        return constant(xp.asarray(index, dtype=xp.int64).reshape(shape))
    _, indices = (S.max_along if which == "max" else S.min_along)(x.data, dim, keepdim)
    return constant(indices)


def logsumexp(input: Any, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if _integral(x):
        x = cast(x, get_default_dtype())
    return result(CF.logsumexp(x, dims(dim), keepdim))


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
         dtype: Any = None) -> Tensor:
    x = _input(input, dtype)
    axis = dims(dim)
    if isinstance(axis, int):
        axis = (axis,)
    if p == "fro" and (axis is None or len(axis) <= 2):
        return result(A.vector_norm(x, 2, axis, keepdim))
    if p == "nuc" or (isinstance(p, str) and axis is not None and len(axis) == 2):
        return result(L.matrix_norm(x, p, axis or (-2, -1), keepdim))
    return result(A.vector_norm(x, p, axis, keepdim))


def _running(name: str, native: Any, input: Any, dim: int, dtype: Any) -> Tensor:  # noqa: A002
    """cumsum/cumprod: integers and bools accumulate in int64 (no gradient), as PyTorch."""
    x = _input(input, dtype)
    if _integral(x):
        xp = get_array_module(x.data)
        totals = getattr(xp, name)(x.data, axis=dim if x.data.ndim else None, dtype="int64")
        return constant(totals.reshape(x.data.shape))
    return result(native(x, dim))


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    return _running("cumsum", A.cumsum, input, dim, dtype)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    return _running("cumprod", A.cumprod, input, dim, dtype)


def logcumsumexp(input: Any, dim: int) -> Tensor:  # noqa: A002
    return result(A.logcumsumexp(tensor_of(input), dim))


def all(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    return constant(A.all(tensor_of(input), dims(dim), keepdim))


def any(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    return constant(A.any(tensor_of(input), dims(dim), keepdim))


def count_nonzero(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    return constant(A.count_nonzero(tensor_of(input), dims(dim)))


def median(input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
    """median(input): the lower median; median(input, dim): (values, indices)."""
    x = tensor_of(input)
    if dim is None and x.data.dtype.kind == "f":  # the gradient shared over ties, as PyTorch
        from zerograd.torch.tensor_selection import median as shared_median
        return shared_median(x)
    if dim is None:
        return result(S.median(x))
    values, indices = S.median(x, dim, keepdim)
    return ValuesIndices(result(values), constant(indices))


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:  # noqa: A002
    values, indices = S.sort(tensor_of(input), dim, descending, True)
    return ValuesIndices(result(values), constant(indices))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    return constant(S.argsort(tensor_of(input), dim, descending, True))


def msort(input: Any) -> Tensor:  # noqa: A002
    return sort(input, 0).values


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    values, indices = S.topk(tensor_of(input), k, dim, largest, sorted)
    return ValuesIndices(result(values), constant(indices))


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:  # noqa: A002
    values, indices = S.kthvalue(tensor_of(input), k, dim, keepdim)
    return ValuesIndices(result(values), constant(indices))
