"""``torch.autograd.backward`` and ``torch.autograd.grad`` over zerograd's backward loop.

PyTorch's rules, which the book's ``Variable.backward(retain_grad=...)`` does not follow:

- ``retain_graph`` keeps the *graph*; intermediate gradients are never kept (except for
  ``retain_grad()`` tensors), so a second pass adds exactly one more gradient;
- without it each Function drops its inputs once it has run, so the arrays it saved are released
  and a second backward through it raises PyTorch's RuntimeError;
- ``grad`` returns the gradients of ``inputs`` and leaves every ``.grad`` as it found it.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable
from zerograd.core.cuda import get_array_module
from zerograd.core.variable import RETAINED_GRADS, array_of, run_backward

_GRAD = Variable.grad  # the slot itself: Tensor's ``grad`` property retypes what it stores


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _seed(output: Variable, gradient: Any, position: int) -> Variable:
    """The gradient to start from at ``output``: ones for a one-element output, else given."""
    xp = get_array_module(array_of(output))
    if gradient is None:
        if array_of(output).size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs "
                               f"(output {position} has shape {tuple(array_of(output).shape)})")
        return Variable(xp.ones_like(array_of(output)), requires_grad=False)
    if isinstance(gradient, Variable):
        if array_of(gradient).shape != array_of(output).shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{position}] has a shape of "
                               f"{tuple(array_of(gradient).shape)} and output[{position}] has a shape "
                               f"of {tuple(array_of(output).shape)}.")
        return gradient if gradient.creator is not None else Variable(array_of(gradient), requires_grad=False)
    return Variable(xp.broadcast_to(xp.asarray(gradient, dtype=array_of(output).dtype),
                                    array_of(output).shape).copy(), requires_grad=False)


def _check_differentiable(outputs: list[Variable]) -> None:
    for i, y in enumerate(outputs):
        if not isinstance(y, Variable):
            raise TypeError(f"autograd: output {i} is a {type(y).__name__}, not a Tensor")
        if y.creator is None and not y.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves behind them."""
    outputs = _as_list(tensors)
    seeds = _as_list(grad_tensors) or [None] * len(outputs)
    if inputs is not None:
        raise NotImplementedError("torch.autograd.backward: the inputs= argument is not supported")
    if retain_graph is None:
        retain_graph = create_graph
    _check_differentiable(outputs)
    seeds = [_seed(y, g, i) for i, (y, g) in enumerate(zip(outputs, seeds))]
    kept = _stash_retained()
    for y, g in zip(outputs, seeds):
        if y.creator is None:  # a leaf: its gradient accumulates like any other
            current = _GRAD.__get__(y, Variable)
            y.grad = g if current is None else current + g
        else:
            _GRAD.__set__(y, g)
    run_backward([y for y in outputs if y.creator is not None], retain_grad=False,
                 create_graph=create_graph, free_graph=not retain_graph)
    _restore_retained(kept)


def _stash_retained() -> list[tuple[Variable, Any]]:
    """Move the gradients of ``retain_grad()`` tensors aside, so a pass starts them from zero."""
    kept = []
    for ref in list(RETAINED_GRADS.values()):
        v = ref()
        if v is not None:
            kept.append((v, _GRAD.__get__(v, Variable)))
            _GRAD.__set__(v, None)
    return kept


def _restore_retained(kept: list[tuple[Variable, Any]]) -> None:
    """``retain_grad()`` gradients accumulate across passes, as a leaf's do."""
    from zerograd.torch.tensor import Tensor

    for v, before in kept:
        now = _GRAD.__get__(v, Variable)
        if before is not None:
            now = before if now is None else before + now
        if type(now) is Variable:  # the pass is over: the gradient is the user's now
            now.__class__ = Tensor
        _GRAD.__set__(v, now)


def _graph_variables(outputs: list[Variable]) -> list[Variable]:
    """Every Variable behind ``outputs`` (and the outputs), each once."""
    found = {id(y): y for y in outputs}
    pending = [y.creator for y in outputs if y.creator is not None]
    seen = set(pending)
    while pending:
        for x in pending.pop().inputs:
            found.setdefault(id(x), x)
            if x.creator is not None and x.creator not in seen:
                seen.add(x.creator)
                pending.append(x.creator)
    return list(found.values())


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple[Any, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``."""
    from zerograd.torch.tensor import Tensor

    if is_grads_batched:
        raise NotImplementedError("torch.autograd.grad: is_grads_batched=True is not supported")
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    seeds = _as_list(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    _check_differentiable(outputs)
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    seeds = [_seed(y, g, i) for i, (y, g) in enumerate(zip(outputs, seeds))]
    everyone = _graph_variables(outputs) + inputs
    saved = [(v, _GRAD.__get__(v, Variable)) for v in everyone]
    try:
        for v in everyone:
            _GRAD.__set__(v, None)
        for y, g in zip(outputs, seeds):
            current = _GRAD.__get__(y, Variable)
            _GRAD.__set__(y, g if current is None else current + g)
        run_backward([y for y in outputs if y.creator is not None], retain_grad=True,
                     create_graph=create_graph, free_graph=not retain_graph)
        found = [_GRAD.__get__(x, Variable) for x in inputs]
    finally:
        for v, before in saved:
            _GRAD.__set__(v, before)
    results = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not "
                                   f"have been used in the graph. Set allow_unused=True if this "
                                   f"is the desired behavior.")
            if materialize_grads:
                g = Tensor(get_array_module(x.data).zeros_like(x.data), requires_grad=False)
        elif type(g) is Variable:
            g.__class__ = Tensor
        results.append(g)
    return tuple(results)
