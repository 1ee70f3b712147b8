"""The bilinear map y = x1^T W x2 + b (torch.nn.functional.bilinear), as one matmul and a
contraction, composed of core functions.

>>> import numpy as np
>>> W = np.ones((1, 2, 3)); x1 = np.array([[1.0, 2.0]]); x2 = np.array([[1.0, 1.0, 1.0]])
>>> bilinear(x1, x2, W, np.array([0.5])).data  # (1 + 2) * 3 + 0.5
array([[9.5]])
"""

from __future__ import annotations

from typing import Any

from zerograd.core import as_variable
from zerograd.core import functions as CF
from zerograd.core.variable import Variable

__all__ = ["bilinear"]


def bilinear(x1: Any, x2: Any, W: Any, b: Any = None) -> Variable:
    """y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]; x1 (*, I), x2 (*, J) with
    the same leading shape, W (O, I, J), b (O,)."""
    x1, x2, W = as_variable(x1), as_variable(x2), as_variable(W)
    if W.ndim != 3 or x1.ndim == 0 or x1.shape[-1] != W.shape[1] or x2.ndim == 0 \
            or x2.shape[-1] != W.shape[2] or x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(f"bilinear: expected x1 (*, I), x2 (*, J) and W (O, I, J) with the same "
                         f"leading shape, got x1 {x1.shape}, x2 {x2.shape}, W {W.shape}")
    out, n_in1, n_in2 = W.shape
    lead = x1.shape[:-1]
    rows = CF.reshape(x1, (-1, n_in1))
    # x1 W as one matmul: (M, I) @ (I, O * J), then contract J against x2.
    t = CF.matmul(rows, CF.reshape(CF.transpose(W, (1, 0, 2)), (n_in1, out * n_in2)))
    t = CF.reshape(t, (-1, out, n_in2)) * CF.reshape(x2, (-1, 1, n_in2))
    y = CF.sum(t, axis=2)
    if b is not None:
        b = as_variable(b)
        if b.shape != (out,):
            raise ValueError(f"bilinear: b must have shape ({out},), got {b.shape}")
        y = y + b
    return CF.reshape(y, lead + (out,))
