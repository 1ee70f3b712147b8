"""In-place methods of Tensor: ``add_``, ``mul_``, ``clamp_``, ``fill_``, ``normal_``, ``copy_``,
``masked_fill_``, ``index_add_``, ``scatter_``, ``x[idx] = v``, ``+=`` and their kin.

PyTorch's rules: the tensor's own array is written (so its base and every view of it see the
change) under grad mode too. When nothing involved requires grad the values are simply written;
otherwise the op is recorded in the graph and the tensor stands for its result
(zerograd.core.inplace); when the tensor is a view of another one in the graph, its bases are
rebased too, as PyTorch's CopySlices does. A leaf that requires grad (or a view of one) refuses, as
in PyTorch; a view whose base is outside the graph (no Function links them) refuses with
NotImplementedError (its base would not learn of the change: a silent wrong gradient otherwise).
Every write moves the version clock (zerograd.core.versions), which catches a Function that saved
the array before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Config, Variable, versions
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.inplace import SetItem, record_in_place, record_view_write, view_chain
from zerograd.torch import random
from zerograd.torch.tensor_data import untracked


def _array(value: Any) -> Any:
    return value.data if isinstance(value, Variable) else value


def array_index(index: Any) -> Any:
    """An index of Tensors and ranges as NumPy takes it."""
    def part(p: Any) -> Any:
        if isinstance(p, Variable):
            return p.data
        if isinstance(p, range):
            return np.arange(p.start, p.stop, p.step)
        return p

    return tuple(part(p) for p in index) if type(index) is tuple else part(index)


def _needs_graph(tensor: Any, others: tuple[Any, ...]) -> bool:
    if not Config.enable_backprop:
        return False
    return tensor.requires_grad or any(isinstance(o, Variable) and o.requires_grad for o in others)


def _refuse_views_outside_the_graph(tensor: Any, name: str) -> None:
    """A view with no Function linking it to its base (a slice of a tensor that requires no
    grad): the base's graph would not see the write."""
    if tensor.creator is None and getattr(tensor.data, "base", None) is not None:
        raise NotImplementedError(
            f"{name}: autograd through an in-place change of a view of a tensor outside the graph "
            f"(one that requires no grad) is not supported by zerograd; write into the base with "
            f"an index (base[idx] = value) or clone() the view first")


def _write(tensor: Any, name: str, values: Any) -> None:
    try:
        get_array_module(tensor.data).copyto(tensor.data, values, casting="same_kind")
    except TypeError as err:
        raise RuntimeError(f"{name}: result type {np.asarray(values).dtype} can't be cast to the "
                           f"desired output type {tensor.data.dtype}") from err
    except ValueError as err:
        raise RuntimeError(f"{name}: unsupported operation: more than one element of the "
                           f"written-to tensor refers to a single memory location (an expand()ed "
                           f"tensor?). Please clone() the tensor before performing the operation. "
                           f"({err})") from err


def in_place(tensor: Any, name: str, op: Any, others: tuple[Any, ...] = (), direct: Any = None) -> Any:
    """Apply ``op`` (Variable -> Variable) to ``tensor`` in place; ``direct(array)`` writes the
    array itself when no graph is needed (else op's result is copied in)."""
    if tensor.data is None:
        raise RuntimeError(f"{name}: the tensor has no data")
    if not _needs_graph(tensor, others):
        if direct is not None:
            try:
                direct(tensor.data)
            except ValueError as err:
                _write(tensor, name, np.zeros(()))  # raises the clear error when read-only
                raise RuntimeError(f"{name}: {err}") from err
        else:
            previous, Config.enable_backprop = Config.enable_backprop, False
            try:
                values = op(Variable(tensor.data, requires_grad=False)).data
            finally:
                Config.enable_backprop = previous
            _write(tensor, name, values)
        if not untracked(tensor):  # a write through ``.data`` is hidden from autograd
            versions.bump(tensor.data)
        return tensor
    if tensor.creator is None and tensor.requires_grad:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place "
                           f"operation.")
    _refuse_views_outside_the_graph(tensor, name)
    chain = view_chain(tensor, name)  # before any write: it may refuse
    record_in_place(tensor, op)
    for view, func in chain:
        record_view_write(view, func)
    return tensor


def _scaled(other: Any, alpha: Any) -> Any:
    return other if alpha == 1 else other * alpha


def _assign(tensor: Any, name: str, index: Any, value: Any) -> Any:
    """``tensor[index] = value`` (``index`` Ellipsis for all of it)."""
    index = array_index(index)

    def direct(array: Any) -> None:
        array[index] = _array(value)

    return in_place(tensor, name, lambda s: SetItem(index)(s, value), (value,), direct)


class InPlaceMethods:
    """The in-place half of Tensor's methods (a mixin: no state of its own)."""

    __slots__ = ()

    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        return in_place(self, "add_", lambda s: CF.add(s, _scaled(other, alpha)), (other,))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        return in_place(self, "sub_", lambda s: CF.sub(s, _scaled(other, alpha)), (other,))

    def mul_(self, other: Any) -> Any:
        return in_place(self, "mul_", lambda s: CF.mul(s, other), (other,))

    def div_(self, other: Any) -> Any:
        return in_place(self, "div_", lambda s: CF.div(s, other), (other,))

    def pow_(self, exponent: Any) -> Any:
        return in_place(self, "pow_", lambda s: CF.pow(s, exponent), (exponent,))

    def neg_(self) -> Any:
        return in_place(self, "neg_", CF.neg)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002  (PyTorch's names)
        low = -np.inf if min is None else min
        high = np.inf if max is None else max
        return in_place(self, "clamp_", lambda s: CF.clip(s, low, high))

    clip_ = clamp_

    def zero_(self) -> Any:
        return _assign(self, "zero_", Ellipsis, 0)

    def fill_(self, value: Any) -> Any:
        return _assign(self, "fill_", Ellipsis, value)

    def copy_(self, src: Any, non_blocking: bool = False) -> Any:
        return _assign(self, "copy_", Ellipsis, src)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Any:
        values = random.normal(generator, self.data.shape) * std + mean
        return _assign(self, "normal_", Ellipsis, values.astype(self.data.dtype))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Any:
        values = random.random(generator, self.data.shape) * (b - a) + a
        return _assign(self, "uniform_", Ellipsis, values.astype(self.data.dtype))

    def masked_fill_(self, mask: Any, value: Any) -> Any:
        mask = get_array_module(self.data).broadcast_to(_array(mask), self.data.shape)
        if mask.dtype != np.bool_:
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                               f"{mask.dtype}")
        return _assign(self, "masked_fill_", mask, value)

    def __setitem__(self, index: Any, value: Any) -> None:
        _assign(self, "__setitem__", index, value)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        def direct(array: Any) -> None:
            moved = np.moveaxis(array, dim, 0)
            np.add.at(moved, _array(index), np.moveaxis(_array(source) * alpha, dim, 0))

        return self._no_graph_only("index_add_", (source,), direct)

    def scatter_(self, dim: int, index: Any, src: Any = None, value: Any = None, *,
                 reduce: Any = None) -> Any:
        if reduce is not None:
            raise NotImplementedError("scatter_: the reduce= argument is not supported")
        values = value if src is None else src

        def direct(array: Any) -> None:
            idx = _array(index)
            vals = _array(values)
            if np.ndim(vals) != 0:  # src may be larger than index: PyTorch reads its corner
                vals = vals[tuple(slice(0, n) for n in idx.shape)]
            np.put_along_axis(array, idx, vals, axis=dim)

        return self._no_graph_only("scatter_", (values,), direct)

    def _no_graph_only(self, name: str, others: tuple[Any, ...], direct: Any) -> Any:
        if _needs_graph(self, others):
            raise NotImplementedError(f"{name}: not supported while a graph is recorded and a tensor "
                                      f"involved requires grad; use it under torch.no_grad()")
        return in_place(self, name, None, others, direct)

    def __iadd__(self, other: Any) -> Any:
        return self.add_(other)

    def __isub__(self, other: Any) -> Any:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Any:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Any:
        return self.div_(other)
