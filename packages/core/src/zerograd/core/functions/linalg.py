"""Linear algebra where NumPy has it: inv, solve, det, slogdet, svdvals, matrix_norm.

Gradients (batched over leading axes): d inv = -inv^T g inv^T; solve's from the same inverse;
d det = g det inv^T; the singular values' gradient U diag(g) V^T.
"""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.accumulation import vector_norm
from zerograd.core.functions.math import abs
from zerograd.core.functions.matmul import matmul
from zerograd.core.functions.reduction import max, min, sum
from zerograd.core.functions.shape import reshape, swapaxes
from zerograd.core.variable import Variable, as_variable


def _square(op: str, x: Variable) -> None:
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op}: expects square matrices in the last two dimensions, got shape "
                         f"{x.shape}")


def _mT(x: Variable) -> Variable:
    return swapaxes(x, -1, -2)


class Inv(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).linalg.inv(x)

    def backward(self, gy: Variable) -> Variable:
        y = _mT(self.outputs[0]())
        return -matmul(matmul(y, gy), y)


def inv(x: Any) -> Variable:
    """The inverse of each square matrix in the last two axes."""
    x = as_variable(x)
    _square("inv", x)
    return Inv()(x)


def solve(a: Any, b: Any) -> Variable:
    """x with a @ x = b (b a matrix, or a vector when b has one dimension less than a)."""
    a, b = as_variable(a), as_variable(b)
    _square("solve", a)
    if b.ndim == a.ndim - 1 or b.ndim == 1:  # b holds vectors
        y = matmul(inv(a), reshape(b, (*b.shape, 1)))
        return reshape(y, y.shape[:-1])
    return matmul(inv(a), b)


class Det(Function):
    __slots__ = ()

    def forward(self, x: Any) -> Any:
        return get_array_module(x).asarray(get_array_module(x).linalg.det(x))

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        y = self.outputs[0]()
        scale = reshape(gy * y, (*gy.shape, 1, 1))
        return scale * _mT(inv(x))


def det(x: Any) -> Variable:
    """The determinant of each square matrix in the last two axes (invertible for a gradient)."""
    x = as_variable(x)
    _square("det", x)
    return Det()(x)


class SvdVals(Function):
    __slots__ = ("u", "vt")

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        self.u, s, self.vt = xp.linalg.svd(x, full_matrices=False)
        return s

    def backward(self, gs: Variable) -> Variable:
        xp = get_array_module(gs.data)
        u, vt = Variable(self.u, requires_grad=False), Variable(self.vt, requires_grad=False)
        k = self.u.shape[-1]
        eye = xp.eye(k, dtype=gs.dtype)
        return matmul(matmul(u, reshape(gs, (*gs.shape, 1)) * eye), vt)


def svdvals(x: Any) -> Variable:
    """The singular values of each matrix in the last two axes, largest first."""
    x = as_variable(x)
    if x.ndim < 2:
        raise ValueError(f"svdvals: expects matrices, got shape {x.shape}")
    return SvdVals()(x)


def matrix_norm(x: Any, ord: Any = "fro", axis: tuple[int, int] = (-2, -1),  # noqa: A002
                keepdims: bool = False) -> Variable:
    """Frobenius ('fro'), nuclear ('nuc'), 1, -1, inf, -inf, 2 and -2 norms of matrices."""
    x = as_variable(x)
    a0, a1 = (d % x.ndim for d in axis)
    if ord == "fro":  # the 2-norm of the elements, with its subgradient 0 at 0
        return vector_norm(x, 2, (a0, a1), keepdims)
    if ord in ("nuc", 2, -2):
        moved = _to_last(x, a0, a1)
        s = svdvals(moved)
        value = sum(s, -1) if ord == "nuc" else (max(s, -1) if ord == 2 else min(s, -1))
        return _keep(value, x, (a0, a1)) if keepdims else value
    if ord in (1, -1, float("inf"), -float("inf")):
        inner, outer = (a0, a1) if ord in (1, -1) else (a1, a0)
        totals = sum(abs(x), inner, True)
        pick = max if ord in (1, float("inf")) else min
        value = pick(totals, outer, True)
        if keepdims:
            return value
        return reshape(value, tuple(n for d, n in enumerate(x.shape) if d not in (a0, a1)))
    raise ValueError(f"matrix_norm: unsupported ord {ord!r}")


def _to_last(x: Variable, a0: int, a1: int) -> Variable:
    from zerograd.core.functions.shape import transpose
    order = [d for d in range(x.ndim) if d not in (a0, a1)] + [a0, a1]
    return transpose(x, tuple(order))


def _keep(value: Variable, x: Variable, axes: tuple[int, int]) -> Variable:
    return reshape(value, tuple(1 if d in axes else n for d, n in enumerate(x.shape)))


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Variable:  # noqa: A002
    """torch.linalg.norm: a vector norm, or a matrix norm over two axes (2-d default: 'fro')."""
    x = as_variable(x)
    if isinstance(axis, int):
        axis = (axis,)
    if ord is None:
        return vector_norm(x, 2, axis, keepdims)
    if axis is None:
        axis = tuple(range(x.ndim)) if x.ndim <= 2 else None
        if axis is None:
            raise ValueError(f"norm: ord={ord!r} needs a 1-d or 2-d input, got shape {x.shape}")
    if len(axis) == 2:
        return matrix_norm(x, ord, axis, keepdims)
    return vector_norm(x, ord, axis, keepdims)
