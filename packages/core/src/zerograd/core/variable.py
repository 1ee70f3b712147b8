"""Variable: an array that remembers the Function that made it, and the backward pass.

The graph is a chain of references Variable -> creator Function -> input Variables. A Function holds
its outputs only by weak reference, so the graph has no cycles and dies with its last Variable,
without waiting for the garbage collector.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.checks import ARRAY_TYPES
from zerograd.core.config import using_config



def as_array(x: Any, array_module: Any = np) -> Any:
    """Turn a Python or NumPy scalar into a 0-d array; return arrays unchanged.

    >>> as_array(1.5)
    array(1.5)
    """
    if np.isscalar(x):
        return array_module.array(x)
    return x


class Variable:
    """A node of the computational graph: an array (``data``) and, after backward, its ``grad``.

    ``Variable(data, name=None, requires_grad=True)``: ``data`` is a NumPy or CuPy array, or None for a
    Variable to be filled in later (the book's lazy parameters). A Variable that does not require grad
    gets no gradient computed; plain arrays that enter an operation are treated that way.

    >>> x = Variable(np.array(3.0))
    >>> y = x ** 2
    >>> y.backward()
    >>> x.grad
    variable(6.0)
    """

    __slots__ = ("data", "name", "grad", "creator", "generation", "requires_grad", "__weakref__")
    __array_priority__ = 200  # CuPy and old NumPy: ndarray <op> Variable goes to Variable
    __array_ufunc__ = None  # NumPy: ndarray <op> Variable calls Variable's reflected operator

    def __init__(self, data: Any, name: str | None = None, requires_grad: bool = True) -> None:
        if data is not None and not isinstance(data, ARRAY_TYPES):
            raise TypeError(
                f"Variable: data must be a numpy.ndarray, a cupy.ndarray or None, "
                f"got {type(data).__name__}"
            )
        self.data = data
        self.name = name
        self.grad: Variable | None = None
        self.creator: Any = None
        self.generation = 0
        self.requires_grad = requires_grad

    # --- array-like attributes -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        if self.data is None:
            return "variable(None)"
        body = str(self.data).replace("\n", "\n" + " " * 9)
        return f"variable({body})"

    def item(self) -> Any:
        """The value of a one-element Variable as a Python number."""
        return self.data.item()

    __hash__ = object.__hash__  # comparisons return arrays, identity stays the hash

    # --- graph bookkeeping ---------------------------------------------------------------------
    def set_creator(self, func: Any) -> None:
        self.creator = func
        self.generation = func.generation + 1

    def cleargrad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def unchain(self) -> None:
        """Cut the link to the creator: this Variable becomes a leaf of future graphs."""
        self.creator = None

    def unchain_backward(self) -> None:
        """Cut every link behind this Variable (truncated backpropagation through time).

        Every Function behind it is detached from its inputs and from all of its outputs, so a
        sibling output this Variable does not depend on (an LSTM's cell state beside the hidden
        state) is cut as well and no later graph reaches back through it.
        """
        pending = [self.creator] if self.creator is not None else []
        seen = set(pending)
        self.unchain()
        while pending:
            func = pending.pop()
            for ref in func.outputs:
                output = ref()
                if output is not None:
                    output.unchain()
            for x in func.inputs:
                if x.creator is not None and x.creator not in seen:
                    seen.add(x.creator)
                    pending.append(x.creator)
                x.unchain()

    def requires_grad_(self, requires_grad: bool = True) -> Variable:
        """Set whether backward computes a gradient for this Variable; returns self."""
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Variable:
        """A new Variable sharing this data, outside any graph and requiring no gradient."""
        return Variable(self.data, name=self.name, requires_grad=False)

    def to_cpu(self) -> None:
        if self.data is not None:
            self.data = cuda.as_numpy(self.data)

    def to_gpu(self) -> None:
        if self.data is not None:
            self.data = cuda.as_cupy(self.data)

    # --- backward ------------------------------------------------------------------------------
    def backward(self, retain_grad: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/dx into ``x.grad`` for every Variable x this one depends on.

        Functions run in reverse generation order (a heap, so each step costs O(log n)). With
        ``retain_grad=False`` the gradients of intermediate Variables are dropped as soon as they
        are used; ``create_graph=True`` records the backward pass so that gradients can themselves
        be differentiated.
        """
        if self.data is None:
            raise ValueError(f"backward: {self._describe()} has no data")
        if self.grad is None:
            xp = cuda.get_array_module(self.data)
            self.grad = Variable(xp.ones_like(self.data), requires_grad=False)
        if self.creator is None:
            return
        with using_config("enable_backprop", create_graph):
            _run_backward(self.creator, retain_grad)

    def _describe(self) -> str:
        return f"Variable {self.name!r}" if self.name else "the Variable"


def _run_backward(root: Any, retain_grad: bool) -> None:
    """The backward loop: pop the youngest pending Function, push its inputs' creators."""
    heap = [(-root.generation, 0, root)]
    seen = {root}
    pushed = 0
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        func = pop(heap)[2]
        outputs = [ref() for ref in func.outputs]
        gys = [None if y is None else y.grad for y in outputs]
        gxs = func.backward(*gys)
        if type(gxs) is not tuple:
            gxs = (gxs,)
        for x, gx in zip(func.inputs, gxs):
            if gx is None or not x.requires_grad:
                continue
            if type(gx) is not Variable:
                gx = _wrap_gradient(func, x, gx)
            if gx.shape != x.data.shape:
                raise ValueError(
                    f"{type(func).__name__}.backward returned a gradient of shape {gx.shape} "
                    f"for an input of shape {x.data.shape}"
                )
            x.grad = gx if x.grad is None else x.grad + gx
            creator = x.creator
            if creator is not None and creator not in seen:
                seen.add(creator)
                pushed += 1
                push(heap, (-creator.generation, pushed, creator))
        if not retain_grad:
            for y in outputs:
                if y is not None:
                    y.grad = None


def _wrap_gradient(func: Any, x: Variable, gx: Any) -> Variable:
    """A backward written on arrays (the book's early steps) may return one: wrap it."""
    gx = as_array(gx, cuda.get_array_module(x.data))
    if not isinstance(gx, ARRAY_TYPES):
        raise TypeError(
            f"{type(func).__name__}.backward must return Variables or arrays, got {type(gx).__name__}"
        )
    return Variable(gx, requires_grad=False)


class Parameter(Variable):
    """A Variable that a Layer registers as trainable when it is assigned as an attribute."""

    __slots__ = ()


def as_variable(obj: Any) -> Variable:
    """Return a Variable unchanged; wrap an array (or scalar) in one that requires no gradient."""
    if isinstance(obj, Variable):
        return obj
    return Variable(as_array(obj), requires_grad=False)
