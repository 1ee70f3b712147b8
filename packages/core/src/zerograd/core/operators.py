"""Operator overloading and array-like methods of Variable (the book's setup_variable).

They live here, not in variable.py, because they are built from the functions, which in turn are
built on Variable and Function.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from zerograd.core import functions as F
from zerograd.core.config import Config
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


def _in_place(name: str, update_array: Any, out_of_place: Any) -> Any:
    """``x += y`` and its kin: in place on ``x.data`` under no_grad(), the book's ``x = x + y``
    while a graph is recorded (see the Variable docstring)."""

    def operate(self: Variable, other: Any) -> Variable:
        if Config.enable_backprop:
            return out_of_place(self, other)
        if self.data is None:
            raise ValueError(f"{name}: {self._describe()} has no data to update in place")
        other_data = _data(other)
        try:
            self.data = update_array(self.data, other_data)
        except (TypeError, ValueError) as err:
            shape = getattr(other_data, "shape", ())
            dtype = getattr(other_data, "dtype", type(other_data).__name__)
            kind = TypeError if isinstance(err, TypeError) else ValueError  # NumPy's subclasses
            raise kind(
                f"{name}: cannot update {self._describe()} of shape {self.data.shape} and dtype "
                f"{self.data.dtype} in place with a value of shape {shape} and dtype {dtype}: {err}"
            ) from err
        return self

    operate.__name__ = name
    return operate


# The ufunc behind each binary operator, and the Variable method that answers ``array <op> x``.
_REFLECTED_BY_UFUNC = {
    np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__", np.true_divide: "__rtruediv__",
    np.power: "__rpow__", np.matmul: "__rmatmul__", np.less: "__gt__", np.less_equal: "__ge__",
    np.greater: "__lt__", np.greater_equal: "__le__", np.equal: "__eq__", np.not_equal: "__ne__",
}


def _array_ufunc(self: Variable, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """NumPy meets a Variable. ``array <op> x`` answers with x's reflected operator, so the
    graph is recorded as for ``x <op> array``; ``array -= x`` (``p.data -= lr * p.grad``) updates
    the array in place with x's data, since an array carries no graph. Anything else (``np.sin(x)``)
    is refused: use the functions in zerograd.core.functions."""
    if method != "__call__" or len(inputs) != 2:
        return NotImplemented
    out = kwargs.get("out")
    if out is not None:
        if len(kwargs) == 1 and len(out) == 1 and out[0] is inputs[0] and type(inputs[0]) is not Variable:
            return ufunc(inputs[0], _data(inputs[1]), out=out)
        return NotImplemented
    reflected = _REFLECTED_BY_UFUNC.get(ufunc)
    if reflected is None or kwargs or inputs[1] is not self:
        return NotImplemented
    return getattr(self, reflected)(inputs[0])


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
    Variable.__iadd__ = _in_place("__iadd__", operator.iadd, F.add)
    Variable.__isub__ = _in_place("__isub__", operator.isub, F.sub)
    Variable.__imul__ = _in_place("__imul__", operator.imul, F.mul)
    Variable.__itruediv__ = _in_place("__itruediv__", operator.itruediv, F.div)
    Variable.__array_ufunc__ = _array_ufunc
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
