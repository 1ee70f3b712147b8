"""Loss functions.

The book's losses (mean_squared_error, softmax_cross_entropy, sigmoid_cross_entropy,
binary_cross_entropy) sum over every element and divide by the batch size N = len(x), as the book
does; nll_loss and huber_loss, which the book lacks, follow PyTorch (reduction='mean').
Every loss refuses an empty batch with a ValueError (whatever the reduction), rather than
dividing by zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Function, Variable, as_variable, kernels
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import batch_size, floating_variable, label_array, nonempty_batch
from zerograd.nn.functions._reduction import REDUCTIONS, reduce_loss
from zerograd.nn.functions.activation import (
    Sigmoid,
    Softmax,
    log_softmax_array,
    softmax_array,
    softmax_gradient,
)


def _scalar_array(xp: Any, value: Any, dtype: Any) -> Any:
    """A 0-d array of ``dtype`` (a NumPy scalar divided by an int would become float64 on 1.26)."""
    return xp.asarray(value, dtype=dtype)


# --- mean squared error ------------------------------------------------------------------------
class MeanSquaredError(Function):
    """y = sum((x0 - x1)^2) / N; backward gx0 = 2 (x0 - x1) gy / N = -gx1."""

    __slots__ = ()

    def forward(self, x0: Any, x1: Any) -> Any:
        diff = x0 - x1
        total = (diff * diff).sum()
        return _scalar_array(get_array_module(diff), total / diff.dtype.type(len(diff)),
                             diff.dtype)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x0, x1 = self.inputs
        diff = x0 - x1
        gx0 = diff * (gy * (2.0 / len(diff)))
        g0 = CF.sum_to(gx0, x0.shape) if x0.requires_grad else None
        g1 = CF.sum_to(-gx0, x1.shape) if x1.requires_grad else None
        return g0, g1


def mean_squared_error(x0: Any, x1: Any) -> Variable:
    """The book's mean squared error: sum((x0 - x1)^2) / N, N the batch size len(x0 - x1).

    x0, x1: arrays of one shape (or broadcastable), batch axis first; returns a 0-d Variable.

    >>> import numpy as np
    >>> mean_squared_error(np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]]))
    variable(2.5)
    """
    x0 = floating_variable("mean_squared_error", "x0", x0)
    x1 = floating_variable("mean_squared_error", "x1", x1)
    try:
        shape = np.broadcast_shapes(x0.shape, x1.shape)
    except ValueError:
        raise ValueError(f"mean_squared_error: shapes {x0.shape} and {x1.shape} do not "
                         "broadcast") from None
    nonempty_batch("mean_squared_error", "x0 - x1", shape)
    return MeanSquaredError()(x0, x1)


# --- softmax cross entropy ---------------------------------------------------------------------
class SoftmaxCrossEntropy(Function):
    """y = -sum_n log softmax(x)[n, t_n] / N for logits x (N, C) and integer labels t (N,).

    The log-softmax is shifted by the row maximum, so logits of +-1e4 stay finite.
    Backward: gx = (softmax(x) - onehot(t)) gy / N.
    """

    __slots__ = ("t", "probs")

    def __init__(self, t: Any) -> None:
        self.t = t
        self.probs = None  # the compiled kernel's softmax(x), for the backward

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        n = x.shape[0]
        if kernels.enabled(x) and x.shape[1]:  # the NumPy reference is below
            from zerograd.core.kernels import softmax as softmax_kernels
            picked, self.probs = softmax_kernels.cross_entropy_forward(x, self.t)
            return _scalar_array(xp, -picked.sum() / x.dtype.type(n), x.dtype)
        log_p = log_softmax_array(x, axis=1)
        picked = log_p[xp.arange(n), self.t]
        return _scalar_array(xp, -picked.sum() / x.dtype.type(n), x.dtype)

    def backward(self, gy: Variable) -> Variable:
        return SoftmaxCrossEntropyGrad(self.t, self.probs)(self.inputs[0], gy)


class SoftmaxCrossEntropyGrad(Function):
    """gx = (softmax(x) - onehot(t)) gy / N from (x, gy), computed in place on one array.

    Backward: softmax's own gradient for x (of ggx gy / N), and sum(ggx (softmax(x) - onehot)) / N
    for gy.
    """

    __slots__ = ("t", "probs")

    def __init__(self, t: Any, probs: Any = None) -> None:
        self.t, self.probs = t, probs  # probs: softmax(x) from the compiled forward, or None

    def forward(self, x: Any, gy: Any) -> Any:
        n = x.shape[0]
        if kernels.enabled(x, gy) and x.shape[1]:  # the NumPy reference is below
            from zerograd.core.kernels import softmax as softmax_kernels
            return softmax_kernels.cross_entropy_backward(x, self.t, self.probs, gy * (1.0 / n))
        gx = softmax_array(x, axis=1)
        gx[get_array_module(x).arange(n), self.t] -= 1
        gx *= gy * (1.0 / n)
        return gx

    def backward(self, ggx: Variable) -> tuple[Any, Any]:
        x, gy = self.inputs
        n = x.shape[0]
        p = Softmax(1)(x)
        g_x = softmax_gradient(p, ggx * (gy * (1.0 / n)), 1) if x.requires_grad else None
        g_gy = None
        if gy.requires_grad:
            xp = get_array_module(x.data)
            onehot = xp.zeros_like(x.data)
            onehot[xp.arange(n), self.t] = 1
            g_gy = CF.sum((p - onehot) * ggx) * (1.0 / n)
        return g_x, g_gy


def softmax_cross_entropy(x: Any, t: Any) -> Variable:
    """The book's softmax cross entropy: -sum_n log softmax(x)[n, t_n] / N.

    x: logits (N, C); t: integer class labels (N,) in [0, C). Returns a 0-d Variable.
    (PyTorch's F.cross_entropy with reduction='mean' gives the same value.)

    >>> import numpy as np
    >>> softmax_cross_entropy(np.zeros((2, 4), dtype=np.float32), np.array([0, 3]))
    variable(1.3862944)
    """
    x = floating_variable("softmax_cross_entropy", "x", x)
    if x.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: x must be logits of shape (N, C), got {x.shape}")
    batch_size("softmax_cross_entropy", x)
    labels = label_array("softmax_cross_entropy", t, x.shape[0], x.shape[1])
    return SoftmaxCrossEntropy(labels)(x)


# --- sigmoid and binary cross entropy ----------------------------------------------------------
class SigmoidCrossEntropy(Function):
    """y = sum(log(1 + exp(x)) - t x) / N, the cross entropy of sigmoid(x) against targets t,
    written as max(x, 0) - t x + log1p(exp(-|x|)) so that it is finite for any logits.

    Backward: gx = (sigmoid(x) - t) gy / N; gt = -x gy / N.
    """

    __slots__ = ()

    def forward(self, x: Any, t: Any) -> Any:
        xp = get_array_module(x)
        loss = xp.log1p(xp.exp(-xp.abs(x)))
        loss += xp.maximum(x, 0)
        loss -= x * t
        return _scalar_array(xp, loss.sum() / x.dtype.type(len(x)), x.dtype)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x, t = self.inputs
        scale = gy * (1.0 / len(x))
        gx = (Sigmoid()(x) - t) * scale if x.requires_grad else None
        gt = -x * scale if t.requires_grad else None
        return gx, gt


def _targets_like(op: str, x: Variable, t: Any) -> Variable:
    """Targets as a Variable of x's shape and floating dtype (integer labels become 0.0/1.0)."""
    t = as_variable(t)
    if t.data.size != x.data.size:
        raise ValueError(f"{op}: t of shape {t.shape} does not match x of shape {x.shape}")
    if t.shape != x.shape:
        t = CF.reshape(t, x.shape)  # the book accepts (N,) labels for (N, 1) outputs
    if t.dtype != x.dtype:
        t = CF.astype(t, x.dtype) if t.requires_grad else as_variable(t.data.astype(x.dtype))
    return t


def sigmoid_cross_entropy(x: Any, t: Any) -> Variable:
    """The book's sigmoid cross entropy: -sum(t log p + (1 - t) log(1 - p)) / N, p = sigmoid(x).

    x: logits (N, ...); t: targets in [0, 1] of the same size (integer labels allowed).
    Computed from the logits directly, so it is finite for any x.

    >>> import numpy as np
    >>> sigmoid_cross_entropy(np.zeros((2, 1), dtype=np.float32), np.array([0, 1]))
    variable(0.6931472)
    """
    x = floating_variable("sigmoid_cross_entropy", "x", x)
    batch_size("sigmoid_cross_entropy", x)
    return SigmoidCrossEntropy()(x, _targets_like("sigmoid_cross_entropy", x, t))


def binary_cross_entropy(p: Any, t: Any) -> Variable:
    """The book's binary cross entropy on probabilities: -sum(t log p + (1 - t) log(1 - p)) / N.

    p: probabilities (N, ...); t: targets of the same size. p is clipped to [eps, 1 - eps] (eps
    the dtype's resolution) so that the logarithms stay finite; prefer sigmoid_cross_entropy on
    logits, which needs no clipping.

    >>> import numpy as np
    >>> binary_cross_entropy(np.array([0.5, 0.5], dtype=np.float32), np.array([1, 0]))
    variable(0.6931472)
    """
    p = floating_variable("binary_cross_entropy", "p", p)
    n = batch_size("binary_cross_entropy", p)
    t = _targets_like("binary_cross_entropy", p, t)
    eps = float(get_array_module(p.data).finfo(p.dtype).eps)
    p = CF.clip(p, eps, 1.0 - eps)
    log_likelihood = t * CF.log(p) + (1 - t) * CF.log(1 - p)
    return CF.sum(log_likelihood) * (-1.0 / n)


# --- PyTorch-style losses ----------------------------------------------------------------------
def huber_loss(x: Any, t: Any, delta: float = 1.0, reduction: str = "mean") -> Variable:
    """Huber loss: d^2 / 2 where |d| <= delta, else delta (|d| - delta / 2), with d = x - t.

    x, t: arrays of one shape. reduction: 'mean' (PyTorch's default), 'sum' or 'none'.

    >>> import numpy as np
    >>> huber_loss(np.array([0.5, 3.0]), np.zeros(2))
    variable(1.3125)
    """
    x = floating_variable("huber_loss", "x", x)
    t = as_variable(t)
    if x.shape != t.shape:
        raise ValueError(f"huber_loss: x of shape {x.shape} and t of shape {t.shape} differ")
    if x.size == 0:
        raise ValueError(f"huber_loss: x of shape {x.shape} is empty; a loss over no elements "
                         "is undefined")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"huber_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    magnitude = CF.abs(x - t)
    quadratic = CF.minimum(magnitude, float(delta))
    loss = quadratic * quadratic * 0.5 + (magnitude - quadratic) * float(delta)
    return reduce_loss("huber_loss", loss, reduction)
