"""Evaluation metrics (no gradient)."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, as_variable
from zerograd.core.cuda import get_array_module


def accuracy(y: Any, t: Any) -> Variable:
    """The fraction of samples whose highest score is the label: mean(argmax(y, 1) == t).

    y: scores (N, C); t: integer labels (N,). Returns a 0-d Variable outside any graph, in y's
    floating dtype (as the book, a Variable; read it with float() or .data).

    >>> import numpy as np
    >>> accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))
    variable(0.5)
    """
    y = as_variable(y)
    labels = t.data if isinstance(t, Variable) else t
    if y.ndim != 2:
        raise ValueError(f"accuracy: y must be scores of shape (N, C), got {y.shape}")
    if getattr(labels, "size", None) != y.shape[0]:
        raise ValueError(f"accuracy: t of shape {getattr(labels, 'shape', None)} does not hold "
                         f"one label for each of the {y.shape[0]} rows of y")
    xp = get_array_module(y.data)
    hits = y.data.argmax(axis=1) == labels.reshape(-1)
    dtype = y.dtype if y.dtype.kind == "f" else xp.float64
    return Variable(xp.asarray(hits.mean(), dtype=dtype), requires_grad=False)
