"""Differentiable image functions: im2col/col2im, convolution (1-d, 2-d, transposed),
pooling (max, average, adaptive, any dimension), padding, interpolation, unfold/fold and pixel
shuffles.

Every function takes (N, C, H, W) batches, Variables or arrays, and returns a Variable.
"""

import types

from zerograd.vision.functions.conv import (
    Convolution2D,
    Convolution2DGradW,
    Deconvolution2D,
    conv2d,
    conv2d_simple,
    deconv2d,
)
from zerograd.vision.functions.conv_variants import (
    conv1d,
    conv2d_padded,
    conv_transpose1d,
    conv_transpose2d,
)
from zerograd.vision.functions.padding import ConstantPad, pad
from zerograd.vision.functions.pool import (
    AveragePooling2D,
    AveragePooling2DGrad,
    MaxPooling2D,
    MaxPooling2DGrad,
    MaxPooling2DWithOffsets,
    average_pooling,
    global_average_pooling,
    max_pooling_2d,
    pooling,
    pooling_simple,
)
from zerograd.vision.functions.resample import (
    ResampleAxis,
    adaptive_average_pooling,
    average_pooling_nd,
    interpolate,
)
from zerograd.vision.functions.unfold import (
    channel_shuffle,
    fold,
    pixel_shuffle,
    pixel_unshuffle,
    unfold,
)
from zerograd.vision.functions.window_max import (
    adaptive_max_pooling,
    max_pooling_nd,
    max_unpooling_nd,
)
from zerograd.vision.functions.windows import Col2im, Im2col, col2im, col2im_array, im2col, im2col_array

__all__ = [name for name, value in globals().items()
           if not name.startswith("_") and not isinstance(value, types.ModuleType)]
