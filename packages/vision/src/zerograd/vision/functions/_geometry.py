"""Image checks and output sizes shared by the convolution and pooling functions (the
one-axis formulas are core.utils' get_conv_outsize and get_deconv_outsize).

Every public wrapper validates with these and core.checks, so that a bad argument fails with a
message naming the function, the argument and the shapes, never deep inside NumPy.
"""

from __future__ import annotations

from zerograd.core import Variable
from zerograd.core.utils import get_conv_outsize


def check_images(func: str, name: str, x: Variable) -> None:
    """A batch of images: a 4-D (N, C, H, W) Variable holding data."""
    if x.data is None:
        raise ValueError(f"{func}: {name} has no data (a Variable created with None)")
    if x.ndim != 4:
        raise ValueError(f"{func}: {name} must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")


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
        sizes.append(get_conv_outsize(x_shape[2 + axis], kernel[axis], stride[axis], pad[axis],
                                      dilation[axis]))
    return sizes[0], sizes[1]
