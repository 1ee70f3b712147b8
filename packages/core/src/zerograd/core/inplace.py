"""In-place operations inside a recorded graph, and gradient hooks on non-leaf Variables.

zerograd's graph links a Variable *object* to its creator, so an in-place op recorded in the
graph (PyTorch's ``y.add_(x)`` while y requires grad) keeps the object and its array and moves the
old node behind a *shadow* Variable: the object now stands for ``op(shadow)``. Functions recorded
earlier that took the object would now reach the new node; ``versions.rebase`` marks the object
and remembers the shadow, so that backward points them at the shadow (the node they took).

``SetItem`` is the op behind ``x[idx] = v``, ``fill_``, ``copy_`` and ``masked_fill_``:
``y = x`` with ``y[idx] = v``; the gradient of x is zero at ``idx``, v's is ``gy[idx]`` summed to
v's shape.

An in-place op on a *view* (``y[:, 0].mul_(3)``, ``y.view(-1).add_(1)``, ``y.t().zero_()``) writes
the base's memory too, so the base must change in the graph as well (PyTorch's CopySlices): after
the op is recorded on the view, each base up the chain of views is rebased to
``SetView(old base, view)``, the old base with the view's region replaced by the view's new node.
Views made by GetItem (basic slicing, narrow, select, split), Reshape (view, flatten, unsqueeze,
squeeze) and Transpose (t, permute, transpose, movedim) are supported; another Function whose
output shares its input's memory is refused by name.
"""

from __future__ import annotations

import copy
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


VIEW_FUNCTIONS = {"GetItem", "Reshape", "Transpose"}
versions.VALUE_FREE.add("SetView")


class SetView(Function):
    """``y = x`` with ``view(y)[...] = v``, where ``view`` is the Function that made a view of x,
    replayed on y; gradients: to x outside the view's region, to v the view of gy."""

    __slots__ = ("view",)

    def __init__(self, view: Function) -> None:
        self.view = view

    def forward(self, x: Any, v: Any) -> Any:
        y = x.copy()  # C order: every replayed view of it (a reshape included) is a view again
        self.view.forward(y)[...] = v
        return y

    def backward(self, gy: Variable) -> tuple[Any, Any]:
        x, v = self.inputs
        gx = gv = None
        if x.requires_grad:
            zeros = cuda.get_array_module(gy.data).zeros(v.shape, gy.dtype)
            gx = SetView(self.view)(gy, zeros)
        if v.requires_grad:
            gv = copy.copy(self.view)(gy)  # a fresh node of the same view (its own inputs)
        return gx, gv


def view_chain(tensor: Variable, name: str) -> list[tuple[Variable, Function]]:
    """The views ``tensor`` stands at the end of: [(view, the Function that made it)], innermost
    first; empty when ``tensor`` is no view of another Variable of the graph. Raises, before any
    write, for what cannot be followed."""
    chain = []
    while tensor.creator is not None and len(tensor.creator.inputs) == 1:
        func, base = tensor.creator, tensor.creator.inputs[0]
        if base.data is None or not _shares_memory(tensor.data, base.data):
            break
        kind = type(func).__name__
        if kind == "BroadcastTo":
            raise RuntimeError(f"{name}: unsupported operation: more than one element of the "
                               f"written-to tensor refers to a single memory location (an "
                               f"expand()ed tensor). Please clone() the tensor before performing "
                               f"the operation.")
        if kind not in VIEW_FUNCTIONS:
            raise NotImplementedError(
                f"{name}: autograd through an in-place change of a view made by {kind} is not "
                f"supported by zerograd (views by slicing, view/reshape and transpose/permute "
                f"are); clone() the view first")
        chain.append((tensor, func))
        tensor = base
    if chain and tensor.creator is None and tensor.requires_grad:
        raise RuntimeError(f"{name}: a view of a leaf Variable that requires grad is being used "
                           f"in an in-place operation.")
    return chain


def _shares_memory(a: Any, b: Any) -> bool:
    check = getattr(cuda.get_array_module(a), "may_share_memory", None)
    return True if check is None else bool(check(a, b))


def record_view_write(view: Variable, func: Function) -> None:
    """``view`` (made from its base by ``func``) stands for a new node after an in-place op:
    make the base stand for ``SetView(old base, view)``, keeping the base's identity.

    The shadow standing for the old base shares the base's array (the values were written
    through the view already): a Function that saved the old values is caught by the version
    check, as in PyTorch."""
    base = func.inputs[0]
    shadow = Variable(base.data, base.name, base.requires_grad)
    if base.creator is not None:
        shadow.creator, shadow.generation = base.creator, base.generation
        _redirect(base.creator, base, shadow)
    func.inputs = (shadow,)  # the view was made from the old base
    result = SetView(func)(shadow, view)
    node = result.creator
    _redirect(node, result, base)
    base.creator, base.generation, base.requires_grad = node, result.generation, True
    versions.rebase(base, shadow)
    node._tick = versions.now()


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
        versions.rebase(target, shadow)
        func._tick = versions.now()  # the op itself was recorded before its own write
