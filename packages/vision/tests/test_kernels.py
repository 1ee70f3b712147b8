"""The compiled kernels behind max pooling, the convolution's im2col matrix and its input
gradient's col2im against their NumPy references (the same Functions with Config.kernels off), on
both float dtypes; skipped without Numba. test_pool/test_conv compare with PyTorch's
max_pool2d/conv2d and check gradients with the kernels on (Config.kernels' default)."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Variable, kernels, using_config
from zerograd.core.gradient_check import gradient_check
from zerograd.vision import functions as VF
from zerograd.vision.functions import conv as conv_module

pytest.importorskip("numba", reason="the compiled kernels need Numba (zerograd-core[kernels])")


TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _both(f, *arrays):
    """f's outputs and input gradients with the kernels off (the reference) and on."""
    results = []
    for on in (False, True):
        with using_config("kernels", on):
            xs = [Variable(a.copy()) for a in arrays]
            y = f(*xs)
            y.grad = Variable(np.linspace(-1, 1, y.data.size).reshape(y.shape).astype(y.dtype))
            y.backward()
            results.append((y.data, [x.grad.data for x in xs]))
    return results


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pooling_2x2_matches_numpy_bitwise(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 6, 8)).astype(dtype)
    x[0, 0, :2, :2] = 1.0  # ties: the first maximum wins
    x[0, 1, 0, 0] = np.nan  # NaN takes the value, not the offset
    x[1, 2, 2:4, 2:4] = -np.inf
    (y0, (g0,)), (y1, (g1,)) = _both(lambda v: VF.pooling(v, 2, 2), x)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(g0, g1)
    assert y1.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, stride, pad", [
    ((2, 5, 16, 16), 2, 0), ((2, 5, 9, 11), 2, 1), ((1, 3, 7, 8), 1, 1), ((1, 3, 9, 9), 3, 0),
    ((1, 4, 8, 7), (2, 1), (1, 2)),
])
def test_max_pooling_3x3_matches_numpy_bitwise(dtype, shape, stride, pad):
    x = np.random.default_rng(6).standard_normal(shape).astype(dtype)
    x[0, 0, :3, :3] = 1.0  # ties: the first maximum wins
    x[0, 1, 2, 2] = np.nan
    x[0, 2, :4, :4] = -np.inf  # windows of -inf, with padding (-inf too) before them
    (y0, (g0,)), (y1, (g1,)) = _both(lambda v: VF.pooling(v, 3, stride, pad), x)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(g0, g1)


def test_max_pooling_kernel_runs_and_checks_gradients(monkeypatch):
    from zerograd.core.kernels import pooling
    calls = []
    real = pooling.max_pool_backward
    monkeypatch.setattr(pooling, "max_pool_backward", lambda *a: calls.append(1) or real(*a))
    real3 = pooling.max_pool_backward_windows
    monkeypatch.setattr(pooling, "max_pool_backward_windows",
                        lambda *a: calls.append(3) or real3(*a))
    x = np.random.default_rng(1).permutation(64).reshape(1, 4, 4, 4).astype(np.float64)
    assert kernels.enabled(x)
    gradient_check(lambda v: VF.pooling(v, 2, 2), x)
    gradient_check(lambda v: VF.pooling(v, 3, 2, 1), x)
    assert calls == [1, 3]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel, stride, pad, dilation, groups, bias", [
    (3, 1, 1, 1, 1, True), (3, 2, 1, 1, 2, False), ((3, 2), (2, 1), (2, 0), (2, 1), 4, True),
])
def test_conv_columns_match_numpy(dtype, kernel, stride, pad, dilation, groups, bias):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 8, 7, 6)).astype(dtype)
    W = rng.standard_normal((4, 8 // groups, *np.broadcast_to(kernel, 2))).astype(dtype)
    b = rng.standard_normal(4).astype(dtype) if bias else None

    def f(xv, Wv, *bv):
        return VF.conv2d(xv, Wv, bv[0] if bv else None, stride=stride, pad=pad,
                         dilation=dilation, groups=groups)

    arrays = (x, W) + ((b,) if bias else ())
    (y0, g0), (y1, g1) = _both(f, *arrays)
    np.testing.assert_array_equal(y0, y1)  # im2col is a copy: the same matrix, the same product
    for a, c in zip(g0, g1):  # gx: one wide matrix product for all offsets, BLAS may block it
        np.testing.assert_allclose(c, a, **TOLERANCE[dtype])


def test_conv_columns_kernel_is_the_numpy_matrix():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 8, 5, 5)).astype(np.float32)
    args = ((3, 3), (1, 1), (1, 1), (1, 1), 2, (5, 5), True)
    with using_config("kernels", False):
        reference = conv_module.conv_columns(x, *args)
    from zerograd.core.kernels import windows
    np.testing.assert_array_equal(windows.conv_columns(x, *args), reference)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel, stride, pad, dilation, groups, outsize", [
    (3, 1, 1, 1, 1, None), (3, 2, 1, 1, 1, (10, 8)), ((3, 2), (2, 3), (2, 0), (2, 1), 2, None),
    (1, 2, 0, 1, 4, (10, 8)),
])
def test_deconvolution_col2im_matches_numpy(dtype, kernel, stride, pad, dilation, groups, outsize):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 8, 5, 4)).astype(dtype)
    W = rng.standard_normal((8, 3, *np.broadcast_to(kernel, 2))).astype(dtype)

    def f(xv, Wv):
        return VF.deconv2d(xv, Wv, stride=stride, pad=pad, outsize=outsize, dilation=dilation,
                           groups=groups)

    (y0, g0), (y1, g1) = _both(f, x, W)
    assert y1.shape == y0.shape and y1.dtype == dtype
    for a, c in zip([y0, *g0], [y1, *g1]):
        np.testing.assert_allclose(c, a, **TOLERANCE[dtype])


def test_col2im_kernel_runs_in_chunks_and_checks_gradients(monkeypatch):
    from zerograd.core.kernels import windows
    calls = []
    real = windows.col2im
    monkeypatch.setattr(windows, "col2im", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(conv_module, "DECONV_CHUNK_BYTES", 1)  # one image per chunk
    monkeypatch.setattr(windows, "threads", lambda: 1)  # (the one-thread chunking)
    rng = np.random.default_rng(5)
    x, W = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    gradient_check(lambda xv, Wv: VF.conv2d(xv, Wv, stride=2, pad=1), x, W)
    assert len(calls) >= 2  # two chunks at least
