"""``torch.nn.functional``'s losses with PyTorch's signatures (the deprecated ``size_average``
and ``reduce`` flags included), over zerograd.nn.functions' PyTorch-style losses."""

from __future__ import annotations

from typing import Any

from zerograd.core import as_variable
from zerograd.core import functions as CF
from zerograd.nn import functions as NF
from zerograd.torch.nn._functional_common import data, floating, reduction_of
from zerograd.torch.tensor import as_tensor_result

# ruff: noqa: A002  (PyTorch's parameter is called ``input``)


def _pointwise(func: str, native: Any, input: Any, target: Any, reduction: str, weight: Any,
               *args: Any) -> Any:
    """A pointwise native loss, reduced; with a weight of input's shape the elementwise loss is
    weighted and 'mean' divides by sum(weight), as PyTorch's weighted mse/l1/huber do."""
    if weight is None:
        return as_tensor_result(native(input, target, *args, reduction=reduction))
    if tuple(as_variable(weight).shape) != tuple(as_variable(input).shape):
        raise ValueError(f"{func}: weights and input must have the same size, got "
                         f"{tuple(as_variable(weight).shape)} and {tuple(as_variable(input).shape)}")
    loss = native(input, target, *args, reduction="none") * weight
    if reduction == "none":
        return as_tensor_result(loss)
    total = CF.sum(loss)
    return as_tensor_result(total / CF.sum(as_variable(weight)) if reduction == "mean" else total)


def cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Any:
    return as_tensor_result(NF.cross_entropy(
        input, target, data(weight), ignore_index,
        reduction_of(size_average, reduce, reduction), label_smoothing))


def nll_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Any:
    return as_tensor_result(NF.nll_loss(input, data(target),
                                        reduction_of(size_average, reduce, reduction),
                                        weight=data(weight), ignore_index=ignore_index))


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Any:
    return as_tensor_result(NF.bce_loss(input, target, weight,
                                        reduction_of(size_average, reduce, reduction)))


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    return as_tensor_result(NF.bce_with_logits_loss(
        input, target, weight, pos_weight, reduction_of(size_average, reduce, reduction)))


def mse_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Any:
    return _pointwise("mse_loss", NF.mse_loss, input, target,
                      reduction_of(size_average, reduce, reduction), weight)


def l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Any = None) -> Any:
    return _pointwise("l1_loss", NF.l1_loss, input, target,
                      reduction_of(size_average, reduce, reduction), weight)


def smooth_l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Any:
    return as_tensor_result(NF.smooth_l1_loss(input, target,
                                              reduction_of(size_average, reduce, reduction), beta))


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Any:
    return _pointwise("huber_loss", NF.huber_loss, input, target, reduction, weight, delta)


def kl_div(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Any:
    return as_tensor_result(NF.kl_div(input, target, reduction_of(size_average, reduce, reduction),
                                      log_target))


def poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Any:
    return as_tensor_result(NF.poisson_nll_loss(floating(input), floating(target), log_input, full, eps,
                                                reduction_of(size_average, reduce, reduction)))


def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Any:
    if isinstance(var, (int, float)):
        x = as_variable(input)
        var = x.data.dtype.type(var) * (x.data * 0 + 1)
    return as_tensor_result(NF.gaussian_nll_loss(input, target, var, full, eps, reduction))


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0,
                        size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Any:
    return as_tensor_result(NF.margin_ranking_loss(
        floating(input1), floating(input2), floating(target), margin,
        reduction_of(size_average, reduce, reduction)))


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Any:
    return as_tensor_result(NF.hinge_embedding_loss(
        input, data(target), margin, reduction_of(size_average, reduce, reduction)))


def soft_margin_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Any:
    return as_tensor_result(NF.soft_margin_loss(input, target,
                                                reduction_of(size_average, reduce, reduction)))


def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None,
                                size_average: Any = None, reduce: Any = None,
                                reduction: str = "mean") -> Any:
    return as_tensor_result(NF.multilabel_soft_margin_loss(
        input, target, weight, reduction_of(size_average, reduce, reduction)))


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Any:
    return as_tensor_result(NF.cosine_embedding_loss(
        floating(input1), floating(input2), data(target), margin,
        reduction_of(size_average, reduce, reduction)))


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Any:
    return as_tensor_result(NF.triplet_margin_loss(
        floating(anchor), floating(positive), floating(negative), margin, p, eps, swap,
        reduction_of(size_average, reduce, reduction)))


def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                      size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Any:
    return as_tensor_result(NF.multi_margin_loss(
        input, data(target), p, margin, data(weight), reduction_of(size_average, reduce, reduction)))
