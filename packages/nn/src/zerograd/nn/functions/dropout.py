"""Dropout with inverted scaling: in train mode each element is kept with probability
1 - dropout_ratio and scaled by 1 / (1 - dropout_ratio); in test mode x passes unchanged."""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.mode import is_training


class Dropout(Function):
    """y = x * mask / (1 - ratio), mask ~ Bernoulli(1 - ratio) drawn from the global generator
    (NumPy's, CuPy's on a GPU), as in the book. Backward: gx = gy * mask / (1 - ratio)."""

    __slots__ = ("ratio", "scaled_mask")

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        keep = xp.random.rand(*x.shape) > self.ratio
        scale = 0.0 if self.ratio >= 1 else 1 / (1 - self.ratio)
        self.scaled_mask = keep.astype(x.dtype)
        self.scaled_mask *= scale
        return x * self.scaled_mask

    def backward(self, gy: Variable) -> Variable:
        return gy * self.scaled_mask


def dropout(x: Any, dropout_ratio: float = 0.5, *, train: bool | None = None) -> Variable:
    """Inverted dropout: in train mode y = x * mask / (1 - dropout_ratio), each mask element 1
    with probability 1 - dropout_ratio; in test mode y = x. ``train`` defaults to Config.train.

    >>> import numpy as np
    >>> from zerograd.nn.mode import test_mode
    >>> with test_mode():
    ...     dropout(np.ones(3))
    variable([1. 1. 1.])
    """
    x = floating_variable("dropout", "x", x)
    if not 0 <= dropout_ratio <= 1:
        raise ValueError(f"dropout: dropout_ratio must lie in [0, 1], got {dropout_ratio}")
    if not is_training(train) or dropout_ratio == 0:  # nothing to drop: no mask to draw
        return x
    return Dropout(float(dropout_ratio))(x)
