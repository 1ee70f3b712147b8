"""Shared fixtures of zerograd-text's tests: a seeded generator, the device fixture, and the
comparisons of recurrent Functions with PyTorch (values, gradients, second derivatives)."""

from collections.abc import Callable

import numpy as np
import pytest

from zerograd.core import Parameter, Variable
from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)
from zerograd.core.testing import assert_allclose, check_against_torch, gradients, torch_or_skip


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _as_tuple(y):
    return tuple(y) if isinstance(y, (tuple, list)) else (y,)


@pytest.fixture
def compare_with_torch() -> Callable:
    """Run a zerograd step and a PyTorch step on the same float32 inputs (None stays None), give
    both the same random output gradients, and compare outputs, input gradients and the
    gradients of the copied weights (``params``: name -> (Variable, callable giving PyTorch's
    gradient in zerograd's layout))."""
    torch = torch_or_skip()

    def compare(step, torch_step, inputs, params, rtol=1e-4, atol=1e-5):
        variables = [None if a is None else Variable(a.copy()) for a in inputs]
        tensors = [None if a is None else torch.tensor(a, requires_grad=True) for a in inputs]
        ys, t_ys = _as_tuple(step(*variables)), _as_tuple(torch_step(*tensors))
        rng = np.random.default_rng(1)
        gys = [rng.standard_normal(y.shape).astype(np.float32) for y in ys]
        total = None
        for i, (y, t_y, gy) in enumerate(zip(ys, t_ys, gys)):
            assert y.dtype == np.float32
            assert_allclose(y, t_y, rtol, atol, what=f"output {i}")
            term = (y * gy).sum()
            total = term if total is None else total + term
        total.backward()
        torch.autograd.backward(list(t_ys), [torch.tensor(gy) for gy in gys])
        for i, (v, t) in enumerate(zip(variables, tensors)):
            if v is not None:
                assert_allclose(v.grad, t.grad, rtol, atol, what=f"gradient of input {i}")
        for name, (param, torch_grad) in params.items():
            assert param.grad.dtype == np.float32
            assert_allclose(param.grad, torch_grad(), rtol, atol, what=f"gradient of {name}")

    return compare


@pytest.fixture
def torch_second_derivatives() -> Callable:
    """Compare a cell's gradients for a random output gradient (float64), and their own
    gradients, with PyTorch's autograd on the same equations written with torch ops."""
    torch = torch_or_skip()

    def compare(step, torch_step, inputs):
        y = step(*[Variable(a.copy()) for a in inputs])
        gy = np.random.default_rng(2).standard_normal(y.shape)

        def torch_gradients(*tensors):
            grads = torch.autograd.grad(torch_step(*tensors), tensors, torch.tensor(gy),
                                        create_graph=True, allow_unused=True)
            return tuple((torch.zeros_like(t) if g is None else g) + 0 * t
                         for t, g in zip(tensors, grads))

        check_against_torch(gradients(step, [gy]), torch_gradients, *inputs, rtol=1e-7, atol=1e-9)

    return compare


def _as_parameter(tensor, transpose: bool = False) -> Parameter:
    array = tensor.detach().numpy()
    return Parameter((array.T if transpose else array).copy())


@pytest.fixture
def cell_matches_torch(compare_with_torch) -> Callable:
    """Check one step of a zerograd cell function against the seeded torch.nn cell ``kind``
    ("RNNCell", "LSTMCell" or "GRUCell") with the same weights, given the cell's test arrays (x,
    h, and c for the LSTM) and whether it is a first step (no state: W_h gets no gradient)."""
    torch = torch_or_skip()

    def check(kind: str, cell_function: Callable, arrays: dict, first_step: bool) -> None:
        in_size, hidden = arrays["x"].shape[1], arrays["h"].shape[1]
        torch.manual_seed(0)
        cell = getattr(torch.nn, kind)(in_size, hidden)
        params = {"W_x": (_as_parameter(cell.weight_ih, transpose=True), lambda: cell.weight_ih.grad.T),
                  "W_h": (_as_parameter(cell.weight_hh, transpose=True), lambda: cell.weight_hh.grad.T)}
        if kind == "GRUCell":  # r * (h W_h + b_h) keeps the two biases apart
            params["b_x"] = (_as_parameter(cell.bias_ih), lambda: cell.bias_ih.grad)
            params["b_h"] = (_as_parameter(cell.bias_hh), lambda: cell.bias_hh.grad)
        else:  # torch's two biases only ever appear summed: zerograd keeps one
            params["b"] = (_as_parameter(cell.bias_ih + cell.bias_hh), lambda: cell.bias_ih.grad)
        weights = {name: param for name, (param, _) in params.items()}
        if first_step:
            del params["W_h"]

        def step(x, *state):
            return cell_function(x, *state, **weights)

        if kind == "LSTMCell":
            state = [None, None] if first_step else [arrays["h"], arrays["c"]]

            def torch_step(x, h, c):
                return cell(x, None if h is None else (h, c))
        else:
            state, torch_step = [None if first_step else arrays["h"]], cell
        compare_with_torch(step, torch_step, [arrays["x"], *state], params)

    return check
