"""Activation functions: sigmoid, relu, leaky_relu, elu, gelu, silu, softplus, softmax, log_softmax.

Each forward works on arrays and each backward on Variables (masks and saved outputs enter as
constants), so every activation can be differentiated twice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Config, Function, Variable, kernels
from zerograd.core import functions as CF
from zerograd.core.checks import normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable


# --- sigmoid -----------------------------------------------------------------------------------
class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)), computed from e = exp(-|x|) as 1 / (1 + e) for x >= 0 and
    e / (1 + e) for x < 0: exp never overflows, and nothing cancels for negative x (where
    tanh(x / 2) / 2 + 1/2 would round sigmoid(-20) to 0 in float32)."""

    __slots__ = ()

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        e = xp.asarray(xp.abs(x))  # asarray: a 0-d x gives a NumPy scalar, which out= refuses
        xp.negative(e, out=e)
        xp.exp(e, out=e)
        # The numerator, 1 where x >= 0 and e elsewhere, is max(e, [x >= 0]) since e <= 1:
        # arithmetic, where a masked copy or where() runs many times slower.
        y = xp.maximum(e, (x >= 0).astype(x.dtype))
        e += 1
        y /= e
        return y

    def backward(self, gy: Variable) -> Variable:
        y = self.outputs[0]()
        return gy * (y * (1 - y))


def sigmoid(x: Any) -> Variable:
    """Logistic sigmoid: y = 1 / (1 + exp(-x)); dy/dx = y (1 - y). Any shape.

    >>> import numpy as np
    >>> sigmoid(np.array([0.0], dtype=np.float32))
    variable([0.5])
    """
    return Sigmoid()(floating_variable("sigmoid", "x", x))


# --- relu family -------------------------------------------------------------------------------
class ReLU(Function):
    """y = max(x, 0); the gradient passes where x > 0."""

    __slots__ = ()

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        # Against a row of zeros NumPy runs its vectorised loop; against the scalar 0 a strided
        # one that is twice as slow.
        return xp.maximum(x, xp.zeros(x.shape[-1:], dtype=x.dtype))

    def backward(self, gy: Variable) -> Variable:
        return gy * (self.inputs[0].data > 0)


def relu(x: Any) -> Variable:
    """Rectified linear unit: y = max(x, 0). Any shape.

    >>> import numpy as np
    >>> relu(np.array([-1.0, 2.0]))
    variable([0. 2.])
    """
    return ReLU()(floating_variable("relu", "x", x))


class LeakyReLU(Function):
    """y = x for x > 0, slope * x otherwise."""

    __slots__ = ("slope",)

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x: Any) -> Any:
        return get_array_module(x).where(x > 0, x, x * self.slope)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0].data
        factor = get_array_module(x).where(x > 0, 1, self.slope).astype(x.dtype)
        return gy * factor


def leaky_relu(x: Any, slope: float = 0.2) -> Variable:
    """Leaky ReLU (the book's default slope 0.2): y = x if x > 0 else slope * x.

    >>> import numpy as np
    >>> leaky_relu(np.array([-1.0, 2.0]))
    variable([-0.2  2. ])
    """
    return LeakyReLU(float(slope))(floating_variable("leaky_relu", "x", x))


class ELU(Function):
    """y = x for x > 0, alpha (exp(x) - 1) otherwise."""

    __slots__ = ("alpha",)

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        negative = xp.expm1(xp.minimum(x, 0))  # minimum: no overflow warning for large x
        negative *= self.alpha
        return xp.where(x > 0, x, negative)

    def backward(self, gy: Variable) -> Variable:
        x, y = self.inputs[0], self.outputs[0]()
        # For x <= 0, d/dx alpha (exp(x) - 1) = alpha exp(x) = y + alpha, a function of x again.
        return CF.where(x.data > 0, gy, gy * (y + self.alpha))


def elu(x: Any, alpha: float = 1.0) -> Variable:
    """Exponential linear unit: y = x if x > 0 else alpha (exp(x) - 1).

    >>> import numpy as np
    >>> elu(np.array([0.0, 1.0]))
    variable([0. 1.])
    """
    return ELU(float(alpha))(floating_variable("elu", "x", x))


# --- smooth activations ------------------------------------------------------------------------
def _erf(x: Any) -> Any:
    """The error function (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7), in x's
    dtype; NumPy has no erf of its own. Computed in place in two working arrays: the GELU of a
    Transformer's MLP runs it on millions of elements, where each temporary costs a pass."""
    if x.ndim == 0:  # arithmetic on 0-d arrays gives scalars, which cannot take out=
        return _erf(x.reshape(1)).reshape(())
    xp = get_array_module(x)
    a = xp.abs(x)
    t = a * 0.3275911
    t += 1
    xp.reciprocal(t, out=t)
    poly = t * 1.061405429
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += c
        poly *= t
    xp.square(a, out=a)
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    poly *= a
    xp.subtract(1, poly, out=poly)
    return xp.copysign(poly, x, out=poly)


# Abramowitz and Stegun 7.1.26 for Phi(x) = (1 + erf(x / sqrt 2)) / 2, with the 1 / sqrt 2 and
# the 1 / 2 folded into the constants: Phi(|x|) = 1 - t (a1 + t (a2 + ...)) exp(-x^2 / 2) / 2.
_CDF_P = 0.3275911 / math.sqrt(2)
_CDF_A = tuple(0.5 * a for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736,
                                 0.254829592))
_CDF_BLOCK = 32768  # elements per block of _normal_cdf_blocks: its working arrays stay in cache


def _normal_cdf_blocks(x: np.ndarray) -> np.ndarray:
    """Phi(x) on the CPU, block by block: the dozen passes of the formula run over a few
    cache-sized blocks instead of over the whole array in memory (a GPT's MLP has millions of
    elements)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    y = np.empty_like(flat)
    size = min(flat.size, _CDF_BLOCK)
    a, t = np.empty(size, flat.dtype), np.empty(size, flat.dtype)
    for start in range(0, flat.size, _CDF_BLOCK):
        xs, ys = flat[start:start + _CDF_BLOCK], y[start:start + _CDF_BLOCK]
        n = len(xs)
        ab, tb = a[:n], t[:n]
        np.abs(xs, out=ab)
        np.multiply(ab, _CDF_P, out=tb)
        tb += 1
        np.reciprocal(tb, out=tb)
        np.multiply(tb, _CDF_A[0], out=ys)
        for c in _CDF_A[1:]:
            ys += c
            ys *= tb
        np.square(xs, out=ab)
        ab *= -0.5
        np.exp(ab, out=ab)
        ys *= ab  # (1 - erf(|x| / sqrt 2)) / 2
        np.subtract(0.5, ys, out=ys)
        np.copysign(ys, xs, out=ys)
        ys += 0.5
    return y.reshape(x.shape)


def _gy_normal_pdf_blocks(x: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """gy * phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi), block by block as _normal_cdf_blocks."""
    flat, g = np.ascontiguousarray(x).reshape(-1), np.ascontiguousarray(gy).reshape(-1)
    y = np.empty_like(flat)
    for start in range(0, flat.size, _CDF_BLOCK):
        ys = y[start:start + _CDF_BLOCK]
        np.square(flat[start:start + _CDF_BLOCK], out=ys)
        ys *= -0.5
        np.exp(ys, out=ys)
        ys *= 1 / math.sqrt(2 * math.pi)
        ys *= g[start:start + _CDF_BLOCK]
    return y.reshape(x.shape)


class NormalCdf(Function):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal distribution function."""

    __slots__ = ()

    def forward(self, x: Any) -> Any:
        if type(x) is np.ndarray and x.ndim:
            return _normal_cdf_blocks(x)
        y = _erf(x * (1 / math.sqrt(2)))
        y += 1
        y *= 0.5
        return y

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        if Config.enable_backprop:  # create_graph: a backward that can be differentiated again
            return gy * (CF.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi)))
        if type(x.data) is np.ndarray and x.ndim and gy.shape == x.shape:
            return Variable(_gy_normal_pdf_blocks(x.data, gy.data), requires_grad=False)
        xp = get_array_module(x.data)
        # gy * phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi), in place (out=: a 0-d input's square
        # would otherwise be a NumPy scalar, which cannot be written into)
        g = xp.square(x.data, out=xp.empty_like(x.data))
        g *= -0.5
        xp.exp(g, out=g)
        g *= 1 / math.sqrt(2 * math.pi)
        g *= gy.data
        return Variable(g, requires_grad=False)


class GELU(Function):
    """gelu as one Function, run by the compiled kernels (zerograd.core.kernels.activation); gelu
    uses it only when they may run: its compositions below are the reference."""

    __slots__ = ("tanh",)

    def __init__(self, approximate: str) -> None:
        self.tanh = approximate == "tanh"

    def forward(self, x: Any) -> Any:
        from zerograd.core.kernels import activation as activation_kernels
        return activation_kernels.gelu_forward(x, self.tanh)

    def backward(self, gy: Variable) -> Variable:
        x = self.inputs[0]
        if Config.enable_backprop or not kernels.enabled(x.data, gy.data):
            return gy * _gelu_slope(x, self.tanh)  # differentiable again (create_graph)
        from zerograd.core.kernels import activation as activation_kernels
        return Variable(activation_kernels.gelu_backward(x.data, gy.data, self.tanh),
                        requires_grad=False)


def _gelu_slope(x: Variable, tanh: bool) -> Variable:
    """d gelu / dx as Functions: Phi(x) + x phi(x), or for the tanh form (with h = 1 + tanh(u))
    h / 2 + x (1 - tanh(u)^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2) / 2."""
    if not tanh:
        return NormalCdf()(x) + x * CF.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
    t = CF.tanh((x + x * x * x * 0.044715) * math.sqrt(2 / math.pi))
    return (t + 1) * 0.5 + x * (1 - t * t) * (x * x * (3 * 0.044715) + 1) * (0.5 * math.sqrt(2 / math.pi))


def gelu(x: Any, approximate: str = "none") -> Variable:
    """Gaussian error linear unit: y = x Phi(x) (PyTorch's default), or with approximate='tanh'
    y = x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2. Any shape.

    >>> import numpy as np
    >>> gelu(np.array([0.0, 10.0]))
    variable([ 0. 10.])
    """
    x = floating_variable("gelu", "x", x)
    if approximate in ("none", "tanh") and kernels.enabled(x.data):  # the reference is below
        return GELU(approximate)(x)
    if approximate == "none":
        return x * NormalCdf()(x)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * (CF.tanh(inner) + 1) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: Any) -> Variable:
    """Sigmoid linear unit (swish): y = x sigmoid(x). Any shape.

    >>> import numpy as np
    >>> silu(np.array([0.0]))
    variable([0.])
    """
    x = floating_variable("silu", "x", x)
    return x * Sigmoid()(x)


class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta, computed as max(bx, 0) + log1p(exp(-|bx|)) (stable)."""

    __slots__ = ("beta",)

    def __init__(self, beta: float) -> None:
        self.beta = beta

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        bx = x * self.beta
        y = xp.log1p(xp.exp(-xp.abs(bx)))
        y += xp.maximum(bx, 0)
        y *= 1 / self.beta
        return y

    def backward(self, gy: Variable) -> Variable:
        return gy * Sigmoid()(self.inputs[0] * self.beta)


def softplus(x: Any, beta: float = 1.0) -> Variable:
    """Softplus: y = log(1 + exp(beta x)) / beta, a smooth relu; dy/dx = sigmoid(beta x).

    >>> import numpy as np
    >>> softplus(np.array([0.0]))
    variable([0.69314718])
    """
    if beta <= 0:
        raise ValueError(f"softplus: beta must be positive, got {beta}")
    return Softplus(float(beta))(floating_variable("softplus", "x", x))


# --- softmax -----------------------------------------------------------------------------------
def softmax_array(x: Any, axis: int) -> Any:
    """softmax on an array, shifted by the maximum so that exp never overflows."""
    xp = get_array_module(x)
    if x.size == 0:
        return x.copy()
    y = x - x.max(axis=axis, keepdims=True)
    xp.exp(y, out=y)
    y /= y.sum(axis=axis, keepdims=True)
    return y


def log_softmax_array(x: Any, axis: int) -> Any:
    """log softmax on an array: x - max - log(sum(exp(x - max))), finite for any finite x."""
    xp = get_array_module(x)
    if x.size == 0:
        return x.copy()
    y = x - x.max(axis=axis, keepdims=True)
    y -= xp.log(xp.exp(y).sum(axis=axis, keepdims=True))
    return y


class Softmax(Function):
    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return softmax_array(x, self.axis)

    def backward(self, gy: Variable) -> Variable:
        return softmax_gradient(self.outputs[0](), gy, self.axis)


def softmax_gradient(y: Variable, gy: Variable, axis: int) -> Variable:
    """d softmax / dx applied to gy, from the softmax's output y: y gy - y sum(y gy)."""
    gx = y * gy
    return gx - y * CF.sum(gx, axis=axis, keepdims=True)


class LogSoftmax(Function):
    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return log_softmax_array(x, self.axis)

    def backward(self, gy: Variable) -> Variable:
        y = self.outputs[0]()
        return gy - CF.exp(y) * CF.sum(gy, axis=self.axis, keepdims=True)


def softmax(x: Any, axis: int = 1) -> Variable:
    """Softmax along ``axis`` (the book's default 1): y_i = exp(x_i) / sum_j exp(x_j).

    >>> import numpy as np
    >>> softmax(np.zeros((1, 2)))
    variable([[0.5 0.5]])
    """
    x = floating_variable("softmax", "x", x)
    return Softmax(normalize_axis("softmax", axis, x.ndim))(x)


def log_softmax(x: Any, axis: int = 1) -> Variable:
    """log(softmax(x)) along ``axis``, computed stably: x - logsumexp(x).

    >>> import numpy as np
    >>> log_softmax(np.zeros((1, 2)))
    variable([[-0.69314718 -0.69314718]])
    """
    x = floating_variable("log_softmax", "x", x)
    return LogSoftmax(normalize_axis("log_softmax", axis, x.ndim))(x)
