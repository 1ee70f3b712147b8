"""Rprop (resilient backpropagation, Riedmiller & Braun 1993) in torch.optim.Rprop's form: each
coordinate keeps its own step size, grown by etas[1] while the gradient's sign holds and cut by
etas[0] when it flips; only the sign of the gradient moves the parameter."""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn.optimizers.hyperparameters import FLAG
from zerograd.nn.optimizers.optimizer import Optimizer

__all__ = ["Rprop"]


def _pair(name: str, value: Any, low: float) -> tuple[float, float]:
    try:
        first, second = value
    except (TypeError, ValueError):
        raise TypeError(f"Rprop: {name} must be a pair of numbers, got {value!r}") from None
    return (float(check_real("Rprop", f"{name}[0]", first, low=low)),
            float(check_real("Rprop", f"{name}[1]", second, low=low)))


class Rprop(Optimizer):
    """Rprop:

        s  = sign(g * g_prev);  step <- clip(step * (etas[1] if s > 0, etas[0] if s < 0, else 1),
                                             *step_sizes)
        g <- 0 where s < 0 (the flipped coordinates wait a step);  p <- p - sign(g) * step

    Each step size starts at lr. ``maximize`` follows -g.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0, 1.0])); opt = Rprop(lr=0.1).setup([p])
    >>> for g in ([1.0, 1.0], [2.0, -1.0]): p.grad = Variable(np.array(g)); opt.update()
    >>> np.round(p.data, 6)  # the first coordinate's step grew to 0.12; the second one waited
    array([0.78, 0.9 ])
    """

    rules = {**Optimizer.rules, "maximize": FLAG}
    slots = ("prev", "step_size")

    def __init__(self, lr: float = 0.01, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), maximize: bool = False) -> None:
        etaminus, etaplus = _pair("etas", etas, 0)
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Rprop: etas must satisfy 0 < etas[0] < 1 < etas[1], got {etas!r}")
        super().__init__(lr=lr, etas=(etaminus, etaplus),
                         step_sizes=_pair("step_sizes", step_sizes, 0), maximize=maximize)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        g = self.gradient(p, g, h)
        xp, prev, step_size = get_array_module(p), state["prev"], state["step_size"]
        (etaminus, etaplus), (low, high) = h["etas"], h["step_sizes"]
        if state["step"] == 1:
            step_size[...] = h["lr"]
        sign = xp.sign(g * prev)
        factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0))
        xp.clip(step_size * factor.astype(p.dtype, copy=False), low, high, out=step_size)
        g = xp.where(sign < 0, 0, g).astype(p.dtype, copy=False)
        p -= xp.sign(g) * step_size
        prev[...] = g
