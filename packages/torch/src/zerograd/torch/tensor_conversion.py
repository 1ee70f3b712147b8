"""Tensor's conversions: to NumPy and Python (``numpy``, ``tolist``, ``float()``, ``int()``,
``bool()``, ``__index__``), to other dtypes and devices (``to``, ``float``, ``long``, ``cuda``...),
``detach`` and ``clone``. A mixin of Tensor, with no state of its own."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.core.cuda import as_cupy, as_numpy


def _tensor(array: Any, requires_grad: bool = False) -> Any:
    from zerograd.torch.tensor import Tensor
    return Tensor(array, requires_grad=requires_grad)


def _result(value: Any) -> Any:
    from zerograd.torch.tensor import as_tensor_result
    return as_tensor_result(value)


def _one_element(tensor: Any, what: str) -> Any:
    if tensor.data.size != 1:
        if what == "bool":
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {tuple(tensor.data.shape)})")
        raise RuntimeError(f"a Tensor with {tensor.data.size} elements cannot be converted to "
                           f"Scalar ({what}() of a tensor of shape {tuple(tensor.data.shape)})")
    return tensor.data.reshape(()).item()



class ConversionMethods:
    """The conversion half of Tensor's methods."""

    __slots__ = ()

    def numpy(self) -> Any:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def float(self) -> Any:
        return self.to(np.float32)

    def double(self) -> Any:
        return self.to(np.float64)

    def long(self) -> Any:
        return self.to(np.int64)

    def int(self) -> Any:
        return self.to(np.int32)

    def bool(self) -> Any:
        return self.to(np.bool_)

    def type_as(self, other: Variable) -> Any:
        return self.to(other.data.dtype)

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        from zerograd.torch.devices import split_to_arguments
        device, dtype = split_to_arguments(args, kwargs)
        result = self
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            if np.issubdtype(np.dtype(dtype), np.floating) and self.requires_grad:
                result = _result(CF.astype(self, dtype))
            else:
                result = _tensor(self.data.astype(dtype))
        if device is not None:
            convert = as_cupy if device.type == "cuda" else as_numpy
            moved = convert(result.data)
            if moved is not result.data:
                result = _tensor(moved, result.requires_grad)
        return result

    def cuda(self) -> Any:
        return self.to("cuda")

    def cpu(self) -> Any:
        return self.to("cpu")

    def detach(self) -> Any:
        """A tensor sharing this one's memory, cut from the graph."""
        return _tensor(self.data)

    def detach_(self) -> Any:
        self.creator = None
        self.requires_grad = False
        return self

    def clone(self) -> Any:
        return _result(CF.add(self, 0) if self.requires_grad else
                                _tensor(self.data.copy()))

    def __float__(self) -> float:
        return float(_one_element(self, "float"))

    def __int__(self) -> int:
        return int(_one_element(self, "int"))

    def __bool__(self) -> bool:
        return bool(_one_element(self, "bool"))

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(_one_element(self, "index"))

    def __complex__(self) -> complex:
        return complex(_one_element(self, "complex"))
