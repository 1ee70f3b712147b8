"""Pooling modules in 1-3 dimensions (max, average, adaptive, power-average) with PyTorch's
constructor arguments; each forward is one ``torch.nn.functional`` call, options passed only
where they differ from PyTorch's defaults."""

from __future__ import annotations

from typing import Any

from zerograd.torch.nn._calls import call, options
from zerograd.torch.nn._families import by_dims
from zerograd.torch.nn.module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d", "MaxPool1d", "MaxPool2d", "MaxPool3d"]


class _MaxPool(Module):
    dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Any) -> Any:  # noqa: A002  (PyTorch's name)
        return call(type(self).__name__, f"max_pool{self.dims}d", input, self.kernel_size,
                    self.stride, self.padding,
                    **options(dilation=(self.dilation, 1), ceil_mode=(self.ceil_mode, False),
                              return_indices=(self.return_indices, False)))

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class _AvgPool(Module):
    dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Any) -> Any:  # noqa: A002
        return call(type(self).__name__, f"avg_pool{self.dims}d", input, self.kernel_size,
                    self.stride, self.padding,
                    **options(ceil_mode=(self.ceil_mode, False),
                              count_include_pad=(self.count_include_pad, True),
                              divisor_override=(self.divisor_override, None)))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPool):
    dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class _AdaptiveAvgPool(Module):
    dims = 1

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Any:  # noqa: A002
        return call(type(self).__name__, f"adaptive_avg_pool{self.dims}d", input,
                    self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPool(_AdaptiveAvgPool):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Any) -> Any:  # noqa: A002
        return call(type(self).__name__, f"adaptive_max_pool{self.dims}d", input,
                    self.output_size, **options(return_indices=(self.return_indices, False)))


class _LPPool(Module):
    """(sum of x^p over each window)^(1/p): ``norm_type`` p."""

    dims = 1

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Any) -> Any:  # noqa: A002
        return call(type(self).__name__, f"lp_pool{self.dims}d", input, float(self.norm_type),
                    self.kernel_size, self.stride, **options(ceil_mode=(self.ceil_mode, False)))

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


MaxPool1d, MaxPool2d, MaxPool3d = by_dims(_MaxPool, "MaxPool")
AvgPool2d, AvgPool3d = by_dims(_AvgPool, "AvgPool", (2, 3))  # AvgPool1d above: no divisor_override
AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d = by_dims(_AdaptiveAvgPool, "AdaptiveAvgPool")
AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d = by_dims(_AdaptiveMaxPool, "AdaptiveMaxPool")
LPPool1d, LPPool2d, LPPool3d = by_dims(_LPPool, "LPPool")
