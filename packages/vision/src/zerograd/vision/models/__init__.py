"""Image models: VGG16 and ResNet18/34/50/101/152, each optionally with pretrained weights, and
the main job's small Fashion-MNIST classifiers FashionCNN and FashionMLP.

>>> import numpy as np
>>> from zerograd.nn import test_mode
>>> model = ResNet18()
>>> with test_mode():
...     model(np.zeros((1, 3, 32, 32), dtype=np.float32)).shape
(1, 1000)
"""

from zerograd.vision.models.fashion import FashionCNN, FashionMLP
from zerograd.vision.models.resnet import (
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
from zerograd.vision.models.vgg import VGG16

__all__ = ["VGG16", "FashionCNN", "FashionMLP", "BasicBlock", "BottleneckA", "BottleneckB",
           "BuildingBlock", "ResNet",
           "ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152"]
