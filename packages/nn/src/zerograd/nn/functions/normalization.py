"""Batch and layer normalisation, each one fused Function; both share one gradient Function.

Both standardise x over some axes (xhat = (x - mean) / sqrt(var + eps)) and apply gamma and beta.
Their backward is one NormalizationGrad, whose forward computes (gx, ggamma, gbeta) on arrays from
the statistics that forward saved, and whose backward is written with Functions (recomputing the
statistics from x), so that gradients of gradients are right.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Function, Variable, as_variable, kernels
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions._grad import needed_gradients, spread
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


class NormalizationGrad(Function):
    """The gradients (gx, ggamma, gbeta) of y = gamma xhat + beta from (x, gamma, gy), the
    ``needed`` ones only; xhat standardises x over ``axes``, gamma (seen through the shape
    ``gamma_view``) is shared over ``param_axes``:

        gbeta = sum gy, ggamma = sum gy xhat (over param_axes),
        gx = inv_std P(gamma gy) with P(v) = v - mean(v) - xhat mean(v xhat) (over axes).

    P is symmetric, which gives the second derivatives in ``backward``.
    """

    __slots__ = ("axes", "param_axes", "gamma_view", "eps", "xhat", "inv_std", "needed")

    def __init__(self, axes: tuple[int, ...], param_axes: tuple[int, ...],
                 gamma_view: tuple[int, ...], eps: float, xhat: Any, inv_std: Any,
                 needed: tuple[bool, bool, bool]) -> None:
        self.axes, self.param_axes, self.gamma_view, self.eps = axes, param_axes, gamma_view, eps
        self.xhat, self.inv_std, self.needed = xhat, inv_std, needed

    def forward(self, x: Any, gamma: Any, gy: Any) -> tuple[Any, ...]:
        if kernels.enabled(gy, gamma, self.xhat, self.inv_std) and gy.size \
                and (self.axes != self.param_axes or _planes(gy.shape)):  # NumPy reference below
            from zerograd.core.kernels import normalization as kernel
            backward = (kernel.batch_norm_backward if self.axes == self.param_axes
                        else kernel.layer_norm_backward)
            grads = backward(gy, self.xhat, self.inv_std, gamma)
            return tuple(grad for need, grad in zip(self.needed, grads) if need)
        xhat, gamma = self.xhat, gamma.reshape(self.gamma_view)
        gbeta = gy.sum(axis=self.param_axes)
        ggamma = (gy * xhat).sum(axis=self.param_axes)
        if self.axes == self.param_axes:  # batch norm: gamma is constant where P averages
            m = gy.size // gbeta.size
            gx = gy - (gbeta * (1 / m)).reshape(self.gamma_view)
            gx -= xhat * (ggamma * (1 / m)).reshape(self.gamma_view)
            gx *= gamma * self.inv_std
        else:
            g = gy * gamma
            gx = g - g.mean(axis=self.axes, keepdims=True)
            g *= xhat
            gx -= xhat * g.mean(axis=self.axes, keepdims=True)
            gx *= self.inv_std
        return tuple(grad for need, grad in zip(self.needed, (gx, ggamma, gbeta)) if need)

    def backward(self, *grads: Variable | None) -> tuple[Any, Any, Any]:
        x, gamma, gy = self.inputs
        a, b_gamma, b_beta = spread(self.needed, grads)  # received for gx, ggamma, gbeta
        view = self.gamma_view
        xhat, inv_std = _normalized(x, self.axes, self.eps)
        gamma = CF.reshape(gamma, view)
        b_gamma = None if b_gamma is None else CF.reshape(b_gamma, view)
        b_beta = None if b_beta is None else CF.broadcast_to(CF.reshape(b_beta, view), gy.shape)

        def mean(v: Variable) -> Variable:
            return CF.mean(v, axis=self.axes, keepdims=True)

        def project(v: Variable) -> Variable:
            return v - mean(v) - xhat * mean(v * xhat)

        scaled_pa = None if a is None else inv_std * project(a)
        g_gy = _total([b_beta,
                       None if b_gamma is None else b_gamma * xhat,
                       None if a is None else gamma * scaled_pa])
        g_gamma = None if a is None else CF.sum(gy * scaled_pa, axis=self.param_axes)
        # x enters through xhat (d xhat/dx applied to v is inv_std P(v)) and through inv_std
        # (d inv_std/dx = -inv_std^2 xhat / m).
        g = gamma * gy
        g_xhat = _total([None if b_gamma is None else b_gamma * gy,
                         None if a is None else -inv_std * (a * mean(g * xhat) + g * mean(a * xhat))])
        g_x = None if g_xhat is None else inv_std * project(g_xhat)
        if a is not None:
            g_x = g_x - inv_std * inv_std * xhat * mean(a * project(g))
        return g_x, g_gamma, g_gy


def _total(terms: list[Variable | None]) -> Variable | None:
    """The sum of the terms that are not None (None if all are)."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


def normalization_gradients(func: Function, gy: Variable, axes: tuple[int, ...],
                            param_axes: tuple[int, ...], gamma_view: tuple[int, ...],
                            eps: float) -> tuple[Any, Any, Any]:
    """The gradients of a normalisation Function ``func`` of (x, gamma, beta) that saved
    ``xhat`` and ``inv_std`` (see NormalizationGrad)."""
    x, gamma, beta = func.inputs
    needed = (x.requires_grad, gamma.requires_grad, beta.requires_grad)
    grad = NormalizationGrad(axes, param_axes, gamma_view, eps, func.xhat, func.inv_std, needed)
    return needed_gradients(grad, needed, x, gamma, gy)


# --- batch normalisation -----------------------------------------------------------------------
class BatchNorm(Function):
    """y = gamma (x - mean) / sqrt(var + eps) + beta per channel (axis 1) of x (N, C) or
    (N, C, H, W).

    Train mode uses the batch's statistics and updates the running ones in place:
    running = decay * running + (1 - decay) * batch, the variance unbiased as in DeZero (m / (m - 1)
    over the m values per channel, and m / 1 = 1 for a batch of one, whose variance is 0: its
    output is beta and the running variance only decays). Test mode uses the running statistics.
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
        running = () if self.train else (self.running_mean, self.running_var)
        if kernels.enabled(x, gamma, beta, *running) and _planes(x.shape):  # NumPy reference below
            return self._kernel_forward(x, gamma, beta, channel_shape)
        if self.train:
            xhat, inv_std, mean, var = _standardize(x, self.axes, self.eps)
            self._update_running(mean, var, x.size // x.shape[1])
        else:
            # Copies of the statistics used: later train steps update the running arrays in place.
            self.mean = self.running_mean.reshape(channel_shape).copy()
            inv_std = (1 / xp.sqrt(self.running_var + self.eps)).reshape(channel_shape)
            xhat = (x - self.mean) * inv_std
        # Test mode's backward recomputes xhat from x (it is affine there): keep it in train mode only.
        self.xhat, self.inv_std = (xhat if self.train else None), inv_std
        y = xhat * gamma.reshape(channel_shape)
        y += beta.reshape(channel_shape)
        return y

    def _update_running(self, mean: Any, var: Any, m: int) -> None:
        unbiased = _unbiased_factor(m)
        self.running_mean *= self.decay
        self.running_mean += (1 - self.decay) * mean.reshape(-1)
        self.running_var *= self.decay
        self.running_var += ((1 - self.decay) * unbiased) * var.reshape(-1)

    def _kernel_forward(self, x: Any, gamma: Any, beta: Any, channel_shape: tuple[int, ...]) -> Any:
        """The forward above on the compiled kernels (x (N, C, H, W), NumPy arrays)."""
        from zerograd.core.kernels import normalization as kernel
        if self.train:
            mean, var = kernel.batch_statistics(x)
            self._update_running(mean, var, x.size // x.shape[1])
        else:
            mean, var = self.running_mean, self.running_var
            self.mean = mean.reshape(channel_shape).copy()
        inv_std = (1 / np.sqrt(var + self.eps)).reshape(channel_shape)
        xhat, y = kernel.batch_affine(x, mean, inv_std, gamma, beta, keep=self.train)
        self.xhat, self.inv_std = xhat, inv_std
        return y

    def backward(self, gy: Variable) -> tuple[Any, Any, Any]:
        if self.train:
            return normalization_gradients(self, gy, self.axes, self.axes, self.inv_std.shape,
                                           self.eps)
        # Test mode is affine in x, gamma and beta (the running statistics are constants).
        x, gamma, beta = self.inputs
        gx = gy * (CF.reshape(gamma, self.inv_std.shape) * self.inv_std) if x.requires_grad else None
        ggamma = None
        if gamma.requires_grad:
            ggamma = CF.sum(gy * ((x - self.mean) * self.inv_std), axis=self.axes)
        gbeta = CF.sum(gy, axis=self.axes) if beta.requires_grad else None
        return gx, ggamma, gbeta


def _planes(shape: tuple[int, ...]) -> bool:
    """Whether the batch norm kernels take x of this shape: (N, C, H, W) with H * W > 1 (they
    work plane by plane; on (N, C) or planes of one value NumPy's column sums measured faster)."""
    return len(shape) == 4 and shape[2] * shape[3] > 1


def _unbiased_factor(m: int) -> float:
    """DeZero's correction of the batch variance over m values: m / (m - 1), and 1 for m = 1
    (DeZero divides by m - 1 only when m - 1 > 1, else by 1; m = 2 gives 2 either way)."""
    return m / (m - 1 if m - 1 > 1 else 1)


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
    As in DeZero, a training batch with one value per channel (the book's GAN sizes its layers
    with one sample) gives beta and leaves the running variance decayed towards 0 (see
    BatchNorm); an empty batch raises ValueError in either mode.

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
    check_not_empty("batch_norm", x.shape)
    return BatchNorm(mean, var, float(decay), float(eps), is_training(train))(x, gamma, beta)


def check_not_empty(op: str, shape: tuple[int, ...]) -> None:
    """A batch normalisation input (N, C, ...) must hold values for each channel: an empty batch
    has no statistics (its mean is NaN), so it is refused, in test mode too, before anything
    changes."""
    if math.prod(shape) == 0:
        raise ValueError(f"{op}: x of shape {tuple(shape)} is empty: batch normalisation needs at "
                         f"least one value per channel (the running statistics were left unchanged)")


# --- layer normalisation -----------------------------------------------------------------------
class LayerNorm(Function):
    """y = gamma (x - mean) / sqrt(var + eps) + beta, the statistics taken over the trailing axes
    that gamma covers, separately for each leading index (each sample, each time step)."""

    __slots__ = ("axes", "eps", "xhat", "inv_std")

    def __init__(self, axes: tuple[int, ...], eps: float) -> None:
        self.axes, self.eps = axes, eps

    def forward(self, x: Any, gamma: Any, beta: Any) -> Any:
        if kernels.enabled(x, gamma, beta) and x.size:  # the NumPy reference below
            from zerograd.core.kernels import normalization as kernel
            y, self.xhat, self.inv_std = kernel.layer_norm_forward(x, gamma, beta, self.eps)
            return y
        xhat, inv_std, _, _ = _standardize(x, self.axes, self.eps)
        self.xhat, self.inv_std = xhat, inv_std
        y = xhat * gamma
        y += beta
        return y

    def backward(self, gy: Variable) -> tuple[Any, Any, Any]:
        leading = tuple(range(gy.ndim - len(self.axes)))
        return normalization_gradients(self, gy, self.axes, leading, self.inputs[1].shape,
                                       self.eps)


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
    if x.ndim == 0:
        raise ValueError(f"layer_norm: x of shape () has no axis to normalise (gamma has shape "
                         f"{None if gamma.data is None else gamma.shape}); x must end with "
                         f"gamma's shape")
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
