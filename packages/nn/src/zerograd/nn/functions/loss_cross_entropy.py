"""PyTorch's cross_entropy and nll_loss: class weights, ignore_index, label smoothing,
probability (soft-label) targets, inputs of shape (N, C, d1, ...) or (C,), every reduction.

cross_entropy is one fused Function. Each element's loss is -sum_c q_c log softmax(x)_c with
q = (1 - eps) w[t] onehot(t) + eps w / C for a label t (zero for an ignored one), or
q = w (t (1 - eps) + eps / C) for probabilities t; its gradient is (sum_c q_c) softmax(x) - q.
The Function keeps only x, the labels and the weights, and builds q in the backward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Function, Variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions._reduction import check_reduction
from zerograd.nn.functions.activation import (
    LogSoftmax,
    Softmax,
    log_softmax_array,
    softmax_array,
    softmax_gradient,
)
from zerograd.nn.functions.loss import SoftmaxCrossEntropy


class _Targets:
    """What q is made of: labels (N, d...) with an ignore mask, or probabilities like x; the
    class weights w (C,) or None; the smoothing eps; and the divisor of 'mean'."""

    __slots__ = ("labels", "keep", "probs", "weight", "eps", "divisor")

    def __init__(self, labels: Any, keep: Any, probs: Any, weight: Any, eps: float) -> None:
        self.labels, self.keep, self.probs, self.weight, self.eps = labels, keep, probs, weight, eps

    def class_shape(self, ndim: int) -> tuple[int, ...]:
        return (1, -1) + (1,) * (ndim - 2)

    def q(self, x: Any) -> Any:
        """The target distribution q (x's shape), weighted, zero on ignored elements."""
        xp = get_array_module(x)
        c = x.shape[1]
        if self.probs is not None:
            q = self.probs * (1 - self.eps) + self.eps / c if self.eps else self.probs.copy()
        else:
            q = xp.zeros_like(x)
            xp.put_along_axis(q, self.labels[:, None], 1 - self.eps, axis=1)
            if self.eps:
                q += self.eps / c
        if self.weight is not None:
            q *= self.weight.reshape(self.class_shape(x.ndim))
        if self.keep is not None:
            q *= self.keep[:, None]
        return q.astype(x.dtype, copy=False)


class CrossEntropy(Function):
    """y = -sum_c q_c log softmax(x)_c per element, reduced; backward (sum q) softmax(x) - q."""

    __slots__ = ("targets", "reduction")

    def __init__(self, targets: _Targets, reduction: str) -> None:
        self.targets, self.reduction = targets, reduction

    def forward(self, x: Any) -> Any:
        log_p = log_softmax_array(x, axis=1)
        tg = self.targets
        if tg.probs is None and not tg.eps:  # hard labels: pick, no q array
            xp = get_array_module(x)
            loss = -xp.take_along_axis(log_p, tg.labels[:, None], axis=1)[:, 0]
            if tg.weight is not None:
                loss *= tg.weight[tg.labels]
            if tg.keep is not None:
                loss *= tg.keep
        else:
            loss = -(log_p * tg.q(x)).sum(axis=1)
        return _reduced(loss, self.reduction, tg.divisor, x.dtype)

    def backward(self, gy: Variable) -> Variable:
        return CrossEntropyGrad(self.targets, self.reduction)(self.inputs[0], gy)


def _reduced(loss: Any, reduction: str, divisor: Any, dtype: Any) -> Any:
    xp = get_array_module(loss)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "mean":
        total = total / divisor
    return xp.asarray(total, dtype=dtype)


def _scale(gy: Any, reduction: str, divisor: Any, ndim: int) -> Any:
    """The factor of every element's gradient: gy / divisor (mean), gy (sum), gy per element."""
    if reduction == "none":
        return gy[:, None]
    if reduction == "sum":
        return gy
    # Every target ignored: divisor 0, and q is 0 everywhere, so the gradient is 0 (as PyTorch's),
    # not 0 * inf.
    xp = get_array_module(gy)
    return gy / xp.where(xp.asarray(divisor) == 0, 1, divisor)


class CrossEntropyGrad(Function):
    """gx = ((sum_c q_c) softmax(x) - q) * gy (/ divisor) from (x, gy)."""

    __slots__ = ("targets", "reduction")

    def __init__(self, targets: _Targets, reduction: str) -> None:
        self.targets, self.reduction = targets, reduction

    def forward(self, x: Any, gy: Any) -> Any:
        q = self.targets.q(x)
        gx = softmax_array(x, axis=1)
        gx *= q.sum(axis=1, keepdims=True)
        gx -= q
        gx *= _scale(gy, self.reduction, self.targets.divisor, x.ndim)
        return gx

    def backward(self, ggx: Variable) -> tuple[Any, Any]:
        x, gy = self.inputs
        tg = self.targets
        q = tg.q(x.data)
        mass = q.sum(axis=1, keepdims=True)
        scale = gy if self.reduction != "none" else CF.expand_dims(gy, 1)
        if self.reduction == "mean":
            scale = scale / tg.divisor
        p = Softmax(1)(x)
        g_x = softmax_gradient(p, ggx * scale * mass, 1) if x.requires_grad else None
        g_gy = None
        if gy.requires_grad:
            per_element = CF.sum(ggx * (p * mass - q), axis=1)
            if self.reduction == "none":
                g_gy = per_element
            else:
                g_gy = CF.sum(per_element) * (1.0 / tg.divisor if self.reduction == "mean" else 1.0)
        return g_x, g_gy


# --- arguments -----------------------------------------------------------------------------------
def _labels(op: str, t: Any, x_shape: tuple[int, ...], ignore_index: int) -> tuple[Any, Any]:
    """Integer labels of shape (N, d...) checked against C, and the keep mask (None when no
    label is ignore_index); ignored labels become 0 so that they index safely."""
    expected = x_shape[:1] + x_shape[2:]
    if tuple(t.shape) != expected:
        raise ValueError(f"{op}: target of shape {tuple(t.shape)} does not fit input of shape "
                         f"{x_shape} (expected {expected})")
    xp = get_array_module(t)
    ignored = t == ignore_index
    any_ignored = bool(ignored.any()) if xp is np else True
    labels = xp.where(ignored, 0, t) if any_ignored else t
    c = x_shape[1]
    if xp is np and labels.size and (int(labels.min()) < 0 or int(labels.max()) >= c):
        raise ValueError(f"{op}: target labels must lie in [0, {c}) or equal ignore_index="
                         f"{ignore_index}, got values from {int(labels.min())} to "
                         f"{int(labels.max())}")
    keep = (~ignored).astype(np.float64) if any_ignored else None
    return labels.astype(np.intp, copy=False), keep


def _weight(op: str, weight: Any, c: int, dtype: Any) -> Any:
    if weight is None:
        return None
    w = weight.data if isinstance(weight, Variable) else weight
    if tuple(w.shape) != (c,):
        raise ValueError(f"{op}: weight must have shape ({c},), one per class, got "
                         f"{tuple(w.shape)}")
    return w.astype(dtype, copy=False)


def _as_batch(op: str, x: Variable, t: Any) -> tuple[Variable, Any, bool]:
    """(C,) inputs with a 0-d target become a batch of one (and are squeezed back)."""
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have shape (C,), (N, C) or (N, C, d1, ...), got a "
                         "0-d array")
    if x.ndim == 1:
        t = t.reshape((1,) + t.shape) if hasattr(t, "reshape") else t
        return CF.reshape(x, (1,) + x.shape), t, True
    return x, t, False


def _targets(op: str, x: Variable, t: Any, weight: Any, ignore_index: int, eps: float,
             reduction: str) -> _Targets:
    w = _weight(op, weight, x.shape[1], x.dtype)
    if w is not None:
        w = get_array_module(x.data).asarray(w)
    if t.dtype.kind == "f":
        if tuple(t.shape) != tuple(x.shape):
            raise ValueError(f"{op}: probability targets must have the input's shape "
                             f"{tuple(x.shape)}, got {tuple(t.shape)}")
        tg = _Targets(None, None, t.astype(x.dtype, copy=False), w, eps)
        tg.divisor = x.size // x.shape[1]
        return tg
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class labels or float probabilities, "
                        f"got dtype {t.dtype}")
    labels, keep = _labels(op, t, tuple(x.shape), ignore_index)
    tg = _Targets(labels, keep, None, w, eps)
    if reduction == "mean":
        xp = get_array_module(labels)
        per = xp.ones(labels.shape) if w is None else w[labels].astype(np.float64)
        tg.divisor = (per if keep is None else per * keep).sum()
    else:
        tg.divisor = 1
    return tg


def cross_entropy(x: Any, t: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Variable:
    """PyTorch's cross entropy of logits x (N, C, d1, ...) or (C,) and targets t: class labels
    (N, d1, ...) or probabilities of x's shape. ``weight`` (C,) weighs classes; labels equal to
    ``ignore_index`` count nothing; ``label_smoothing`` mixes the uniform distribution in;
    'mean' divides by the summed weights of the counted labels (by N * d1 * ... for
    probabilities). The book's softmax_cross_entropy is the 2-d, unweighted 'mean' case.

    >>> import numpy as np
    >>> cross_entropy(np.zeros((2, 4), dtype=np.float32), np.array([0, -100]))
    variable(1.3862944)
    """
    op = "cross_entropy"
    check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must lie in [0, 1], got {label_smoothing}")
    x = floating_variable(op, "x", x)
    if isinstance(t, Variable) and t.requires_grad and t.dtype.kind == "f":
        return _cross_entropy_soft(x, t, weight, reduction, float(label_smoothing))
    t = t.data if isinstance(t, Variable) else t
    t = get_array_module(x.data).asarray(t)  # host labels go to x's device, as CuPy's asarray does
    x, t, single = _as_batch(op, x, t)
    tg = _targets(op, x, t, weight, ignore_index, float(label_smoothing), reduction)
    if (x.ndim == 2 and x.shape[0] and reduction == "mean" and tg.probs is None
            and tg.keep is None and tg.weight is None and not tg.eps):
        return SoftmaxCrossEntropy(tg.labels)(x)  # the book's fused loss: the same number, faster
    y = CrossEntropy(tg, reduction)(x)
    return CF.reshape(y, ()) if single and reduction == "none" else y


def _cross_entropy_soft(x: Variable, t: Variable, weight: Any, reduction: str,
                        eps: float) -> Variable:
    """Cross entropy of probability targets that need a gradient themselves: composed of
    Functions (log_softmax, products, sums), so both x and t get theirs."""
    op = "cross_entropy"
    if t.shape != x.shape:
        raise ValueError(f"{op}: probability targets must have the input's shape {x.shape}, got "
                         f"{t.shape}")
    axis = 1 if x.ndim > 1 else 0
    c = x.shape[axis]
    q = t * (1 - eps) + eps / c if eps else t
    if weight is not None:
        w = _weight(op, weight, c, x.dtype)
        q = q * w.reshape((1, -1) + (1,) * (x.ndim - 2) if x.ndim > 1 else (-1,))
    loss = -CF.sum(q * LogSoftmax(axis)(x), axis=axis)
    if reduction == "none":
        return loss
    total = CF.sum(loss)
    return total * (c / x.size) if reduction == "mean" else total


def nll_loss(log_p: Any, t: Any, reduction: str = "mean", *, weight: Any = None,
             ignore_index: int = -100) -> Variable:
    """Negative log likelihood of integer labels: -w[t] log_p[n, t_n, ...], averaged over the
    summed weights of the counted labels (PyTorch's default 'mean').

    log_p: log-probabilities (N, C, d1, ...) or (C,); t: labels (N, d1, ...) in [0, C) or equal to
    ``ignore_index`` (counted as nothing). reduction: 'mean', 'sum' or 'none'.

    >>> import numpy as np
    >>> nll_loss(np.log(np.array([[0.5, 0.5]], dtype=np.float32)), np.array([1]))
    variable(0.6931472)
    """
    op = "nll_loss"
    check_reduction(op, reduction)
    x = floating_variable(op, "log_p", log_p)
    t = t.data if isinstance(t, Variable) else t
    if not hasattr(t, "dtype") or t.dtype.kind not in "iu":
        raise TypeError(f"{op}: t must be an integer array of class labels, got "
                        f"{getattr(t, 'dtype', type(t).__name__)}")
    x, t, single = _as_batch(op, x, t)
    if x.shape[0] == 0:  # as every loss of zerograd.nn, whatever the reduction
        raise ValueError(f"{op}: the batch is empty (log_p of shape {x.shape}); a loss over no "
                         "samples is undefined")
    tg = _targets(op, x, t, weight, ignore_index, 0.0, reduction)
    xp = get_array_module(x.data)
    factor = xp.ones(tg.labels.shape, x.dtype) if tg.weight is None else tg.weight[tg.labels]
    if tg.keep is not None:
        factor = factor * tg.keep.astype(x.dtype)
    shape = tg.labels.shape
    index = [xp.arange(n).reshape(tuple(-1 if i == k else 1 for i in range(len(shape))))
             for k, n in enumerate(shape)]
    picked = CF.get_item(x, (index[0], tg.labels, *index[1:]))
    loss = picked * -factor.astype(x.dtype, copy=False)
    if reduction == "none":
        return CF.reshape(loss, ()) if single else loss
    total = CF.sum(loss)
    return total / x.dtype.type(tg.divisor) if reduction == "mean" else total
