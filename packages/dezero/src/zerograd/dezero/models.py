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
from zerograd.vision.models import (
    VGG16,
    BasicBlock,
    BottleneckA,
    BottleneckB,
    BuildingBlock,
    ResNet,
    ResNet18,
    ResNet34,
    ResNet50,
    ResNet101,
    ResNet152,
)

__all__ = [
    "MLP", "VGG16", "BasicBlock", "BottleneckA", "BottleneckB", "BuildingBlock", "Model", "ResNet",
    "ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152", "Sequential",
]
