"""Products and running totals: prod, cumsum, cumprod, logcumsumexp; std, vector_norm;
count_nonzero, all, any (no gradient).

prod and cumprod divide by x in their backward when x has no zero (so it can be differentiated
again); with zeros they use exclusive products of the data, exact for the first derivative.
"""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.math import abs, sqrt
from zerograd.core.functions.reduction import _reduced_axes, max, min, sum, var
from zerograd.core.functions.shape import broadcast_to, reshape
from zerograd.core.variable import Variable, as_variable


def _flat_axis(x: Variable, axis: Any, op: str) -> tuple[Variable, int]:
    """x and an axis; axis None flattens x (as prod and cumsum with no dim do)."""
    if axis is None or x.ndim == 0:
        return reshape(x, (-1,)), 0
    return x, normalize_axis(op, axis, x.ndim)


class Prod(Function):
    __slots__ = ("axis", "keepdims")

    def __init__(self, axis: int, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Any) -> Any:
        return x.prod(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        xp = get_array_module(x.data)
        kept = list(x.shape)
        kept[self.axis] = 1
        g = broadcast_to(reshape(gy, tuple(kept)), x.shape)
        if not (x.data == 0).any():
            y = broadcast_to(reshape(self.outputs[0](), tuple(kept)), x.shape)
            return g * y / x
        return g * _exclusive_products(x.data, self.axis, xp)


def _exclusive_products(data: Any, axis: int, xp: Any) -> Any:
    """For each element, the product of the others along ``axis`` (no division: zeros allowed)."""
    ones = xp.ones_like(xp.take(data, [0], axis=axis))
    left = xp.cumprod(xp.concatenate([ones, xp.take(data, xp.arange(data.shape[axis] - 1),
                                                        axis=axis)], axis=axis), axis=axis)
    flipped = xp.flip(data, axis=axis)
    right = xp.cumprod(xp.concatenate([ones, xp.take(flipped, xp.arange(data.shape[axis] - 1),
                                                         axis=axis)], axis=axis), axis=axis)
    return left * xp.flip(right, axis=axis)


def prod(x: Any, axis: int | None = None, keepdims: bool = False) -> Variable:
    """The product of x's elements along ``axis`` (all of them when None)."""
    x = as_variable(x)
    flat, a = _flat_axis(x, axis, "prod")
    y = Prod(a, keepdims and axis is not None)(flat)
    if keepdims and axis is None or x.ndim == 0 and keepdims:
        y = reshape(y, (1,) * x.ndim)
    return y


class Cumsum(Function):
    __slots__ = ("axis", "reverse")

    def __init__(self, axis: int, reverse: bool = False) -> None:
        self.axis, self.reverse = axis, reverse

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        if self.reverse:
            return xp.flip(xp.flip(x, self.axis).cumsum(axis=self.axis), self.axis)
        return x.cumsum(axis=self.axis, dtype=x.dtype if x.dtype.kind == "f" else None)

    def backward(self, gy: Variable) -> Variable:
        return Cumsum(self.axis, not self.reverse)(gy)


def cumsum(x: Any, axis: int | None = None) -> Variable:
    """Running sums along ``axis`` (over the flattened x when None)."""
    x = as_variable(x)
    flat, a = _flat_axis(x, axis, "cumsum")
    y = Cumsum(a)(flat)
    return y if axis is None or x.ndim else reshape(y, ())


class Cumprod(Function):
    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return x.cumprod(axis=self.axis)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        if not (x.data == 0).any():
            return Cumsum(self.axis, True)(gy * self.outputs[0]()) / x
        return Variable(_cumprod_grad_with_zeros(x.data, gy.data, self.axis), requires_grad=False)


def _cumprod_grad_with_zeros(x: Any, gy: Any, axis: int) -> Any:
    """g_i = sum_{j >= i} gy_j prod_{k <= j, k != i} x_k, with an n x n mask (no division)."""
    xp = get_array_module(x)
    x = xp.moveaxis(x, axis, -1)
    gy = xp.moveaxis(gy, axis, -1)
    n = x.shape[-1]
    i = xp.arange(n)
    # terms[..., i, k]: x_k, with x_i replaced by 1; then cumulative products over k
    terms = xp.broadcast_to(x[..., None, :], (*x.shape, n)).copy()
    terms[..., i, i] = 1
    partial = xp.cumprod(terms, axis=-1)  # [..., i, j] = prod_{k <= j, k != i} x_k
    mask = (i[None, :] >= i[:, None])  # j >= i
    g = (partial * mask * gy[..., None, :]).sum(axis=-1)
    return xp.moveaxis(g, -1, axis)


def cumprod(x: Any, axis: int | None = None) -> Variable:
    """Running products along ``axis`` (over the flattened x when None)."""
    x = as_variable(x)
    flat, a = _flat_axis(x, axis, "cumprod")
    y = Cumprod(a)(flat)
    return y if axis is None or x.ndim else reshape(y, ())


def logcumsumexp(x: Any, axis: int) -> Variable:
    """log(cumsum(exp(x))) along ``axis``, shifted by the maximum against overflow."""
    from zerograd.core.functions.cast import astype
    from zerograd.core.functions.math import exp, log
    x = as_variable(x)
    if x.dtype.kind == "f" and x.dtype.itemsize < 8:  # float32's exp loses the small terms
        return astype(logcumsumexp(astype(x, "float64"), axis), x.dtype)
    flat, a = _flat_axis(x, axis, "logcumsumexp")
    xp = get_array_module(x.data)
    m = flat.data.max(axis=a, keepdims=True) if flat.size else xp.zeros(())
    m = xp.where(xp.isfinite(m), m, 0)
    y = log(cumsum(exp(flat - m), a)) + m
    return y if x.ndim else reshape(y, ())


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Variable:
    """Standard deviation as numpy.std: sqrt(var(x, ddof))."""
    return sqrt(var(x, axis, keepdims, ddof))


def vector_norm(x: Any, ord: float = 2, axis: Any = None, keepdims: bool = False) -> Variable:  # noqa: A002
    """The p-norm over ``axis`` (all elements when None): inf (max |x|), -inf, 0 (count of
    non-zeros, no gradient), 1, 2 or any other p."""
    x = as_variable(x)
    if axis is not None:
        axis = _reduced_axes("vector_norm", x, axis)
    a = abs(x)
    if ord == float("inf"):
        return max(a, axis, keepdims)
    if ord == -float("inf"):
        return min(a, axis, keepdims)
    if ord == 0:  # a count: zero gradient, but still a differentiable result (as PyTorch)
        nonzero = (x.data != 0).astype(x.dtype)
        return sum(x * 0 + nonzero, axis, keepdims)
    if ord == 1:
        return sum(a, axis, keepdims)
    if ord == 2:
        return Norm2(axis, keepdims)(x)
    return NormP(ord, axis, keepdims)(x)


class Norm2(Function):
    """sqrt(sum(x^2)); the gradient x / norm is 0 where the norm is 0 (PyTorch's subgradient)."""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis: Any, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        return xp.sqrt((x * x).sum(axis=self.axis, keepdims=self.keepdims))

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        g, safe = _norm_gradient_parts(x, gy, self.outputs[0](), self.axis)
        return g * x / safe


def _norm_gradient_parts(x: Variable, gy: Variable, y: Variable, axis: Any) -> tuple[Variable, Variable]:
    """gy broadcast back over x, and the norm broadcast likewise with 1 where it is 0."""
    from zerograd.core.functions.selection import where
    axes = tuple(range(x.ndim)) if axis is None else axis
    kept = tuple(1 if d in axes else n for d, n in enumerate(x.shape))
    y = reshape(y, kept)
    safe = where(y.data == 0, get_array_module(x.data).ones((), dtype=x.dtype), y)
    return broadcast_to(reshape(gy, kept), x.shape), safe


class NormP(Function):
    """sum(|x|^p)^(1/p); the gradient sign(x) |x|^(p-1) / norm^(p-1) is 0 where the norm is 0."""

    __slots__ = ("p", "axis", "keepdims")

    def __init__(self, p: float, axis: Any, keepdims: bool) -> None:
        self.p, self.axis, self.keepdims = p, axis, keepdims

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        total = (xp.abs(x) ** self.p).sum(axis=self.axis, keepdims=self.keepdims)
        return (total ** (1.0 / self.p)).astype(x.dtype, copy=False)

    def backward(self, gy: Variable) -> Variable:
        from zerograd.core.functions.elementwise import sign
        from zerograd.core.functions.selection import where
        x = self.inputs[0]
        g, safe = _norm_gradient_parts(x, gy, self.outputs[0](), self.axis)
        ratio = where(x.data == 0, get_array_module(x.data).ones((), dtype=x.dtype), abs(x) / safe)
        return g * sign(x) * ratio ** (self.p - 1)


def count_nonzero(x: Any, axis: Any = None) -> Any:
    """How many elements are not zero, along ``axis`` (an int64 array)."""
    data = x.data if isinstance(x, Variable) else x
    xp = get_array_module(data)
    return xp.asarray(xp.count_nonzero(data, axis=axis), dtype=xp.int64)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether every element along ``axis`` is true (a bool array)."""
    data = x.data if isinstance(x, Variable) else x
    return get_array_module(data).all(data, axis=axis, keepdims=keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether some element along ``axis`` is true (a bool array)."""
    data = x.data if isinstance(x, Variable) else x
    return get_array_module(data).any(data, axis=axis, keepdims=keepdims)
