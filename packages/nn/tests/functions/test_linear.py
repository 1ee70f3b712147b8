"""linear: the fused affine Function."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zerograd.nn.functions as F
from zerograd.core import Variable, using_config
from zerograd.core.testing import check_backward, check_double_backward


def _arrays(rng, lead=(3,), n_in=4, n_out=5):
    x = rng.standard_normal((*lead, n_in))
    W = rng.standard_normal((n_in, n_out))
    b = rng.standard_normal(n_out)
    return x, W, b


def test_gradient_with_bias(rng):
    check_backward(F.linear, *_arrays(rng))


def test_gradient_without_bias(rng):
    x, W, _ = _arrays(rng)
    check_backward(F.linear, x, W)


def test_gradient_with_leading_axes(rng):
    check_backward(F.linear, *_arrays(rng, lead=(2, 3)))


def test_double_backward(rng):
    check_double_backward(F.linear, *_arrays(rng))
    check_double_backward(F.linear, *_arrays(rng, lead=(2, 2)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_pytorch(seed, torch_check):
    import torch

    rng = np.random.default_rng(seed)
    lead = tuple(int(n) for n in rng.integers(1, 5, rng.integers(1, 3)))
    x, W, b = (a.astype(np.float32) for a in _arrays(rng, lead, *rng.integers(1, 8, 2)))
    torch_check(F.linear, lambda x, W, b: torch.nn.functional.linear(x, W.T, b), [x, W, b])


def test_values_and_dtype(rng):
    x, W, b = (a.astype(np.float32) for a in _arrays(rng))
    y = F.linear(x, W, b)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, x @ W + b, rtol=1e-6)


@pytest.mark.parametrize("recorded", [False, True])
def test_input_gradient_is_skipped_when_not_needed(recorded, rng):
    from zerograd.nn.functions.linear import Linear

    x, W, b = _arrays(rng)
    func = Linear()
    y = func(Variable(x, requires_grad=False), Variable(W), Variable(b))
    with using_config("enable_backprop", recorded):
        gx, gW, gb = func.backward(Variable(np.ones_like(y.data)))
    assert gx is None
    np.testing.assert_allclose(gW.data, x.T @ np.ones_like(y.data))
    np.testing.assert_allclose(gb.data, np.full(5, 3.0))


@pytest.mark.parametrize("create_graph", [False, True])
def test_gradient_function_computes_only_what_is_needed(create_graph, rng, monkeypatch):
    from zerograd.nn.functions.linear import LinearGrad

    x, W, b = _arrays(rng)
    needs = []
    real = LinearGrad.forward

    def recording_forward(self, *arrays):
        needs.append(self.needed)
        return real(self, *arrays)

    monkeypatch.setattr(LinearGrad, "forward", recording_forward)
    W, b = Variable(W), Variable(b)
    F.linear(x, W, b).backward(create_graph=create_graph)  # x is a plain array: no gradient
    assert needs == [(False, True, True)]
    assert W.grad.shape == (4, 5) and b.grad.shape == (5,)


def test_double_backward_against_pytorch(rng, torch_double_check):
    import torch

    torch_double_check(F.linear, lambda x, W, b: torch.nn.functional.linear(x, W.T, b),
                       _arrays(rng, lead=(2, 3)))


def test_third_order_gradient(rng):
    x, W, b = _arrays(rng)
    check_double_backward(lambda *v: F.linear(*v) ** 2, x, W, b)
    x = Variable(np.array([[2.0]]))
    y = F.linear(x, Variable(np.array([[3.0]])))
    cube = y * y * y  # (3x)^3 = 27 x^3: third derivative 162
    cube.backward(create_graph=True)
    g = x.grad
    x.cleargrad()
    g.backward(create_graph=True)
    g2 = x.grad
    x.cleargrad()
    g2.backward()
    np.testing.assert_allclose(x.grad.data, [[162.0]])


def test_weight_gradient_uses_transposed_views(rng):
    x = Variable(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=False)
    W = Variable(rng.standard_normal((4, 5)).astype(np.float32))
    F.linear(x, W).backward()
    np.testing.assert_allclose(W.grad.data, x.data.T @ np.ones((3, 5), np.float32), rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(lead=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       n_in=st.integers(1, 4), n_out=st.integers(1, 4), bias=st.booleans())
def test_shapes(lead, n_in, n_out, bias):
    rng = np.random.default_rng(0)
    x = Variable(rng.standard_normal((*lead, n_in)))
    W = Variable(rng.standard_normal((n_in, n_out)))
    b = Variable(np.zeros(n_out)) if bias else None
    y = F.linear(x, W, b)
    assert y.shape == (*lead, n_out)
    y.backward()
    assert x.grad.shape == x.shape and W.grad.shape == W.shape
    if bias:
        np.testing.assert_allclose(b.grad.data, np.full(n_out, np.prod(lead)))


def test_bad_input():
    with pytest.raises(ValueError, match=r"linear: x of shape \(2, 3\) and W of shape \(4, 5\)"):
        F.linear(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="W has no data"):
        F.linear(np.ones((2, 3)), Variable(None))
    with pytest.raises(ValueError, match=r"b must have shape \(5,\)"):
        F.linear(np.ones((2, 4)), np.ones((4, 5)), np.ones(4))
    with pytest.raises(ValueError, match="do not align"):
        F.linear(np.ones((2, 4)), np.ones(4))


def test_input_without_features_or_axes_is_refused():
    with pytest.raises(ValueError, match=r"linear: x of shape \(2, 0\) has no input features"):
        F.linear(np.ones((2, 0)), np.ones((0, 3)))
    with pytest.raises(ValueError, match="linear: x must have at least one axis.*0-d"):
        F.linear(np.array(1.0), np.ones((1, 3)))
