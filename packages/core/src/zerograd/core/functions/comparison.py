"""Comparison, logical and bitwise functions, and the value tests (isnan, isfinite, ...).

None of them has a gradient: each takes arrays or Variables and returns an array (bool for
comparisons, tests and logical functions; the operands' dtype for bitwise ones). ``recorded``
is the same as a Function in the graph (an exporter writes it as a node, so a condition that
depends on the data stays computed).
"""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.variable import Variable, as_array

# name -> NumPy's function of the same meaning
COMPARISONS = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
               "gt": "greater", "ge": "greater_equal"}
LOGICAL = {"logical_and": "logical_and", "logical_or": "logical_or",
           "logical_xor": "logical_xor", "logical_not": "logical_not"}
BITWISE = {"bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
           "bitwise_xor": "bitwise_xor", "bitwise_not": "invert",
           "bitwise_left_shift": "left_shift", "bitwise_right_shift": "right_shift"}
TESTS = {"isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite", "isposinf": "isposinf",
         "isneginf": "isneginf", "signbit": "signbit", "isreal": "isreal"}


def _arrays(operands: tuple[Any, ...]) -> list[Any]:
    return [v.data if isinstance(v, Variable) else v for v in operands]


def _apply(table: dict[str, str], name: str, operands: tuple[Any, ...]) -> Any:
    if name not in table:
        raise ValueError(f"{name}: unknown function; known: {sorted(table)}")
    arrays = _arrays(operands)
    xp = get_array_module(next((a for a in arrays if hasattr(a, "dtype")), arrays[0]))
    return xp.asarray(getattr(xp, table[name])(*arrays))


class Recorded(Function):
    """A comparison, logical function or value test kept in the graph; no gradient flows
    through it (its inputs get None)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def forward(self, *xs: Any) -> Any:
        table = next((t for t in (COMPARISONS, LOGICAL, TESTS) if self.name in t), COMPARISONS)
        return _apply(table, self.name, xs)

    def backward(self, *gys: Any) -> tuple[None, ...]:
        return (None,) * len(self.inputs)


def recorded(name: str, *operands: Any) -> Variable:
    """``compare``, ``logical`` or ``test`` (by ``name``) as a recorded Function: a bool Variable
    whose creator the graph keeps (``where`` then keeps it as its condition input). A Python
    scalar operand is made an array on the other operands' device (a NumPy one beside a GPU
    array would be refused)."""
    arrays = _arrays(operands)
    xp = get_array_module(next((a for a in arrays if hasattr(a, "dtype")), arrays[0]))
    return Recorded(name)(*(as_array(o, xp) for o in operands))


def compare(name: str, x0: Any, x1: Any) -> Any:
    """eq, ne, lt, le, gt or ge of two operands (a bool array)."""
    return _apply(COMPARISONS, name, (x0, x1))


def logical(name: str, *operands: Any) -> Any:
    """logical_and, logical_or, logical_xor (two operands) or logical_not (one)."""
    return _apply(LOGICAL, name, operands)


def bitwise(name: str, *operands: Any) -> Any:
    """bitwise_and/or/xor/left_shift/right_shift (two operands) or bitwise_not (one), on
    integer or bool arrays."""
    arrays = _arrays(operands)
    for a in arrays:
        kind = getattr(a, "dtype", None)
        if kind is not None and kind.kind not in "biu":
            raise TypeError(f"{name}: expects integer or bool operands, got dtype {kind}")
    return _apply(BITWISE, name, tuple(arrays))


def test(name: str, x: Any) -> Any:
    """isnan, isinf, isfinite, isposinf, isneginf, signbit or isreal of each element."""
    return _apply(TESTS, name, (x,))


def isclose(x0: Any, x1: Any, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> Any:
    """|x0 - x1| <= atol + rtol * |x1| elementwise (a bool array), as numpy.isclose."""
    a, b = _arrays((x0, x1))
    return get_array_module(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
