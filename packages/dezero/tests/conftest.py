"""Shared fixtures: a tiny (Fashion-)MNIST written in the original IDX format into a temporary
root, so that no test reaches the network or depends on the real files."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.dezero import Config
from zerograd.vision.datasets.idx import write_idx

IDX_FILES = {True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def striped_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n 28x28 uint8 images whose class k (0..9) is a bright band at rows 2k+4..2k+7 over noise:
    easy to learn in a few steps, like a toy MNIST."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        images[i, 2 * k + 4:2 * k + 8, 4:24] = 230
    return images, labels


@pytest.fixture(scope="session")
def tiny_mnist_root(tmp_path_factory) -> str:
    """A folder holding the four gzipped IDX files of (Fashion-)MNIST: 64 training images and
    32 test images."""
    root = tmp_path_factory.mktemp("tiny_mnist")
    for train, n, seed in ((True, 64, 0), (False, 32, 1)):
        images, labels = striped_images(n, seed)
        image_file, label_file = IDX_FILES[train]
        write_idx(root / image_file, images)
        write_idx(root / label_file, labels)
    return str(root)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Each test sees an empty data directory and starts in train mode with backprop on."""
    monkeypatch.setenv("ZEROGRAD_DATA", str(tmp_path / "data"))
    yield
    Config.train = True
    Config.enable_backprop = True
