"""The arithmetic behind + - * / ** and unary minus, with NumPy broadcasting.

An operand that is not a Variable (a Python or NumPy number, a plain array) is a constant: it goes
into a one-input Function such as ``MulConstant``, so no gradient is ever computed for it.

dtype rule: a Python int or float takes the floating dtype of the Variable it meets, so float32 stays
float32 (on NumPy 1.26 as on 2.x); NumPy scalars and arrays follow NumPy's own promotion.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import cuda
from zerograd.core.function import Function
from zerograd.core.functions._operands import PASS_THROUGH_CONSTANTS, constant_like
from zerograd.core.functions.math import log
from zerograd.core.functions.selection import where
from zerograd.core.functions.shape import sum_to
from zerograd.core.variable import Variable, as_variable


# --- addition and subtraction ------------------------------------------------------------------
class Add(Function):
    __slots__ = ()

    def forward(self, x0: Any, x1: Any) -> Any:
        return x0 + x1

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy, x0.shape) if x0.requires_grad else None
        gx1 = sum_to(gy, x1.shape) if x1.requires_grad else None
        return gx0, gx1


class AddConstant(Function):
    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return x + self.c

    def backward(self, gy: Variable) -> Variable:
        return sum_to(gy, self.inputs[0].shape)


class Sub(Function):
    __slots__ = ()

    def forward(self, x0: Any, x1: Any) -> Any:
        return x0 - x1

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy, x0.shape) if x0.requires_grad else None
        gx1 = sum_to(-gy, x1.shape) if x1.requires_grad else None
        return gx0, gx1


class SubConstant(Function):
    """y = x - c."""

    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return x - self.c

    def backward(self, gy: Variable) -> Variable:
        return sum_to(gy, self.inputs[0].shape)


class SubFromConstant(Function):
    """y = c - x."""

    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return self.c - x

    def backward(self, gy: Variable) -> Variable:
        return sum_to(-gy, self.inputs[0].shape)


class Neg(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return -x

    def backward(self, gy: Variable) -> Variable:
        return -gy


# --- multiplication and division ---------------------------------------------------------------
class Mul(Function):
    __slots__ = ()

    def forward(self, x0: Any, x1: Any) -> Any:
        return x0 * x1

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy * x1, x0.shape) if x0.requires_grad else None
        gx1 = sum_to(gy * x0, x1.shape) if x1.requires_grad else None
        return gx0, gx1


class MulConstant(Function):
    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return x * self.c

    def backward(self, gy: Variable) -> Variable:
        return sum_to(gy * self.c, self.inputs[0].shape)


class Div(Function):
    __slots__ = ()

    def forward(self, x0: Any, x1: Any) -> Any:
        return x0 / x1

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy / x1, x0.shape) if x0.requires_grad else None
        gx1 = sum_to(-gy * x0 / (x1 * x1), x1.shape) if x1.requires_grad else None
        return gx0, gx1


class DivConstant(Function):
    """y = x / c."""

    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return x / self.c

    def backward(self, gy: Variable) -> Variable:
        return sum_to(gy / self.c, self.inputs[0].shape)


class ConstantDiv(Function):
    """y = c / x."""

    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return self.c / x

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        return sum_to(-gy * self.c / (x * x), x.shape)


# --- powers ------------------------------------------------------------------------------------
# Where the base is 0 the power rule meets 0 * inf: d(b**e)/de = b**e * log(b) is 0 * -inf for
# e >= 0, and d(b**e)/db = e * b**(e - 1) is 0 * inf for e == 0. The true limits (and PyTorch's
# gradients) are 0 there, so those elements get a stand-in that makes the product 0.
def _log_for_exponent_grad(base: Any, exponent: Any) -> Any:
    """log(base) in the exponent's gradient y * log(base), with log(1) = 0 standing in where
    base == 0 and exponent >= 0 (base may be a Variable or an array constant)."""
    base_data = base.data if isinstance(base, Variable) else base
    exponent_data = exponent.data if isinstance(exponent, Variable) else exponent
    xp = cuda.get_array_module(exponent_data)
    stand_in = (base_data == 0) & (exponent_data >= 0)
    if isinstance(base, Variable):
        return log(where(stand_in, 1.0, base) if stand_in.any() else base)
    return xp.log(xp.where(stand_in, 1, base) if stand_in.any() else base)


def _power_for_base_grad(base: Variable, exponent: Any) -> Any:
    """exponent - 1 in the base's gradient exponent * base**(exponent - 1), with 1 standing in
    where exponent == 0 and base == 0 (exponent may be a Variable or an array constant)."""
    exponent_data = exponent.data if isinstance(exponent, Variable) else exponent
    stand_in = (exponent_data == 0) & (base.data == 0)
    if not stand_in.any():
        return exponent - 1
    if isinstance(exponent, Variable):
        return where(stand_in, 1.0, exponent - 1)
    return cuda.get_array_module(base.data).where(stand_in, 1, exponent - 1)


class Pow(Function):
    """y = x0 ** x1 with both operands differentiable."""

    __slots__ = ()

    def forward(self, x0: Any, x1: Any) -> Any:
        return x0**x1

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x0, x1 = self.inputs
        gx0 = None
        if x0.requires_grad:
            gx0 = sum_to(gy * x1 * x0 ** _power_for_base_grad(x0, x1), x0.shape)
        gx1 = None
        if x1.requires_grad:
            y = self.outputs[0]()
            gx1 = sum_to(gy * y * _log_for_exponent_grad(x0, x1), x1.shape)
        return gx0, gx1


class PowConstant(Function):
    """y = x ** c (the book's Pow(c))."""

    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return x**self.c

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        if getattr(self.c, "ndim", 0) > 0:
            return sum_to(gy * self.c * x ** _power_for_base_grad(x, self.c), x.shape)
        if self.c == 0:  # x ** 0 is constant; 0 * x ** -1 would be 0 * inf at x == 0
            return sum_to(gy * 0.0, x.shape)
        return sum_to(gy * self.c * x ** (self.c - 1), x.shape)  # x ** 2: no masks on the hot path


class ConstantPow(Function):
    """y = c ** x, so dy/dx = y * log(c)."""

    __slots__ = ("c",)

    def __init__(self, c: Any) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        return self.c**x

    def backward(self, gy: Variable) -> Variable:
        y = self.outputs[0]()
        log_c = _log_for_exponent_grad(self.c, self.inputs[0])
        log_c = cuda.get_array_module(y.data).asarray(log_c, dtype=y.dtype)  # float32 stays float32
        return sum_to(gy * y * log_c, self.inputs[0].shape)


# --- public wrappers: a Variable on at least one side ------------------------------------------
def _binary(op: str, x0: Any, x1: Any, both: type, constant_right: type, constant_left: type) -> Variable:
    if isinstance(x0, Variable):
        if type(x1) in PASS_THROUGH_CONSTANTS:  # x * 2.0, the hot path, and every gy * c
            return constant_right(x1)(x0)
        if isinstance(x1, Variable):
            return both()(x0, x1)
        return constant_right(constant_like(op, x1, x0))(x0)
    if isinstance(x1, Variable):
        return constant_left(constant_like(op, x0, x1))(x1)
    return both()(as_variable(x0), as_variable(x1))


def add(x0: Any, x1: Any) -> Variable:
    """x0 + x1 with broadcasting; either side may be a constant."""
    return _binary("add", x0, x1, Add, AddConstant, AddConstant)


def sub(x0: Any, x1: Any) -> Variable:
    """x0 - x1 with broadcasting; either side may be a constant."""
    return _binary("sub", x0, x1, Sub, SubConstant, SubFromConstant)


def rsub(x0: Any, x1: Any) -> Variable:
    """x1 - x0: the reflected form behind ``constant - variable``."""
    return sub(x1, x0)


def mul(x0: Any, x1: Any) -> Variable:
    """x0 * x1 with broadcasting; either side may be a constant."""
    return _binary("mul", x0, x1, Mul, MulConstant, MulConstant)


def div(x0: Any, x1: Any) -> Variable:
    """x0 / x1 (true division) with broadcasting; either side may be a constant."""
    return _binary("div", x0, x1, Div, DivConstant, ConstantDiv)


def rdiv(x0: Any, x1: Any) -> Variable:
    """x1 / x0: the reflected form behind ``constant / variable``."""
    return div(x1, x0)


def neg(x: Any) -> Variable:
    """-x."""
    return Neg()(x)


def pow(x: Any, c: Any) -> Variable:  # noqa: A001  (the book's name)
    """x ** c; c may be a constant (the book's form) or a Variable.

    >>> import numpy as np
    >>> x = Variable(np.array(2.0)); y = pow(x, 3); y.backward(); x.grad
    variable(12.0)
    """
    return _binary("pow", x, c, Pow, PowConstant, ConstantPow)


def rpow(x: Any, c: Any) -> Variable:
    """c ** x: the reflected form behind ``constant ** variable``."""
    return pow(c, x)
