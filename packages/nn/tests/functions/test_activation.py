"""Activations: gradient checks (float64), PyTorch (float32), double backward, stability, errors."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable
from zerograd.core.testing import check_backward, check_double_backward

# name -> (zerograd function, PyTorch function as text evaluated with torch in scope)
ELEMENTWISE = {
    "sigmoid": (F.sigmoid, lambda torch, x: torch.sigmoid(x)),
    "relu": (F.relu, lambda torch, x: torch.relu(x)),
    "leaky_relu": (F.leaky_relu, lambda torch, x: torch.nn.functional.leaky_relu(x, 0.2)),
    "leaky_relu_0.01": (lambda x: F.leaky_relu(x, slope=0.01),
                        lambda torch, x: torch.nn.functional.leaky_relu(x, 0.01)),
    "elu": (F.elu, lambda torch, x: torch.nn.functional.elu(x)),
    "elu_0.5": (lambda x: F.elu(x, alpha=0.5), lambda torch, x: torch.nn.functional.elu(x, 0.5)),
    "gelu": (F.gelu, lambda torch, x: torch.nn.functional.gelu(x)),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda torch, x: torch.nn.functional.gelu(x, approximate="tanh")),
    "silu": (F.silu, lambda torch, x: torch.nn.functional.silu(x)),
    "softplus": (F.softplus, lambda torch, x: torch.nn.functional.softplus(x)),
    "softplus_beta2": (lambda x: F.softplus(x, beta=2.0),
                       lambda torch, x: torch.nn.functional.softplus(x, beta=2.0)),
    "softmax": (F.softmax, lambda torch, x: torch.softmax(x, dim=1)),
    "softmax_axis0": (lambda x: F.softmax(x, axis=0), lambda torch, x: torch.softmax(x, dim=0)),
    "softmax_last": (lambda x: F.softmax(x, axis=-1), lambda torch, x: torch.softmax(x, dim=-1)),
    "log_softmax": (F.log_softmax, lambda torch, x: torch.log_softmax(x, dim=1)),
    "log_softmax_axis2": (lambda x: F.log_softmax(x, axis=2),
                          lambda torch, x: torch.log_softmax(x, dim=2)),
}
NAMES = sorted(ELEMENTWISE)


def _shape(rng, name):
    return (2, 3, 4) if name.endswith("axis2") else tuple(int(n) for n in rng.integers(2, 6, 2))


@pytest.mark.parametrize("name", NAMES)
def test_gradient(name, rng, nonzero):
    func = ELEMENTWISE[name][0]
    check_backward(func, nonzero(rng, _shape(rng, name)))


@pytest.mark.parametrize("name", NAMES)
def test_double_backward_against_pytorch(name, rng, nonzero, torch_double_check):
    import torch

    func, torch_func = ELEMENTWISE[name]
    torch_double_check(func, lambda t: torch_func(torch, t), [nonzero(rng, _shape(rng, name))])


@pytest.mark.parametrize("name", NAMES)
def test_double_backward(name, rng, nonzero):
    func = ELEMENTWISE[name][0]
    check_double_backward(func, nonzero(rng, _shape(rng, name)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_against_pytorch(name, seed, torch_check):
    import torch

    rng = np.random.default_rng(seed)
    func, torch_func = ELEMENTWISE[name]
    x = (rng.standard_normal(_shape(rng, name)) * 3).astype(np.float32)
    torch_check(func, lambda t: torch_func(torch, t), [x])


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name, rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    if name.endswith("axis2"):
        x = x.reshape(3, 2, 2)
    y = ELEMENTWISE[name][0](Variable(x))
    y.backward()
    assert y.dtype == np.float32


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "softmax", "log_softmax", "silu", "gelu",
                                  "elu"])
def test_finite_for_huge_inputs(name):
    x = Variable(np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=np.float32))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        y = ELEMENTWISE[name][0](x)
        y.grad = Variable(np.ones_like(y.data))
        y.backward()
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()


def test_values():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.relu(x).data, [0.0, 0.0, 3.0])
    np.testing.assert_allclose(F.leaky_relu(x).data, [-0.4, 0.0, 3.0])
    np.testing.assert_allclose(F.elu(x).data, [np.exp(-2.0) - 1, 0.0, 3.0])
    np.testing.assert_allclose(F.softplus(x).data, np.log1p(np.exp(x)))
    np.testing.assert_allclose(F.softmax(x[None]).data.sum(), 1.0)


def test_gelu_matches_exact_erf():
    import math

    x = np.linspace(-6, 6, 49)
    expected = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x]
    np.testing.assert_allclose(F.gelu(x).data, expected, atol=1e-6)


@pytest.mark.parametrize("shape", [(), (1,), (3, 2)])
def test_gelu_gradient_of_every_rank_including_0d(shape):
    """The blockwise and the in-place gradient paths, a 0-d input included (its square is a
    NumPy scalar, which a fast path once tried to write into)."""
    import math

    x = np.random.default_rng(0).standard_normal(shape)
    check_backward(F.gelu, x)
    v = Variable(x)
    F.gelu(v).sum().backward()  # a plain backward: the fast in-place path
    cdf = 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    expected = cdf + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(v.grad.data, expected, rtol=1e-6)  # erf to float32 accuracy


@pytest.mark.parametrize("name", NAMES)
def test_integer_input_is_rejected(name):
    with pytest.raises(TypeError, match="floating"):
        ELEMENTWISE[name][0](np.arange(12).reshape(2, 3, 2))


@pytest.mark.parametrize("func", [F.softmax, F.log_softmax])
def test_bad_axis(func):
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        func(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        func(np.ones((2, 3)), axis=1.0)


@pytest.mark.parametrize("func", [F.softmax, F.log_softmax])
def test_numpy_integer_axis_is_accepted(func):
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(func(x, axis=np.int64(1)).data, func(x, axis=1).data)
    np.testing.assert_allclose(func(x, axis=np.int32(-2)).data, func(x, axis=0).data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_accurate_over_the_whole_range(dtype, torch_check):
    import torch

    x = np.linspace(-100, 100, 2001).astype(dtype)
    expected = torch.sigmoid(torch.tensor(x)).numpy()
    got = F.sigmoid(x).data
    assert got.dtype == dtype
    tiny = np.finfo(dtype).tiny  # below it both are subnormal: compare absolutely
    np.testing.assert_allclose(got, expected, rtol=4 * np.finfo(dtype).eps, atol=tiny)
    torch_check(F.sigmoid, torch.sigmoid, [x])


def test_sigmoid_of_negative_inputs_keeps_its_precision():
    assert F.sigmoid(np.array([-20.0], np.float32)).data[0] == pytest.approx(2.0611537e-09,
                                                                             rel=1e-6)
    assert np.log(F.sigmoid(np.array([-40.0])).data[0]) == pytest.approx(-40.0, rel=1e-12)
    assert F.sigmoid(np.array([-10.0])).data[0] == pytest.approx(1 / (1 + np.exp(10.0)),
                                                                 rel=1e-14)
    assert F.sigmoid(np.array([-np.inf, np.inf])).data.tolist() == [0.0, 1.0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(np.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="beta must be positive"):
        F.softplus(np.ones(2), beta=0)
    with pytest.raises(ValueError, match="has no data"):
        F.relu(Variable(None))
