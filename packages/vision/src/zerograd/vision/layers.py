"""Conv2d and Deconv2d layers: the weights of a (transposed) convolution, sized at the first call
when the number of input channels is not given.

>>> import numpy as np
>>> from zerograd.vision import layers as L
>>> L.Conv2d(8, 3, pad=1)(np.ones((2, 3, 5, 5), dtype=np.float32)).shape
(2, 8, 5, 5)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Parameter
from zerograd.core.checks import check_bool, check_int_pair, check_positive_int, is_int
from zerograd.core.cuda import get_array_module
from zerograd.nn import Layer
from zerograd.nn.layer import check_float_dtype
from zerograd.vision.functions import conv2d, deconv2d

__all__ = ["Conv2d", "Deconv2d"]


def _check_nobias(name: str, nobias: Any, args: tuple[Any, ...]) -> bool:
    """nobias must be a bool; an int there means PyTorch's positional order was used."""
    if is_int(nobias):
        given = ", ".join(repr(a) for a in args)
        raise TypeError(f"{name}: nobias must be True or False, got {nobias!r}; "
                        f"{name}({given}, ...) looks like PyTorch's (in_channels, out_channels, "
                        f"kernel_size, stride, padding) order; zerograd's is {name}(out_channels, "
                        f"kernel_size, stride=1, pad=0, nobias=False, dtype=np.float32, "
                        f"in_channels=None): use {name}({args[1]}, {args[2]}, stride={args[3]}, "
                        f"pad={nobias}, in_channels={args[0]})")
    return check_bool(name, "nobias", nobias)


class _Convolution(Layer):
    """What Conv2d and Deconv2d share: arguments, lazy sizing, the book's initialisation."""

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, pad: Any = 0,
                 nobias: bool = False, dtype: Any = np.float32, in_channels: int | None = None,
                 dilation: Any = 1, groups: int = 1) -> None:
        super().__init__()
        name = type(self).__name__
        nobias = _check_nobias(name, nobias, (out_channels, kernel_size, stride, pad))
        self.out_channels = check_positive_int(name, "out_channels", out_channels)
        self.in_channels = check_positive_int(name, "in_channels", in_channels, optional=True)
        self.groups = check_positive_int(name, "groups", groups)
        self.kernel_size = check_int_pair(name, "kernel_size", kernel_size, 1)
        self.stride = check_int_pair(name, "stride", stride, 1)
        self.pad = check_int_pair(name, "pad", pad, 0)
        self.dilation = check_int_pair(name, "dilation", dilation, 1)
        self.dtype = check_float_dtype(name, dtype)
        for label, channels in (("out_channels", self.out_channels),
                                ("in_channels", self.in_channels)):
            if channels is not None and channels % self.groups:
                raise ValueError(f"{name}: {label}={channels} is not divisible by "
                                 f"groups={self.groups}")
        self.W = Parameter(None, name="W")
        if self.in_channels is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_channels, dtype=self.dtype), name="b")

    def _w_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def _init_W(self, xp: Any = np) -> None:
        # The book's scale, sqrt(1 / fan_in), with fan_in = the inputs one output sums over.
        fan_in = self.in_channels // self.groups * self.kernel_size[0] * self.kernel_size[1]
        self.W.data = xp.random.randn(*self._w_shape()).astype(self.dtype) * math.sqrt(1 / fan_in)

    def _sized(self, x: Any) -> None:
        if self.W.data is None:
            shape = getattr(x, "shape", None)
            if shape is None or len(shape) != 4:
                raise ValueError(f"{type(self).__name__}: x must be 4-D (N, C, H, W), got shape "
                                 f"{None if shape is None else tuple(shape)}")
            self.in_channels = shape[1]
            if self.in_channels % self.groups:
                raise ValueError(f"{type(self).__name__}: x of shape {tuple(shape)} has "
                                 f"{self.in_channels} channels, not divisible by "
                                 f"groups={self.groups}")
            self._init_W(get_array_module(x))

    def extra_repr(self) -> str:
        text = (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, pad={self.pad}")
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + f", nobias={self.b is None}, dtype={np.dtype(self.dtype).name}"


class Conv2d(_Convolution):
    """2-D convolution: y = conv2d(x, W, b, stride, pad, dilation, groups).

    W has shape (out_channels, in_channels / groups, KH, KW), drawn as in the book from NumPy's
    global generator (CuPy's for GPU inputs): randn * sqrt(1 / (in_channels / groups * KH * KW));
    b starts at zero. Without ``in_channels`` W is sized at the first call from x.shape[1].

    >>> import numpy as np
    >>> conv = Conv2d(4, kernel_size=3, stride=2, pad=1)
    >>> conv(np.ones((1, 2, 8, 8), dtype=np.float32)).shape, conv.W.shape
    ((1, 4, 4, 4), (4, 2, 3, 3))
    """

    def _w_shape(self) -> tuple[int, ...]:
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    def forward(self, x: Any) -> Any:
        self._sized(x)
        return conv2d(x, self.W, self.b, self.stride, self.pad, self.dilation, self.groups)


class Deconv2d(_Convolution):
    """2-D transposed convolution (deconvolution): y = deconv2d(x, W, b, stride, pad, outsize).

    W has shape (in_channels, out_channels / groups, KH, KW), drawn as in the book:
    randn * sqrt(1 / (in_channels / groups * KH * KW)); b starts at zero. Without
    ``in_channels`` W is sized at the first call. ``outsize`` (per call) picks an output size
    among those a strided convolution maps back to the input size.

    >>> import numpy as np
    >>> up = Deconv2d(3, kernel_size=4, stride=2, pad=1)
    >>> up(np.ones((1, 8, 5, 5), dtype=np.float32)).shape, up.W.shape
    ((1, 3, 10, 10), (8, 3, 4, 4))
    """

    def _w_shape(self) -> tuple[int, ...]:
        return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)

    def forward(self, x: Any, outsize: Any = None) -> Any:
        self._sized(x)
        return deconv2d(x, self.W, self.b, self.stride, self.pad, outsize, self.dilation,
                        self.groups)
