"""Elementwise choice between values: clip, maximum, minimum, where."""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions._operands import constant_like, typed_constant
from zerograd.core.functions.shape import sum_to
from zerograd.core.variable import Variable, as_array, as_variable


class Clip(Function):
    __slots__ = ("x_min", "x_max")

    def __init__(self, x_min: Any, x_max: Any) -> None:
        self.x_min, self.x_max = x_min, x_max

    def forward(self, x: Any) -> Any:
        return get_array_module(x).clip(x, self.x_min, self.x_max)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0].data
        inside = (x >= self.x_min) & (x <= self.x_max)
        return gy * inside.astype(gy.dtype)


def clip(x: Any, x_min: Any, x_max: Any) -> Variable:
    """Limit x to [x_min, x_max] (either may be None); the gradient flows where x is inside."""
    if x_min is not None and x_max is not None and x_min > x_max:
        raise ValueError(f"clip: x_min {x_min} is greater than x_max {x_max}")
    x = as_variable(x)
    lo = -float("inf") if x_min is None else x_min
    hi = float("inf") if x_max is None else x_max
    return Clip(constant_like("clip", lo, x), constant_like("clip", hi, x))(x)


class Maximum(Function):
    """Elementwise larger of two operands; on ties each side gets half the gradient (as PyTorch)."""

    __slots__ = ()
    pick = "maximum"

    def forward(self, x0: Any, x1: Any) -> Any:
        return getattr(get_array_module(x0), self.pick)(x0, x1)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x0, x1 = self.inputs
        wins0 = self._wins(x0.data, x1.data) + 0.5 * (x0.data == x1.data)
        gx0 = sum_to(gy * wins0.astype(gy.dtype), x0.shape) if x0.requires_grad else None
        gx1 = sum_to(gy * (1 - wins0).astype(gy.dtype), x1.shape) if x1.requires_grad else None
        return gx0, gx1

    @staticmethod
    def _wins(a: Any, b: Any) -> Any:
        return a > b


class Minimum(Maximum):
    __slots__ = ()
    pick = "minimum"

    @staticmethod
    def _wins(a: Any, b: Any) -> Any:
        return a < b


def _pair_of_variables(op: str, x0: Any, x1: Any) -> tuple[Variable, Variable]:
    """Both operands as Variables, a constant taking the other side's dtype rule and device."""
    if isinstance(x0, Variable) and not isinstance(x1, Variable):
        x1 = as_array(typed_constant(op, x1, x0), get_array_module(x0))
    elif isinstance(x1, Variable) and not isinstance(x0, Variable):
        x0 = as_array(typed_constant(op, x0, x1), get_array_module(x1))
    return as_variable(x0), as_variable(x1)


def maximum(x0: Any, x1: Any) -> Variable:
    """Elementwise maximum with broadcasting."""
    return Maximum()(*_pair_of_variables("maximum", x0, x1))


def minimum(x0: Any, x1: Any) -> Variable:
    """Elementwise minimum with broadcasting."""
    return Minimum()(*_pair_of_variables("minimum", x0, x1))


class Where(Function):
    __slots__ = ("condition",)

    def __init__(self, condition: Any) -> None:
        self.condition = condition

    def forward(self, x0: Any, x1: Any, *recorded_condition: Any) -> Any:
        return get_array_module(x0).where(self.condition, x0, x1)

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        x0, x1 = self.inputs[:2]
        zero = gy.dtype.type(0)
        gx0 = sum_to(where(self.condition, gy, zero), x0.shape) if x0.requires_grad else None
        gx1 = sum_to(where(self.condition, zero, gy), x1.shape) if x1.requires_grad else None
        return (gx0, gx1, None)[:len(self.inputs)]


def where(condition: Any, x0: Any, x1: Any) -> Variable:
    """x0 where ``condition`` (a boolean array) holds, else x1, with broadcasting. A condition
    made by a recorded Function (``comparison.recorded``) is kept as a third input, so the graph
    holds what computed it."""
    made = condition if isinstance(condition, Variable) and condition.creator is not None else None
    if isinstance(condition, Variable):
        condition = condition.data
    if getattr(condition, "dtype", None) is None or condition.dtype.kind != "b":
        dtype = getattr(condition, "dtype", None)
        raise TypeError(f"where: condition must be a boolean array, got {type(condition).__name__}"
                        + ("" if dtype is None else f" of {dtype}"))
    pair = _pair_of_variables("where", x0, x1)
    return Where(condition)(*pair) if made is None else Where(condition)(*pair, made)
