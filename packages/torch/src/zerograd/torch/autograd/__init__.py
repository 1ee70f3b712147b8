"""``zerograd.torch.autograd``: PyTorch's autograd entry points (``backward``, ``grad``), grad-mode
switches and the graph's nodes, over zerograd's one backward engine."""

from zerograd.torch.autograd.engine import backward, grad
from zerograd.torch.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from zerograd.torch.autograd.graph import AccumulateGrad, Node

__all__ = [
    "AccumulateGrad", "Node", "backward", "enable_grad", "grad", "inference_mode", "is_grad_enabled",
    "is_inference_mode_enabled", "no_grad", "set_grad_enabled",
]
