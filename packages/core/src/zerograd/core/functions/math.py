"""Elementwise math: sin, cos, tanh, exp, log, sqrt, abs.

Each backward is written with these same functions, so every one can be differentiated again.
"""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.variable import Variable


class Sin(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).sin(x)

    def backward(self, gy: Variable) -> Variable:
        return gy * cos(self.inputs[0])


class Cos(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).cos(x)

    def backward(self, gy: Variable) -> Variable:
        return -gy * sin(self.inputs[0])


class Tanh(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).tanh(x)

    def backward(self, gy: Variable) -> Variable:
        y = self.outputs[0]()
        return gy * (1 - y * y)


class Exp(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).exp(x)

    def backward(self, gy: Variable) -> Variable:
        return gy * self.outputs[0]()


class Log(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).log(x)

    def backward(self, gy: Variable) -> Variable:
        return gy / self.inputs[0]


class Sqrt(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).sqrt(x)

    def backward(self, gy: Variable) -> Variable:
        return gy / (2 * self.outputs[0]())


class Abs(Function):
    """|x|; the gradient at 0 is 0 (sign(0)), as in NumPy's sign and PyTorch."""

    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).abs(x)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0].data
        return gy * get_array_module(x).sign(x)


def sin(x: Any) -> Variable:
    """Elementwise sine; d/dx sin x = cos x.

    >>> import numpy as np
    >>> sin(Variable(np.array(0.0)))
    variable(0.0)
    """
    return Sin()(x)


def cos(x: Any) -> Variable:
    """Elementwise cosine; d/dx cos x = -sin x."""
    return Cos()(x)


def tanh(x: Any) -> Variable:
    """Elementwise hyperbolic tangent; d/dx tanh x = 1 - tanh(x)^2."""
    return Tanh()(x)


def exp(x: Any) -> Variable:
    """Elementwise e^x; its own derivative."""
    return Exp()(x)


def log(x: Any) -> Variable:
    """Elementwise natural logarithm; d/dx log x = 1/x."""
    return Log()(x)


def sqrt(x: Any) -> Variable:
    """Elementwise square root; d/dx sqrt x = 1 / (2 sqrt x)."""
    return Sqrt()(x)


def abs(x: Any) -> Variable:  # noqa: A001  (NumPy's and PyTorch's name)
    """Elementwise absolute value; the gradient is sign(x)."""
    return Abs()(x)
