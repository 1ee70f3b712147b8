"""Differentiable image functions: im2col/col2im, convolution, transposed convolution, pooling.

Every function takes (N, C, H, W) batches, Variables or arrays, and returns a Variable.
"""

from zerograd.vision.functions.conv import (
    Convolution2D,
    Convolution2DGradW,
    Deconvolution2D,
    conv2d,
    conv2d_simple,
    deconv2d,
)
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
from zerograd.vision.functions.windows import Col2im, Im2col, col2im, col2im_array, im2col, im2col_array

__all__ = [
    "AveragePooling2D", "AveragePooling2DGrad", "Col2im", "Convolution2D", "Convolution2DGradW",
    "Deconvolution2D", "Im2col", "MaxPooling2D", "MaxPooling2DGrad", "MaxPooling2DWithOffsets",
    "average_pooling", "col2im", "col2im_array", "conv2d", "conv2d_simple", "deconv2d",
    "global_average_pooling", "im2col", "im2col_array", "max_pooling_2d", "pooling",
    "pooling_simple",
]
