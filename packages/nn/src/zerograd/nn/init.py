"""Parameter initialisers, filling a Parameter's array in place (keeping its dtype and device);
use them on a whole model through Layer.apply.

Random ones draw from NumPy's global generator (CuPy's for GPU arrays), so np.random.seed makes
them repeatable. Fans follow zerograd's layouts: a matrix W (in, out) as in Linear has
fan_in = in and fan_out = out; a convolution kernel (OC, C, KH, KW) has fan_in = C*KH*KW and
fan_out = OC*KH*KW.

>>> import numpy as np
>>> from zerograd.nn import init
>>> from zerograd.nn.layers import Linear
>>> def he_init(layer):
...     if isinstance(layer, Linear):
...         init.he_normal(layer.W)
...         init.zeros(layer.b)
>>> model = Linear(3, in_size=4).apply(he_init)
>>> model.W.dtype, model.b
(dtype('float32'), variable([0. 0. 0.]))
"""

from __future__ import annotations

import math
from typing import Any

from zerograd.core import Variable
from zerograd.core.cuda import get_array_module

__all__ = [
    "calculate_fans", "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "kaiming_normal", "kaiming_uniform", "normal", "ones", "uniform", "xavier_normal",
    "xavier_uniform", "zeros",
]


def _array(op: str, param: Any) -> Any:
    array = param.data if isinstance(param, Variable) else param
    if array is None:
        raise ValueError(f"{op}: the parameter is not sized yet (a lazy layer): give the layer "
                         "its input size, or call the model once before initialising")
    if not hasattr(array, "dtype") or array.dtype.kind != "f":
        raise TypeError(f"{op}: expected a Parameter or a floating array, got "
                        f"{getattr(array, 'dtype', type(array).__name__)}")
    return array


def _fill(op: str, param: Any, sample: Any) -> Any:
    """Write ``sample(xp, shape)`` into param's array in place; return param."""
    array = _array(op, param)
    array[...] = sample(get_array_module(array), array.shape)
    return param


def calculate_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``.

    >>> calculate_fans((784, 100)), calculate_fans((16, 3, 5, 5))
    ((784, 100), (75, 400))
    """
    if len(shape) == 0:
        raise ValueError("calculate_fans: a scalar has no fans")
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(op: str, shape: tuple[int, ...], mode: str) -> int:
    fan_in, fan_out = calculate_fans(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")


# --- constants ---------------------------------------------------------------------------------
def constant(param: Any, value: float) -> Any:
    """Fill with ``value``; returns param.

    >>> import numpy as np
    >>> constant(np.zeros(2, dtype=np.float32), 0.5)
    array([0.5, 0.5], dtype=float32)
    """
    return _fill("constant", param, lambda xp, shape: value)


def zeros(param: Any) -> Any:
    """Fill with 0."""
    return constant(param, 0.0)


def ones(param: Any) -> Any:
    """Fill with 1."""
    return constant(param, 1.0)


# --- plain distributions -----------------------------------------------------------------------
def normal(param: Any, mean: float = 0.0, std: float = 1.0) -> Any:
    """Fill with samples of N(mean, std^2).

    >>> import numpy as np
    >>> normal(np.zeros((2, 3), dtype=np.float32), std=0.0)
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    if std < 0:
        raise ValueError(f"normal: std must be non-negative, got {std}")
    return _fill("normal", param, lambda xp, shape: xp.random.randn(*shape) * std + mean)


def uniform(param: Any, low: float = 0.0, high: float = 1.0) -> Any:
    """Fill with samples of U(low, high).

    >>> import numpy as np
    >>> w = uniform(np.zeros(1000), -1.0, 1.0)
    >>> bool(w.min() >= -1.0 and w.max() < 1.0)
    True
    """
    if low > high:
        raise ValueError(f"uniform: low {low} is greater than high {high}")
    return _fill("uniform", param, lambda xp, shape: xp.random.uniform(low, high, shape))


# --- scaled by the fans ------------------------------------------------------------------------
def xavier_uniform(param: Any, gain: float = 1.0) -> Any:
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    >>> import numpy as np
    >>> w = xavier_uniform(np.zeros((30, 70)))
    >>> bool(np.abs(w).max() <= np.sqrt(6 / 100))
    True
    """
    fan_in, fan_out = calculate_fans(_array("xavier_uniform", param).shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(param, -bound, bound)


def xavier_normal(param: Any, gain: float = 1.0) -> Any:
    """Glorot/Xavier normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fans(_array("xavier_normal", param).shape)
    return normal(param, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def he_uniform(param: Any, mode: str = "fan_in", gain: float = math.sqrt(2.0)) -> Any:
    """He/Kaiming uniform for ReLU networks: U(-a, a) with a = gain * sqrt(3 / fan)."""
    fan = _fan("he_uniform", _array("he_uniform", param).shape, mode)
    bound = gain * math.sqrt(3.0 / fan)
    return uniform(param, -bound, bound)


def he_normal(param: Any, mode: str = "fan_in", gain: float = math.sqrt(2.0)) -> Any:
    """He/Kaiming normal for ReLU networks: N(0, std^2) with std = gain / sqrt(fan).

    >>> import numpy as np
    >>> np.random.seed(0)
    >>> w = he_normal(np.zeros((200, 100), dtype=np.float32))
    >>> round(float(w.std() / np.sqrt(2 / 200)), 1)
    1.0
    """
    fan = _fan("he_normal", _array("he_normal", param).shape, mode)
    return normal(param, 0.0, gain / math.sqrt(fan))


glorot_uniform = xavier_uniform
glorot_normal = xavier_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal
