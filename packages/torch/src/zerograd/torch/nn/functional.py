"""``torch.nn.functional`` (imported as F) over zerograd's Functions: PyTorch's argument names
(``dim``, ``padding``, ``p``, ``training``), defaults (pooling's stride is the kernel size) and
reductions (losses average over every element, ``reduction='mean'|'sum'|'none'``)."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF
from zerograd.nn import functions as NF
from zerograd.torch.tensor import as_tensor_result
from zerograd.vision import functions as VF

_REDUCTIONS = ("mean", "sum", "none")


def _labels(target: Any) -> Any:
    return target.data if isinstance(target, Variable) else target


def _check_reduction(func: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{func}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduced(func: str, elementwise: Any, reduction: str) -> Any:
    _check_reduction(func, reduction)
    if reduction == "mean":
        return as_tensor_result(CF.mean(elementwise))
    if reduction == "sum":
        return as_tensor_result(CF.sum(elementwise))
    return as_tensor_result(elementwise)


# --- layers as functions ----------------------------------------------------------------------
def linear(input: Any, weight: Any, bias: Any = None) -> Any:  # noqa: A002  (PyTorch's names)
    """y = input weight^T + bias with weight (out, in), PyTorch's layout."""
    return as_tensor_result(NF.linear(input, CF.transpose(weight), bias))


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
           dilation: Any = 1, groups: int = 1) -> Any:
    if isinstance(padding, str):
        raise ValueError(f"conv2d: padding={padding!r} is not supported by zerograd.torch; give "
                         "the padding as an int or a pair")
    return as_tensor_result(VF.conv2d(input, weight, bias, stride, padding, dilation, groups))


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Any:  # noqa: A002
    return as_tensor_result(VF.pooling(input, kernel_size, kernel_size if stride is None else stride,
                                       padding))


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Any:  # noqa: A002
    return as_tensor_result(VF.average_pooling(
        input, kernel_size, kernel_size if stride is None else stride, padding))


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:  # noqa: A002
    """Average pooling to ``output_size``; the input's height and width must be multiples of it
    (where PyTorch's uneven windows would be needed, zerograd.torch raises)."""
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    x = as_variable(input)
    if x.ndim != 4:
        raise ValueError(f"adaptive_avg_pool2d: input must have shape (N, C, H, W), got {x.shape}")
    h, w = x.shape[2:]
    oh, ow = h if oh is None else oh, w if ow is None else ow
    if (oh, ow) == (1, 1):
        return as_tensor_result(VF.global_average_pooling(x, keepdims=True))
    if h % oh or w % ow:
        raise ValueError(f"adaptive_avg_pool2d: an input of {h}x{w} does not divide into "
                         f"{oh}x{ow} equal windows (uneven windows are not supported)")
    return as_tensor_result(VF.average_pooling(x, (h // oh, w // ow), (h // oh, w // ow)))


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:  # noqa: A002
    return as_tensor_result(NF.dropout(input, p, train=bool(training)))


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False) -> Any:
    """softmax(query key^T scale + mask) value; dropout whenever dropout_p > 0, as in PyTorch."""
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    return as_tensor_result(NF.scaled_dot_product_attention(
        query, key, value, attn_mask, dropout_p, is_causal, scale, train=True))


def embedding(input: Any, weight: Any) -> Any:  # noqa: A002
    return as_tensor_result(NF.embed_id(_labels(input), weight))


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,  # noqa: A002
               eps: float = 1e-5) -> Any:
    import numpy as np
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    dtype = as_variable(input).dtype
    gamma = np.ones(shape, dtype) if weight is None else weight
    beta = np.zeros(shape, dtype) if bias is None else bias
    return as_tensor_result(NF.layer_norm(input, gamma, beta, eps))


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:  # noqa: A002
    from zerograd.torch.tensor import Tensor
    x = input if isinstance(input, Tensor) else as_tensor_result(CF.add(as_variable(input), 0))
    return x.flatten(start_dim, end_dim)


# --- activations ------------------------------------------------------------------------------
def relu(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    return as_tensor_result(NF.relu(input))


def sigmoid(input: Any) -> Any:  # noqa: A002
    return as_tensor_result(NF.sigmoid(input))


def tanh(input: Any) -> Any:  # noqa: A002
    return as_tensor_result(CF.tanh(input))


def gelu(input: Any, approximate: str = "none") -> Any:  # noqa: A002
    return as_tensor_result(NF.gelu(input, approximate))


def silu(input: Any, inplace: bool = False) -> Any:  # noqa: A002
    return as_tensor_result(NF.silu(input))


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:  # noqa: A002
    return as_tensor_result(NF.leaky_relu(input, negative_slope))


def softplus(input: Any, beta: float = 1.0) -> Any:  # noqa: A002
    return as_tensor_result(NF.softplus(input, beta))


def _dim(func: str, dim: Any, ndim: int) -> int:
    if dim is None:  # PyTorch's deprecated implicit choice
        return 0 if ndim in (0, 1, 3) else 1
    return dim


def softmax(input: Any, dim: Any = None) -> Any:  # noqa: A002
    x = as_variable(input)
    return as_tensor_result(NF.softmax(x, axis=_dim("softmax", dim, x.ndim)))


def log_softmax(input: Any, dim: Any = None) -> Any:  # noqa: A002
    x = as_variable(input)
    return as_tensor_result(NF.log_softmax(x, axis=_dim("log_softmax", dim, x.ndim)))


# --- losses -----------------------------------------------------------------------------------
def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
    """Softmax cross entropy of logits (N, C) and integer labels (N,); the mean is zerograd's
    fused softmax_cross_entropy."""
    _check_reduction("cross_entropy", reduction)
    if reduction == "mean":
        return as_tensor_result(NF.softmax_cross_entropy(input, _labels(target)))
    return nll_loss(log_softmax(input, dim=1), target, reduction)


def nll_loss(input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
    _check_reduction("nll_loss", reduction)
    return as_tensor_result(NF.nll_loss(input, _labels(target), reduction))


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
    _check_reduction("mse_loss", reduction)
    x, t = as_variable(input), as_variable(target)
    if x.shape != t.shape:
        raise ValueError(f"mse_loss: input of shape {x.shape} and target of shape {t.shape} differ")
    diff = x - t
    return _reduced("mse_loss", diff * diff, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
    return _reduced("l1_loss", CF.abs(as_variable(input) - target), reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
    """Sigmoid cross entropy of logits and targets in [0, 1] of the same shape; zerograd's fused
    sigmoid_cross_entropy sums and divides by N, so 'mean' divides by the rest of the size."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    x = as_variable(input)
    if reduction == "none":
        # log(1 + e^x) - t x, written as softplus(x) - t x
        return as_tensor_result(NF.softplus(x) - x * _labels(target))
    per_sample = NF.sigmoid_cross_entropy(x, _labels(target))  # sum / N
    rest = x.size // x.shape[0] if x.ndim else 1
    if reduction == "mean":
        return as_tensor_result(per_sample / rest if rest != 1 else per_sample)
    return as_tensor_result(per_sample * (x.shape[0] if x.ndim else 1))


def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
    _check_reduction("binary_cross_entropy", reduction)
    p = as_variable(input)
    per_sample = NF.binary_cross_entropy(p, _labels(target))
    rest = p.size // p.shape[0] if p.ndim else 1
    if reduction == "mean":
        return as_tensor_result(per_sample / rest if rest != 1 else per_sample)
    if reduction == "sum":
        return as_tensor_result(per_sample * (p.shape[0] if p.ndim else 1))
    raise ValueError("binary_cross_entropy: reduction='none' is not supported by zerograd.torch")

