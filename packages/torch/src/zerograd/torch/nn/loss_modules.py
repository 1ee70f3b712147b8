"""Loss modules with PyTorch's constructor arguments (``weight``, ``ignore_index``,
``label_smoothing``, ``pos_weight``, margins, the legacy ``size_average``/``reduce``); each
forward is one ``torch.nn.functional`` call, options passed only where they differ from
PyTorch's defaults. A ``weight`` (or ``pos_weight``) is a buffer, saved in state_dict."""

from __future__ import annotations

from typing import Any

from zerograd.torch.nn._calls import call, options
from zerograd.torch.nn.module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss",
           "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss",
           "MSELoss", "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
           "MultiMarginLoss", "NLLLoss", "PoissonNLLLoss", "SmoothL1Loss", "SoftMarginLoss",
           "TripletMarginLoss"]

REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's reading of the deprecated ``size_average`` and ``reduce`` (either given
    overrides ``reduction``): reduce=False -> 'none', size_average=False -> 'sum', else 'mean'."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is not None and not reduce:
        return "none"
    return "sum" if size_average is not None and not size_average else "mean"


class _Loss(Module):
    """A loss over (input, target) or more tensors: ``functional.<function>`` with the
    module's options and reduction."""

    function = ""
    reductions = REDUCTIONS

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 **arguments: Any) -> None:
        super().__init__()
        reduction = legacy_reduction(size_average, reduce, reduction)
        if reduction not in self.reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{', '.join(map(repr, self.reductions))}, got {reduction!r}")
        self.reduction = reduction
        self.arguments = arguments

    def forward(self, *inputs: Any) -> Any:
        return call(type(self).__name__, self.function, *inputs, **self.arguments,
                    **options(reduction=(self.reduction, "mean")))

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` buffer (per class or per element)."""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", **arguments: Any) -> None:
        super().__init__(size_average, reduce, reduction, **arguments)
        self._set_buffer("weight", weight)

    def _set_buffer(self, name: str, tensor: Any) -> None:
        if tensor is None:
            object.__setattr__(self, name, None)
        else:
            self.register_buffer(name, tensor)

    def forward(self, *inputs: Any) -> Any:
        weight = {} if self.weight is None else {"weight": self.weight}
        return call(type(self).__name__, self.function, *inputs, **weight, **self.arguments,
                    **options(reduction=(self.reduction, "mean")))


class L1Loss(_Loss):
    function = "l1_loss"


class MSELoss(_Loss):
    function = "mse_loss"


class SoftMarginLoss(_Loss):
    function = "soft_margin_loss"


class MultiLabelMarginLoss(_Loss):
    function = "multilabel_margin_loss"


class SmoothL1Loss(_Loss):
    function = "smooth_l1_loss"

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction, **options(beta=(beta, 1.0)))


class HuberLoss(_Loss):
    function = "huber_loss"

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(None, None, reduction, **options(delta=(delta, 1.0)))


class KLDivLoss(_Loss):
    function = "kl_div"
    reductions = REDUCTIONS + ("batchmean",)

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction,
                         **options(log_target=(log_target, False)))


class MarginRankingLoss(_Loss):
    function = "margin_ranking_loss"

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, **options(margin=(margin, 0.0)))


class CosineEmbeddingLoss(MarginRankingLoss):
    function = "cosine_embedding_loss"


class TripletMarginLoss(_Loss):
    function = "triplet_margin_loss"

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction,
                         **options(margin=(margin, 1.0), p=(p, 2.0), eps=(eps, 1e-6),
                                   swap=(swap, False)))


class HingeEmbeddingLoss(_Loss):
    function = "hinge_embedding_loss"

    def __init__(self, margin: float = 1.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, **options(margin=(margin, 1.0)))


class GaussianNLLLoss(_Loss):
    function = "gaussian_nll_loss"

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction, **options(full=(full, False), eps=(eps, 1e-6)))


class PoissonNLLLoss(_Loss):
    function = "poisson_nll_loss"

    def __init__(self, log_input: bool = True, full: bool = False, size_average: Any = None,
                 eps: float = 1e-8, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction,
                         **options(log_input=(log_input, True), full=(full, False),
                                   eps=(eps, 1e-8)))


class MultiLabelSoftMarginLoss(_WeightedLoss):
    function = "multilabel_soft_margin_loss"


class BCELoss(_WeightedLoss):
    function = "binary_cross_entropy"


class BCEWithLogitsLoss(_WeightedLoss):
    function = "binary_cross_entropy_with_logits"

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self._set_buffer("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Any:  # noqa: A002  (PyTorch's name)
        extra = {} if self.pos_weight is None else {"pos_weight": self.pos_weight}
        weight = {} if self.weight is None else {"weight": self.weight}
        return call("BCEWithLogitsLoss", self.function, input, target, **weight, **extra,
                    **options(reduction=(self.reduction, "mean")))


class MultiMarginLoss(_WeightedLoss):
    function = "multi_margin_loss"

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None,
                 size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got {p!r}")
        super().__init__(weight, size_average, reduce, reduction,
                         **options(p=(p, 1), margin=(margin, 1.0)))


class NLLLoss(_WeightedLoss):
    function = "nll_loss"

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction,
                         **options(ignore_index=(ignore_index, -100)))


class CrossEntropyLoss(_WeightedLoss):
    function = "cross_entropy"

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0
                 ) -> None:
        super().__init__(weight, size_average, reduce, reduction,
                         **options(ignore_index=(ignore_index, -100),
                                   label_smoothing=(label_smoothing, 0.0)))
