"""Dropout variants in PyTorch's meaning: channel dropout (dropout1d/2d/3d: whole channels are
zeroed) and alpha dropout (SELU networks: dropped elements take SELU's negative saturation value
and an affine map keeps the mean and variance), plain or per channel (feature_alpha_dropout).
All draw from the global generator, as the book's dropout does, and are the identity in test
mode."""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions.activation_smooth import SELU_ALPHA, SELU_SCALE
from zerograd.nn.mode import is_training


class AffineMask(Function):
    """y = x * a + b for arrays a and b drawn in the forward pass (b may be 0); gx = gy * a."""

    __slots__ = ("draw", "a")

    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def forward(self, x: Any) -> Any:
        self.a, b = self.draw(x)
        y = x * self.a
        return y + b if b is not None else y

    def backward(self, gy: Variable) -> Variable:
        return gy * self.a


def _check(op: str, ratio: float) -> None:
    if not 0 <= ratio <= 1:
        raise ValueError(f"{op}: dropout_ratio must lie in [0, 1], got {ratio}")


def _keep(x: Any, ratio: float, per_channel: bool) -> Any:
    """A boolean keep mask of x's shape, or (N, C, 1, ...) that broadcasts over x's positions."""
    xp = get_array_module(x)
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if per_channel else x.shape
    return xp.random.rand(*shape) >= ratio


def channel_dropout(x: Any, dropout_ratio: float = 0.5, *, train: bool | None = None,
                    batched: bool = True) -> Variable:
    """Zero whole channels: each (n, c) slice of x (N, C, ...) is kept with probability
    1 - dropout_ratio and scaled by 1 / (1 - dropout_ratio). With ``batched=False`` x is one
    sample (C, ...).

    >>> import numpy as np
    >>> channel_dropout(np.ones((1, 2, 3)), train=False).shape
    (1, 2, 3)
    """
    op = "channel_dropout"
    _check(op, dropout_ratio)
    x = floating_variable(op, "x", x)
    if x.ndim < (2 if batched else 1):
        raise ValueError(f"{op}: x must have a channel axis, got shape {x.shape}")
    if not is_training(train):
        return x
    scale = 0.0 if dropout_ratio >= 1 else 1 / (1 - dropout_ratio)

    def draw(a: Any) -> tuple[Any, None]:
        view = a if batched else a[None]
        mask = _keep(view, dropout_ratio, True).astype(a.dtype) * a.dtype.type(scale)
        return (mask if batched else mask[0]), None

    return AffineMask(draw)(x)


def alpha_dropout(x: Any, dropout_ratio: float = 0.5, *, train: bool | None = None,
                  per_channel: bool = False) -> Variable:
    """Alpha dropout: dropped elements become -SELU_SCALE * SELU_ALPHA, then y = a x' + b with
    a = (q + alpha'^2 q (1 - q))^(-1/2), b = -a alpha' (1 - q), q the keep probability, so that
    zero-mean unit-variance inputs keep those moments. ``per_channel``: whole channels drop
    (feature_alpha_dropout).

    >>> import numpy as np
    >>> alpha_dropout(np.ones(3), train=False)
    variable([1. 1. 1.])
    """
    op = "alpha_dropout"
    _check(op, dropout_ratio)
    x = floating_variable(op, "x", x)
    if not is_training(train) or dropout_ratio == 0:
        return x
    if dropout_ratio == 1:
        return x * 0.0
    q = 1 - dropout_ratio
    alpha = -SELU_SCALE * SELU_ALPHA
    a = (q + alpha * alpha * q * (1 - q)) ** -0.5
    b = -a * alpha * (1 - q)

    def draw(arr: Any) -> tuple[Any, Any]:
        keep = _keep(arr, dropout_ratio, per_channel)
        scale = keep.astype(arr.dtype) * arr.dtype.type(a)
        shift = (~keep).astype(arr.dtype) * arr.dtype.type(a * alpha) + arr.dtype.type(b)
        return scale, shift

    return AffineMask(draw)(x)
