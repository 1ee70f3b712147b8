"""Gradient descent: SGD and MomentumSGD (with Nesterov's variant)."""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.nn.optimizers.hyperparameters import FLAG, NON_NEGATIVE, Hyperparameter
from zerograd.nn.optimizers.optimizer import Optimizer

__all__ = ["SGD", "MomentumSGD"]


class SGD(Optimizer):
    """Stochastic gradient descent: p <- p - lr * g.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([2.0]))
    >>> SGD(lr=0.5).setup([p]).update(); p.data
    array([0.])
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr=lr)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        # p -= lr * g, with lr * g in a reused buffer: a fresh temporary per weight makes the MLP
        # step (benchmarks/mlp.py) markedly slower (benchmarks/RESULTS.md, "Measured design
        # choices").
        p -= get_array_module(g).multiply(g, h["lr"], out=self._scratch(g))


class MomentumSGD(Optimizer):
    """SGD with momentum, PyTorch's formula:

        b <- momentum * b + g
        p <- p - lr * b                    (nesterov: p <- p - lr * (g + momentum * b))

    The book writes v <- momentum * v - lr * g; p <- p + v, which is the same while lr is constant
    (v = -lr * b) but PyTorch's form stays right when a scheduler changes lr.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([0.0])); opt = MomentumSGD(lr=0.1, momentum=0.9).setup([p])
    >>> for _ in range(2): p.grad = Variable(np.array([1.0])); opt.update()
    >>> p.data  # -0.1 * 1 - 0.1 * 1.9
    array([-0.29])
    """

    rules = {**Optimizer.rules, "momentum": NON_NEGATIVE, "nesterov": FLAG}
    slots = ("momentum_buffer",)
    momentum = Hyperparameter("momentum")
    nesterov = Hyperparameter("nesterov")

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(lr=lr, momentum=momentum, nesterov=nesterov)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        lr, momentum, b = h["lr"], h["momentum"], state["momentum_buffer"]
        b *= momentum
        b += g
        p -= lr * (g + momentum * b) if h["nesterov"] else lr * b
