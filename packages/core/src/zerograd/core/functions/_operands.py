"""How a constant operand meets a Variable (shared by arithmetic and selection functions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.variable import ARRAY_TYPES, Variable

_PYTHON_NUMBERS = (int, float)
# NumPy 2 treats Python numbers as "weak" (NEP 50): float32 * 2.0 stays float32, also for 0-d
# arrays. NumPy 1.x widens a 0-d float32 times a Python float to float64.
_WEAK_PYTHON_SCALARS = int(np.__version__.split(".")[0]) >= 2
# The constant types that constant_like returns unchanged (so a caller may skip it for them).
PASS_THROUGH_CONSTANTS = frozenset(_PYTHON_NUMBERS if _WEAK_PYTHON_SCALARS else ())


def typed_constant(op: str, c: Any, x: Variable) -> Any:
    """Check a constant operand; a Python int or float becomes a scalar of x's floating dtype, so
    float32 stays float32 even where the constant is turned into an array. NumPy scalars and
    arrays keep NumPy's own promotion."""
    if type(c) in _PYTHON_NUMBERS:
        dtype = x.data.dtype if x.data is not None else None
        return dtype.type(c) if dtype is not None and dtype.kind in "fc" else c
    if isinstance(c, (np.generic, bool, complex, *ARRAY_TYPES)):
        return c
    raise TypeError(f"{op}: cannot combine a Variable with {type(c).__name__}")


def constant_like(op: str, c: Any, x: Variable) -> Any:
    """typed_constant for a constant used directly in array arithmetic: on NumPy 2 a Python
    number already keeps x's dtype, so it passes through untouched (the hot path of x * 2.0)."""
    if type(c) in PASS_THROUGH_CONSTANTS:
        return c
    return typed_constant(op, c, x)
