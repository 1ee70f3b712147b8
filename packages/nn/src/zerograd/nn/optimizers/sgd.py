"""Gradient descent: SGD, MomentumSGD (with Nesterov's variant) and averaged SGD (ASGD)."""

from __future__ import annotations

from typing import Any

from zerograd.core import kernels
from zerograd.core.cuda import get_array_module
from zerograd.nn.optimizers.hyperparameters import (
    CLOSED_FRACTION,
    FLAG,
    GRADIENT_OPTION_RULES,
    GRADIENT_OPTIONS,
    NON_NEGATIVE,
    Hyperparameter,
)
from zerograd.nn.optimizers.optimizer import Optimizer

__all__ = ["ASGD", "SGD", "MomentumSGD"]


class SGD(Optimizer):
    """Stochastic gradient descent: p <- p - lr * g.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([2.0]))
    >>> SGD(lr=0.5).setup([p]).update(); p.data
    array([0.])
    """

    rules = {**Optimizer.rules, **GRADIENT_OPTION_RULES}
    options = GRADIENT_OPTIONS

    def __init__(self, lr: float = 0.01, **options: Any) -> None:
        """``options``: ``weight_decay`` (L2) and ``maximize``, as in torch.optim.SGD."""
        super().__init__(lr=lr, **self._options(options))

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        # p -= lr * g, with lr * g in a reused buffer: a fresh temporary per weight makes the MLP
        # step (benchmarks/mlp.py) markedly slower (benchmarks/RESULTS.md, "Measured design
        # choices").
        p -= get_array_module(g).multiply(g, h["lr"], out=self._scratch(g))


class MomentumSGD(Optimizer):
    """SGD with momentum, PyTorch's formula:

        b <- momentum * b + g
        p <- p - lr * b                    (nesterov: p <- p - lr * (g + momentum * b))

    Options as torch.optim.SGD: ``dampening`` (b <- momentum * b + (1 - dampening) * g after the
    first step, which sets b <- g), ``weight_decay`` (L2) and ``maximize``.

    The book writes v <- momentum * v - lr * g; p <- p + v, which is the same while lr is constant
    (v = -lr * b) but PyTorch's form stays right when a scheduler changes lr.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([0.0])); opt = MomentumSGD(lr=0.1, momentum=0.9).setup([p])
    >>> for _ in range(2): p.grad = Variable(np.array([1.0])); opt.update()
    >>> p.data  # -0.1 * 1 - 0.1 * 1.9
    array([-0.29])
    """

    rules = {**Optimizer.rules, "momentum": NON_NEGATIVE, "nesterov": FLAG,
             "dampening": CLOSED_FRACTION, **GRADIENT_OPTION_RULES}
    options = {"dampening": 0.0, **GRADIENT_OPTIONS}
    slots = ("momentum_buffer",)
    momentum = Hyperparameter("momentum")
    nesterov = Hyperparameter("nesterov")

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False,
                 **options: Any) -> None:
        super().__init__(lr=lr, momentum=momentum, nesterov=nesterov, **self._options(options))

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        b = state["momentum_buffer"]
        if kernels.enabled(p, g, b):  # one compiled pass where the layouts allow; NumPy below
            from zerograd.core.kernels import optim
            decoupled = h.get("decoupled_weight_decay", self.decoupled_weight_decay)
            if optim.momentum_sgd(p, g, b, state["step"], h, decoupled):
                return
        g = self.gradient(p, g, h)
        lr, momentum = h["lr"], h["momentum"]
        dampening = h.get("dampening", 0.0)
        b *= momentum
        b += g if state["step"] == 1 or not dampening else (1 - dampening) * g
        p -= lr * (g + momentum * b) if h["nesterov"] else lr * b


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky 1992), as torch.optim.ASGD: a decaying step size eta and,
    from step t0 on, the running average ``ax`` of the iterates (the state holds it):

        p <- p (1 - lambd * eta) - eta * g
        ax <- ax + mu (p - ax);  eta <- lr / (1 + lambd lr t)^alpha;  mu <- 1 / max(1, t - t0)

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([1.0]))
    >>> ASGD(lr=0.1, lambd=0.0).setup([p]).update(); p.data
    array([0.9])
    """

    rules = {**Optimizer.rules, "lambd": NON_NEGATIVE, "alpha": NON_NEGATIVE,
             "t0": NON_NEGATIVE, **GRADIENT_OPTION_RULES}
    slots = ("ax",)
    optional_state = ("eta", "mu")

    def __init__(self, lr: float = 0.01, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0.0, maximize: bool = False) -> None:
        super().__init__(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                         maximize=maximize)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        lr, lambd, t, ax = h["lr"], h["lambd"], state["step"], state["ax"]
        eta, mu = state.get("eta", lr), state.get("mu", 1.0)
        p *= 1 - lambd * eta
        p -= eta * g
        if mu != 1:
            ax += mu * (p - ax)
        else:
            ax[...] = p
        state["eta"] = lr / (1 + lambd * lr * t) ** h["alpha"]
        state["mu"] = 1 / max(1, t - h["t0"])
