"""GELU, forward and backward in one pass each, both forms, elementwise over the flattened
arrays, parallel over fixed blocks; exp is ``_exp.exp`` (vectorisable arithmetic), so a whole
element's formula vectorises.

NumPy references: ``zerograd.nn.functions.activation.gelu``'s compositions (fused into the
Function ``activation.GELU`` when the kernels may run):

- 'none': y = x Phi(x), Phi by ``_normal_cdf_blocks`` (Abramowitz and Stegun 7.1.26 with
  exp(-x^2 / 2), the same formula here); dy/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) /
  sqrt(2 pi) (``NormalCdf.backward``), one exp for both.
- 'tanh': y = x (1 + tanh(u)) / 2, u = sqrt(2 / pi) (x + 0.044715 x^3); 1 + tanh(u) is computed
  as h = 2 / (1 + exp(-2u)) (no cancellation, 0 and 2 at the ends), and dy/dx = h / 2 +
  x h (2 - h) / 2 * sqrt(2 / pi) (1 + 3 * 0.044715 x^2).

Arithmetic runs in float64 for either dtype, rounded once at the store. Divisions are
``np.true_divide``: Python's ``/`` makes Numba test for a zero divisor (ZeroDivisionError), a
branch that keeps the loop from vectorising.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core.kernels._exp import exp
from zerograd.core.kernels._jit import kernel, prange

_BLOCK = 16384  # elements per parallel task
_P = 0.3275911 / math.sqrt(2)  # 7.1.26's constants with erf(x / sqrt 2) folded in
_A1, _A2, _A3, _A4, _A5 = (0.5 * a for a in (1.061405429, -1.453152027, 1.421413741,
                                             -0.284496736, 0.254829592))
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_PI = math.sqrt(2 / math.pi)
_CUBIC = 0.044715


@kernel(parallel=False)
def _cdf_pdf(v: Any) -> tuple[Any, Any]:
    """(Phi(v), exp(-v^2 / 2)) as the reference computes Phi."""
    t = np.true_divide(1.0, abs(v) * _P + 1.0)
    poly = ((((t * _A1 + _A2) * t + _A3) * t + _A4) * t + _A5) * t
    g = exp(v * v * -0.5)
    return math.copysign(0.5 - poly * g, v) + 0.5, g


@kernel(parallel=False)
def _tanh_h(v: Any) -> Any:
    """h = 1 + tanh(u), u = sqrt(2 / pi) (v + 0.044715 v^3), for GELU's tanh form."""
    u = (v + v * v * v * _CUBIC) * _SQRT_2_PI
    return np.true_divide(2.0, 1.0 + exp(-2.0 * u))


@kernel
def _forward(x: Any, y: Any, tanh: bool) -> None:
    n = x.size
    for b in prange((n + _BLOCK - 1) // _BLOCK):
        # slices: indices from 0 that the compiler knows are not negative, so the loops vectorise
        xb, yb = x[b * _BLOCK:min(n, (b + 1) * _BLOCK)], y[b * _BLOCK:min(n, (b + 1) * _BLOCK)]
        if tanh:
            for i in range(xb.size):
                v = np.float64(xb[i])
                yb[i] = v * _tanh_h(v) * 0.5
        else:
            for i in range(xb.size):
                v = np.float64(xb[i])
                yb[i] = v * _cdf_pdf(v)[0]


@kernel
def _backward(x: Any, gy: Any, gx: Any, tanh: bool) -> None:
    n = x.size
    for b in prange((n + _BLOCK - 1) // _BLOCK):
        start, stop = b * _BLOCK, min(n, (b + 1) * _BLOCK)
        xb, gyb, gxb = x[start:stop], gy[start:stop], gx[start:stop]
        if tanh:
            for i in range(xb.size):
                v, g = np.float64(xb[i]), np.float64(gyb[i])
                h = _tanh_h(v)
                slope = h * (2.0 - h) * (0.5 * _SQRT_2_PI) * (1.0 + 3.0 * _CUBIC * v * v)
                gxb[i] = g * (0.5 * h + v * slope)
        else:
            for i in range(xb.size):
                v, g = np.float64(xb[i]), np.float64(gyb[i])
                cdf, e = _cdf_pdf(v)
                gxb[i] = g * cdf + e * _INV_SQRT_2PI * (g * v)


def gelu_forward(x: Any, tanh: bool) -> Any:
    """y = gelu(x), x's shape and dtype; ``tanh``: the tanh approximation."""
    flat = np.ascontiguousarray(x).reshape(-1)
    y = np.empty_like(flat)
    _forward(flat, y, tanh)
    return y.reshape(x.shape)


def gelu_backward(x: Any, gy: Any, tanh: bool) -> Any:
    """gx = gy * gelu'(x) (x and gy of one shape)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    gx = np.empty_like(flat)
    _backward(flat, np.ascontiguousarray(gy).reshape(-1), gx, tanh)
    return gx.reshape(x.shape)
