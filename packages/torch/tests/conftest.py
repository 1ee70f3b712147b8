"""Shared fixtures: a subsample of Fashion-MNIST from the system's copy (gzipped IDX, read with
zerograd.vision), in the shapes of the tutorial's MNIST: flat float32 rows in [0, 1] and int64
labels; and NumPy's generator seeded before each test."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from zerograd.core.testing import torch_or_skip
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


# --- the oracle of the issue-23 tests: one snippet run with zerograd.torch and with torch -------


def _numbers(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_numbers(v) for v in value]
    if hasattr(value, "detach"):
        return np.asarray(value.detach().numpy())
    return value


def _same_as_torch(snippet: Any, rtol: float = 1e-5, atol: float = 1e-6) -> Any:
    """``snippet(torch_module)`` gives the same numbers with zerograd.torch and with torch."""
    import zerograd.torch as ztorch

    torch = torch_or_skip()
    ours, theirs = _numbers(snippet(ztorch)), _numbers(snippet(torch))
    _compare(ours, theirs, rtol, atol)
    return ours


def _compare(ours: Any, theirs: Any, rtol: float, atol: float) -> None:
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _compare(a, b, rtol, atol)
    elif theirs is None:
        assert ours is None
    else:
        np.testing.assert_allclose(np.asarray(ours, dtype=np.float64),
                                   np.asarray(theirs, dtype=np.float64), rtol=rtol, atol=atol)


@pytest.fixture
def same_as_torch() -> Any:
    """``same_as_torch(snippet)``: ``snippet(torch_module)`` gives the same numbers with
    zerograd.torch and with real torch (skipped, with the reason, where torch is missing)."""
    return _same_as_torch
