"""Per-coordinate step sizes from running gradient statistics: AdaGrad, AdaDelta, RMSprop."""

from __future__ import annotations

from typing import Any

from zerograd.core.cuda import get_array_module
from zerograd.nn.optimizers.hyperparameters import CLOSED_FRACTION, NON_NEGATIVE, Hyperparameter
from zerograd.nn.optimizers.optimizer import Optimizer

__all__ = ["AdaDelta", "AdaGrad", "RMSprop"]


class AdaGrad(Optimizer):
    """AdaGrad:

        h <- h + g^2
        p <- p - lr * g / (sqrt(h) + eps)       (eps outside the root, as in the book and PyTorch)

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([3.0]))
    >>> AdaGrad(lr=0.1).setup([p]).update(); p.data  # 1 - 0.1 * 3 / 3
    array([0.9])
    """

    rules = {**Optimizer.rules, "eps": NON_NEGATIVE}
    slots = ("sum_sq",)
    eps = Hyperparameter("eps")

    def __init__(self, lr: float = 0.001, eps: float = 1e-8) -> None:
        super().__init__(lr=lr, eps=eps)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        xp, sum_sq = get_array_module(p), state["sum_sq"]
        sum_sq += g * g
        p -= h["lr"] * g / (xp.sqrt(sum_sq) + h["eps"])


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

    rules = {**Optimizer.rules, "rho": CLOSED_FRACTION, "eps": NON_NEGATIVE}
    slots = ("square_avg", "acc_delta")
    rho = Hyperparameter("rho")
    eps = Hyperparameter("eps")

    def __init__(self, rho: float = 0.95, eps: float = 1e-6, lr: float = 1.0) -> None:
        super().__init__(lr=lr, rho=rho, eps=eps)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
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

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([2.0]))
    >>> RMSprop(lr=0.01, alpha=0.75).setup([p]).update(); p.data  # 1 - 0.01 * 2 / 1
    array([0.98])
    """

    rules = {**Optimizer.rules, "alpha": CLOSED_FRACTION, "eps": NON_NEGATIVE}
    slots = ("square_avg",)
    alpha = Hyperparameter("alpha")
    eps = Hyperparameter("eps")

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(lr=lr, alpha=alpha, eps=eps)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        xp, alpha, v = get_array_module(p), h["alpha"], state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        p -= h["lr"] * g / (xp.sqrt(v) + h["eps"])
