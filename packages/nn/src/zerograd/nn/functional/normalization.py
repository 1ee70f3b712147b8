"""Batch and layer normalisation, each one fused Function with a hand-written backward.

Backward has two forms with the same formula (see _grad.py). An ordinary backward works on arrays
with the statistics that forward saved (no recomputation). When the backward pass is itself
recorded (``backward(create_graph=True)``) it is written with Variables instead, recomputing the
statistics from x, so that gradients of gradients are right.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functional._checks import floating_variable
from zerograd.nn.functional._grad import constant, recording
from zerograd.nn.mode import is_training


def _normalized(x: Variable, axes: tuple[int, ...], eps: float) -> tuple[Variable, Variable]:
    """(x - mean) / sqrt(var + eps) over ``axes`` and 1 / sqrt(var + eps), as Variables of x."""
    centered = x - CF.mean(x, axis=axes, keepdims=True)
    inv_std = (CF.mean(centered * centered, axis=axes, keepdims=True) + eps) ** -0.5
    return centered * inv_std, inv_std


def _standardize(x: Any, axes: tuple[int, ...], eps: float) -> tuple[Any, Any, Any, Any]:
    """On arrays: (xhat, inv_std, mean, var) over ``axes`` (keepdims)."""
    xp = get_array_module(x)
    mean = x.mean(axis=axes, keepdims=True)
    xhat = x - mean
    var = (xhat * xhat).mean(axis=axes, keepdims=True)
    inv_std = 1 / xp.sqrt(var + eps)
    xhat *= inv_std
    return xhat, inv_std, mean, var


# --- batch normalisation -----------------------------------------------------------------------
class BatchNorm(Function):
    """y = gamma (x - mean) / sqrt(var + eps) + beta per channel (axis 1) of x (N, C) or
    (N, C, H, W).

    Train mode uses the batch's statistics and updates the running ones in place:
    running = decay * running + (1 - decay) * batch, the variance unbiased (m / (m - 1)).
    Test mode uses the running statistics.
    """

    __slots__ = ("running_mean", "running_var", "decay", "eps", "train", "axes", "xhat",
                 "inv_std", "mean")

    def __init__(self, running_mean: Any, running_var: Any, decay: float, eps: float,
                 train: bool) -> None:
        self.running_mean, self.running_var = running_mean, running_var
        self.decay, self.eps, self.train = decay, eps, train

    def forward(self, x: Any, gamma: Any, beta: Any) -> Any:
        xp = get_array_module(x)
        self.axes = (0,) if x.ndim == 2 else (0, 2, 3)
        channel_shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
        if self.train:
            xhat, inv_std, mean, var = _standardize(x, self.axes, self.eps)
            m = x.size // x.shape[1]
            unbiased = m / max(m - 1, 1)
            self.running_mean *= self.decay
            self.running_mean += (1 - self.decay) * mean.reshape(-1)
            self.running_var *= self.decay
            self.running_var += ((1 - self.decay) * unbiased) * var.reshape(-1)
        else:
            # Copies of the statistics used: later train steps update the running arrays in place.
            self.mean = self.running_mean.reshape(channel_shape).copy()
            inv_std = (1 / xp.sqrt(self.running_var + self.eps)).reshape(channel_shape)
            xhat = (x - self.mean) * inv_std
        self.xhat, self.inv_std = xhat, inv_std
        y = xhat * gamma.reshape(channel_shape)
        y += beta.reshape(channel_shape)
        return y

    def backward(self, gy: Variable) -> tuple[Any, Any, Any]:
        if recording():
            return self._backward_recorded(gy)
        gy = gy.data
        gamma = self.inputs[1].data.reshape(self.inv_std.shape)
        gbeta = gy.sum(axis=self.axes)
        ggamma = (gy * self.xhat).sum(axis=self.axes)
        if self.train:
            m = gy.size // gy.shape[1]
            gx = gy - (gbeta * (1 / m)).reshape(self.inv_std.shape)
            gx -= self.xhat * (ggamma * (1 / m)).reshape(self.inv_std.shape)
            gx *= gamma * self.inv_std
        else:
            gx = gy * (gamma * self.inv_std)
        return constant(gx), constant(ggamma), constant(gbeta)

    def _backward_recorded(self, gy: Variable) -> tuple[Any, Any, Any]:
        x, gamma = self.inputs[0], self.inputs[1]
        shape = self.inv_std.shape
        if self.train:
            xhat, inv_std = _normalized(x, self.axes, self.eps)
        else:
            xhat = (x - self.mean) * self.inv_std
            inv_std = self.inv_std
        gbeta = CF.sum(gy, axis=self.axes)
        ggamma = CF.sum(gy * xhat, axis=self.axes)
        scale = CF.reshape(gamma, shape) * inv_std
        if not self.train:
            return gy * scale, ggamma, gbeta
        m = gy.size // gy.shape[1]
        centered_gy = gy - CF.reshape(gbeta, shape) * (1 / m) - xhat * CF.reshape(ggamma, shape) * (1 / m)
        return centered_gy * scale, ggamma, gbeta


def _running_array(op: str, name: str, value: Any, channels: int, x: Variable) -> Any:
    value = value.data if isinstance(value, Variable) else value
    if not hasattr(value, "shape") or value.shape != (channels,):
        raise ValueError(f"{op}: {name} must be an array of shape ({channels},) for x of shape "
                         f"{x.shape}, got {getattr(value, 'shape', type(value).__name__)}")
    if value.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating array (updated in place), got {value.dtype}")
    return value


def batch_norm(x: Any, gamma: Any, beta: Any, mean: Any, var: Any, decay: float = 0.9,
               eps: float = 2e-5, *, train: bool | None = None) -> Variable:
    """Batch normalisation over the batch (and spatial) axes, per channel (axis 1).

    y = gamma (x - mu) / sqrt(sigma^2 + eps) + beta. x: (N, C) or (N, C, H, W); gamma, beta: (C,);
    mean, var: the running statistics (C,), arrays updated in place in train mode (decay as in the
    book: running = decay * running + (1 - decay) * batch). ``train`` defaults to Config.train.

    >>> import numpy as np
    >>> x = np.array([[1.0], [3.0]])
    >>> mean, var = np.zeros(1), np.ones(1)
    >>> batch_norm(x, np.ones(1), np.zeros(1), mean, var).data.round(3)
    array([[-1.],
           [ 1.]])
    >>> mean, var
    (array([0.2]), array([1.1]))
    """
    x = floating_variable("batch_norm", "x", x)
    if x.ndim not in (2, 4):
        raise ValueError(f"batch_norm: x must have shape (N, C) or (N, C, H, W), got {x.shape}")
    channels = x.shape[1]
    gamma, beta = as_variable(gamma), as_variable(beta)
    for name, param in (("gamma", gamma), ("beta", beta)):
        if param.data is None or param.shape != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for x of shape "
                             f"{x.shape}, got {None if param.data is None else param.shape}")
    mean = _running_array("batch_norm", "mean", mean, channels, x)
    var = _running_array("batch_norm", "var", var, channels, x)
    if not 0 <= decay <= 1:
        raise ValueError(f"batch_norm: decay must lie in [0, 1], got {decay}")
    return BatchNorm(mean, var, float(decay), float(eps), is_training(train))(x, gamma, beta)


# --- layer normalisation -----------------------------------------------------------------------
class LayerNorm(Function):
    """y = gamma (x - mean) / sqrt(var + eps) + beta, the statistics taken over the trailing axes
    that gamma covers, separately for each leading index (each sample, each time step)."""

    __slots__ = ("axes", "eps", "xhat", "inv_std")

    def __init__(self, axes: tuple[int, ...], eps: float) -> None:
        self.axes, self.eps = axes, eps

    def forward(self, x: Any, gamma: Any, beta: Any) -> Any:
        xhat, inv_std, _, _ = _standardize(x, self.axes, self.eps)
        self.xhat, self.inv_std = xhat, inv_std
        y = xhat * gamma
        y += beta
        return y

    def _leading(self, ndim: int) -> tuple[int, ...]:
        return tuple(range(ndim - len(self.axes)))

    def backward(self, gy: Variable) -> tuple[Any, Any, Any]:
        if recording():
            return self._backward_recorded(gy)
        gy = gy.data
        gamma = self.inputs[1].data
        leading = self._leading(gy.ndim)
        gbeta = gy.sum(axis=leading)
        ggamma = (gy * self.xhat).sum(axis=leading)
        g = gy * gamma
        gx = g - g.mean(axis=self.axes, keepdims=True)
        g *= self.xhat
        gx -= self.xhat * g.mean(axis=self.axes, keepdims=True)
        gx *= self.inv_std
        return constant(gx), constant(ggamma), constant(gbeta)

    def _backward_recorded(self, gy: Variable) -> tuple[Any, Any, Any]:
        x, gamma = self.inputs[0], self.inputs[1]
        xhat, inv_std = _normalized(x, self.axes, self.eps)
        leading = self._leading(gy.ndim)
        g = gy * gamma
        gx = (g - CF.mean(g, axis=self.axes, keepdims=True)
              - xhat * CF.mean(g * xhat, axis=self.axes, keepdims=True)) * inv_std
        return gx, CF.sum(gy * xhat, axis=leading), CF.sum(gy, axis=leading)


def layer_norm(x: Any, gamma: Any, beta: Any, eps: float = 1e-5) -> Variable:
    """Layer normalisation over the trailing axes of x that gamma and beta cover.

    y = gamma (x - mu) / sqrt(sigma^2 + eps) + beta with mu, sigma^2 per leading index.
    x: (..., *S); gamma, beta: S (usually (D,) for x (N, D) or (N, T, D)).

    >>> import numpy as np
    >>> layer_norm(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2)).data.round(3)
    array([[-1.,  1.]])
    """
    x = floating_variable("layer_norm", "x", x)
    gamma, beta = as_variable(gamma), as_variable(beta)
    for name, param in (("gamma", gamma), ("beta", beta)):
        if param.data is None or param.ndim == 0 or param.ndim > x.ndim \
                or x.shape[x.ndim - param.ndim:] != param.shape:
            raise ValueError(f"layer_norm: {name} of shape "
                             f"{None if param.data is None else param.shape} does not match the "
                             f"trailing axes of x of shape {x.shape}")
    if gamma.shape != beta.shape:
        raise ValueError(f"layer_norm: gamma {gamma.shape} and beta {beta.shape} differ")
    axes = tuple(range(x.ndim - gamma.ndim, x.ndim))
    return LayerNorm(axes, float(eps))(x, gamma, beta)
