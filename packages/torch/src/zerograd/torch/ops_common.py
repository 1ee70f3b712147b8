"""What every facade op wrapper shares: taking inputs as Tensors, handing results back as
Tensors (differentiable or not), PyTorch's ``dim`` arguments, and type promotion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.core.cuda import get_array_module
from zerograd.torch.promotion import cast, float_result_type, result_type
from zerograd.torch.tensor import Tensor, as_tensor_result


def tensor_of(x: Any) -> Tensor:
    """x as a Tensor (numbers and arrays become tensors that do not require grad)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Variable):
        result = Tensor(x.data, requires_grad=x.requires_grad)
        return result
    if isinstance(x, (bool, int, float)):
        from zerograd.torch.creation import tensor
        return tensor(x)
    return Tensor(np.asarray(x), requires_grad=False)


def data_of(x: Any) -> Any:
    return x.data if isinstance(x, Variable) else x


def result(value: Any) -> Any:
    """A Function's output (or a list/tuple of them) as Tensors; arrays as constant Tensors."""
    if isinstance(value, Variable):
        return as_tensor_result(value) if type(value) is Variable else value
    if isinstance(value, (list, tuple)):
        return type(value)(result(v) for v in value)
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        xp = get_array_module(value)
        return Tensor(xp.asarray(value), requires_grad=False)
    return value


def constant(array: Any) -> Tensor:
    """An array as a Tensor that does not require grad."""
    return Tensor(get_array_module(array).asarray(array), requires_grad=False)


def dims(dim: Any) -> Any:
    """PyTorch's dim argument (an int, a list, a tuple, or None) as zerograd's axis."""
    if isinstance(dim, list):
        return tuple(dim)
    if isinstance(dim, tuple) and len(dim) == 0:
        return None
    return dim


def elementwise(native: Callable[..., Any], *operands: Any, to_float: bool = False) -> Tensor:
    """native(*operands) after PyTorch's promotion of them (ints to the default float when
    ``to_float``)."""
    dtype = float_result_type(*operands) if to_float else result_type(*operands)
    cast_operands = [cast(v, dtype) for v in operands]
    out = result(native(*cast_operands))
    if isinstance(out, Tensor) and out.data.dtype != dtype and out.data.dtype.kind == dtype.kind:
        out = Tensor(out.data.astype(dtype), requires_grad=False) if not out.requires_grad \
            else result(_astype(out, dtype))
    return out


def _astype(x: Any, dtype: Any) -> Any:
    from zerograd.core import functions as CF
    return CF.astype(x, dtype)


def no_grad_elementwise(function: Callable[..., Any], *operands: Any,
                        promote: bool = True) -> Tensor:
    """A NumPy function of promoted operand arrays, as a Tensor without gradient."""
    if promote:
        dtype = result_type(*operands)
        arrays = [data_of(cast(v, dtype)) for v in operands]
    else:
        arrays = [data_of(v) for v in operands]
    return constant(function(*arrays))
