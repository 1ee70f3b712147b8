"""The functions of the ``torch`` namespace (``torch.exp``, ``torch.cat``, ...) over zerograd's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF
from zerograd.nn import functions as NF
from zerograd.torch.tensor import Tensor, as_tensor_result


def _tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    variable = as_variable(x)
    return Tensor(variable.data, requires_grad=variable.requires_grad) if type(variable) is Variable \
        else variable


def _elementwise(function: Callable[[Any], Any]) -> Callable[[Any], Tensor]:
    """torch.<name>(x) for zerograd's function of one input: the same result, as a Tensor."""

    def torch_function(x: Any) -> Tensor:
        return as_tensor_result(function(x))

    torch_function.__name__ = torch_function.__qualname__ = function.__name__
    torch_function.__doc__ = f"torch.{function.__name__}(x), computed by zerograd's {function.__name__}."
    return torch_function


exp = _elementwise(CF.exp)
log = _elementwise(CF.log)
sqrt = _elementwise(CF.sqrt)
abs = _elementwise(CF.abs)  # noqa: A001  (PyTorch's name)
tanh = _elementwise(CF.tanh)
sigmoid = _elementwise(NF.sigmoid)
relu = _elementwise(NF.relu)


def softmax(x: Any, dim: int) -> Tensor:
    return as_tensor_result(NF.softmax(x, axis=dim))


def matmul(a: Any, b: Any) -> Tensor:
    return as_tensor_result(CF.matmul(a, b))


def sum(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _tensor(x).sum(dim, keepdim)


def mean(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
    return _tensor(x).mean(dim, keepdim)


def max(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    return _tensor(x).max(dim, keepdim)


def min(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    return _tensor(x).min(dim, keepdim)


def argmax(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _tensor(x).argmax(dim, keepdim)


def argmin(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _tensor(x).argmin(dim, keepdim)


def unsqueeze(x: Any, dim: int) -> Tensor:
    return _tensor(x).unsqueeze(dim)


def squeeze(x: Any, dim: int | None = None) -> Tensor:
    return _tensor(x).squeeze(dim)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _tensor(x).flatten(start_dim, end_dim)


def clamp(x: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return _tensor(x).clamp(min, max)


def numel(x: Any) -> int:
    return _tensor(x).numel()


def cat(tensors: Any, dim: int = 0) -> Tensor:
    return as_tensor_result(CF.concat(list(tensors), axis=dim))


def stack(tensors: Any, dim: int = 0) -> Tensor:
    return as_tensor_result(CF.stack(list(tensors), axis=dim))


def where(condition: Any, x: Any, y: Any) -> Tensor:
    condition = condition.data if isinstance(condition, Variable) else condition
    return as_tensor_result(CF.where(condition, x, y))
