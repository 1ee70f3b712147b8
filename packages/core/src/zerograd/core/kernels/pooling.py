"""Max pooling with 2x2 windows at stride 2 (no padding, even sizes: the windows tile the input),
forward with the offset of each window's first maximum and backward, one pass each, parallel over
the batch, on (N, C, H, W) batches laid out channels-last.

NumPy reference: zerograd.vision.functions.pool (``_max_with_offsets`` over the four views of
``_Geometry.views`` for the forward, ``MaxPooling2DGrad.forward`` with ``_Geometry.scatter`` for
the backward). Same results: the offset k = i * 2 + j of the first maximum (a later equal value
never wins; NaN propagates into y without moving the offset, as ``np.maximum``/``np.greater``
do).

Only this geometry (every CNN of the book, VGG and the benchmarks) is compiled: the window loops
must be constants for the compiler to unroll them and vectorise over the channels; with the
window size a run-time value the kernel measured no faster than NumPy's four passes, so other
geometries stay on NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.kernels._jit import kernel, prange


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
