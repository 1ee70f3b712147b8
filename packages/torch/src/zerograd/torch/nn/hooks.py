"""Module hooks as PyTorch calls them: forward pre-hooks, forward hooks and full backward hooks,
each removed through the handle its registration returns.

A full backward hook sees the gradients with respect to the module's inputs and outputs. Two
identity Functions bracket the module's forward: the one on its outputs records grad_output, the
one on its inputs calls the hooks with (grad_input, grad_output) and passes on what they return.
When no input needs a gradient, the hooks are called from the output side with None for each
input, as PyTorch does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from zerograd.core import Function, Variable
from zerograd.core import functions as CF
from zerograd.torch.tensor import Tensor, as_tensor_result

_next_id = itertools.count()


class RemovableHandle:
    """What a hook registration returns: ``remove()`` unregisters the hook (also on leaving a
    ``with`` block)."""

    def __init__(self, module: Any, hooks: dict[int, Callable], hook: Callable,
                 prepend: bool) -> None:
        self.id = next(_next_id)
        self.hooks_dict_ref = hooks
        if prepend:
            rest = dict(hooks)
            hooks.clear()
            hooks[self.id] = hook
            hooks.update(rest)
        else:
            hooks[self.id] = hook

    def remove(self) -> None:
        self.hooks_dict_ref.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class _Identity(Function):
    """y_i = x_i for each input; its backward hands the gradients to ``on_backward``, which
    returns the ones to pass on."""

    __slots__ = ("on_backward",)

    def __init__(self, on_backward: Callable[[tuple], tuple]) -> None:
        self.on_backward = on_backward

    def forward(self, *xs: Any) -> Any:
        return xs if len(xs) > 1 else xs[0]

    def backward(self, *gys: Any) -> Any:
        # The hooks see Tensors sharing the gradients' arrays; the engine gets its own Variables
        # back unless a hook replaced them.
        views = tuple(None if g is None else Tensor(g.data, requires_grad=False) for g in gys)
        grads = self.on_backward(views)
        grads = tuple(g if r is v else _engine_gradient(r) for g, v, r in zip(gys, views, grads))
        return grads if len(grads) > 1 else grads[0]


def _engine_gradient(value: Any) -> Any:
    """A gradient a hook returned, as the engine takes it: a Variable (its graph kept), an
    array or None."""
    if value is None or type(value) is Variable or not isinstance(value, Variable):
        return value
    if value.creator is None:
        return Variable(value.data, requires_grad=False)
    return CF.add(value, 0)  # a fresh Variable output of the hook's graph


class _BackwardHooks:
    """One forward call's bookkeeping for the full backward hooks of ``module``."""

    def __init__(self, module: Any, hooks: dict[int, Callable], n_inputs: int) -> None:
        self.module, self.hooks, self.n_inputs = module, hooks, n_inputs
        self.grad_output: tuple = ()
        self.inputs_need_grad = False

    def call(self, grad_input: tuple) -> tuple:
        for hook in list(self.hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                       f"got {len(result)}, but expected {len(grad_input)}")
                grad_input = result
        return grad_input

    def wrap_inputs(self, args: tuple) -> tuple:
        positions = [i for i, a in enumerate(args) if isinstance(a, Variable) and a.requires_grad]
        self.inputs_need_grad = bool(positions)
        if not positions:
            return args
        wrapped = _Identity(self._on_inputs)(*[args[i] for i in positions])
        wrapped = as_tensor_result(wrapped if isinstance(wrapped, list) else [wrapped])
        args = list(args)
        for i, value in zip(positions, wrapped):
            args[i] = value
        return tuple(args)

    def _on_inputs(self, grads: tuple) -> tuple:
        return self.call(grads)

    def wrap_outputs(self, output: Any) -> Any:
        single = isinstance(output, Variable)
        outputs = [output] if single else list(output) if isinstance(output, (tuple, list)) else None
        if outputs is None or not all(isinstance(o, Variable) for o in outputs):
            return output
        wrapped = _Identity(self._on_outputs)(*outputs)
        wrapped = as_tensor_result(wrapped if isinstance(wrapped, list) else [wrapped])
        return wrapped[0] if single else type(output)(wrapped)

    def _on_outputs(self, grads: tuple) -> tuple:
        self.grad_output = grads
        if not self.inputs_need_grad:  # no input gradient will come: call the hooks now
            self.call((None,) * self.n_inputs)
        return grads


def call_with_hooks(module: Any, hooks: dict[str, dict[int, Callable]], args: tuple,
                    kwargs: dict) -> Any:
    """``module.forward(*args, **kwargs)`` with its registered hooks, in PyTorch's order."""
    for hook in list(hooks.get("forward_pre", {}).values()):
        result = hook(module, args)
        if result is not None:
            args = result if isinstance(result, tuple) else (result,)
    backward = hooks.get("backward")
    state = None
    if backward:
        state = _BackwardHooks(module, backward, sum(isinstance(a, Variable) for a in args))
        args = state.wrap_inputs(args)
    output = module.forward(*args, **kwargs)
    for hook in list(hooks.get("forward", {}).values()):
        result = hook(module, args, output)
        if result is not None:
            output = result
    return output if state is None else state.wrap_outputs(output)
