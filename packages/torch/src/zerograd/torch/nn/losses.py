"""The loss modules of ``torch.nn``: each stores its constructor's arguments (PyTorch's names,
order and defaults, class weights as buffers) and calls the function of ``nn.functional``.

Each class is made by ``_loss`` from one line of the table below: the constructor's PyTorch
signature (it also binds the arguments, so positional and keyword calls work as in PyTorch), the
names forward takes, and the function it calls.
"""

from __future__ import annotations

import inspect
from typing import Any

from zerograd.torch.nn import functional as F
from zerograd.torch.nn._functional_common import reduction_of
from zerograd.torch.nn.module import Module

_LEGACY = (("size_average", None), ("reduce", None))
_REDUCE = _LEGACY + (("reduction", "mean"),)
_BUFFERS = ("weight", "pos_weight")


def _signature(params: tuple[tuple[str, Any], ...], keyword_only: tuple[str, ...]) -> inspect.Signature:
    kinds = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY if name in keyword_only
                               else inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
             for name, default in params]
    return inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *kinds])


def _loss(name: str, function: Any, params: tuple[tuple[str, Any], ...],
          inputs: tuple[str, ...] = ("input", "target"), keyword_only: tuple[str, ...] = ()) -> type:
    signature = _signature(params, keyword_only)

    def __init__(self: Module, *args: Any, **kwargs: Any) -> None:
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as err:
            raise TypeError(f"{name}{str(signature).replace('self, ', '')}: {err}") from None
        bound.apply_defaults()
        Module.__init__(self)
        for key, value in list(bound.arguments.items())[1:]:
            if key in _BUFFERS and value is not None:
                self.register_buffer(key, value)
            else:
                setattr(self, key, value)
        if "reduction" in bound.arguments:  # the deprecated flags decide once, as in PyTorch
            self.reduction = reduction_of(bound.arguments.get("size_average"),
                                          bound.arguments.get("reduce"), self.reduction)

    def forward(self: Module, *args: Any) -> Any:
        if len(args) != len(inputs):
            raise TypeError(f"{name}.forward takes {', '.join(inputs)}, got {len(args)} values")
        options = {key: getattr(self, key) for key, _ in params
                   if key not in ("size_average", "reduce")}
        return function(*args, **options)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    doc = f"nn.{name}{str(signature).replace('self, ', '')}: F.{function.__name__} as a module."
    return type(name, (Module,), {"__init__": __init__, "forward": forward, "__doc__": doc})


CrossEntropyLoss = _loss("CrossEntropyLoss", F.cross_entropy, (
    ("weight", None), ("size_average", None), ("ignore_index", -100), ("reduce", None),
    ("reduction", "mean"), ("label_smoothing", 0.0)))
NLLLoss = _loss("NLLLoss", F.nll_loss, (
    ("weight", None), ("size_average", None), ("ignore_index", -100), ("reduce", None),
    ("reduction", "mean")))
BCELoss = _loss("BCELoss", F.binary_cross_entropy, (("weight", None),) + _REDUCE)
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", F.binary_cross_entropy_with_logits,
                          (("weight", None),) + _REDUCE + (("pos_weight", None),))
MSELoss = _loss("MSELoss", F.mse_loss, _REDUCE)
L1Loss = _loss("L1Loss", F.l1_loss, _REDUCE)
SmoothL1Loss = _loss("SmoothL1Loss", F.smooth_l1_loss, _REDUCE + (("beta", 1.0),))
HuberLoss = _loss("HuberLoss", F.huber_loss, (("reduction", "mean"), ("delta", 1.0)))
KLDivLoss = _loss("KLDivLoss", F.kl_div, _REDUCE + (("log_target", False),))
PoissonNLLLoss = _loss("PoissonNLLLoss", F.poisson_nll_loss, (
    ("log_input", True), ("full", False), ("size_average", None), ("eps", 1e-8),
    ("reduce", None), ("reduction", "mean")))
GaussianNLLLoss = _loss("GaussianNLLLoss", F.gaussian_nll_loss, (
    ("full", False), ("eps", 1e-6), ("reduction", "mean")), ("input", "target", "var"),
    keyword_only=("full", "eps", "reduction"))
MarginRankingLoss = _loss("MarginRankingLoss", F.margin_ranking_loss,
                          (("margin", 0.0),) + _REDUCE, ("input1", "input2", "target"))
HingeEmbeddingLoss = _loss("HingeEmbeddingLoss", F.hinge_embedding_loss,
                           (("margin", 1.0),) + _REDUCE)
SoftMarginLoss = _loss("SoftMarginLoss", F.soft_margin_loss, _REDUCE)
MultiLabelSoftMarginLoss = _loss("MultiLabelSoftMarginLoss", F.multilabel_soft_margin_loss,
                                 (("weight", None),) + _REDUCE)
CosineEmbeddingLoss = _loss("CosineEmbeddingLoss", F.cosine_embedding_loss,
                            (("margin", 0.0),) + _REDUCE, ("input1", "input2", "target"))
TripletMarginLoss = _loss("TripletMarginLoss", F.triplet_margin_loss, (
    ("margin", 1.0), ("p", 2.0), ("eps", 1e-6), ("swap", False)) + _REDUCE,
    ("anchor", "positive", "negative"))
MultiMarginLoss = _loss("MultiMarginLoss", F.multi_margin_loss, (
    ("p", 1), ("margin", 1.0), ("weight", None)) + _REDUCE)
