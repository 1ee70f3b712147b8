"""torch's elementwise math: unary functions, arithmetic with ``alpha``/``rounding_mode``,
binary functions (atan2, hypot, fmod, remainder, ...), clamp; all through PyTorch's type
promotion (promotion.py) over zerograd's Functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import elementwise as EF
from zerograd.core.functions import special as SF
from zerograd.nn import functions as NF
from zerograd.torch.ops_common import constant, data_of, elementwise, result, tensor_of
from zerograd.torch.promotion import cast, result_type
from zerograd.torch.tensor import Tensor

# torch name -> (zerograd function, integers become the default float first)
_UNARY = {
    "exp": (CF.exp, True), "log": (CF.log, True), "sqrt": (CF.sqrt, True),
    "sin": (CF.sin, True), "cos": (CF.cos, True), "tanh": (CF.tanh, True),
    "tan": (EF.tan, True), "asin": (EF.arcsin, True), "acos": (EF.arccos, True),
    "atan": (EF.arctan, True), "sinh": (EF.sinh, True), "cosh": (EF.cosh, True),
    "asinh": (EF.arcsinh, True), "acosh": (EF.arccosh, True), "atanh": (EF.arctanh, True),
    "exp2": (EF.exp2, True), "expm1": (EF.expm1, True), "log2": (EF.log2, True),
    "log10": (EF.log10, True), "log1p": (EF.log1p, True), "reciprocal": (EF.reciprocal, True),
    "rsqrt": (EF.rsqrt, True), "sigmoid": (NF.sigmoid, True), "deg2rad": (EF.deg2rad, True),
    "rad2deg": (EF.rad2deg, True), "sinc": (EF.sinc, True),
    "erf": (SF.erf, True), "erfc": (SF.erfc, True), "erfinv": (SF.erfinv, True),
    "abs": (CF.abs, False), "neg": (CF.neg, False), "square": (EF.square, False),
    "sign": (EF.sign, False), "floor": (EF.floor, False), "ceil": (EF.ceil, False),
    "trunc": (EF.trunc, False), "frac": (EF.frac, False), "positive": (EF.positive, False),
}


def _unary(name: str) -> Any:
    native, to_float = _UNARY[name]

    def function(input: Any) -> Tensor:  # noqa: A002  (PyTorch's argument name)
        x = tensor_of(input)
        if x.data.dtype.kind == "b" and not to_float and name not in ("abs", "sign", "positive"):
            raise TypeError(f"{name}: not supported for bool tensors, as in PyTorch")
        if not to_float and x.data.dtype.kind in "biu":
            return _integer_unary(name, x)
        return elementwise(native, x, to_float=to_float)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(input), computed by zerograd."
    return function


def _integer_unary(name: str, x: Tensor) -> Tensor:
    """Integer (and bool) inputs of the dtype-keeping functions: no gradient, same dtype."""
    xp = get_array_module(x.data)
    a = x.data
    table = {"abs": xp.abs, "neg": xp.negative, "square": xp.square, "sign": xp.sign,
             "positive": lambda v: v.copy(), "frac": lambda v: xp.zeros_like(v)}
    return constant(table.get(name, lambda v: v.copy())(a))


exp = _unary("exp")
log = _unary("log")
sqrt = _unary("sqrt")
sin = _unary("sin")
cos = _unary("cos")
tanh = _unary("tanh")
tan = _unary("tan")
asin = _unary("asin")
acos = _unary("acos")
atan = _unary("atan")
sinh = _unary("sinh")
cosh = _unary("cosh")
asinh = _unary("asinh")
acosh = _unary("acosh")
atanh = _unary("atanh")
exp2 = _unary("exp2")
expm1 = _unary("expm1")
log2 = _unary("log2")
log10 = _unary("log10")
log1p = _unary("log1p")
reciprocal = _unary("reciprocal")
rsqrt = _unary("rsqrt")
sigmoid = _unary("sigmoid")
deg2rad = _unary("deg2rad")
rad2deg = _unary("rad2deg")
sinc = _unary("sinc")
erf = _unary("erf")
erfc = _unary("erfc")
erfinv = _unary("erfinv")
abs = _unary("abs")  # noqa: A001
neg = _unary("neg")
square = _unary("square")
sign = _unary("sign")
floor = _unary("floor")
ceil = _unary("ceil")
trunc = _unary("trunc")
frac = _unary("frac")
positive = _unary("positive")
arcsin = asin
arccos = acos
arctan = atan
arcsinh = asinh
arccosh = acosh
arctanh = atanh
negative = neg
absolute = abs
fix = trunc
sgn = sign


def round(input: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002
    x = tensor_of(input)
    if x.data.dtype.kind in "biu":
        return constant(x.data.copy())
    if decimals:
        scale = 10.0 ** decimals
        return result(EF.round(x * scale) / scale)
    return result(EF.round(x))


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    if alpha != 1:
        other = mul(other, alpha)
    return elementwise(CF.add, input, other)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    if data_of(input).dtype.kind == "b" if hasattr(data_of(input), "dtype") else False:
        raise TypeError("sub: subtraction of bool tensors is not supported, as in PyTorch")
    if alpha != 1:
        other = mul(other, alpha)
    return elementwise(CF.sub, input, other)


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    return sub(other, input, alpha=alpha)


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    dtype = result_type(input, other)
    if dtype.kind == "b":
        return constant(data_of(cast(input, dtype)) & data_of(cast(other, dtype)))
    return elementwise(CF.mul, input, other)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    if rounding_mode is None:
        return elementwise(CF.div, input, other, to_float=True)
    dtype = result_type(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    if dtype.kind in "biu":
        a, b = data_of(cast(input, dtype)), data_of(cast(other, dtype))
        xp = get_array_module(a)
        if rounding_mode == "floor":
            return constant(xp.floor_divide(a, b))
        quotient = xp.floor_divide(xp.abs(a), xp.abs(b)) * (xp.sign(a) * xp.sign(b))
        return constant(quotient.astype(dtype))
    quotient = elementwise(CF.div, input, other)
    return (floor if rounding_mode == "floor" else trunc)(quotient)


true_divide = divide = div
multiply, subtract = mul, sub


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    return div(input, other, rounding_mode="floor")


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001, A002
    dtype = result_type(input, exponent)
    if dtype.kind in "iu":
        a, b = data_of(cast(input, dtype)), data_of(cast(exponent, dtype))
        return constant(get_array_module(a).power(a, b))
    if not isinstance(input, Tensor) and not hasattr(input, "shape"):
        return elementwise(CF.rpow, exponent, input)
    if not isinstance(exponent, Tensor):
        x = cast(tensor_of(input), dtype)
        return result(CF.pow(x, exponent))
    return elementwise(CF.pow, input, exponent)


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    return result(EF.float_power(tensor_of(input), exponent if not isinstance(
        exponent, Tensor) else exponent))


def _binary(native: Any, name: str, to_float: bool = True) -> Any:
    def function(input: Any, other: Any) -> Tensor:  # noqa: A002
        return elementwise(native, input, other, to_float=to_float)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(input, other), computed by zerograd."
    return function


atan2 = arctan2 = _binary(EF.atan2, "atan2")
hypot = _binary(EF.hypot, "hypot")
logaddexp = _binary(EF.logaddexp, "logaddexp")
logaddexp2 = _binary(EF.logaddexp2, "logaddexp2")
xlogy = _binary(EF.xlogy, "xlogy")
copysign = _binary(EF.copysign, "copysign")


def _int_or_float(native: Any, numpy_name: str, name: str) -> Any:
    def function(input: Any, other: Any) -> Tensor:  # noqa: A002
        dtype = result_type(input, other)
        if dtype.kind in "biu":
            a, b = data_of(cast(input, dtype)), data_of(cast(other, dtype))
            return constant(getattr(get_array_module(a), numpy_name)(a, b))
        return elementwise(native, input, other)

    function.__name__ = function.__qualname__ = name
    return function


fmod = _int_or_float(EF.fmod, "fmod", "fmod")
remainder = _int_or_float(EF.remainder, "remainder", "remainder")
maximum = _int_or_float(CF.maximum, "maximum", "maximum")
minimum = _int_or_float(CF.minimum, "minimum", "minimum")


def _ignoring_nan(larger: bool) -> Any:
    """fmax/fmin: the larger (smaller) of a and b, the other one where one is NaN."""
    def pick(a: Any, b: Any) -> Any:
        xp = get_array_module(a.data)
        a_wins = (a.data >= b.data) if larger else (a.data <= b.data)
        return CF.where(xp.isnan(b.data) | a_wins, a, b)

    return pick


fmax = _int_or_float(_ignoring_nan(True), "fmax", "fmax")
fmin = _int_or_float(_ignoring_nan(False), "fmin", "fmin")


def lerp(input: Any, end: Any, weight: Any) -> Tensor:  # noqa: A002
    return result(EF.lerp(tensor_of(input), end, weight))


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    return add(input, div(tensor1, tensor2), alpha=value)


def clamp(input: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    """Limit input to [min, max]; either bound may be a number or a tensor."""
    x = tensor_of(input)
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if x.data.dtype.kind in "biu" and not any(isinstance(b, float) for b in (min, max)):
        xp = get_array_module(x.data)
        return constant(xp.clip(x.data, data_of(min), data_of(max)).astype(
            result_type(*(v for v in (x, min, max) if v is not None))))
    if isinstance(min, (int, float, np.number)) and isinstance(max, (int, float, np.number)) \
            and min <= max:  # one Function for both bounds (min > max: max wins, below)
        return result(CF.clip(cast(x, result_type(x, min, max)), min, max))
    out = x
    if min is not None:
        out = maximum(out, min) if isinstance(min, Tensor) else result(CF.clip(
            cast(out, result_type(out, min)), min, None))
    if max is not None:
        out = minimum(out, max) if isinstance(max, Tensor) else result(CF.clip(
            cast(out, result_type(out, max)), None, max))
    return out


clip = clamp


def clamp_min(input: Any, min: Any) -> Tensor:  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input: Any, max: Any) -> Tensor:  # noqa: A002
    return clamp(input, max=max)


def nan_to_num(input: Any, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Tensor:  # noqa: A002
    """NaN and infinities replaced; the gradient flows where input was finite."""
    x = tensor_of(input)
    xp = get_array_module(x.data)
    if x.data.dtype.kind != "f":
        return constant(x.data.copy())
    finfo = xp.finfo(x.data.dtype)
    filled = xp.nan_to_num(x.data, nan=nan, posinf=finfo.max if posinf is None else posinf,
                           neginf=finfo.min if neginf is None else neginf)
    keep = xp.isfinite(x.data)
    return result(CF.where(keep, x, filled.astype(x.data.dtype)))


def logit(input: Any, eps: float | None = None) -> Tensor:  # noqa: A002
    x = tensor_of(input)
    if eps is not None:
        x = clamp(x, eps, 1 - eps)
    return log(div(x, sub(1, x)))
