"""Convolutions beyond the 2-d one, in PyTorch's terms and built on conv2d/deconv2d:
conv1d (a 2-d convolution of height 1), 'same' and 'valid' padding, and the transposed
convolutions conv_transpose1d/2d with output_padding."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.checks import check_int_pair
from zerograd.core.utils import get_deconv_outsize
from zerograd.vision.functions.conv import conv2d, deconv2d
from zerograd.vision.functions.padding import ConstantPad


def _one(value: Any) -> int:
    return value[0] if isinstance(value, (tuple, list)) else value


def same_padding(op: str, kernel: tuple[int, ...], dilation: tuple[int, ...],
                 stride: tuple[int, ...]) -> list[tuple[int, int]]:
    """(before, after) per spatial axis that keeps the size at stride 1 (the extra odd pixel
    goes after, as PyTorch places it)."""
    if any(s != 1 for s in stride):
        raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
    widths = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        widths.append((total // 2, total - total // 2))
    return widths


def conv2d_padded(x: Any, W: Any, b: Any = None, stride: Any = 1, padding: Any = 0,
                  dilation: Any = 1, groups: int = 1) -> Variable:
    """conv2d whose padding may also be 'valid' (none) or 'same' (output size = input size,
    stride 1, uneven padding where the kernel's span is odd).

    >>> import numpy as np
    >>> conv2d_padded(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), padding="same").shape
    (1, 1, 4, 4)
    """
    if padding == "valid":
        padding = 0
    if padding == "same":
        W = as_variable(W)
        stride_pair = check_int_pair("conv2d", "stride", stride, 1)
        dilation_pair = check_int_pair("conv2d", "dilation", dilation, 1)
        widths = same_padding("conv2d", W.shape[2:], dilation_pair, stride_pair)
        if any(a != b for a, b in widths):
            x = ConstantPad(((0, 0), (0, 0)) + tuple(widths), 0)(as_variable(x))
            padding = 0
        else:
            padding = tuple(a for a, _ in widths)
    elif isinstance(padding, str):
        raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got "
                         f"{padding!r}")
    return conv2d(x, W, b, stride, padding, dilation, groups)


def conv1d(x: Any, W: Any, b: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Variable:
    """One-dimensional convolution: x (N, C, L), W (OC, C / groups, K), b (OC,) -> (N, OC, OL);
    padding an int, 'valid' or 'same'.

    >>> import numpy as np
    >>> conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 3))).data
    array([[[3., 3., 3.]]])
    """
    x, W = as_variable(x), as_variable(W)
    if x.ndim != 3 or W.ndim != 3:
        raise ValueError(f"conv1d: x must be (N, C, L) and W (OC, C / groups, K), got {x.shape} "
                         f"and {W.shape}")
    pad = padding if isinstance(padding, str) else (0, _one(padding))
    y = conv2d_padded(CF.expand_dims(x, 2), CF.expand_dims(W, 2), b, (1, _one(stride)), pad,
                      (1, _one(dilation)), groups)
    return CF.squeeze(y, 2)


def conv_transpose2d(x: Any, W: Any, b: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Variable:
    """Transposed convolution with PyTorch's arguments: x (N, C, H, W), W (C, OC / groups, KH,
    KW); the output is (H - 1) stride - 2 padding + dilation (KH - 1) + output_padding + 1 high.

    >>> import numpy as np
    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), stride=2).shape
    (1, 1, 4, 4)
    """
    x, W = as_variable(x), as_variable(W)
    if x.ndim != 4 or W.ndim != 4:
        raise ValueError(f"conv_transpose2d: x must be (N, C, H, W) and W (C, OC / groups, KH, "
                         f"KW), got {x.shape} and {W.shape}")
    stride = check_int_pair("conv_transpose2d", "stride", stride, 1)
    padding = check_int_pair("conv_transpose2d", "padding", padding, 0)
    dilation = check_int_pair("conv_transpose2d", "dilation", dilation, 1)
    extra = check_int_pair("conv_transpose2d", "output_padding", output_padding, 0)
    for a in (0, 1):
        if extra[a] >= max(stride[a], dilation[a]):
            raise ValueError(f"conv_transpose2d: output_padding {extra} must be smaller than "
                             f"stride {stride} or dilation {dilation}")
    outsize = tuple(get_deconv_outsize(x.shape[2 + a], W.shape[2 + a], stride[a], padding[a],
                                       dilation[a]) + extra[a] for a in (0, 1))
    return deconv2d(x, W, b, stride, padding, outsize, dilation, groups)


def conv_transpose1d(x: Any, W: Any, b: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Variable:
    """conv_transpose2d of height 1: x (N, C, L), W (C, OC / groups, K) -> (N, OC, OL).

    >>> import numpy as np
    >>> conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 2)), stride=2).data
    array([[[1., 1., 1., 1.]]])
    """
    x, W = as_variable(x), as_variable(W)
    if x.ndim != 3 or W.ndim != 3:
        raise ValueError(f"conv_transpose1d: x must be (N, C, L) and W (C, OC / groups, K), got "
                         f"{x.shape} and {W.shape}")
    y = conv_transpose2d(CF.expand_dims(x, 2), CF.expand_dims(W, 2), b, (1, _one(stride)),
                         (0, _one(padding)), (0, _one(output_padding)), groups,
                         (1, _one(dilation)))
    return CF.squeeze(y, 2)
