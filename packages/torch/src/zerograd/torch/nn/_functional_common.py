"""What the split modules of ``nn.functional`` share: results as Tensors, PyTorch's legacy
``size_average``/``reduce`` arguments, ``inplace``, unbatched inputs and dtype arguments."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF
from zerograd.torch.tensor import Tensor, as_tensor_result


def data(value: Any) -> Any:
    """The array of a Tensor, or the value itself."""
    return value.data if isinstance(value, Variable) else value


def constant(array: Any) -> Tensor:
    """A Tensor that needs no gradient (indices, one-hot rows)."""
    return Tensor(array, requires_grad=False)


def reduction_of(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's _Reduction.legacy_get_string: the deprecated flags override ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def inplace_result(input: Any, result: Variable, inplace: bool) -> Any:  # noqa: A002
    """``result`` as a Tensor; with ``inplace`` the input's array takes its values too when the
    input is outside autograd (a leaf needing no gradient), as PyTorch's in-place variants do.
    Inside a graph the result stays a new Tensor, so the graph stays correct."""
    result = as_tensor_result(result)
    if (inplace and isinstance(input, Variable) and input.creator is None
            and not input.requires_grad and input.data.dtype == result.data.dtype):
        input.data[...] = result.data
    return result


def with_dtype(input: Any, dtype: Any) -> Variable:  # noqa: A002
    """The input as a Variable, cast to ``dtype`` first when one is given (softmax's argument)."""
    x = as_variable(input)
    if dtype is None or np.dtype(dtype) == x.dtype:
        return x
    return CF.astype(x, np.dtype(dtype))


def batched(input: Any, spatial: int) -> tuple[Variable, bool]:  # noqa: A002
    """An input of (C, *spatial) as a batch of one (N, C, *spatial), and whether it was one."""
    x = as_variable(input)
    if x.ndim == spatial + 1:
        return CF.expand_dims(x, 0), True
    if x.ndim != spatial + 2:
        raise ValueError(f"expected an input of {spatial + 1} or {spatial + 2} dimensions "
                         f"((C, ...) or (N, C, ...)), got shape {x.shape}")
    return x, False


def unbatched(y: Any, was_single: bool) -> Any:
    """Undo ``batched`` on a result (or a (values, indices) pair)."""
    if not was_single:
        return y
    if isinstance(y, tuple):
        return tuple(unbatched(v, True) for v in y)
    if isinstance(y, Variable):
        return as_tensor_result(CF.squeeze(y, 0))
    return y[0]


def tuple_of(value: Any, n: int, name: str, func: str) -> tuple[int, ...]:
    """An int or a sequence of n ints as a tuple of n ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"{func}: {name} must be an int or {n} ints, got {value}")
    return value


def floating(value: Any) -> Any:
    """An integer or bool tensor as float32 (PyTorch's default float type, which its losses
    and distances compute integer inputs in); anything else unchanged."""
    array = data(value)
    kind = getattr(getattr(array, "dtype", None), "kind", "f")
    if kind in "iub":
        return Tensor(array.astype(np.float32), requires_grad=False)
    return value


def integer_exact(native: Any, input: Any, *args: Any) -> Any:  # noqa: A002
    """``native`` on an integer tensor, computed in float64 (exact for the piecewise-linear
    activations PyTorch keeps integral) and returned in the input's integer dtype; None when
    the input is not an integer tensor."""
    array = data(input)
    if getattr(getattr(array, "dtype", None), "kind", "f") not in "iu":
        return None
    result = native(Variable(array.astype(np.float64), requires_grad=False), *args).data
    return Tensor(result.astype(array.dtype), requires_grad=False)
