"""The im2col matrix of a convolution and its adjoint, col2im, on channels-last batches,
parallel over output rows (NumPy's copies and strided adds run on one thread).

``conv_columns``: every (KH, KW) window of a padded (N, C, H, W) batch as one row. NumPy
reference: zerograd.vision.functions.conv.conv_columns (a strided window view of the padded
input, copied into the matrix). Same layout: (G, N * OH * OW, KH * KW * C / G [+ 1]), rows
(n, oh, ow), columns (kh, kw, c) and, with ``ones``, a last column of ones; pixels in the
padding are zeros. A pure copy: the results are bitwise those of NumPy. Used where a window
row holds at least 8 values (KW * C / G); shorter runs (one input channel) copy faster in
NumPy's per-offset loop.

``col2im``: the sum of a transposed convolution's column matrix (x @ W for every kernel offset at
once) back into its output, each output pixel gathering its (window, offset) entries in
row-major offset order, the order in which the NumPy reference (conv.deconv_forward: one product
per offset, ``accumulate``d into the output) adds them; only the matrix product's blocking may
differ from the reference's per-offset products (float rounding).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.kernels._jit import kernel, prange


@kernel
def _columns(x: Any, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int, dh: int, dw: int,
             out_h: int, out_w: int, col: Any, ones: bool) -> None:
    """x (N, H, W, C) -> col (G, N * OH * OW, KH * KW * C / G [+ 1])."""
    n_images, height, width, channels = x.shape
    groups = col.shape[0]
    per_group = channels // groups
    zero, one = col.dtype.type(0), col.dtype.type(1)
    for np_ in prange(n_images * out_h):  # one (image, output row) per iteration
        n, p = np_ // out_h, np_ % out_h
        for q in range(out_w):
            r = np_ * out_w + q
            for i in range(kh):
                h = p * sh - ph + i * dh
                row_inside = 0 <= h < height
                for j in range(kw):
                    w = q * sw - pw + j * dw
                    base = (i * kw + j) * per_group
                    if row_inside and 0 <= w < width:
                        for g in range(groups):
                            first = g * per_group
                            for c in range(per_group):
                                col[g, r, base + c] = x[n, h, w, first + c]
                    else:
                        for g in range(groups):
                            for c in range(per_group):
                                col[g, r, base + c] = zero
            if ones:
                for g in range(groups):
                    col[g, r, kh * kw * per_group] = one


def conv_columns(x: Any, kernel_hw: Any, stride: Any, pad: Any, dilation: Any, groups: int,
                 out_hw: Any, ones: bool) -> Any:
    """The im2col matrix of x (N, C, H, W); see the module docstring."""
    n, c = x.shape[:2]
    (kh, kw), (oh, ow) = kernel_hw, out_hw
    width = kh * kw * (c // groups)
    col = np.empty((groups, n * oh * ow, width + ones), dtype=x.dtype)
    x_nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    _columns(x_nhwc, kh, kw, *stride, *pad, *dilation, oh, ow, col, bool(ones))
    return col


@kernel
def _col2im(col: Any, rows: Any, cols: Any, in_h: int, in_w: int, y: Any) -> None:
    """col (G, N * H * W, KH * KW * OC / G) -> y (N, OH, OW, OC): each output pixel gathers the
    column entries of every (window, offset) that lands on it, offsets in row-major order.
    rows (OH, KH): the window row whose offset i lands on output row a, or -1; cols likewise."""
    n_images, out_h, out_w, channels = y.shape
    kh, kw = rows.shape[1], cols.shape[1]
    groups = col.shape[0]
    per_group = channels // groups
    zero = y.dtype.type(0)
    for na in prange(n_images * out_h):  # one (image, output row) per iteration
        n, a = na // out_h, na % out_h
        for b in range(out_w):
            for c in range(channels):
                y[n, a, b, c] = zero
            for i in range(kh):
                h = rows[a, i]
                if h < 0:
                    continue
                for j in range(kw):
                    w = cols[b, j]
                    if w < 0:
                        continue
                    r = (n * in_h + h) * in_w + w
                    base = (i * kw + j) * per_group
                    for g in range(groups):
                        first = g * per_group
                        for o in range(per_group):
                            y[n, a, b, first + o] += col[g, r, base + o]


def landing(out: int, size: int, k: int, stride: int, pad: int, dilation: int) -> Any:
    """(out, k) int64: the window (along one axis, of ``size``) whose offset i lands on output
    position a, i.e. window * stride - pad + i * dilation = a, or -1 where none does."""
    t = np.arange(out)[:, None] + pad - np.arange(k)[None, :] * dilation
    window = t // stride
    return np.where((t >= 0) & (t % stride == 0) & (window < size), window, -1).astype(np.int64)


def threads() -> int:
    """How many threads the kernels run on (set by zerograd.core.kernels from the environment)."""
    import numba
    return numba.get_num_threads()


def col2im_tables(out_hw: Any, in_hw: Any, kernel_hw: Any, stride: Any, pad: Any,
                  dilation: Any) -> tuple[Any, Any]:
    """col2im's (rows, cols) tables for one geometry (see ``landing``), made once per call."""
    return tuple(landing(out_hw[a], in_hw[a], kernel_hw[a], stride[a], pad[a], dilation[a])
                 for a in (0, 1))


def col2im(col: Any, tables: tuple[Any, Any], in_hw: Any, y: Any) -> None:
    """Write into y (N, OH, OW, OC), C-contiguous, the col2im of col (G, N * H * W,
    KH * KW * OC / G): rows (n, h, w), columns (kh, kw, oc). y[n, a, b] sums, in row-major offset
    order, col[(n, h, w), (i, j)] over the h * sh - ph + i * dh = a, w * sw - pw + j * dw = b;
    ``tables`` from col2im_tables."""
    _col2im(col, *tables, in_hw[0], in_hw[1], y)
