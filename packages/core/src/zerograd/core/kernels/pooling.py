"""Max pooling on (N, C, H, W) batches laid out channels-last, one pass each, parallel over the
batch: 2x2 windows at stride 2 (no padding, even sizes: the windows tile the input), forward
with the offset of each window's first maximum and backward; 3x3 windows at any stride and
padding (ResNet's 3x3/2), forward; and the backward for any window geometry.

NumPy reference: zerograd.vision.functions.pool (``_max_with_offsets`` over the views of
``_Geometry.views`` for the forward, ``MaxPooling2DGrad.forward`` with ``_Geometry.scatter`` for
the backward). Same results, bitwise: the offset k = i * KW + j of the first maximum (a later
equal value never wins; NaN propagates into y without moving the offset, as
``np.maximum``/``np.greater`` do; padding reads as -inf), and each input pixel's gradient summed
over its windows in the reference's order of k.

The window loops of a forward must be constants for the compiler to unroll them and vectorise
over the channels; with the window size a run-time value the forward measured no faster than
NumPy's passes, so only 2x2 and 3x3 windows are compiled and other geometries stay on NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.kernels._jit import kernel, prange
from zerograd.core.kernels.windows import landing


@kernel
def _forward(x: Any, y: Any, offsets: Any) -> None:
    """x (N, H, W, C) -> y, offsets (N, H / 2, W / 2, C)."""
    n_images, out_h, out_w, channels = y.shape
    for n in prange(n_images):
        for p in range(out_h):
            for q in range(out_w):
                for c in range(channels):
                    best = x[n, 2 * p, 2 * q, c]
                    where = 0
                    for k in range(1, 4):
                        v = x[n, 2 * p + k // 2, 2 * q + k % 2, c]
                        wins = v > best
                        where = k if wins else where
                        # NaN takes the value (np.maximum) but not the offset (np.greater)
                        best = v if wins | (v != v) else best
                    y[n, p, q, c] = best
                    offsets[n, p, q, c] = where


@kernel
def _backward(gy: Any, offsets: Any, gx: Any) -> None:
    """gy, offsets (N, OH, OW, C) -> gx (N, 2 OH, 2 OW, C): each gy at its window's maximum."""
    n_images, out_h, out_w, channels = gy.shape
    zero = gx.dtype.type(0)
    for n in prange(n_images):
        for p in range(out_h):
            for k in range(4):
                i, j = k // 2, k % 2
                for q in range(out_w):
                    for c in range(channels):
                        g = gy[n, p, q, c]
                        gx[n, 2 * p + i, 2 * q + j, c] = g if offsets[n, p, q, c] == k else zero


def _nhwc(a: Any) -> Any:
    """The (N, H, W, C) view of an (N, C, H, W) array, made contiguous when it is not."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def max_pool_forward(x: Any) -> tuple[Any, Any]:
    """(y, offsets), both (N, C, H / 2, W / 2) laid out channels-last; offsets uint8."""
    n, c, h, w = x.shape
    y = np.empty((n, h // 2, w // 2, c), dtype=x.dtype)
    offsets = np.empty(y.shape, dtype=np.uint8)
    _forward(_nhwc(x), y, offsets)
    return y.transpose(0, 3, 1, 2), offsets.transpose(0, 3, 1, 2)


def max_pool_backward(gy: Any, offsets: Any) -> Any:
    """gx (N, C, 2 OH, 2 OW) laid out channels-last."""
    n, c, oh, ow = gy.shape
    gx = np.empty((n, 2 * oh, 2 * ow, c), dtype=gy.dtype)
    _backward(_nhwc(gy), _nhwc(offsets), gx)
    return gx.transpose(0, 3, 1, 2)


@kernel
def _forward_3x3(x: Any, sh: int, sw: int, ph: int, pw: int, y: Any, offsets: Any) -> None:
    """x (N, H, W, C) -> y, offsets (N, OH, OW, C) for 3x3 windows at any stride and padding;
    a pixel in the padding reads as -inf (``pool._lowest``), as the NumPy reference pads."""
    n_images, out_h, out_w, channels = y.shape
    height, width = x.shape[1], x.shape[2]
    lowest = x.dtype.type(-np.inf)
    for np_ in prange(n_images * out_h):
        n, p = np_ // out_h, np_ % out_h
        h0 = p * sh - ph
        for q in range(out_w):
            w0 = q * sw - pw
            if h0 >= 0 and h0 + 2 < height and w0 >= 0 and w0 + 2 < width:
                for c in range(channels):  # the window lies inside: no bounds per element
                    best = x[n, h0, w0, c]
                    where = 0
                    for k in range(1, 9):
                        v = x[n, h0 + k // 3, w0 + k % 3, c]
                        wins = v > best
                        where = k if wins else where
                        best = v if wins | (v != v) else best
                    y[n, p, q, c] = best
                    offsets[n, p, q, c] = where
            else:
                for c in range(channels):
                    best = lowest
                    where = 0
                    for k in range(9):
                        h, w = h0 + k // 3, w0 + k % 3
                        v = x[n, h, w, c] if 0 <= h < height and 0 <= w < width else lowest
                        wins = (v > best) & (k > 0)
                        where = k if wins else where
                        best = v if wins | (v != v) | (k == 0) else best
                    y[n, p, q, c] = best
                    offsets[n, p, q, c] = where


@kernel
def _backward_windows(gy: Any, offsets: Any, rows: Any, cols: Any, gx: Any) -> None:
    """gy, offsets (N, OH, OW, C) -> gx (N, H, W, C) for any window geometry: each input pixel
    sums gy * (offset == k) over the (window, offset k) pairs that reach it, k in row-major
    order as the NumPy reference adds them. rows (H, KH): the window row whose offset i lies on
    input row h, or -1; cols likewise."""
    n_images, height, width, channels = gx.shape
    kh, kw = rows.shape[1], cols.shape[1]
    zero, one = gx.dtype.type(0), gx.dtype.type(1)
    for nh in prange(n_images * height):
        n, h = nh // height, nh % height
        for w in range(width):
            for c in range(channels):
                gx[n, h, w, c] = zero
            for i in range(kh):
                p = rows[h, i]
                if p < 0:
                    continue
                for j in range(kw):
                    q = cols[w, j]
                    if q < 0:
                        continue
                    k = i * kw + j
                    for c in range(channels):
                        chosen = one if offsets[n, p, q, c] == k else zero
                        gx[n, h, w, c] += gy[n, p, q, c] * chosen


def max_pool_3x3_forward(x: Any, stride: Any, pad: Any, out_hw: Any) -> tuple[Any, Any]:
    """(y, offsets), both (N, C, OH, OW) laid out channels-last; offsets uint8 (k = i * 3 + j)."""
    n, c = x.shape[:2]
    y = np.empty((n, *out_hw, c), dtype=x.dtype)
    offsets = np.empty(y.shape, dtype=np.uint8)
    _forward_3x3(_nhwc(x), *stride, *pad, y, offsets)
    return y.transpose(0, 3, 1, 2), offsets.transpose(0, 3, 1, 2)


def max_pool_backward_windows(gy: Any, offsets: Any, kernel_hw: Any, stride: Any, pad: Any,
                              x_hw: Any) -> Any:
    """gx (N, C, H, W) laid out channels-last, for any geometry; offsets uint8."""
    n, c, oh, ow = gy.shape
    gx = np.empty((n, *x_hw, c), dtype=gy.dtype)
    rows = landing(x_hw[0], oh, kernel_hw[0], stride[0], pad[0], 1)
    cols = landing(x_hw[1], ow, kernel_hw[1], stride[1], pad[1], 1)
    _backward_windows(_nhwc(gy), _nhwc(offsets), rows, cols, gx)
    return gx.transpose(0, 3, 1, 2)
