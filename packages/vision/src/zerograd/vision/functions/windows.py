"""im2col and col2im: the windows of an image batch as the columns of a matrix, and back.

im2col reads every (KH, KW) window of a padded (N, C, H, W) batch through one strided view
(``as_strided``: no copy until the final reshape), so a convolution becomes one large matrix
product. col2im is its adjoint: it adds each window back where it came from, looping over the
KH * KW kernel offsets with strided slices, never over pixels.

The array helpers here work on the last two axes of arrays of any rank and keep whatever memory
layout they are given; the convolutions lay their buffers out channels-last (NHWC in memory, NCHW
in shape) because then every window row is a contiguous run of channels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Function, Variable, as_variable, cuda
from zerograd.core.checks import check_int_pair
from zerograd.vision.functions._geometry import check_images, output_hw

Pair = tuple[int, int]


# --- array helpers ------------------------------------------------------------------------------
def pad_array(x: Any, pad: Pair, fill: float = 0) -> Any:
    """x (N, C, H, W) padded by ``pad`` on both sides of H and W with ``fill``; the copy is laid
    out channels-last in memory. Without padding x itself is returned."""
    ph, pw = pad
    if ph == 0 and pw == 0:
        return x
    xp = cuda.get_array_module(x)
    n, c, h, w = x.shape
    buffer = xp.full((n, h + 2 * ph, w + 2 * pw, c), fill, dtype=x.dtype).transpose(0, 3, 1, 2)
    buffer[:, :, ph:ph + h, pw:pw + w] = x
    return buffer


def window_view(x: Any, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> Any:
    """A read-only strided view (..., OH, OW, KH, KW) of the windows over the last two axes of x."""
    xp = cuda.get_array_module(x)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    step_h, step_w = x.strides[-2:]
    shape = (*x.shape[:-2], oh, ow, kh, kw)
    strides = (*x.strides[:-2], step_h * sh, step_w * sw, step_h * dh, step_w * dw)
    view = xp.lib.stride_tricks.as_strided(x, shape, strides)
    if xp is np:
        view.flags.writeable = False  # windows overlap: a write through the view would smear
    return view


def offset_slices(kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair) -> list[tuple[slice, slice]]:
    """For each kernel offset (i, j), row-major, the (H, W) slices of the padded input that the
    offset touches in every window."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    return [(slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
             slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))
            for i in range(kh) for j in range(kw)]


def gather(view: Any) -> Any:
    """A new C-contiguous array holding the elements of a (strided) view: the one copy of im2col."""
    out = cuda.get_array_module(view).empty(view.shape, dtype=view.dtype)
    out[...] = view
    return out


def empty_channels_last(shape: tuple[int, ...], dtype: Any, xp: Any = np) -> Any:
    """An uninitialised (N, C, H, W) array laid out (N, H, W, C) in memory."""
    n, c, h, w = shape
    return xp.empty((n, h, w, c), dtype=dtype).transpose(0, 3, 1, 2)


def channels_last(x: Any) -> Any:
    """x (N, C, H, W) itself when its memory is channels-last and contiguous, else such a copy."""
    if x.transpose(0, 2, 3, 1).flags.c_contiguous:
        return x
    out = empty_channels_last(x.shape, x.dtype, cuda.get_array_module(x))
    out[...] = x
    return out


def accumulate(target: Any, values: Any) -> None:
    """target += values for two strided views. NumPy adds fastest when both share one memory
    order with a contiguous innermost axis; otherwise the values are first gathered into the
    target's own layout."""
    if cuda.get_array_module(target) is np and not _same_layout(target, values):
        gathered = np.empty_like(target)
        np.copyto(gathered, values)
        values = gathered
    target += values


def _same_layout(a: Any, b: Any) -> bool:
    """Whether a and b (of one shape) order their axes alike in memory, with the same unit-stride
    innermost axis; axes of length 1 do not count."""
    axes = [i for i in range(a.ndim) if a.shape[i] > 1]
    order_a = sorted(axes, key=lambda i: a.strides[i])
    order_b = sorted(axes, key=lambda i: b.strides[i])
    return order_a == order_b and (not axes or b.strides[order_b[0]] == b.itemsize)


def clipped_offset_slices(kernel: Pair, stride: Pair, pad: Pair, dilation: Pair, out_hw: Pair,
                          size_hw: Pair) -> list[tuple[tuple[slice, slice], tuple[slice, slice]]]:
    """For each kernel offset (i, j), row-major: the (OH, OW) slices of the windows whose pixel at
    that offset lies inside the unpadded input, and the (H, W) slices of those pixels. Windows
    that reach into the padding are cut, so no padded buffer is needed."""
    per_axis = []
    for a in (0, 1):
        axis = []
        for i in range(kernel[a]):
            start = i * dilation[a] - pad[a]  # input position of offset i in window 0
            first = max(0, -(start // stride[a]))  # ceil(-start / stride)
            last = min(out_hw[a] - 1, (size_hw[a] - 1 - start) // stride[a])
            if last < first:
                axis.append((slice(0, 0), slice(0, 0)))
            else:
                axis.append((slice(first, last + 1),
                             slice(start + first * stride[a], start + last * stride[a] + 1,
                                   stride[a])))
        per_axis.append(axis)
    return [((wh, ww), (xh, xw)) for wh, xh in per_axis[0] for ww, xw in per_axis[1]]


def add_windows(target: Any, cols: Any, kernel: Pair, stride: Pair, pad: Pair,
                dilation: Pair) -> Any:
    """Add cols (..., OH, OW, KH, KW) into the windows of target (..., H, W) in place; parts of
    windows that fall in the ``pad`` border are dropped."""
    out_hw = cols.shape[-4:-2]
    slices = clipped_offset_slices(kernel, stride, pad, dilation, out_hw, target.shape[-2:])
    for k, ((wh, ww), (xh, xw)) in enumerate(slices):
        i, j = divmod(k, kernel[1])
        accumulate(target[..., xh, xw], cols[..., wh, ww, i, j])
    return target


def im2col_array(img: Any, kernel_size: Any, stride: Any = 1, pad: Any = 0,
                 to_matrix: bool = True) -> Any:
    """The windows of img (N, C, H, W) as an array: (N, C, KH, KW, OH, OW), or with ``to_matrix``
    the book's matrix (N * OH * OW, C * KH * KW). Always a new array."""
    kernel, stride, pad = _pairs("im2col", kernel_size, stride, pad)
    out_hw = output_hw("im2col", img.shape, kernel, stride, pad)
    windows = window_view(pad_array(img, pad), kernel, stride, (1, 1), out_hw)
    order = (0, 2, 3, 1, 4, 5) if to_matrix else (0, 1, 4, 5, 2, 3)
    col = gather(windows.transpose(order))
    return col.reshape(col.shape[0] * out_hw[0] * out_hw[1], -1) if to_matrix else col


def col2im_array(col: Any, img_shape: tuple[int, ...], kernel_size: Any, stride: Any = 1,
                 pad: Any = 0, to_matrix: bool = True) -> Any:
    """The adjoint of im2col_array: every window of ``col`` added back into an image of
    ``img_shape`` (N, C, H, W)."""
    kernel, stride, pad = _pairs("col2im", kernel_size, stride, pad)
    n, c = img_shape[:2]
    oh, ow = output_hw("col2im", img_shape, kernel, stride, pad)
    if to_matrix:
        cols = col.reshape(n, oh, ow, c, *kernel).transpose(0, 3, 1, 2, 4, 5)
    else:
        cols = col.transpose(0, 1, 4, 5, 2, 3)
    target = cuda.get_array_module(col).zeros(img_shape, dtype=col.dtype)
    return add_windows(target, cols, kernel, stride, pad, (1, 1))


def _pairs(func: str, kernel_size: Any, stride: Any, pad: Any) -> tuple[Pair, Pair, Pair]:
    return (check_int_pair(func, "kernel_size", kernel_size, 1), check_int_pair(func, "stride", stride, 1),
            check_int_pair(func, "pad", pad, 0))


# --- differentiable im2col / col2im -----------------------------------------------------------------
class Im2col(Function):
    """The book's im2col as a Function; its backward is col2im."""

    __slots__ = ("input_shape", "kernel_size", "stride", "pad", "to_matrix")

    def __init__(self, kernel_size: Pair, stride: Pair, pad: Pair, to_matrix: bool) -> None:
        self.kernel_size, self.stride, self.pad, self.to_matrix = kernel_size, stride, pad, to_matrix

    def forward(self, x: Any) -> Any:
        self.input_shape = x.shape
        return im2col_array(x, self.kernel_size, self.stride, self.pad, self.to_matrix)

    def backward(self, gy: Variable) -> Variable:
        return col2im(gy, self.input_shape, self.kernel_size, self.stride, self.pad, self.to_matrix)


class Col2im(Function):
    """The book's col2im as a Function; its backward is im2col."""

    __slots__ = ("input_shape", "kernel_size", "stride", "pad", "to_matrix")

    def __init__(self, input_shape: tuple[int, ...], kernel_size: Pair, stride: Pair, pad: Pair,
                 to_matrix: bool) -> None:
        self.input_shape = input_shape
        self.kernel_size, self.stride, self.pad, self.to_matrix = kernel_size, stride, pad, to_matrix

    def forward(self, col: Any) -> Any:
        return col2im_array(col, self.input_shape, self.kernel_size, self.stride, self.pad,
                            self.to_matrix)

    def backward(self, gy: Variable) -> Variable:
        return im2col(gy, self.kernel_size, self.stride, self.pad, self.to_matrix)


def im2col(x: Any, kernel_size: Any, stride: Any = 1, pad: Any = 0,
           to_matrix: bool = True) -> Variable:
    """The (KH, KW) windows of an image batch, one window per row (the book's layout).

    x: (N, C, H, W). Returns (N * OH * OW, C * KH * KW) with ``to_matrix``, rows ordered
    (n, oh, ow) and columns (c, kh, kw); else (N, C, KH, KW, OH, OW). Windows start every
    ``stride`` pixels of the input padded with ``pad`` zeros; OH = (H + 2 * pad - KH) // stride + 1.

    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> im2col(x, 3).shape
    (4, 9)
    >>> im2col(x, 2, stride=2).data[1]
    array([2., 3., 6., 7.])
    """
    x = as_variable(x)
    check_images("im2col", "x", x)
    kernel, stride, pad = _pairs("im2col", kernel_size, stride, pad)
    output_hw("im2col", x.shape, kernel, stride, pad)
    return Im2col(kernel, stride, pad, bool(to_matrix))(x)


def col2im(col: Any, input_shape: tuple[int, ...], kernel_size: Any, stride: Any = 1,
           pad: Any = 0, to_matrix: bool = True) -> Variable:
    """The adjoint of im2col: add every window of ``col`` back into an image of ``input_shape``.

    col: (N * OH * OW, C * KH * KW) with ``to_matrix``, else (N, C, KH, KW, OH, OW). Returns
    (N, C, H, W); where windows overlap, their values add up.

    >>> import numpy as np
    >>> col2im(np.ones((4, 9)), (1, 1, 4, 4), 3).data[0, 0]
    array([[1., 2., 2., 1.],
           [2., 4., 4., 2.],
           [2., 4., 4., 2.],
           [1., 2., 2., 1.]])
    """
    col = as_variable(col)
    input_shape = tuple(int(n) for n in input_shape)
    if len(input_shape) != 4:
        raise ValueError(f"col2im: input_shape must be (N, C, H, W), got {input_shape}")
    kernel, stride, pad = _pairs("col2im", kernel_size, stride, pad)
    oh, ow = output_hw("col2im", input_shape, kernel, stride, pad)
    n, c = input_shape[:2]
    expected = ((n * oh * ow, c * kernel[0] * kernel[1]) if to_matrix
                else (n, c, *kernel, oh, ow))
    if tuple(col.shape) != expected:
        raise ValueError(f"col2im: col of shape {tuple(col.shape)} does not fit input_shape "
                         f"{input_shape} with kernel {kernel}, stride {stride}, pad {pad} "
                         f"(expected {expected})")
    return Col2im(input_shape, kernel, stride, pad, bool(to_matrix))(col)
