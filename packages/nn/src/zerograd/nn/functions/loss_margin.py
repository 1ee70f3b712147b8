"""PyTorch's margin and embedding losses, each with ``reduction='mean'|'sum'|'none'``:
margin_ranking_loss, hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
cosine_embedding_loss, triplet_margin_loss and multi_margin_loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions._reduction import as_target, check_reduction, loss_inputs, reduce_loss
from zerograd.nn.functions.activation import ReLU, Softplus
from zerograd.nn.functions.distance import pairwise_distance


def _relu(x: Variable) -> Variable:
    return ReLU()(x) if x.ndim else CF.maximum(x, Variable(
        get_array_module(x.data).zeros((), x.dtype), requires_grad=False))


def margin_ranking_loss(x1: Any, x2: Any, y: Any, margin: float = 0.0,
                        reduction: str = "mean") -> Variable:
    """max(0, -y (x1 - x2) + margin), y in {1, -1} saying which input should rank higher.

    >>> import numpy as np
    >>> margin_ranking_loss(np.array([1.0]), np.array([0.0]), np.array([1.0]))
    variable(0.0)
    """
    op = "margin_ranking_loss"
    x1, y = loss_inputs(op, reduction, x1, y, ("x1", "y"))
    x2 = floating_variable(op, "x2", x2)
    return reduce_loss(op, _relu(-y * (x1 - x2) + float(margin)), reduction)


def hinge_embedding_loss(x: Any, y: Any, margin: float = 1.0, reduction: str = "mean") -> Variable:
    """x where y = 1, max(0, margin - x) where y = -1 (PyTorch adds both terms for other y).

    >>> import numpy as np
    >>> hinge_embedding_loss(np.array([0.3, 0.3]), np.array([1.0, -1.0]))
    variable(0.5)
    """
    op = "hinge_embedding_loss"
    check_reduction(op, reduction)
    x = floating_variable(op, "x", x)
    y = y.data if isinstance(y, Variable) else y
    xp = get_array_module(x.data)
    zeros = xp.zeros((), x.dtype)
    shape = xp.broadcast_shapes(x.shape, y.shape)
    hinge = CF.where(xp.broadcast_to(y != 1, shape), _relu(float(margin) - x), zeros)
    loss = hinge + CF.where(xp.broadcast_to(y != -1, shape), x, zeros)
    return reduce_loss(op, loss, reduction)


def soft_margin_loss(x: Any, y: Any, reduction: str = "mean") -> Variable:
    """log(1 + exp(-y x)), the logistic loss of labels y in {1, -1}.

    >>> import numpy as np
    >>> soft_margin_loss(np.array([0.0]), np.array([1.0]))
    variable(0.6931471805599453)
    """
    op = "soft_margin_loss"
    x, y = loss_inputs(op, reduction, x, y, ("x", "y"))
    return reduce_loss(op, Softplus(1.0)(-y * x), reduction)


def multilabel_soft_margin_loss(x: Any, y: Any, weight: Any = None,
                                reduction: str = "mean") -> Variable:
    """The mean over classes (axis -1) of -(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times
    ``weight``, then reduced over samples.

    >>> import numpy as np
    >>> multilabel_soft_margin_loss(np.zeros((1, 2)), np.ones((1, 2)))
    variable(0.6931471805599453)
    """
    op = "multilabel_soft_margin_loss"
    x, y = loss_inputs(op, reduction, x, y, ("x", "y"))
    loss = y * Softplus(1.0)(-x) + (1 - y) * Softplus(1.0)(x)
    if weight is not None:
        loss = loss * as_target(op, "weight", weight, x)
    axis = -1 if x.ndim else None
    loss = CF.sum(loss, axis=axis) * (1.0 / (x.shape[-1] if x.ndim else 1))
    return reduce_loss(op, loss, reduction)


def cosine_embedding_loss(x1: Any, x2: Any, y: Any, margin: float = 0.0,
                          reduction: str = "mean") -> Variable:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; cos along the
    last axis with PyTorch's 1e-12 added to each squared norm.

    >>> import numpy as np
    >>> cosine_embedding_loss(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), np.array([-1]))
    variable(0.0)
    """
    op = "cosine_embedding_loss"
    check_reduction(op, reduction)
    x1 = floating_variable(op, "x1", x1)
    x2 = floating_variable(op, "x2", x2)
    if x1.shape != x2.shape or x1.ndim not in (1, 2):
        raise ValueError(f"{op}: x1 and x2 must share a shape (N, D) or (D,), got {x1.shape} "
                         f"and {x2.shape}")
    y = y.data if isinstance(y, Variable) else y
    xp = get_array_module(x1.data)
    dot = CF.sum(x1 * x2, axis=-1)
    denominator = CF.sqrt((CF.sum(x1 * x1, axis=-1) + 1e-12) * (CF.sum(x2 * x2, axis=-1) + 1e-12))
    cos = dot / denominator
    zeros = xp.zeros((), x1.dtype)
    shape = xp.broadcast_shapes(cos.shape, y.shape)
    loss = (CF.where(xp.broadcast_to(y == 1, shape), 1 - cos, zeros)
            + CF.where(xp.broadcast_to(y == -1, shape), _relu(cos - float(margin)), zeros))
    return reduce_loss(op, loss, reduction)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: str = "mean") -> Variable:
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise p-distance; with ``swap`` d(a, n) is
    the smaller of d(a, n) and d(p, n).

    >>> import numpy as np
    >>> a = np.zeros((1, 2))
    >>> triplet_margin_loss(a, a, np.array([[3.0, 4.0]]), eps=0.0)
    variable(0.0)
    """
    op = "triplet_margin_loss"
    check_reduction(op, reduction)
    a, pos, neg = (floating_variable(op, n, v) for n, v in
                   (("anchor", anchor), ("positive", positive), ("negative", negative)))
    if not (a.ndim == pos.ndim == neg.ndim) or a.ndim not in (1, 2):
        raise ValueError(f"{op}: anchor, positive and negative must all be (N, D) or (D,), got "
                         f"{a.shape}, {pos.shape} and {neg.shape}")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = CF.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return reduce_loss(op, _relu(d_pos - d_neg + float(margin)), reduction)


def multi_margin_loss(x: Any, y: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                      reduction: str = "mean") -> Variable:
    """sum over j != y of max(0, margin - x[y] + x[j])^p * w[y] / C per sample (x (N, C) or
    (C,), y integer labels).

    >>> import numpy as np
    >>> multi_margin_loss(np.array([[0.0, 2.0]]), np.array([1]))
    variable(0.0)
    """
    op = "multi_margin_loss"
    check_reduction(op, reduction)
    if p not in (1, 2):
        raise ValueError(f"{op}: p must be 1 or 2, got {p}")
    x = floating_variable(op, "x", x)
    y = y.data if isinstance(y, Variable) else y
    single = x.ndim <= 1
    if single:  # one sample: (C,) scores, or () for a single class
        x, y = CF.reshape(x, (1, x.size)), y.reshape(1)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"{op}: x must be (N, C) or (C,) with labels (N,), got {x.shape} and "
                         f"{y.shape}")
    xp = get_array_module(x.data)
    n, c = x.shape
    if xp is np and y.size and (int(y.min()) < 0 or int(y.max()) >= c):
        raise ValueError(f"{op}: labels must lie in [0, {c}), got values from {int(y.min())} "
                         f"to {int(y.max())}")
    rows = xp.arange(n)
    picked = CF.get_item(x, (rows, y))
    z = _relu(float(margin) - CF.reshape(picked, (n, 1)) + x)
    if p == 2:
        z = z * z
    others = xp.ones((n, c), x.dtype)
    others[rows, y] = 0
    if weight is not None:
        w = weight.data if isinstance(weight, Variable) else weight
        others = others * w.astype(x.dtype)[y][:, None]
    loss = CF.sum(z * others, axis=1) * (1.0 / c)
    if single:
        loss = CF.reshape(loss, ())
    return reduce_loss(op, loss, reduction)
