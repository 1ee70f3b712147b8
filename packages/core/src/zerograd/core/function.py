"""Function: one operation of the graph, forward on arrays and backward on Variables."""

from __future__ import annotations

import weakref
from typing import Any

from zerograd.core import cuda
from zerograd.core.config import Config
from zerograd.core.variable import ARRAY_TYPES, Variable, as_array, as_variable


class Function:
    """Base class of every differentiable operation.

    A subclass writes ``forward(*xs)`` on arrays (NumPy or CuPy) and ``backward(*gys)`` on
    Variables; because backward is itself made of Functions, gradients of gradients come for free.
    ``backward`` may return None for an input whose gradient is not needed (``self.inputs[i]
    .requires_grad`` is False), and receives None for an output that got no gradient.

    Calling a Function records it in the graph only when backprop is enabled and some input
    requires a gradient; otherwise nothing but the result is kept.

    >>> import numpy as np
    >>> class Square(Function):
    ...     def forward(self, x):
    ...         return x ** 2
    ...     def backward(self, gy):
    ...         x, = self.inputs
    ...         return 2 * x * gy
    >>> x = Variable(np.array(3.0))
    >>> y = Square()(x)
    >>> y.backward()
    >>> x.grad
    variable(6.0)
    """

    __slots__ = ("inputs", "outputs", "generation")

    def __call__(self, *inputs: Any) -> Any:
        inputs = [x if type(x) is Variable else as_variable(x) for x in inputs]
        try:
            ys = self.forward(*[x.data for x in inputs])
        except (ValueError, TypeError, IndexError) as err:
            raise _explained(self, inputs, err) from err
        if type(ys) is not tuple:
            ys = (ys,)
        # One pass over the inputs (no generators: this is the hottest loop of the framework).
        record = False
        generation = 0
        if Config.enable_backprop:
            for x in inputs:
                if x.requires_grad:
                    record = True
                if x.generation > generation:
                    generation = x.generation
        outputs = [Variable(y if type(y) in ARRAY_TYPES else _as_output_array(y, inputs), None, record)
                   for y in ys]
        if record:
            self.generation = generation
            for output in outputs:
                output.creator = self
                output.generation = generation + 1
            self.inputs = inputs
            self.outputs = [weakref.ref(output) for output in outputs]
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *gys: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")


def _explained(func: Function, inputs: list[Variable], err: Exception) -> Exception:
    """The same error, naming the Function and its input shapes (a NumPy message names neither)."""
    name = type(func).__name__
    if any(x.data is None for x in inputs):
        return ValueError(f"{name}: an input Variable has no data (it was created with None)")
    shapes = " and ".join(str(tuple(x.data.shape)) for x in inputs)
    kind = TypeError if isinstance(err, TypeError) else (
        IndexError if isinstance(err, IndexError) and not isinstance(err, ValueError) else ValueError)
    return kind(f"{name} on inputs of shape {shapes}: {err}")


def _as_output_array(y: Any, inputs: list[Variable]) -> Any:
    """NumPy reductions return scalars for 0-d results; outputs must be arrays."""
    xp = cuda.get_array_module(inputs[0].data) if inputs else None
    y = as_array(y, xp) if xp is not None else as_array(y)
    if not isinstance(y, ARRAY_TYPES):
        raise TypeError(f"Function.forward must return arrays, got {type(y).__name__}")
    return y
