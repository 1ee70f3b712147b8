"""``torch.nn.functional``'s activations with PyTorch's signatures, over zerograd.nn.functions."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF
from zerograd.nn import functions as NF
from zerograd.torch.nn._functional_common import (
    data,
    floating,
    inplace_result,
    integer_exact,
    with_dtype,
)
from zerograd.torch.tensor import as_tensor_result

# PyTorch's parameter is called ``input``: every signature below shadows the builtin on purpose.
# ruff: noqa: A002


def relu(input: Any, inplace: bool = False) -> Any:
    exact = integer_exact(NF.relu, input)
    return exact if exact is not None else inplace_result(input, NF.relu(input), inplace)


def relu6(input: Any, inplace: bool = False) -> Any:
    exact = integer_exact(NF.relu6, input)
    return exact if exact is not None else inplace_result(input, NF.relu6(input), inplace)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    return inplace_result(input, NF.elu(input, alpha), inplace)


def selu(input: Any, inplace: bool = False) -> Any:
    return inplace_result(input, NF.selu(input), inplace)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    return inplace_result(input, NF.celu(input, alpha), inplace)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    return inplace_result(input, NF.leaky_relu(input, negative_slope), inplace)


def prelu(input: Any, weight: Any) -> Any:
    return as_tensor_result(NF.prelu(input, weight))


def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Any:
    return inplace_result(input, NF.rrelu(input, lower, upper, train=bool(training)), inplace)


def glu(input: Any, dim: int = -1) -> Any:
    return as_tensor_result(NF.glu(input, dim))


def gelu(input: Any, approximate: str = "none") -> Any:
    return as_tensor_result(NF.gelu(input, approximate))


def logsigmoid(input: Any) -> Any:
    return as_tensor_result(NF.logsigmoid(input))


def hardshrink(input: Any, lambd: float = 0.5) -> Any:
    return as_tensor_result(NF.hardshrink(input, lambd))


def tanhshrink(input: Any) -> Any:
    return as_tensor_result(NF.tanhshrink(floating(input)))


def softsign(input: Any) -> Any:
    return as_tensor_result(NF.softsign(floating(input)))


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    return as_tensor_result(NF.softplus_threshold(input, beta, threshold))


def softshrink(input: Any, lambd: float = 0.5) -> Any:
    return as_tensor_result(NF.softshrink(input, lambd))


def tanh(input: Any) -> Any:
    return as_tensor_result(CF.tanh(input))


def sigmoid(input: Any) -> Any:
    return as_tensor_result(NF.sigmoid(input))


def hardsigmoid(input: Any, inplace: bool = False) -> Any:
    return inplace_result(input, NF.hardsigmoid(input), inplace)


def silu(input: Any, inplace: bool = False) -> Any:
    return inplace_result(input, NF.silu(input), inplace)


def mish(input: Any, inplace: bool = False) -> Any:
    return inplace_result(input, NF.mish(input), inplace)


def hardswish(input: Any, inplace: bool = False) -> Any:
    return inplace_result(input, NF.hardswish(input), inplace)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Any:
    exact = integer_exact(NF.hardtanh, input, min_val, max_val)
    if exact is not None:
        return exact
    return inplace_result(input, NF.hardtanh(input, min_val, max_val), inplace)


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Any:
    exact = integer_exact(NF.threshold, input, threshold, value)
    if exact is not None:
        return exact
    return inplace_result(input, NF.threshold(input, threshold, value), inplace)


def relu_(input: Any) -> Any:
    return relu(input, inplace=True)


def elu_(input: Any, alpha: float = 1.0) -> Any:
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Any, negative_slope: float = 0.01) -> Any:
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Any, min_val: float = -1.0, max_val: float = 1.0) -> Any:
    return hardtanh(input, min_val, max_val, inplace=True)


# --- softmax family: dim=None takes PyTorch's deprecated implicit choice --------------------------
def _implicit_dim(dim: Any, ndim: int) -> int:
    if dim is None:
        return 0 if ndim in (0, 1, 3) else 1
    return dim


def _along(native: Any, input: Any, dim: Any, dtype: Any) -> Any:
    x = with_dtype(input, dtype)
    dim = _implicit_dim(dim, x.ndim)
    if x.ndim == 0:  # a 0-d input is a vector of one along dim 0 or -1
        if dim not in (0, -1):
            raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
        return as_tensor_result(CF.reshape(native(CF.reshape(x, (1,)), 0), ()))
    return as_tensor_result(native(x, dim))


def softmax(input: Any, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    return _along(NF.softmax, input, dim, dtype)


def softmin(input: Any, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    return _along(NF.softmin, input, dim, dtype)


def log_softmax(input: Any, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    return _along(NF.log_softmax, input, dim, dtype)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Any:
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported by zerograd.torch")
    x = as_variable(input)
    if x.ndim == 0:  # PyTorch normalizes a 0-d input as a vector of one
        return as_tensor_result(CF.reshape(NF.normalize(CF.reshape(x, (1,)), p, 0, eps), ()))
    return as_tensor_result(NF.normalize(x, p, dim, eps))


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    return as_tensor_result(NF.cosine_similarity(floating(x1), floating(x2), dim, eps))


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Any:
    return as_tensor_result(NF.pairwise_distance(floating(x1), floating(x2), p, eps, keepdim))


def pdist(input: Any, p: float = 2) -> Any:
    return as_tensor_result(NF.pdist(floating(input), p))


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Any:
    def native(x1: Any, x2: Any, w: Any, *b: Any) -> Any:
        return NF.bilinear(x1, x2, w, *b)

    integer = [input2, weight] + ([] if bias is None else [bias])
    exact = integer_exact(native, input1, *(Variable(data(v).astype("float64"), requires_grad=False)
                                           for v in integer))
    return exact if exact is not None else as_tensor_result(NF.bilinear(input1, input2, weight, bias))
