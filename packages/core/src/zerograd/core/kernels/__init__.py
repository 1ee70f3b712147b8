"""The optional compiled CPU kernels (Numba): fused, multi-threaded versions of a few hot spots.

The NumPy code in each Function stays the reference; a kernel is used in its place only when

- Numba imports (``pip install 'zerograd-core[kernels]'``; the umbrella's ``[kernels]`` too),
- the setting is on: ``Config.kernels`` (default from the environment variable
  ``ZEROGRAD_KERNELS``; ``ZEROGRAD_KERNELS=0`` switches every kernel off), and
- every array involved is a NumPy array (never CuPy or the GPU stand-in) of float32 or float64.

Numba is imported on the first call of ``enabled`` that could use it, not with zerograd, so
``import zerograd`` costs no more. Kernels compile on their first use and are cached on disk
(``cache=True``, next to this package or in ``NUMBA_CACHE_DIR``), so a fresh process pays only a
load. Their threads follow the setting NumPy's BLAS reads: ``NUMBA_NUM_THREADS``, else
``OPENBLAS_NUM_THREADS``, else ``OMP_NUM_THREADS`` (else every CPU); loading Numba sets
``NUMBA_NUM_THREADS`` to that count when it is unset, so every Python thread uses it. It also
sets ``OMP_WAIT_POLICY=passive`` when unset (see ``_load``): the kernels' OpenMP threads then
sleep between kernels instead of spinning on the cores BLAS is using.

One module per family; each kernel names the NumPy function it replaces:
``pooling`` (max pooling: 2x2/2, and 3x3 windows at any stride and padding, forward and
backward), ``windows`` (the im2col matrix of a convolution, and col2im for its input
gradient), ``optim`` (SGD with momentum, Adam and AdamW as one in-place pass per parameter),
``normalization`` (layer norm, and batch norm on (N, C, H, W), forward and backward),
``softmax`` (softmax cross entropy; the attention's scaled, masked softmax), ``activation``
(GELU, both forms) and ``recurrent`` (the LSTM and GRU gate math of one time step, forward and
backward). ``_exp`` is an exp written as plain arithmetic, which Numba vectorises where its
libm exp stays scalar (pip's llvmlite has no SVML). A kernel runs serially or in parallel over
independent rows, planes or chunks, and sums in a fixed order, so its results do not depend on
the thread count. Tried and left out because they did not beat NumPy (benchmarks/RESULTS.md):
max pooling with run-time window sizes, plain SGD, batch norm with one value per plane.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import numpy as np

from zerograd.core.config import Config

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_state: dict[str, Any] = {}  # "available": whether Numba imported and its threads were set


def available() -> bool:
    """Whether Numba is installed and imports (imports it on the first call)."""
    if "available" not in _state:
        _state["available"] = _load()
    return _state["available"]


def _load() -> bool:
    if importlib.util.find_spec("numba") is None:
        return False
    # GNU OpenMP's workers spin after each parallel region by default, taking the cores that
    # NumPy's BLAS threads need next: the CNN step measured slower with the kernels than without
    # at two threads, faster with passive waiting. Only when the user has not chosen; before
    # Numba loads libgomp, which reads it once.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    # Numba's set_num_threads holds for the calling Python thread only; every other thread (a
    # training loop in a worker thread) starts at NUMBA_NUM_THREADS. Setting it before the import
    # gives every thread the BLAS count (only when the user has not chosen).
    if not os.environ.get("NUMBA_NUM_THREADS"):
        os.environ["NUMBA_NUM_THREADS"] = str(thread_setting(os.environ, os.cpu_count() or 1))
    try:
        import numba
    except Exception:  # a broken install (e.g. a NumPy it does not support) means NumPy only
        return False
    # Numba may have been imported before (by another library): its cap is then its own.
    numba.set_num_threads(thread_setting(os.environ, numba.config.NUMBA_NUM_THREADS))
    return True


def thread_setting(environ: Any, most: int) -> int:
    """The kernels' thread count: NUMBA_NUM_THREADS (Numba's own cap ``most`` already holds it),
    else what OpenBLAS would use (OPENBLAS_NUM_THREADS, then OMP_NUM_THREADS), at most ``most``."""
    if environ.get("NUMBA_NUM_THREADS"):
        return most
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = environ.get(name, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), most)
    return most


def enabled(*arrays: Any) -> bool:
    """Whether the kernels are on and may run on these arrays (NumPy arrays of one float dtype)."""
    if not Config.kernels or not available():
        return False
    dtype = arrays[0].dtype if arrays else None
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype or a.dtype not in _FLOATS:
            return False
    return True
