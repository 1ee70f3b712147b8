"""Linear: the fully connected layer, sized at its first call when in_size is not given."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Parameter
from zerograd.core.cuda import get_array_module
from zerograd.nn.functional.linear import linear
from zerograd.nn.layer import Layer


class Linear(Layer):
    """y = x W + b with W of shape (in_size, out_size) and b of shape (out_size,).

    W is drawn as in the book, from NumPy's global generator (CuPy's for GPU inputs):
    randn(in_size, out_size) * sqrt(1 / in_size); b starts at zero. Without ``in_size`` W is
    sized at the first call from x.shape[-1].

    >>> import numpy as np
    >>> layer = Linear(3)
    >>> layer(np.ones((2, 5), dtype=np.float32)).shape, layer.W.shape
    ((2, 3), (5, 3))
    """

    def __init__(self, out_size: int, nobias: bool = False, dtype: Any = np.float32,
                 in_size: int | None = None) -> None:
        super().__init__()
        for name, size in (("out_size", out_size), ("in_size", in_size)):
            if size is not None and (not isinstance(size, (int, np.integer)) or size <= 0):
                raise ValueError(f"Linear: {name} must be a positive int, got {size!r}")
        self.in_size, self.out_size, self.dtype = in_size, out_size, dtype
        self.W = Parameter(None, name="W")
        if in_size is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_size, dtype=dtype), name="b")

    def _init_W(self, xp: Any = np) -> None:
        fan_in = self.in_size
        self.W.data = xp.random.randn(fan_in, self.out_size).astype(self.dtype) \
            * math.sqrt(1 / fan_in)

    def forward(self, x: Any) -> Any:
        if self.W.data is None:
            self.in_size = x.shape[-1]
            self._init_W(get_array_module(x))
        return linear(x, self.W, self.b)

    def extra_repr(self) -> str:
        return (f"in_size={self.in_size}, out_size={self.out_size}, nobias={self.b is None}, "
                f"dtype={np.dtype(self.dtype).name}")
