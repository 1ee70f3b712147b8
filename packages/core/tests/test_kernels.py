"""The compiled-kernel switch (zerograd.core.kernels): when kernels may run, the thread setting,
and the NumPy-only path without Numba. The kernels themselves are tested against their NumPy
references in the packages whose Functions use them (vision, text)."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Config, fakecupy, kernels, using_config


def test_enabled_only_for_numpy_float_arrays(monkeypatch):
    monkeypatch.setitem(kernels._state, "available", True)
    x32, x64 = np.zeros(3, np.float32), np.zeros(3)
    assert kernels.enabled(x32, x32) and kernels.enabled(x64)
    assert not kernels.enabled(x32, x64)  # mixed dtypes stay on NumPy
    assert not kernels.enabled(np.zeros(3, np.float16))
    assert not kernels.enabled(np.zeros(3, np.int64))
    assert not kernels.enabled(fakecupy.asarray(np.zeros(3, np.float32)))  # the GPU stand-in
    with using_config("kernels", False):
        assert not kernels.enabled(x32)


def test_without_numba_everything_is_numpy(monkeypatch):
    monkeypatch.setitem(kernels._state, "available", False)
    assert not kernels.enabled(np.zeros(3, np.float32))


def test_switch_defaults_from_the_environment():
    import subprocess
    import sys
    code = "from zerograd.core import Config; print(Config.kernels)"
    for value, expected in (("0", "False"), ("off", "False"), ("1", "True")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**__import__("os").environ, "ZEROGRAD_KERNELS": value})
        assert out.stdout.strip() == expected, out.stderr
    assert isinstance(Config.kernels, bool)


@pytest.mark.parametrize("environ, expected", [
    ({}, 16),
    ({"OMP_NUM_THREADS": "2"}, 2),
    ({"OPENBLAS_NUM_THREADS": "3", "OMP_NUM_THREADS": "2"}, 3),  # OpenBLAS's own order
    ({"OMP_NUM_THREADS": "64"}, 16),  # never above Numba's cap
    ({"NUMBA_NUM_THREADS": "4", "OMP_NUM_THREADS": "2"}, 16),  # Numba's variable: its cap holds it
    ({"OMP_NUM_THREADS": "x"}, 16),
])
def test_threads_follow_the_blas_setting(environ, expected):
    assert kernels.thread_setting(environ, 16) == expected


def test_available_is_what_numba_import_says():
    try:
        import numba  # noqa: F401
    except ImportError:
        assert not kernels.available()
    else:
        assert kernels.available()


def test_every_python_thread_gets_the_blas_thread_count():
    """Numba's thread count is per Python thread: a worker thread must not fall back to every
    CPU when OMP_NUM_THREADS says one."""
    pytest.importorskip("numba")
    import os
    import subprocess
    import sys
    code = ("import threading; from zerograd.core import kernels; kernels.available(); "
            "import numba; seen = []; "
            "t = threading.Thread(target=lambda: seen.append(numba.get_num_threads())); "
            "t.start(); t.join(); print(numba.get_num_threads(), seen[0])")
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_NUM_THREADS",
                                                           "OPENBLAS_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "OMP_NUM_THREADS": "1"})
    assert out.stdout.split() == ["1", "1"], out.stderr
