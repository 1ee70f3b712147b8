"""Function: one operation of the graph, forward on arrays and backward on Variables."""

from __future__ import annotations

import sys
import weakref
from typing import Any

from zerograd.core import cuda
from zerograd.core.checks import ARRAY_TYPES, is_array
from zerograd.core.config import Config
from zerograd.core.variable import Variable, array_of, as_array, as_variable
from zerograd.core.versions import MODIFIED, now


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

    __slots__ = ("inputs", "outputs", "generation", "_tick")

    def __call__(self, *inputs: Any) -> Any:
        # Plain loops rather than list comprehensions: this is the hottest code of the framework,
        # and on Python 3.11 each comprehension costs a function call.
        for x in inputs:
            if type(x) is not Variable:  # `is`: the fast path; subclasses go through as_variable
                inputs = tuple(map(as_variable, inputs))
                break
        try:  # one and two inputs spelled out: unpacking a sequence costs more than the call
            if len(inputs) == 1:
                ys = self.forward(array_of(inputs[0]))
            elif len(inputs) == 2:
                ys = self.forward(array_of(inputs[0]), array_of(inputs[1]))
            else:
                ys = self.forward(*[array_of(x) for x in inputs])
        except Exception as err:
            explained = _with_context(err, self, inputs)
            if explained is err:
                raise
            raise explained from err
        # Record the graph only when backprop is on and some input needs a gradient.
        record = False
        generation = 0
        if Config.enable_backprop:
            for x in inputs:
                if x.requires_grad:
                    record = True
                if x.generation > generation:
                    generation = x.generation
        if type(ys) is not tuple:
            ys = (ys,)
        outputs = []
        for y in ys:
            outputs.append(Variable(y if type(y) in ARRAY_TYPES else _as_output_array(y, inputs),
                                    None, record))
        if record:
            self.generation = generation
            self.inputs = inputs
            if MODIFIED:  # the version check's clock: only once something was
                self._tick = now()  # written in place (see versions.py)
            # Weak references: the outputs hold their creator, so strong ones would make a cycle
            # that only the garbage collector could free.
            refs = []
            for output in outputs:
                output.creator = self
                output.generation = generation + 1
                refs.append(weakref.ref(output))
            self.outputs = refs
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *gys: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")


def _with_context(err: Exception, func: Function, inputs: list[Variable]) -> Exception:
    """The error naming the Function and its input shapes (a NumPy message names neither), of the
    same class, so that ``except MyError`` still catches it: on Python 3.11+ the error itself with
    a note; on 3.10 a copy with the note appended, chained to it (or, when the class cannot be
    built from one message, the error itself with the note in ``__notes__``, which pytest reads)."""
    note = _describe_inputs(func, inputs)
    if sys.version_info >= (3, 11):
        err.add_note(note)
        return err
    try:
        return type(err)(f"{err}\n{note}")
    except Exception:  # noqa: BLE001 - a constructor that wants other arguments: note it by hand
        err.__notes__ = [*getattr(err, "__notes__", []), note]  # what 3.11's add_note would store
        return err


def _describe_inputs(func: Function, inputs: list[Variable]) -> str:
    shapes = " and ".join("None" if x.data is None else str(tuple(x.data.shape)) for x in inputs)
    description = f"{type(func).__name__} on inputs of shape {shapes}"
    missing = [str(i) for i, x in enumerate(inputs) if x.data is None]
    if missing:
        description += (f"; input {', '.join(missing)} has no data (a Variable created with None, "
                        f"or a parameter not sized yet)")
    return description


def _as_output_array(y: Any, inputs: tuple[Variable, ...]) -> Any:
    """NumPy reductions return scalars for 0-d results; outputs must be arrays."""
    xp = cuda.get_array_module(inputs[0].data) if inputs else None
    y = as_array(y, xp) if xp is not None else as_array(y)
    if not is_array(y):
        raise TypeError(f"Function.forward must return arrays, got {type(y).__name__}")
    return y
