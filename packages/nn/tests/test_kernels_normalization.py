"""The compiled layer norm and batch norm kernels (zerograd.core.kernels.normalization) against
their NumPy references (the same Functions with Config.kernels off), with gradient checks and
PyTorch on the kernel path; skipped without Numba. Their sums run in float64 where NumPy's run
in the dtype: float64 agrees to ~1e-12, float32 to ~1e-5."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable, using_config
from zerograd.core.testing import check_backward

pytest.importorskip("numba", reason="the compiled kernels need Numba (zerograd-core[kernels])")

from zerograd.core.kernels import normalization as kernel  # noqa: E402  (needs Numba)

TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}


def _layer(rng, shape, param_shape, dtype):
    x = rng.standard_normal(shape) * 2 + 1
    return [a.astype(dtype) for a in (x, rng.uniform(0.5, 1.5, param_shape),
                                      rng.standard_normal(param_shape))]


def _batch(rng, shape, dtype):
    return _layer(rng, shape, shape[1], dtype)


def _run(f, arrays, seed=0):
    """f's output, input gradients (for a fixed random gy) and running statistics, kernels off
    (the reference) then on."""
    results = []
    for on in (False, True):
        with using_config("kernels", on):
            stats = [np.zeros(arrays[1].size, arrays[0].dtype), np.ones(arrays[1].size,
                                                                         arrays[0].dtype)]
            xs = [Variable(a.copy()) for a in arrays]
            y = f(*xs, *stats)
            gy = np.random.default_rng(seed).standard_normal(y.shape).astype(y.dtype)
            y.backward(Variable(gy))
            results.append([y.data] + [x.grad.data for x in xs] + stats)
    return results


def _assert_close(reference, result, dtype):
    for a, b in zip(reference, result):
        assert b.dtype == a.dtype == dtype
        np.testing.assert_allclose(b, a, **TOLERANCE[dtype])


@pytest.fixture
def calls(monkeypatch):
    """The names of the kernel wrappers called during the test."""
    names = []
    for name in ("layer_norm_forward", "layer_norm_backward", "batch_statistics", "batch_affine",
                 "batch_norm_backward"):
        real = getattr(kernel, name)
        monkeypatch.setattr(kernel, name,
                            lambda *a, _name=name, _real=real, **k: names.append(_name)
                            or _real(*a, **k))
    return names


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, param_shape", [((37, 20), (20,)), ((3, 5, 4, 6), (4, 6))])
def test_layer_norm_kernel_matches_numpy(dtype, shape, param_shape, rng, calls):
    reference, result = _run(lambda x, g, b, *_: F.layer_norm(x, g, b),
                             _layer(rng, shape, param_shape, dtype))
    _assert_close(reference, result, dtype)
    assert calls == ["layer_norm_forward", "layer_norm_backward"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_kernel_matches_numpy(dtype, train, rng, calls):
    reference, result = _run(lambda *a: F.batch_norm(*a, decay=0.8, train=train),
                             _batch(rng, (4, 6, 5, 7), dtype))
    _assert_close(reference, result, dtype)
    assert calls == (["batch_statistics", "batch_affine", "batch_norm_backward"] if train
                     else ["batch_affine"])  # test mode's backward is affine: Functions


@pytest.mark.parametrize("shape", [(8, 3), (8, 3, 1, 1)])
def test_batch_norm_of_one_value_planes_and_mixed_dtypes_stay_on_numpy(shape, rng, calls):
    x, gamma, beta = _batch(rng, shape, np.float64)
    reference, result = _run(F.batch_norm, [x, gamma, beta])
    _assert_close(reference, result, np.float64)
    F.layer_norm(x.astype(np.float32), np.ones(shape[-1]), np.zeros(shape[-1]))  # mixed dtypes
    assert calls == []


@using_config("kernels", True)
def test_kernel_gradients_check(rng, calls):
    check_backward(F.layer_norm, *_layer(rng, (3, 4, 5), (5,), np.float64))
    x, gamma, beta = _batch(rng, (2, 3, 2, 3), np.float64)
    mean, var = np.zeros(3), np.ones(3)  # closed over: moved with the inputs on a device run
    check_backward(lambda *a: F.batch_norm(*a, mean.copy(), var.copy()), x, gamma, beta)
    assert {"layer_norm_backward", "batch_norm_backward"} <= set(calls)


def test_kernel_results_do_not_depend_on_the_thread_count(rng):
    import numba

    arrays = _layer(rng, (200, 48), (48,), np.float32)  # several blocks of rows
    batch = _batch(rng, (6, 5, 4, 4), np.float32)
    outputs, threads = [], numba.get_num_threads()
    try:
        for n in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(n)
            outputs.append(_run(lambda x, g, b, *_: F.layer_norm(x, g, b), arrays)[1]
                           + _run(F.batch_norm, batch)[1])
    finally:
        numba.set_num_threads(threads)
    for a, b in zip(outputs[0], outputs[-1]):
        np.testing.assert_array_equal(a, b)


@using_config("kernels", True)
def test_kernels_against_pytorch(rng, torch_check, calls):
    import torch

    torch_check(F.layer_norm, lambda x, g, b: torch.nn.functional.layer_norm(x, (64,), g, b),
                _layer(rng, (70, 64), (64,), np.float32))
    mean, var = np.zeros(8, np.float32), np.ones(8, np.float32)
    torch_check(lambda *a: F.batch_norm(*a, mean, var, eps=1e-5),
                lambda x, g, b: torch.nn.functional.batch_norm(x, None, None, g, b, training=True),
                _batch(rng, (5, 8, 6, 6), np.float32))
    assert {"layer_norm_backward", "batch_norm_backward"} <= set(calls)
