"""Operator overloading and array-like methods of Variable (the book's setup_variable).

They live here, not in variable.py, because they are built from the functions, which in turn are
built on Variable and Function.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import functions as F
from zerograd.core.variable import Variable


def _data(other: Any) -> Any:
    return other.data if isinstance(other, Variable) else other


def _reshape(self: Variable, *shape: Any) -> Variable:
    """x.reshape(2, 3) or x.reshape((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return F.reshape(self, shape)


def _transpose(self: Variable, *axes: Any) -> Variable:
    """x.transpose(), x.transpose(1, 0, 2) or x.transpose((1, 0, 2))."""
    if not axes:
        return F.transpose(self)
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        return F.transpose(self, axes[0])
    return F.transpose(self, axes)


def _astype(self: Variable, dtype: Any) -> Variable:
    """A differentiable cast: the gradient is cast back to this Variable's dtype."""
    return F.astype(self, dtype)


def _comparison(name: str) -> Any:
    def compare(self: Variable, other: Any) -> Any:
        return getattr(self.data, name)(_data(other))

    compare.__name__ = name
    compare.__doc__ = f"Elementwise {name.strip('_')} on the data: a boolean array, outside any graph."
    return compare


def setup_variable() -> None:
    """Attach operators and methods to Variable (idempotent; done when zerograd.core is imported)."""
    Variable.__add__ = F.add
    Variable.__radd__ = F.add
    Variable.__sub__ = F.sub
    Variable.__rsub__ = F.rsub
    Variable.__mul__ = F.mul
    Variable.__rmul__ = F.mul
    Variable.__truediv__ = F.div
    Variable.__rtruediv__ = F.rdiv
    Variable.__neg__ = F.neg
    Variable.__pow__ = F.pow
    Variable.__rpow__ = F.rpow
    Variable.__matmul__ = F.matmul
    Variable.__rmatmul__ = lambda self, other: F.matmul(other, self)
    Variable.__getitem__ = F.get_item
    for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        setattr(Variable, name, _comparison(name))
    Variable.__hash__ = object.__hash__
    Variable.reshape = _reshape
    Variable.transpose = _transpose
    Variable.T = property(F.transpose)
    Variable.sum = F.sum
    Variable.mean = F.mean
    Variable.max = F.max
    Variable.min = F.min
    Variable.astype = _astype
    Variable.matmul = F.matmul
    Variable.dot = F.matmul
