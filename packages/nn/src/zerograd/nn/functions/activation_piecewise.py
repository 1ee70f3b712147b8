"""Piecewise-linear activations in PyTorch's meaning: relu6, hardtanh, hardsigmoid, threshold,
softshrink, hardshrink, prelu and rrelu.

Each is one ``PiecewiseLinear`` Function: its forward computes the output and the slope of the
piece every element lies on; its backward multiplies by that slope, a constant, so the second
derivative is zero (as it is almost everywhere). The slope at a kink is PyTorch's choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zerograd.core import Function, Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions.activation import leaky_relu
from zerograd.nn.mode import is_training


class PiecewiseLinear(Function):
    """y = pieces(x)[0]; dy/dx = pieces(x)[1], the slope array of x's dtype (a constant)."""

    __slots__ = ("pieces", "slope")

    def __init__(self, pieces: Callable[[Any], tuple[Any, Any]]) -> None:
        self.pieces = pieces

    def forward(self, x: Any) -> Any:
        y, slope = self.pieces(x)
        self.slope = slope.astype(x.dtype, copy=False)
        return y

    def backward(self, gy: Variable) -> Variable:
        return gy * self.slope


def _apply(op: str, x: Any, pieces: Callable[[Any], tuple[Any, Any]]) -> Variable:
    return PiecewiseLinear(pieces)(floating_variable(op, "x", x))


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Variable:
    """clip(x, min_val, max_val); the gradient passes strictly inside (min_val, max_val).

    >>> import numpy as np
    >>> hardtanh(np.array([-2.0, 0.5, 2.0]))
    variable([-1.   0.5  1. ])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")

    def pieces(a: Any) -> tuple[Any, Any]:
        xp = get_array_module(a)
        return xp.clip(a, min_val, max_val), (a > min_val) & (a < max_val)

    return _apply("hardtanh", x, pieces)


def relu6(x: Any) -> Variable:
    """min(max(x, 0), 6).

    >>> import numpy as np
    >>> relu6(np.array([-1.0, 3.0, 7.0]))
    variable([0. 3. 6.])
    """
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Any) -> Variable:
    """clip(x / 6 + 1/2, 0, 1); slope 1/6 strictly inside (-3, 3).

    >>> import numpy as np
    >>> hardsigmoid(np.array([-4.0, 0.0, 4.0]))
    variable([0.  0.5 1. ])
    """
    def pieces(a: Any) -> tuple[Any, Any]:
        xp = get_array_module(a)
        inside = (a > -3) & (a < 3)
        return xp.clip(a / 6 + 0.5, 0, 1).astype(a.dtype, copy=False), inside / 6.0

    return _apply("hardsigmoid", x, pieces)


def hardswish(x: Any) -> Variable:
    """x * hardsigmoid(x) (MobileNetV3's activation).

    >>> import numpy as np
    >>> hardswish(np.array([-4.0, 0.0, 4.0]))
    variable([-0.  0.  4.])
    """
    x = floating_variable("hardswish", "x", x)
    return x * hardsigmoid(x)


def threshold(x: Any, threshold: float, value: float) -> Variable:
    """x where x > threshold, else ``value``.

    >>> import numpy as np
    >>> threshold(np.array([0.5, 2.0]), 1.0, -1.0)
    variable([-1.  2.])
    """
    def pieces(a: Any) -> tuple[Any, Any]:
        above = a > threshold
        return get_array_module(a).where(above, a, a.dtype.type(value)), above

    return _apply("threshold", x, pieces)


def _check_lambd(op: str, lambd: float) -> None:
    if lambd < 0:
        raise ValueError(f"{op}: lambd must be non-negative, got {lambd}")


def softshrink(x: Any, lambd: float = 0.5) -> Variable:
    """x - lambd above lambd, x + lambd below -lambd, 0 between.

    >>> import numpy as np
    >>> softshrink(np.array([-2.0, 0.1, 2.0]))
    variable([-1.5  0.   1.5])
    """
    _check_lambd("softshrink", lambd)

    def pieces(a: Any) -> tuple[Any, Any]:
        xp = get_array_module(a)
        outside = xp.abs(a) > lambd
        return xp.where(outside, a - xp.sign(a) * a.dtype.type(lambd), 0).astype(a.dtype), outside

    return _apply("softshrink", x, pieces)


def hardshrink(x: Any, lambd: float = 0.5) -> Variable:
    """x where |x| > lambd, else 0 (a negative lambd keeps every x, as in PyTorch).

    >>> import numpy as np
    >>> hardshrink(np.array([-2.0, 0.1, 2.0]))
    variable([-2.  0.  2.])
    """

    def pieces(a: Any) -> tuple[Any, Any]:
        outside = get_array_module(a).abs(a) > lambd
        return a * outside, outside

    return _apply("hardshrink", x, pieces)


def prelu(x: Any, weight: Any) -> Variable:
    """x where x > 0, else weight * x; weight (C,) is one slope per channel (axis 1), or (1,)
    one slope for all. Both x and weight get gradients.

    >>> import numpy as np
    >>> prelu(np.array([[-1.0, 2.0]]), np.array([0.25]))
    variable([[-0.25  2.  ]])
    """
    x = floating_variable("prelu", "x", x)
    weight = floating_variable("prelu", "weight", weight)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.ndim > 1 or weight.size not in (1, channels):
        raise ValueError(f"prelu: weight must have 1 or {channels} elements (one per channel of "
                         f"x of shape {x.shape}), got shape {weight.shape}")
    if weight.ndim == 1 and weight.size > 1 and x.ndim >= 2:
        weight = CF.reshape(weight, (channels,) + (1,) * (x.ndim - 2))
    elif weight.ndim == 1 and x.ndim == 0:
        weight = CF.reshape(weight, ())
    return CF.where(x.data > 0, x, x * weight)


class RandomSlope(Function):
    """y = x where x >= 0, else a * x with a ~ U(lower, upper) drawn per element (rrelu)."""

    __slots__ = ("lower", "upper", "slope")

    def __init__(self, lower: float, upper: float) -> None:
        self.lower, self.upper = lower, upper

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        drawn = xp.random.uniform(self.lower, self.upper, x.shape).astype(x.dtype)
        self.slope = xp.where(x >= 0, x.dtype.type(1), drawn)
        return x * self.slope

    def backward(self, gy: Variable) -> Variable:
        return gy * self.slope


def rrelu(x: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, *,
          train: bool | None = None) -> Variable:
    """Randomized leaky ReLU: in train mode each negative element is scaled by its own slope drawn
    from U(lower, upper); in test mode by the mean slope (lower + upper) / 2. ``train`` defaults
    to Config.train.

    >>> import numpy as np
    >>> rrelu(np.array([-1.0, 1.0]), 0.25, 0.25, train=False)
    variable([-0.25  1.  ])
    """
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: need 0 <= lower <= upper, got lower={lower}, upper={upper}")
    x = floating_variable("rrelu", "x", x)
    if not is_training(train):
        return leaky_relu(x, (lower + upper) / 2)
    return RandomSlope(float(lower), float(upper))(as_variable(x))
