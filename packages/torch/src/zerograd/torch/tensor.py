"""Tensor: zerograd's Variable with PyTorch's method names, and the Parameter of ``torch.nn``.

A subclass, not a patch: code using zerograd's own API never sees these methods. Every operation
on a Tensor runs zerograd's Function and hands its fresh output back as a Tensor by changing the
output's class (the layouts are identical), so chains such as ``x.view(-1, 784).exp().sum(1)`` work
at the price of one attribute store per operation.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from zerograd.core import Config, Variable
from zerograd.core import Parameter as CoreParameter
from zerograd.core import functions as CF
from zerograd.core.cuda import as_cupy, as_numpy, get_array_module
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


class SizeAndCount(int):
    """``x.size``: PyTorch's ``x.size()`` / ``x.size(dim)`` (the shape) and, for zerograd's own
    code that reads ``x.size`` as NumPy does, the number of elements, in one object."""

    def __new__(cls, shape: tuple[int, ...], count: int) -> SizeAndCount:
        value = super().__new__(cls, count)
        value.shape = shape
        return value

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]


class ValuesIndices(NamedTuple):
    """What ``max(dim)`` and ``min(dim)`` return, as torch.return_types.max does."""

    values: Any
    indices: Any


class Tensor(TensorMethods, Variable):
    """zerograd's Variable under PyTorch's names (see the package README for what differs)."""

    __slots__ = ()

    # --- the gradient: a leaf's grad is a Tensor too, so ``w.grad.zero_()`` works ----------------
    @property
    def grad(self) -> Any:
        return _GRAD_SLOT.__get__(self, Tensor)

    @grad.setter
    def grad(self, value: Any) -> None:
        # Only a leaf's gradient is retyped (a copy of the reference, sharing the array): the
        # gradient of a non-leaf may still be flowing through the backward pass as a Variable.
        if type(value) is Variable and self.creator is None:
            tensor = Tensor(value.data, requires_grad=False)
            value = tensor
        _GRAD_SLOT.__set__(self, value)

    # --- sizes ------------------------------------------------------------------------------------
    @property
    def size(self) -> SizeAndCount:  # type: ignore[override]
        return SizeAndCount(self.data.shape, self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return self.data.size

    @property
    def device(self) -> Any:
        from zerograd.torch.devices import device_of
        return device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    # --- shape ------------------------------------------------------------------------------------
    def view(self, *shape: Any) -> Tensor:
        return as_tensor_result(CF.reshape(self, _sizes(shape)))

    reshape = view

    def t(self) -> Tensor:
        if self.data.ndim > 2:
            raise ValueError(f"Tensor.t: expects a tensor with at most 2 dimensions, got {self.data.ndim}")
        return as_tensor_result(CF.transpose(self))

    @property
    def T(self) -> Tensor:  # noqa: N802  (PyTorch's name)
        return as_tensor_result(CF.transpose(self))

    def transpose(self, *dims: Any) -> Tensor:
        """PyTorch's ``transpose(dim0, dim1)`` swaps two dimensions; NumPy's forms (no argument,
        or every axis), which zerograd's own code may use, still work."""
        if len(dims) == 2 and self.data.ndim != 2:
            return as_tensor_result(CF.swapaxes(self, *dims))
        return as_tensor_result(Variable.transpose(self, *dims))

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
        return self

    # --- reductions: ``dim``/``keepdim`` for NumPy's axis/keepdims -------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool = False) -> Tensor:
        return as_tensor_result(CF.sum(self, dim if axis is None else axis, keepdim or keepdims))

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool = False) -> Tensor:
        return as_tensor_result(CF.mean(self, dim if axis is None else axis, keepdim or keepdims))

    def max(self, dim: int | None = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool = False) -> Any:
        if axis is not None or keepdims:  # NumPy's spelling, as zerograd's own code uses it
            return as_tensor_result(CF.max(self, axis, keepdims))
        return _extreme(self, CF.max, "argmax", dim, keepdim)

    def min(self, dim: int | None = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool = False) -> Any:
        if axis is not None or keepdims:  # NumPy's spelling, as zerograd's own code uses it
            return as_tensor_result(CF.min(self, axis, keepdims))
        return _extreme(self, CF.min, "argmin", dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _indices(self.data, "argmax", dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _indices(self.data, "argmin", dim, keepdim)

    # --- elementwise ------------------------------------------------------------------------------
    def exp(self) -> Tensor:
        return as_tensor_result(CF.exp(self))

    def log(self) -> Tensor:
        return as_tensor_result(CF.log(self))

    def sqrt(self) -> Tensor:
        return as_tensor_result(CF.sqrt(self))

    def abs(self) -> Tensor:
        return as_tensor_result(CF.abs(self))

    def tanh(self) -> Tensor:
        return as_tensor_result(CF.tanh(self))

    def pow(self, exponent: Any) -> Tensor:
        return as_tensor_result(CF.pow(self, exponent))

    def matmul(self, other: Any) -> Tensor:
        return as_tensor_result(CF.matmul(self, other))

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002  (PyTorch's names)
        low = -np.inf if min is None else min
        high = np.inf if max is None else max
        return as_tensor_result(CF.clip(self, low, high))

    # --- values and types -------------------------------------------------------------------------
    def numpy(self) -> Any:
        if Config.enable_backprop and self.requires_grad:
            raise RuntimeError("Tensor.numpy: can't call numpy() on a Tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def type_as(self, other: Variable) -> Tensor:
        return self.to(other.data.dtype)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        from zerograd.torch.devices import split_to_arguments
        device, dtype = split_to_arguments(args, kwargs)
        result = self
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            if np.issubdtype(np.dtype(dtype), np.floating) and self.requires_grad:
                result = as_tensor_result(CF.astype(self, dtype))
            else:
                result = Tensor(self.data.astype(dtype), requires_grad=False)
        if device is not None:
            convert = as_cupy if device.type == "cuda" else as_numpy
            moved = convert(result.data)
            if moved is not result.data:
                result = Tensor(moved, requires_grad=result.requires_grad)
        return result

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def detach(self) -> Tensor:
        return Tensor(self.data, requires_grad=False)

    def clone(self) -> Tensor:
        return as_tensor_result(CF.add(self, 0))

    def zero_(self) -> Tensor:
        self.data[...] = 0
        return self

    def fill_(self, value: Any) -> Tensor:
        self.data[...] = value
        return self

    def copy_(self, source: Any) -> Tensor:
        self.data[...] = _data(source)
        return self

    def backward(self, gradient: Any = None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        seeded = _GRAD_SLOT.__get__(self, Tensor) is not None  # zerograd's way: grad set first
        if gradient is None and self.data.size != 1 and not seeded:
            raise RuntimeError(f"Tensor.backward: grad can be implicitly created only for scalar "
                               f"outputs, got a tensor of shape {tuple(self.data.shape)}")
        if gradient is not None:
            _GRAD_SLOT.__set__(self, Variable(get_array_module(self.data).asarray(_data(gradient)),
                                              requires_grad=False))
        Variable.backward(self, retain_grad=retain_graph, create_graph=create_graph)

    def __repr__(self) -> str:
        if self.data is None:
            return "tensor(None)"
        body = np.array2string(as_numpy(self.data), separator=", ", prefix="tensor(")
        grad = ", requires_grad=True" if self.requires_grad and self.creator is None else ""
        return f"tensor({body}{grad})"

    # --- operators --------------------------------------------------------------------------------
    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place("__iadd__", CF.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place("__isub__", CF.sub, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place("__imul__", CF.mul, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place("__itruediv__", CF.div, other)

    def _in_place(self, name: str, function: Any, other: Any) -> Tensor:
        """Under no_grad the data changes in place and the object stays (the parameter-update
        idiom); while a graph is recorded the result is a new Tensor, as in the book."""
        if Config.enable_backprop:
            return as_tensor_result(function(self, other))
        getattr(self.data, name)(_data(other))
        return self


def _indices(array: Any, method: str, dim: int | None, keepdim: bool) -> Tensor:
    result = getattr(array, method)(axis=dim)
    xp = get_array_module(array)
    result = xp.asarray(result, dtype=np.int64)
    if keepdim and dim is not None:
        result = xp.expand_dims(result, dim)
    return Tensor(result, requires_grad=False)


def _extreme(x: Tensor, reduce: Any, method: str, dim: int | None, keepdim: bool) -> Any:
    """``x.max()``: the largest value; ``x.max(dim)``: (values, indices) along ``dim``."""
    values = as_tensor_result(reduce(x, dim, keepdim))
    if dim is None:
        return values
    return ValuesIndices(values, _indices(x.data, method, dim, keepdim))


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


def _index_part(part: Any) -> Any:
    if isinstance(part, Variable):
        return part.data
    if isinstance(part, range):
        return np.arange(part.start, part.stop, part.step)
    return part


def _getitem(self: Tensor, index: Any) -> Tensor:
    """Indexing with ints, slices, arrays, Tensors and ranges (``x[range(n), y]``)."""
    if type(index) is tuple:
        index = tuple(_index_part(part) for part in index)
    else:
        index = _index_part(index)
    return as_tensor_result(CF.get_item(self, index))


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
