"""PyTorch's unfold (sliding windows as columns, with dilation) and fold (its adjoint: columns
summed back into an image), and the pixel rearrangements pixel_shuffle, pixel_unshuffle and
channel_shuffle.

unfold gathers the windows from the zero-padded input with one index per axis; its gradient is
the scatter-add that fold is, so the two are each other's gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.checks import check_int_pair
from zerograd.core.cuda import get_array_module
from zerograd.vision.functions.padding import ConstantPad

Pair = tuple[int, int]


def _geometry(op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any
              ) -> tuple[Pair, Pair, Pair, Pair]:
    return (check_int_pair(op, "kernel_size", kernel_size, 1),
            check_int_pair(op, "dilation", dilation, 1),
            check_int_pair(op, "padding", padding, 0), check_int_pair(op, "stride", stride, 1))


def _window_index(xp: Any, spatial: Pair, kernel: Pair, dilation: Pair, padding: Pair,
                  stride: Pair, op: str) -> tuple[Any, Any, Pair]:
    """Row and column indices (OH, 1, KH, 1) and (1, OW, 1, KW) into the padded image."""
    outs = []
    for a in (0, 1):
        span = spatial[a] + 2 * padding[a] - dilation[a] * (kernel[a] - 1) - 1
        if span < 0:
            raise ValueError(f"{op}: kernel {kernel} with dilation {dilation} does not fit an "
                             f"image of {spatial} padded by {padding}")
        outs.append(span // stride[a] + 1)
    rows = np.arange(outs[0])[:, None] * stride[0] + np.arange(kernel[0])[None, :] * dilation[0]
    cols = np.arange(outs[1])[:, None] * stride[1] + np.arange(kernel[1])[None, :] * dilation[1]
    return (xp.asarray(rows[:, None, :, None]), xp.asarray(cols[None, :, None, :]),
            (outs[0], outs[1]))


def unfold(x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Variable:
    """The sliding (KH, KW) windows of x (N, C, H, W) as columns: (N, C * KH * KW, L), L the
    number of windows, rows ordered (c, kh, kw) as PyTorch's F.unfold.

    >>> import numpy as np
    >>> unfold(np.arange(9.0).reshape(1, 1, 3, 3), 2).data[0, :, 0]
    array([0., 1., 3., 4.])
    """
    x = as_variable(x)
    if x.ndim != 4:
        raise ValueError(f"unfold: x must have shape (N, C, H, W), got {x.shape}")
    kernel, dilation, padding, stride = _geometry("unfold", kernel_size, dilation, padding, stride)
    xp = get_array_module(x.data)
    rows, cols, outs = _window_index(xp, x.shape[2:], kernel, dilation, padding, stride, "unfold")
    n, c = x.shape[:2]
    if padding != (0, 0):
        x = ConstantPad(((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), 0)(x)
    windows = CF.get_item(x, (slice(None), slice(None), rows, cols))  # (N, C, OH, OW, KH, KW)
    windows = CF.transpose(windows, (0, 1, 4, 5, 2, 3))
    return CF.reshape(windows, (n, c * kernel[0] * kernel[1], outs[0] * outs[1]))


def fold(cols: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Variable:
    """The adjoint of unfold: columns (N, C * KH * KW, L) summed into an image (N, C, H, W) of
    ``output_size`` (H, W); overlapping windows add up.

    >>> import numpy as np
    >>> fold(np.ones((1, 4, 4)), (3, 3), 2).data[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = as_variable(cols)
    size = check_int_pair("fold", "output_size", output_size, 1)
    kernel, dilation, padding, stride = _geometry("fold", kernel_size, dilation, padding, stride)
    xp = get_array_module(cols.data)
    rows, columns, outs = _window_index(xp, size, kernel, dilation, padding, stride, "fold")
    per = kernel[0] * kernel[1]
    if cols.ndim != 3 or cols.shape[1] % per or cols.shape[2] != outs[0] * outs[1]:
        raise ValueError(f"fold: cols must have shape (N, C * {per}, {outs[0] * outs[1]}) for "
                         f"output_size {size}, kernel {kernel}, dilation {dilation}, padding "
                         f"{padding}, stride {stride}; got {cols.shape}")
    n, c = cols.shape[0], cols.shape[1] // per
    windows = CF.reshape(cols, (n, c, *kernel, *outs))
    windows = CF.transpose(windows, (0, 1, 4, 5, 2, 3))  # (N, C, OH, OW, KH, KW)
    padded = (n, c, size[0] + 2 * padding[0], size[1] + 2 * padding[1])
    image = CF.GetItemGrad((slice(None), slice(None), rows, columns), padded, cols.dtype)(windows)
    if padding == (0, 0):
        return image
    return ConstantPad(((0, 0), (0, 0), (-padding[0],) * 2, (-padding[1],) * 2), 0)(image)


def pixel_shuffle(x: Any, upscale_factor: int) -> Variable:
    """(..., C r^2, H, W) -> (..., C, H r, W r): each group of r^2 channels becomes an r x r
    block of pixels.

    >>> import numpy as np
    >>> pixel_shuffle(np.arange(4.0).reshape(1, 4, 1, 1), 2).data[0, 0]
    array([[0., 1.],
           [2., 3.]])
    """
    x = as_variable(x)
    r = int(upscale_factor)
    if x.ndim < 3 or r < 1 or x.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: x must be (..., C * {r}^2, H, W) with a positive "
                         f"factor, got shape {x.shape} and upscale_factor {upscale_factor}")
    *lead, c, h, w = x.shape
    y = CF.reshape(x, (*lead, c // (r * r), r, r, h, w))
    k = len(lead)
    y = CF.transpose(y, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return CF.reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(x: Any, downscale_factor: int) -> Variable:
    """The inverse of pixel_shuffle: (..., C, H r, W r) -> (..., C r^2, H, W).

    >>> import numpy as np
    >>> pixel_unshuffle(np.arange(4.0).reshape(1, 1, 2, 2), 2).data[0, :, 0, 0]
    array([0., 1., 2., 3.])
    """
    x = as_variable(x)
    r = int(downscale_factor)
    if x.ndim < 3 or r < 1 or x.shape[-1] % r or x.shape[-2] % r:
        raise ValueError(f"pixel_unshuffle: x must be (..., C, H * {r}, W * {r}) with a positive "
                         f"factor, got shape {x.shape} and downscale_factor {downscale_factor}")
    *lead, c, h, w = x.shape
    y = CF.reshape(x, (*lead, c, h // r, r, w // r, r))
    k = len(lead)
    y = CF.transpose(y, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return CF.reshape(y, (*lead, c * r * r, h // r, w // r))


def channel_shuffle(x: Any, groups: int) -> Variable:
    """(N, G * K, ...) -> channels reordered as (K, G): channel g * K + k moves to k * G + g.

    >>> import numpy as np
    >>> channel_shuffle(np.arange(4.0).reshape(1, 4), 2).data
    array([[0., 2., 1., 3.]])
    """
    x = as_variable(x)
    if x.ndim < 2 or groups < 1 or x.shape[1] % groups:
        raise ValueError(f"channel_shuffle: x of shape {x.shape} must have a channel axis "
                         f"divisible by groups={groups}")
    n, c, *rest = x.shape
    y = CF.reshape(x, (n, groups, c // groups, *rest))
    return CF.reshape(CF.swapaxes(y, 1, 2), (n, c, *rest))
