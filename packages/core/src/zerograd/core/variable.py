"""Variable: an array that remembers the Function that made it, and the backward pass.

The graph is a chain of references Variable -> creator Function -> input Variables. A Function holds
its outputs only by weak reference, so the graph has no cycles and dies with its last Variable,
without waiting for the garbage collector.

In the order of the book's core.py: Variable, then its backward loop (``_run_backward``, the body
of the book's ``Variable.backward``), Parameter and as_variable; Function is in function.py, the
operators in operators.py. The post-accumulate gradient hooks come last: backward touches them
only when one is registered.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core import cuda, versions
from zerograd.core.checks import ARRAY_TYPES, is_array
from zerograd.core.config import using_config
from zerograd.core.versions import MODIFIED


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

    In-place operators (``+= -= *= /=``) depend on whether a graph is being recorded:

    - under ``no_grad()`` (``Config.enable_backprop`` False) they update ``data`` in place and keep
      the same Variable, PyTorch's rule, so ``p -= lr * p.grad`` trains the parameter a model holds;
      as in PyTorch, update only after backward, since the graph reads the same array;
    - while a graph is recorded they keep the book's meaning, ``x = x + y``: a new Variable, so
      ``loss += ...`` builds a differentiable sum and the old Variable is unchanged.

    A NumPy array updated in place with a Variable (the book's ``p.data -= lr * p.grad``) takes the
    Variable's data (a CuPy array does not consult the Variable: write ``p.grad.data`` there); an
    array on the left of any other operator (``array * x``) records the graph as ``x * array`` does.

    >>> from zerograd.core import no_grad
    >>> with no_grad():
    ...     x -= 0.5 * x.grad
    >>> x
    variable(0.0)
    """

    __slots__ = ("data", "name", "grad", "creator", "generation", "requires_grad", "__weakref__")
    __array_priority__ = 200  # CuPy and old NumPy: ndarray <op> Variable goes to Variable
    __array_ufunc__ = None  # NumPy defers ndarray <op> Variable to us (operators.py refines it)

    def __init__(self, data: Any, name: str | None = None, requires_grad: bool = True) -> None:
        if data is not None and not isinstance(data, ARRAY_TYPES):  # is_array, inlined: every op
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
        return array_of(self).shape

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

    def register_post_accumulate_grad_hook(self, hook: Callable[[Variable], Any]) -> RemovableHandle:
        """Call ``hook(self)`` during each backward pass, once this leaf's gradient is final.

        Final means every contribution reaching this Variable from the output has been added to
        ``.grad``; hooks fire in the order gradients become final, so a hook on the last layer's
        parameters runs while earlier layers are still being differentiated (what data-parallel
        training needs to overlap communication with computation). A Variable used by several
        Functions fires once, after the last. Returns a handle whose ``remove()`` unregisters it.

        >>> w = Variable(np.array(2.0))
        >>> handle = w.register_post_accumulate_grad_hook(lambda v: print("grad", v.grad))
        >>> (w * w + w).backward()
        grad variable(5.0)
        >>> handle.remove()
        """
        if self.creator is not None:
            raise ValueError(
                f"register_post_accumulate_grad_hook: {self._describe()} is not a leaf "
                f"(it was made by {type(self.creator).__name__}); only leaves accumulate gradients"
            )
        if not callable(hook):
            raise TypeError(
                f"register_post_accumulate_grad_hook: hook must be callable, got {type(hook).__name__}"
            )
        return _add_post_accumulate_hook(self, hook)

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
        with using_config("enable_backprop", create_graph):
            if self.creator is not None:
                _run_backward([self.creator], retain_grad)
            elif _POST_ACCUMULATE_HOOKS:
                _call_post_accumulate_hooks(self)

    def _describe(self) -> str:
        return f"Variable {self.name!r}" if self.name else "the Variable"



# A Variable's array read through the slot: a subclass may give ``data`` another meaning for its
# users (zerograd.torch's Tensor.data is PyTorch's); the engine's hot paths bypass such a property.
array_of = Variable.__dict__["data"].__get__

def _run_backward(roots: list[Any], retain_grad: bool, free_graph: bool = False) -> None:
    """The backward loop (the book's Variable.backward): pop the Function made last, hand its
    outputs' gradients to its backward, add the results to its inputs' grads, push their creators.

    ``free_graph`` (PyTorch's ``retain_graph=False``) drops the inputs of every Function that ran,
    at the end of the pass, releasing the arrays they saved; a later backward reaching one raises
    PyTorch's RuntimeError.
    Gradients of Variables in ``RETAINED_GRADS`` (``Tensor.retain_grad()``) outlive the pass.
    """
    # Empty, and so skipped below, unless some Variable has a post-accumulate hook.
    countdown = _count_hooked_edges(roots) if _POST_ACCUMULATE_HOOKS else {}
    # Generations negated: heapq pops the youngest first; the counter breaks ties (no Function <).
    heap = [(-root.generation, i, root) for i, root in enumerate(roots)]
    heapq.heapify(heap)
    seen = set(roots)  # a Function reached through several inputs runs once
    pushed = len(roots)
    push, pop = heapq.heappush, heapq.heappop
    ran = []
    while heap:
        func = pop(heap)[2]
        if not func.inputs:  # only a freed Function has none: recording needs an input
            raise RuntimeError(FREED_GRAPH_MESSAGE)
        if MODIFIED:  # empty unless something was written in place (a rebase writes too)
            versions.check(func)
        # Plain loops: a comprehension costs a call on Python 3.11 (see Function.__call__).
        outputs = []
        gys = []
        for ref in func.outputs:
            y = ref()  # an output nobody kept has died: its gy is None
            outputs.append(y)
            gys.append(None if y is None else y.grad)
        gxs = func.backward(*gys)
        if type(gxs) is not tuple:  # a one-input backward may return its gradient bare
            gxs = tuple(gxs) if type(gxs) is list else (gxs,)
        if len(gxs) != len(func.inputs):
            _refuse_gradient_count(func, gxs)
        for x, gx in zip(func.inputs, gxs):
            if gx is None or not x.requires_grad:
                continue
            if type(gx) is not Variable:
                gx = _wrap_gradient(func, x, gx)
            if array_of(gx).shape != array_of(x).shape:
                raise ValueError(
                    f"{type(func).__name__}.backward returned a gradient of shape {gx.shape} "
                    f"for an input of shape {x.data.shape}"
                )
            # Never in place: one gradient may reach several inputs; create_graph needs the node.
            x.grad = gx if x.grad is None else x.grad + gx
            creator = x.creator
            if creator is not None and creator not in seen:
                seen.add(creator)
                pushed += 1
                push(heap, (-creator.generation, pushed, creator))
        if not retain_grad:  # free as we go: an intermediate gradient is needed only once
            for y in outputs:
                if y is not None and (not RETAINED_GRADS or id(y) not in RETAINED_GRADS):
                    y.grad = None
        if countdown:
            _count_down(func, countdown)
        if free_graph:
            ran.append(func)
    if countdown:
        _call_leftover_hooks(countdown)
    for func in ran:  # at the end: an input is the only owner of an output whose creator is next
        func.inputs = ()


def _refuse_gradient_count(func: Any, gxs: tuple[Any, ...]) -> None:
    raise ValueError(
        f"{type(func).__name__}.backward returned {len(gxs)} gradient{'s' * (len(gxs) != 1)} "
        f"for {len(func.inputs)} input{'s' * (len(func.inputs) != 1)}: return one per input of "
        f"forward, in order, with None for an input that needs none"
    )


def _wrap_gradient(func: Any, x: Variable, gx: Any) -> Variable:
    """A backward written on arrays (the book's early steps) may return one: wrap it. A facade's
    Variable subclass (a gradient hook may return a PyTorch Tensor) passes as it is."""
    if isinstance(gx, Variable):
        return gx
    gx = as_array(gx, cuda.get_array_module(x.data))
    if not is_array(gx):
        raise TypeError(
            f"{type(func).__name__}.backward must return Variables or arrays, got {type(gx).__name__}"
        )
    return Variable(gx, requires_grad=False)


FREED_GRAPH_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")

# id -> weak reference of the non-leaf Variables whose grad a backward keeps (retain_grad()).
RETAINED_GRADS: dict[int, weakref.ref] = {}


def run_backward(variables: list[Variable], retain_grad: bool = False, create_graph: bool = False,
                 free_graph: bool = False) -> None:
    """Backward from several Variables at once, each seeded with its ``grad`` (PyTorch's
    ``torch.autograd.backward``); ``free_graph`` releases the graph as it goes."""
    roots = []
    for v in variables:
        if v.creator is not None and v.creator not in roots:
            roots.append(v.creator)
    with using_config("enable_backprop", create_graph):
        if roots:
            _run_backward(roots, retain_grad, free_graph)
        if _POST_ACCUMULATE_HOOKS:
            for v in variables:
                if v.creator is None:
                    _call_post_accumulate_hooks(v)


class Parameter(Variable):
    """A Variable that a Layer registers as trainable when it is assigned as an attribute."""

    __slots__ = ()


def as_variable(obj: Any) -> Variable:
    """Return a Variable unchanged; wrap an array (or scalar) in one that requires no gradient."""
    if isinstance(obj, Variable):
        return obj
    return Variable(as_array(obj), requires_grad=False)


# --- post-accumulate gradient hooks -------------------------------------------------------------
# Beside the Variables, not in a slot: no cost without hooks, and copies never carry one. Keyed by
# id() (== is elementwise, so no weak dict); the weak reference drops the entry with the Variable.
_POST_ACCUMULATE_HOOKS: dict[int, tuple[weakref.ref, dict[int, Callable[[Variable], Any]]]] = {}
_next_hook_id = 0


class RemovableHandle:
    """What ``register_post_accumulate_grad_hook`` returns: ``remove()`` unregisters the hook."""

    __slots__ = ("_key", "_hook_id")

    def __init__(self, key: int, hook_id: int) -> None:
        self._key = key
        self._hook_id = hook_id

    def remove(self) -> None:
        entry = _POST_ACCUMULATE_HOOKS.get(self._key)
        if entry is None:
            return
        hooks = entry[1]
        hooks.pop(self._hook_id, None)
        if not hooks:  # an empty registry keeps backward on its hook-free path
            del _POST_ACCUMULATE_HOOKS[self._key]


def _add_post_accumulate_hook(variable: Variable, hook: Callable[[Variable], Any]) -> RemovableHandle:
    global _next_hook_id
    _next_hook_id += 1
    key = id(variable)
    if key not in _POST_ACCUMULATE_HOOKS:
        ref = weakref.ref(variable, lambda _, key=key: _POST_ACCUMULATE_HOOKS.pop(key, None))
        _POST_ACCUMULATE_HOOKS[key] = (ref, {})
    _POST_ACCUMULATE_HOOKS[key][1][_next_hook_id] = hook
    return RemovableHandle(key, _next_hook_id)


def _call_post_accumulate_hooks(variable: Variable) -> None:
    entry = _POST_ACCUMULATE_HOOKS.get(id(variable))
    if entry is not None:
        for hook in list(entry[1].values()):  # a hook may remove itself
            hook(variable)


def _count_hooked_edges(roots: list[Any]) -> dict[int, list[Any]]:
    """For each hooked leaf behind ``root``, by id: [edges into it, the leaf, its grad before].

    The walk follows exactly the links backward follows (inputs that require a gradient), so a
    leaf's gradient is final when backward has run every Function counted here.
    """
    countdown: dict[int, list[Any]] = {}
    pending, seen = list(roots), set(roots)
    while pending:
        for x in pending.pop().inputs:
            if not x.requires_grad:
                continue
            creator = x.creator
            if creator is None:
                if id(x) in _POST_ACCUMULATE_HOOKS:
                    countdown.setdefault(id(x), [0, x, x.grad])[0] += 1
            elif creator not in seen:
                seen.add(creator)
                pending.append(creator)
    return countdown


def _count_down(func: Any, countdown: dict[int, list[Any]]) -> None:
    """``func`` has added its gradients: fire the hooks of leaves that now have them all."""
    for x in func.inputs:
        entry = countdown.get(id(x))
        if entry is None:
            continue
        entry[0] -= 1
        if entry[0] == 0:
            del countdown[id(x)]
            _GRAD_BEFORE[0] = entry[2]
            _call_post_accumulate_hooks(x)
            _GRAD_BEFORE[0] = None


def _call_leftover_hooks(countdown: dict[int, list[Any]]) -> None:
    """A backward that returned None cut some paths short: a leaf whose gradient changed anyway
    has it final now."""
    for _, x, grad_before in countdown.values():
        if x.grad is not grad_before:
            _GRAD_BEFORE[0] = grad_before
            _call_post_accumulate_hooks(x)
            _GRAD_BEFORE[0] = None


_GRAD_BEFORE: list[Any] = [None]


def grad_before_this_pass() -> Any:
    """Inside a post-accumulate hook: the leaf's ``grad`` before this backward pass began."""
    return _GRAD_BEFORE[0]
