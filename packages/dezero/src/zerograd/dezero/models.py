"""The book's ``dezero.models``: Model, Sequential and MLP (zerograd.nn.models), VGG16 and the
ResNets with their blocks (zerograd.vision.models).

As in the book, ``MLP(...).layers`` is the list of its Linear layers and ``Sequential(...).layers``
the list of its steps; the walk over the whole layer tree is ``modules()`` (PyTorch's name).

>>> import numpy as np
>>> from zerograd.dezero.models import MLP
>>> MLP((10, 3))(np.ones((2, 4), dtype=np.float32)).shape
(2, 3)
"""

from zerograd.nn.models import MLP, Model, Sequential
from zerograd.vision import models as _vision_models
from zerograd.vision.models import *  # noqa: F403  (VGG16, the ResNets and their blocks)

__all__ = ["MLP", "Model", "Sequential", *_vision_models.__all__]
