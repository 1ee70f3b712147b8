"""Tensor: zerograd's Variable with PyTorch's methods and meanings, and ``torch.nn``'s Parameter.

A subclass, not a patch: code using zerograd's own API never sees these methods, and the engine
(core, nn, data, vision, text) calls functions, never a method whose PyTorch meaning differs (a
test scans their sources), so every method here means what PyTorch means: ``size()`` is a method,
``transpose(d0, d1)`` swaps two dimensions, ``max(dim)`` returns (values, indices). Every operation
runs zerograd's Function and hands its fresh output back as a Tensor by changing the output's class
(the layouts are identical). See DESIGN.md in this package for why. ``x.data`` is PyTorch's for a
user and the array for zerograd's own code (tensor_data.py says how).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from zerograd.core import Parameter as CoreParameter
from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.core.checks import ARRAY_TYPES
from zerograd.core.cuda import get_array_module
from zerograd.core.variable import RETAINED_GRADS
from zerograd.torch.dtypes import DEFAULT_FLOAT
from zerograd.torch.sampling import SamplingMethods
from zerograd.torch.tensor_conversion import ConversionMethods
from zerograd.torch.tensor_data import DataAttribute
from zerograd.torch.tensor_inplace import InPlaceMethods, array_index
from zerograd.torch.tensor_methods import TensorMethods

_GRAD_SLOT = Variable.grad  # the slot descriptor the backward engine reads and writes


def as_tensor_result(value: Any) -> Any:
    """A fresh output of a Function (or a list or tuple of them) retyped as Tensor in place."""
    if type(value) is Variable:
        value.__class__ = Tensor
    elif isinstance(value, (list, tuple)):
        for item in value:
            if type(item) is Variable:
                item.__class__ = Tensor
    return value


def returning_tensor(func: Any) -> Any:
    """``func`` with its Variable results retyped as Tensor."""
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return as_tensor_result(func(*args, **kwargs))

    wrapped.__name__ = getattr(func, "__name__", "wrapped")
    wrapped.__doc__ = func.__doc__
    return wrapped


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Variable) else value


def _sizes(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """``view(2, 3)`` and ``view((2, 3))`` alike, as PyTorch accepts both."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Size(tuple):
    """``torch.Size``: a tuple of dimensions."""

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"


class Tensor(DataAttribute, InPlaceMethods, ConversionMethods, SamplingMethods, TensorMethods,
             Variable):
    """zerograd's Variable under PyTorch's names (see the package README for what differs)."""

    __slots__ = ()

    # --- the gradient: a leaf's grad is a Tensor too, so ``w.grad.zero_()`` works ----------------
    @property
    def grad(self) -> Any:
        return _GRAD_SLOT.__get__(self, Tensor)

    @grad.setter
    def grad(self, value: Any) -> None:
        # Only a leaf's gradient is retyped: the gradient of a non-leaf may still be flowing
        # through the backward pass as a Variable. A constant one is copied (sharing the array:
        # a backward may hand the same Variable to several inputs); one with a graph
        # (create_graph=True) is retyped in place, so that it stays in its graph.
        if type(value) is Variable and self.creator is None:
            if value.creator is None:
                value = Tensor(value.data, requires_grad=False)
            else:
                value.__class__ = Tensor
        _GRAD_SLOT.__set__(self, value)

    def __init__(self, *args: Any, requires_grad: bool | None = None, name: str | None = None) -> None:
        """``Tensor(array, requires_grad=...)`` wraps an array (zerograd's own use); PyTorch's legacy
        constructor ``torch.Tensor(data)`` copies ``data`` to float32, ``torch.Tensor(2, 3)`` makes
        an uninitialised float32 tensor of that size."""
        if requires_grad is not None and len(args) == 1 and isinstance(args[0], ARRAY_TYPES):
            if requires_grad and args[0].dtype.kind not in "fc":
                _refuse_integer_grad(args[0].dtype)
            Variable.__init__(self, args[0], name, requires_grad)
            return
        Variable.__init__(self, _legacy_data(args), name, bool(requires_grad))

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """PyTorch's rules: only floating tensors, and only leaves, may change the flag."""
        if requires_grad and self.data is not None and self.data.dtype.kind not in "fc":
            _refuse_integer_grad(self.data.dtype)
        if self.creator is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        return Variable.requires_grad_(self, requires_grad)

    # --- sizes ------------------------------------------------------------------------------------
    def size(self, dim: int | None = None) -> Any:  # type: ignore[override]
        """``x.size()``: the shape as a torch.Size; ``x.size(dim)``: one dimension."""
        return Size(self.data.shape) if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        return self.data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self.data.size

    nelement = numel

    def element_size(self) -> int:
        return self.data.itemsize

    def is_contiguous(self) -> bool:
        return bool(self.data.flags.c_contiguous)

    @property
    def device(self) -> Any:
        from zerograd.torch.devices import device_of
        return device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    # --- shape ------------------------------------------------------------------------------------
    def view(self, *shape: Any) -> Tensor:
        """The same elements under another shape: the same memory when the array's strides allow
        it (PyTorch's contiguous case); otherwise a copy, since zerograd's arrays are not always
        laid out as PyTorch's (a copy is what ``reshape`` would give)."""
        return as_tensor_result(CF.reshape(self, _sizes(shape)))

    def reshape(self, *shape: Any) -> Tensor:
        return as_tensor_result(CF.reshape(self, _sizes(shape)))

    def view_as(self, other: Variable) -> Tensor:
        return self.view(other.data.shape)

    def reshape_as(self, other: Variable) -> Tensor:
        return self.reshape(other.data.shape)

    def t(self) -> Tensor:
        if self.data.ndim > 2:
            raise ValueError(f"Tensor.t: expects a tensor with at most 2 dimensions, got {self.data.ndim}")
        return as_tensor_result(CF.transpose(self))

    @property
    def T(self) -> Tensor:  # noqa: N802  (PyTorch's name: every dimension reversed)
        return as_tensor_result(CF.transpose(self))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The matrices of the last two dimensions transposed."""
        return self.transpose(-2, -1)

    mH = mT  # real tensors only: the conjugate is the tensor itself

    def transpose(self, dim0: int, dim1: int) -> Tensor:  # type: ignore[override]
        """Swap two dimensions (PyTorch's meaning, not NumPy's list of every axis)."""
        axes = list(range(self.data.ndim))
        d0, d1 = _dim("transpose", dim0, self.data.ndim), _dim("transpose", dim1, self.data.ndim)
        axes[d0], axes[d1] = axes[d1], axes[d0]
        return as_tensor_result(CF.transpose(self, tuple(axes)))

    swapaxes = transpose

    def permute(self, *dims: Any) -> Tensor:
        return as_tensor_result(CF.transpose(self, _sizes(dims)))

    def unsqueeze(self, dim: int) -> Tensor:
        if dim < 0:
            dim += self.data.ndim + 1
        return as_tensor_result(CF.expand_dims(self, dim))

    def squeeze(self, dim: int | None = None) -> Tensor:
        if dim is not None and self.data.shape[dim] != 1:
            return self  # PyTorch leaves a dimension of another size alone
        return as_tensor_result(CF.squeeze(self, dim))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        shape = self.data.shape
        start, end = start_dim % max(len(shape), 1), end_dim % max(len(shape), 1)
        merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
        return as_tensor_result(CF.reshape(self, (*shape[:start], merged, *shape[end + 1:])))

    def expand(self, *sizes: Any) -> Tensor:
        sizes = tuple(old if new == -1 else new for new, old in
                      zip(_sizes(sizes), (1,) * (len(_sizes(sizes)) - self.data.ndim) + self.data.shape))
        return as_tensor_result(CF.broadcast_to(self, sizes))

    def contiguous(self) -> Tensor:
        if self.data.flags.c_contiguous:
            return self
        return as_tensor_result(CF.add(self, 0))

    def expand_as(self, other: Variable) -> Tensor:
        return self.expand(*other.data.shape)

    # --- reductions: ``dim``/``keepdim`` for NumPy's axis/keepdims -------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # type: ignore[override]
        x = self if dtype is None else self.to(dtype)
        return as_tensor_result(CF.sum(x, _dims(dim), keepdim))

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # type: ignore[override]
        x = self if dtype is None else self.to(dtype)
        return as_tensor_result(CF.mean(x, _dims(dim), keepdim))

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:  # type: ignore[override]
        """``max()``: the largest value (ties share the gradient); ``max(dim)``: (values,
        indices), the gradient going to the one index returned; ``max(other)``: elementwise."""
        if isinstance(dim, Variable):
            from zerograd.torch.ops_math import maximum
            return maximum(self, dim)
        return extreme(self, CF.max, "argmax", dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:  # type: ignore[override]
        if isinstance(dim, Variable):
            from zerograd.torch.ops_math import minimum
            return minimum(self, dim)
        return extreme(self, CF.min, "argmin", dim, keepdim)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return as_tensor_result(CF.max(self, _dims(dim), keepdim))

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return as_tensor_result(CF.min(self, _dims(dim), keepdim))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        from zerograd.torch.ops_reduce import argmax
        return argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        from zerograd.torch.ops_reduce import argmin
        return argmin(self, dim, keepdim)

    # --- elementwise ------------------------------------------------------------------------------
    def pow(self, exponent: Any) -> Tensor:
        return as_tensor_result(CF.pow(self, exponent))

    def matmul(self, other: Any) -> Tensor:
        return as_tensor_result(CF.matmul(self, other))

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002  (PyTorch's names)
        low = -np.inf if min is None else min
        high = np.inf if max is None else max
        return as_tensor_result(CF.clip(self, low, high))

    # --- autograd ---------------------------------------------------------------------------------
    @property
    def grad_fn(self) -> Any:
        """The node that made this tensor (None for a leaf), with ``name()`` and ``next_functions``."""
        from zerograd.torch.autograd.graph import Node
        return None if self.creator is None else Node(self.creator)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient after backward (a leaf keeps it anyway)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.creator is not None and id(self) not in RETAINED_GRADS:
            key = id(self)
            RETAINED_GRADS[key] = weakref.ref(self, lambda _, key=key: RETAINED_GRADS.pop(key, None))

    @property
    def retains_grad(self) -> bool:
        return self.creator is not None and id(self) in RETAINED_GRADS

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` with this tensor's gradient during backward; a returned tensor
        replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        return register_hook(self, hook)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,  # type: ignore[override]
                 create_graph: bool = False, inputs: Any = None) -> None:
        """PyTorch's backward: ``retain_graph`` keeps the graph for another pass (never the
        intermediate gradients); without it the graph is freed as the pass goes."""
        from zerograd.torch.autograd.engine import backward
        backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)

    def __repr__(self) -> str:
        from zerograd.torch.printing import tensor_repr
        return tensor_repr(self, self.data)


def _indices(array: Any, method: str, dim: int | None, keepdim: bool) -> Tensor:
    result = getattr(array, method)(axis=dim)
    xp = get_array_module(array)
    result = xp.asarray(result, dtype=np.int64)
    if keepdim and dim is not None:
        result = xp.expand_dims(result, dim)
    return Tensor(result, requires_grad=False)


def _dims(dim: Any) -> Any:
    """PyTorch's ``dim`` (an int, a list or tuple of ints, or None) as an axis argument."""
    return tuple(dim) if isinstance(dim, list) else dim


def _dim(op: str, dim: int, ndim: int) -> int:
    from zerograd.torch.tensor_selection import normalize_dim
    return normalize_dim(op, dim, ndim)


def _refuse_integer_grad(dtype: Any) -> None:
    raise RuntimeError(f"Only Tensors of floating point and complex dtype can require gradients "
                       f"(got dtype {dtype})")


def _legacy_data(args: tuple[Any, ...]) -> Any:
    """The array of PyTorch's legacy constructor: ``Tensor()``, ``Tensor(2, 3)``, ``Tensor(data)``."""
    if not args:
        return np.empty(0, dtype=DEFAULT_FLOAT)
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return np.zeros(tuple(int(a) for a in args), dtype=DEFAULT_FLOAT)
    if len(args) > 1:
        raise TypeError(f"Tensor: expected sizes (ints) or one sequence of data, got {args!r}")
    data = args[0]
    if isinstance(data, Variable):
        data = data.data
    if not isinstance(data, (list, tuple, *ARRAY_TYPES)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    if isinstance(data, ARRAY_TYPES):
        return get_array_module(data).array(data, dtype=DEFAULT_FLOAT)
    return np.array([_data(item) for item in data] if isinstance(data, list) else data,
                    dtype=DEFAULT_FLOAT)


def _operator(function: Any) -> Any:
    def operator(self: Any, other: Any) -> Any:
        return _typed_like_operands(function(self, other), other)

    return operator


def _reflected(function: Any) -> Any:
    def operator(self: Any, other: Any) -> Any:
        return _typed_like_operands(function(other, self), other)

    return operator


def _typed_like_operands(result: Variable, other: Any) -> Any:
    """A Tensor, unless the other operand is a plain Variable: then a plain Variable. Backward
    formulas mix the plain gradients with the Tensors they saved (``gy * x``, and Python asks a
    subclass's reflected operator first), and their results must stay Variables for the engine."""
    if type(other) is not Variable and type(result) is Variable:
        result.__class__ = Tensor
    return result


def _getitem(self: Tensor, index: Any) -> Tensor:
    """Indexing with ints, slices, arrays, Tensors and ranges (``x[range(n), y]``)."""
    return as_tensor_result(CF.get_item(self, array_index(index)))


def _comparison(name: str) -> Any:
    def compare(self: Any, other: Any) -> Tensor:
        return Tensor(getattr(self.data, name)(_data(other)), requires_grad=False)

    return compare


for _name, _function in {"__add__": CF.add, "__radd__": CF.add, "__sub__": CF.sub,
                         "__rsub__": CF.rsub, "__mul__": CF.mul, "__rmul__": CF.mul,
                         "__truediv__": CF.div, "__rtruediv__": CF.rdiv, "__pow__": CF.pow,
                         "__rpow__": CF.rpow, "__matmul__": CF.matmul}.items():
    setattr(Tensor, _name, _operator(_function))  # CF.rsub(x, c) is c - x: no swap needed
Tensor.__rmatmul__ = _reflected(CF.matmul)
Tensor.__getitem__ = _getitem
Tensor.__neg__ = lambda self: as_tensor_result(CF.neg(self))
for _name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
    setattr(Tensor, _name, _comparison(_name))
Tensor.__hash__ = object.__hash__


class Parameter(Tensor, CoreParameter):
    """``nn.Parameter(tensor, requires_grad=True)``: a Tensor that a Module registers."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        array = _data(data)
        if array is None:
            array = np.empty(0, dtype=np.float32)
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)


# Below the class: these modules build Tensors.
from zerograd.torch.autograd.hooks import register_hook  # noqa: E402
from zerograd.torch.tensor_selection import ValuesIndices, extreme, median, sort  # noqa: E402, F401
