"""Normalisations over groups of channels, single channels, the root mean square, and
neighbouring channels: group_norm, instance_norm, rms_norm and local_response_norm, as in
PyTorch. Each is a composition of core functions (mean, var, sqrt, reshape...), so gradients
of any order come from theirs.

>>> import numpy as np
>>> x = np.arange(8.0).reshape(1, 4, 2)
>>> group_norm(x, 2).data.round(3)[0, 0]
array([-1.342, -0.447])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import as_variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.variable import Variable
from zerograd.nn.functions._checks import floating_variable

__all__ = ["group_norm", "instance_norm", "local_response_norm", "rms_norm"]


def _floating(func: str, x: Any, min_ndim: int) -> Variable:
    x = floating_variable(func, "x", x)
    if x.ndim < min_ndim:
        raise ValueError(f"{func}: x must have at least {min_ndim} axes (N, C, ...), got shape "
                         f"{x.shape}")
    return x


def _per_channel(func: str, name: str, value: Any, x: Variable) -> Variable | None:
    """``value`` (C,) shaped to broadcast over x's channel axis 1, or None."""
    if value is None:
        return None
    value = as_variable(value)
    if value.shape != (x.shape[1],):
        raise ValueError(f"{func}: {name} must have shape ({x.shape[1]},) for x of shape "
                         f"{x.shape}, got {value.shape}")
    return CF.reshape(value, (1, -1) + (1,) * (x.ndim - 2))


def _affine(func: str, y: Variable, x: Variable, weight: Any, bias: Any) -> Variable:
    weight = _per_channel(func, "weight", weight, x)
    bias = _per_channel(func, "bias", bias, x)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _normalised(x: Variable, axes: tuple[int, ...], eps: float) -> Variable:
    """(x - mean) / sqrt(var + eps) over ``axes`` (biased variance, as PyTorch)."""
    mean = CF.mean(x, axes, keepdims=True)
    return (x - mean) / CF.sqrt(CF.var(x, axes, keepdims=True) + eps)


def group_norm(x: Any, num_groups: int, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Variable:
    """Normalise x (N, C, *) over each group of C / num_groups channels (and all their
    positions), then scale by ``weight`` and shift by ``bias`` (both (C,), optional)."""
    x = _floating("group_norm", x, 2)
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"group_norm: num_groups ({num_groups}) must divide the {c} channels "
                         f"of x of shape {x.shape}")
    grouped = CF.reshape(x, (n, num_groups, -1))
    y = CF.reshape(_normalised(grouped, (2,), eps), x.shape)
    return _affine("group_norm", y, x, weight, bias)


def instance_norm(x: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,
                  bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Variable:
    """Normalise each channel of each sample of x (N, C, *) over its positions.

    With ``use_input_stats`` the sample's own statistics are used and, where running_mean and
    running_var (arrays (C,)) are given, they are updated in place with ``momentum`` (the
    variance unbiased, averaged over the batch); without, the running statistics normalise."""
    x = _floating("instance_norm", x, 3)
    axes = tuple(range(2, x.ndim))
    if use_input_stats:
        if running_mean is not None and running_var is not None:
            data = x.data
            count = data[0, 0].size
            mean = data.mean(axis=axes).mean(axis=0)
            unbiased = data.var(axis=axes, ddof=1 if count > 1 else 0).mean(axis=0)
            running_mean *= 1 - momentum
            running_mean += momentum * mean.astype(running_mean.dtype)
            running_var *= 1 - momentum
            running_var += momentum * unbiased.astype(running_var.dtype)
        y = _normalised(x, axes, eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and "
                             "running_var")
        mean = _per_channel("instance_norm", "running_mean", running_mean, x)
        var = _per_channel("instance_norm", "running_var", running_var, x)
        y = (x - mean) / CF.sqrt(var + eps)
    return _affine("instance_norm", y, x, weight, bias)


def rms_norm(x: Any, normalized_shape: tuple[int, ...], weight: Any = None,
             eps: float | None = None) -> Variable:
    """x / sqrt(mean(x^2 over the trailing ``normalized_shape`` axes) + eps) * weight;
    eps None is the machine epsilon of x's dtype."""
    x = as_variable(x)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if x.data is None or x.ndim < k or tuple(x.shape[x.ndim - k:]) != normalized_shape:
        raise ValueError(f"rms_norm: normalized_shape {normalized_shape} does not match the "
                         f"trailing axes of x of shape {None if x.data is None else x.shape}")
    eps = float(np.finfo(x.dtype).eps) if eps is None else float(eps)
    axes = tuple(range(x.ndim - k, x.ndim))
    y = x / CF.sqrt(CF.mean(x * x, axes, keepdims=True) + eps)
    if weight is not None:
        weight = as_variable(weight)
        if weight.shape != normalized_shape:
            raise ValueError(f"rms_norm: weight must have shape {normalized_shape}, got "
                             f"{weight.shape}")
        y = y * weight
    return y


def local_response_norm(x: Any, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Variable:
    """x / (k + alpha * mean of x^2 over a window of ``size`` neighbouring channels)^beta, the
    window zero-padded by size // 2 channels before and (size - 1) // 2 after (PyTorch's)."""
    x = _floating("local_response_norm", x, 3)
    if size <= 0:
        raise ValueError(f"local_response_norm: size must be positive, got {size}")
    channels = x.shape[1]
    squares = x * x
    before, after = size // 2, (size - 1) // 2
    xp = get_array_module(x.data)
    zeros = [xp.zeros((x.shape[0], m) + x.shape[2:], dtype=x.dtype) for m in (before, after)]
    padded = CF.concat([z for z in zeros[:1] if z.shape[1]] + [squares]
                       + [z for z in zeros[1:] if z.shape[1]], axis=1)
    window = CF.get_item(padded, (slice(None), slice(0, channels)))
    for i in range(1, size):  # a loop over the window's channels, each a whole-array slice
        window = window + CF.get_item(padded, (slice(None), slice(i, i + channels)))
    scale = (window * (alpha / size) + k) ** beta
    return x / scale
