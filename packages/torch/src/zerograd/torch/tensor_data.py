"""``Tensor.data`` as PyTorch means it: a Tensor sharing the storage, cut from the graph.

The engine (core, nn, data, vision, text) and the facade itself read ``Variable.data`` as the
array a Variable holds, in hundreds of places, and a facade Tensor reaches all of them as an input.
So the one attribute has two readers with two meanings, and the caller decides which it gets:

- code of zerograd's own modules (a caller whose module is ``zerograd.*``) reads and writes the
  array, as before: the engine never sees a difference;
- every other caller (a user's program, its tests) gets PyTorch's ``.data``: a Tensor over the same
  array, ``requires_grad=False``, with no ``grad_fn``, so ``m.weight.data.normal_()``,
  ``p.data.mul_(0.9)``, ``p.data[0] = 1`` and ``p.data.copy_(q.data)`` write into ``p``;
  ``p.data = t`` replaces ``p``'s array with ``t``'s (its shape and dtype may differ).

As in PyTorch, a write through ``.data`` is not seen by autograd: it does not move the version
clock (zerograd.core.versions), so a graph that saved the array uses the new values without a word.
(A write through a *view* of ``.data``, ``p.data[0].mul_(2)``, does move it: the view is an
ordinary Tensor, and the check errs on the side of an error.)

``__array__`` follows the same rule (``np.asarray(t)`` is ``t.numpy()`` for a user), and pickling
and copying read the array through the slot, never through the property.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

from zerograd.core import Variable
from zerograd.core.cuda import as_numpy

_DATA_SLOT = Variable.data  # the engine's attribute: a slot descriptor holding the array
_STATE_SLOTS = tuple(name for name in Variable.__slots__ if name != "__weakref__")

# id(Tensor) -> weak reference, for the Tensors ``.data`` handed out: their writes bump nothing.
UNTRACKED: dict[int, weakref.ref] = {}


def _from_zerograd(depth: int = 2) -> bool:
    """Whether the caller ``depth`` frames up is code of one of zerograd's own modules."""
    return sys._getframe(depth).f_globals.get("__name__", "").startswith("zerograd.")


def untracked(tensor: Any) -> bool:
    """Whether ``tensor`` came from ``.data`` (its in-place writes move no version)."""
    return id(tensor) in UNTRACKED


def _detached(array: Any) -> Any:
    from zerograd.torch.tensor import Tensor
    view = Tensor(array, requires_grad=False)
    key = id(view)
    UNTRACKED[key] = weakref.ref(view, lambda _, key=key: UNTRACKED.pop(key, None))
    return view


class DataAttribute:
    """The mixin of Tensor that gives ``.data`` its two meanings (see the module doc)."""

    __slots__ = ()

    @property
    def data(self) -> Any:
        array = _DATA_SLOT.__get__(self, Variable)
        # _from_zerograd inlined: the engine reads this once per input of every operation
        if array is None or sys._getframe(1).f_globals.get("__name__", "").startswith("zerograd."):
            return array
        return _detached(array)

    @data.setter
    def data(self, value: Any) -> None:
        if isinstance(value, Variable):
            value = _DATA_SLOT.__get__(value, Variable)
        elif value is not None and not _from_zerograd():
            kind = f"{type(value).__module__}.{type(value).__qualname__}"
            raise TypeError(f"Variable data has to be a tensor, but got {kind}")
        _DATA_SLOT.__set__(self, value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        array = _DATA_SLOT.__get__(self, Variable)
        if not _from_zerograd() and self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        array = as_numpy(array)
        return array if dtype is None else array.astype(dtype, copy=False)

    def data_ptr(self) -> int:
        """The address of the first element (two tensors sharing storage from the start agree)."""
        array = _DATA_SLOT.__get__(self, Variable)
        interface = getattr(array, "__array_interface__", None)
        return interface["data"][0] if interface is not None else int(array.data.ptr)

    def __getstate__(self) -> Any:
        return None, {name: Variable.__dict__[name].__get__(self, Variable) for name in _STATE_SLOTS}

    def __setstate__(self, state: Any) -> None:
        _, slots = state
        for name, value in slots.items():
            Variable.__dict__[name].__set__(self, value)
