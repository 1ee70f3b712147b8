"""Seeding every random generator zerograd draws from."""

from __future__ import annotations

import random as _python_random

import numpy as np

from zerograd.core import cuda


def seed(n: int) -> None:
    """Seed NumPy's global generator (initialisation, dropout, shuffling), Python's ``random`` and,
    when a GPU is enabled, CuPy's, so that a run repeats exactly.

    >>> seed(0); a = np.random.rand(); seed(0); a == np.random.rand()
    True
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {n!r}")
    np.random.seed(n)
    _python_random.seed(n)
    if cuda.gpu_enable:
        cuda.cupy.random.seed(n)
