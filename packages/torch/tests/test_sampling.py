"""Sampling with ``generator=`` (issue 23, point 8): bernoulli, multinomial, normal, the ``*_like``
draws and the in-place ``bernoulli_``/``random_``/``exponential_``; reproducible per generator,
with PyTorch's dtypes, shapes, gradients and errors. Dropout takes no generator in PyTorch: it is
reproducible through ``torch.manual_seed``."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import torch_or_skip


def _draws(torch, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(4)
    return [torch.bernoulli(torch.full((5,), 0.5), generator=g),
            torch.multinomial(torch.tensor([1.0, 2.0, 3.0]), 2, generator=g),
            torch.multinomial(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), 3, replacement=True,
                              generator=g),
            torch.normal(torch.zeros(3), 2.0, generator=g), torch.normal(0.0, 1.0, (2,), generator=g),
            torch.rand_like(x, generator=g), torch.randn_like(x, generator=g),
            torch.randint_like(x, 5, generator=g), torch.randint_like(x, 2, 5, generator=g),
            x.clone().bernoulli_(0.3, generator=g), x.clone().random_(10, generator=g),
            x.clone().exponential_(generator=g), torch.rand(3, generator=g),
            torch.randn(2, generator=g), torch.randint(0, 9, (3,), generator=g),
            torch.randperm(5, generator=g), x.clone().normal_(generator=g),
            x.clone().uniform_(generator=g)]


def test_the_same_seed_gives_the_same_draws_and_another_seed_others():
    first, again, other = _draws(ztorch, 3), _draws(ztorch, 3), _draws(ztorch, 4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert any(not np.array_equal(a.numpy(), c.numpy()) for a, c in zip(first, other))


def test_dtypes_and_shapes_as_pytorch():
    torch = torch_or_skip()
    for ours, theirs in zip(_draws(ztorch, 0), _draws(torch, 0)):
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        assert tuple(ours.shape) == tuple(theirs.shape)


def test_values_in_their_ranges():
    g = ztorch.Generator().manual_seed(0)
    assert set(np.unique(ztorch.bernoulli(ztorch.rand(100), generator=g).numpy())) <= {0.0, 1.0}
    picked = ztorch.multinomial(ztorch.tensor([0.0, 1.0, 0.0, 2.0]), 2, generator=g).numpy()
    assert sorted(picked.tolist()) == [1, 3]  # without replacement, never a zero weight
    assert (ztorch.zeros(50).random_(3, 7, generator=g).numpy() >= 3).all()
    assert (ztorch.zeros(50).exponential_(2.0, generator=g).numpy() > 0).all()


def test_normal_is_differentiable_in_mean_and_std_as_pytorch():
    mean = ztorch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    std = ztorch.tensor([1.0, 2.0, 0.5], requires_grad=True)
    y = ztorch.normal(mean, std, generator=ztorch.Generator().manual_seed(0))
    y.sum().backward()
    np.testing.assert_allclose(mean.grad.numpy(), [1.0, 1.0, 1.0])
    noise = (y.detach().numpy() - mean.detach().numpy()) / std.detach().numpy()
    np.testing.assert_allclose(std.grad.numpy(), noise, rtol=1e-6)


def test_bernoulli_gives_its_probabilities_a_zero_gradient_as_pytorch():
    torch = torch_or_skip()
    for module in (ztorch, torch):
        p = module.full((3,), 0.5, requires_grad=True)
        y = module.bernoulli(p)
        assert y.requires_grad
        y.sum().backward()
        np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0, 0.0])


def test_bad_arguments_raise_as_pytorch():
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        ztorch.multinomial(ztorch.tensor([0.1, 0.9]), 4)
    with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
        ztorch.multinomial(ztorch.tensor([0.0, 1.0]), 2)
    with pytest.raises(RuntimeError, match="probabilities in"):
        ztorch.bernoulli(ztorch.tensor([1.5]))
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        ztorch.normal(ztorch.zeros(2), ztorch.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        ztorch.rand(2, generator=0)


def test_dropout_is_reproducible_through_manual_seed_and_takes_no_generator():
    x = ztorch.ones(64)
    ztorch.manual_seed(5)
    first = [ztorch.nn.functional.dropout(x, 0.5).numpy(), ztorch.nn.Dropout(0.3)(x).numpy()]
    ztorch.manual_seed(5)
    again = [ztorch.nn.functional.dropout(x, 0.5).numpy(), ztorch.nn.Dropout(0.3)(x).numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):  # as in PyTorch: F.dropout has no generator argument
        ztorch.nn.functional.dropout(x, 0.5, generator=ztorch.Generator())
