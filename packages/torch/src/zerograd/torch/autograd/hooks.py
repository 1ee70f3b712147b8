"""``Tensor.register_hook``: a function called with a tensor's gradient during backward.

On a non-leaf tensor the hook becomes a node of the graph (zerograd.core.inplace.GradientHook)
that the tensor now stands for, so it sees the tensor's whole gradient, summed over its uses,
before it flows on, and what it returns flows on instead. On a leaf it runs when the gradient of
the pass is complete, before it is added to ``.grad`` (through the engine's post-accumulate
hooks: the pass's gradient is ``.grad`` minus what ``.grad`` held before).
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable
from zerograd.core.inplace import GradientHook, record_in_place
from zerograd.core.variable import grad_before_this_pass

_GRAD = Variable.grad


class HookHandle:
    """``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks: dict[int, Any], key: int, inner: Any = None) -> None:
        self._hooks, self._key, self._inner = hooks, key, inner

    def remove(self) -> None:
        self._hooks.pop(self._key, None)
        if self._inner is not None:
            self._inner.remove()


def _as_tensor(gradient: Any) -> Any:
    from zerograd.torch.tensor import Tensor
    if type(gradient) is Variable:
        if gradient.creator is None:
            return Tensor(gradient.data, requires_grad=False)
        gradient.__class__ = Tensor
    return gradient


def register_hook(tensor: Any, hook: Any) -> HookHandle:
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not callable(hook):
        raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
    wrapped = lambda grad: hook(_as_tensor(grad))  # noqa: E731
    if tensor.creator is not None:
        node = tensor.creator
        hooks = node.hooks if isinstance(node, GradientHook) else None
        if hooks is None:
            hooks = {}
            record_in_place(tensor, lambda shadow: GradientHook(hooks)(shadow), write=False)
        key = id(wrapped)
        hooks[key] = wrapped
        return HookHandle(hooks, key)
    hooks = {}

    def on_leaf(leaf: Variable) -> None:
        before = grad_before_this_pass()
        total = _GRAD.__get__(leaf, Variable)
        if total is None or not hooks:
            return
        this_pass = total if before is None else Variable(total.data - before.data, requires_grad=False)
        replaced = wrapped(this_pass)
        if replaced is not None:
            replaced = replaced if isinstance(replaced, Variable) else Variable(replaced)
            leaf.grad = replaced if before is None else Variable(before.data + replaced.data,
                                                                 requires_grad=False)

    inner = tensor.register_post_accumulate_grad_hook(on_leaf)
    hooks[0] = wrapped
    return HookHandle(hooks, 0, inner)
