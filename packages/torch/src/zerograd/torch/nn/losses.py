"""The loss modules: each holds a ``reduction`` and calls the function of ``nn.functional``."""

from __future__ import annotations

from typing import Any

from zerograd.torch.nn import functional as F
from zerograd.torch.nn.module import Module


def _loss(name: str, function: Any) -> type:
    def __init__(self: Module, reduction: str = "mean") -> None:
        Module.__init__(self)
        self.reduction = reduction

    def forward(self: Module, input: Any, target: Any) -> Any:  # noqa: A002  (PyTorch's name)
        return function(input, target, reduction=self.reduction)

    return type(name, (Module,), {"__init__": __init__, "forward": forward,
                                  "__doc__": f"nn.{name}: F.{function.__name__} as a module."})


CrossEntropyLoss = _loss("CrossEntropyLoss", F.cross_entropy)
NLLLoss = _loss("NLLLoss", F.nll_loss)
MSELoss = _loss("MSELoss", F.mse_loss)
L1Loss = _loss("L1Loss", F.l1_loss)
BCELoss = _loss("BCELoss", F.binary_cross_entropy)
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", F.binary_cross_entropy_with_logits)
