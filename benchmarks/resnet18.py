"""A ResNet-18 training step on 32x32 images (batch 64, float32): zerograd.vision.models.ResNet18
against the same network built from torch.nn (conv1 7x7 stride 2 with bias, BN, ReLU, 3x3 max
pooling, four stages of two basic blocks with 1x1 projections where the shape changes, global
average pooling, a 1000-way linear layer), softmax cross entropy and plain SGD. Both use batch
statistics (training mode).

    python benchmarks/resnet18.py [--rounds 7] [--batch 64]
"""

from __future__ import annotations

import numpy as np
from _harness import run_benchmark, zerograd_training_step

BATCH, SIZE, CLASSES, LR = 64, 32, 1000, 0.01


def _data(batch: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 3, SIZE, SIZE), dtype=np.float32)
    t = rng.integers(0, CLASSES, batch)
    return x, t


def zerograd_case(batch: int = BATCH):
    from zerograd.nn.optimizers import SGD
    from zerograd.vision.models import ResNet18

    np.random.seed(0)
    x, t = _data(batch)
    model = ResNet18()
    optimizer = SGD(lr=LR).setup(model)
    return zerograd_training_step(model, optimizer, x, t)


def _torch_resnet18():
    from torch import nn

    class BasicBlock(nn.Module):
        def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(out_channels)
            self.shortcut = nn.Identity()
            if stride != 1 or in_channels != out_channels:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                    nn.BatchNorm2d(out_channels))

        def forward(self, x):
            h = nn.functional.relu(self.bn1(self.conv1(x)))
            return nn.functional.relu(self.bn2(self.conv2(h)) + self.shortcut(x))

    layers = [nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2)]
    in_channels = 64
    for stage, channels in enumerate((64, 128, 256, 512)):
        stride = 1 if stage == 0 else 2
        layers += [BasicBlock(in_channels, channels, stride), BasicBlock(channels, channels, 1)]
        in_channels = channels
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, CLASSES)]
    return nn.Sequential(*layers)


def torch_case(batch: int = BATCH):
    import torch

    torch.manual_seed(0)
    model = _torch_resnet18()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    x, t = (torch.from_numpy(a) for a in _data(batch))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), t).backward()
        optimizer.step()

    return step


if __name__ == "__main__":
    run_benchmark(__file__, f"ResNet-18 training step ({SIZE}x{SIZE}, SGD)",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case"})
