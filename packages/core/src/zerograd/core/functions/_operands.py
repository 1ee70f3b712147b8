"""How a constant operand meets a Variable (shared by arithmetic and selection functions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.variable import ARRAY_TYPES, Variable

_PYTHON_NUMBERS = (int, float)


def constant_like(op: str, c: Any, x: Variable) -> Any:
    """Check a constant operand; a Python int or float takes x's floating dtype (float32 stays
    float32 on NumPy 1.26 and 2.x); NumPy scalars and arrays keep NumPy's own promotion."""
    if type(c) in _PYTHON_NUMBERS:
        dtype = x.data.dtype if x.data is not None else None
        return dtype.type(c) if dtype is not None and dtype.kind in "fc" else c
    if isinstance(c, (np.generic, bool, complex, *ARRAY_TYPES)):
        return c
    raise TypeError(f"{op}: cannot combine a Variable with {type(c).__name__}")
