"""Switching between NumPy (CPU) and CuPy (GPU) arrays.

Every line of zerograd that touches array data asks ``get_array_module(x)`` for the module that
owns ``x``. Without CuPy installed everything runs on NumPy and ``gpu_enable`` is False;
``gpu_status()`` says why (no CuPy, no device, driver too old).

A strict stand-in for the GPU (``zerograd.core.fakecupy``: NumPy underneath, CuPy's rules on top)
takes CuPy's place when the environment sets ``ZEROGRAD_DEVICE=standin`` before zerograd is
imported, or inside ``with use_standin():``; it is imported only then. Its arrays (subclasses of
``StandinArray``) are device arrays wherever they appear.

Install CuPy for your CUDA driver with ``pip install 'zerograd-core[cuda13]'`` (or ``[cuda12]``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

INSTALL_HINT = "pip install 'zerograd-core[cuda13]' (or [cuda12] for a CUDA 12 driver)"


def _probe_cupy() -> tuple[Any, Any, str]:
    """(cupy, cupyx, "") when CuPy has a usable device, else (None, None, the reason why not)."""
    try:
        import cupy as found
        import cupyx as found_x
    except ImportError as error:
        return None, None, f"CuPy is not installed ({error}); {INSTALL_HINT}"
    except Exception as error:  # CuPy present but broken (a CUDA library it cannot load)
        return None, None, f"CuPy does not import: {error}"
    try:
        count = found.cuda.runtime.getDeviceCount()
    except Exception as error:
        return None, None, _device_error(found, error)
    if count == 0:
        return None, None, "CuPy is installed but sees no CUDA device"
    return found, found_x, ""


def _device_error(found: Any, error: Exception) -> str:
    """Why CuPy found no usable device: an old driver is the common case worth naming."""
    text = str(error)
    if "insufficient" in text.lower() or "driver version" in text.lower():
        return (f"the NVIDIA driver is too old for this CuPy build ({text}); update the driver "
                "or install the CuPy for an older CUDA major version ([cuda12])")
    return f"CuPy is installed but no CUDA device is usable: {text}"


_real_cupy, _real_cupyx, _why_no_gpu = _probe_cupy()

# The module CuPy's names resolve to: real CuPy, the stand-in, or None (NumPy only).
cupy: Any = _real_cupy
cupyx: Any = _real_cupyx
gpu_enable: bool = cupy is not None
# The book's `from dezero.cuda import cupy as cp` works with or without a GPU.
cp = cupy



class StandinArray:
    """The base of the stand-in's array type: known here without importing the stand-in, so
    that its arrays are recognised (``DEVICE_ARRAY_TYPES``) even when it is not the active
    device, and so that nothing imports it until it is asked for."""

    __slots__ = ()


# Every device array type that may appear, real or stand-in.
DEVICE_ARRAY_TYPES: tuple[type, ...] = (*([_real_cupy.ndarray] if _real_cupy else []), StandinArray)
_standin: Any = None  # the stand-in module once loaded


def _load_standin() -> Any:
    global _standin
    if _standin is None:
        from zerograd.core import fakecupy
        _standin = fakecupy
    return _standin


def _activate(module: Any, module_x: Any) -> None:
    global cupy, cupyx, cp, gpu_enable
    cupy, cupyx, cp, gpu_enable = module, module_x, module, module is not None


@contextlib.contextmanager
def use_standin() -> Iterator[ModuleType]:
    """Within the block, the stand-in is the GPU: ``gpu_enable`` is True, ``as_cupy`` and
    ``to_gpu()`` put data on it. Yields the stand-in module.

    >>> with use_standin() as device:
    ...     x = as_cupy(np.ones(2))
    >>> get_array_module(x) is device
    True
    """
    saved = cupy, cupyx
    standin = _load_standin()
    _activate(standin, standin.cupyx)
    try:
        yield standin
    finally:
        _activate(*saved)


def standin_active() -> bool:
    """True while the stand-in plays the GPU."""
    return cupy is not None and cupy is _standin


if os.environ.get("ZEROGRAD_DEVICE", "").strip().lower() == "standin":
    _activate(_load_standin(), _standin.cupyx)


def device_tests_requested() -> bool:
    """True when the environment asks the test helpers to run every check on the device too
    (``ZEROGRAD_DEVICE=standin`` on a CPU, ``ZEROGRAD_DEVICE=cuda`` on a GPU) and one is there."""
    return gpu_enable and os.environ.get("ZEROGRAD_DEVICE", "").strip().lower() in (
        "standin", "cuda")


def gpu_status() -> str:
    """One line saying which device ``to_gpu()`` uses, or what is missing for a GPU.

    >>> isinstance(gpu_status(), str)
    True
    """
    if standin_active():
        return "stand-in device (zerograd.core.fakecupy: NumPy with CuPy's rules)"
    if cupy is not None:
        device = cupy.cuda.Device()
        name = cupy.cuda.runtime.getDeviceProperties(device.id)["name"]
        return f"CuPy {cupy.__version__} on GPU {device.id} ({_text(name)})"
    return _why_no_gpu


def _text(name: Any) -> str:
    return name.decode() if isinstance(name, bytes) else str(name)


def memory_info() -> dict[str, int]:
    """Bytes the device memory pool hands out (``used``) and holds in all (``pooled``,
    used plus cached free blocks); zeros without a GPU.

    >>> memory_info()["used"] >= 0
    True
    """
    if cupy is None:
        return {"used": 0, "pooled": 0}
    pool = cupy.cuda.get_default_memory_pool()
    return {"used": int(pool.used_bytes()), "pooled": int(pool.total_bytes())}


def get_array_module(x: Any) -> ModuleType:
    """Return the device module (``cupy``) for a device array (or a Variable holding one), else
    ``numpy``.

    >>> get_array_module(np.ones(2)) is np
    True
    """
    if type(x) is np.ndarray:
        return np
    if not isinstance(x, DEVICE_ARRAY_TYPES):
        x = getattr(x, "data", x)  # a Variable: look at the array it holds
    if isinstance(x, StandinArray):
        return _load_standin()
    if _real_cupy is not None and isinstance(x, _real_cupy.ndarray):
        return _real_cupy
    return np


def as_numpy(x: Any) -> np.ndarray:
    """Return ``x`` as a NumPy array, copying it from the device when it lives there."""
    if np.isscalar(x):
        return np.array(x)
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, DEVICE_ARRAY_TYPES):
        return get_array_module(x).asnumpy(x)
    return np.asarray(x)


def as_cupy(x: Any) -> Any:
    """Return ``x`` as an array on the current device; a clear error naming what is missing."""
    if not gpu_enable:
        raise RuntimeError(f"as_cupy: CuPy has no GPU to move data to: {_why_no_gpu}")
    if isinstance(x, cupy.ndarray):
        return x
    return cupy.asarray(as_numpy(x) if isinstance(x, DEVICE_ARRAY_TYPES) else x)


def scatter_add(xp: ModuleType, target: Any, indices: Any, values: Any) -> None:
    """target[indices] += values, accumulating repeated indices (np.add.at / cupyx.scatter_add)."""
    if xp is np:
        np.add.at(target, indices, values)
    elif xp is _standin:
        _standin.scatter_add(target, indices, values)
    else:
        cupyx.scatter_add(target, indices, values)
