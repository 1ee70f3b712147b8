"""Shared fixtures: a subsample of Fashion-MNIST from the system's copy (gzipped IDX, read with
zerograd.vision), in the shapes of the tutorial's MNIST: flat float32 rows in [0, 1] and int64
labels; and NumPy's generator seeded before each test."""

from __future__ import annotations

import os

import numpy as np
import pytest

from zerograd.vision.datasets.idx import read_idx

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
N_TRAIN, N_VALID = 512, 256


@pytest.fixture(scope="session")
def fashion_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_valid, y_valid) as NumPy arrays: 512 and 256 samples of the test split
    (the smaller file: quicker to read)."""
    images = os.path.join(FASHION_MNIST, "t10k-images-idx3-ubyte.gz")
    labels = os.path.join(FASHION_MNIST, "t10k-labels-idx1-ubyte.gz")
    if not (os.path.exists(images) and os.path.exists(labels)):
        pytest.skip(f"Fashion-MNIST is not installed in {FASHION_MNIST}")
    n = N_TRAIN + N_VALID
    x = (read_idx(images)[:n].reshape(n, 784) / 255.0).astype(np.float32)
    y = read_idx(labels)[:n].astype(np.int64)
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


@pytest.fixture(autouse=True)
def seeded() -> None:
    np.random.seed(0)  # noqa: NPY002  (zerograd draws from NumPy's global generator)
