"""BatchNorm and LayerNorm layers, sized at their first call."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Parameter
from zerograd.core.checks import check_positive_int, check_real, is_int
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions.normalization import batch_norm, check_not_empty, layer_norm
from zerograd.nn.layer import Layer, check_float_dtype


class BatchNorm(Layer):
    """Batch normalisation per channel (axis 1) of (N, C) or (N, C, H, W) inputs.

    gamma (ones) and beta (zeros) are Parameters; the running statistics ``avg_mean`` (zeros)
    and ``avg_var`` (ones) are buffers, saved with the weights. All four are sized at the first
    call, in the input's dtype. Batch statistics are used (and the running ones updated with
    ``decay``) only while ``is_training()`` (the layer's ``training`` flag and Config.train). As
    in DeZero, a training batch with one value per channel (the book's GAN sizes its generator
    with one sample) is accepted: its output is beta and the running variance decays towards 0
    (see zerograd.nn.functional.batch_norm). An empty batch raises ValueError and leaves
    everything as it was. (zerograd.torch's BatchNorm1d/2d raise PyTorch's error on one value
    per channel instead.)

    >>> import numpy as np
    >>> bn = BatchNorm()
    >>> bn(np.array([[1.0], [3.0]])).data.round(3).ravel(), bn.avg_mean
    (array([-1.,  1.]), array([0.2]))
    """

    def __init__(self, decay: float = 0.9, eps: float = 2e-5) -> None:
        super().__init__()
        if is_int(decay) and decay > 1:
            raise ValueError(f"BatchNorm({decay}) looks like PyTorch's BatchNorm2d(num_features); "
                             f"zerograd's BatchNorm(decay=0.9, eps=2e-5) sizes itself at the first "
                             f"call: use BatchNorm()")
        self.decay = check_real("BatchNorm", "decay", decay, low=0, high=1)
        self.eps = check_real("BatchNorm", "eps", eps, low=0, low_open=True)
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")
        self.register_buffer("avg_mean", None)
        self.register_buffer("avg_var", None)

    def _init_params(self, x: Any) -> None:
        xp = get_array_module(x)
        size, dtype = x.shape[1], x.dtype
        if self.avg_mean is None:
            self.avg_mean = xp.zeros(size, dtype=dtype)
        if self.avg_var is None:
            self.avg_var = xp.ones(size, dtype=dtype)
        if self.gamma.data is None:
            self.gamma.data = xp.ones(size, dtype=dtype)
        if self.beta.data is None:
            self.beta.data = xp.zeros(size, dtype=dtype)

    def forward(self, x: Any) -> Any:
        _check_batch(x)  # before sizing: a wrong first input must not size the layer
        if self.avg_mean is None or self.gamma.data is None:
            self._init_params(x)
        return batch_norm(x, self.gamma, self.beta, self.avg_mean, self.avg_var, self.decay,
                          self.eps, train=self.is_training())

    def extra_repr(self) -> str:
        size = None if self.avg_mean is None else len(self.avg_mean)
        return f"size={size}, decay={self.decay}, eps={self.eps}"


def _check_batch(x: Any) -> None:
    """x is (N, C) or (N, C, H, W) and not empty."""
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) not in (2, 4):
        found = f"a {type(x).__name__}" if shape is None else f"shape {tuple(shape)}"
        raise ValueError(f"BatchNorm: x must have shape (N, C) or (N, C, H, W), got {found}")
    check_not_empty("BatchNorm", tuple(shape))


class LayerNorm(Layer):
    """Layer normalisation over the trailing axes given by ``normalized_shape`` (an int or a
    tuple; by default the last axis, sized at the first call). gamma starts at ones, beta at
    zeros, in ``dtype``.

    >>> import numpy as np
    >>> LayerNorm()(np.array([[1.0, 3.0]], dtype=np.float32)).data.round(3)
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, normalized_shape: int | tuple[int, ...] | None = None, eps: float = 1e-5,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.normalized_shape = _check_normalized_shape(normalized_shape)
        self.eps = check_real("LayerNorm", "eps", eps, low=0, low_open=True)
        self.dtype = check_float_dtype("LayerNorm", dtype)
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")
        if self.normalized_shape is not None:
            self._init_params(np)

    def _init_params(self, xp: Any) -> None:
        self.gamma.data = xp.ones(self.normalized_shape, dtype=self.dtype)
        self.beta.data = xp.zeros(self.normalized_shape, dtype=self.dtype)

    def forward(self, x: Any) -> Any:
        if self.gamma.data is None:
            shape = _normalized_input_shape(x, self.normalized_shape)
            if self.normalized_shape is None:
                self.normalized_shape = shape[-1:]
            self._init_params(get_array_module(x))
        return layer_norm(x, self.gamma, self.beta, self.eps)

    def extra_repr(self) -> str:
        return f"normalized_shape={self.normalized_shape}, eps={self.eps}"


def _normalized_input_shape(x: Any, normalized_shape: tuple[int, ...] | None) -> tuple[int, ...]:
    """x's shape, checked to end with ``normalized_shape`` (one axis at least when None)
    before the layer sizes itself from it."""
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"LayerNorm: x must be an array or a Variable, got {type(x).__name__}")
    shape = tuple(shape)
    wanted = normalized_shape or (1,)
    if len(shape) < len(wanted) or (normalized_shape and shape[len(shape) - len(wanted):] != wanted):
        wants = ("at least one axis (normalized_shape=None takes x's last axis)"
                 if normalized_shape is None else f"the normalised axes {normalized_shape}")
        raise ValueError(f"LayerNorm: x of shape {shape} must end with {wants}")
    return shape


def _check_normalized_shape(value: Any) -> tuple[int, ...] | None:
    """None, a positive int or a tuple of positive ints, as a tuple (or None)."""
    if value is None:
        return None
    if is_int(value):
        return (check_positive_int("LayerNorm", "normalized_shape", value),)
    if not isinstance(value, (tuple, list)) or len(value) == 0:
        raise TypeError(f"LayerNorm: normalized_shape must be None, a positive int or a tuple of "
                        f"them, got {value!r}")
    return tuple(check_positive_int("LayerNorm", f"normalized_shape[{i}]", size)
                 for i, size in enumerate(value))
