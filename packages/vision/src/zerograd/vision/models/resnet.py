"""ResNet (He et al., 2015): ResNet50/101/152 with the book's structure and layer names (from
Chainer's port of the original MSRA models: the stride sits on each stage's first 1x1
convolution, and conv1 has a bias), so the book's pretrained weights load into them; and
ResNet18/34, built the same way from two-convolution basic blocks.
"""

from __future__ import annotations

from typing import Any

from zerograd.nn import Layer, Model
from zerograd.nn import functions as F
from zerograd.nn.layers import BatchNorm, Linear
from zerograd.vision.functions import global_average_pooling, pooling
from zerograd.vision.layers import Conv2d
from zerograd.vision.models._pretrained import load_pretrained

# depth -> (blocks per stage, bottleneck blocks?)
DEPTHS = {18: ((2, 2, 2, 2), False), 34: ((3, 4, 6, 3), False), 50: ((3, 4, 6, 3), True),
          101: ((3, 4, 23, 3), True), 152: ((3, 8, 36, 3), True)}
PUBLISHED = {50, 101, 152}  # the book's weights


class BottleneckA(Layer):
    """The first bottleneck of a stage: 1x1 (stride) -> 3x3 -> 1x1 convolutions, each with batch
    normalisation, plus a projected shortcut (1x1 convolution with the stride, and BN)."""

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int, stride: int = 2,
                 downsample_fb: bool = False) -> None:
        super().__init__()
        # MSRA's models stride the 1x1 convolution, Facebook's the 3x3 one.
        stride_1x1, stride_3x3 = (1, stride) if downsample_fb else (stride, 1)
        self.conv1 = Conv2d(mid_channels, 1, stride_1x1, 0, nobias=True, in_channels=in_channels)
        self.bn1 = BatchNorm()
        self.conv2 = Conv2d(mid_channels, 3, stride_3x3, 1, nobias=True, in_channels=mid_channels)
        self.bn2 = BatchNorm()
        self.conv3 = Conv2d(out_channels, 1, 1, 0, nobias=True, in_channels=mid_channels)
        self.bn3 = BatchNorm()
        self.conv4 = Conv2d(out_channels, 1, stride, 0, nobias=True, in_channels=in_channels)
        self.bn4 = BatchNorm()

    def forward(self, x: Any) -> Any:
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return F.relu(h + self.bn4(self.conv4(x)))


class BottleneckB(Layer):
    """A later bottleneck of a stage: 1x1 -> 3x3 -> 1x1 convolutions with BN, identity shortcut."""

    def __init__(self, in_channels: int, mid_channels: int) -> None:
        super().__init__()
        self.conv1 = Conv2d(mid_channels, 1, 1, 0, nobias=True, in_channels=in_channels)
        self.bn1 = BatchNorm()
        self.conv2 = Conv2d(mid_channels, 3, 1, 1, nobias=True, in_channels=mid_channels)
        self.bn2 = BatchNorm()
        self.conv3 = Conv2d(in_channels, 1, 1, 0, nobias=True, in_channels=mid_channels)
        self.bn3 = BatchNorm()

    def forward(self, x: Any) -> Any:
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        return F.relu(self.bn3(self.conv3(h)) + x)


class BasicBlock(Layer):
    """Two 3x3 convolutions with BN (the first with the stride); the shortcut is projected by a
    1x1 convolution with BN (conv3, bn3) when the stride or the channel count changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(out_channels, 3, stride, 1, nobias=True, in_channels=in_channels)
        self.bn1 = BatchNorm()
        self.conv2 = Conv2d(out_channels, 3, 1, 1, nobias=True, in_channels=out_channels)
        self.bn2 = BatchNorm()
        self.projected = stride != 1 or in_channels != out_channels
        if self.projected:
            self.conv3 = Conv2d(out_channels, 1, stride, 0, nobias=True, in_channels=in_channels)
            self.bn3 = BatchNorm()

    def forward(self, x: Any) -> Any:
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (self.bn3(self.conv3(x)) if self.projected else x))


class BuildingBlock(Layer):
    """One stage: blocks ``a``, ``b1``, ``b2``, ... applied in order (the book's names)."""

    def __init__(self, n_layers: int, in_channels: int, mid_channels: int, out_channels: int,
                 stride: int, downsample_fb: bool = False, bottleneck: bool = True) -> None:
        super().__init__()
        if bottleneck:
            self.a = BottleneckA(in_channels, mid_channels, out_channels, stride, downsample_fb)
        else:
            self.a = BasicBlock(in_channels, out_channels, stride)
        self.blocks = [self.a]
        for i in range(1, n_layers):
            block = (BottleneckB(out_channels, mid_channels) if bottleneck
                     else BasicBlock(out_channels, out_channels))
            setattr(self, f"b{i}", block)
            self.blocks.append(block)

    def forward(self, x: Any) -> Any:
        for block in self.blocks:
            x = block(x)
        return x


class ResNet(Model):
    """ResNet of ``n_layers`` (18, 34, 50, 101 or 152): conv1 (7x7, stride 2, with bias) - BN -
    ReLU - 3x3 max pooling (stride 2) - four stages res2..res5 - global average pooling - fc6
    (1000 classes): (N, 3, 224, 224) -> (N, 1000) logits.

    ``pretrained``: True loads the book's ImageNet weights (50, 101 and 152 layers only), a path
    or URL loads an .npz written by save_weights.
    """

    WEIGHTS_URL = "https://github.com/koki0702/dezero-models/releases/download/v0.1/resnet{}.npz"

    def __init__(self, n_layers: int = 152, pretrained: Any = False) -> None:
        super().__init__()
        if n_layers not in DEPTHS:
            raise ValueError(f"ResNet: n_layers must be one of {sorted(DEPTHS)}, got {n_layers!r}")
        self.n_layers = n_layers
        blocks, bottleneck = DEPTHS[n_layers]
        widths = (64, 128, 256, 512)
        expansion = 4 if bottleneck else 1
        self.conv1 = Conv2d(64, 7, 2, 3, in_channels=3)
        self.bn1 = BatchNorm()
        in_channels = 64
        for stage, (count, mid) in enumerate(zip(blocks, widths), start=2):
            out_channels = mid * expansion
            setattr(self, f"res{stage}", BuildingBlock(count, in_channels, mid, out_channels,
                                                       1 if stage == 2 else 2,
                                                       bottleneck=bottleneck))
            in_channels = out_channels
        self.fc6 = Linear(1000, in_size=in_channels)
        load_pretrained(self, pretrained,
                        self.WEIGHTS_URL.format(n_layers) if n_layers in PUBLISHED else None)

    def forward(self, x: Any) -> Any:
        x = F.relu(self.bn1(self.conv1(x)))
        x = pooling(x, kernel_size=3, stride=2)
        x = self.res5(self.res4(self.res3(self.res2(x))))
        return self.fc6(global_average_pooling(x))


class _ResNetOfDepth(ResNet):
    """A ResNet whose depth is its class's ``n_layers``: ``ResNet50(pretrained)`` builds
    ``ResNet(50, pretrained)``."""

    n_layers: int

    def __init__(self, pretrained: Any = False) -> None:
        super().__init__(self.n_layers, pretrained)


class ResNet18(_ResNetOfDepth):
    """ResNet with 18 layers (basic blocks): 11,689,512 parameters + 64 for conv1's bias."""

    n_layers = 18


class ResNet34(_ResNetOfDepth):
    """ResNet with 34 layers (basic blocks): 21,797,672 parameters + 64 for conv1's bias."""

    n_layers = 34


class ResNet50(_ResNetOfDepth):
    """ResNet with 50 layers (bottlenecks): 25,557,032 parameters + 64 for conv1's bias."""

    n_layers = 50


class ResNet101(_ResNetOfDepth):
    """ResNet with 101 layers (bottlenecks): 44,549,160 parameters + 64 for conv1's bias."""

    n_layers = 101


class ResNet152(_ResNetOfDepth):
    """ResNet with 152 layers (bottlenecks): 60,192,808 parameters + 64 for conv1's bias."""

    n_layers = 152
