"""Adafactor (Shazeer & Stern 2018) in torch.optim.Adafactor's form: second moments kept as a
row and a column factor for matrices (memory O(n + m) instead of O(nm)), a relative step size
and update clipping; no first moment."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core.checks import check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn.optimizers.hyperparameters import GRADIENT_OPTION_RULES
from zerograd.nn.optimizers.optimizer import Optimizer

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor: with rho_t = min(lr, 1 / sqrt(t)), beta2_t = 1 - t^beta2_decay and
    alpha = max(eps[1], rms(p)) * rho_t,

        matrices (last two axes): r <- lerp(r, mean(g^2, -1), 1 - beta2_t),
                                  c <- lerp(c, mean(g^2, -2), 1 - beta2_t),
                                  V = r c / max(mean(r, -2), eps[0])
        vectors:                  V <- lerp(V, g^2, 1 - beta2_t)
        u = g / sqrt(max(V, eps[0]^2));  p <- p - alpha / max(1, rms(u) / d) * u

    ``eps[0]`` None means the dtype's machine epsilon; ``weight_decay`` is decoupled
    (p <- p (1 - lr * weight_decay)), ``maximize`` follows -g.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0, 1.0])); p.grad = Variable(np.array([1.0, -1.0]))
    >>> Adafactor(lr=0.01).setup([p]).update(); np.round(p.data, 6)
    array([0.99, 1.01])
    """

    rules = {**Optimizer.rules, "d": {"low": 1}, "beta2_decay": {"high": 0},
             **GRADIENT_OPTION_RULES}

    def __init__(self, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, maximize: bool = False) -> None:
        eps1, eps2 = eps
        eps = (None if eps1 is None else float(check_real("Adafactor", "eps[0]", eps1, low=0)),
               float(check_real("Adafactor", "eps[1]", eps2, low=0)))
        super().__init__(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                         weight_decay=weight_decay, maximize=maximize)

    def state_shape(self, key: str, data: Any) -> Any:
        if data is None or key not in ("row_var", "col_var"):
            return super().state_shape(key, data)
        shape = list(data.shape)
        shape[-1 if key == "row_var" else -2] = 1
        return tuple(shape)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        xp, t, lr = get_array_module(p), state["step"], h["lr"]
        if h["maximize"]:
            g = -g
        eps1, eps2 = h["eps"]
        eps1 = float(np.finfo(p.dtype).eps) if eps1 is None else eps1
        weight = t ** h["beta2_decay"]  # 1 - beta2_t
        # alpha and the clipping stay 0-d device arrays: no transfer to the host per step
        alpha = xp.maximum(xp.sqrt(xp.mean(p * p)), eps2) * min(lr, 1 / math.sqrt(t))
        if h["weight_decay"]:
            p *= 1 - lr * h["weight_decay"]  # after alpha, which reads the undecayed p
        square = g * g
        if g.ndim > 1:
            row = self.lazy_slot(state, "row_var", square[..., :1])
            col = self.lazy_slot(state, "col_var", square[..., :1, :])
            row += weight * (square.mean(axis=-1, keepdims=True) - row)
            col += weight * (square.mean(axis=-2, keepdims=True) - col)
            variance = row @ col / xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = self.lazy_slot(state, "variance", g)
            variance += weight * (square - variance)
        update = g / xp.sqrt(xp.maximum(variance, eps1 * eps1))
        rms = xp.sqrt(xp.mean(update * update)) / h["d"]
        p -= (alpha / xp.maximum(rms, 1.0)).astype(p.dtype) * update
