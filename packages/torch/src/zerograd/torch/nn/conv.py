"""Convolution modules beyond the first facade's Conv2d: Conv1d and the transposed
convolutions in 1 and 2 dimensions, with PyTorch's constructor arguments, weight layout
((out, in / groups, *k); transposed: (in, out / groups, *k)), initialisation and
``padding_mode``. Each forward is one ``torch.nn.functional`` call (after ``pad`` for a
padding_mode other than 'zeros')."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.torch.nn import init
from zerograd.torch.nn._calls import call, options
from zerograd.torch.nn._families import by_dims
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter

__all__ = ["Conv1d", "ConvTranspose1d", "ConvTranspose2d", "LazyConv1d", "LazyConv2d",
           "LazyConvTranspose1d", "LazyConvTranspose2d"]

PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
                 "circular": "circular"}


def _tuple(value: Any, n: int, name: str, owner: str) -> tuple[int, ...]:
    result = (value,) * n if isinstance(value, int) else tuple(value)
    if len(result) != n:
        raise ValueError(f"{owner}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return result


class _ConvNd(Module):
    dims = 1
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name, n = type(self).__name__, self.dims
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {sorted(PADDING_MODES)}, got "
                             f"{padding_mode!r}")
        if dtype is not None and np.dtype(getattr(dtype, "numpy_dtype", dtype)) != np.float32:
            raise NotImplementedError(f"{name}: dtype={dtype!r} is not supported (float32 only)")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", name)
        self.stride = _tuple(stride, n, "stride", name)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n, "padding", name)
        self.dilation = _tuple(dilation, n, "dilation", name)
        self.output_padding = _tuple(output_padding, n, "output_padding", name)
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups))
        self.weight = Parameter(np.empty(shape + self.kernel_size, dtype=np.float32))
        self.bias = Parameter(np.empty((out_channels,), dtype=np.float32)) if bias else None
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in from weight.shape[1]."""
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        init.default_uniform_(self.weight, fan_in)
        if self.bias is not None:
            init.default_uniform_(self.bias, fan_in)

    def _padded(self, input: Any) -> tuple[Any, Any]:  # noqa: A002
        """The input and the padding the convolution itself applies (padding_mode other than
        zeros: padded here, in PyTorch's order of sides, and the convolution pads nothing)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if isinstance(self.padding, str):
            raise NotImplementedError(f"{type(self).__name__}: padding={self.padding!r} with "
                                      f"padding_mode={self.padding_mode!r}")
        sides = tuple(p for p in reversed(self.padding) for _ in range(2))
        padded = call(type(self).__name__, "pad", input, sides, PADDING_MODES[self.padding_mode])
        return padded, 0

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class _Conv(_ConvNd):
    def forward(self, input: Any) -> Any:  # noqa: A002  (PyTorch's name)
        input, padding = self._padded(input)
        return call(type(self).__name__, f"conv{self.dims}d", input, self.weight, self.bias,
                    self.stride, padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """Convolution over (N, C, L) or (C, L)."""

    dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"{type(self).__name__}: only padding_mode='zeros' is supported "
                             f"(as in PyTorch), got {padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def forward(self, input: Any, output_size: Any = None) -> Any:  # noqa: A002
        if output_size is not None:
            raise NotImplementedError(f"{type(self).__name__}: output_size= is not supported "
                                      f"by zerograd.torch; give output_padding")
        return call(type(self).__name__, f"conv_transpose{self.dims}d", input, self.weight,
                    self.bias, self.stride, self.padding,
                    **options(output_padding=(self.output_padding, (0,) * self.dims),
                              groups=(self.groups, 1), dilation=(self.dilation, (1,) * self.dims)))


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed convolution over (N, C, L) or (C, L); weight (in, out / groups, K)."""

    dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed convolution over (N, C, H, W) or (C, H, W); weight (in, out / groups, KH, KW)."""

    dims = 2


class _Lazy:
    """in_channels taken from the first input (its channel axis): until then the parameters
    hold no data, and load_state_dict may fill them, as PyTorch's lazy modules."""

    def _unsized(self) -> None:
        self.in_channels = 0
        self.weight.data = None
        if self.bias is not None:
            self.bias.data = None

    def forward(self, input: Any, *args: Any) -> Any:  # noqa: A002
        if self.weight.data is None:
            channels = input.shape[input.ndim - self.dims - 1]
            shape = ((channels, self.out_channels // self.groups) if self.transposed
                     else (self.out_channels, channels // self.groups))
            self.in_channels = channels
            self.weight.data = np.empty(shape + self.kernel_size, dtype=np.float32)
            if self.bias is not None:
                self.bias.data = np.empty((self.out_channels,), dtype=np.float32)
            self.reset_parameters()
        elif not self.in_channels:
            self.in_channels = self.weight.shape[0 if self.transposed else 1] * (
                1 if self.transposed else self.groups)
        return super().forward(input, *args)


class _LazyConv(_Lazy, _Conv):
    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        _Conv.__init__(self, groups, out_channels, kernel_size, stride, padding, dilation,
                       groups, bias, padding_mode, device=device, dtype=dtype)
        self._unsized()


class _LazyConvTranspose(_Lazy, _ConvTransposeNd):
    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        _ConvTransposeNd.__init__(self, groups, out_channels, kernel_size, stride, padding,
                                  output_padding, groups, bias, dilation, padding_mode, device,
                                  dtype)
        self._unsized()


LazyConv1d, LazyConv2d = by_dims(_LazyConv, "LazyConv", (1, 2))
LazyConvTranspose1d, LazyConvTranspose2d = by_dims(_LazyConvTranspose, "LazyConvTranspose", (1, 2))
