"""The error function family: erf, erfc and erfinv, one Function each (NumPy has none of them).

Computed in float64 and returned in x's dtype, to double precision: erf by its Taylor series
where |x| < 2.5 (its terms stay below e^(x^2) ~ 500, so cancellation costs under three digits)
and erfc by its continued fraction beyond (exp(-x^2) times the scaled erfcx, never 1 - erf,
which would lose erfc's relative precision in the tail); erfinv by Newton's method on erf (on
erfc near +-1) from Winitzki's closed-form guess. A fixed number of array passes each, no loop
over elements. The derivatives are written with Variables, so they differentiate again.
"""

from __future__ import annotations

import math
from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.variable import Variable, as_variable

_SERIES_TERMS = 60  # x^(2n+1) / n! at |x| = 2.5, n = 60: far below 1e-16 of the sum
_FRACTION_TERMS = 80  # the continued fraction at x = 2.5 settles to double precision well before
_SPLIT = 2.5
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erf_series(x: Any, xp: Any) -> Any:
    """erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)), for |x| below the split."""
    term = x.copy()
    total = x.copy()
    square = x * x
    for n in range(1, _SERIES_TERMS):
        term *= -square / n
        total += term / (2 * n + 1)
    return total * _TWO_OVER_SQRT_PI


def _erfc_fraction(x: Any, xp: Any) -> Any:
    """erfc(x) for x at or above the split: exp(-x^2) / sqrt(pi) / (x + (1/2)/(x + 1/(x + ...)))."""
    fraction = xp.zeros_like(x)
    for k in range(_FRACTION_TERMS, 0, -1):
        fraction = (k / 2) / (x + fraction)
    return xp.exp(-x * x) / (math.sqrt(math.pi) * (x + fraction))


def _erf_and_erfc(x: Any) -> tuple[Any, Any]:
    """(erf, erfc) of a float64 array, each accurate where it is small."""
    xp = get_array_module(x)
    a = xp.abs(x)
    inner = a < _SPLIT
    small = _erf_series(xp.where(inner, a, 0.0), xp)
    tail = _erfc_fraction(xp.where(inner, _SPLIT, a), xp)
    erf_abs = xp.where(inner, small, 1 - tail)
    erfc_abs = xp.where(inner, 1 - small, tail)
    negative = x < 0
    erf = xp.where(negative, -erf_abs, erf_abs)
    erfc = xp.where(negative, 2 - erfc_abs, erfc_abs)
    nan = xp.isnan(x)
    return xp.where(nan, x, erf), xp.where(nan, x, erfc)


def _erfinv(y: Any) -> Any:
    """The inverse of erf on [-1, 1] (+-inf at +-1, NaN outside), float64."""
    xp = get_array_module(y)
    a = xp.abs(y)
    inside = a < 1
    t = xp.where(inside, a, 0.5)
    # Winitzki's approximation (relative error below 2e-3), then Newton steps: each squares it
    log_term = xp.log1p(-t * t)
    c = 2 / (math.pi * 0.147) + log_term / 2
    x = xp.sqrt(xp.sqrt(c * c - log_term / 0.147) - c)
    high = t > 0.5  # solve erfc(x) = 1 - t there: 1 - t is exact, erf(x) - t would cancel
    for _ in range(4):
        erf, erfc = _erf_and_erfc(x)
        residual = xp.where(high, (1 - t) - erfc, erf - t)
        x = x - residual / (_TWO_OVER_SQRT_PI * xp.exp(-x * x))
    x = xp.where(a == 1, xp.inf, xp.where(inside, x, xp.nan))
    return xp.where(y < 0, -x, x)


class Erf(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return _erf_and_erfc(x.astype("float64"))[0].astype(x.dtype, copy=False)

    def backward(self, gy: Variable) -> Variable:
        return gy * _gaussian(self.inputs[0])


class Erfc(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return _erf_and_erfc(x.astype("float64"))[1].astype(x.dtype, copy=False)

    def backward(self, gy: Variable) -> Variable:
        return gy * -_gaussian(self.inputs[0])


class Erfinv(Function):
    __slots__ = ()

    def forward(self, y: Any) -> Any:
        return _erfinv(y.astype("float64")).astype(y.dtype, copy=False)

    def backward(self, gy: Variable) -> Variable:
        from zerograd.core.functions.math import exp
        x = self.outputs[0]()
        x = x if x is not None else erfinv(self.inputs[0])
        return gy * (exp(x * x) * (math.sqrt(math.pi) / 2))


def _gaussian(x: Variable) -> Variable:
    """erf'(x) = 2/sqrt(pi) exp(-x^2), as Variables (differentiable again)."""
    from zerograd.core.functions.math import exp
    return exp(x * x * -1.0) * _TWO_OVER_SQRT_PI


def _floating(op: str, x: Any) -> Variable:
    x = as_variable(x)
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating array, got dtype {x.data.dtype}")
    return x


def erf(x: Any) -> Variable:
    """The error function 2/sqrt(pi) int_0^x exp(-t^2) dt."""
    return Erf()(_floating("erf", x))


def erfc(x: Any) -> Variable:
    """The complementary error function 1 - erf(x), accurate in its tail."""
    return Erfc()(_floating("erfc", x))


def erfinv(y: Any) -> Variable:
    """The inverse error function on [-1, 1]: +-inf at +-1, NaN outside."""
    return Erfinv()(_floating("erfinv", y))
