"""Changing an array's dtype inside the graph."""

from __future__ import annotations

from typing import Any

from zerograd.core.function import Function
from zerograd.core.variable import Variable, as_variable


class AsType(Function):
    __slots__ = ("dtype", "x_dtype")

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x: Any) -> Any:
        self.x_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy: Variable) -> Variable:
        return astype(gy, self.x_dtype)


def astype(x: Any, dtype: Any) -> Variable:
    """x cast to ``dtype``; the gradient is cast back to x's dtype. A no-op when it matches.

    >>> import numpy as np
    >>> astype(Variable(np.ones(2)), np.float32).dtype
    dtype('float32')
    """
    x = as_variable(x)
    if x.dtype == dtype:
        return x
    return AsType(dtype)(x)
