"""The book's utilities: array-level sum_to, comparisons, size helpers for convolution, and
(re-exported from their own modules) gradient checks and computational-graph drawing."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.gradient_check import gradient_check, numerical_grad
from zerograd.core.graph import get_dot_graph, plot_dot_graph

__all__ = [
    "array_allclose", "array_equal", "get_conv_outsize", "get_deconv_outsize", "get_dot_graph",
    "gradient_check", "numerical_grad", "pair", "plot_dot_graph", "sum_to",
]


def sum_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Sum an array down to ``shape`` (the inverse of broadcasting).

    >>> sum_to(np.ones((2, 3)), (1, 3))
    array([[2., 2., 2.]])
    """
    lead = x.ndim - len(shape)
    lead_axes = tuple(range(lead))
    kept_axes = tuple(lead + i for i, n in enumerate(shape) if n == 1)
    y = x.sum(lead_axes + kept_axes, keepdims=True)
    return y.reshape(shape) if lead > 0 else y


def _as_host_array(x: Any) -> np.ndarray:
    return cuda.as_numpy(getattr(x, "data", x) if not isinstance(x, np.ndarray) else x)


def array_equal(a: Any, b: Any) -> bool:
    """True when two arrays or Variables (on any device) hold the same shape and values."""
    return bool(np.array_equal(_as_host_array(a), _as_host_array(b)))


def array_allclose(a: Any, b: Any, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """True when two arrays or Variables (on any device) are equal within tolerances."""
    return bool(np.allclose(_as_host_array(a), _as_host_array(b), rtol=rtol, atol=atol))


def pair(x: Any) -> tuple[int, int]:
    """An int becomes (x, x); a pair stays as it is.

    >>> pair(3), pair((1, 2))
    ((3, 3), (1, 2))
    """
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x), int(x)
    if isinstance(x, (tuple, list)) and len(x) == 2:
        return int(x[0]), int(x[1])
    raise ValueError(f"pair: expected an int or a pair of ints, got {x!r}")


def get_conv_outsize(input_size: int, kernel_size: int, stride: int, pad: int,
                     dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis:
    (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1.

    >>> get_conv_outsize(28, 3, 1, 1), get_conv_outsize(28, 3, 1, 1, dilation=2)
    (28, 26)
    """
    return (input_size + pad * 2 - dilation * (kernel_size - 1) - 1) // stride + 1


def get_deconv_outsize(size: int, k: int, s: int, p: int, dilation: int = 1) -> int:
    """The smallest output length of a transposed convolution along one axis:
    s * (size - 1) + dilation * (k - 1) + 1 - 2 * p.

    >>> get_deconv_outsize(14, 4, 2, 1), get_deconv_outsize(14, 4, 2, 1, dilation=2)
    (28, 31)
    """
    return s * (size - 1) + dilation * (k - 1) + 1 - 2 * p
