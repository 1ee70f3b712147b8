"""VGG16 inference on 224x224 images (batch 8, float32): zerograd.vision.models.VGG16 under
no_grad and test mode against the same network built from torch.nn under torch.no_grad and eval
(thirteen 3x3 convolutions with ReLU, five 2x2 max poolings, fc6/fc7 of 4096 with ReLU and
dropout, fc8 of 1000). Random weights: the speed does not depend on them.

    python benchmarks/vgg16.py [--rounds 7] [--batch 8]
"""

from __future__ import annotations

import numpy as np
from _harness import run_benchmark

BATCH, SIZE, CLASSES = 8, 224, 1000
STAGES = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))  # (convolutions, channels) per stage


def _images(batch: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((batch, 3, SIZE, SIZE), dtype=np.float32)


def zerograd_case(batch: int = BATCH):
    from zerograd.core import no_grad
    from zerograd.nn import test_mode
    from zerograd.vision.models import VGG16

    np.random.seed(0)
    x = _images(batch)
    model = VGG16()
    with no_grad(), test_mode():
        model(x)  # size the lazy fully connected layers outside the measured steps

    def step():
        with no_grad(), test_mode():
            return model(x)

    return step


def torch_case(batch: int = BATCH):
    import torch
    from torch import nn

    torch.manual_seed(0)
    layers, in_channels = [], 3
    for count, channels in STAGES:
        for _ in range(count):
            layers += [nn.Conv2d(in_channels, channels, 3, padding=1), nn.ReLU()]
            in_channels = channels
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(),
               nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(4096, CLASSES)]
    model = nn.Sequential(*layers).eval()
    x = torch.from_numpy(_images(batch))

    def step():
        with torch.no_grad():
            return model(x)

    return step


if __name__ == "__main__":
    run_benchmark(__file__, f"VGG16 inference ({SIZE}x{SIZE})",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case"})
