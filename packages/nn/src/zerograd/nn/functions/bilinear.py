"""The bilinear map of two inputs: y_k = x1^T W_k x2 + b_k (PyTorch's F.bilinear), composed of a
matrix product, a broadcast product and a sum."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.nn.functions._checks import floating_variable


def bilinear(x1: Any, x2: Any, W: Any, b: Any = None) -> Variable:
    """y[..., k] = sum_ij x1[..., i] W[k, i, j] x2[..., j] + b[k]; x1 (..., I), x2 (..., J),
    W (K, I, J), b (K,).

    >>> import numpy as np
    >>> bilinear(np.ones((1, 2)), np.ones((1, 3)), np.ones((4, 2, 3))).shape
    (1, 4)
    """
    x1 = floating_variable("bilinear", "x1", x1)
    x2 = floating_variable("bilinear", "x2", x2)
    W = floating_variable("bilinear", "W", W)
    if (W.ndim != 3 or x1.ndim == 0 or x2.ndim == 0 or x1.shape[-1] != W.shape[1]
            or x2.shape[-1] != W.shape[2] or x1.shape[:-1] != x2.shape[:-1]):
        raise ValueError(f"bilinear: expected x1 (..., I), x2 (..., J) with the same leading axes "
                         f"and W (K, I, J), got {x1.shape}, {x2.shape} and {W.shape}")
    k, i, j = W.shape
    lead = x1.shape[:-1]
    flat1 = CF.reshape(x1, (-1, i))
    # (n, I) @ (I, K * J) -> (n, K, J), then contract J with x2
    left = CF.reshape(CF.matmul(flat1, CF.reshape(CF.transpose(W, (1, 0, 2)), (i, k * j))),
                      (-1, k, j))
    y = CF.sum(left * CF.reshape(x2, (-1, 1, j)), axis=2)
    if b is not None:
        y = y + b
    return CF.reshape(y, lead + (k,))
