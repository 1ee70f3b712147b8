"""``torch.nn.functional``'s image and sequence operations with PyTorch's signatures:
convolutions (1-d, 2-d, transposed), pooling (max, average, adaptive; 1-d to 3-d), pad,
interpolate/upsample, unfold/fold and the pixel shuffles, over zerograd.vision.functions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.torch.nn._functional_common import batched, constant, data, tuple_of, unbatched
from zerograd.torch.tensor import as_tensor_result
from zerograd.vision import functions as VF

# ruff: noqa: A002  (PyTorch's parameter is called ``input``)


# --- convolutions ---------------------------------------------------------------------------------
def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    x, single = batched(input, 1)
    return unbatched(as_tensor_result(VF.conv1d(x, weight, bias, stride, padding, dilation,
                                                groups)), single)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    x, single = batched(input, 2)
    return unbatched(as_tensor_result(VF.conv2d_padded(x, weight, bias, stride, padding,
                                                       dilation, groups)), single)


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    x, single = batched(input, 1)
    return unbatched(as_tensor_result(VF.conv_transpose1d(
        x, weight, bias, stride, padding, output_padding, groups, dilation)), single)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    x, single = batched(input, 2)
    return unbatched(as_tensor_result(VF.conv_transpose2d(
        x, weight, bias, stride, padding, output_padding, groups, dilation)), single)


# --- pooling --------------------------------------------------------------------------------------
def _window(n: int, func: str, kernel_size: Any, stride: Any, padding: Any
            ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A pooling window's kernel, stride (the kernel's when not given) and padding as n-tuples."""
    kernel = tuple_of(kernel_size, n, "kernel_size", func)
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel
    return kernel, tuple_of(stride, n, "stride", func), tuple_of(padding, n, "padding", func)


def _max_pool(n: int, func: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
              dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    x, single = batched(input, n)
    kernel, stride, padding = _window(n, func, kernel_size, stride, padding)
    dilation = tuple_of(dilation, n, "dilation", func)
    if (n == 2 and not return_indices and not ceil_mode and dilation == (1, 1)
            and all(2 * p < k for p, k in zip(padding, kernel))):
        return unbatched(as_tensor_result(VF.pooling(x, kernel, stride, padding)), single)
    values, indices = VF.max_pooling_nd(x, kernel, stride, padding, dilation, ceil_mode)
    if return_indices:
        return unbatched((as_tensor_result(values), constant(indices)), single)
    return unbatched(as_tensor_result(values), single)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    return _max_pool(1, "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    return _max_pool(2, "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    return _max_pool(3, "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(n: int, func: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
              ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> Any:
    x, single = batched(input, n)
    kernel, stride, padding = _window(n, func, kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError(f"{func}: divisor_override must not be zero")
    if x.dtype.kind in "iu":
        return unbatched(_integer_average(x, kernel, stride, padding, ceil_mode,
                                          count_include_pad, divisor_override), single)
    if (n == 2 and not ceil_mode and count_include_pad and divisor_override is None
            and all(2 * p < k for p, k in zip(padding, kernel))):
        return unbatched(as_tensor_result(VF.average_pooling(x, kernel, stride, padding)), single)
    return unbatched(as_tensor_result(VF.average_pooling_nd(
        x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)), single)


def _integer_average(x: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                     padding: tuple[int, ...], ceil_mode: bool, count_include_pad: bool,
                     divisor_override: Any) -> Any:
    """Integer average pooling as PyTorch computes it: the integer window sum divided by the
    divisor, truncated toward zero (sums and divisors are exact in float64)."""
    values = x.data.astype(np.float64)
    sums = VF.average_pooling_nd(values, kernel, stride, padding, ceil_mode, count_include_pad,
                                 1).data
    if divisor_override is not None:
        divisor = float(divisor_override)
    else:
        ones = np.ones_like(values)
        divisor = np.round(
            VF.average_pooling_nd(ones, kernel, stride, padding, ceil_mode, True, 1).data
            / VF.average_pooling_nd(ones, kernel, stride, padding, ceil_mode,
                                    count_include_pad, None).data)
    return constant(np.trunc(np.round(sums) / divisor).astype(x.dtype))


def _max_unpool(n: int, func: str, input: Any, indices: Any, kernel_size: Any, stride: Any,
                padding: Any, output_size: Any) -> Any:
    x, single = batched(input, n)
    idx = data(indices)
    idx = idx[None] if single else idx
    kernel, stride, padding = _window(n, func, kernel_size, stride, padding)
    if output_size is None:
        spatial = tuple((s - 1) * st - 2 * p + k
                        for s, st, p, k in zip(x.shape[2:], stride, padding, kernel))
    else:
        spatial = tuple(int(s) for s in output_size)[-n:]
    return unbatched(as_tensor_result(VF.max_unpooling_nd(x, idx, spatial)), single)


def max_unpool1d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Any:
    return _max_unpool(1, "max_unpool1d", input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Any:
    return _max_unpool(2, "max_unpool2d", input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Any:
    return _max_unpool(3, "max_unpool3d", input, indices, kernel_size, stride, padding,
                       output_size)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Any:
    return _avg_pool(1, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Any:
    return _avg_pool(2, "avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Any:
    return _avg_pool(3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _output_size(output_size: Any, n: int) -> tuple[Any, ...]:
    if output_size is None or isinstance(output_size, int):
        return (output_size,) * n
    sizes = tuple(output_size)
    return sizes * n if len(sizes) == 1 else sizes


def _adaptive_avg(n: int, input: Any, output_size: Any) -> Any:
    x, single = batched(input, n)
    sizes = _output_size(output_size, n)
    if n == 2 and sizes == (1, 1):
        return unbatched(as_tensor_result(VF.global_average_pooling(x, keepdims=True)), single)
    return unbatched(as_tensor_result(VF.adaptive_average_pooling(x, sizes)), single)


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Any:
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Any:
    return _adaptive_avg(3, input, output_size)


def _adaptive_max(n: int, input: Any, output_size: Any, return_indices: bool) -> Any:
    x, single = batched(input, n)
    values, indices = VF.adaptive_max_pooling(x, _output_size(output_size, n))
    if return_indices:
        return unbatched((as_tensor_result(values), constant(indices)), single)
    return unbatched(as_tensor_result(values), single)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    return _adaptive_max(3, input, output_size, return_indices)


# --- padding and resampling -------------------------------------------------------------------------
def pad(input: Any, pad: Any, mode: str = "constant", value: Any = None) -> Any:
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    return as_tensor_result(VF.pad(input, pad, mode, 0.0 if value is None else value))


_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: Any = None, recompute_scale_factor: Any = None,
                antialias: bool = False) -> Any:
    from zerograd.core import as_variable
    x = as_variable(input)
    n = x.ndim - 2
    if n < 1:
        raise ValueError(f"interpolate: input must have a batch, a channel and 1 to 3 spatial "
                         f"axes, got shape {x.shape}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by zerograd.torch")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != n:
        raise NotImplementedError(f"interpolate: got {x.ndim}D input, but {mode} mode needs "
                                  f"{_MODE_DIMS[mode] + 2}D input")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple_of(size, n, "size", "interpolate")
        factors = None
    else:
        factors = ((float(scale_factor),) * n if isinstance(scale_factor, (int, float))
                   else tuple(float(f) for f in scale_factor))
        if len(factors) != n:
            raise ValueError(f"interpolate: scale_factor must have {n} values, got {factors}")
        sizes = tuple(int(math.floor(s * f)) for s, f in zip(x.shape[2:], factors))
        if recompute_scale_factor:
            factors = None
    return as_tensor_result(VF.interpolate(x, sizes, mode, bool(align_corners),
                                           None if mode == "area" else factors))


def upsample(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: Any = None) -> Any:
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> Any:
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Any:
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --- windows and pixel rearrangements ----------------------------------------------------------------
def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Any:
    x, single = batched(input, 2)
    return unbatched(as_tensor_result(VF.unfold(x, kernel_size, dilation, padding, stride)), single)


def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Any:
    x, single = batched(input, 1)
    return unbatched(as_tensor_result(VF.fold(x, output_size, kernel_size, dilation, padding,
                                              stride)), single)


def pixel_shuffle(input: Any, upscale_factor: int) -> Any:
    return as_tensor_result(VF.pixel_shuffle(input, upscale_factor))


def pixel_unshuffle(input: Any, downscale_factor: int) -> Any:
    return as_tensor_result(VF.pixel_unshuffle(input, downscale_factor))


def channel_shuffle(input: Any, groups: int) -> Any:
    return as_tensor_result(VF.channel_shuffle(input, groups))
