"""In-place operations inside a recorded graph, and gradient hooks on non-leaf Variables.

zerograd's graph links a Variable *object* to its creator, so an in-place op recorded in the
graph (PyTorch's ``y.add_(x)`` while y requires grad) keeps the object and its array and moves the
old node behind a *shadow* Variable: the object now stands for ``op(shadow)``. Functions recorded
earlier that took the object would now reach the new node; ``versions.rebase`` marks the object
so that backward refuses them with PyTorch's message instead of routing gradients wrongly.

``SetItem`` is the op behind ``x[idx] = v``, ``fill_``, ``copy_`` and ``masked_fill_``:
``y = x`` with ``y[idx] = v``; the gradient of x is zero at ``idx``, v's is ``gy[idx]`` summed to
v's shape.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from zerograd.core import cuda, versions
from zerograd.core.function import Function
from zerograd.core.functions import get_item, sum_to
from zerograd.core.variable import Variable


class SetItem(Function):
    """``y = x; y[index] = v`` as a new array; gradients to x (outside index) and to v."""

    __slots__ = ("index",)

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Any, v: Any) -> Any:
        y = x.copy()
        y[self.index] = v
        return y

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x, v = self.inputs
        gx = gv = None
        if x.requires_grad:
            gx = SetItem(self.index)(gy, cuda.get_array_module(gy.data).zeros((), gy.dtype))
        if v.requires_grad:
            picked = get_item(gy, self.index)
            if picked.shape != v.shape:
                picked = sum_to(picked, v.shape)
            gv = picked
        return gx, gv


class GradientHook(Function):
    """Identity forward; backward hands the gradient to ``hook`` and passes on what it returns
    (the gradient itself when it returns None), as PyTorch's ``Tensor.register_hook``."""

    __slots__ = ("hooks",)

    def __init__(self, hooks: dict[int, Callable[[Any], Any]]) -> None:
        self.hooks = hooks

    def forward(self, x: Any) -> Any:
        return x

    def backward(self, gy: Variable) -> Variable:
        for hook in list(self.hooks.values()):
            result = hook(gy)
            if result is not None:
                gy = result if isinstance(result, Variable) else Variable(result, requires_grad=False)
        output = self.outputs[0]()
        if output is not None:  # a retained gradient is the hooked one, as in PyTorch
            output.grad = gy
        return gy


def _redirect(func: Any, old: Variable, new: Variable) -> None:
    """Point ``func``'s output reference from ``old`` to ``new``."""
    func.outputs = [weakref.ref(new) if ref() is old else ref for ref in func.outputs]


def record_in_place(target: Variable, op: Callable[[Variable], Variable], write: bool = True) -> None:
    """Make ``target`` stand for ``op(old target)`` in the graph, keeping its identity.

    With ``write`` the result's values are written into target's own array (so views of it and
    its base see them), and the shadow standing for the old node keeps a copy of the old values,
    which the old node's consumers may need. Without it (a hook) target's array is unchanged.
    """
    old_data = target.data.copy() if write else target.data
    shadow = Variable(old_data, target.name, target.requires_grad)
    creator = target.creator
    if creator is not None:
        shadow.creator, shadow.generation = creator, target.generation
        _redirect(creator, target, shadow)
    result = op(shadow)
    func = result.creator
    if write:
        xp = cuda.get_array_module(target.data)
        try:
            xp.copyto(target.data, result.data, casting="same_kind")
        except TypeError as err:
            raise RuntimeError(
                f"in-place operation: result type {result.data.dtype} can't be cast to the "
                f"desired output type {target.data.dtype}") from err
        versions.bump(target.data)
        result.data = target.data
    if func is None:  # nothing required grad after all: only the values changed
        return
    _redirect(func, result, target)
    target.creator, target.generation = func, result.generation
    target.requires_grad = True
    if write:  # a hook changes no value: Functions that took target before still see the truth
        versions.rebase(target)
        func._tick = versions.now()  # the op itself was recorded before its own write
