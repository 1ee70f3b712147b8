"""Functions composed of the differentiable pieces of this package: diff, cross, trace, cov,
corrcoef, cdist, trapezoid, quantile, matrix_power, logdet, slogdet, block_diag,
cartesian_prod, heaviside. Their gradients come from the pieces."""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.core.functions.accumulation import vector_norm
from zerograd.core.functions.indexing import index_select, scatter_flat
from zerograd.core.functions.linalg import det, inv
from zerograd.core.functions.math import abs, log, sqrt
from zerograd.core.functions.matmul import matmul
from zerograd.core.functions.rearrange import diagonal
from zerograd.core.functions.reduction import mean, sum
from zerograd.core.functions.shape import concat, get_item, reshape, swapaxes
from zerograd.core.functions.sorting import sort
from zerograd.core.variable import Variable, as_variable


def _slice(ndim: int, axis: int, part: slice) -> tuple[slice, ...]:
    return tuple(part if d == axis else slice(None) for d in range(ndim))


def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Variable:
    """The n-th forward difference along ``axis`` (with ``prepend``/``append`` joined first)."""
    x = as_variable(x)
    axis = normalize_axis("diff", axis, x.ndim)
    if n == 0:
        return x
    parts = [as_variable(p) for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = concat(parts, axis)
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        x = get_item(x, _slice(x.ndim, axis, slice(1, None))) - \
            get_item(x, _slice(x.ndim, axis, slice(None, -1)))
    return x


def cross(a: Any, b: Any, axis: int = -1) -> Variable:
    """The cross product of 3-vectors along ``axis``."""
    a, b = as_variable(a), as_variable(b)
    axis = normalize_axis("cross", axis, a.ndim)
    if a.shape[axis] != 3:
        raise ValueError(f"cross: dimension {axis} must have size 3, got shape {a.shape}")
    xp = get_array_module(a.data)
    one, two = xp.array([1, 2, 0]), xp.array([2, 0, 1])
    return index_select(a, axis, one) * index_select(b, axis, two) - \
        index_select(a, axis, two) * index_select(b, axis, one)


def trace(x: Any) -> Variable:
    """The sum of a matrix's diagonal."""
    return sum(diagonal(x))


def cov(x: Any, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Variable:
    """The covariance of the rows of x (variables) over its columns (observations)."""
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights and aweights are not supported")
    x = as_variable(x)
    if x.ndim < 2:
        x = reshape(x, (1, -1))
    n = x.shape[1]
    centred = x - mean(x, 1, keepdims=True)
    c = matmul(centred, swapaxes(centred, 0, 1)) * (1.0 / (n - correction) if n > correction
                                                    else float("inf"))
    return c if c.shape != (1, 1) else reshape(c, ())


def corrcoef(x: Any) -> Variable:
    """Pearson's correlation coefficients of the rows of x."""
    c = cov(x)
    if c.ndim == 0:
        return c / c
    d = sqrt(diagonal(c))
    return c / (reshape(d, (-1, 1)) * reshape(d, (1, -1)))


def cdist(x1: Any, x2: Any, p: float = 2.0) -> Variable:
    """The p-norm distance of every row of x1 to every row of x2 (batched over leading axes)."""
    x1, x2 = as_variable(x1), as_variable(x2)
    difference = reshape(x1, (*x1.shape[:-1], 1, x1.shape[-1])) - \
        reshape(x2, (*x2.shape[:-2], 1, *x2.shape[-2:]))
    return vector_norm(difference, p, -1)


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Variable:
    """The trapezoidal rule along ``axis`` (spacing ``dx``, or sample points ``x``)."""
    return sum(_trapezoids(y, x, dx, axis), normalize_axis("trapezoid", axis, as_variable(y).ndim))


def cumulative_trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Variable:
    from zerograd.core.functions.accumulation import cumsum
    return cumsum(_trapezoids(y, x, dx, axis), normalize_axis("trapezoid", axis, as_variable(y).ndim))


def _trapezoids(y: Any, x: Any, dx: float, axis: int) -> Variable:
    y = as_variable(y)
    axis = normalize_axis("trapezoid", axis, y.ndim)
    heights = get_item(y, _slice(y.ndim, axis, slice(1, None))) + \
        get_item(y, _slice(y.ndim, axis, slice(None, -1)))
    widths = diff(x, 1, axis if as_variable(x).ndim == y.ndim else -1) if x is not None else dx
    if x is not None and as_variable(x).ndim == 1 and y.ndim > 1:
        shape = [1] * y.ndim
        shape[axis] = -1
        widths = reshape(widths, tuple(shape))
    return heights * widths * 0.5


def quantile(x: Any, q: Any, axis: int | None = None, keepdims: bool = False,
             interpolation: str = "linear") -> Variable:
    """The q-th quantiles (q a number or a 1-d array in [0, 1]) along ``axis`` (of the flattened
    x when None), interpolated between sorted neighbours; q's axis comes first when q is an array."""
    from zerograd.core.functions.rearrange import moveaxis
    x = as_variable(x)
    xp = get_array_module(x.data)
    q_variable = q if isinstance(q, Variable) and q.requires_grad else None
    q_data = xp.asarray(q.data if isinstance(q, Variable) else q, dtype=x.dtype)
    if ((q_data < 0) | (q_data > 1)).any():
        raise ValueError("quantile: q must lie in [0, 1]")
    a = None if axis is None else normalize_axis("quantile", axis, max(x.ndim, 1))
    source = reshape(x, (-1,)) if a is None or x.ndim == 0 else moveaxis(x, a, -1)
    values, _ = sort(source, -1)
    low, high, weight = _quantile_neighbours(q_data.reshape(-1), values.shape[-1], interpolation, xp)
    below, above = index_select(values, -1, low), index_select(values, -1, high)
    if q_variable is not None and interpolation == "linear":  # the weight moves with q
        weight = reshape(q_variable, (-1,)) * (values.shape[-1] - 1) - low.astype(x.dtype)
    else:
        weight = weight.astype(x.dtype)
    result = moveaxis(below + (above - below) * weight, -1, 0)  # (nq, ...)
    if keepdims:
        kept = [1] * x.ndim if a is None else [1 if d == a else n for d, n in enumerate(x.shape)]
        result = reshape(result, (-1, *kept))
    return reshape(result, result.shape[1:]) if q_data.ndim == 0 else result


def _quantile_neighbours(q: Any, n: int, interpolation: str, xp: Any) -> tuple[Any, Any, Any]:
    """The sorted positions below and above each quantile and the weight of the upper one."""
    rank = q.astype(xp.float64) * (n - 1)
    low, high = xp.floor(rank).astype(xp.int64), xp.ceil(rank).astype(xp.int64)
    weight = rank - low
    if interpolation == "lower":
        high = low
    elif interpolation == "higher":
        low = high
    elif interpolation == "nearest":
        low = high = xp.round(rank).astype(xp.int64)  # half to even, as PyTorch
    elif interpolation == "midpoint":
        weight = xp.where(high > low, 0.5, 0.0)
    elif interpolation != "linear":
        raise ValueError(f"quantile: unknown interpolation {interpolation!r}")
    return low, high, weight if interpolation in ("linear", "midpoint") else weight * 0


def matrix_power(x: Any, n: int) -> Variable:
    """x multiplied by itself n times (n = 0: the identity; n < 0: powers of the inverse)."""
    x = as_variable(x)
    if n == 0:
        xp = get_array_module(x.data)
        return x * 0 + xp.broadcast_to(xp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    base = inv(x) if n < 0 else x
    result = base
    for _ in range((n if n > 0 else -n) - 1):
        result = matmul(result, base)
    return result


def logdet(x: Any) -> Variable:
    """log(det(x)); NaN where the determinant is negative, as PyTorch."""
    return log(det(x))


def slogdet(x: Any) -> tuple[Variable, Variable]:
    """(sign of the determinant, log of its absolute value); the sign has a zero gradient."""
    from zerograd.core.functions.elementwise import sign
    d = det(x)
    return sign(d), log(abs(d))


def block_diag(*blocks: Any) -> Variable:
    """The blocks (scalars, vectors as rows, or matrices) along the diagonal of a zero matrix."""
    xp = None
    variables = []
    for b in blocks:
        b = as_variable(b)
        xp = get_array_module(b.data)
        variables.append(reshape(b, (1, 1)) if b.ndim == 0 else
                         reshape(b, (1, -1)) if b.ndim == 1 else b)
    rows = [v.shape[0] for v in variables]
    cols = [v.shape[1] for v in variables]
    total_rows, total_cols = _total(rows), _total(cols)
    pieces, r0, c0 = [], 0, 0
    for v, r, c in zip(variables, rows, cols):
        positions = (xp.arange(r)[:, None] + r0) * total_cols + xp.arange(c)[None, :] + c0
        pieces.append(scatter_flat(v, positions, (total_rows, total_cols)))
        r0, c0 = r0 + r, c0 + c
    out = pieces[0]
    for piece in pieces[1:]:
        out = out + piece
    return out


def _total(values: list[int]) -> int:
    total = 0
    for v in values:
        total += v
    return total


def cartesian_prod(*vectors: Any) -> Variable:
    """Every combination of the vectors' elements, one row each."""
    from zerograd.core.functions.shape import broadcast_to, stack
    variables = [as_variable(v) for v in vectors]
    if len(variables) == 1:
        return variables[0]
    shape = tuple(v.shape[0] for v in variables)
    grids = []
    for i, v in enumerate(variables):
        view = [1] * len(variables)
        view[i] = -1
        grids.append(reshape(broadcast_to(reshape(v, tuple(view)), shape), (-1,)))
    return stack(grids, 1)


def heaviside(x: Any, values: Any) -> Any:
    """0 where x < 0, 1 where x > 0, ``values`` where x == 0 (an array, no gradient)."""
    data = x.data if isinstance(x, Variable) else x
    other = values.data if isinstance(values, Variable) else values
    xp = get_array_module(data)
    return xp.where(data == 0, other, (data > 0)).astype(xp.result_type(data, other))
