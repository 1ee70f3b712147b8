"""``grad_fn`` and ``next_functions``: PyTorch's view of the graph over zerograd's Functions.

A ``Node`` wraps the Function that made a tensor (``name()`` gives PyTorch's style,
``MulBackward0``); its ``next_functions`` pair each input with the node behind it: the creator's
Node, an ``AccumulateGrad`` for a leaf that requires grad, or None. Enough for graph printers.
"""

from __future__ import annotations

from typing import Any


class Node:
    """The backward node of a recorded Function."""

    __slots__ = ("_function",)

    def __init__(self, function: Any) -> None:
        self._function = function

    def name(self) -> str:
        name = type(self._function).__name__
        return _TORCH_NAMES.get(name, f"{name}Backward0")

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return tuple((node_of(x), 0) for x in self._function.inputs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other._function is self._function

    def __hash__(self) -> int:
        return hash(id(self._function))

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self._function))}>"


# zerograd's Functions with a constant operand, under the names PyTorch prints for them.
_TORCH_NAMES = {"AddConstant": "AddBackward0", "SubConstant": "SubBackward0",
                "SubFromConstant": "RsubBackward1", "MulConstant": "MulBackward0",
                "DivConstant": "DivBackward0", "Pow": "PowBackward1", "PowConstant": "PowBackward0",
                "ConstantPow": "PowBackward2", "SetView": "CopySlices"}


class AccumulateGrad:
    """The node that adds a gradient into a leaf's ``.grad``; ``variable`` is the leaf."""

    __slots__ = ("variable",)
    next_functions: tuple[Any, ...] = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return hash(id(self.variable))

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self.variable))}>"


def node_of(x: Any) -> Any:
    """The node a gradient for ``x`` flows into, as in ``next_functions``."""
    if x.creator is not None:
        return Node(x.creator)
    return AccumulateGrad(x) if x.requires_grad else None
