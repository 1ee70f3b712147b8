"""The book's ``dezero.functions_conv``: convolution, pooling and im2col/col2im, re-exported
from zerograd.vision.functions (all of them are in ``zerograd.dezero.functions`` too).

The Function classes behind them carry Chainer's names (Convolution2D, Deconvolution2D,
MaxPooling2D, AveragePooling2D, Im2col, Col2im, ...); call the lowercase functions.

>>> import numpy as np
>>> from zerograd.dezero.functions_conv import conv2d, pooling
>>> x = np.ones((1, 3, 8, 8), dtype=np.float32)
>>> pooling(conv2d(x, np.ones((4, 3, 3, 3), dtype=np.float32), pad=1), 2, 2).shape
(1, 4, 4, 4)
"""

# The same names as zerograd.vision.functions, so the list lives once: in that module's __all__.
from zerograd.vision.functions import *  # noqa: F403
from zerograd.vision.functions import __all__  # noqa: F401
