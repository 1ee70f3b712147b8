"""Matrix products, batched over leading axes as numpy.matmul."""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import check_has_data
from zerograd.core.cuda import get_array_module
from zerograd.core.errors import ShapeError
from zerograd.core.function import Function
from zerograd.core.functions.shape import reshape, sum_to, swapaxes
from zerograd.core.variable import Variable, as_variable


def _mT(x: Variable) -> Variable:
    """The matrix transpose of the last two axes."""
    return swapaxes(x, -1, -2)


class MatMul(Function):
    """y = a @ b for a, b of at least 2 dimensions; leading (batch) axes broadcast.

    Backward: ga = gy @ b^T and gb = a^T @ gy, summed over broadcast batch axes.
    """

    __slots__ = ()

    def forward(self, a: Any, b: Any) -> Any:
        return get_array_module(a).matmul(a, b)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        a, b = self.inputs
        ga = sum_to(matmul(gy, _mT(b)), a.shape) if a.requires_grad else None
        gb = sum_to(matmul(_mT(a), gy), b.shape) if b.requires_grad else None
        return ga, gb


def matmul(a: Any, b: Any) -> Variable:
    """Matrix product as numpy.matmul: 1-D operands are promoted to matrices and the added axis
    removed again; leading axes broadcast.

    >>> import numpy as np
    >>> matmul(Variable(np.ones((2, 3))), np.ones((3, 4))).shape
    (2, 4)
    """
    check_has_data("matmul", "a", a)
    check_has_data("matmul", "b", b)
    a, b = as_variable(a), as_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension, "
                         f"got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} do not align "
                         f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})")
    if a.ndim > 1 and b.ndim > 1:
        return MatMul()(a, b)
    y = MatMul()(reshape(a, (1, -1)) if a.ndim == 1 else a, reshape(b, (-1, 1)) if b.ndim == 1 else b)
    rows = (y.shape[-2],) if a.ndim > 1 else ()
    cols = (y.shape[-1],) if b.ndim > 1 else ()
    return reshape(y, y.shape[:-2] + rows + cols)
