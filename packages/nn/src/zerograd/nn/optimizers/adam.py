"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

import math
from typing import Any

from zerograd.core import kernels
from zerograd.core.cuda import get_array_module
from zerograd.nn.optimizers.hyperparameters import (
    FLAG,
    FRACTION,
    GRADIENT_OPTION_RULES,
    GRADIENT_OPTIONS,
    NON_NEGATIVE,
    Hyperparameter,
)
from zerograd.nn.optimizers.optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) in PyTorch's form; ``alpha`` (or ``lr=``) sets the groups' lr:

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Options as torch.optim.Adam: ``amsgrad`` (divide by the running maximum of v),
    ``weight_decay`` (L2, or AdamW's with ``decoupled_weight_decay=True``) and ``maximize``.

    t counts the parameter's own updates. The book divides by sqrt(v) + eps and folds both
    corrections into its ``Adam.lr`` = alpha * sqrt(1 - beta2^t) / (1 - beta1^t), which is the
    same rule with eps scaled by sqrt(1 - beta2^t); zerograd follows PyTorch, keeps ``lr`` as the
    group's learning rate and offers the book's value as ``step_size``.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([5.0]))
    >>> opt = Adam(alpha=0.1).setup([p]); opt.update(); p.data  # the first step moves by lr
    array([0.9])
    """

    rules = {**Optimizer.rules, "beta1": FRACTION, "beta2": FRACTION, "eps": NON_NEGATIVE,
             "amsgrad": FLAG, "decoupled_weight_decay": FLAG, **GRADIENT_OPTION_RULES}
    options = {"amsgrad": False, "decoupled_weight_decay": False, **GRADIENT_OPTIONS}
    aliases = {"alpha": "lr"}
    slots = ("m", "v")
    optional_state = ("max_v",)
    alpha = Hyperparameter("lr")
    beta1 = Hyperparameter("beta1")
    beta2 = Hyperparameter("beta2")
    eps = Hyperparameter("eps")

    def __init__(self, alpha: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, *, lr: float | None = None, **options: Any) -> None:
        self._checked("alpha", alpha)  # even beside lr=: PyTorch's Adam(params, lr=...) lands here
        super().__init__(lr=alpha if lr is None else lr, beta1=beta1, beta2=beta2, eps=eps,
                         **self._options(options))

    @property
    def step_size(self) -> float:
        """The book's bias-corrected learning rate lr * sqrt(1 - beta2^t) / (1 - beta1^t) at the
        latest update t (at t = 1 before any update); read-only."""
        t = max(self.t, 1)
        return self.lr * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        m, v = state["m"], state["v"]
        # one compiled pass where the layouts allow (amsgrad excepted); the NumPy reference below
        if not h.get("amsgrad") and kernels.enabled(p, g, m, v):
            from zerograd.core.kernels import optim
            decoupled = h.get("decoupled_weight_decay", self.decoupled_weight_decay)
            if optim.adam(p, g, m, v, state["step"], h, decoupled):
                return
        g = self.gradient(p, g, h)
        beta1, beta2, t = h["beta1"], h["beta2"], state["step"]
        # m / (sqrt(v) / c + eps) = c m / (sqrt(v) + c eps) with c = sqrt(1 - beta2^t): the
        # correction rides on the scalars, one pass fewer over the parameter.
        c = math.sqrt(1 - beta2 ** t)
        step_size = h["lr"] * c / (1 - beta1 ** t)
        # The formula written with out= into one reusable buffer, because it pays: fresh
        # temporaries as in the docstring make benchmarks/optim.py's step markedly slower
        # (benchmarks/RESULTS.md, "Measured design choices").
        xp, work = get_array_module(p), self._scratch(p)
        m *= beta1                                  # m <- beta1 m + (1 - beta1) g
        m += xp.multiply(g, 1 - beta1, out=work)
        v *= beta2                                  # v <- beta2 v + (1 - beta2) g^2
        xp.multiply(g, g, out=work)
        v += xp.multiply(work, 1 - beta2, out=work)
        if h.get("amsgrad"):                        # amsgrad: the running maximum of v
            v = xp.maximum(self.lazy_slot(state, "max_v", p), v, out=state["max_v"])
        xp.sqrt(v, out=work)                        # p <- p - step_size m / (sqrt(v) + c eps)
        work += c * h["eps"]
        xp.divide(m, work, out=work)
        p -= xp.multiply(work, step_size, out=work)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW:

        p <- p * (1 - lr * weight_decay), then Adam's step

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([2.0])); p.grad = Variable(np.array([1.0]))
    >>> AdamW(alpha=0.1, weight_decay=0.5).setup([p]).update(); p.data  # 2 * 0.95 - 0.1
    array([1.8])
    """

    options = {"amsgrad": False, "maximize": False}
    decoupled_weight_decay = True
    weight_decay = Hyperparameter("weight_decay")

    def __init__(self, alpha: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01, *, lr: float | None = None,
                 **options: Any) -> None:
        super().__init__(alpha, beta1, beta2, eps, lr=lr, **options)
        self.defaults["weight_decay"] = self._checked("weight_decay", weight_decay)
