"""Shared fixtures of zerograd-nn's tests: the PyTorch oracle comparisons and random inputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from zerograd.core import Config, Variable
from zerograd.core import functions as CF
from zerograd.core.testing import check_against_torch, torch_or_skip


def _compare_with_torch(func: Callable[..., Any], torch_func: Callable[..., Any],
                        inputs: Sequence[np.ndarray], rtol: float = 1e-4, atol: float = 1e-5,
                        seed: int = 0) -> None:
    """check_against_torch with the inputs as one sequence (the call sites' form)."""
    check_against_torch(func, torch_func, *inputs, rtol=rtol, atol=atol, seed=seed)


@pytest.fixture
def torch_check() -> Callable[..., None]:
    torch_or_skip()  # skip at setup, before the test body imports torch
    return _compare_with_torch


def double_backward_matches_torch(func: Callable[..., Any], torch_func: Callable[..., Any],
                                  inputs: Sequence[np.ndarray], rtol: float = 1e-8,
                                  atol: float = 1e-10, seed: int = 0) -> None:
    """The second derivatives of ``func`` (float64 inputs, all differentiable) equal PyTorch's:
    the gradients of sum_i(w_i * d(sum(func * gy))/dx_i) for random gy and w_i, as
    torch.autograd.grad(create_graph=True) gives them."""
    torch = torch_or_skip()
    rng = np.random.default_rng(seed)
    variables = [Variable(a.copy()) for a in inputs]
    tensors = [torch.tensor(a, requires_grad=True) for a in inputs]
    y, t_y = func(*variables), torch_func(*tensors)
    gy = rng.standard_normal(y.shape)
    weights = [rng.standard_normal(a.shape) for a in inputs]
    y.grad = Variable(gy)
    y.backward(create_graph=True)
    total = None
    for v, w in zip(variables, weights):
        if v.grad is not None:
            term = CF.sum(v.grad * w)
            total = term if total is None else total + term
        v.cleargrad()
    total.backward()
    t_grads = torch.autograd.grad(t_y, tensors, torch.tensor(gy), create_graph=True,
                                  allow_unused=True)
    t_total = sum((g * torch.tensor(w)).sum() for g, w in zip(t_grads, weights) if g is not None)
    t_second = torch.autograd.grad(t_total, tensors, allow_unused=True)
    for i, (v, t) in enumerate(zip(variables, t_second)):
        expected = np.zeros(v.shape) if t is None else t.detach().numpy()
        got = np.zeros(v.shape) if v.grad is None else v.grad.data
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                   err_msg=f"second derivative, input {i}")


@pytest.fixture
def torch_double_check() -> Callable[..., None]:
    torch_or_skip()
    return double_backward_matches_torch


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _restore_config():
    """Each test starts in train mode with backprop enabled, whatever the previous one did."""
    yield
    Config.train = True
    Config.enable_backprop = True


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...],
                   dtype: Any = np.float64) -> np.ndarray:
    """Random values with |x| in [0.2, 2]: no kink of relu-like functions within the step of a
    numerical gradient."""
    return (rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


@pytest.fixture
def nonzero() -> Callable[..., np.ndarray]:
    return away_from_zero
