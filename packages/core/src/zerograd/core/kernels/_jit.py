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


def kernel(function: Any = None, *, parallel: bool = True) -> Any:
    """``@kernel`` or ``@kernel(parallel=False)``: compiled lazily on first use per dtype and
    layout, cached on disk, releasing the GIL; with ``parallel`` its ``prange`` loops run on the
    kernels' threads."""
    def compile_(f: Any) -> Any:
        if numba is None:
            return f
        return numba.njit(parallel=parallel, cache=True, nogil=True)(f)
    return compile_ if function is None else compile_(function)
