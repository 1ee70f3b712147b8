"""More elementwise math, one Function each: trigonometric and hyperbolic functions and their
inverses, exp2/expm1, log2/log10/log1p, reciprocal/rsqrt/square, sign, rounding, erf-free
specials (sigmoid lives in nn), and binary atan2, hypot, logaddexp, fmod, remainder, xlogy,
copysign, lerp. Every derivative is written with Variables, so it can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.math import cos, exp, log, sqrt
from zerograd.core.functions.selection import where
from zerograd.core.variable import Variable, as_variable

_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046

# name -> (NumPy's name, derivative as a function of (x, y) Variables, or None: zero gradient)
_UNARY: dict[str, tuple[str, Callable[[Variable, Variable], Any] | None]] = {
    "tan": ("tan", lambda x, y: 1 + y * y),
    "arcsin": ("arcsin", lambda x, y: 1 / sqrt(1 - x * x)),
    "arccos": ("arccos", lambda x, y: -1 / sqrt(1 - x * x)),
    "arctan": ("arctan", lambda x, y: 1 / (1 + x * x)),
    "sinh": ("sinh", lambda x, y: cosh(x)),
    "cosh": ("cosh", lambda x, y: sinh(x)),
    "arcsinh": ("arcsinh", lambda x, y: 1 / sqrt(x * x + 1)),
    "arccosh": ("arccosh", lambda x, y: 1 / sqrt(x * x - 1)),
    "arctanh": ("arctanh", lambda x, y: 1 / (1 - x * x)),
    "exp2": ("exp2", lambda x, y: y * _LN2),
    "expm1": ("expm1", lambda x, y: y + 1),
    "log2": ("log2", lambda x, y: 1 / (x * _LN2)),
    "log10": ("log10", lambda x, y: 1 / (x * _LN10)),
    "log1p": ("log1p", lambda x, y: 1 / (x + 1)),
    "reciprocal": ("reciprocal", lambda x, y: -(y * y)),
    "rsqrt": ("_rsqrt", lambda x, y: -0.5 * y / x),
    "square": ("square", lambda x, y: 2 * x),
    "deg2rad": ("deg2rad", lambda x, y: 0.017453292519943295),
    "rad2deg": ("rad2deg", lambda x, y: 57.29577951308232),
    "sign": ("sign", None),
    "floor": ("floor", None),
    "ceil": ("ceil", None),
    "round": ("round", None),
    "trunc": ("trunc", None),
    "frac": ("_frac", lambda x, y: 1),
    "positive": ("positive", lambda x, y: 1),
    "sinc": ("_sinc", lambda x, y: where(x.data == 0, 0.0,
                                          (cos(_PI * x) - y) / where(x.data == 0, 1.0, x))),
}
_PI = 3.141592653589793


def _numpy_function(xp: Any, name: str) -> Callable[[Any], Any]:
    if name == "_rsqrt":
        return lambda a: 1 / xp.sqrt(a)
    if name == "_frac":
        return lambda a: a - xp.trunc(a)
    if name == "_sinc":
        return xp.sinc  # normalised, as PyTorch's
    return getattr(xp, name)


class Unary(Function):
    """One elementwise function of the table above."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        y = _numpy_function(xp, _UNARY[self.name][0])(x)
        return y.astype(x.dtype, copy=False) if x.dtype.kind == "f" else y

    def backward(self, gy: Variable) -> Any:
        derivative = _UNARY[self.name][1]
        if derivative is None:
            return gy * 0
        x = self.inputs[0]
        d = derivative(x, self.outputs[0]())
        return gy * d


def unary(name: str, x: Any) -> Variable:
    """Apply one of the elementwise functions by NumPy's name (``unary("tan", x)``)."""
    if name not in _UNARY:
        raise ValueError(f"unary: unknown function {name!r}; known: {sorted(_UNARY)}")
    return Unary(name)(x)


def _make(name: str) -> Callable[[Any], Variable]:
    def function(x: Any) -> Variable:
        return Unary(name)(x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"Elementwise {name} (NumPy's {_UNARY[name][0].lstrip('_')}), differentiable."
    return function


tan, arcsin, arccos, arctan = (_make(n) for n in ("tan", "arcsin", "arccos", "arctan"))
sinh, cosh, arcsinh, arccosh, arctanh = (_make(n) for n in
                                         ("sinh", "cosh", "arcsinh", "arccosh", "arctanh"))
exp2, expm1, log2, log10, log1p = (_make(n) for n in ("exp2", "expm1", "log2", "log10", "log1p"))
reciprocal, rsqrt, square = (_make(n) for n in ("reciprocal", "rsqrt", "square"))
deg2rad, rad2deg, sign, positive = (_make(n) for n in ("deg2rad", "rad2deg", "sign", "positive"))
floor, ceil, round, trunc, frac = (_make(n) for n in  # noqa: A001  (NumPy's names)
                                   ("floor", "ceil", "round", "trunc", "frac"))
sinc = _make("sinc")


# --- binary functions, composed of differentiable pieces ------------------------------------
def atan2(y: Any, x: Any) -> Variable:
    """The angle of (x, y); d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)."""
    return Atan2()(y, x)


class Atan2(Function):
    __slots__ = ()

    def forward(self, y: Any, x: Any) -> Any:
        return get_array_module(y).arctan2(y, x)

    def backward(self, gz: Variable) -> tuple[Any, Any]:
        from zerograd.core.functions.shape import sum_to
        y, x = self.inputs
        denominator = x * x + y * y
        return sum_to(gz * x / denominator, y.shape), sum_to(-gz * y / denominator, x.shape)


def hypot(x0: Any, x1: Any) -> Variable:
    """sqrt(x0^2 + x1^2)."""
    x0, x1 = as_variable(x0), as_variable(x1)
    return sqrt(x0 * x0 + x1 * x1)


def logaddexp(x0: Any, x1: Any) -> Variable:
    """log(exp(x0) + exp(x1)) without overflow."""
    from zerograd.core.functions.selection import maximum
    x0, x1 = as_variable(x0), as_variable(x1)
    m = maximum(x0, x1).data
    xp = get_array_module(m)
    m = xp.where(xp.isfinite(m), m, 0)
    return log(exp(x0 - m) + exp(x1 - m)) + m


def logaddexp2(x0: Any, x1: Any) -> Variable:
    """log2(2^x0 + 2^x1) without overflow."""
    return logaddexp(as_variable(x0) * _LN2, as_variable(x1) * _LN2) * (1 / _LN2)


def fmod(x0: Any, x1: Any) -> Variable:
    """C's fmod (the sign of x0); d/dx0 = 1, d/dx1 = -trunc(x0 / x1)."""
    return _Remainder("fmod")(x0, x1)


def remainder(x0: Any, x1: Any) -> Variable:
    """Python's modulo (the sign of x1); d/dx0 = 1, d/dx1 = -floor(x0 / x1)."""
    return _Remainder("remainder")(x0, x1)


class _Remainder(Function):
    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def forward(self, x0: Any, x1: Any) -> Any:
        xp = get_array_module(x0)
        return xp.fmod(x0, x1) if self.kind == "fmod" else xp.remainder(x0, x1)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        from zerograd.core.functions.shape import sum_to
        x0, x1 = self.inputs
        xp = get_array_module(x0.data)
        quotient = x0.data / x1.data
        whole = xp.trunc(quotient) if self.kind == "fmod" else xp.floor(quotient)
        return sum_to(gy, x0.shape), sum_to(gy * (-whole).astype(gy.dtype), x1.shape)


def xlogy(x: Any, y: Any) -> Variable:
    """x * log(y), 0 where x is 0 (and y is not NaN)."""
    x, y = as_variable(x), as_variable(y)
    xp = get_array_module(x.data)
    zero = (x.data == 0) & ~xp.isnan(y.data)
    safe_y = where(zero, xp.ones((), dtype=y.dtype), y)
    return where(zero, xp.zeros((), dtype=x.dtype), x * log(safe_y))


def copysign(x0: Any, x1: Any) -> Variable:
    """|x0| with x1's sign; the gradient to x1 is 0."""
    x0 = as_variable(x0)
    x1_data = x1.data if isinstance(x1, Variable) else x1
    xp = get_array_module(x0.data)
    flip = xp.signbit(x0.data) != xp.signbit(x1_data)
    factor = xp.where(flip, -1, 1).astype(x0.dtype)
    return x0 * factor


def lerp(start: Any, end: Any, weight: Any) -> Variable:
    """start + weight * (end - start)."""
    start = as_variable(start)
    return start + weight * (end - start)


def float_power(x: Any, exponent: Any) -> Variable:
    """x ** exponent in float64, as torch.float_power."""
    from zerograd.core.functions.cast import astype
    x = astype(as_variable(x), "float64") if as_variable(x).dtype != "float64" else as_variable(x)
    if isinstance(exponent, Variable) and exponent.dtype != "float64":
        exponent = astype(exponent, "float64")
    return x ** exponent
