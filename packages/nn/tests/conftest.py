"""Shared fixtures of zerograd-nn's tests: the PyTorch oracle comparisons and random inputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from zerograd.core import Config, Variable
from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)
from zerograd.core.testing import check_against_torch, gradients, torch_or_skip


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
                                  inputs: Sequence[np.ndarray], seed: int = 0) -> None:
    """The gradients of ``func`` for a random output gradient gy (float64 inputs), and their own
    gradients, equal PyTorch's (torch.autograd.grad with create_graph=True)."""
    torch = torch_or_skip()
    y = func(*[Variable(a.copy()) for a in inputs])
    gy = np.random.default_rng(seed).standard_normal(y.shape)

    def torch_gradients(*tensors: Any) -> tuple[Any, ...]:
        grads = torch.autograd.grad(torch_func(*tensors), tensors, torch.tensor(gy),
                                    create_graph=True, allow_unused=True)
        # + 0 t: a gradient that does not depend on the inputs (gb = sum gy) still has a graph
        return tuple((torch.zeros_like(t) if g is None else g) + 0 * t
                     for t, g in zip(tensors, grads))

    check_against_torch(gradients(func, [gy]), torch_gradients, *inputs, rtol=1e-6, atol=1e-8,
                        seed=seed)


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
