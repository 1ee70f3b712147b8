"""Shared fixtures of zerograd-nn's tests: the PyTorch oracle comparison and random inputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from zerograd.core import Config, Variable
from zerograd.core.testing import assert_allclose, torch_or_skip


def compare_with_torch(func: Callable[..., Any], torch_func: Callable[..., Any],
                       inputs: Sequence[np.ndarray], rtol: float = 1e-4, atol: float = 1e-5,
                       seed: int = 0) -> None:
    """Forward values and the gradients of every floating input, zerograd against PyTorch CPU
    (float32 inputs; integer inputs are passed through as constants)."""
    torch = torch_or_skip()
    variables = [Variable(a.copy()) if a.dtype.kind == "f" else a for a in inputs]
    tensors = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    y = func(*variables)
    expected = torch_func(*tensors)
    assert_allclose(y, expected, rtol=rtol, atol=atol, what="forward")
    gy = np.random.default_rng(seed).standard_normal(y.shape).astype(y.dtype)
    y.grad = Variable(gy, requires_grad=False)
    y.backward()
    expected.backward(torch.tensor(gy))
    for i, (v, t) in enumerate(zip(variables, tensors)):
        if isinstance(v, Variable):
            assert_allclose(v.grad, t.grad, rtol=rtol, atol=atol, what=f"gradient of input {i}")


@pytest.fixture
def torch_check() -> Callable[..., None]:
    torch_or_skip()  # skip at setup, before the test body imports torch
    return compare_with_torch


def backward_forms_agree(func: Callable[..., Any], *inputs: np.ndarray, seed: int = 0) -> None:
    """The ordinary backward (on arrays) and the recorded one (create_graph=True, on Variables)
    give the same gradients: check_backward tests the first, check_double_backward the second."""
    gy = None
    grads = []
    for create_graph in (False, True):
        variables = [Variable(a.copy()) for a in inputs]
        y = func(*variables)
        if gy is None:
            gy = np.random.default_rng(seed).standard_normal(y.shape).astype(y.dtype)
        y.grad = Variable(gy, requires_grad=False)
        y.backward(create_graph=create_graph)
        grads.append([v.grad.data for v in variables])
    for i, (plain, recorded) in enumerate(zip(*grads)):
        np.testing.assert_allclose(plain, recorded, rtol=1e-10, atol=1e-12,
                                   err_msg=f"gradient of input {i}")


@pytest.fixture
def forms_agree() -> Callable[..., None]:
    return backward_forms_agree


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
