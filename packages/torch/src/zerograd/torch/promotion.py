"""PyTorch's type promotion (torch.result_type) and the default dtype, for every facade op.

The rules, as PyTorch documents them: operands fall into three priorities — tensors with
dimensions, zero-dimensional tensors, and Python numbers (a NumPy scalar counts as a number, so
``f32 + np.float64(1.5)`` stays float32). A lower priority only changes the result when its
category (bool < integer < floating < complex) is higher; then a Python float brings the default
dtype (float32 unless ``set_default_dtype`` changed it) and a Python int int64.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.torch import dtypes

_default = [np.dtype(np.float32)]


def set_default_dtype(dtype: Any) -> None:
    """The dtype of new floating tensors and of Python floats meeting integer tensors."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float16, np.float32, np.float64):
        raise TypeError(f"set_default_dtype: only floating dtypes are supported, got {dtype}")
    _default[0] = dtype
    dtypes.DEFAULT_FLOAT = dtype


def get_default_dtype() -> np.dtype:
    """The current default floating dtype (float32 unless set_default_dtype changed it)."""
    return _default[0]


def _category(dtype: np.dtype) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[dtype.kind]


def _number_dtype(value: Any) -> np.dtype:
    """The dtype a Python (or NumPy) number stands for."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(value, (float, np.floating)):
        return _default[0]
    if isinstance(value, (complex, np.complexfloating)):
        return np.dtype(np.complex64) if _default[0] != np.float64 else np.dtype(np.complex128)
    raise TypeError(f"result_type: cannot promote a {type(value).__name__}")


def _promote(a: np.dtype | None, b: np.dtype | None) -> np.dtype | None:
    """torch.promote_types: like NumPy's, except that a floating type absorbs any integer one
    (int64 with float32 gives float32, not float64)."""
    if a is None:
        return b
    if b is None:
        return a
    if (a.kind in "fc") != (b.kind in "fc"):
        return a if a.kind in "fc" else b
    return np.promote_types(a, b)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """PyTorch's combine_categories: a lower-priority dtype matters only in a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == "c":
        return higher
    if lower.kind == "c":
        return np.result_type(higher, np.complex64) if higher.kind == "f" else lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return _promote(higher, lower)
    return higher


def _dtype_of(value: Any) -> tuple[int, np.dtype]:
    """(priority, dtype): 0 for tensors with dimensions, 1 for 0-d tensors, 2 for numbers."""
    if isinstance(value, Variable):
        return (0 if value.data.ndim else 1), value.data.dtype
    if hasattr(value, "dtype") and hasattr(value, "ndim") and not isinstance(value, np.generic):
        return (0 if value.ndim else 1), np.dtype(value.dtype)
    return 2, _number_dtype(value)


def result_type(*operands: Any) -> np.dtype:
    """torch.result_type for any number of tensors and numbers."""
    slots: list[np.dtype | None] = [None, None, None]
    for value in operands:
        priority, dtype = _dtype_of(value)
        slots[priority] = _promote(slots[priority], dtype)
    result = _combine(slots[0], _combine(slots[1], slots[2]))
    if result is None:
        raise TypeError("result_type: no operands")
    return result


def float_result_type(*operands: Any) -> np.dtype:
    """result_type, with integer and bool results turned into the default float (true division,
    and the ops that PyTorch marks promotes_int_to_float)."""
    dtype = result_type(*operands)
    return dtype if dtype.kind in "fc" else _default[0]


def cast(value: Any, dtype: np.dtype) -> Any:
    """An operand in ``dtype``: a tensor through a differentiable cast when it needs one, a
    number as a 0-d array of that dtype (so NumPy's own promotion cannot widen it)."""
    from zerograd.core import functions as CF
    if isinstance(value, Variable):
        if value.data.dtype == dtype:
            return value
        if value.requires_grad and dtype.kind in "fc" and value.data.dtype.kind in "fc":
            return CF.astype(value, dtype)
        return type(value)(value.data.astype(dtype), requires_grad=False)
    if hasattr(value, "dtype") and not isinstance(value, np.generic):
        return value.astype(dtype)
    return np.asarray(value, dtype=dtype)


def promoted(*operands: Any, to_float: bool = False) -> tuple[Any, ...]:
    """Every operand cast to the result type of all of them."""
    dtype = float_result_type(*operands) if to_float else result_type(*operands)
    return tuple(cast(value, dtype) for value in operands)


def is_number(value: Any) -> bool:
    return isinstance(value, (builtins.bool, int, float, complex, np.generic))


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """torch.promote_types: the smallest dtype both convert to (float absorbs integers)."""
    return _promote(np.dtype(type1), np.dtype(type2))


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Variable)


def is_floating_point(input: Any) -> bool:  # noqa: A002
    return input.data.dtype.kind == "f"
