"""Switching between NumPy (CPU) and CuPy (GPU) arrays.

Every line of zerograd that touches array data asks ``get_array_module(x)`` for the module that
owns ``x``. Without CuPy installed everything runs on NumPy and ``gpu_enable`` is False.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

try:  # CuPy is an optional extra (`pip install zerograd-core[cuda]`).
    import cupy
    import cupyx  # noqa: F401  (scatter_add lives there)

    cupy.cuda.runtime.getDeviceCount()
    gpu_enable = True
except Exception:  # not installed, or installed without a usable device
    cupy = None
    gpu_enable = False

# The book's `from dezero.cuda import cupy as cp` works with or without a GPU.
cp = cupy


def get_array_module(x: Any) -> ModuleType:
    """Return ``cupy`` for a CuPy array (or a Variable holding one), else ``numpy``.

    >>> get_array_module(np.ones(2)) is np
    True
    """
    if cupy is None:
        return np
    if not isinstance(x, (np.ndarray, cupy.ndarray)):
        x = getattr(x, "data", x)  # a Variable: look at the array it holds
    return cupy.get_array_module(x)


def as_numpy(x: Any) -> np.ndarray:
    """Return ``x`` as a NumPy array, copying it from the GPU when it lives there."""
    if np.isscalar(x):
        return np.array(x)
    if isinstance(x, np.ndarray):
        return x
    if cupy is not None and isinstance(x, cupy.ndarray):
        return cupy.asnumpy(x)
    return np.asarray(x)


def as_cupy(x: Any) -> Any:
    """Return ``x`` as a CuPy array on the current device; a clear error without CuPy."""
    if not gpu_enable:
        raise RuntimeError(
            "as_cupy: CuPy with a usable CUDA device is required "
            "(pip install 'zerograd-core[cuda]' on a machine with an NVIDIA GPU)"
        )
    if isinstance(x, cupy.ndarray):
        return x
    return cupy.asarray(x)


def scatter_add(xp: ModuleType, target: Any, indices: Any, values: Any) -> None:
    """target[indices] += values, accumulating repeated indices (np.add.at / cupyx.scatter_add)."""
    if xp is np:
        np.add.at(target, indices, values)
    else:
        cupyx.scatter_add(target, indices, values)
