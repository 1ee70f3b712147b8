"""Image checks and output sizes shared by the convolution and pooling functions.

Every public wrapper validates with these and core.checks, so that a bad argument fails with a
message naming the function, the argument and the shapes, never deep inside NumPy.
"""

from __future__ import annotations

from zerograd.core import Variable
from zerograd.core.checks import check_int_pair

# vision.layers still imports the old name; the check itself lives in core.checks.
as_pair = check_int_pair


def check_images(func: str, name: str, x: Variable) -> None:
    """A batch of images: a 4-D (N, C, H, W) Variable holding data."""
    if x.data is None:
        raise ValueError(f"{func}: {name} has no data (a Variable created with None)")
    if x.ndim != 4:
        raise ValueError(f"{func}: {name} must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")


def conv_outsize(size: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis:
    (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1.

    >>> conv_outsize(28, 3, 1, 1)
    28
    """
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def deconv_outsize(size: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    """The smallest output length of a transposed convolution along one axis:
    stride * (size - 1) + dilation * (kernel - 1) + 1 - 2 * pad.

    >>> deconv_outsize(14, 4, 2, 1)
    28
    """
    return stride * (size - 1) + dilation * (kernel - 1) + 1 - 2 * pad


def output_hw(func: str, x_shape: tuple[int, ...], kernel: tuple[int, int],
              stride: tuple[int, int], pad: tuple[int, int],
              dilation: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """(OH, OW) of a window sliding over x; an error when the window exceeds the padded input."""
    sizes = []
    for axis, name in ((0, "height"), (1, "width")):
        padded = x_shape[2 + axis] + 2 * pad[axis]
        extent = dilation[axis] * (kernel[axis] - 1) + 1
        if extent > padded:
            raise ValueError(
                f"{func}: the kernel {kernel} (extent {extent} with dilation {dilation[axis]}) is "
                f"larger than the padded input {name} {padded} (input shape {tuple(x_shape)}, "
                f"pad {pad})")
        sizes.append(conv_outsize(x_shape[2 + axis], kernel[axis], stride[axis], pad[axis],
                                  dilation[axis]))
    return sizes[0], sizes[1]
