"""Losses: the book's normalisation (sum / N), PyTorch references adapted to it, gradients,
double backward, stability for extreme logits and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable
from zerograd.core.testing import check_backward, check_double_backward


def _logits_and_labels(rng, n=None, c=None, scale=1.0):
    n = n or int(rng.integers(2, 7))
    c = c or int(rng.integers(2, 6))
    return rng.standard_normal((n, c)) * scale, rng.integers(0, c, n)


# --- mean squared error ------------------------------------------------------------------------
def test_mean_squared_error_is_the_books(rng):
    x0, x1 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(F.mean_squared_error(x0, x1).data, ((x0 - x1) ** 2).sum() / 4)


def test_mean_squared_error_gradients(rng):
    x0, x1 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    check_backward(F.mean_squared_error, x0, x1)
    check_double_backward(F.mean_squared_error, x0, x1)
    check_backward(F.mean_squared_error, x0, rng.standard_normal(3))  # broadcast target


@pytest.mark.parametrize("seed", [0, 1])
def test_mean_squared_error_against_pytorch(seed, torch_check):
    import torch

    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(2, 6, 2))
    x0, x1 = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    torch_check(F.mean_squared_error,
                lambda a, b: torch.nn.functional.mse_loss(a, b, reduction="sum") / shape[0],
                [x0, x1])


def test_mean_squared_error_bad_input():
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(4,\) do not broadcast"):
        F.mean_squared_error(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="batch axis"):
        F.mean_squared_error(np.array(1.0), np.array(2.0))


# --- softmax cross entropy ---------------------------------------------------------------------
def test_softmax_cross_entropy_gradients(rng):
    x, t = _logits_and_labels(rng)
    check_backward(lambda v: F.softmax_cross_entropy(v, t), x)
    check_double_backward(lambda v: F.softmax_cross_entropy(v, t), x)


def test_softmax_cross_entropy_double_backward_against_pytorch(rng, torch_double_check):
    import torch

    x, t = _logits_and_labels(rng)
    torch_double_check(lambda v: F.softmax_cross_entropy(v, t),
                       lambda v: torch.nn.functional.cross_entropy(v, torch.tensor(t)), [x])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_cross_entropy_against_pytorch(seed, torch_check):
    import torch

    x, t = _logits_and_labels(np.random.default_rng(seed), scale=3.0)
    torch_check(F.softmax_cross_entropy,
                lambda a, b: torch.nn.functional.cross_entropy(a, b), [x.astype(np.float32), t])


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_softmax_cross_entropy_extreme_logits(scale, torch_check):
    import torch

    x = np.array([[1.0, -1.0, 0.5], [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], np.float32) * scale
    t = np.array([0, 2, 1])
    v = Variable(x.copy())
    loss = F.softmax_cross_entropy(v, t)
    loss.backward()
    assert np.isfinite(loss.data) and np.isfinite(v.grad.data).all()
    torch_check(F.softmax_cross_entropy, lambda a, b: torch.nn.functional.cross_entropy(a, b),
                [x, t], rtol=1e-4, atol=1e-3)


def test_softmax_cross_entropy_value_and_dtype():
    x = np.log(np.array([[0.25, 0.75], [0.5, 0.5]], np.float32))
    loss = F.softmax_cross_entropy(x, np.array([1, 0]))
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.data, -(np.log(0.75) + np.log(0.5)) / 2, rtol=1e-6)


def test_softmax_cross_entropy_accepts_column_labels_and_variables():
    x = np.zeros((2, 3), np.float32)
    a = F.softmax_cross_entropy(x, np.array([[0], [2]]))
    b = F.softmax_cross_entropy(x, Variable(np.array([0, 2])))
    np.testing.assert_allclose(a.data, b.data)


def test_softmax_cross_entropy_bad_input():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\), got values from 0 to 3"):
        F.softmax_cross_entropy(x, np.array([0, 3]))
    with pytest.raises(ValueError, match="labels must lie"):
        F.softmax_cross_entropy(x, np.array([-1, 0]))
    with pytest.raises(TypeError, match="integer array of class labels"):
        F.softmax_cross_entropy(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"has 3 labels for 2 samples"):
        F.softmax_cross_entropy(x, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        F.softmax_cross_entropy(np.zeros(3), np.array([0]))


# --- sigmoid and binary cross entropy ----------------------------------------------------------
def test_sigmoid_cross_entropy_is_the_books(rng):
    x = rng.standard_normal((4, 1))
    t = rng.integers(0, 2, (4, 1))
    p = 1 / (1 + np.exp(-x))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / 4
    np.testing.assert_allclose(F.sigmoid_cross_entropy(x, t).data, expected)
    np.testing.assert_allclose(F.sigmoid_cross_entropy(x, t.ravel()).data, expected)


def test_sigmoid_cross_entropy_gradients(rng):
    x, t = rng.standard_normal((3, 2)), rng.uniform(0, 1, (3, 2))
    check_backward(F.sigmoid_cross_entropy, x, t)  # soft targets are differentiable too
    check_double_backward(F.sigmoid_cross_entropy, x, t)


@pytest.mark.parametrize("seed", [0, 1])
def test_sigmoid_cross_entropy_against_pytorch(seed, torch_check):
    import torch

    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((5, 3)) * 3).astype(np.float32)
    t = rng.uniform(0, 1, (5, 3)).astype(np.float32)
    torch_check(F.sigmoid_cross_entropy,
                lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(
                    a, b, reduction="sum") / 5, [x, t])


def test_sigmoid_cross_entropy_extreme_logits():
    x = Variable(np.array([[1e4], [-1e4], [1e4]], np.float32))
    loss = F.sigmoid_cross_entropy(x, np.array([1, 0, 0]))
    loss.backward()
    np.testing.assert_allclose(loss.data, 1e4 / 3, rtol=1e-6)
    np.testing.assert_allclose(x.grad.data.ravel(), [0, 0, 1 / 3], atol=1e-7)


def test_binary_cross_entropy(rng):
    p, t = rng.uniform(0.1, 0.9, (4, 2)), rng.integers(0, 2, (4, 2)).astype(np.float64)
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / 4
    np.testing.assert_allclose(F.binary_cross_entropy(p, t).data, expected)
    check_backward(lambda v: F.binary_cross_entropy(v, t), p)
    check_double_backward(lambda v: F.binary_cross_entropy(v, t), p)
    saturated = F.binary_cross_entropy(np.array([0.0, 1.0], np.float32), np.array([1, 0]))
    assert np.isfinite(saturated.data) and saturated.dtype == np.float32


def test_binary_cross_entropy_against_pytorch(rng, torch_check):
    import torch

    p = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    t = rng.integers(0, 2, (4, 3)).astype(np.float32)
    torch_check(lambda a: F.binary_cross_entropy(a, t),
                lambda a: torch.nn.functional.binary_cross_entropy(
                    a, torch.tensor(t), reduction="sum") / 4, [p])


def test_cross_entropy_bad_targets():
    with pytest.raises(ValueError, match=r"t of shape \(3,\) does not match x of shape \(2, 1\)"):
        F.sigmoid_cross_entropy(np.zeros((2, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="does not match"):
        F.binary_cross_entropy(np.full((2, 1), 0.5), np.zeros(3))


# --- nll and huber -----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction, rng, torch_check):
    import torch

    x, t = _logits_and_labels(rng)
    check_backward(lambda v: F.nll_loss(v, t, reduction), x)
    check_double_backward(lambda v: F.nll_loss(v, t, reduction), x)
    torch_check(lambda a, b: F.nll_loss(a, b, reduction),
                lambda a, b: torch.nn.functional.nll_loss(a, b, reduction=reduction),
                [x.astype(np.float32), t])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [1.0, 0.5])
def test_huber_loss(reduction, delta, rng, torch_check):
    import torch

    x, t = rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3))
    check_backward(lambda a, b: F.huber_loss(a, b, delta, reduction), x, t)
    check_double_backward(lambda a, b: F.huber_loss(a, b, delta, reduction), x, t)
    torch_check(lambda a, b: F.huber_loss(a, b, delta, reduction),
                lambda a, b: torch.nn.functional.huber_loss(a, b, reduction=reduction, delta=delta),
                [x.astype(np.float32), t.astype(np.float32)])


def test_pytorch_style_losses_bad_input():
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.nll_loss(np.zeros((2, 3)), np.array([0, 1]), reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.huber_loss(np.zeros(2), np.zeros(2), reduction="avg")
    with pytest.raises(ValueError, match=r"x of shape \(2,\) and t of shape \(3,\) differ"):
        F.huber_loss(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(np.zeros(2), np.zeros(2), delta=0)
    with pytest.raises(ValueError, match="labels must lie"):
        F.nll_loss(np.zeros((2, 3)), np.array([0, 5]))


EMPTY_BATCHES = {
    "mean_squared_error": lambda: F.mean_squared_error(np.ones((0, 3)), np.ones((0, 3))),
    "softmax_cross_entropy": lambda: F.softmax_cross_entropy(np.ones((0, 3)),
                                                             np.zeros(0, np.int64)),
    "sigmoid_cross_entropy": lambda: F.sigmoid_cross_entropy(np.ones((0, 1)), np.ones((0, 1))),
    "binary_cross_entropy": lambda: F.binary_cross_entropy(np.full((0, 1), 0.5), np.ones((0, 1))),
    "nll_loss": lambda: F.nll_loss(np.ones((0, 3)), np.zeros(0, np.int64)),
    "nll_loss_sum": lambda: F.nll_loss(np.ones((0, 3)), np.zeros(0, np.int64), "sum"),
    "huber_loss": lambda: F.huber_loss(np.ones((0, 2)), np.ones((0, 2))),
}


@pytest.mark.parametrize("name", sorted(EMPTY_BATCHES))
def test_every_loss_refuses_an_empty_batch(name):
    op = name.removesuffix("_sum")
    with pytest.raises(ValueError, match=rf"{op}: .*\(0, \d\).* empty|{op}: the batch is empty"):
        EMPTY_BATCHES[name]()
