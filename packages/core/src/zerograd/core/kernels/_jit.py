"""The one decorator every kernel uses: Numba's njit, cached on disk, with fastmath off (the
kernels must give NumPy's numbers, NaN and infinities included).

Without Numba the modules still import (pytest's doctest collection imports every module): the
decorator then leaves the Python function as it is, and ``kernels.enabled`` never sends work
to it.
"""

from __future__ import annotations

from typing import Any

try:
    import numba
except ImportError:  # NumPy only: see zerograd.core.kernels
    numba = None

prange = range if numba is None else numba.prange


def kernel(function: Any) -> Any:
    """``@kernel``: compiled lazily on first use per dtype and layout, parallel over ``prange``
    loops, cached on disk, releasing the GIL."""
    if numba is None:
        return function
    return numba.njit(parallel=True, cache=True, nogil=True)(function)
