"""Numerical gradients by central differences, and the book's gradient_check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.variable import Variable


def central_differences(objective: Callable[[], Any], x: Any, eps: float) -> Any:
    """The gradient of the number ``objective()`` with respect to the array ``x`` it reads, by
    central differences, one element at a time (``x`` is changed in place and restored).

    >>> x = np.array([1.0, 2.0])
    >>> central_differences(lambda: (x ** 2).sum(), x, eps=1e-4)
    array([2., 4.])
    """
    if not x.flags.c_contiguous:
        raise ValueError("central_differences: x must be C-contiguous (its flat view must be x itself)")
    grad = cuda.get_array_module(x).zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i].copy()
        flat[i] = original + eps
        plus = objective()
        flat[i] = original - eps
        minus = objective()
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * eps)
    return grad


def numerical_grad(f: Callable[..., Any], x: Any, *args: Any, eps: float = 1e-4, **kwargs: Any) -> Any:
    """d sum(f(x)) / dx by central differences, one element at a time (float64 for accuracy).

    >>> numerical_grad(lambda v: v * v, np.array([3.0]))
    array([6.])
    """
    data = x.data if isinstance(x, Variable) else x
    data = data.astype(np.float64, order="C")  # a copy to perturb, whatever x's dtype and layout
    return central_differences(lambda: _total(f(Variable(data), *args, **kwargs)), data, eps)


def _total(y: Any) -> Any:
    data = y.data if isinstance(y, Variable) else y
    return data.sum()


def gradient_check(f: Callable[..., Any], x: Any, *args: Any, rtol: float = 1e-4,
                   atol: float = 1e-5, **kwargs: Any) -> bool:
    """Compare backward's gradient of sum(f(x)) with the numerical one, in float64.

    >>> gradient_check(lambda v: v ** 3, np.array([1.0, 2.0]))
    True
    """
    data = x.data if isinstance(x, Variable) else x
    x = Variable(data.astype(np.float64))
    num_grad = numerical_grad(f, x, *args, **kwargs)
    y = f(x, *args, **kwargs)
    y.backward()
    bp_grad = x.grad.data
    if bp_grad.shape != num_grad.shape:
        raise ValueError(f"gradient_check: backward gave shape {bp_grad.shape}, "
                         f"the numerical gradient {num_grad.shape}")
    ok = bool(np.allclose(cuda.as_numpy(bp_grad), cuda.as_numpy(num_grad), rtol=rtol, atol=atol))
    if not ok:
        print("gradient_check failed:")
        print(f"  backward  : {bp_grad.ravel()[:10]}")
        print(f"  numerical : {num_grad.ravel()[:10]}")
    return ok
