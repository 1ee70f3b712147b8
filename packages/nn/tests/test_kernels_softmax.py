"""The compiled kernels of softmax cross entropy, the attention softmax and GELU
(zerograd.core.kernels.softmax, .activation) and their exp (._exp) against the NumPy references
(the same Functions with Config.kernels off) and PyTorch, on both float dtypes, with infinities,
NaN and fully masked rows; skipped without Numba. The existing tests of these Functions
(test_loss*, test_attention, test_activation*) run with the kernels on as well."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Variable, kernels, using_config
from zerograd.core.gradient_check import gradient_check
from zerograd.core.testing import torch_or_skip
from zerograd.nn import functions as F

pytest.importorskip("numba", reason="the compiled kernels need Numba (zerograd-core[kernels])")

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}


def _both(f, *arrays, gy=None):
    """f's output and input gradients with the kernels off (the reference) and on."""
    results = []
    for on in (False, True):
        with using_config("kernels", on):
            xs = [Variable(a.copy()) for a in arrays]
            y = f(*xs)
            g = np.linspace(-1, 1, y.data.size) if gy is None else gy
            y.grad = Variable(np.reshape(g, y.shape).astype(y.dtype))
            y.backward()
            results.append([y.data] + [x.grad.data for x in xs])
    return results


def _assert_same(results, dtype):
    for reference, kernel in zip(*results):
        assert kernel.dtype == reference.dtype == dtype
        np.testing.assert_allclose(kernel, reference, **TOL[dtype])


def _spy(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a: calls.append(1) or real(*a))
    return calls


def test_exp_matches_numpy_over_the_whole_range():
    from zerograd.core.kernels._exp import exp_array
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, 709.782712893384, 709.7827128933841, 710.0,
               -745.1332191019411, -745.1332191019412, -745.19, -745.21, 709.79, 709.81, -746.0,
               1e300, -1e300]
    x = np.concatenate([np.linspace(-760, 720, 100_001), special])
    with np.errstate(over="ignore", under="ignore"):
        reference = np.exp(x)
    y = exp_array(x)
    _assert_ulps(y, reference, 1)  # subnormal results: within one step of 2**-1074
    with np.errstate(over="ignore", under="ignore"):  # 1e300 -> inf in float32
        x32 = np.concatenate([np.linspace(-110, 100, 50_001), special]).astype(np.float32)
        reference = np.exp(x32)
    _assert_ulps(exp_array(x32), reference, 2)  # NumPy's float32 exp is itself 2.4 ulp off


def _assert_ulps(y, reference, most):
    finite = np.isfinite(reference)
    np.testing.assert_array_equal(y[~finite], reference[~finite])  # inf and NaN
    y, reference = y[finite], reference[finite]
    spacing = np.spacing(np.maximum(reference, np.finfo(y.dtype).tiny))
    assert (np.abs(y - reference) / spacing).max() <= most


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_matches_numpy(dtype, monkeypatch):
    from zerograd.core.kernels import softmax
    calls = _spy(monkeypatch, softmax, "cross_entropy_backward")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((37, 11)) * 4).astype(dtype)
    x[3, :5] = -np.inf  # classes ruled out
    x[5] = 1e4  # a shift that exp could not take unshifted
    t = rng.integers(0, 11, 37)
    t[3] = 7
    _assert_same(_both(lambda v: F.softmax_cross_entropy(v, t), x, gy=[2.5]), dtype)
    assert calls
    x[4, 2] = np.nan  # NaN spreads into the loss and its row's gradient, as in the reference
    results = _both(lambda v: F.softmax_cross_entropy(v, t), x)
    assert np.isnan(results[1][0])
    np.testing.assert_array_equal(np.isnan(results[0][1]), np.isnan(results[1][1]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask", ["none", "causal", "additive", "boolean"])
def test_attention_softmax_matches_numpy(dtype, mask, monkeypatch):
    from zerograd.core.kernels import softmax
    calls = _spy(monkeypatch, softmax, "attention_softmax")
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((2, 3, 6, 5)).astype(dtype) for _ in range(3))
    kwargs = {"causal": {"is_causal": True}}.get(mask, {})
    if mask == "additive":  # -inf entries, a row with every key removed (probabilities 0)
        kwargs["attn_mask"] = rng.standard_normal((6, 6)).astype(dtype)
        kwargs["attn_mask"][1, :3] = -np.inf
        kwargs["attn_mask"][4] = -np.inf
    if mask == "boolean":
        kwargs["attn_mask"] = rng.random((6, 6)) > 0.4
        kwargs["attn_mask"][2] = False
    results = _both(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kwargs), q, k, v)
    _assert_same(results, dtype)
    assert calls


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the reference's NaN
def test_attention_nan_and_unmasked_infinities_as_numpy():
    q = np.random.default_rng(2).standard_normal((1, 4, 3))
    q[0, 1, 0] = np.nan
    k = q.copy()
    k[0, 2] = [np.inf, 0, 0]
    k[0, 1, 0] = 0.0
    results = _both(lambda a, b: F.scaled_dot_product_attention(a, b, b), q, k)
    for reference, kernel in zip(*results):
        np.testing.assert_array_equal(np.isnan(kernel), np.isnan(reference))
        finite = np.isfinite(reference)
        np.testing.assert_allclose(kernel[finite], reference[finite], rtol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # -inf * 0 in the reference
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_numpy(dtype, approximate):
    x = np.concatenate([np.linspace(-12, 12, 301), [0.0, -0.0, 40.0, -40.0, 1e3, -1e3]])
    results = _both(lambda v: F.gelu(v, approximate), x.astype(dtype))
    _assert_same(results, dtype)
    special = np.array([np.inf, -np.inf, np.nan], dtype)
    for reference, kernel in zip(*_both(lambda v: F.gelu(v, approximate), special)):
        np.testing.assert_array_equal(kernel, reference)  # inf, NaN (= -inf * 0), NaN


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_kernel_gradients(approximate, monkeypatch):
    from zerograd.core.kernels import activation
    calls = _spy(monkeypatch, activation, "gelu_backward")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5)) * 2
    assert kernels.enabled(x)
    assert gradient_check(lambda v: F.gelu(v, approximate), x)
    assert calls
    t = rng.integers(0, 5, 4)
    assert gradient_check(lambda v: F.softmax_cross_entropy(v, t), x)
    q = rng.standard_normal((2, 4, 3))
    assert gradient_check(lambda a: F.scaled_dot_product_attention(a, a * 0.5, a, is_causal=True), q)


def test_gelu_kernel_differentiates_twice():
    x = np.random.default_rng(4).standard_normal(7)
    grads = []
    for on in (False, True):
        with using_config("kernels", on):
            for approximate in ("none", "tanh"):
                v = Variable(x.copy())
                F.gelu(v, approximate).sum().backward(create_graph=True)
                g = v.grad
                v.cleargrad()
                g.sum().backward()
                grads.append(v.grad.data)
    np.testing.assert_allclose(grads[2:], grads[:2], rtol=1e-12)


def test_against_pytorch():
    torch = torch_or_skip()
    tf = torch.nn.functional
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 9))
    t = rng.integers(0, 9, 6)
    xv = Variable(x.copy())
    loss = F.cross_entropy(xv, t)
    loss.backward()
    xt = torch.tensor(x, requires_grad=True)
    expected = tf.cross_entropy(xt, torch.tensor(t))
    expected.backward()
    np.testing.assert_allclose(loss.data, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(xv.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-15)
    for approximate in ("none", "tanh"):
        xv, xt = Variable(x.copy()), torch.tensor(x, requires_grad=True)
        y = F.gelu(xv, approximate)
        y.backward()
        tf.gelu(xt, approximate=approximate).sum().backward()
        # zerograd's erf (Abramowitz and Stegun 7.1.26) is exact to 1.5e-7
        tol = 1e-12 if approximate == "tanh" else 2e-7
        np.testing.assert_allclose(y.data, tf.gelu(torch.tensor(x), approximate=approximate),
                                   rtol=tol, atol=tol)
        np.testing.assert_allclose(xv.grad.data, xt.grad.numpy(), rtol=tol, atol=tol)
    q, k, v = (rng.standard_normal((2, 2, 5, 3)) for _ in range(3))
    ours = [Variable(a.copy()) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    y = F.scaled_dot_product_attention(*ours, is_causal=True)
    y.backward()
    tf.scaled_dot_product_attention(*theirs, is_causal=True).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)
