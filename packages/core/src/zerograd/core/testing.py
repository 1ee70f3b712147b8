"""Checks that every zerograd package's tests share: numerical gradients of many inputs and
outputs, double backward, and the PyTorch oracle (imported only when a test asks for it).

The output is projected on a random gradient (not summed): d sum(softmax(x)) / dx is zero, so a
summed check would pass even for a wrong backward.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from zerograd.core import cuda, functions
from zerograd.core.gradient_check import central_differences
from zerograd.core.variable import Variable

Func = Callable[..., Any]


def _as_tuple(y: Any) -> tuple[Any, ...]:
    return tuple(y) if isinstance(y, (tuple, list)) else (y,)


def _projected(func: Func, gys: Sequence[np.ndarray], *xs: np.ndarray) -> float:
    ys = _as_tuple(func(*[Variable(x) for x in xs]))
    return float(sum((y.data * gy).sum() for y, gy in zip(ys, gys)))


def numerical_grads(func: Func, xs: Sequence[np.ndarray], gys: Sequence[np.ndarray],
                    eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference gradients of sum_i(func(*xs)_i * gys_i) with respect to each x
    (C-contiguous float64 arrays, changed in place and restored)."""
    return [central_differences(lambda: _projected(func, gys, *xs), x, eps) for x in xs]


def _random_like(ys: tuple[Any, ...], rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.standard_normal(y.shape) for y in ys]


def check_backward(func: Func, *inputs: Any, rtol: float = 1e-4, atol: float = 1e-6,
                   eps: float = 1e-6, seed: int = 0) -> None:
    """Assert that backward's gradients of ``func`` match central differences, in float64.

    ``inputs`` are arrays (cast to float64; integer arrays are passed through as constants by
    wrapping ``func``). ``func`` may return one Variable or a tuple of them.

    >>> from zerograd.core import functions as F
    >>> check_backward(F.tanh, np.linspace(-1, 1, 5))
    """
    xs = [np.array(x, dtype=np.float64, order="C") for x in inputs]
    rng = np.random.default_rng(seed)
    variables = [Variable(x.copy()) for x in xs]
    ys = _as_tuple(func(*variables))
    gys = _random_like(ys, rng)
    for y, gy in zip(ys, gys):
        y.grad = Variable(gy)
    _backward_all(ys)
    if cuda.device_tests_requested():
        _check_same_on_device(func, xs, gys, ys, variables, rtol, atol)
    expected = numerical_grads(func, xs, gys, eps)
    for i, (v, num) in enumerate(zip(variables, expected)):
        got = np.zeros_like(num) if v.grad is None else v.grad.data
        if got.shape != num.shape or not np.allclose(got, num, rtol=rtol, atol=atol):
            raise AssertionError(
                f"check_backward: gradient of input {i} (shape {num.shape}) differs\n"
                f"  backward : {np.ravel(got)[:8]}\n  numerical: {np.ravel(num)[:8]}\n"
                f"  max abs error {np.max(np.abs(got - num)) if got.shape == num.shape else 'shape'}"
            )


@contextlib.contextmanager
def _closure_constants_on_device(func: Func) -> Iterator[None]:
    """A test's ``lambda x: F.conv2d(x, W)`` holds its constants (W) on the host: within the
    block they are device copies, as a user's would be on the device, and restored after."""
    cells = _host_array_cells(func, set())
    saved = [cell.cell_contents for cell in cells]
    for cell in cells:
        cell.cell_contents = cuda.as_cupy(cell.cell_contents)
    try:
        yield
    finally:
        for cell, value in zip(cells, saved):
            cell.cell_contents = value


def _host_array_cells(func: Any, seen: set[int]) -> list[Any]:
    """The closure cells of ``func`` (and of the functions it closes over) holding NumPy arrays."""
    if id(func) in seen or not getattr(func, "__closure__", None):
        return []
    seen.add(id(func))
    cells = []
    for cell in func.__closure__:
        try:
            value = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
        if type(value) is np.ndarray:
            cells.append(cell)
        elif callable(value):
            cells += _host_array_cells(value, seen)
    return cells


@contextlib.contextmanager
def _device_draws_follow_numpy() -> Iterator[None]:
    """The stand-in draws from NumPy's global generator within the block, so that a test's
    ``np.random.seed(7)`` before a dropout gives the device run the host run's mask."""
    device_random = cuda.cupy.random if cuda.standin_active() else None
    if device_random is None:
        yield
        return
    saved = device_random._state
    device_random._state = np.random.mtrand._rand
    try:
        yield
    finally:
        device_random._state = saved


def _check_same_on_device(func: Func, xs: Sequence[np.ndarray], gys: Sequence[np.ndarray],
                          ys: Sequence[Variable], variables: Sequence[Variable], rtol: float,
                          atol: float) -> None:
    """Device runs (``ZEROGRAD_DEVICE=standin`` or ``cuda``): ``func`` on device copies of the
    inputs gives device outputs and gradients equal to the host's."""
    on_device = [Variable(cuda.as_cupy(x)) for x in xs]
    with _closure_constants_on_device(func), _device_draws_follow_numpy():
        device_ys = _as_tuple(func(*on_device))
        for y, gy in zip(device_ys, gys):
            y.grad = Variable(cuda.as_cupy(gy))
        _backward_all(device_ys)
    pairs = [("output", y, d) for y, d in zip(ys, device_ys)]
    pairs += [("gradient of input", v.grad, d.grad) for v, d in zip(variables, on_device)]
    for i, (what, host, device) in enumerate(pairs):
        if host is None:
            continue
        if device is None or cuda.get_array_module(device.data) is np:
            raise AssertionError(f"check_backward on the device: {what} {i} is not a device array")
        np.testing.assert_allclose(cuda.as_numpy(device.data), host.data, rtol=rtol, atol=atol,
                                   err_msg=f"check_backward: {what} differs on the device")


def _backward_all(ys: Sequence[Variable], create_graph: bool = False) -> None:
    """Backward from several outputs at once: sum of each output times its set gradient.
    ``Variable.backward`` called as a function: the outputs may be facade subclasses (a PyTorch
    Tensor), whose ``backward`` means something else."""
    if len(ys) == 1:
        Variable.backward(ys[0], create_graph=create_graph)
        return
    total = None
    for y in ys:
        term = functions.sum(y * y.grad.data)
        total = term if total is None else total + term
    for y in ys:
        y.grad = None
    Variable.backward(total, create_graph=create_graph)


def _on_device_of(y: Variable, array: np.ndarray) -> Any:
    """``array`` on the device that holds ``y``."""
    return array if cuda.get_array_module(y) is np else cuda.as_cupy(array)


def gradients(func: Func, gys: Sequence[np.ndarray]) -> Func:
    """The function x -> (d sum(func(x) * gys) / dx for each input), differentiable again."""

    def first_order(*xs: Variable) -> tuple[Variable, ...]:
        ys = _as_tuple(func(*xs))
        for y, gy in zip(ys, gys):
            y.grad = Variable(_on_device_of(y, gy), requires_grad=False)
        _backward_all(ys, create_graph=True)
        grads = tuple(x.grad if x.grad is not None else Variable(np.zeros_like(x.data)) * x
                      for x in xs)
        for x in xs:
            x.cleargrad()  # the next backward must not accumulate into the gradient it starts from
        return grads

    return first_order


def check_double_backward(func: Func, *inputs: Any, rtol: float = 1e-4, atol: float = 1e-6,
                          eps: float = 1e-6, seed: int = 0) -> None:
    """Assert that the gradients of ``func`` are themselves differentiated correctly (float64).

    >>> from zerograd.core import functions as F
    >>> check_double_backward(F.sin, np.linspace(-1, 1, 4))
    """
    xs = [np.array(x, dtype=np.float64, order="C") for x in inputs]
    rng = np.random.default_rng(seed + 1)
    ys = _as_tuple(func(*[Variable(x.copy()) for x in xs]))
    check_backward(gradients(func, _random_like(ys, rng)), *xs, rtol=rtol, atol=atol, eps=eps,
                   seed=seed)


class TracedMemory:
    """What ``traced_memory()`` measured: ``peak``, the most bytes Python's allocations (NumPy's
    arrays included) held at once while the block ran; 0 until the block ends."""

    peak: int = 0


@contextlib.contextmanager
def traced_memory() -> Iterator[TracedMemory]:
    """Trace allocations with tracemalloc while the block runs; the yielded TracedMemory's
    ``peak`` is filled in when it ends (also when it raises), so a test can bound what a call
    allocates.

    >>> with traced_memory() as memory:
    ...     block = np.zeros(1_000_000, np.uint8)
    >>> 1_000_000 <= memory.peak < 2_000_000
    True
    """
    import tracemalloc

    memory = TracedMemory()
    tracemalloc.start()
    try:
        yield memory
    finally:
        memory.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def torch_or_skip() -> Any:
    """Import PyTorch for an oracle comparison, or skip the test with a visible reason."""
    import pytest

    return pytest.importorskip(
        "torch", reason="PyTorch oracle: torch is not installed here (the Python 3.11 test sessions have it)"
    )


def assert_allclose(actual: Any, expected: Any, rtol: float = 1e-4, atol: float = 1e-5,
                    what: str = "") -> None:
    """np.testing.assert_allclose that accepts Variables and torch tensors."""
    def to_numpy(a: Any) -> np.ndarray:
        if isinstance(a, Variable):
            a = a.data
        if hasattr(a, "detach"):
            a = a.detach().numpy()
        return np.asarray(a)

    np.testing.assert_allclose(to_numpy(actual), to_numpy(expected), rtol=rtol, atol=atol,
                               err_msg=what)


def check_against_torch(func: Func, torch_func: Func, *inputs: Any, rtol: float = 1e-4,
                        atol: float = 1e-5, seed: int = 0) -> None:
    """Assert that ``func`` gives PyTorch's outputs and input gradients (for a random output
    gradient) on the same inputs. Floating inputs become Variables and are compared by gradient;
    the others (integer labels, boolean masks) reach ``func`` as the plain arrays they are, as
    constants. ``func`` may return one Variable or a tuple. Skips the test when PyTorch is not
    installed.

    >>> from zerograd.core import functions as F
    >>> check_against_torch(F.tanh, lambda t: t.tanh(), np.linspace(-1, 1, 5, dtype=np.float32))
    """
    torch = torch_or_skip()
    xs = [np.asarray(x) for x in inputs]
    variables = [Variable(x.copy()) if x.dtype.kind == "f" else x for x in xs]
    tensors = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in xs]
    ys = _as_tuple(func(*variables))
    t_ys = _as_tuple(torch_func(*tensors))
    if len(ys) != len(t_ys):
        raise AssertionError(f"check_against_torch: {len(ys)} outputs, PyTorch gives {len(t_ys)}")
    rng = np.random.default_rng(seed)
    gys = [rng.standard_normal(y.shape).astype(y.dtype) for y in ys]
    for i, (y, t_y) in enumerate(zip(ys, t_ys)):
        if tuple(y.shape) != tuple(t_y.shape):
            raise AssertionError(f"check_against_torch: output {i} has shape {y.shape}, "
                                 f"PyTorch's {tuple(t_y.shape)}")
        assert_allclose(y, t_y, rtol, atol, what=f"output {i}")
    for y, gy in zip(ys, gys):
        y.grad = Variable(gy, requires_grad=False)
    _backward_all(ys)
    torch.autograd.backward(list(t_ys), [torch.tensor(gy) for gy in gys])
    for i, (v, t) in enumerate(zip(variables, tensors)):
        if isinstance(v, Variable):
            expected = t.grad if t.grad is not None else torch.zeros_like(t)
            got = v.grad if v.grad is not None else np.zeros_like(v.data)
            assert_allclose(got, expected, rtol, atol, what=f"gradient of input {i}")
