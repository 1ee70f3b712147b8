"""BatchNorm and LayerNorm layers, sized at their first call."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Config, Parameter
from zerograd.core.cuda import get_array_module
from zerograd.nn.functional.normalization import batch_norm, layer_norm
from zerograd.nn.layer import Layer


class BatchNorm(Layer):
    """Batch normalisation per channel (axis 1) of (N, C) or (N, C, H, W) inputs.

    gamma (ones) and beta (zeros) are Parameters; the running statistics ``avg_mean`` (zeros)
    and ``avg_var`` (ones) are buffers, saved with the weights. All four are sized at the first
    call, in the input's dtype. Batch statistics are used (and the running ones updated with
    ``decay``) only when both ``training`` and Config.train are set.

    >>> import numpy as np
    >>> bn = BatchNorm()
    >>> bn(np.array([[1.0], [3.0]])).data.round(3).ravel(), bn.avg_mean
    (array([-1.,  1.]), array([0.2]))
    """

    def __init__(self, decay: float = 0.9, eps: float = 2e-5) -> None:
        super().__init__()
        if not 0 <= decay <= 1:
            raise ValueError(f"BatchNorm: decay must lie in [0, 1], got {decay}")
        self.decay, self.eps = decay, eps
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
        if self.avg_mean is None or self.gamma.data is None:
            if getattr(x, "ndim", 0) < 2:
                raise ValueError(f"BatchNorm: x must have shape (N, C) or (N, C, H, W), got "
                                 f"{getattr(x, 'shape', None)}")
            self._init_params(x)
        return batch_norm(x, self.gamma, self.beta, self.avg_mean, self.avg_var, self.decay,
                          self.eps, train=self.training and Config.train)

    def extra_repr(self) -> str:
        size = None if self.avg_mean is None else len(self.avg_mean)
        return f"size={size}, decay={self.decay}, eps={self.eps}"


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
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = None if normalized_shape is None else tuple(normalized_shape)
        self.eps, self.dtype = eps, dtype
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")
        if self.normalized_shape is not None:
            self._init_params(np)

    def _init_params(self, xp: Any) -> None:
        self.gamma.data = xp.ones(self.normalized_shape, dtype=self.dtype)
        self.beta.data = xp.zeros(self.normalized_shape, dtype=self.dtype)

    def forward(self, x: Any) -> Any:
        if self.gamma.data is None:
            if self.normalized_shape is None:
                self.normalized_shape = (x.shape[-1],)
            self._init_params(get_array_module(x))
        return layer_norm(x, self.gamma, self.beta, self.eps)

    def extra_repr(self) -> str:
        return f"normalized_shape={self.normalized_shape}, eps={self.eps}"
