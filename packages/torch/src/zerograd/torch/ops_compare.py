"""torch's comparison, logical and bitwise functions and value tests (no gradients), after
PyTorch's type promotion of the operands."""

from __future__ import annotations

from typing import Any

from zerograd.core.functions import comparison as C
from zerograd.torch.ops_common import constant, data_of, tensor_of
from zerograd.torch.promotion import cast, result_type
from zerograd.torch.tensor import Tensor


def _promoted_arrays(*operands: Any) -> list[Any]:
    dtype = result_type(*operands)
    return [data_of(cast(v, dtype)) for v in operands]


def _comparison(name: str) -> Any:
    def function(input: Any, other: Any) -> Tensor:  # noqa: A002
        return constant(C.compare(name, *_promoted_arrays(tensor_of(input), other)))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(input, other): elementwise, a bool tensor."
    return function


eq, ne, lt, le, gt, ge = (_comparison(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(name: str) -> Any:
    def function(input: Any, other: Any = None) -> Tensor:  # noqa: A002
        operands = (input,) if name == "logical_not" else (input, other)
        return constant(C.logical(name, *(data_of(tensor_of(v)) for v in operands)))

    function.__name__ = function.__qualname__ = name
    return function


logical_and, logical_or, logical_xor, logical_not = (
    _logical(n) for n in ("logical_and", "logical_or", "logical_xor", "logical_not"))


def _bitwise(name: str) -> Any:
    def function(input: Any, other: Any = None) -> Tensor:  # noqa: A002
        if name == "bitwise_not":
            return constant(C.bitwise(name, data_of(tensor_of(input))))
        return constant(C.bitwise(name, *_promoted_arrays(tensor_of(input), other)))

    function.__name__ = function.__qualname__ = name
    return function


bitwise_and, bitwise_or, bitwise_xor, bitwise_not = (
    _bitwise(n) for n in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"))
bitwise_left_shift, bitwise_right_shift = (
    _bitwise(n) for n in ("bitwise_left_shift", "bitwise_right_shift"))


def _test(name: str) -> Any:
    def function(input: Any) -> Tensor:  # noqa: A002
        return constant(C.test(name, data_of(tensor_of(input))))

    function.__name__ = function.__qualname__ = name
    return function


isnan, isinf, isfinite, isposinf, isneginf, signbit, isreal = (
    _test(n) for n in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "isreal"))


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    a, b = _promoted_arrays(tensor_of(input), other)
    return constant(C.isclose(a, b, rtol, atol, equal_nan))


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def equal(input: Any, other: Any) -> bool:  # noqa: A002
    """True when both have one shape and the same elements."""
    a, b = data_of(tensor_of(input)), data_of(tensor_of(other))
    return a.shape == b.shape and bool((a == b).all())
