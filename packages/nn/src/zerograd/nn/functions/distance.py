"""Norms and distances between vectors: vector_norm's p-norm along an axis, normalize,
cosine_similarity and pairwise_distance (PyTorch's meanings and epsilons)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Function, Variable
from zerograd.core import functions as CF
from zerograd.core.checks import normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable


class PNorm(Function):
    """y = (sum |x|^p)^(1/p) along ``axis`` (max |x| for p = inf, min for -inf). The gradient of a
    zero norm is zero, as in PyTorch (not the 0/0 of the formula)."""

    __slots__ = ("p", "axis", "keepdims")

    def __init__(self, p: float, axis: tuple[int, ...], keepdims: bool) -> None:
        self.p, self.axis, self.keepdims = p, axis, keepdims

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        a = xp.abs(x)
        if self.p == math.inf:
            return a.max(axis=self.axis, keepdims=self.keepdims)
        if self.p == -math.inf:
            return a.min(axis=self.axis, keepdims=self.keepdims)
        if self.p == 2:
            return xp.sqrt((a * a).sum(axis=self.axis, keepdims=self.keepdims))
        if self.p == 1:
            return a.sum(axis=self.axis, keepdims=self.keepdims)
        if self.p == 0:
            return (a != 0).sum(axis=self.axis, keepdims=self.keepdims).astype(x.dtype)
        y = (a ** self.p).sum(axis=self.axis, keepdims=self.keepdims)
        return y ** (1.0 / self.p)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        xp = get_array_module(x.data)
        y = self.outputs[0]()
        if not self.keepdims:  # put the reduced axes back, so that gy and y broadcast over x
            gy, y = (CF.reshape(v, _kept(x.shape, self.axis)) for v in (gy, y))
        if self.p == 0:
            return gy * 0.0 * x
        sign = xp.sign(x.data)
        if self.p in (math.inf, -math.inf):
            hit = (xp.abs(x.data) == y.data).astype(x.dtype)
            hit /= hit.sum(axis=self.axis, keepdims=True)
            return gy * (sign * hit)
        zero = y.data == 0
        nonzero = (~zero).astype(x.dtype)
        safe = CF.where(zero, xp.ones_like(y.data), y)
        if self.p == 1:
            return gy * sign
        if self.p == 2:
            return gy * x / safe * nonzero
        return gy * (CF.abs(x) ** (self.p - 1) * sign) / safe ** (self.p - 1) * nonzero


def _kept(shape: tuple[int, ...], axis: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def vector_norm(x: Any, p: float = 2.0, axis: Any = None, keepdims: bool = False) -> Variable:
    """The p-norm of x along ``axis`` (an int, a tuple, or None for all axes).

    >>> import numpy as np
    >>> vector_norm(np.array([3.0, 4.0]))
    variable(5.0)
    """
    x = floating_variable("vector_norm", "x", x)
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = tuple(sorted({normalize_axis("vector_norm", a, x.ndim)
                             for a in (axis if isinstance(axis, (tuple, list)) else (axis,))}))
    return PNorm(float(p), axes, bool(keepdims))(x)


def normalize(x: Any, p: float = 2.0, axis: int = 1, eps: float = 1e-12) -> Variable:
    """x / max(||x||_p, eps) along ``axis`` (PyTorch's F.normalize).

    >>> import numpy as np
    >>> normalize(np.array([[3.0, 4.0]]))
    variable([[0.6 0.8]])
    """
    x = floating_variable("normalize", "x", x)
    if x.ndim == 0:
        raise ValueError("normalize: x must have at least one axis, got a 0-d array")
    norm = vector_norm(x, p, axis, keepdims=True)
    return x / CF.maximum(norm, Variable(get_array_module(x.data).asarray(eps, x.dtype),
                                         requires_grad=False))


def cosine_similarity(x1: Any, x2: Any, axis: int = 1, eps: float = 1e-8) -> Variable:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along ``axis``, with broadcasting.

    >>> import numpy as np
    >>> cosine_similarity(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]))
    variable([0.70710678])
    """
    x1 = floating_variable("cosine_similarity", "x1", x1)
    x2 = floating_variable("cosine_similarity", "x2", x2)
    try:
        shape = get_array_module(x1.data).broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"cosine_similarity: shapes {x1.shape} and {x2.shape} do not "
                         "broadcast") from None
    if not shape:  # 0-d vectors: vectors of one element
        x1, x2, shape, axis = CF.reshape(x1, (1,)), CF.reshape(x2, (1,)), (1,), 0
    if x1.shape != shape:
        x1 = CF.broadcast_to(x1, shape)
    if x2.shape != shape:
        x2 = CF.broadcast_to(x2, shape)
    axis = normalize_axis("cosine_similarity", axis, len(shape))
    epsilon = Variable(get_array_module(x1.data).asarray(eps, x1.dtype), requires_grad=False)
    n1 = CF.maximum(vector_norm(x1, 2.0, axis, keepdims=True), epsilon)
    n2 = CF.maximum(vector_norm(x2, 2.0, axis, keepdims=True), epsilon)
    return CF.sum((x1 / n1) * (x2 / n2), axis=axis)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdims: bool = False) -> Variable:
    """||x1 - x2 + eps||_p along the last axis (PyTorch's F.pairwise_distance).

    >>> import numpy as np
    >>> pairwise_distance(np.array([[3.0, 0.0]]), np.array([[0.0, 4.0]]), eps=0.0)
    variable([5.])
    """
    x1 = floating_variable("pairwise_distance", "x1", x1)
    x2 = floating_variable("pairwise_distance", "x2", x2)
    try:
        diff = x1 - x2
    except ValueError:
        raise ValueError(f"pairwise_distance: shapes {x1.shape} and {x2.shape} do not "
                         "broadcast") from None
    if diff.ndim == 0:
        diff = CF.reshape(diff, (1,))
    return vector_norm(diff + float(eps), p, -1, keepdims)


def pdist(x: Any, p: float = 2.0) -> Variable:
    """The p-norm distances between every pair of rows i < j of x (N, M), in row-major pair
    order: shape (N (N - 1) / 2,) (PyTorch's pdist).

    >>> import numpy as np
    >>> pdist(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    variable([5.         1.         4.24264069])
    """
    x = floating_variable("pdist", "x", x)
    if x.ndim != 2:
        raise ValueError(f"pdist: x must be a matrix (N, M), got shape {x.shape}")
    i, j = (get_array_module(x.data).asarray(k) for k in np.triu_indices(x.shape[0], 1))
    return vector_norm(CF.get_item(x, i) - CF.get_item(x, j), p, 1)
