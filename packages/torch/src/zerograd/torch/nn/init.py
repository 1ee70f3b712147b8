"""``torch.nn.init``: PyTorch's initialisers, in place, over zerograd.nn.init's samplers.

Fans follow PyTorch's layout, weight (out, in, *kernel): fan_in = in * kernel size,
fan_out = out * kernel size (zerograd's native Linear stores W as (in, out) and has its own).
"""

from __future__ import annotations

import math
from typing import Any

from zerograd.nn import init as native

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: Any = None) -> float:
    """The recommended gain for ``nonlinearity`` (PyTorch's table)."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"nn.init: fan in and fan out need a tensor with at least 2 dimensions, "
                         f"got shape {tuple(shape)}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Any, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"nn.init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0) -> Any:
    return native.uniform(tensor, a, b)


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0) -> Any:
    return native.normal(tensor, mean, std)


def constant_(tensor: Any, val: float) -> Any:
    return native.constant(tensor, val)


def zeros_(tensor: Any) -> Any:
    return native.zeros(tensor)


def ones_(tensor: Any) -> Any:
    return native.ones(tensor)


def xavier_uniform_(tensor: Any, gain: float = 1.0) -> Any:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return native.uniform(tensor, -bound, bound)


def xavier_normal_(tensor: Any, gain: float = 1.0) -> Any:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return native.normal(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Any, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Any:
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return native.uniform(tensor, -bound, bound)


def kaiming_normal_(tensor: Any, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Any:
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return native.normal(tensor, 0.0, std)


def default_uniform_(tensor: Any, fan_in: int) -> Any:
    """PyTorch's default for Linear, Conv and recurrent layers: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return native.uniform(tensor, -bound, bound)
