"""Two-dimensional convolution, its transpose (deconvolution) and the weight gradient that links
them, each one fused Function whose backward is made of the other two (so gradients of gradients
work); plus the book's conv2d_simple, composed of im2col and a matrix product.

How the fused forward runs: one strided view of the padded input gives every window; one copy
lays the windows out as a matrix whose rows are (n, oh, ow) and columns (kh, kw, c), plus a
column of ones when there is a bias; one matrix product with the weights (the bias as their last
row) gives the output. Large batches go through in chunks of images, so that matrix stays within
a few tens of MB. Buffers are channels-last in memory (the shape stays NCHW): a window's row
is then a contiguous run of channels, the product's result is already the output, and the next
layer's im2col reads contiguous runs again. The weight gradient is one product with the same
matrix (its ones column sums the bias gradient); the input gradient is the transposed
convolution, one product per kernel offset added into the pixels that offset reaches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Function, ShapeError, Variable, as_variable, cuda, kernels
from zerograd.core import functions as CF
from zerograd.core.checks import check_int_pair
from zerograd.core.utils import get_conv_outsize as conv_outsize
from zerograd.core.utils import get_deconv_outsize as deconv_outsize
from zerograd.vision.functions._geometry import check_images, output_hw
from zerograd.vision.functions.windows import (
    accumulate,
    clipped_offset_slices,
    im2col,
    pad_array,
    window_view,
)

Pair = tuple[int, int]


# --- array helpers ------------------------------------------------------------------------------
def conv_columns(x: Any, kernel: Pair, stride: Pair, pad: Pair, dilation: Pair, groups: int,
                 out_hw: Pair, ones: bool = False) -> Any:
    """The windows of x (N, C, H, W) as one matrix per group: (G, N * OH * OW, KH * KW * C / G),
    rows (n, oh, ow), columns (kh, kw, c); with ``ones`` a last column of ones is appended, so
    that one matrix product also adds the bias (forward) or sums the gradient (backward)."""
    n, c = x.shape[:2]
    if kernel == (1, 1) and pad == (0, 0) and not ones:  # pointwise: the pixels are the windows
        return to_matrix(x[:, :, ::stride[0], ::stride[1]], groups)
    if (c // groups) * kernel[1] >= 8 and kernels.enabled(x):  # the NumPy reference is below
        from zerograd.core.kernels import windows as compiled
        return compiled.conv_columns(x, kernel, stride, pad, dilation, groups, out_hw, ones)
    xp = cuda.get_array_module(x)
    windows = window_view(pad_array(x, pad), kernel, stride, dilation, out_hw)
    windows = windows.reshape(n, groups, c // groups, *out_hw, *kernel)
    windows = windows.transpose(1, 0, 3, 4, 5, 6, 2)  # (G, N, OH, OW, KH, KW, Cg)
    rows, width = n * out_hw[0] * out_hw[1], kernel[0] * kernel[1] * (c // groups)
    col = xp.empty((groups, rows, width + ones), dtype=x.dtype)
    target = col[:, :, :width].reshape(windows.shape)
    if (c // groups) * kernel[1] >= 8:
        target[...] = windows  # the one copy of im2col, in runs of KW * C contiguous values
    else:  # runs that short (one channel) copy faster one kernel offset at a time
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                target[..., i, j, :] = windows[..., i, j, :]
    if ones:
        col[:, :, width] = 1
    return col


def to_matrix(x: Any, groups: int) -> Any:
    """(N, C, H, W) -> (G, N * H * W, C / G): a view when x is channels-last in memory."""
    n, c, h, w = x.shape
    return x.transpose(0, 2, 3, 1).reshape(n * h * w, groups, c // groups).transpose(1, 0, 2)


def from_matrix(y: Any, n: int, out_hw: Pair) -> Any:
    """(G, N * OH * OW, OC / G) -> (N, OC, OH, OW), channels-last in memory."""
    groups, _, per_group = y.shape
    return y.transpose(1, 0, 2).reshape(n, *out_hw, groups * per_group).transpose(0, 3, 1, 2)


# The im2col matrix is built for a chunk of images at a time, at most this large: a VGG16
# layer's whole matrix would take ~1 GB at batch 8, and a chunk that stays in the last-level
# cache is read back by the matrix product faster than one fetched from memory.
COLUMNS_CHUNK_BYTES = 32 * 2**20


# On one thread the compiled deconvolution's column matrix is made and summed back a few images
# at a time, so that it is still in the core's cache when col2im reads it. With more threads each
# chunk wakes the other threads twice (the product, then col2im), which measured costlier than
# the cache saves: there it takes COLUMNS_CHUNK_BYTES' chunks.
DECONV_CHUNK_BYTES = 2**20


def image_chunks(n: int, bytes_per_image: int, limit: int | None = None) -> list[slice]:
    """Slices of the batch axis (0..n) whose im2col matrices stay within ``limit`` bytes
    (default COLUMNS_CHUNK_BYTES; at least one image each)."""
    limit = COLUMNS_CHUNK_BYTES if limit is None else limit
    per_chunk = max(1, limit // max(1, bytes_per_image))
    return [slice(start, min(start + per_chunk, n)) for start in range(0, n, per_chunk)]


def conv_forward(x: Any, W: Any, b: Any, stride: Pair, pad: Pair, dilation: Pair,
                 groups: int) -> Any:
    """y[n, o] = b[o] + sum over c, i, j of W[o, c, i, j] * x_pad[n, c, oh*s + i*d, ow*s + j*d]:
    per chunk of images, one matrix product of their im2col matrix (with a ones column when
    there is a bias) and the weights (with the bias as their last row), written straight into
    the output's rows."""
    xp = cuda.get_array_module(x)
    n = x.shape[0]
    oc, cg, kh, kw = W.shape
    out_hw = (conv_outsize(x.shape[2], kh, stride[0], pad[0], dilation[0]),
              conv_outsize(x.shape[3], kw, stride[1], pad[1], dilation[1]))
    w_mat = W.reshape(groups, oc // groups, cg, kh, kw).transpose(0, 3, 4, 2, 1)
    w_mat = w_mat.reshape(groups, kh * kw * cg, oc // groups)
    if b is not None:
        w_mat = xp.concatenate([w_mat, b.reshape(groups, 1, oc // groups).astype(w_mat.dtype)], 1)
    y_mat = xp.empty((groups, n * out_hw[0] * out_hw[1], oc // groups),
                     dtype=xp.result_type(x.dtype, w_mat.dtype))
    rows_per_image = out_hw[0] * out_hw[1]
    for images in image_chunks(n, rows_per_image * groups * w_mat.shape[1] * x.itemsize):
        col = conv_columns(x[images], (kh, kw), stride, pad, dilation, groups, out_hw,
                           ones=b is not None)
        xp.matmul(col, w_mat, out=y_mat[:, images.start * rows_per_image:
                                        images.stop * rows_per_image])
    return from_matrix(y_mat, n, out_hw)


def deconv_forward(x: Any, W: Any, stride: Pair, pad: Pair, dilation: Pair, groups: int,
                   out_hw: Pair) -> Any:
    """The adjoint of conv_forward in x: each input pixel times the kernel, added into the output
    window it belongs to (col2im of x @ W). One kernel offset at a time: its product x @ W[:, :,
    i, j] is added at once into the output pixels that offset reaches, so the product stays small
    and in cache instead of growing to KH * KW times the output. (At stride 1 this equals a
    convolution with the flipped kernel, but measured on the CNN and ResNet-18 shapes its im2col
    copy makes that slower.)"""
    if kernels.enabled(x, W):  # the NumPy reference is below
        return _deconv_compiled(x, W, stride, pad, dilation, groups, out_hw)
    xp = cuda.get_array_module(x)
    n, c, h, w = x.shape
    _, ocg, kh, kw = W.shape
    x_mat = to_matrix(x, groups)  # (G, N * H * W, C / G)
    w_blocks = xp.ascontiguousarray(
        W.reshape(groups, c // groups, ocg, kh * kw).transpose(3, 0, 1, 2))  # (KK, G, Cg, OCg)
    dtype = xp.result_type(x.dtype, W.dtype)
    y = xp.zeros((n, *out_hw, groups * ocg), dtype=dtype).transpose(0, 3, 1, 2)
    y_groups = y.reshape(n, groups, ocg, *out_hw)
    product = xp.empty((groups, n * h * w, ocg), dtype=dtype)
    part = product.reshape(groups, n, h, w, ocg).transpose(1, 0, 4, 2, 3)  # (N, G, OCg, H, W)
    slices = clipped_offset_slices((kh, kw), stride, pad, dilation, (h, w), out_hw)
    for k, ((wh, ww), (yh, yw)) in enumerate(slices):
        if wh.stop == wh.start or ww.stop == ww.start:
            continue  # this offset only ever reaches the padding
        xp.matmul(x_mat, w_blocks[k], out=product)
        accumulate(y_groups[..., yh, yw], part[..., wh, ww])
    return y


def _deconv_compiled(x: Any, W: Any, stride: Pair, pad: Pair, dilation: Pair, groups: int,
                     out_hw: Pair) -> Any:
    """deconv_forward as one product for all kernel offsets per chunk of images (a wider matrix
    product runs faster than KH * KW narrow ones) and the compiled col2im, parallel over rows."""
    from zerograd.core.kernels import windows as compiled
    n, c, h, w = x.shape
    _, ocg, kh, kw = W.shape
    w_all = W.reshape(groups, c // groups, ocg, kh * kw).transpose(0, 1, 3, 2)
    w_all = w_all.reshape(groups, c // groups, kh * kw * ocg)  # columns (kh, kw, oc)
    y = np.empty((n, *out_hw, groups * ocg), dtype=x.dtype)
    tables = compiled.col2im_tables(out_hw, (h, w), (kh, kw), stride, pad, dilation)
    limit = DECONV_CHUNK_BYTES if compiled.threads() == 1 else None
    for images in image_chunks(n, h * w * groups * w_all.shape[2] * x.itemsize, limit):
        col = np.matmul(to_matrix(x[images], groups), w_all)
        compiled.col2im(col, tables, (h, w), y[images])
    return y.transpose(0, 3, 1, 2)


def weight_gradient(x: Any, gy: Any, w_shape: tuple[int, ...], stride: Pair, pad: Pair,
                    dilation: Pair, groups: int, with_bias: bool = False) -> Any:
    """gW[o, c, i, j] = sum over n, oh, ow of gy[n, o, oh, ow] * x_pad[n, c, oh*s + i*d, ow*s + j*d]:
    per chunk of images, one matrix product of gy with the im2col matrix of x, summed over the
    chunks. The matrix is built again rather than kept from the forward: memory stays at
    PyTorch's level, and (measured on a small CNN) the rebuild costs less than the page faults
    that holding it on the heap causes.
    With ``with_bias`` the ones column of that matrix gives gb = sum of gy too: (gW, gb)."""
    xp = cuda.get_array_module(x)
    oc, cg, kh, kw = w_shape
    width = kh * kw * cg
    out_hw = gy.shape[2:]
    g_mat = None  # (G, OC / G, K [+ 1])
    for images in image_chunks(x.shape[0], out_hw[0] * out_hw[1] * (width + 1) * x.itemsize):
        col = conv_columns(x[images], (kh, kw), stride, pad, dilation, groups, out_hw, with_bias)
        part = xp.matmul(to_matrix(gy[images], groups).transpose(0, 2, 1), col)
        g_mat = part if g_mat is None else xp.add(g_mat, part, out=g_mat)
    gW = xp.ascontiguousarray(g_mat[:, :, :width].reshape(oc, kh, kw, cg).transpose(0, 3, 1, 2))
    return (gW, g_mat[:, :, width].reshape(oc)) if with_bias else gW


def _add_bias(y: Any, b: Any) -> Any:
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def _cropped(y: Variable, shape: tuple[int, ...]) -> Variable:
    """y cut to ``shape`` (N, C, H, W). At stride 1 with dilation, a transposed convolution's
    outsize may exceed the smallest by rows no input pixel reaches; convolving back over them
    yields extra windows, whose values belong to no input."""
    if y.shape == tuple(shape):
        return y
    return y[:, :, :shape[2], :shape[3]]


def _bias_gradient(inputs: list[Variable], gy: Variable) -> tuple[Any, ...]:
    if len(inputs) < 3:
        return ()
    return (CF.sum(gy, axis=(0, 2, 3)) if inputs[2].requires_grad else None,)


# --- Functions ----------------------------------------------------------------------------------
class Convolution2D(Function):
    """y = conv(x, W) + b; inputs (x, W) or (x, W, b). Backward: gx = deconv(gy, W) and
    (gW, gb) = Convolution2DGradW(x, gy)."""

    __slots__ = ("stride", "pad", "dilation", "groups")

    def __init__(self, stride: Pair, pad: Pair, dilation: Pair = (1, 1), groups: int = 1) -> None:
        self.stride, self.pad, self.dilation, self.groups = stride, pad, dilation, groups

    def forward(self, x: Any, W: Any, b: Any = None) -> Any:
        return conv_forward(x, W, b, self.stride, self.pad, self.dilation, self.groups)

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        x, W = self.inputs[:2]
        with_bias = len(self.inputs) == 3
        geometry = (self.stride, self.pad, self.dilation, self.groups)
        gx = (Deconvolution2D(*geometry, out_hw=x.shape[2:])(gy, W)
              if x.requires_grad else None)
        grads = (None, None) if with_bias else None
        if W.requires_grad or (with_bias and self.inputs[2].requires_grad):
            grads = Convolution2DGradW(W.shape, *geometry, with_bias=with_bias)(x, gy)
        return (gx, *grads) if with_bias else (gx, grads)


class Deconvolution2D(Function):
    """y = conv_transpose(x, W) + b with W of shape (C, OC / groups, KH, KW). Backward:
    gx = conv(gy, W), gW = Convolution2DGradW(gy, x), gb = sum of gy over (N, OH, OW)."""

    __slots__ = ("stride", "pad", "dilation", "groups", "out_hw")

    def __init__(self, stride: Pair, pad: Pair, dilation: Pair = (1, 1), groups: int = 1,
                 out_hw: Pair = (0, 0)) -> None:
        self.stride, self.pad, self.dilation, self.groups = stride, pad, dilation, groups
        self.out_hw = tuple(out_hw)

    def forward(self, x: Any, W: Any, b: Any = None) -> Any:
        y = deconv_forward(x, W, self.stride, self.pad, self.dilation, self.groups, self.out_hw)
        return _add_bias(y, b)

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        x, W = self.inputs[:2]
        geometry = (self.stride, self.pad, self.dilation, self.groups)
        gx = _cropped(Convolution2D(*geometry)(gy, W), x.shape) if x.requires_grad else None
        gW = Convolution2DGradW(W.shape, *geometry)(gy, x) if W.requires_grad else None
        return (gx, gW, *_bias_gradient(self.inputs, gy))


class Convolution2DGradW(Function):
    """The gradient of a convolution's weights (and, ``with_bias``, of its bias) from its input x
    and output gradient gy. Linear in each, so its backward is a deconvolution (for x) and a
    convolution (for gy)."""

    __slots__ = ("w_shape", "stride", "pad", "dilation", "groups", "with_bias")

    def __init__(self, w_shape: tuple[int, ...], stride: Pair, pad: Pair, dilation: Pair = (1, 1),
                 groups: int = 1, with_bias: bool = False) -> None:
        self.w_shape = tuple(w_shape)
        self.stride, self.pad, self.dilation, self.groups = stride, pad, dilation, groups
        self.with_bias = with_bias

    def forward(self, x: Any, gy: Any) -> Any:
        return weight_gradient(x, gy, self.w_shape, self.stride, self.pad, self.dilation,
                               self.groups, self.with_bias)

    def backward(self, ggW: Variable | None, ggb: Variable | None = None) -> tuple[Any, Any]:
        x, gy = self.inputs
        if ggW is None:  # only the bias gradient was used further on
            ggW = Variable(cuda.get_array_module(x.data).zeros(self.w_shape, dtype=x.dtype),
                           requires_grad=False)
        geometry = (self.stride, self.pad, self.dilation, self.groups)
        gx = (Deconvolution2D(*geometry, out_hw=x.shape[2:])(gy, ggW)
              if x.requires_grad else None)
        ggy = None
        if gy.requires_grad:
            ggy = _cropped(Convolution2D(*geometry)(*((x, ggW) if ggb is None else (x, ggW, ggb))),
                           gy.shape)
        return gx, ggy


# --- public wrappers ----------------------------------------------------------------------------
def _check_weight(func: str, W: Variable, layout: str) -> None:
    if W.data is None:
        raise ValueError(f"{func}: W has no data (a Variable created with None)")
    if W.ndim != 4:
        raise ValueError(f"{func}: W must be 4-D {layout}, got shape {tuple(W.shape)}")


def _check_groups(func: str, groups: Any) -> int:
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{func}: groups must be a positive int, got {groups!r}")
    return groups


def _checked_arguments(func: str, x: Any, W: Any, layout: str, groups: Any, stride: Any, pad: Any,
                       dilation: Any) -> tuple[Variable, Variable, int, Pair, Pair, Pair]:
    """conv2d's and deconv2d's common arguments, checked (errors name ``func``; ``layout`` is W's):
    x and W as Variables, then groups, stride, pad and dilation as an int and three pairs."""
    x, W = as_variable(x), as_variable(W)
    check_images(func, "x", x)
    _check_weight(func, W, layout)
    return (x, W, _check_groups(func, groups), check_int_pair(func, "stride", stride, 1),
            check_int_pair(func, "pad", pad, 0), check_int_pair(func, "dilation", dilation, 1))


def _inputs_with_bias(func: str, x: Variable, W: Variable, b: Any, channels: int) -> tuple:
    if b is None:
        return x, W
    b = as_variable(b)
    if b.data is None or tuple(b.shape) != (channels,):
        shape = None if b.data is None else tuple(b.shape)
        raise ShapeError(f"{func}: b must have shape ({channels},) for {channels} output channels "
                         f"(W of shape {tuple(W.shape)}), got {shape}")
    return x, W, b


def conv2d(x: Any, W: Any, b: Any = None, stride: Any = 1, pad: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Variable:
    """Two-dimensional convolution (cross-correlation, as in every framework) with optional bias.

    y[n, o, p, q] = b[o] + sum over c, i, j of W[o, c, i, j] * x_pad[n, g*C/G + c, p*s + i*d, q*s + j*d]
    where g is the group of output channel o. Shapes: x (N, C, H, W), W (OC, C / groups, KH, KW),
    b (OC,), y (N, OC, OH, OW) with OH = (H + 2 * pad - dilation * (KH - 1) - 1) // stride + 1.
    ``stride``, ``pad`` and ``dilation`` are ints or (height, width) pairs. The output is NCHW in
    shape and channels-last in memory (a transposed view), which the next layer reads fastest.

    >>> import numpy as np
    >>> x = np.ones((1, 1, 4, 4), dtype=np.float32)
    >>> W = np.ones((2, 1, 3, 3), dtype=np.float32)
    >>> y = conv2d(x, W, pad=1)
    >>> y.shape, y.dtype
    ((1, 2, 4, 4), dtype('float32'))
    >>> y.data[0, 0]
    array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]], dtype=float32)
    """
    x, W, groups, stride, pad, dilation = _checked_arguments(
        "conv2d", x, W, "(OC, C / groups, KH, KW)", groups, stride, pad, dilation)
    oc, cg = W.shape[:2]
    if x.shape[1] != cg * groups:
        expected = f"{cg * groups}" + (f" ({cg} per group x {groups} groups)" if groups > 1 else "")
        raise ShapeError(f"conv2d: x of shape {tuple(x.shape)} has {x.shape[1]} channels but W of "
                         f"shape {tuple(W.shape)} expects {expected}")
    if oc % groups:
        raise ShapeError(f"conv2d: W of shape {tuple(W.shape)} has {oc} output channels, not "
                         f"divisible by groups={groups}")
    output_hw("conv2d", x.shape, W.shape[2:], stride, pad, dilation)
    return Convolution2D(stride, pad, dilation, groups)(*_inputs_with_bias("conv2d", x, W, b, oc))


def deconv2d(x: Any, W: Any, b: Any = None, stride: Any = 1, pad: Any = 0, outsize: Any = None,
             dilation: Any = 1, groups: int = 1) -> Variable:
    """Transposed convolution (deconvolution): the gradient of conv2d with respect to its input,
    used to upsample.

    Shapes: x (N, C, H, W), W (C, OC / groups, KH, KW), b (OC,), y (N, OC, OH, OW) with
    OH = stride * (H - 1) + dilation * (KH - 1) + 1 - 2 * pad by default; ``outsize`` (OH, OW)
    may ask for up to stride - 1 more (the rows a strided convolution of that size would skip).

    >>> import numpy as np
    >>> x = np.ones((1, 1, 2, 2), dtype=np.float32)
    >>> W = np.ones((1, 1, 2, 2), dtype=np.float32)
    >>> deconv2d(x, W, stride=2).data[0, 0]
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    >>> deconv2d(x, W, stride=1).data[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]], dtype=float32)
    """
    x, W, groups, stride, pad, dilation = _checked_arguments(
        "deconv2d", x, W, "(C, OC / groups, KH, KW)", groups, stride, pad, dilation)
    if x.shape[1] != W.shape[0]:
        raise ShapeError(f"deconv2d: x of shape {tuple(x.shape)} has {x.shape[1]} channels but W "
                         f"of shape {tuple(W.shape)} expects {W.shape[0]}")
    if x.shape[1] % groups:
        raise ValueError(f"deconv2d: {x.shape[1]} input channels (x of shape {tuple(x.shape)}) are "
                         f"not divisible by groups={groups}")
    out_hw = _deconv_out_hw(x.shape, W.shape[2:], stride, pad, dilation, outsize)
    inputs = _inputs_with_bias("deconv2d", x, W, b, W.shape[1] * groups)
    return Deconvolution2D(stride, pad, dilation, groups, out_hw)(*inputs)


def _deconv_out_hw(x_shape: tuple[int, ...], kernel: tuple[int, ...], stride: Pair, pad: Pair,
                   dilation: Pair, outsize: Any) -> Pair:
    smallest = tuple(deconv_outsize(x_shape[2 + a], kernel[a], stride[a], pad[a], dilation[a])
                     for a in (0, 1))
    if min(smallest) < 1:
        raise ValueError(f"deconv2d: pad {pad} leaves no output for x of shape {tuple(x_shape)} "
                         f"and kernel {tuple(kernel)} (output size {smallest})")
    if outsize is None:
        return smallest
    out_hw = check_int_pair("deconv2d", "outsize", outsize, 1)
    for a in (0, 1):
        largest = smallest[a] + max(stride[a], dilation[a]) - 1
        if not smallest[a] <= out_hw[a] <= largest:
            raise ValueError(f"deconv2d: outsize {out_hw} is impossible for x of shape "
                             f"{tuple(x_shape)}, kernel {tuple(kernel)}, stride {stride}, pad {pad}: "
                             f"each size must lie in [{smallest[a]}, {largest}]")
    return out_hw


def conv2d_simple(x: Any, W: Any, b: Any = None, stride: Any = 1, pad: Any = 0) -> Variable:
    """conv2d as the book composes it: im2col, then one matrix product with the reshaped weights
    (plus bias), then the result reshaped to (N, OC, OH, OW). Same values as conv2d; slower.

    >>> import numpy as np
    >>> x, W = np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3))
    >>> conv2d_simple(x, W, pad=1).data[0, 0, 0]
    array([4., 6., 6., 4.])
    """
    x, W = as_variable(x), as_variable(W)
    check_images("conv2d_simple", "x", x)
    _check_weight("conv2d_simple", W, "(OC, C, KH, KW)")
    if x.shape[1] != W.shape[1]:
        raise ValueError(f"conv2d_simple: x of shape {tuple(x.shape)} has {x.shape[1]} channels "
                         f"but W of shape {tuple(W.shape)} expects {W.shape[1]}")
    stride = check_int_pair("conv2d_simple", "stride", stride, 1)
    pad = check_int_pair("conv2d_simple", "pad", pad, 0)
    oc, _, kh, kw = W.shape
    oh, ow = output_hw("conv2d_simple", x.shape, (kh, kw), stride, pad)
    col = im2col(x, (kh, kw), stride, pad, to_matrix=True)
    y = CF.matmul(col, CF.transpose(CF.reshape(W, (oc, -1))))
    if b is not None:
        y = y + b
    return CF.transpose(CF.reshape(y, (x.shape[0], oh, ow, oc)), (0, 3, 1, 2))
