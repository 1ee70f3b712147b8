"""Smooth activations in PyTorch's meaning, composed of zerograd's Functions (so every one can be
differentiated twice): selu, celu, mish, logsigmoid, softsign, tanhshrink, glu, softmin and
softplus with a threshold.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.core.checks import normalize_axis
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions.activation import ELU, Sigmoid, Softmax, Softplus

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Any) -> Variable:
    """Scaled ELU: SELU_SCALE * elu(x, SELU_ALPHA), the self-normalising activation.

    >>> import numpy as np
    >>> selu(np.array([0.0]))
    variable([0.])
    """
    return ELU(SELU_ALPHA)(floating_variable("selu", "x", x)) * SELU_SCALE


def celu(x: Any, alpha: float = 1.0) -> Variable:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)), i.e. alpha * elu(x / alpha).

    >>> import numpy as np
    >>> celu(np.array([1.0]))
    variable([1.])
    """
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    x = floating_variable("celu", "x", x)
    return ELU(1.0)(x * (1.0 / alpha)) * float(alpha)


def softplus_threshold(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Variable:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's softplus).

    >>> import numpy as np
    >>> softplus_threshold(np.array([0.0, 30.0]))
    variable([ 0.69314718 30.        ])
    """
    if beta <= 0:
        raise ValueError(f"softplus: beta must be positive, got {beta}")
    x = floating_variable("softplus", "x", x)
    return CF.where(x.data * beta > threshold, x, Softplus(float(beta))(x))


def mish(x: Any) -> Variable:
    """x tanh(softplus(x)).

    >>> import numpy as np
    >>> mish(np.array([0.0]))
    variable([0.])
    """
    x = floating_variable("mish", "x", x)
    return x * CF.tanh(softplus_threshold(x))


def logsigmoid(x: Any) -> Variable:
    """log(sigmoid(x)) = -softplus(-x), finite for any x.

    >>> import numpy as np
    >>> logsigmoid(np.array([0.0]))
    variable([-0.69314718])
    """
    x = floating_variable("logsigmoid", "x", x)
    return -Softplus(1.0)(-x)


def softsign(x: Any) -> Variable:
    """x / (1 + |x|).

    >>> import numpy as np
    >>> softsign(np.array([1.0]))
    variable([0.5])
    """
    x = floating_variable("softsign", "x", x)
    return x / (CF.abs(x) + 1.0)


def tanhshrink(x: Any) -> Variable:
    """x - tanh(x).

    >>> import numpy as np
    >>> tanhshrink(np.array([0.0]))
    variable([0.])
    """
    x = floating_variable("tanhshrink", "x", x)
    return x - CF.tanh(x)


def glu(x: Any, axis: int = -1) -> Variable:
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of x along ``axis``.

    >>> import numpy as np
    >>> glu(np.array([[1.0, 0.0]]))
    variable([[0.5]])
    """
    x = floating_variable("glu", "x", x)
    if x.ndim == 0:
        raise ValueError("glu: x must have at least one axis, got a 0-d array")
    axis = normalize_axis("glu", axis, x.ndim)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} of x (shape {x.shape}) must have an even length, "
                         f"got {x.shape[axis]}")
    a, b = CF.split(x, 2, axis=axis)
    return a * Sigmoid()(b)


def softmin(x: Any, axis: int = 1) -> Variable:
    """softmax(-x) along ``axis``.

    >>> import numpy as np
    >>> softmin(np.zeros((1, 2)))
    variable([[0.5 0.5]])
    """
    x = floating_variable("softmin", "x", x)
    return Softmax(normalize_axis("softmin", axis, x.ndim))(-x)
