"""zerograd-vision: convolution and pooling, image layers, transforms, data sets and models.

>>> import numpy as np
>>> from zerograd.vision import functions as VF
>>> VF.conv2d(np.ones((1, 3, 8, 8)), np.ones((4, 3, 3, 3)), pad=1).shape
(1, 4, 8, 8)
"""

from zerograd.vision import datasets, functions, layers, models, transforms
from zerograd.vision.layers import Conv2d, Deconv2d

__version__ = "0.1.0"
__all__ = ["Conv2d", "Deconv2d", "datasets", "functions", "layers", "models", "transforms"]
