"""Adam's relatives, in PyTorch's form: Adamax (infinity norm), NAdam (Nesterov momentum) and
RAdam (rectified variance). Each takes ``weight_decay`` (L2, or decoupled as AdamW's with
``decoupled_weight_decay=True`` where PyTorch offers it) and ``maximize``."""

from __future__ import annotations

import math
from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.nn.optimizers.hyperparameters import (
    FLAG,
    FRACTION,
    GRADIENT_OPTION_RULES,
    NON_NEGATIVE,
)
from zerograd.nn.optimizers.optimizer import Optimizer

__all__ = ["Adamax", "NAdam", "RAdam"]

_ADAM_RULES = {**Optimizer.rules, "beta1": FRACTION, "beta2": FRACTION, "eps": NON_NEGATIVE,
               **GRADIENT_OPTION_RULES}


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, section 7), as torch.optim.Adamax:

        m <- beta1 * m + (1 - beta1) * g
        u <- max(beta2 * u, |g| + eps)
        p <- p - lr / (1 - beta1^t) * m / u

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([4.0]))
    >>> Adamax(lr=0.1).setup([p]).update(); np.round(p.data, 6)  # 1 - 0.1 * 0.4 / 0.1 / 4
    array([0.9])
    """

    rules = _ADAM_RULES
    slots = ("m", "u")

    def __init__(self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, maximize: bool = False) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                         maximize=maximize)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        xp, beta1, m, u = get_array_module(p), h["beta1"], state["m"], state["u"]
        m += (1 - beta1) * (g - m)
        u *= h["beta2"]
        xp.maximum(u, xp.abs(g) + h["eps"], out=u)
        p -= h["lr"] / (1 - beta1 ** state["step"]) * m / u


class NAdam(Optimizer):
    """NAdam (Dozat 2016), as torch.optim.NAdam: Adam whose momentum looks one step ahead, with
    a momentum schedule mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)):

        m <- beta1 * m + (1 - beta1) * g;  v <- beta2 * v + (1 - beta2) * g^2
        d  = sqrt(v / (1 - beta2^t)) + eps
        p <- p - lr (1 - mu_t) / (1 - prod mu) * g / d - lr mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([1.0]))
    >>> NAdam(lr=0.1).setup([p]).update(); np.round(p.data, 4)  # torch.optim.NAdam's value
    array([0.8944])
    """

    rules = {**_ADAM_RULES, "momentum_decay": NON_NEGATIVE, "decoupled_weight_decay": FLAG}
    slots = ("m", "v")
    optional_state = ("mu_product",)

    def __init__(self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                         momentum_decay=momentum_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        xp, beta1, beta2, t = get_array_module(p), h["beta1"], h["beta2"], state["step"]
        m, v, lr = state["m"], state["v"], h["lr"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * h["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * h["momentum_decay"]))
        mu_product = state.get("mu_product", 1.0) * mu
        state["mu_product"] = mu_product
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += (1 - beta2) * g * g
        d = xp.sqrt(v / (1 - beta2 ** t)) + h["eps"]
        p -= (lr * (1 - mu) / (1 - mu_product)) * g / d
        p -= (lr * mu_next / (1 - mu_product * mu_next)) * m / d


class RAdam(Optimizer):
    """RAdam (Liu et al. 2020), as torch.optim.RAdam: Adam whose adaptive step is used only once
    the variance of its estimate is tractable (rho_t > 5), scaled by the rectification r_t:

        m <- beta1 * m + (1 - beta1) * g;  v <- beta2 * v + (1 - beta2) * g^2
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        p <- p - lr * m / (1 - beta1^t) * (r_t sqrt(1 - beta2^t) / (sqrt(v) + eps)  if rho_t > 5
                                           else 1)

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([3.0]))
    >>> RAdam(lr=0.1).setup([p]).update(); np.round(p.data, 6)  # SGD with momentum at first
    array([0.7])
    """

    rules = {**_ADAM_RULES, "decoupled_weight_decay": FLAG}
    slots = ("m", "v")

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        xp, beta1, beta2, t = get_array_module(p), h["beta1"], h["beta2"], state["step"]
        m, v = state["m"], state["v"]
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += (1 - beta2) * g * g
        correction2 = 1 - beta2 ** t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / correction2
        step = h["lr"] / (1 - beta1 ** t) * m
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step = step * (rect * math.sqrt(correction2) / (xp.sqrt(v) + h["eps"]))
        p -= step
