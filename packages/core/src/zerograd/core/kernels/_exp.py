"""exp(x) in plain arithmetic, for the kernels' inner loops: Numba here has no SVML, so
``math.exp`` compiles to a scalar libm call per element and keeps a loop from vectorising, while
multiply-adds, comparisons and integer shifts vectorise (AVX2: four float64 lanes).

Computed in float64 for either dtype (a float32 result rounds once, at the caller's store):
x = k ln2 + r with |r| <= ln2 / 2 (Cody and Waite's two-part ln2), exp(r) by its Taylor
polynomial (degree 13, truncation below 1e-17; degree 7 with ``single``, for float32 results),
and 2**k built from the exponent bits in two halves, so that results between 2**-1074 and
2**1024 need no special case. Measured over the whole range: float64 within 1 ulp of NumPy
(subnormal results: one step of 2**-1074); float32 within 0.58 ulp of the exact value (99.3%
correctly rounded), where NumPy's own float32 exp is up to 2.4 ulp off, so the two differ by at
most 2 ulp. Overflow gives inf, underflow 0, exp(-inf) = 0, NaN stays NaN.

Numba's disk cache keys a kernel on its own module's source only: after editing this file,
delete the kernels' cached ``*.nbi``/``*.nbc`` files (``__pycache__`` here or NUMBA_CACHE_DIR), or
the kernels that inline exp keep the old one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core.kernels._jit import kernel

_MAGIC = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer held in the low bits
_MAGIC_BITS = 0x4338000000000000  # its bit pattern
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln2's first 32 bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_C = tuple(1.0 / math.factorial(i) for i in range(14))


@kernel(parallel=False)
def exp(x: Any, single: bool = False) -> Any:
    """exp of a float64 (see the module's docstring); no branch, so loops around it vectorise.
    ``single``: accurate enough for a float32 result only (a loop-invariant flag: the compiler
    makes one loop of each)."""
    # Beyond these exp is 0 (below half the smallest subnormal) or inf: selected at the end, the
    # arithmetic runs on 0 instead, because a product rounding into the subnormals (here: every
    # masked -inf score) takes the CPU's slow microcode path, tens of times slower.
    low, high = x < -745.2, x > 709.8
    xc = 0.0 if low | high else x
    t = xc * _INV_LN2 + _MAGIC
    k = t - _MAGIC
    r = xc - k * _LN2_HI
    r = r - k * _LN2_LO
    if single:  # degree 7: truncation below 6e-9, a tenth of a float32 ulp
        p = _C[7]
        for i in range(6, -1, -1):  # Horner; a constant trip count, unrolled by the compiler
            p = p * r + _C[i]
    else:
        p = _C[13]
        for i in range(12, -1, -1):
            p = p * r + _C[i]
    kb = np.float64(t).view(np.int64) - np.int64(_MAGIC_BITS)
    half = kb >> 1  # 2**k as 2**half * 2**(k - half): each a normal number for |k| <= 1076
    s1 = np.int64((half + 1023) << 52).view(np.float64)
    s2 = np.int64((kb - half + 1023) << 52).view(np.float64)
    y = p * s1 * s2
    y = 0.0 if low else y
    y = np.inf if high else y
    return x if x != x else y


@kernel(parallel=False)
def _exp_all(x: Any, y: Any) -> None:
    single = x.itemsize == 4
    for i in range(x.size):
        y[i] = exp(np.float64(x[i]), single)


def exp_array(x: Any) -> Any:
    """exp of every element of a float32 or float64 array (the tests compare it with np.exp)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    y = np.empty_like(flat)
    _exp_all(flat, y)
    return y.reshape(x.shape)
