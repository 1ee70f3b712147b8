"""MLP and Sequential from zerograd.nn.models; a few training steps against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core.testing import assert_allclose, torch_or_skip
from zerograd.nn import layers, models


def test_mlp_structure():
    model = models.MLP((10, 10, 3))
    y = model(np.ones((4, 2), np.float32))
    assert y.shape == (4, 3)
    assert [n for n, _ in model.named_params()] == ["l0.W", "l0.b", "l1.W", "l1.b", "l2.W", "l2.b"]
    assert model.activation is F.sigmoid
    assert repr(model).splitlines()[0] == "MLP(activation=sigmoid)  # 173 params"
    assert models.Sequential is layers.Sequential


def test_mlp_needs_a_layer():
    with pytest.raises(ValueError, match="at least one layer"):
        models.MLP(())


def test_mlp_training_matches_pytorch():
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 5)).astype(np.float32)
    t = rng.integers(0, 3, 16)
    model = models.MLP((8, 3), activation=F.relu)
    model(x)
    reference = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for layer, ours in zip(reference[::2], (model.l0, model.l1)):
            layer.weight.copy_(torch.tensor(ours.W.data.T))
            layer.bias.copy_(torch.tensor(ours.b.data))
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    for _ in range(5):
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        for p in model.params():
            p.data -= 0.1 * p.grad.data
        expected = torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(t))
        optimizer.zero_grad()
        expected.backward()
        optimizer.step()
        assert_allclose(loss, expected, rtol=1e-5)
    assert_allclose(model.l0.W.data.T, reference[0].weight, rtol=1e-4, atol=1e-6)


def test_mlp_learns_a_small_problem():
    np.random.seed(0)
    x = np.random.rand(100, 1).astype(np.float32)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1).astype(np.float32) * 0.1
    model = models.MLP((10, 1))
    first = None
    for _ in range(300):
        loss = F.mean_squared_error(model(x), y)
        first = first if first is not None else float(loss.data)
        model.cleargrads()
        loss.backward()
        for p in model.params():
            p.data -= 0.2 * p.grad.data
    assert float(loss.data) < 0.5 * first


def test_mlp_layers_is_the_books_list_of_its_linear_layers():
    model = models.MLP((10, 3))
    assert model.layers == [model.l0, model.l1]
    model(np.ones((2, 4), np.float32))
    assert model.to_cpu().eval().train() is model  # the list does not hide the machinery


@pytest.mark.parametrize("args, error, match", [
    ((10,), TypeError, "MLP: fc_output_sizes must be a list or tuple of layer sizes"),
    (((10, 2.5),), TypeError, r"MLP: fc_output_sizes\[1\] must be a positive int, got 2.5"),
    (((10, 0),), ValueError, r"MLP: fc_output_sizes\[1\] must be a positive int, got 0"),
    (((10,), "relu"), TypeError, "MLP: activation must be a function such as F.relu, got 'relu'"),
])
def test_mlp_bad_arguments_are_named(args, error, match):
    with pytest.raises(error, match=match):
        models.MLP(*args)


def test_mlp_eval_and_test_mode_are_deterministic():
    from zerograd.nn import test_mode

    model = models.MLP((8, 3), activation=F.relu)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    first = model.eval()(x).data
    np.testing.assert_array_equal(model(x).data, first)
    with test_mode():
        np.testing.assert_array_equal(model.train()(x).data, first)
