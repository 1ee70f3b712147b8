"""Version counters: catch an in-place change to an array that a recorded Function still needs.

PyTorch keeps a counter on each storage and checks, at backward, that every tensor a node saved is
at the version it had when the node was recorded. zerograd does the same with a clock instead of a
counter per storage, so that a program which never writes in place pays nothing:

- ``bump(array)`` (called by every in-place method of the torch facade) stamps the array's owner
  (the end of its ``.base`` chain, so a view and its base share one stamp) with a fresh tick;
- ``Function.__call__`` stamps a recorded Function with the current tick, only once something has
  been written in place (``MODIFIED`` is empty until then; a rebase always comes with a write, so
  the hot paths test ``MODIFIED`` alone);
- backward calls ``check(func)`` (again only when ``MODIFIED`` is not empty): an input written after
  the Function was recorded raises PyTorch's RuntimeError. Functions whose backward reads only the
  shapes of their inputs (``VALUE_FREE``) are exempt for data writes, as in PyTorch, where ``x + 1``
  saves nothing; a Variable *rebased* by an in-place op recorded in the graph (``x.add_(y)`` while
  x requires grad) now stands for another node of the graph: a Function that took it before is
  pointed at the *shadow* standing for the node it took (kept, weakly, by ``rebase``), as PyTorch's
  graph keeps the old node; it is refused when that shadow is gone, and when the Function made a
  view of it (PyTorch's view follows its base's change, zerograd's would not).
"""

from __future__ import annotations

import weakref
from typing import Any

# id(owner array) -> [weak reference to it, tick of its last in-place write]
MODIFIED: dict[int, list[Any]] = {}
# id(Variable) -> [weak reference to it, tick at which an in-place op gave it a new creator]
REBASED: dict[int, list[Any]] = {}
_clock = [0]

# Names of Functions whose backward never reads input values (filled by the packages that
# define them; names rather than classes so that core need not import nn).
VALUE_FREE = {
    "Add", "AddConstant", "Sub", "SubConstant", "SubFromConstant", "Neg", "MulConstant",
    "DivConstant", "AsType", "Sum", "Mean", "Reshape", "Transpose", "GetItem", "BroadcastTo",
    "SumTo", "Concat", "Split", "Copy", "GetItemGrad", "Clone",
}

# Names of Functions whose backward reads their output's values.
READS_OUTPUT = {"Tanh", "Exp", "Sqrt", "Pow", "ConstantPow", "Max", "Min", "LogSumExp", "Sigmoid",
                "ELU", "Softmax", "LogSoftmax"}

MESSAGE = ("one of the variables needed for gradient computation has been modified by an inplace "
           "operation: {what} is at version {now}; expected version {then} instead. (zerograd: "
           "{func} recorded it before the in-place change)")


def owner(array: Any) -> Any:
    """The array that owns the memory ``array`` looks into (itself when it is not a view)."""
    base = getattr(array, "base", None)
    while base is not None and hasattr(base, "shape"):
        array, base = base, getattr(base, "base", None)
    return array


def now() -> int:
    return _clock[0]


def _stamp(registry: dict[int, list[Any]], obj: Any) -> None:
    _clock[0] += 1
    key = id(obj)
    entry = registry.get(key)
    if entry is not None and entry[0]() is obj:
        entry[1] = _clock[0]
        return
    try:
        ref = weakref.ref(obj, lambda _, key=key: registry.pop(key, None))
    except TypeError:  # an array type without weak references: cannot be tracked
        return
    registry[key] = [ref, _clock[0]]


def bump(array: Any) -> None:
    """Record an in-place write into ``array`` (and so into every view of its memory)."""
    _stamp(MODIFIED, owner(array))


def rebase(variable: Any, shadow: Any = None) -> None:
    """Record that ``variable`` now stands for the output of an in-place op in the graph, and
    that ``shadow`` stands for the node it was until now."""
    _stamp(REBASED, variable)
    entry = REBASED.get(id(variable))
    if shadow is not None and entry is not None:
        if len(entry) == 2:
            entry.append([])
        entry[2].append((entry[1], weakref.ref(shadow)))


def _node_at(entry: list[Any], tick: int) -> Any:
    """The shadow standing for the node a rebased Variable was at ``tick`` (None if gone)."""
    for rebased_at, ref in entry[2] if len(entry) > 2 else ():
        if rebased_at > tick:
            return ref()
    return None


def version(array: Any) -> int:
    entry = MODIFIED.get(id(owner(array)))
    return entry[1] if entry is not None else 0


def _made_a_view_of(func: Any, x: Any) -> bool:
    """Whether an output of ``func`` looks into ``x``'s memory: PyTorch makes such a view follow
    its base's in-place changes (its node is regenerated), which zerograd does not; refused."""
    if x.data is None:
        return False
    base = owner(x.data)
    for ref in func.outputs:
        y = ref()
        if y is not None and y.data is not None and owner(y.data) is base:
            return True
    return False


def check(func: Any) -> None:
    """Raise PyTorch's RuntimeError when something ``func`` needs changed after it was recorded."""
    recorded = getattr(func, "_tick", 0)
    reads_values = type(func).__name__ not in VALUE_FREE
    for i, x in enumerate(func.inputs):
        entry = REBASED.get(id(x))
        if entry is not None and entry[1] > recorded and entry[0]() is x:
            before = _node_at(entry, recorded)
            if before is None or _made_a_view_of(func, x):
                _refuse(func, f"input {i} of {type(func).__name__}", entry[1], recorded)
            func.inputs = (*func.inputs[:i], before, *func.inputs[i + 1:])
            x = before
        if reads_values and x.data is not None:
            entry = MODIFIED.get(id(owner(x.data)))
            if entry is not None and entry[1] > recorded:
                _refuse(func, f"input {i} of {type(func).__name__}", entry[1], recorded)
    if type(func).__name__ in READS_OUTPUT:
        for ref in func.outputs:
            y = ref()
            if y is not None and y.data is not None:
                entry = MODIFIED.get(id(owner(y.data)))
                if entry is not None and entry[1] > recorded:
                    _refuse(func, f"output of {type(func).__name__}", entry[1], recorded)


def _refuse(func: Any, what: str, now_tick: int, then_tick: int) -> None:
    raise RuntimeError(MESSAGE.format(what=what, now=now_tick, then=then_tick,
                                      func=type(func).__name__))
