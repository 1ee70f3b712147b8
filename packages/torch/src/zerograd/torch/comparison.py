"""Whole-tensor comparisons and value tests: ``allclose``, ``isclose``, ``equal``, ``isnan``,
``isfinite``, ``isinf``. None is differentiable; the results are bool tensors or Python bools,
as in PyTorch."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable
from zerograd.core.cuda import get_array_module
from zerograd.torch.tensor import Tensor


def _array(value: Any) -> Any:
    return value.data if isinstance(value, Variable) else value


def _flags(array: Any) -> Tensor:
    return Tensor(array, requires_grad=False)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    a, b = _array(input), _array(other)
    return bool(get_array_module(a).allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    a, b = _array(input), _array(other)
    return _flags(get_array_module(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input: Any, other: Any) -> bool:  # noqa: A002
    """True when both have the same shape and elements."""
    a, b = _array(input), _array(other)
    return a.shape == b.shape and bool(get_array_module(a).array_equal(a, b))


def isnan(input: Any) -> Tensor:  # noqa: A002
    a = _array(input)
    return _flags(get_array_module(a).isnan(a))


def isfinite(input: Any) -> Tensor:  # noqa: A002
    a = _array(input)
    return _flags(get_array_module(a).isfinite(a))


def isinf(input: Any) -> Tensor:  # noqa: A002
    a = _array(input)
    return _flags(get_array_module(a).isinf(a))
