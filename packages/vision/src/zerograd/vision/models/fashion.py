"""Two small Fashion-MNIST classifiers (28x28 grey images, 10 classes), the models of the main
job (``python -m zerograd.commands.fashion_mnist``). Both take the loader's flattened 784-pixel
images and return logits.

>>> import numpy as np
>>> FashionCNN()(np.zeros((2, 784), dtype=np.float32)).shape
(2, 10)
"""

from __future__ import annotations

from typing import Any

from zerograd.nn import Model
from zerograd.nn import functions as F
from zerograd.nn.layers import Dropout, Linear
from zerograd.vision.functions import pooling
from zerograd.vision.layers import Conv2d


class FashionCNN(Model):
    """conv(32, 3x3) - relu - maxpool 2 - conv(64, 3x3) - relu - maxpool 2 - fc 128 - relu -
    dropout - fc 10. The dropout is a child layer, so ``eval()`` and ``test_mode()`` both switch
    it off (it holds no weights: checkpoints of the earlier functional dropout still load)."""

    def __init__(self, dropout_ratio: float = 0.3) -> None:
        super().__init__()
        self.conv1 = Conv2d(32, kernel_size=3, pad=1)
        self.conv2 = Conv2d(64, kernel_size=3, pad=1)
        self.fc1 = Linear(128)
        self.dropout = Dropout(dropout_ratio)
        self.fc2 = Linear(10)

    def forward(self, x: Any) -> Any:
        x = x.reshape(-1, 1, 28, 28)
        x = pooling(F.relu(self.conv1(x)), 2, 2)
        x = pooling(F.relu(self.conv2(x)), 2, 2)
        x = F.relu(self.fc1(x.reshape(x.shape[0], -1)))
        return self.fc2(self.dropout(x))


class FashionMLP(Model):
    """784 - 1000 - relu - 1000 - relu - 10."""

    def __init__(self, hidden_size: int = 1000) -> None:
        super().__init__()
        self.fc1 = Linear(hidden_size)
        self.fc2 = Linear(hidden_size)
        self.fc3 = Linear(10)

    def forward(self, x: Any) -> Any:
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
