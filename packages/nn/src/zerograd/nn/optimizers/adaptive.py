"""Per-coordinate step sizes from running gradient statistics: AdaGrad, AdaDelta, RMSprop."""

from __future__ import annotations

from typing import Any

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

__all__ = ["AdaDelta", "AdaGrad", "RMSprop"]


class AdaGrad(Optimizer):
    """AdaGrad:

        h <- h + g^2
        p <- p - lr * g / (sqrt(h) + eps)       (eps outside the root, as in the book and PyTorch)

    Options as torch.optim.Adagrad: ``lr_decay`` (step t uses lr / (1 + (t - 1) * lr_decay)),
    ``initial_accumulator_value`` (h's start), ``weight_decay`` (L2) and ``maximize``.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([3.0]))
    >>> AdaGrad(lr=0.1).setup([p]).update(); p.data  # 1 - 0.1 * 3 / 3
    array([0.9])
    """

    rules = {**Optimizer.rules, "eps": NON_NEGATIVE, "lr_decay": NON_NEGATIVE,
             "initial_accumulator_value": NON_NEGATIVE, **GRADIENT_OPTION_RULES}
    options = {"lr_decay": 0.0, "initial_accumulator_value": 0.0, **GRADIENT_OPTIONS}
    slots = ("sum_sq",)
    eps = Hyperparameter("eps")

    def __init__(self, lr: float = 0.001, eps: float = 1e-8, **options: Any) -> None:
        super().__init__(lr=lr, eps=eps, **self._options(options))

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        xp, sum_sq, t = get_array_module(p), state["sum_sq"], state["step"]
        if t == 1:
            sum_sq += h.get("initial_accumulator_value", 0.0)
        sum_sq += g * g
        lr = h["lr"] / (1 + (t - 1) * h.get("lr_decay", 0.0))
        p -= lr * g / (xp.sqrt(sum_sq) + h["eps"])


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012), with PyTorch's lr multiplier (1.0 gives the book's rule):

        v <- rho * v + (1 - rho) * g^2
        d <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * d^2
        p <- p - lr * d

    eps sits inside both roots, as in the book and PyTorch (the book takes the root of the
    ratio, PyTorch the ratio of the roots; this follows PyTorch).

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([1.0]))
    >>> opt = AdaDelta().setup([p]); opt.update(); round(float(p.data[0]), 6)
    0.995528
    """

    rules = {**Optimizer.rules, "rho": CLOSED_FRACTION, "eps": NON_NEGATIVE,
             **GRADIENT_OPTION_RULES}
    options = GRADIENT_OPTIONS
    slots = ("square_avg", "acc_delta")
    rho = Hyperparameter("rho")
    eps = Hyperparameter("eps")

    def __init__(self, rho: float = 0.95, eps: float = 1e-6, lr: float = 1.0,
                 **options: Any) -> None:
        """``options``: ``weight_decay`` (L2) and ``maximize``, as in torch.optim.Adadelta."""
        super().__init__(lr=lr, rho=rho, eps=eps, **self._options(options))

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        xp, rho, eps = get_array_module(p), h["rho"], h["eps"]
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * g * g
        d = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * d * d
        p -= h["lr"] * d


class RMSprop(Optimizer):
    """RMSprop (the book has none):

        v <- alpha * v + (1 - alpha) * g^2
        p <- p - lr * g / (sqrt(v) + eps)       (eps outside the root, as in PyTorch)

    Options as torch.optim.RMSprop: ``centered`` (divide by sqrt(v - a^2) + eps, a the running
    mean of g), ``momentum`` (b <- momentum * b + g / denominator; p <- p - lr * b),
    ``weight_decay`` (L2) and ``maximize``.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([2.0]))
    >>> RMSprop(lr=0.01, alpha=0.75).setup([p]).update(); p.data  # 1 - 0.01 * 2 / 1
    array([0.98])
    """

    rules = {**Optimizer.rules, "alpha": CLOSED_FRACTION, "eps": NON_NEGATIVE,
             "momentum": NON_NEGATIVE, "centered": FLAG, **GRADIENT_OPTION_RULES}
    options = {"momentum": 0.0, "centered": False, **GRADIENT_OPTIONS}
    slots = ("square_avg",)
    optional_state = ("grad_avg", "momentum_buffer")
    alpha = Hyperparameter("alpha")
    eps = Hyperparameter("eps")

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 **options: Any) -> None:
        super().__init__(lr=lr, alpha=alpha, eps=eps, **self._options(options))

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        xp, alpha, v = get_array_module(p), h["alpha"], state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        if h.get("centered"):
            a = self.lazy_slot(state, "grad_avg", p)
            a += (1 - alpha) * (g - a)
            denominator = xp.sqrt(v - a * a) + h["eps"]
        else:
            denominator = xp.sqrt(v) + h["eps"]
        momentum = h.get("momentum", 0.0)
        if momentum > 0:
            b = self.lazy_slot(state, "momentum_buffer", p)
            b *= momentum
            b += g / denominator
            p -= h["lr"] * b
        else:
            p -= h["lr"] * g / denominator
