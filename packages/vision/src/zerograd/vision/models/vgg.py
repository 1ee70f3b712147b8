"""VGG16 (Simonyan and Zisserman, 2014) with the book's structure and layer names, so that the
book's pretrained weights (converted from Caffe) load into it."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.nn import Model
from zerograd.nn import functions as F
from zerograd.nn.layers import Linear
from zerograd.vision.functions import pooling
from zerograd.vision.layers import Conv2d
from zerograd.vision.models._pretrained import load_pretrained

# (stage, number of 3x3 convolutions, channels)
STAGES = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))


class VGG16(Model):
    """Thirteen 3x3 convolutions (pad 1) with ReLU, in five stages each closed by a 2x2 max
    pooling, then fc6 and fc7 (4096, ReLU, dropout 0.5) and fc8 (1000 classes):
    (N, 3, 224, 224) -> (N, 1000) logits; 138,357,544 parameters.

    ``pretrained``: True loads the book's ImageNet weights (downloaded once into the data
    directory), a path or URL loads an .npz written by save_weights. Inputs are BGR images
    with the ImageNet mean subtracted, as ``preprocess`` makes them.

    >>> model = VGG16()
    >>> [name for name, _ in model.named_children()][:3], model.fc8.out_size
    (['conv1_1', 'conv1_2', 'conv2_1'], 1000)
    """

    WEIGHTS_URL = "https://github.com/koki0702/dezero-models/releases/download/v0.1/vgg16.npz"
    MEAN_BGR = (103.939, 116.779, 123.68)

    def __init__(self, pretrained: Any = False) -> None:
        super().__init__()
        self.convs = []
        for stage, count, channels in STAGES:
            for i in range(1, count + 1):
                conv = Conv2d(channels, kernel_size=3, stride=1, pad=1)
                setattr(self, f"conv{stage}_{i}", conv)
                self.convs.append((conv, i == count))
        self.fc6 = Linear(4096)
        self.fc7 = Linear(4096)
        self.fc8 = Linear(1000)
        load_pretrained(self, pretrained, self.WEIGHTS_URL)

    def forward(self, x: Any) -> Any:
        for conv, closes_stage in self.convs:
            x = F.relu(conv(x))
            if closes_stage:
                x = pooling(x, 2, 2)
        x = x.reshape(x.shape[0], -1)
        train = self.is_training()
        x = F.dropout(F.relu(self.fc6(x)), 0.5, train=train)
        x = F.dropout(F.relu(self.fc7(x)), 0.5, train=train)
        return self.fc8(x)

    @staticmethod
    def preprocess(image: Any, size: Any = (224, 224), dtype: Any = np.float32) -> np.ndarray:
        """A PIL image as the network's input (3, H, W): RGB, resized to ``size`` (width,
        height; None keeps it), channels reversed to BGR, the ImageNet mean subtracted."""
        if not hasattr(image, "convert"):
            raise TypeError(f"VGG16.preprocess: expected a PIL image, got {type(image).__name__}")
        image = image.convert("RGB")
        if size:
            image = image.resize(tuple(size))
        array = np.asarray(image, dtype=dtype)[:, :, ::-1]
        array = array - np.array(VGG16.MEAN_BGR, dtype=dtype)
        return np.ascontiguousarray(array.transpose(2, 0, 1))
