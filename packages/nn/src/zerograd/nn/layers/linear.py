"""Linear: the fully connected layer, sized at its first call when in_size is not given."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Parameter, Variable
from zerograd.core.checks import ARRAY_TYPES, check_bool, check_positive_int, is_int
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions.linear import linear
from zerograd.nn.layer import Layer, check_float_dtype

_INPUT_TYPES = (Variable, *ARRAY_TYPES)


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
        if is_int(nobias) and is_int(out_size):
            raise TypeError(f"Linear: nobias must be True or False, got {nobias!r}; "
                            f"Linear({out_size}, {nobias}) looks like PyTorch's (in, out) order; "
                            f"zerograd's is Linear(out_size, nobias=False, dtype=np.float32, "
                            f"in_size=None): use Linear({nobias}, in_size={out_size})")
        self.out_size = check_positive_int("Linear", "out_size", out_size)
        self.in_size = check_positive_int("Linear", "in_size", in_size, optional=True)
        nobias = check_bool("Linear", "nobias", nobias)
        self.dtype = check_float_dtype("Linear", dtype)
        self.W = Parameter(None, name="W")
        if in_size is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_size, dtype=self.dtype), name="b")

    def _init_W(self, xp: Any = np) -> None:
        fan_in = self.in_size
        self.W.data = xp.random.randn(fan_in, self.out_size).astype(self.dtype) \
            * math.sqrt(1 / fan_in)

    def forward(self, x: Any) -> Any:
        if not isinstance(x, _INPUT_TYPES):
            raise TypeError(f"Linear: x must be an array or a Variable, got a {type(x).__name__} "
                            f"(convert it with np.asarray(x, dtype=np.float32))")
        if self.W.data is None:
            self.in_size = _input_size(x)
            self._init_W(get_array_module(x))
        return linear(x, self.W, self.b)

    def extra_repr(self) -> str:
        return (f"in_size={self.in_size}, out_size={self.out_size}, nobias={self.b is None}, "
                f"dtype={np.dtype(self.dtype).name}")


def _input_size(x: Any) -> int:
    """The size of x's last axis, which sizes W at the first call."""
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"Linear: x must have a last axis of at least one feature to size W "
                         f"from, got shape {tuple(x.shape)}")
    return int(x.shape[-1])
