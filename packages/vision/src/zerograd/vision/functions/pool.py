"""Max pooling, average pooling and global average pooling over (N, C, H, W) batches, plus the
book's pooling_simple (im2col and max).

Both poolings loop over the KH * KW kernel offsets, each a strided slice of the whole batch, so
the work is a few vectorised passes, never a loop over pixels. Max pooling keeps, per output, the
offset of the first maximum (as PyTorch does) when a gradient will be needed; its backward puts
each output gradient at that offset. When kernel == stride and the sizes divide, the windows are a
plain reshape of the input (no padding, no overlap) and the backward writes each pixel once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Config, Function, Variable, as_variable, cuda, kernels
from zerograd.core import functions as CF
from zerograd.core.checks import check_int_pair
from zerograd.vision.functions._geometry import check_images, output_hw
from zerograd.vision.functions.windows import (
    accumulate,
    channels_last,
    clipped_offset_slices,
    empty_channels_last,
    im2col,
    offset_slices,
    pad_array,
)

Pair = tuple[int, int]


class _Geometry:
    """Where the windows of one pooling lie; shared by the forward and both backward Functions."""

    __slots__ = ("kernel", "stride", "pad", "x_shape", "out_hw", "blocks", "compiled")

    def __init__(self, kernel: Pair, stride: Pair, pad: Pair, x_shape: tuple[int, ...]) -> None:
        self.kernel, self.stride, self.pad, self.x_shape = kernel, stride, pad, tuple(x_shape)
        self.out_hw = output_hw("pooling", x_shape, kernel, stride, pad)
        # Non-overlapping windows tiling the whole input: the input reshapes into blocks.
        self.blocks = (kernel == stride and pad == (0, 0)
                       and x_shape[2] % kernel[0] == 0 and x_shape[3] % kernel[1] == 0)
        # zerograd.core.kernels.pooling's cases: "2x2" tiling windows, "3x3" any stride and pad
        self.compiled = ("2x2" if self.blocks and kernel == (2, 2)
                         else "3x3" if kernel == (3, 3) else None)

    def views(self, x: Any, fill: float) -> list[Any]:
        """One (N, C, OH, OW) view per kernel offset (row-major) of x, padded with ``fill``."""
        if self.blocks:
            n, c = x.shape[:2]
            (oh, ow), (kh, kw) = self.out_hw, self.kernel
            blocks = x.reshape(n, c, oh, kh, ow, kw)
            return [blocks[:, :, :, i, :, j] for i in range(kh) for j in range(kw)]
        x = pad_array(x, self.pad, fill)
        return [x[:, :, hs, ws]
                for hs, ws in offset_slices(self.kernel, self.stride, (1, 1), self.out_hw)]

    def scatter(self, values: Any, like: Any) -> Any:
        """The adjoint of views(): an input-shaped array, channels-last in memory, into whose
        windows each offset's values are added; window pixels in the padding are dropped.
        ``values(k, out=None)`` gives offset k's (N, C, OH, OW) values, written into ``out``
        when given."""
        xp = cuda.get_array_module(like)
        gx = empty_channels_last(self.x_shape, like.dtype, xp)
        if self.blocks:  # every pixel belongs to exactly one window: assign, no zero fill
            for k, view in enumerate(self.views(gx, 0)):
                values(k, out=view)
            return gx
        gx[...] = 0
        slices = clipped_offset_slices(self.kernel, self.stride, self.pad, (1, 1), self.out_hw,
                                       self.x_shape[2:])
        for k, ((wh, ww), (xh, xw)) in enumerate(slices):
            accumulate(gx[:, :, xh, xw], values(k)[:, :, wh, ww])
        return gx


def _lowest(dtype: Any) -> Any:
    """The padding value that never wins a maximum."""
    return -np.inf if np.dtype(dtype).kind in "fc" else np.iinfo(dtype).min


def _max_with_offsets(views: list[Any], keep_offsets: bool) -> tuple[Any, Any]:
    """Elementwise maximum of the views and, when asked, the index of the first view holding it."""
    xp = cuda.get_array_module(views[0])
    y = empty_channels_last(views[0].shape, views[0].dtype, xp)
    offset_type = xp.uint8 if len(views) < 256 else xp.int32
    if len(views) == 1:
        y[...] = views[0]
        return y, xp.zeros_like(y, dtype=offset_type) if keep_offsets else None
    xp.maximum(views[0], views[1], out=y)
    if not keep_offsets:
        for view in views[2:]:
            xp.maximum(y, view, out=y)
        return y, None
    better = xp.empty_like(y, dtype=bool)
    xp.greater(views[1], views[0], out=better)  # strictly greater: the first maximum stays
    offsets = xp.empty_like(y, dtype=offset_type)
    offsets[...] = better
    marked = xp.empty_like(offsets)
    for k, view in enumerate(views[2:], 2):
        xp.greater(view, y, out=better)
        xp.maximum(y, view, out=y)
        # offsets only grow with k, so "k where better" is a maximum (a masked copy is far slower)
        xp.multiply(better, offsets.dtype.type(k), out=marked)
        xp.maximum(offsets, marked, out=offsets)
    return y, offsets


class MaxPooling2D(Function):
    """y = the maximum of each window; backward sends each gy to the window's first maximum."""

    __slots__ = ("geometry", "keep_offsets", "offsets")

    def __init__(self, geometry: _Geometry, keep_offsets: bool = True) -> None:
        self.geometry, self.keep_offsets = geometry, keep_offsets

    def forward(self, x: Any) -> Any:
        g = self.geometry
        if kernels.enabled(x) and g.compiled:  # the NumPy reference is below
            from zerograd.core.kernels import pooling
            y, offsets = (pooling.max_pool_forward(x) if g.compiled == "2x2" else
                          pooling.max_pool_3x3_forward(x, g.stride, g.pad, g.out_hw))
            self.offsets = offsets if self.keep_offsets else None
            return y
        y, self.offsets = _max_with_offsets(self.geometry.views(x, _lowest(x.dtype)),
                                            self.keep_offsets)
        return y

    def backward(self, gy: Variable) -> Variable:
        if self.offsets is None:
            raise RuntimeError("MaxPooling2D.backward: the forward ran without keeping the offsets "
                               "of the maxima (keep_offsets=False)")
        return MaxPooling2DGrad(self.geometry, self.offsets)(gy)


class MaxPooling2DGrad(Function):
    """gx = each gy put at its window's maximum; backward gathers from those positions."""

    __slots__ = ("geometry", "offsets")

    def __init__(self, geometry: _Geometry, offsets: Any) -> None:
        self.geometry, self.offsets = geometry, offsets

    def forward(self, gy: Any) -> Any:
        g = self.geometry
        if kernels.enabled(gy) and g.compiled:  # the NumPy reference is below
            from zerograd.core.kernels import pooling
            if g.compiled == "2x2":
                return pooling.max_pool_backward(gy, self.offsets)
            return pooling.max_pool_backward_windows(gy, self.offsets, g.kernel, g.stride, g.pad,
                                                     g.x_shape[2:])
        xp = cuda.get_array_module(gy)
        offsets, gy = self.offsets, channels_last(gy)  # one layout for gy, offsets and gx

        def values(k: int, out: Any = None) -> Any:
            return xp.multiply(gy, offsets == k, out=out)

        return self.geometry.scatter(values, gy)

    def backward(self, ggx: Variable) -> Variable:
        return MaxPooling2DWithOffsets(self.geometry, self.offsets)(ggx)


class MaxPooling2DWithOffsets(Function):
    """y = x at the positions a max pooling chose before (its Grad's backward)."""

    __slots__ = ("geometry", "offsets")

    def __init__(self, geometry: _Geometry, offsets: Any) -> None:
        self.geometry, self.offsets = geometry, offsets

    def forward(self, x: Any) -> Any:
        views = self.geometry.views(x, 0)
        y = views[0] * (self.offsets == 0)
        for k, view in enumerate(views[1:], 1):
            y += view * (self.offsets == k)
        return y

    def backward(self, gy: Variable) -> Variable:
        return MaxPooling2DGrad(self.geometry, self.offsets)(gy)


def _sum_dtype(dtype: Any) -> Any:
    """A type that sums a window without overflow or lost precision: 255 + 255 must not wrap in
    uint8, and float16's 11-bit mantissa drops small terms of a long sum."""
    if dtype.kind in "iu":
        return np.int64
    return np.float32 if dtype == np.float16 else dtype


class AveragePooling2D(Function):
    """y = the mean of each window (padding counts as zeros); linear, its backward spreads gy."""

    __slots__ = ("geometry",)

    def __init__(self, geometry: _Geometry) -> None:
        self.geometry = geometry

    def forward(self, x: Any) -> Any:
        views = self.geometry.views(x, 0)
        y = empty_channels_last(views[0].shape, _sum_dtype(x.dtype), cuda.get_array_module(x))
        y[...] = views[0]
        for view in views[1:]:
            y += view
        if x.dtype.kind != "f":
            return y / len(views)  # integers average to float64, as numpy.mean gives
        y *= y.dtype.type(1 / len(views))
        return y.astype(x.dtype, copy=False)

    def backward(self, gy: Variable) -> Variable:
        return AveragePooling2DGrad(self.geometry)(gy)


class AveragePooling2DGrad(Function):
    """gx = gy / (KH * KW) spread over each window; its backward is the average pooling."""

    __slots__ = ("geometry",)

    def __init__(self, geometry: _Geometry) -> None:
        self.geometry = geometry

    def forward(self, gy: Any) -> Any:
        xp = cuda.get_array_module(gy)
        kh, kw = self.geometry.kernel
        share = channels_last(gy) * gy.dtype.type(1 / (kh * kw))

        def values(k: int, out: Any = None) -> Any:
            if out is None:
                return share
            xp.copyto(out, share)
            return out

        return self.geometry.scatter(values, gy)

    def backward(self, ggx: Variable) -> Variable:
        return AveragePooling2D(self.geometry)(ggx)


# --- public wrappers ----------------------------------------------------------------------------
def _geometry(func: str, x: Variable, kernel_size: Any, stride: Any, pad: Any) -> _Geometry:
    check_images(func, "x", x)
    if x.dtype.kind not in "iuf":
        raise TypeError(f"{func}: x must hold integers or floats, got dtype {x.dtype} "
                        f"(convert it first, e.g. x.astype(np.float32))")
    kernel = check_int_pair(func, "kernel_size", kernel_size, 1)
    stride = check_int_pair(func, "stride", stride, 1)
    pad = check_int_pair(func, "pad", pad, 0)
    if pad[0] >= kernel[0] or pad[1] >= kernel[1]:
        raise ValueError(f"{func}: pad {pad} must be smaller than kernel_size {kernel} "
                         f"(a window would hold nothing but padding)")
    output_hw(func, x.shape, kernel, stride, pad)
    return _Geometry(kernel, stride, pad, x.shape)


def pooling(x: Any, kernel_size: Any, stride: Any = 1, pad: Any = 0) -> Variable:
    """Max pooling: the largest value of each (KH, KW) window (padding never wins).

    y[n, c, p, q] = max over i, j of x_pad[n, c, p * stride + i, q * stride + j].
    x (N, C, H, W) -> y (N, C, OH, OW), OH = (H + 2 * pad - KH) // stride + 1. The stride
    defaults to 1 as in the book (PyTorch's defaults to the kernel size). The gradient goes to the
    first maximum of each window.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> pooling(x, 2, 2).data
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    x = as_variable(x)
    geometry = _geometry("pooling", x, kernel_size, stride, pad)
    return MaxPooling2D(geometry, Config.enable_backprop and x.requires_grad)(x)


max_pooling_2d = pooling  # Chainer's name


def average_pooling(x: Any, kernel_size: Any, stride: Any = 1, pad: Any = 0) -> Variable:
    """Average pooling: the mean of each (KH, KW) window, padding counted as zeros.

    y[n, c, p, q] = sum over i, j of x_pad[n, c, p * stride + i, q * stride + j] / (KH * KW).
    x (N, C, H, W) -> y (N, C, OH, OW), OH = (H + 2 * pad - KH) // stride + 1.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> average_pooling(x, 2, 2).data
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    x = as_variable(x)
    return AveragePooling2D(_geometry("average_pooling", x, kernel_size, stride, pad))(x)


def global_average_pooling(x: Any, keepdims: bool = False) -> Variable:
    """The mean of each channel over all positions: (N, C, H, W) -> (N, C), or (N, C, 1, 1) with
    ``keepdims`` (ResNet's last pooling).

    >>> import numpy as np
    >>> global_average_pooling(np.arange(8.0).reshape(1, 2, 2, 2)).data
    array([[1.5, 5.5]])
    """
    x = as_variable(x)
    check_images("global_average_pooling", "x", x)
    return CF.mean(x, axis=(2, 3), keepdims=keepdims)


def pooling_simple(x: Any, kernel_size: Any, stride: Any = 1, pad: Any = 0) -> Variable:
    """Max pooling as the book composes it: im2col (zero padding), the maximum of each window's
    row, and a reshape back to (N, C, OH, OW). Same values as pooling without padding; slower.

    >>> import numpy as np
    >>> pooling_simple(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2).data
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    x = as_variable(x)
    geometry = _geometry("pooling_simple", x, kernel_size, stride, pad)
    kernel, stride, pad, (oh, ow) = geometry.kernel, geometry.stride, geometry.pad, geometry.out_hw
    n, c = x.shape[:2]
    col = CF.reshape(im2col(x, kernel, stride, pad, to_matrix=True), (-1, kernel[0] * kernel[1]))
    y = CF.max(col, axis=1)
    return CF.transpose(CF.reshape(y, (n, oh, ow, c)), (0, 3, 1, 2))
