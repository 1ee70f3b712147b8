"""PyTorch's pointwise losses, each with ``reduction='mean'|'sum'|'none'``: l1_loss, mse_loss,
smooth_l1_loss, kl_div, poisson_nll_loss, gaussian_nll_loss, bce_loss (F.binary_cross_entropy)
and bce_with_logits_loss (with ``weight`` and ``pos_weight``). 'mean' averages over every element
(the book's losses, which divide by the batch size, keep their own names).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Function, Variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions._reduction import as_target, loss_inputs, reduce_loss
from zerograd.nn.functions.activation import Softplus


def _pair(op: str, reduction: str, x: Any, t: Any, extra: tuple[str, ...] = ()
          ) -> tuple[Variable, Variable]:
    """``loss_inputs`` of an input and a target that broadcast together."""
    x, t = loss_inputs(op, reduction, x, t, extra=extra)
    try:
        np.broadcast_shapes(x.shape, t.shape)
    except ValueError:
        raise ValueError(f"{op}: x of shape {x.shape} and t of shape {t.shape} do not "
                         "broadcast") from None
    return x, t


def _same_shape(op: str, x: Variable, t: Variable) -> tuple[Variable, Variable]:
    """``x`` and ``t``, or a ValueError when the target's shape is not the input's."""
    if t.shape != x.shape:
        raise ValueError(f"{op}: target of shape {t.shape} must have the input's shape {x.shape}")
    return x, t


def l1_loss(x: Any, t: Any, reduction: str = "mean") -> Variable:
    """|x - t|, reduced.

    >>> import numpy as np
    >>> l1_loss(np.array([1.0, -2.0]), np.zeros(2))
    variable(1.5)
    """
    x, t = _pair("l1_loss", reduction, x, t)
    return reduce_loss("l1_loss", CF.abs(x - t), reduction)


def mse_loss(x: Any, t: Any, reduction: str = "mean") -> Variable:
    """(x - t)^2, reduced ('mean' over every element, unlike the book's mean_squared_error).

    >>> import numpy as np
    >>> mse_loss(np.array([1.0, -2.0]), np.zeros(2))
    variable(2.5)
    """
    x, t = _pair("mse_loss", reduction, x, t)
    d = x - t
    return reduce_loss("mse_loss", d * d, reduction)


def smooth_l1_loss(x: Any, t: Any, reduction: str = "mean", beta: float = 1.0) -> Variable:
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (d = x - t); beta = 0 is l1_loss.

    >>> import numpy as np
    >>> smooth_l1_loss(np.array([0.5, 3.0]), np.zeros(2))
    variable(1.3125)
    """
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    x, t = _pair("smooth_l1_loss", reduction, x, t)
    m = CF.abs(x - t)
    if beta == 0:
        return reduce_loss("smooth_l1_loss", m, reduction)
    q = CF.minimum(m, Variable(get_array_module(x.data).asarray(beta, x.dtype),
                               requires_grad=False))
    return reduce_loss("smooth_l1_loss", q * q * (0.5 / beta) + (m - q), reduction)


def _xlogy(t: Variable) -> Variable:
    """t log t with 0 where t = 0 (PyTorch's xlogy(t, t): NaN where t < 0, as the log is)."""
    xp = get_array_module(t.data)
    zero = t.data == 0
    safe = CF.where(zero, xp.ones_like(t.data), t)
    return CF.where(zero, xp.zeros_like(t.data), t * CF.log(safe))


def kl_div(x: Any, t: Any, reduction: str = "mean", log_target: bool = False) -> Variable:
    """KL divergence of the target t from log-probabilities x: t (log t - x) pointwise, or
    exp(t) (t - x) for log targets. 'batchmean' divides the sum by the batch size.

    >>> import numpy as np
    >>> kl_div(np.log(np.array([0.5, 0.5])), np.array([0.5, 0.5]))
    variable(0.0)
    """
    x, t = _pair("kl_div", reduction, x, t, ("batchmean",))
    loss = CF.exp(t) * (t - x) if log_target else _xlogy(t) - t * x
    if reduction == "batchmean":
        total = CF.sum(loss)
        return total / x.shape[0] if x.ndim else total
    return reduce_loss("kl_div", loss, reduction)


def poisson_nll_loss(x: Any, t: Any, log_input: bool = True, full: bool = False,
                     eps: float = 1e-8, reduction: str = "mean") -> Variable:
    """Poisson negative log likelihood: exp(x) - t x for log rates x, else x - t log(x + eps);
    ``full`` adds Stirling's t log t - t + log(2 pi t) / 2 where t > 1.

    >>> import numpy as np
    >>> poisson_nll_loss(np.zeros(2), np.ones(2))
    variable(1.0)
    """
    x, t = _pair("poisson_nll_loss", reduction, x, t)
    loss = CF.exp(x) - t * x if log_input else x - t * CF.log(x + float(eps))
    if full:
        xp = get_array_module(t.data)
        above = t.data > 1
        safe = CF.where(above, t, xp.full_like(t.data, 2))
        stirling = safe * CF.log(safe) - safe + CF.log(safe * (2 * math.pi)) * 0.5
        loss = loss + CF.where(above, stirling, xp.zeros_like(t.data))
    return reduce_loss("poisson_nll_loss", loss, reduction)


def gaussian_nll_loss(x: Any, t: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Variable:
    """Gaussian negative log likelihood (log var + (x - t)^2 / var) / 2 (+ log(2 pi) / 2 with
    ``full``); var is clamped at eps (the gradient passes as if it were not), and may omit x's
    last axis or have length 1 there (one variance for all).

    >>> import numpy as np
    >>> gaussian_nll_loss(np.zeros(2), np.zeros(2), np.ones(2))
    variable(0.0)
    """
    op = "gaussian_nll_loss"
    x, t = _pair(op, reduction, x, t)
    var = floating_variable(op, "var", var)
    if var.shape != x.shape:
        if x.ndim and var.shape == x.shape[:-1]:
            var = CF.expand_dims(var, -1)
        elif not (x.ndim and var.shape[:-1] == x.shape[:-1] and var.shape[-1:] == (1,)):
            raise ValueError(f"{op}: var of shape {var.shape} does not fit input of shape "
                             f"{x.shape}")
    xp = get_array_module(var.data)
    if xp is np and bool((var.data < 0).any()):
        raise ValueError(f"{op}: var has negative entries")
    var = var + (xp.maximum(var.data, eps) - var.data)
    d = x - t
    loss = (CF.log(var) + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(op, loss, reduction)


class BinaryCrossEntropy(Function):
    """y = -w (t log p + (1 - t) log(1 - p)), each log clamped at -100 (PyTorch's); backward
    gp = w (p - t) / max(p (1 - p), 1e-12), gt = w (log(1 - p) - log p), clamped alike."""

    __slots__ = ()

    def forward(self, p: Any, t: Any) -> Any:
        xp = get_array_module(p)
        log_p = xp.maximum(xp.log(p), -100)
        log_q = xp.maximum(xp.log1p(-p), -100)
        return -(t * log_p + (1 - t) * log_q)

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        p, t = self.inputs
        xp = get_array_module(p.data)
        gp = gt = None
        if p.requires_grad:
            gp = gy * (p - t) / CF.maximum(p * (1 - p), Variable(
                xp.asarray(1e-12, p.dtype), requires_grad=False))
        if t.requires_grad:
            log_p = xp.maximum(xp.log(p.data), -100)
            log_q = xp.maximum(xp.log1p(-p.data), -100)
            gt = gy * (log_q - log_p)
        return gp, gt


def bce_loss(p: Any, t: Any, weight: Any = None, reduction: str = "mean") -> Variable:
    """Binary cross entropy of probabilities p and targets t of p's shape, each element weighted
    by ``weight`` (broadcast), reduced (PyTorch's F.binary_cross_entropy).

    >>> import numpy as np
    >>> bce_loss(np.array([0.5]), np.array([1.0]))
    variable(0.6931471805599453)
    """
    op = "binary_cross_entropy"
    p, t = _same_shape(op, *loss_inputs(op, reduction, p, t, ("p", "t")))
    if get_array_module(p.data) is np and p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError(f"{op}: every input must lie in [0, 1], got values from "
                         f"{p.data.min()} to {p.data.max()}")
    loss = BinaryCrossEntropy()(p, t)
    if weight is not None:
        loss = loss * as_target(op, "weight", weight, p)
    return reduce_loss(op, loss, reduction)


def bce_with_logits_loss(x: Any, t: Any, weight: Any = None, pos_weight: Any = None,
                         reduction: str = "mean") -> Variable:
    """Binary cross entropy of logits: (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x), times
    ``weight``, reduced (PyTorch's F.binary_cross_entropy_with_logits; finite for any x).

    >>> import numpy as np
    >>> bce_with_logits_loss(np.array([0.0]), np.array([1.0]))
    variable(0.6931471805599453)
    """
    op = "binary_cross_entropy_with_logits"
    x, t = _same_shape(op, *loss_inputs(op, reduction, x, t))
    softplus_neg = Softplus(1.0)(-x)
    if pos_weight is None:
        loss = (1 - t) * x + softplus_neg
    else:
        pw = as_target(op, "pos_weight", pos_weight, x)
        loss = (1 - t) * x + ((pw - 1) * t + 1) * softplus_neg
    if weight is not None:
        loss = loss * as_target(op, "weight", weight, x)
    return reduce_loss(op, loss, reduction)
